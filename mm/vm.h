/* mm/vm.h - kernel page tables: mapping, unmapping and translating 4 KiB pages in the kernel
 * mapping area (VM_AREA_BASE, mm/layout.h), and looking up any kernel address. The policy
 * lives here (which addresses, which frames: an EXCLUSIVE frame is mapped once at most);
 * the walking is the architecture's (arch/arch_mm.h). Page-table frames come from the page
 * allocator and go back to it when a table empties.
 */
#ifndef MM_VM_H
#define MM_VM_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/arch_mm.h"

#define VM_WRITE    ARCH_MAP_WRITE    /* writable; otherwise read-only */
#define VM_EXEC     ARCH_MAP_EXEC     /* executable; otherwise no-execute */
#define VM_UNCACHED ARCH_MAP_UNCACHED /* uncached, in order: device registers (MMIO) */

/* From now on page tables come from the page allocator (until then: the boot allocator).
 * Boot, once page_alloc_init has run. */
void vm_init(void);

/* Maps the 4 KiB page at virt (in the kernel mapping area, page-aligned) to the frame at
 * phys. Returns 0, -EINVAL (bad address or alignment), -EEXIST (virt already mapped),
 * -EPERM (phys is an EXCLUSIVE frame another context owns), -EBUSY (an EXCLUSIVE frame that is
 * already mapped) or -ENOMEM (no frame for a page table). Flushes the TLB entry. Ordinary context
 * (page tables come with GFP_NOWAIT, under a spinlock); never waits. */
int vm_map_page(uint64_t virt, uint64_t phys, unsigned int flags);

/* Maps size bytes at phys that the direct map does not cover - device registers (a PCI BAR,
 * an APIC's page) or firmware tables in reserved memory (ACPI's) - at a fresh address in the
 * I/O part of the mapping area (VM_IO_BASE), never executable; flags: VM_WRITE, VM_UNCACHED
 * (registers: every load and store reaches the device). Returns the address of phys there,
 * or NULL when size is 0, the I/O area is used up or a page table cannot be had. Ordinary
 * context; never waits. */
void *vm_map_io(uint64_t phys, uint64_t size, unsigned int flags);
/* Unmaps what vm_map_io(phys, size) returned as address (the page tables it emptied go back
 * to the allocator; the virtual addresses are not handed out again). Ordinary context. */
void vm_unmap_io(void *address, uint64_t size);

/* Unmaps the page at virt, flushes its TLB entry (invlpg) and frees page tables left empty.
 * Returns 0, -EINVAL (outside the mapping area) or -ENOENT (nothing mapped there). */
int vm_unmap_page(uint64_t virt);

/* Walks the page tables for any virtual address. Returns 0 and fills *out, or -ENOENT when
 * virt is not mapped. Any context. */
int vm_translate(uint64_t virt, struct page_translation *out);

/* True when the CPU can map 1 GiB pages (the direct map then uses them). */
bool vm_has_huge_pages(void);

#endif
