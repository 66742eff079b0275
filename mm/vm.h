/* mm/vm.h - kernel page tables: mapping, unmapping and translating 4 KiB pages in the kernel
 * mapping area (VM_AREA_BASE, mm/layout.h), and looking up any kernel address. Page-table
 * frames come from the page allocator and go back to it when a table empties. Implemented
 * for x86-64 in arch/x86_64/paging.c.
 */
#ifndef MM_VM_H
#define MM_VM_H

#include <stdbool.h>
#include <stdint.h>

#define VM_WRITE 0x1u /* writable; otherwise read-only */
#define VM_EXEC  0x2u /* executable; otherwise no-execute */

/* Maps the 4 KiB page at virt (in the kernel mapping area, page-aligned) to the frame at
 * phys. Returns 0, -EINVAL (bad address or alignment), -EEXIST (virt already mapped),
 * -EBUSY (phys is an EXCLUSIVE frame that is already mapped) or -ENOMEM (no frame for a page
 * table). Flushes the TLB entry. Ordinary context (page tables come with GFP_KERNEL); never
 * waits. */
int vm_map_page(uint64_t virt, uint64_t phys, unsigned int flags);

/* Unmaps the page at virt, flushes its TLB entry (invlpg) and frees page tables left empty.
 * Returns 0, -EINVAL (outside the mapping area) or -ENOENT (nothing mapped there). */
int vm_unmap_page(uint64_t virt);

struct vm_translation {
    uint64_t phys;      /* the physical address virt maps to */
    uint64_t page_size; /* 4 KiB, 2 MiB or 1 GiB: the size of the mapping that covers virt */
    bool writable;
    bool executable;
};

/* Walks the page tables for any virtual address. Returns 0 and fills *out, or -ENOENT when
 * virt is not mapped. Any context. */
int vm_translate(uint64_t virt, struct vm_translation *out);

/* True when the CPU can map 1 GiB pages (the direct map then uses them). */
bool vm_has_huge_pages(void);

#endif
