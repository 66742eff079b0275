/* arch/arch_mm.h - what mm/ asks of the architecture while it sets memory up: page tables
 * for the kernel, and backing for the frame database. The kernel's versions are in
 * arch/x86_64/paging.c; host-side tests supply their own (tests/host/fake_memory.c).
 */
#ifndef ARCH_ARCH_MM_H
#define ARCH_ARCH_MM_H

#include <stdint.h>

#include "mm/memmap.h"

/* Builds the kernel's page tables (direct map of all RAM in `map`, the kernel image W^X, no
 * identity map) from boot_alloc memory, and switches to them. Boot only. */
void arch_paging_init(const struct memmap *map);

/* Makes [virt_start, virt_end) of the frame database readable and writable, backing it with
 * boot_alloc memory. Addresses are page-aligned. Boot only. */
void arch_frame_db_populate(uint64_t virt_start, uint64_t virt_end);

/* From now on, page tables come from the page allocator instead of boot_alloc. */
void arch_paging_use_page_allocator(void);

#endif
