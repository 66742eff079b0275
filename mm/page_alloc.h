/* mm/page_alloc.h - the physical page-frame allocator: one struct page per frame (the frame
 * database), a buddy allocator of orders 0 ... 10 (4 KiB ... 4 MiB) owning every free frame,
 * and a per-CPU hot cache in front of it for order 0. Every function may be called with
 * interrupts on or off, from ordinary code or an interrupt handler, and only one ever waits: a
 * GFP_KERNEL allocation that finds the pool at its min watermark sleeps until a free lifts it
 * (below). All allocator state changes with interrupts disabled (spin_lock_irqsave), so an
 * interrupt can never find it half-updated.
 */
#ifndef MM_PAGE_ALLOC_H
#define MM_PAGE_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/context.h"
#include "lib/compiler.h"
#include "mm/layout.h"
#include "mm/memmap.h"

#define MAX_ORDER 10 /* the largest block: 2^10 pages = 4 MiB */

/* The most free frames a CPU's hot cache holds before it gives a batch back. */
#define PAGE_ALLOC_HOT_CACHE_HIGH 128
#define MAX_ORDER_PAGES           (1ul << MAX_ORDER)

/* --- GFP flags: how an allocation may be satisfied ------------------------------------------ */
typedef unsigned int gfp_t;

#define __GFP_ATOMIC                                                                               \
    0x01u                /* any context; may dig below the min watermark and into the              \
                          * landing pads; never waits */
#define __GFP_ZERO 0x02u /* hand the frames out zero-filled */
#define __GFP_EXCLUSIVE                                                                            \
    0x04u /* one owner only: zeroed, recorded, unshareable, poisoned on                            \
           * free (see mm/exclusive.h) */

#define __GFP_NOWAIT 0x08u /* never sleep: fail at the min watermark rather than wait */

/* GFP_KERNEL: a thread that may sleep; at min it waits for a free, up to a timeout.
 * GFP_NOWAIT: ordinary code that must not sleep (holding a spinlock, interrupts off); fails at
 * min and never touches the reserve.
 * GFP_ATOMIC: interrupt handlers and other code that cannot wait; may use the reserve and the
 * headroom below min; never waits. */
#define GFP_KERNEL 0u
#define GFP_NOWAIT __GFP_NOWAIT
#define GFP_ATOMIC __GFP_ATOMIC
#define EXCLUSIVE  __GFP_EXCLUSIVE

/* --- the frame database ----------------------------------------------------------------------- */

/* What a frame is doing. Only the first frame (the head) of a block says; the others in
 * the block are PAGE_TAIL. */
enum page_state {
    PAGE_RESERVED = 0, /* not managed: firmware, kernel, holes, boot allocations */
    PAGE_TAIL,         /* inside a block whose head is elsewhere */
    PAGE_FREE,         /* head of a free block on a buddy free list; `order` is its size */
    PAGE_HOT,          /* a free order-0 frame in a CPU's hot cache */
    PAGE_RESERVE,      /* a free, scrubbed frame in the landing pads; `owner`: its claim's */
    PAGE_ALLOCATED,    /* head of an allocated block; `order` is its size */
    PAGE_TRANSIT,      /* head of a block between two of the above: being poisoned after a
                        * free, or scrubbed on its way to the pads */
};

/* Flag bits of struct page. */
#define PG_POISONED  0x01 /* the frame holds the poison pattern: check it before reuse */
#define PG_EXCLUSIVE 0x02 /* allocated with EXCLUSIVE: `owner` is its one owner */
#define PG_MAPPED    0x04 /* an exclusive frame mapped once with vm_map_page */

/* One per frame, 16 bytes (Linux spends 64). Links are frame numbers, not pointers: 32 bits
 * reach 16 TiB. The zone lock guards the fields of free frames; the allocating context owns
 * an allocated frame's fields. */
struct page {
    uint32_t next;  /* free list (buddy) or hand-over list link: a frame number */
    uint32_t prev;  /* free list back link */
    uint32_t owner; /* EXCLUSIVE: the owning context (kernel/context.h); else 0 */
    union {
        struct {
            uint8_t state;    /* enum page_state */
            uint8_t flags;    /* PG_* */
            uint8_t order;    /* block size, for heads of free and allocated blocks */
            uint8_t refcount; /* references to an allocated block: 1 when handed out */
        };
        uint32_t tag; /* the four above as one word, checked and set at once on fast paths */
    };
};

/* The tag word of a descriptor with these four fields. */
#define PAGE_TAG(state, flags, order, refcount)                                                    \
    ((uint32_t)(state) | (uint32_t)(flags) << 8 | (uint32_t)(order) << 16 |                        \
     (uint32_t)(refcount) << 24)

_Static_assert(sizeof(struct page) == 16, "struct page must stay at 16 bytes");

#define PFN_NONE 0xffffffffu

/* The frame database is a virtual array indexed by frame number (FRAME_DB_BASE); only the
 * parts covering RAM are backed by memory, so holes in physical memory cost nothing. */
#define frame_db ((struct page *)FRAME_DB_BASE)

