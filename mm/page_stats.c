/* mm/page_stats.c - the page allocator's figures and its reports of broken invariants: what
 * meminfo prints, what tests compare against their own counts, and the one log line each
 * refused operation gets. */
#include <stdarg.h>

#include "kernel/printk.h"
#include "kernel/spinlock.h"
#include "mm/atomic_reserve.h"
#include "mm/buddy.h"
#include "mm/internal.h"

struct page_alloc_errors mm_errors;

void mm_report(uint64_t *counter, const char *function, const struct page *page, const char *fmt,
               ...)
{
    char message[160];
    va_list args;
    va_start(args, fmt);
    kvsnprintf(message, sizeof(message), fmt, args);
    va_end(args);
    __atomic_add_fetch(counter, 1, __ATOMIC_RELAXED); /* CPUs may report at once */
    if (is_descriptor(page))
        printk("page_alloc: %s: frame %#lx: %s\n", function, page_to_phys(page), message);
    else
        printk("page_alloc: %s: descriptor %p: %s\n", function, (const void *)page, message);
}

uint64_t page_alloc_unallocated_count(void)
{
    unsigned long flags = arch_irq_save();
    uint64_t count =
            page_alloc_free_count() + atomic_reserve_level() + page_alloc_reserve_transit();
    arch_irq_restore(flags);
    return count;
}

uint64_t page_alloc_free_count(void)
{
    unsigned long flags = arch_irq_save();
    uint64_t free = zone.free_pages;
    for (unsigned int i = 0; i < MAX_CPUS; i++)
        free += cpu_pages[i].cache.count;
    arch_irq_restore(flags);
    return free;
}

/* Allocations served from CPU cpu's landing pads: counted in the pads' accounts, not in
 * cpu_pages.allocations, so the take stays short. */
static uint64_t pad_takes(unsigned int cpu)
{
    struct atomic_reserve_stats pads;
    atomic_reserve_get_cpu_stats(cpu, &pads);
    return pads.taken;
}

void page_alloc_get_stats(struct page_alloc_stats *stats)
{
    unsigned long flags;
    spin_lock_irqsave(&zone.lock, &flags);
    *stats = (struct page_alloc_stats){
            .managed = mm_limits.managed,
            .free = zone.free_pages,
            .watermark_min = mm_limits.watermark_min,
            .watermark_low = mm_limits.watermark_low,
            .watermark_high = mm_limits.watermark_high,
            .poison = mm_poison_on_free,
    };
    for (unsigned int order = 0; order <= MAX_ORDER; order++)
        stats->free_blocks[order] = zone.free_area[order].count;
    for (unsigned int i = 0; i < MAX_CPUS; i++) {
        stats->hot_cache += cpu_pages[i].cache.count;
        stats->allocations += cpu_pages[i].allocations;
        stats->frees += cpu_pages[i].frees;
        stats->failures += cpu_pages[i].failures;
    }
    spin_unlock_irqrestore(&zone.lock, flags);
    for (unsigned int i = 0; i < MAX_CPUS; i++)
        stats->allocations += pad_takes(i);
    stats->free += stats->hot_cache;
    stats->reserve = atomic_reserve_level();
    stats->allocated =
            stats->managed - stats->free - stats->reserve - page_alloc_reserve_transit();
}

void page_alloc_get_cpu_stats(unsigned int cpu, struct page_alloc_cpu_stats *out)
{
    *out = (struct page_alloc_cpu_stats){0};
    if (cpu >= MAX_CPUS)
        return;
    const struct cpu_pages *pages = &cpu_pages[cpu];
    out->hot_cache = READ_ONCE(pages->cache.count);
    out->allocations = READ_ONCE(pages->allocations) + pad_takes(cpu);
    out->frees = READ_ONCE(pages->frees);
    out->failures = READ_ONCE(pages->failures);
}

void page_alloc_get_lock_stats(struct spinlock_stats *stats, bool reset)
{
    spin_get_stats(&zone.lock, stats);
    if (reset)
        spin_reset_stats(&zone.lock);
}

void page_alloc_get_errors(struct page_alloc_errors *out)
{
    unsigned long flags = arch_irq_save();
    *out = mm_errors;
    arch_irq_restore(flags);
}

void page_alloc_print_stats(void)
{
    struct page_alloc_stats s;
    page_alloc_get_stats(&s);
    printk("page_alloc: managed %lu pages (%lu MiB), free %lu, allocated %lu, in the atomic "
           "reserve %lu\n",
           s.managed, s.managed >> (20 - PAGE_SHIFT), s.free, s.allocated, s.reserve);
    printk("page_alloc: hot cache %lu of %u; watermarks min %lu low %lu high %lu; poison %s\n",
           s.hot_cache, PAGE_ALLOC_HOT_CACHE_HIGH, s.watermark_min, s.watermark_low,
           s.watermark_high, s.poison ? "on" : "off");
    char line[160];
    int length = ksnprintf(line, sizeof(line), "page_alloc: free blocks by order:");
    for (unsigned int order = 0; order <= MAX_ORDER; order++)
        length += ksnprintf(line + length, sizeof(line) - (size_t)length, " %u:%lu", order,
                            s.free_blocks[order]);
    printk("%s\n", line);
    printk("page_alloc: %lu allocations, %lu frees, %lu failed\n", s.allocations, s.frees,
           s.failures);
}

/* --- the census: every descriptor walked ------------------------------------------------------ */

/* Counts the block whose head is `page` and returns its frames (the walk skips them). */
static uint64_t count_block(struct page_census *census, const struct page *page, context_t owner)
{
    uint64_t frames = 1;
    switch (page->state) {
    case PAGE_FREE:
        frames = 1ul << page->order;
        census->free += frames;
        break;
    case PAGE_ALLOCATED:
        frames = 1ul << page->order;
        census->allocated += frames;
        break;
    case PAGE_TRANSIT:
        frames = 1ul << page->order;
        census->transit += frames;
        break;
    case PAGE_HOT:
        census->hot++;
        break;
    case PAGE_RESERVE:
        census->pads++;
        census->claimed += page->owner != CONTEXT_NONE;
        census->owned += owner != CONTEXT_NONE && page->owner == owner;
        break;
    case PAGE_RESERVED:
        census->unmanaged++;
        break;
    default:
        census->strays++;
        break;
    }
    return frames;
}

void page_alloc_census(struct page_census *census, context_t owner)
{
    *census = (struct page_census){0};
    unsigned long flags = arch_irq_save();
    for (uint64_t block = 0; block < frame_db_blocks; block++) {
        uint64_t pfn = block << MAX_ORDER, end = pfn + MAX_ORDER_PAGES;
        if (!frame_db_has(pfn))
            continue;
        /* Blocks are aligned to their size, so none crosses the end of a 4 MiB block. */
        while (pfn < end)
            pfn += count_block(census, pfn_to_page(pfn), owner);
    }
    arch_irq_restore(flags);
}
