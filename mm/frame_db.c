/* mm/frame_db.c - the frame database: a struct page for every frame of RAM, in a virtual
 * array indexed by frame number (FRAME_DB_BASE). Only whole 4 MiB blocks (the largest buddy
 * block) that contain usable memory are backed, so a hole between two banks costs no
 * descriptors, yet the buddy of any free block always has a descriptor to look at. One bit
 * per 4 MiB block says which are backed: pfn_valid in O(1).
 */
#include "lib/compiler.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "lib/string.h"
#include "mm/boot_alloc.h"
#include "arch/arch_mm.h"
#include "mm/internal.h"

uint64_t *frame_db_present; /* bit b set: block b (frames b * 1024 ...) has descriptors */
uint64_t frame_db_blocks;   /* blocks the bitmap covers */

static bool block_present(uint64_t block)
{
    return frame_db_has(block << MAX_ORDER);
}

bool pfn_valid(uint64_t pfn)
{
    return frame_db_has(pfn);
}

struct page *phys_to_page(uint64_t phys)
{
    uint64_t pfn = phys >> PAGE_SHIFT;
    return pfn_valid(pfn) ? pfn_to_page(pfn) : NULL;
}

static void mark_present(const struct memmap *map)
{
    for (size_t i = 0; i < map->count; i++) {
        const struct memmap_range *range = &map->ranges[i];
        if (range->type != MEMMAP_USABLE)
            continue;
        uint64_t first = (range->start >> PAGE_SHIFT) >> MAX_ORDER;
        uint64_t last = ((range->end >> PAGE_SHIFT) - 1) >> MAX_ORDER;
        for (uint64_t block = first; block <= last; block++)
            frame_db_present[block / 64] |= 1ull << (block % 64);
    }
}

/* Backs the descriptors of blocks [first, end) and marks them all PAGE_RESERVED (zero). */
static void populate_blocks(uint64_t first, uint64_t end)
{
    uint64_t start = (uint64_t)(uintptr_t)pfn_to_page(first << MAX_ORDER);
    uint64_t stop = (uint64_t)(uintptr_t)pfn_to_page(end << MAX_ORDER);
    arch_paging_back_range(start, stop, boot_alloc);
    memset((void *)(uintptr_t)start, 0, stop - start);
}

void frame_db_init(const struct memmap *map)
{
    uint64_t end = 0;
    for (size_t i = 0; i < map->count; i++) {
        if (map->ranges[i].type == MEMMAP_USABLE)
            end = MAX(end, map->ranges[i].end);
    }
    frame_db_blocks = ALIGN_UP(end >> PAGE_SHIFT, MAX_ORDER_PAGES) >> MAX_ORDER;
    uint64_t bitmap_bytes = ALIGN_UP(frame_db_blocks, 64) / 8;
    uint64_t bitmap = boot_alloc_zeroed(bitmap_bytes ? bitmap_bytes : 8, PAGE_SIZE);
    if (!bitmap)
        panic("mm: no memory for the frame database bitmap (%lu bytes)", bitmap_bytes);
    frame_db_present = phys_to_virt(bitmap);
    mark_present(map);

    /* Back each run of consecutive present blocks in one go: larger pages where possible. */
    for (uint64_t block = 0; block < frame_db_blocks;) {
        if (!block_present(block)) {
            block++;
            continue;
        }
        uint64_t run_end = block;
        while (block_present(run_end))
            run_end++;
        populate_blocks(block, run_end);
        block = run_end;
    }
}
