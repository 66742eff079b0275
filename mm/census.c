/* mm/census.c - a walk over the frame database: each head of a block counts its frames and
 * vouches for the tails that follow; anything else is stray. */
#include "mm/census.h"

#include "mm/atomic_reserve.h"
#include "mm/buddy.h"
#include "mm/internal.h"

/* Counts the block whose head is at pfn into census; returns the frames it covers (1 for a
 * frame that heads nothing). */
static uint64_t count_block(struct frame_census *census, uint64_t pfn, uint64_t end)
{
    const struct page *page = pfn_to_page(pfn);
    uint64_t frames = 1ull << page->order;
    uint64_t *total = NULL;
    switch (page->state) {
    case PAGE_FREE:
        total = &census->free;
        break;
    case PAGE_ALLOCATED:
        total = &census->allocated;
        census->exclusive += page->flags & PG_EXCLUSIVE ? frames : 0;
        break;
    case PAGE_HOT:
        census->hot++;
        return 1;
    case PAGE_RESERVE:
        census->reserve++;
        return 1;
    case PAGE_RESERVED:
        return 1;
    default: /* a tail no head covered */
        census->stray++;
        return 1;
    }
    uint64_t tails = 1;
    while (tails < frames && pfn + tails < end && pfn_to_page(pfn + tails)->state == PAGE_TAIL)
        tails++;
    census->stray += frames - tails; /* a block whose tails are missing */
    *total += tails;
    return tails;
}

static void walk(struct frame_census *census)
{
    for (uint64_t block = 0; block < frame_db_blocks; block++) {
        uint64_t pfn = block << MAX_ORDER, end = pfn + MAX_ORDER_PAGES;
        if (!frame_db_has(pfn))
            continue;
        while (pfn < end)
            pfn += count_block(census, pfn, end);
    }
}

bool frame_census_take(struct frame_census *census)
{
    *census = (struct frame_census){0};
    unsigned long flags;
    spin_lock_irqsave(&zone.lock, &flags);
    walk(census);
    census->managed = mm_limits.managed;
    census->free_listed = zone.free_pages;
    for (unsigned int cpu = 0; cpu < MAX_CPUS; cpu++)
        census->hot_cached += READ_ONCE(cpu_pages[cpu].cache.count);
    census->reserved_level = atomic_reserve_level();
    spin_unlock_irqrestore(&zone.lock, flags);
    return !census->stray && census->free == census->free_listed &&
           census->hot == census->hot_cached && census->reserve == census->reserved_level &&
           census->free + census->hot + census->reserve + census->allocated == census->managed;
}
