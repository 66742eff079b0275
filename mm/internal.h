/* mm/internal.h - what the files of mm/ share with each other and with nobody else. */
#ifndef MM_INTERNAL_H
#define MM_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/arch.h"
#include "kernel/context.h"
#include "kernel/deferred.h"
#include "kernel/thread.h"
#include "lib/compiler.h"
#include "mm/atomic_reserve.h"
#include "mm/hot_cache.h"
#include "mm/memmap.h"
#include "mm/page_alloc.h"

/* frame_db.c: builds the database for the usable ranges of map, all frames PAGE_RESERVED. */
void frame_db_init(const struct memmap *map);

/* frame_db.c's bitmap: bit b set when 4 MiB block b has descriptors. Set at boot. */
extern uint64_t *frame_db_present;
extern uint64_t frame_db_blocks;

/* pfn_valid, inline for the allocator's fast paths. */
static inline bool frame_db_has(uint64_t pfn)
{
    uint64_t block = pfn >> MAX_ORDER;
    return block < frame_db_blocks && (frame_db_present[block / 64] >> (block % 64)) & 1;
}

/* True when page points at a descriptor of the frame database. */
static inline __attribute__((always_inline)) bool is_descriptor(const struct page *page)
{
    uintptr_t address = (uintptr_t)page, base = (uintptr_t)frame_db;
    return address >= base && (address - base) % sizeof(struct page) == 0 &&
           frame_db_has((address - base) / sizeof(struct page));
}

/* page_stats.c: one log line for a broken invariant (the function, the frame or descriptor,
 * what is wrong), and the counter it goes to. Any context. */
void mm_report(uint64_t *counter, const char *function, const struct page *page, const char *fmt,
               ...) __attribute__((format(printf, 4, 5)));

/* page_stats.c: the problems found so far; changed with interrupts off. */
extern struct page_alloc_errors mm_errors;

/* page_alloc.c: set at boot, read-only afterwards. */
struct mm_limits {
    uint64_t managed; /* frames the allocator owns */
    uint64_t watermark_min, watermark_low, watermark_high;
};
extern struct mm_limits mm_limits;
extern bool mm_poison_on_free; /* page_poison= (changed only by page_alloc_set_poison) */

/* One per CPU, touched only by its CPU with interrupts off: that, not a lock, protects it. */
struct cpu_pages {
    struct hot_cache cache;
    uint64_t allocations, frees, failures; /* calls */
};
extern struct cpu_pages cpu_pages[MAX_CPUS];

/* poison.c: fills a block with PAGE_POISON_BYTE and flags its frames PG_POISONED (the caller
 * owns the block); checks the poison of a block's flagged frames (each damaged one reported
 * and counted), clearing the flags. Any context. */
void poison_fill(struct page *page, unsigned int order);
void poison_check(struct page *page, unsigned int order);

/* page_alloc.c, for the landing pads: an order-0 frame from the general pool, even below
 * min (NULL when there is none), left in transit; scrubbing (poison check, zeroing); the
 * end of its transit (pushed on the pads, or given back), interrupts off; and giving a frame
 * back to the pool. Ordinary context; the last two also with interrupts off. A frame in
 * transit is counted as unallocated: the thread scrubbing it may be preempted half way, and
 * nobody holds the frame meanwhile. */
struct page *page_alloc_take_for_reserve(void);
void page_alloc_scrub(struct page *page);
void page_alloc_transit_ended(void);
void page_alloc_return_to_pool(struct page *page);

/* An allocation's retry inside GFP_KERNEL's wait: fails at min without waiting, and is not
 * counted as a call of its own. Never a caller's flag. */
#define __GFP_WAITING 0x80u

/* page_alloc.c, for waiting (page_alloc_wait.c): whether an allocation with these flags sleeps
 * at min (GFP_KERNEL does; GFP_ATOMIC, GFP_NOWAIT and retries never); whether this CPU's view
 * of the pool could serve a block of `order` now (interrupts off: under the scheduler's lock);
 * and counting a failure. Any context. */
static inline bool page_alloc_may_wait(gfp_t gfp)
{
    return !(gfp & (__GFP_ATOMIC | __GFP_NOWAIT | __GFP_WAITING));
}
bool page_alloc_could_serve(unsigned int order);
void page_alloc_count_failure(void);

/* page_alloc_wait.c: threads waiting for memory now (the free path's test, read without a
 * lock); the wait itself, which alloc_page and alloc_pages reach by tail calls only, so that
 * its return address is their caller's (returns a block, or NULL after the timeout or from a
 * context that must not sleep, with one line naming that caller); and the free path's
 * wake-up, which gives this CPU's hot cache back to the buddy lists first so a waiter on any
 * CPU can take the frames. */
extern unsigned int page_alloc_waiters;
extern bool page_alloc_waits_started; /* page_alloc_wait_start: the boot is over */
struct page *page_alloc_wait(gfp_t gfp, unsigned int order);
void page_alloc_wake_waiters(void);

