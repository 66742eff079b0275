/* arch/arch_mm.h - what mm/ asks of the architecture's page tables: build the kernel's at
 * boot (a direct map of RAM, the kernel image W^X), back a range with fresh memory (for the
 * frame database), and map, unmap and translate single pages afterwards. The page tables
 * only walk, map and unmap: every frame they need comes from a frame source mm/ provides,
 * and the policy (which frames may be mapped, by whom) stays in mm/ (mm/vm.c). The kernel's
 * versions are in arch/x86_64/paging.c; host-side tests supply their own
 * (tests/host/fake_memory.c). Nothing here locks: mm/ serialises the calls.
 */
#ifndef ARCH_ARCH_MM_H
#define ARCH_ARCH_MM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A stretch of physical memory the direct map covers, [start, end). */
struct arch_ram_range {
    uint64_t start, end;
};

/* Where page-table frames come from: alloc returns the physical address of a zero-filled
 * frame, or 0 when there is none; free takes back a table that emptied (NULL: tables are
 * never freed). */
struct arch_frame_source {
    uint64_t (*alloc)(void);
    void (*free)(uint64_t phys);
};

/* Builds the kernel's page tables from `source`: every range of `ram` mapped at
 * DIRECT_MAP_BASE (mm/layout.h) with the largest pages that fit, no-execute; the kernel
 * image page by page, W^X, each stack's guard page left out; nothing at low addresses. Then
 * switches to them and logs one line. Boot only; panics when source runs dry. */
void arch_paging_init(const struct arch_ram_range *ram, size_t count,
                      const struct arch_frame_source *source);

/* From now on page tables come from (and go back to) `source`. */
void arch_paging_set_frame_source(const struct arch_frame_source *source);

/* Makes [virt_start, virt_end) (page-aligned) readable and writable, not executable, backed
 * by memory from alloc(size, align) (physical address, 0 when none): 2 MiB pages where the
 * range and alloc allow, else 4 KiB. Boot only; panics when alloc runs dry. */
void arch_paging_back_range(uint64_t virt_start, uint64_t virt_end,
                            uint64_t (*alloc)(uint64_t size, uint64_t align));

/* ARCH_MAP_UNCACHED is for device registers: every access goes to the device, none is
 * cached (x86: PCD and PWT, uncacheable whatever the MTRRs say). */
#define ARCH_MAP_WRITE    0x1u /* writable; otherwise read-only */
#define ARCH_MAP_EXEC     0x2u /* executable; otherwise no-execute (where the CPU has NX) */
#define ARCH_MAP_UNCACHED 0x4u

/* Maps the 4 KiB page at virt to the frame at phys and flushes its TLB entry. Returns 0,
 * -EEXIST (virt is mapped already), -EBUSY (a large page covers virt) or -ENOMEM (no frame
 * for a table). Interrupts off. */
int arch_map_page(uint64_t virt, uint64_t phys, unsigned int flags);

/* Unmaps the 4 KiB page at virt, flushes its TLB entry, gives tables left empty back to the
 * frame source and sets *phys to the frame it mapped. Returns 0 or -ENOENT (nothing mapped
 * there, or a large page). Interrupts off. */
int arch_unmap_page(uint64_t virt, uint64_t *phys);

/* What a virtual address maps to. */
struct page_translation {
    uint64_t phys;      /* the physical address virt maps to */
    uint64_t page_size; /* 4 KiB, 2 MiB or 1 GiB: the size of the mapping that covers virt */
    bool writable;
    bool executable;
};

/* Walks the page tables for any virtual address. Returns 0 and fills *out, or -ENOENT when
 * virt is not mapped. Any context. */
int arch_translate(uint64_t virt, struct page_translation *out);

/* True when the CPU maps 1 GiB pages (the direct map then uses them), and when it enforces
 * no-execute. Any context. */
bool arch_has_huge_pages(void);
bool arch_has_no_execute(void);

#endif
