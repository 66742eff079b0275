/* kernel/acpi.h - the firmware's description of the machine's processors and interrupt
 * controllers, read once at boot: the RSDP the boot loader handed over, then the tables it
 * leads to (lib/acpi.h parses them). Without usable tables the kernel runs on one CPU with
 * the 8259 pair; the option acpi=off asks for that on purpose.
 */
#ifndef KERNEL_ACPI_H
#define KERNEL_ACPI_H

#include "kernel/multiboot.h"
#include "lib/acpi.h"

/* Reads the tables (mapping them with vm_map_io, mm/vm.h) and logs one line: what was found
 * ("acpi: 4 CPUs, 1 IOAPIC, 5 interrupt overrides, PCI config space at 0xb0000000 (XSDT,
 * OEM BOCHS)"), or why there is nothing to use ("acpi: the RSDP's checksum is wrong; one CPU
 * and the 8259"). Returns the tables, or NULL. Boot, after mm_init; ordinary context. */
const struct acpi_info *acpi_init(const struct boot_info *boot);

/* The tables acpi_init found, or NULL. Any context. */
const struct acpi_info *acpi_tables(void);

#endif
