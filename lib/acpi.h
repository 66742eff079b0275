/* lib/acpi.h - reading the ACPI tables that describe a PC's processors and interrupt
 * controllers: from the RSDP (which GRUB copies into the multiboot2 information) to the RSDT
 * or XSDT, and from there the MADT (local APICs, IOAPICs, interrupt source overrides, NMI
 * wiring) and the MCFG (where PCI Express configuration space is mapped). Firmware tables can
 * be wrong: every checksum is verified, every length checked against what was mapped, and a
 * table that fails is left out with a reason, never read past its end.
 *
 * Pure C: the tables are reached through a function the caller supplies, which makes
 * physical memory readable (the kernel maps it; the host tests and the fuzzer serve it from
 * buffers), so the very same code runs in the kernel, in host tests and under libFuzzer.
 */
#ifndef LIB_ACPI_H
#define LIB_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ACPI_CPUS_MAX      256 /* processor entries kept; more are counted as dropped */
#define ACPI_IOAPICS_MAX   8
#define ACPI_OVERRIDES_MAX 16
#define ACPI_NMIS_MAX      16
#define ACPI_MCFG_MAX      8
#define ACPI_TABLE_MAX     (1u << 20) /* longer tables are taken for corrupt */
#define ACPI_WHY_MAX       128        /* room for the reason a parse gives up */

/* The UID in a local APIC NMI entry that means every processor. */
#define ACPI_UID_ALL 0xffffffffu

/* Polarity and trigger bits of an override's or NMI entry's flags (MPS INTI flags). */
#define ACPI_INTI_POLARITY_MASK 0x3
#define ACPI_INTI_ACTIVE_HIGH   0x1
#define ACPI_INTI_ACTIVE_LOW    0x3
#define ACPI_INTI_TRIGGER_MASK  0xc
#define ACPI_INTI_EDGE          0x4
#define ACPI_INTI_LEVEL         0xc

struct acpi_cpu {
    uint32_t apic_id;    /* the local APIC id (an x2APIC id for MADT type 9) */
    uint32_t uid;        /* the ACPI processor UID, which NMI entries name */
    bool enabled;        /* usable now */
    bool online_capable; /* disabled, but may be brought online (hot plug) */
};

struct acpi_ioapic {
    uint8_t id;
    uint32_t address;  /* physical address of its registers */
    uint32_t gsi_base; /* the global system interrupt of its first pin */
};

/* ISA IRQ `irq` arrives on global system interrupt `gsi` (IRQ 0, the PIT, is usually GSI 2). */
struct acpi_override {
    uint8_t bus; /* 0: ISA */
    uint8_t irq;
    uint32_t gsi;
    uint16_t flags; /* ACPI_INTI_*: 0 conforms to the bus (ISA: edge, active high) */
};

/* A GSI wired to NMI (type 3), or a local APIC's LINT pin wired to NMI (types 4 and 0xa). */
struct acpi_nmi {
    bool local;   /* true: a LINT pin of the processors `uid` names */
    uint32_t gsi; /* for !local */
    uint32_t uid; /* for local: ACPI_UID_ALL for every processor */
    uint8_t lint; /* for local: 0 or 1 */
    uint16_t flags;
};

struct acpi_madt {
    uint64_t lapic_address; /* of the local APICs, after any 64-bit override (type 5) */
    bool has_8259;          /* PCAT_COMPAT: the 8259 pair is there too, to be masked */
    struct acpi_cpu cpus[ACPI_CPUS_MAX];
    unsigned int cpu_count, cpus_dropped;
    struct acpi_ioapic ioapics[ACPI_IOAPICS_MAX];
    unsigned int ioapic_count;
    struct acpi_override overrides[ACPI_OVERRIDES_MAX];
    unsigned int override_count;
    struct acpi_nmi nmis[ACPI_NMIS_MAX];
    unsigned int nmi_count;
    unsigned int entries_skipped; /* unknown types, or too short for their type */
};

/* One PCI segment's configuration space (ECAM): bus b, device d, function f at
 * base + ((b - bus_start) << 20 | d << 15 | f << 12). */
struct acpi_mcfg_entry {
    uint64_t base;
    uint16_t segment;
    uint8_t bus_start, bus_end;
};

struct acpi_info {
    uint8_t revision; /* of the RSDP: 0 (ACPI 1.0) or 2 */
    char oem_id[7];   /* NUL-terminated */
    bool xsdt;        /* the tables were found through the XSDT (else the RSDT) */
    uint64_t root;    /* the physical address of that table */
    unsigned int tables_seen, tables_bad; /* entries of the root table; of which failed */
    bool has_madt;
    struct acpi_madt madt;
    bool has_mcfg;
    struct acpi_mcfg_entry mcfg[ACPI_MCFG_MAX];
    unsigned int mcfg_count;
};

/* Makes `length` bytes of physical memory at `phys` readable: returns a pointer to them, or
 * NULL when they cannot be read. The bytes stay readable until the parse returns. */
typedef const void *(*acpi_map_fn)(void *context, uint64_t phys, uint64_t length);

/* Parses the RSDP (rsdp, rsdp_length bytes: a multiboot2 ACPI tag's payload), the root table
 * it points to, and the MADT and MCFG found there. Returns 0 with *info filled, or -EINVAL
 * when there is no usable MADT (no RSDP signature, a bad checksum, an unreadable root table,
 * no valid MADT), with one line in why saying which. Problems that leave the MADT usable (a
 * bad extended checksum, where the RSDT still serves; a table that fails its checksum; a
 * malformed MADT entry, after which the entries stop; no MCFG) do not fail the parse; the
 * first of them is described in why ("" when there was none). */
int acpi_parse(const void *rsdp, size_t rsdp_length, acpi_map_fn map, void *context,
               struct acpi_info *info, char why[ACPI_WHY_MAX]);

/* The GSI that ISA IRQ `irq` arrives on, and its flags (ACPI_INTI_*, with the ISA default
 * of edge and active high filled in where the override says "conforms"). */
uint32_t acpi_isa_gsi(const struct acpi_madt *madt, unsigned int irq, uint16_t *flags);

#endif
