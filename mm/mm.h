/* mm/mm.h - bringing physical memory up at boot, in order: the memory map, the early boot
 * allocator, the kernel page tables, the frame database and the buddy allocator. */
#ifndef MM_MM_H
#define MM_MM_H

#include <stdbool.h>

#include "kernel/multiboot.h"
#include "mm/memmap.h"

/* Sets up all of mm/ from the boot information and logs the memory map and the summary
 * line "mm: managed N pages, free N pages, atomic reserve N pages". `selftest` turns page
 * poisoning on by default (the option page_poison= overrides). Boot only, interrupts off. */
void mm_init(const struct boot_info *boot, bool selftest);

/* What building the frame database and the buddy lists cost at boot (for `bench`). */
struct mm_boot_figures {
    uint64_t managed_pages;
    uint64_t build_cycles; /* frame database backed and cleared, free memory handed over */
};
const struct mm_boot_figures *mm_boot_figures(void);

/* The physical address of a page below 1 MiB that nothing else uses, kept for the real-mode
 * start code of the other CPUs (0x8000), or 0 when the firmware's map does not call that
 * page RAM. Any context, after mm_init. */
uint64_t mm_low_page(void);

/* The sanitised memory map mm_init worked from (with the kernel's carve-outs). */
const struct memmap *mm_memory_map(void);

/* The memory map as the loader gave it (read with boot_memory_map_entry); it lies in the
 * boot information, which stays mapped. For tests that compare the two. Any context. */
const struct boot_memory_map *mm_loader_map(void);

#endif
