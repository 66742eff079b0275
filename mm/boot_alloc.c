/* mm/boot_alloc.c - a list of free physical ranges, cut from the top as memory is needed.
 * Allocating from the top keeps low memory, which old devices may need, for later. */
#include "mm/boot_alloc.h"

#include <stdbool.h>

#include "lib/compiler.h"
#include "kernel/printk.h"
#include "lib/string.h"
#include "mm/layout.h"

/* Each allocation may split one range in two, so leave room for that. */
#define BOOT_RANGES_MAX (MEMMAP_MAX + 64)

struct free_range {
    uint64_t start, end;
};

/* Boot is single-threaded: nothing here needs a lock. */
static struct free_range ranges[BOOT_RANGES_MAX];
static size_t range_count;
static uint64_t limit = 1ull << 32;
static uint64_t pages_used;
static bool released;

void boot_alloc_init(const struct memmap *map)
{
    range_count = 0;
    pages_used = 0;
    released = false;
    limit = 1ull << 32;
    for (size_t i = 0; i < map->count && range_count < BOOT_RANGES_MAX; i++) {
        if (map->ranges[i].type == MEMMAP_USABLE)
            ranges[range_count++] = (struct free_range){map->ranges[i].start, map->ranges[i].end};
    }
}

void boot_alloc_set_limit(uint64_t new_limit)
{
    limit = new_limit;
}

/* Takes [start, start + size) out of range i, splitting it when the piece is in the middle. */
static bool take(size_t i, uint64_t start, uint64_t size)
{
    struct free_range *range = &ranges[i];
    uint64_t end = start + size;
    if (end < range->end) {
        if (start > range->start) {
            if (range_count == BOOT_RANGES_MAX)
                return false;
            memmove(&ranges[i + 2], &ranges[i + 1], (range_count - i - 1) * sizeof(ranges[0]));
            range_count++;
            ranges[i + 1] = (struct free_range){end, range->end};
        } else {
            range->start = end;
            return true;
        }
    }
    range->end = start; /* may leave it empty: harmless */
    return true;
}

uint64_t boot_alloc(uint64_t size, uint64_t align)
{
    size = ALIGN_UP(size, PAGE_SIZE);
    if (released || size == 0)
        return 0;
    for (size_t i = range_count; i-- > 0;) {
        uint64_t top = MIN(ranges[i].end, limit);
        if (top < ranges[i].start || top - ranges[i].start < size) /* no overflow for huge sizes */
            continue;
        uint64_t start = ALIGN_DOWN(top - size, align);
        if (start < ranges[i].start || !take(i, start, size))
            continue;
        pages_used += size / PAGE_SIZE;
        return start;
    }
    return 0;
}

uint64_t boot_alloc_zeroed(uint64_t size, uint64_t align)
{
    uint64_t phys = boot_alloc(size, align);
    if (phys)
        memset(phys_to_virt(phys), 0, ALIGN_UP(size, PAGE_SIZE));
    return phys;
}

uint64_t boot_alloc_pages_used(void)
{
    return pages_used;
}

void boot_alloc_release(void (*give)(uint64_t start, uint64_t end))
{
    for (size_t i = 0; i < range_count; i++) {
        if (ranges[i].end > ranges[i].start)
            give(ranges[i].start, ranges[i].end);
    }
    released = true;
}