/* --- the landing pads (atomic_reserve.c owns them; the allocator pops them inline) ----------- */

/* A stack of scrubbed frames (state PAGE_RESERVE), linked through struct page.next. (head
 * and level apart, so the pop's two stores stay two plain stores.) */
struct pad_stack {
    uint32_t head;         /* top frame; PFN_NONE: empty */
    uint32_t target;       /* frames it is refilled to */
    uint32_t level;        /* frames in it */
    uint32_t refill_below; /* a take that leaves fewer frames asks for the refill */
};

/* Where a handler's order-0 GFP_ATOMIC take was served from; indexes pad_account.taken. */
enum pad_take {
    PAD_TAKE_CLAIM,     /* its own claimed pads */
    PAD_TAKE_SHARED,    /* the shared stock */
    PAD_TAKE_POOL,      /* the general pool, above min */
    PAD_TAKE_BELOW_MIN, /* the general pool, below min */
    PAD_TAKE_FAILED,    /* nowhere: NULL */
    PAD_TAKE_KINDS
};

/* One handler registration's pads and takes on one CPU, in the slot of its context: 64 bytes,
 * so the take finds it with a shift. */
struct pad_account {
    struct pad_stack claim; /* target 0: no claim */
    uint64_t taken[PAD_TAKE_KINDS];
    uint64_t scrubbed; /* clean frames the handler took from the pool and scrubbed itself */
};
_Static_assert(sizeof(struct pad_account) == 64, "a shift, not a multiply, on the take path");

/* One per CPU, like the hot caches: only its CPU touches it, with interrupts off, so the
 * interrupt handler's pop needs no lock. (handlers first: the take indexes it from the
 * structure's start.) */
struct cpu_pads {
    struct pad_account handlers[CONTEXT_HANDLER_SLOTS]; /* by context_handler_slot */
    struct pad_stack shared; /* the unclaimed stock: target - the claims' targets */
    uint64_t level, target;  /* over the shared stock and every claim: the free path's test */
    uint64_t targets_seen;   /* the change of the targets it follows (atomic_reserve.c) */
    uint64_t lowest;         /* the lowest total level, noted where it rises and when read */
    uint64_t taken_outside;  /* shared pads taken by ordinary GFP_ATOMIC at min */
    uint64_t refills, refilled;
    context_t owners[CONTEXT_HANDLER_SLOTS];       /* each claim's owner, recorded in its frames */
    uint32_t releases_seen[CONTEXT_HANDLER_SLOTS]; /* of each slot (atomic_reserve.c) */
    struct pad_account gone; /* the takes of registrations since freed (no stack) */
};

extern struct cpu_pads cpu_pads[MAX_CPUS];
extern struct deferred_work reserve_refill_work;

/* This CPU's, through a per-CPU word (page_alloc_init_cpu): one instruction, so the answer
 * is this CPU's even if the caller moves right after. Interrupts off. */
static inline struct cpu_pads *this_pads(void)
{
    return (struct cpu_pads *)arch_cpu_word(CPU_WORD_RESERVE);
}

/* Bumped each time a claim or the target changes: a CPU whose pads have not seen the last
 * change refills (which takes the change in) as if they were low. */
extern uint64_t atomic_reserve_targets_changed;

/* atomic_reserve_below_target, inline for the free path: below target, or following targets
 * that changed since. */
static inline bool atomic_reserve_is_low(void)
{
    const struct cpu_pads *pads = this_pads();
    return READ_ONCE(pads->level) < READ_ONCE(pads->target) ||
           READ_ONCE(pads->targets_seen) != READ_ONCE(atomic_reserve_targets_changed);
}

/* Pops the top frame of a stack that is not empty, and lowers the CPU's total. The lowest
 * level is not tracked here: between two refills the level only falls, so it is noted where it
 * rises (a push) and when it is read. Interrupts off. */
static inline __attribute__((always_inline)) struct page *pad_pop(struct cpu_pads *pads,
                                                                  struct pad_stack *stack)
{
    struct page *page = pfn_to_page(stack->head);
    stack->head = page->next;
    stack->level--;
    pads->level--;
    return page;
}

/* exclusive.c: may this context free this frame? 0, or -EPERM / -EBUSY (reported,
 * counted). On 0 the frame is no longer counted as its owner's: the caller frees it.
 * Interrupts off. */
int exclusive_check_free(const struct page *page);

/* An EXCLUSIVE block of 2^order frames was just handed out to `owner`: a thread counts it
 * among the frames it owns (kernel/thread.h), so that its end finds them. Called by the
 * allocating thread itself, off the handlers' take path (a possible call there would cost it
 * the registers a call saves). Any context. */
static inline __attribute__((always_inline)) void exclusive_count_taken(context_t owner,
                                                                        unsigned int order)
{
    if (context_is_thread(owner))
        thread_count_exclusive(owner, (int64_t)1 << order);
}

#endif