static inline uint64_t page_to_pfn(const struct page *page)
{
    return (uint64_t)(page - frame_db);
}

static inline struct page *pfn_to_page(uint64_t pfn)
{
    return frame_db + pfn;
}

/* The physical address of the frame a descriptor stands for. */
static inline uint64_t page_to_phys(const struct page *page)
{
    return page_to_pfn(page) << PAGE_SHIFT;
}

/* The direct-map address of the frame: where the kernel reads and writes it. */
static inline void *page_address(const struct page *page)
{
    return phys_to_virt(page_to_phys(page));
}

/* The descriptor of the frame holding phys, or NULL when that frame has none (outside RAM).
 * Any context. */
struct page *phys_to_page(uint64_t phys);

/* True when pfn has a descriptor (it lies in a block of RAM the database covers). */
bool pfn_valid(uint64_t pfn);

/* --- allocation --------------------------------------------------------------------------------
 */

/* Allocates 2^order contiguous frames, aligned to their size, and returns the descriptor of
 * the first (its refcount 1). Returns NULL when order > MAX_ORDER or when no block is free
 * within what the flags allow. GFP_KERNEL and GFP_NOWAIT take from the general pool down to its
 * min watermark and no further; there GFP_NOWAIT fails, and GFP_KERNEL sleeps until frees lift
 * the pool (any order; one that fails above min, fragmentation, fails at once) or the timeout
 * passes (page_alloc_set_wait_timeout; the option oom_wait_ms=): then it returns NULL with one
 * "out of memory" line naming the thread and the order. A GFP_KERNEL allocation that would
 * sleep in an interrupt handler, with interrupts off or holding a spinlock does not: one line
 * names the caller (kernel/wait.h: sched_might_sleep), it is counted, and it returns NULL.
 * GFP_ATOMIC takes the pool down to min, then (order 0) a ready frame from the shared landing
 * pads (mm/atomic_reserve.h), then what is left below min. In an interrupt handler, an order-0
 * GFP_ATOMIC take of a clean frame (EXCLUSIVE or __GFP_ZERO) takes the handler's own claimed
 * pads first, then the shared ones, whatever the pool's level; then the pool (the handler
 * scrubs the frame itself: counted), then below min; NULL only when all of that is gone, and
 * the failure is counted. GFP_ATOMIC and GFP_NOWAIT: any context, interrupts on or off; never
 * wait; O(MAX_ORDER) plus the zeroing and poison checks the flags ask for (none for pads).
 * GFP_KERNEL: a thread that may sleep; waits only at min. */
struct page *alloc_pages(gfp_t gfp, unsigned int order);

/* alloc_pages for one frame. `alloc_page(GFP_ATOMIC | EXCLUSIVE)` is the interrupt handler's
 * landing pad: zero-filled, owned by the calling handler registration, popped in O(1). */
struct page *alloc_page(gfp_t gfp);

/* Drops a reference to a block allocated with that same order, and frees it when that was
 * the last. Refuses, reports (one log line naming the frame and the function) and counts a
 * double free, a frame that was never allocated or is not managed, a descriptor pointer that
 * is not one, a wrong order, and for EXCLUSIVE frames a free by a context that is not the
 * owner or of a frame still mapped. Returns 0, or -EINVAL / -EPERM / -EBUSY when refused:
 * the result must be looked at (a refused free means the caller still holds the frame).
 * Then tops the landing pads up: at once in ordinary code with interrupts on, else by
 * requesting the refill as deferred work; and when threads wait for memory (GFP_KERNEL at min),
 * gives this CPU's hot cache back to the buddy lists, where every CPU sees it, and wakes them
 * once the pool is above min. Any context; never waits. */
int free_pages(struct page *page, unsigned int order) __must_check;
int free_page(struct page *page) __must_check;

/* --- waiting for memory (mm/page_alloc_wait.c) ------------------------------------------------ */

#define PAGE_ALLOC_WAIT_MS_DEFAULT 30000   /* how long GFP_KERNEL waits at min: 30 s */
#define PAGE_ALLOC_WAIT_MS_MAX     3600000 /* the longest oom_wait_ms= takes: an hour */

/* Reads the option oom_wait_ms= (1 ... PAGE_ALLOC_WAIT_MS_MAX; a bad value: one line and the
 * default). Boot. */
void page_alloc_wait_init(void);

/* From now on GFP_KERNEL waits at min. Until then (the boot) it fails there at once, as
 * GFP_NOWAIT does: no other thread yet runs that would free memory, so a wait could only end
 * at its timeout (and a machine whose memory is gone at boot would take minutes to come up).
 * kmain calls it once the kernel's threads are started, before the self tests, the benchmark
 * and the shell. Boot, once. */
void page_alloc_wait_start(void);

/* Sets how long a GFP_KERNEL allocation waits at min before it gives up (1 ...
 * PAGE_ALLOC_WAIT_MS_MAX ms; other values are refused with -EINVAL), and reads it. Applies to
 * waits that start afterwards. Any context. */
int page_alloc_set_wait_timeout(uint64_t ms);
uint64_t page_alloc_wait_timeout(void);

