/* mm/vm_io.c - mapping what the direct map does not cover (ioremap): the registers a PCI
 * card or an APIC decodes, and firmware tables in reserved memory (ACPI's). vm_map_io gives
 * them virtual addresses in the I/O quarter of the mapping area, once each; registers are
 * mapped uncached, so every load and store reaches the device, in program order. */
#include <stddef.h>

#include "kernel/spinlock.h"
#include "lib/compiler.h"
#include "mm/layout.h"
#include "mm/vm.h"

/* io_lock guards next_io: the first address of the I/O area not handed out yet. Addresses
 * are not reused (a quarter of a terabyte of them is plenty for the devices of a machine). */
static struct spinlock io_lock = SPINLOCK_INIT("vm io");
static uint64_t next_io = VM_IO_BASE;

static uint64_t reserve(uint64_t bytes)
{
    unsigned long flags;
    spin_lock_irqsave(&io_lock, &flags);
    uint64_t virt = 0;
    if (bytes <= VM_IO_BASE + VM_IO_SIZE - next_io) {
        virt = next_io;
        next_io += bytes + PAGE_SIZE; /* an unmapped page after each: overruns fault */
    }
    spin_unlock_irqrestore(&io_lock, flags);
    return virt;
}

void *vm_map_io(uint64_t phys, uint64_t size, unsigned int flags)
{
    uint64_t first = ALIGN_DOWN(phys, PAGE_SIZE);
    uint64_t bytes = ALIGN_UP(phys + size, PAGE_SIZE) - first;
    if (!size || phys + size < phys)
        return NULL;
    uint64_t virt = reserve(bytes);
    if (!virt)
        return NULL;
    for (uint64_t offset = 0; offset < bytes; offset += PAGE_SIZE) {
        if (vm_map_page(virt + offset, first + offset, flags & (VM_WRITE | VM_UNCACHED)) != 0) {
            while (offset) {
                offset -= PAGE_SIZE;
                vm_unmap_page(virt + offset);
            }
            return NULL;
        }
    }
    return (void *)(uintptr_t)(virt + (phys - first));
}

void vm_unmap_io(void *address, uint64_t size)
{
    uint64_t virt = (uint64_t)(uintptr_t)address;
    uint64_t first = ALIGN_DOWN(virt, PAGE_SIZE), end = ALIGN_UP(virt + size, PAGE_SIZE);
    for (uint64_t page = first; page < end; page += PAGE_SIZE)
        vm_unmap_page(page);
}
