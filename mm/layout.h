/* mm/layout.h - the kernel's address space, and the conversions between physical addresses
 * and the virtual addresses the kernel reaches them through.
 *
 *   0x0000000000000000 ...  nothing: NULL and low addresses fault once boot is done
 *   0xffff800000000000 ...  direct map of all RAM (NX), 64 TiB
 *   0xffffc00000000000 ...  kernel mappings made with vm_map_page (NX unless asked), 1 TiB;
 *                           its third quarter holds the threads' stacks (kernel/thread.c),
 *                           its last quarter device registers and firmware tables (VM_IO_BASE,
 *                           from vm_map_io)
 *   0xffffea0000000000 ...  the frame database: struct page for every frame, 1 TiB
 *   0xffffffff80000000 ...  the kernel image: text RX, rodata R, data and bss RW
 */
#ifndef MM_LAYOUT_H
#define MM_LAYOUT_H

#include <stdint.h>

#include "arch/arch.h"

#define PAGE_SHIFT 12
#define PAGE_SIZE  (1ul << PAGE_SHIFT)

#define KERNEL_VMA   0xffffffff80000000ul
#define VM_AREA_BASE 0xffffc00000000000ul
#define VM_AREA_SIZE (1ul << 40)

/* Thread stacks, one slot each (an unmapped guard page, then the stack), in the third quarter
 * of the kernel mapping area, out of the way of other vm_map_page users. */
#define THREAD_STACKS_BASE (VM_AREA_BASE + VM_AREA_SIZE / 2)
#define THREAD_STACK_SLOT  (64ul * 1024)

/* Device registers (PCI BARs, APIC pages) and firmware tables (ACPI), which the direct map
 * does not cover (it maps RAM only), mapped by vm_map_io: the last quarter. */
#define VM_IO_BASE (VM_AREA_BASE + VM_AREA_SIZE / 4 * 3)
#define VM_IO_SIZE (VM_AREA_SIZE / 4)

#define DIRECT_MAP_SIZE (1ul << 46) /* virtual room; physical memory stops at 16 TiB */

#ifndef LABYRINTH_HOSTED
#define DIRECT_MAP_BASE 0xffff800000000000ul
#define FRAME_DB_BASE   0xffffea0000000000ul
#else
/* Host-side tests place their fake physical memory and frame database wherever the host
 * mapped them (tests/host/fake_memory.c). */
#define DIRECT_MAP_BASE hosted_direct_map_base
#define FRAME_DB_BASE   hosted_frame_db_base
#endif

/* The direct-map address of a physical address. */
static inline void *phys_to_virt(uint64_t phys)
{
    return (void *)(uintptr_t)(phys + DIRECT_MAP_BASE);
}

/* The physical address behind a direct-map or kernel-image address. */
static inline uint64_t virt_to_phys(const void *virt)
{
    uint64_t address = (uint64_t)(uintptr_t)virt;
#ifndef LABYRINTH_HOSTED
    if (address >= KERNEL_VMA)
        return address - KERNEL_VMA;
#endif
    return address - DIRECT_MAP_BASE;
}

#endif
