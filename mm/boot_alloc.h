/* mm/boot_alloc.h - the early boot allocator. Before the frame database exists there is no
 * struct page to allocate with, yet the frame database and the page tables need memory: this
 * allocator carves it straight out of the usable ranges of the memory map, top down. When the
 * buddy allocator is ready, boot_alloc_release hands it every frame that was not used.
 */
#ifndef MM_BOOT_ALLOC_H
#define MM_BOOT_ALLOC_H

#include <stdint.h>

#include "mm/memmap.h"

/* Takes the usable ranges of a sanitised, clipped map. Allocations then end below 4 GiB
 * until boot_alloc_set_limit raises that (the early page tables map only 4 GiB). */
void boot_alloc_init(const struct memmap *map);

/* Allocations made from now on lie entirely below `limit` (physical). */
void boot_alloc_set_limit(uint64_t limit);

/* Returns the physical address of `size` bytes (rounded up to whole pages) aligned to `align`
 * (a power of two, at least 4 KiB), taken from the highest usable memory below the limit; or
 * 0 when no range has room (0 is never usable: the first MiB is always carved out). The memory is
 * not cleared. Boot only, before boot_alloc_release; never from an interrupt. */
uint64_t boot_alloc(uint64_t size, uint64_t align);

/* As boot_alloc, and fills the memory with zeros through the direct map. */
uint64_t boot_alloc_zeroed(uint64_t size, uint64_t align);

/* Pages handed out so far. */
uint64_t boot_alloc_pages_used(void);

/* Calls give(start, end) for every free range left, in address order, and closes the
 * allocator: later boot_alloc calls return 0. */
void boot_alloc_release(void (*give)(uint64_t start, uint64_t end));

#endif