/* What waiting allocations did since boot. Any context. */
struct page_alloc_wait_stats {
    uint64_t waits;    /* GFP_KERNEL allocations that found the pool at min and slept */
    uint64_t served;   /* of those, served after a free woke them */
    uint64_t timeouts; /* of those, given up at the timeout (NULL, one line each) */
    uint64_t refused;  /* would have slept in an invalid context: NULL, one line each */
    uint64_t wakeups;  /* frees that found the pool above min while threads waited, and woke
                        * the queue */
    uint64_t waiting;  /* threads waiting now */
};
void page_alloc_get_wait_stats(struct page_alloc_wait_stats *stats);

/* --- boot ------------------------------------------------------------------------------------- */

/* Builds the frame database for the usable ranges of `map`, hands it every frame the boot
 * allocator did not use, and computes the watermarks. `poison`: fill frames with a pattern
 * when they are freed and check it when they are handed out again. Boot only. */
void page_alloc_init(const struct memmap *map, bool poison);

/* Points the calling CPU at its own hot cache and atomic reserve (per-CPU words): the boot
 * CPU in page_alloc_init, every other as it comes up, before it allocates. Interrupts off. */
void page_alloc_init_cpu(void);

/* --- figures ------------------------------------------------------------------------------------
 */

struct page_alloc_stats {
    uint64_t managed;   /* frames the allocator owns, allocated or not */
    uint64_t free;      /* free in the buddy lists and hot caches */
    uint64_t hot_cache; /* of which in hot caches */
    uint64_t allocated; /* frames handed out and not yet freed */
    uint64_t reserve;   /* frames in the atomic reserve (mm/atomic_reserve.h) */
    uint64_t free_blocks[MAX_ORDER + 1];
    uint64_t watermark_min, watermark_low, watermark_high;
    uint64_t allocations, frees, failures; /* calls; failures are NULL returns */
    bool poison;
};

/* Problems found, each also reported in one log line (EXCLUSIVE violations: mm/exclusive.h). */
struct page_alloc_errors {
    uint64_t double_free;      /* freed while free */
    uint64_t not_allocated;    /* freeing a tail, reserved or unmanaged frame, or a bad pointer */
    uint64_t wrong_order;      /* freed with an order other than it was allocated with */
    uint64_t poison_corrupted; /* a freed frame was written to before it was handed out again */
};

void page_alloc_get_stats(struct page_alloc_stats *stats);
void page_alloc_get_errors(struct page_alloc_errors *errors);

/* One CPU's share of the figures: its hot cache, and the calls it served. Each figure read
 * whole, without stopping that CPU. Any context. */
struct page_alloc_cpu_stats {
    uint64_t hot_cache;
    uint64_t allocations, frees, failures;
};
void page_alloc_get_cpu_stats(unsigned int cpu, struct page_alloc_cpu_stats *stats);

/* The zone lock's figures (it guards the buddy lists): times taken, waited for, and its hold
 * times in TSC cycles; with reset, they start again from zero. Any context. */
struct spinlock_stats;
void page_alloc_get_lock_stats(struct spinlock_stats *stats, bool reset);

/* Free frames, all of them (buddy lists and hot caches). Any context. */
uint64_t page_alloc_free_count(void);

/* Frames nobody holds: free ones plus those in the atomic reserve and on their way to it
 * (page_alloc_reserve_transit). managed == unallocated + allocated at every moment. Any
 * context. */
uint64_t page_alloc_unallocated_count(void);
uint64_t page_alloc_reserve_transit(void);

/* Moves every frame in this CPU's hot cache back to the buddy lists (so that free memory
 * merges into the largest blocks). Any context. (Each CPU drains its own: a thread pinned to
 * each in turn drains them all.) */
void page_alloc_drain_hot_cache(void);

/* Turns poisoning on or off (the command line option page_poison= sets it at boot). Frames
 * freed while it was on are still checked when they are handed out. */
void page_alloc_set_poison(bool on);

/* Prints the figures, for the shell's meminfo and for logs. */
void page_alloc_print_stats(void);

/* Every managed frame's state, counted by walking the frame database, independently of the
 * counters the allocator keeps (tests compare the two). */
struct page_census {
    uint64_t free;      /* in blocks on the buddy lists */
    uint64_t hot;       /* in hot caches */
    uint64_t pads;      /* in the landing pads, claimed or not */
    uint64_t claimed;   /* of those, in claims */
    uint64_t owned;     /* of those, in the claim of the `owner` asked about */
    uint64_t allocated; /* in allocated blocks */
    uint64_t transit;   /* in blocks between two of the above (PAGE_TRANSIT) */
    uint64_t strays;    /* PAGE_TAIL frames outside any block: an invariant broken */
    uint64_t unmanaged; /* descriptors of frames the allocator does not manage */
};

/* Walks every descriptor and counts each state; `owner` chooses whose claimed pads `owned`
 * counts. O(frames), with interrupts off throughout (for a consistent count): for tests and
 * debugging, not for the shell. Ordinary context. */
void page_alloc_census(struct page_census *census, context_t owner);

#define PAGE_POISON_BYTE 0xaa

#endif
