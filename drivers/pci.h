/* drivers/pci.h - the PCI buses: finding every device function through configuration space
 * (the buses behind PCI-to-PCI bridges included), what each decodes (its BARs), and binding
 * drivers to devices by vendor and device id. A driver registers itself with PCI_DRIVER,
 * which puts it in a linker section, as KTEST_SUITE does for test suites:
 *
 *     static const struct pci_id e1000_ids[] = {{0x8086, 0x100e}, {}};
 *     static int e1000_probe(struct pci_device *device) { ... return 0; }
 *     PCI_DRIVER(e1000, e1000_ids, e1000_probe);
 *
 * Configuration space is reached through ECAM (memory-mapped configuration, located by ACPI's
 * MCFG table: q35 has one) where there is one: it reaches all 4096 bytes of each function and
 * needs no lock. Otherwise through port I/O (mechanism #1: an address at 0xcf8, the data at
 * 0xcfc), which every PC chipset has and which reaches the first 256 bytes.
 */
#ifndef DRIVERS_PCI_H
#define DRIVERS_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/compiler.h"

#define PCI_DEVICES_MAX 64 /* functions remembered; more are reported and left out */
#define PCI_BARS        6

/* Configuration-space registers (offsets in bytes). */
#define PCI_VENDOR_ID       0x00
#define PCI_DEVICE_ID       0x02
#define PCI_COMMAND         0x04
#define PCI_REVISION        0x08
#define PCI_PROG_IF         0x09
#define PCI_SUBCLASS        0x0a
#define PCI_CLASS           0x0b
#define PCI_HEADER_TYPE     0x0e
#define PCI_BAR0            0x10
#define PCI_PRIMARY_BUS     0x18 /* bridges: primary, secondary and subordinate bus numbers */
#define PCI_SECONDARY_BUS   0x19
#define PCI_SUBORDINATE_BUS 0x1a
#define PCI_INTERRUPT_LINE  0x3c
#define PCI_INTERRUPT_PIN   0x3d

#define PCI_COMMAND_IO                0x0001
#define PCI_COMMAND_MEMORY            0x0002
#define PCI_COMMAND_BUS_MASTER        0x0004
#define PCI_COMMAND_INTERRUPT_DISABLE 0x0400

#define PCI_HEADER_MULTI_FUNCTION 0x80
#define PCI_HEADER_DEVICE         0
#define PCI_HEADER_BRIDGE         1

#define PCI_CLASS_BRIDGE      0x06
#define PCI_SUBCLASS_HOST     0x00
#define PCI_SUBCLASS_PCI_PCI  0x04
#define PCI_INTERRUPT_NO_LINE 0xff

enum pci_bar_kind {
    PCI_BAR_NONE,     /* no BAR in this slot (or the upper half of a 64-bit BAR) */
    PCI_BAR_IO,       /* I/O ports */
    PCI_BAR_MEMORY32, /* memory below 4 GiB */
    PCI_BAR_MEMORY64, /* memory anywhere; takes this BAR and the next */
};

struct pci_bar {
    enum pci_bar_kind kind;
    bool prefetchable;
    uint64_t address; /* where the firmware placed it */
    uint64_t size;    /* in bytes, found by writing all ones and reading back */
};

struct pci_driver;

/* One function of one device, as enumeration found it. */
struct pci_device {
    uint8_t bus, slot, function;
    uint16_t vendor_id, device_id;
    uint8_t class_code, subclass, prog_if, revision;
    uint8_t header_type;                    /* PCI_HEADER_DEVICE, _BRIDGE, ... (bit 7 cleared) */
    uint8_t interrupt_line;                 /* legacy IRQ the firmware routed INTx to, or 0xff */
    uint8_t interrupt_pin;                  /* 0 none, 1-4 INTA-INTD */
    uint8_t secondary_bus, subordinate_bus; /* bridges: the buses behind them */
    struct pci_bar bars[PCI_BARS];
    const struct pci_driver *driver; /* bound to it, or NULL */
};

struct pci_id {
    uint16_t vendor_id, device_id;
};

struct pci_driver {
    const char *name;
    const struct pci_id *ids; /* ends with {0, 0} */
    /* Starts the driver on the device. Returns 0 when it took the device, or a negative
     * errno (reported in one line; the device stays unbound). Boot, ordinary context,
     * interrupts off; may allocate with GFP_NOWAIT (not GFP_KERNEL, which may sleep). */
    int (*probe)(struct pci_device *device);
};

#define PCI_DRIVER(driver_name, id_table, probe_function)                                          \
    static const struct pci_driver pci_driver_##driver_name = {#driver_name, id_table,             \
                                                               probe_function};                    \
    static const struct pci_driver *const pci_driver_ptr_##driver_name __used __section(           \
            "pci_drivers") __aligned(8) = &pci_driver_##driver_name

/* Enumerates every bus reachable from the host bridges, logs one line per function, then
 * offers each function to the registered drivers. Boot, ordinary context, once, before
 * interrupts are enabled (probes request their IRQ lines). */
void pci_init(void);

/* How configuration space is reached: "ECAM" (memory-mapped, where ACPI's MCFG table puts
 * it; all 4096 bytes of each function) or "port I/O" (the first 256). Any context. */
const char *pci_config_mechanism(void);

/* The functions found, in the order enumeration met them. Any context after pci_init. */
size_t pci_device_count(void);
const struct pci_device *pci_device_get(size_t index);

/* Turns on what a driver needs in the command register, any of: */
#define PCI_ENABLE_IO         0x1u /* decode its I/O BARs */
#define PCI_ENABLE_MEMORY     0x2u /* decode its memory BARs */
#define PCI_ENABLE_BUS_MASTER 0x4u /* let it start DMA (reads and writes of RAM) */
#define PCI_ENABLE_INTX       0x8u /* let it raise its legacy interrupt pin */
void pci_enable(const struct pci_device *device, unsigned int what);

/* Configuration-space access for drivers: offset aligned to the width. Offsets from 256 up
 * reach the function's extended space through ECAM; through port I/O they read all ones and
 * write nothing. Any context. */
uint32_t pci_read32(const struct pci_device *device, uint16_t offset);
uint16_t pci_read16(const struct pci_device *device, uint16_t offset);
/* The same read through port I/O whatever the mechanism, to compare the two (self tests,
 * diagnostics). Any context. */
uint32_t pci_read32_port_io(const struct pci_device *device, uint16_t offset);
void pci_write16(const struct pci_device *device, uint16_t offset, uint16_t value);

/* Formats the device as one line (no newline): "00:03.0 8086:100e class 02:00 ethernet
 * controller, irq 11 (INTA), mem 0xfebc0000 (128 KiB), io 0xc000 (64 B)", and the driver
 * bound when there is one. Returns the length the whole line would have, like ksnprintf. */
int pci_format_device(const struct pci_device *device, char *buffer, size_t size);

/* A short description of a class and subclass ("ethernet controller", "host bridge"). */
const char *pci_class_name(uint8_t class_code, uint8_t subclass);

#endif
