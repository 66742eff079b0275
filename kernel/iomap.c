/* kernel/iomap.c - handing out addresses in the I/O mapping area, once each, and mapping
 * device registers and firmware tables there page by page. */
#include "kernel/iomap.h"

#include "kernel/printk.h"
#include "lib/compiler.h"
#include "lib/errno.h"
#include "mm/layout.h"
#include "mm/vm.h"

/* The next free address; taken with an atomic add, so no lock is held while mapping. */
static uint64_t next_free = IOMAP_BASE;

static unsigned int vm_flags(unsigned int flags)
{
    return (flags & IOMAP_WRITE ? VM_WRITE : 0) | (flags & IOMAP_UNCACHED ? VM_UNCACHED : 0);
}

void *iomap(uint64_t phys, uint64_t size, unsigned int flags)
{
    uint64_t first = ALIGN_DOWN(phys, PAGE_SIZE);
    uint64_t bytes = ALIGN_UP(phys + size, PAGE_SIZE) - first;
    if (size == 0 || phys + size < phys || bytes > IOMAP_SIZE) {
        printk("iomap: cannot map %#lx (%lu bytes)\n", phys, size);
        return NULL;
    }
    uint64_t virt = __atomic_fetch_add(&next_free, bytes, __ATOMIC_RELAXED);
    if (virt + bytes > IOMAP_BASE + IOMAP_SIZE) {
        printk("iomap: the area is full; %#lx not mapped\n", phys);
        return NULL;
    }
    for (uint64_t offset = 0; offset < bytes; offset += PAGE_SIZE) {
        int error = vm_map_page(virt + offset, first + offset, vm_flags(flags));
        if (error) {
            printk("iomap: %#lx not mapped (%s)\n", first + offset, errno_name(error));
            return NULL; /* the pages mapped so far stay: the addresses are never reused */
        }
    }
    return (void *)(uintptr_t)(virt + (phys - first));
}
