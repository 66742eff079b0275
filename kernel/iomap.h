/* kernel/iomap.h - reaching physical memory the direct map does not cover: device registers
 * (a local APIC's page, an IOAPIC's) and firmware tables that lie in reserved ranges (ACPI).
 * The direct map covers RAM only, and maps it cacheable; registers must be read and written
 * by the device itself every time, so they are mapped uncached. Mappings live in their own
 * stretch of the kernel mapping area (IOMAP_BASE, mm/layout.h) and stay for good.
 */
#ifndef KERNEL_IOMAP_H
#define KERNEL_IOMAP_H

#include <stdint.h>

#define IOMAP_WRITE    0x1u /* writable; otherwise read-only */
#define IOMAP_UNCACHED 0x2u /* device registers: never cached */

/* Maps [phys, phys + size) and returns the virtual address of phys, or NULL (one log line
 * says why) when the area is full or a page table cannot be had. Ordinary context, at boot
 * or later; never waits. */
void *iomap(uint64_t phys, uint64_t size, unsigned int flags);

#endif
