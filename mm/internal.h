/* mm/internal.h - what the files of mm/ share with each other and with nobody else. */
#ifndef MM_INTERNAL_H
#define MM_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/arch.h"
#include "kernel/deferred.h"
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
    /* Blocks from the pool: [0] outside interrupts, [1 + n] by IRQ line n's handlers. */
    uint64_t pool_taken_by[1 + ATOMIC_RESERVE_LINES];
};
extern struct cpu_pages cpu_pages[MAX_CPUS];

/* poison.c: fills a block with PAGE_POISON_BYTE and flags its frames PG_POISONED (the caller
 * owns the block); checks the poison of a block's flagged frames (each damaged one reported
 * and counted), clearing the flags. Any context. */
void poison_fill(struct page *page, unsigned int order);
void poison_check(struct page *page, unsigned int order);

/* page_alloc.c, for the atomic reserve: an order-0 frame from the general pool, even below
 * min (NULL when there is none), left in transit; scrubbing (poison check, zeroing); and
 * giving a reserve frame back to the pool. Ordinary context. */
struct page *page_alloc_take_for_reserve(void);
void page_alloc_scrub(struct page *page);
void page_alloc_return_to_pool(struct page *page);

/* The atomic reserve's stack of scrubbed frames, one per CPU, like the hot caches: only its
 * CPU touches it, with interrupts off, so the interrupt handler's pop needs no lock.
 * atomic_reserve.c owns it; the allocator pops it inline (atomic_reserve_pop). */
struct reserve_stack {
    uint32_t head; /* top frame, linked through struct page.next; PFN_NONE: empty */
    uint64_t level, target, lowest;
    uint64_t failures, refills, refilled;
    /* [0]: taken outside interrupts; [1 + n]: by the handlers of IRQ line n (-1 <= n <
     * ATOMIC_RESERVE_LINES). */
    uint64_t taken_by[1 + ATOMIC_RESERVE_LINES];
};

extern struct reserve_stack reserves[MAX_CPUS];
extern struct deferred_work reserve_refill_work;

/* This CPU's, through a per-CPU word (page_alloc_init_cpu). Interrupts off. */
static inline struct reserve_stack *this_reserve(void)
{
    return (struct reserve_stack *)arch_cpu_word(CPU_WORD_RESERVE);
}

/* atomic_reserve_below_target, inline for the free path. */
static inline bool atomic_reserve_is_low(void)
{
    const struct reserve_stack *reserve = this_reserve();
    return READ_ONCE(reserve->level) < READ_ONCE(reserve->target);
}

/* Pops a scrubbed frame (NULL when empty: counted), counting the take for IRQ line `line`
 * (-1: outside interrupts), and asks for a refill by deferred work. O(1). The caller has
 * interrupts off. The lowest level is not tracked here:
 * between two refills the level only falls, so it is noted where it rises (push) and when
 * it is read. */
static inline struct page *atomic_reserve_pop(int line)
{
    struct reserve_stack *reserve = this_reserve();
    if (unlikely(reserve->head == PFN_NONE)) {
        reserve->failures++;
        return NULL;
    }
    struct page *page = pfn_to_page(reserve->head);
    reserve->head = page->next;
    reserve->level--;
    reserve->taken_by[line + 1]++;
    deferred_request_irqs_off(&reserve_refill_work);
    return page;
}

/* exclusive.c: may this context free this frame? 0, or -EPERM / -EBUSY (reported,
 * counted). Interrupts off. */
int exclusive_check_free(const struct page *page);

#endif
