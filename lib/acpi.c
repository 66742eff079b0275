/* lib/acpi.c - the RSDP, the root table, the MADT and the MCFG, checked and decoded. Layouts
 * are those of the ACPI specification (6.x, sections 5.2.5 to 5.2.12) and the PCI Firmware
 * specification (MCFG). Every multi-byte field is read with memcpy: tables are packed, and
 * the XSDT's 64-bit entries sit 4 bytes off alignment. */
#include "lib/acpi.h"

#include <stdarg.h>

#include "lib/compiler.h"
#include "lib/errno.h"
#include "lib/format.h"
#include "lib/string.h"

#define RSDP_V1_LENGTH   20
#define RSDP_V2_LENGTH   36
#define HEADER_LENGTH    36 /* the header every table starts with */
#define MADT_ENTRIES     44 /* after the header, the local APIC address and the flags */
#define MCFG_ENTRIES     44 /* after the header and 8 reserved bytes */
#define MCFG_ENTRY       16
#define ROOT_ENTRIES_MAX 256 /* tables listed in the RSDT or XSDT that are looked at */

#define MADT_PCAT_COMPAT   0x1 /* flags: an 8259 pair is present too */
#define CPU_ENABLED        0x1
#define CPU_ONLINE_CAPABLE 0x2

enum madt_entry_type {
    MADT_LOCAL_APIC = 0,
    MADT_IOAPIC = 1,
    MADT_OVERRIDE = 2,
    MADT_NMI_SOURCE = 3,
    MADT_LOCAL_APIC_NMI = 4,
    MADT_LOCAL_APIC_ADDRESS = 5,
    MADT_LOCAL_X2APIC = 9,
    MADT_LOCAL_X2APIC_NMI = 10,
};

/* A parse in progress: where tables come from, what was found, the first problem. */
struct parse {
    acpi_map_fn map;
    void *context;
    struct acpi_info *info;
    char *why;
};

static uint8_t u8_at(const uint8_t *p, size_t at)
{
    return p[at];
}

static uint16_t u16_at(const uint8_t *p, size_t at)
{
    uint16_t value;
    memcpy(&value, p + at, sizeof(value));
    return value;
}

static uint32_t u32_at(const uint8_t *p, size_t at)
{
    uint32_t value;
    memcpy(&value, p + at, sizeof(value));
    return value;
}

static uint64_t u64_at(const uint8_t *p, size_t at)
{
    uint64_t value;
    memcpy(&value, p + at, sizeof(value));
    return value;
}

/* ACPI checksums: the bytes add up to 0 modulo 256. */
static bool sums_to_zero(const uint8_t *p, size_t length)
{
    uint8_t sum = 0;
    for (size_t i = 0; i < length; i++)
        sum = (uint8_t)(sum + p[i]);
    return sum == 0;
}

/* Notes a problem; the first one of a parse is the one kept. */
static __printf(2, 3) void note(struct parse *parse, const char *fmt, ...)
{
    if (parse->why[0])
        return;
    va_list args;
    va_start(args, fmt);
    kvsnprintf(parse->why, ACPI_WHY_MAX, fmt, args);
    va_end(args);
}

/* --- tables --------------------------------------------------------------------------------- */

/* Maps the whole table at phys and checks its length and checksum; `signature` is the one
 * expected (NULL: any). Returns it with *length set, or NULL (a problem is noted, unless the
 * signature is simply another one). */
static const uint8_t *map_table(struct parse *parse, uint64_t phys, const char *signature,
                                uint32_t *length)
{
    const uint8_t *header = parse->map(parse->context, phys, HEADER_LENGTH);
    if (!header) {
        note(parse, "ACPI: the table at %#llx cannot be read", (unsigned long long)phys);
        return NULL;
    }
    char name[5] = {0};
    memcpy(name, header, 4);
    if (signature && memcmp(name, signature, 4) != 0) {
        note(parse, "ACPI: %#llx holds no %s", (unsigned long long)phys, signature);
        return NULL;
    }
    *length = u32_at(header, 4);
    const uint8_t *table = NULL;
    if (*length < HEADER_LENGTH || *length > ACPI_TABLE_MAX)
        note(parse, "ACPI: the %s table's length %u is not believable", name, *length);
    else if (!(table = parse->map(parse->context, phys, *length)))
        note(parse, "ACPI: the %s table at %#llx cannot be read", name, (unsigned long long)phys);
    else if (!sums_to_zero(table, *length))
        note(parse, "ACPI: the %s table at %#llx has a wrong checksum", name,
             (unsigned long long)phys);
    else
        return table;
    return NULL;
}

/* --- the MADT -------------------------------------------------------------------------------- */

static void add_cpu(struct acpi_madt *madt, uint32_t apic_id, uint32_t uid, uint32_t flags)
{
    if (!(flags & (CPU_ENABLED | CPU_ONLINE_CAPABLE)))
        return; /* neither usable nor ever to be */
    if (madt->cpu_count == ACPI_CPUS_MAX) {
        madt->cpus_dropped++;
        return;
    }
    madt->cpus[madt->cpu_count++] = (struct acpi_cpu){
            .apic_id = apic_id,
            .uid = uid,
            .enabled = flags & CPU_ENABLED,
            .online_capable = !(flags & CPU_ENABLED) && (flags & CPU_ONLINE_CAPABLE),
    };
}

static void add_ioapic(struct acpi_madt *madt, const uint8_t *entry)
{
    if (madt->ioapic_count == ACPI_IOAPICS_MAX) {
        madt->entries_skipped++;
        return;
    }
    madt->ioapics[madt->ioapic_count++] = (struct acpi_ioapic){
            .id = u8_at(entry, 2),
            .address = u32_at(entry, 4),
            .gsi_base = u32_at(entry, 8),
    };
}

static void add_override(struct acpi_madt *madt, const uint8_t *entry)
{
    if (madt->override_count == ACPI_OVERRIDES_MAX) {
        madt->entries_skipped++;
        return;
    }
    madt->overrides[madt->override_count++] = (struct acpi_override){
            .bus = u8_at(entry, 2),
            .irq = u8_at(entry, 3),
            .gsi = u32_at(entry, 4),
            .flags = u16_at(entry, 8),
    };
}

static void add_nmi(struct acpi_madt *madt, struct acpi_nmi nmi)
{
    if (madt->nmi_count == ACPI_NMIS_MAX) {
        madt->entries_skipped++;
        return;
    }
    madt->nmis[madt->nmi_count++] = nmi;
}

/* The shortest entry of each known type; 0 for types not read here. */
static uint8_t entry_minimum(uint8_t type)
{
    switch (type) {
    case MADT_LOCAL_APIC:
    case MADT_NMI_SOURCE:
        return 8;
    case MADT_IOAPIC:
    case MADT_LOCAL_APIC_ADDRESS:
    case MADT_LOCAL_X2APIC_NMI:
        return 12;
    case MADT_OVERRIDE:
        return 10;
    case MADT_LOCAL_APIC_NMI:
        return 6;
    case MADT_LOCAL_X2APIC:
        return 16;
    default:
        return 0;
    }
}

/* Decodes one entry whose length was checked against its type's minimum. */
static void madt_entry(struct acpi_madt *madt, const uint8_t *entry)
{
    switch (entry[0]) {
    case MADT_LOCAL_APIC:
        add_cpu(madt, u8_at(entry, 3), u8_at(entry, 2), u32_at(entry, 4));
        break;
    case MADT_LOCAL_X2APIC:
        add_cpu(madt, u32_at(entry, 4), u32_at(entry, 12), u32_at(entry, 8));
        break;
    case MADT_IOAPIC:
        add_ioapic(madt, entry);
        break;
    case MADT_OVERRIDE:
        add_override(madt, entry);
        break;
    case MADT_NMI_SOURCE:
        add_nmi(madt, (struct acpi_nmi){.gsi = u32_at(entry, 4), .flags = u16_at(entry, 2)});
        break;
    case MADT_LOCAL_APIC_NMI: {
        uint8_t uid = u8_at(entry, 2);
        add_nmi(madt, (struct acpi_nmi){.local = true,
                                        .uid = uid == 0xff ? ACPI_UID_ALL : uid,
                                        .flags = u16_at(entry, 3),
                                        .lint = u8_at(entry, 5)});
        break;
    }
    case MADT_LOCAL_X2APIC_NMI:
        add_nmi(madt, (struct acpi_nmi){.local = true,
                                        .uid = u32_at(entry, 4),
                                        .flags = u16_at(entry, 2),
                                        .lint = u8_at(entry, 8)});
        break;
    case MADT_LOCAL_APIC_ADDRESS:
        madt->lapic_address = u64_at(entry, 4);
        break;
    }
}

/* Walks the entries; a malformed one ends the walk (what follows cannot be found). */
static void parse_madt(struct parse *parse, const uint8_t *table, uint32_t length)
{
    struct acpi_madt *madt = &parse->info->madt;
    *madt = (struct acpi_madt){
            .lapic_address = u32_at(table, HEADER_LENGTH),
            .has_8259 = u32_at(table, HEADER_LENGTH + 4) & MADT_PCAT_COMPAT,
    };
    size_t at = MADT_ENTRIES;
    while (at + 2 <= length) {
        uint8_t type = table[at], size = table[at + 1];
        if (size < 2 || at + size > length) {
            note(parse,
                 "ACPI: the MADT entry at offset %zu (type %u, length %u) is malformed; "
                 "the entries stop there",
                 at, type, size);
            return;
        }
        uint8_t minimum = entry_minimum(type);
        if (minimum && size >= minimum)
            madt_entry(madt, table + at);
        else
            madt->entries_skipped++;
        at += size;
    }
}

/* --- the MCFG -------------------------------------------------------------------------------- */

static void parse_mcfg(struct parse *parse, const uint8_t *table, uint32_t length)
{
    struct acpi_info *info = parse->info;
    info->mcfg_count = 0;
    for (size_t at = MCFG_ENTRIES; at + MCFG_ENTRY <= length; at += MCFG_ENTRY) {
        if (info->mcfg_count == ACPI_MCFG_MAX)
            break;
        struct acpi_mcfg_entry entry = {
                .base = u64_at(table, at),
                .segment = u16_at(table, at + 8),
                .bus_start = u8_at(table, at + 10),
                .bus_end = u8_at(table, at + 11),
        };
        if (entry.bus_end < entry.bus_start || !entry.base) {
            note(parse, "ACPI: an MCFG entry (base %#llx, buses %u-%u) is malformed; left out",
                 (unsigned long long)entry.base, entry.bus_start, entry.bus_end);
            continue;
        }
        info->mcfg[info->mcfg_count++] = entry;
    }
    info->has_mcfg = true;
}

/* --- the RSDP and the root table ------------------------------------------------------------ */

/* Looks at the table at phys: the MADT and the MCFG are kept (the first valid one of each). */
static void visit_table(struct parse *parse, uint64_t phys)
{
    struct acpi_info *info = parse->info;
    uint32_t length;
    info->tables_seen++;
    const uint8_t *header = parse->map(parse->context, phys, HEADER_LENGTH);
    if (!header) {
        info->tables_bad++;
        note(parse, "ACPI: the table at %#llx cannot be read", (unsigned long long)phys);
        return;
    }
    bool madt = memcmp(header, "APIC", 4) == 0 && !info->has_madt;
    bool mcfg = memcmp(header, "MCFG", 4) == 0 && !info->has_mcfg;
    if (!madt && !mcfg)
        return;
    const uint8_t *table = map_table(parse, phys, NULL, &length);
    if (!table) {
        info->tables_bad++;
        return;
    }
    if (madt && length >= MADT_ENTRIES) {
        parse_madt(parse, table, length);
        info->has_madt = true;
    } else if (mcfg) {
        parse_mcfg(parse, table, length);
    } else {
        info->tables_bad++;
        note(parse, "ACPI: the MADT is too short (%u bytes)", length);
    }
}

static void walk_root(struct parse *parse, const uint8_t *root, uint32_t length)
{
    size_t entry_size = parse->info->xsdt ? 8 : 4;
    size_t count = (length - HEADER_LENGTH) / entry_size;
    if (count > ROOT_ENTRIES_MAX)
        count = ROOT_ENTRIES_MAX;
    for (size_t i = 0; i < count; i++) {
        size_t at = HEADER_LENGTH + i * entry_size;
        uint64_t phys = entry_size == 8 ? u64_at(root, at) : u32_at(root, at);
        if (phys)
            visit_table(parse, phys);
    }
}

/* Checks the RSDP; sets the RSDT's and (revision 2, checksums right) the XSDT's address.
 * Returns false when it is unusable. */
static bool check_rsdp(struct parse *parse, const uint8_t *rsdp, size_t length, uint64_t *rsdt,
                       uint64_t *xsdt)
{
    struct acpi_info *info = parse->info;
    if (length < RSDP_V1_LENGTH || memcmp(rsdp, "RSD PTR ", 8) != 0) {
        note(parse, "ACPI: no RSDP signature in the %zu bytes given", length);
        return false;
    }
    if (!sums_to_zero(rsdp, RSDP_V1_LENGTH)) {
        note(parse, "ACPI: the RSDP's checksum is wrong");
        return false;
    }
    info->revision = rsdp[15];
    memcpy(info->oem_id, rsdp + 9, 6);
    info->oem_id[6] = '\0';
    *rsdt = u32_at(rsdp, 16);
    *xsdt = 0;
    if (info->revision < 2)
        return true;
    uint32_t xsdp_length = length >= RSDP_V2_LENGTH ? u32_at(rsdp, 20) : 0;
    if (xsdp_length < RSDP_V2_LENGTH || xsdp_length > length || !sums_to_zero(rsdp, xsdp_length))
        note(parse, "ACPI: the XSDP's length (%u) or extended checksum is wrong; the RSDT serves",
             xsdp_length);
    else
        *xsdt = u64_at(rsdp, 24);
    return true;
}

/* Maps the root table: the XSDT when there is one and it is sound, else the RSDT. */
static const uint8_t *map_root(struct parse *parse, uint64_t rsdt, uint64_t xsdt, uint32_t *length)
{
    struct acpi_info *info = parse->info;
    const uint8_t *root = NULL;
    if (xsdt) {
        info->xsdt = true;
        info->root = xsdt;
        root = map_table(parse, xsdt, "XSDT", length);
    }
    if (!root && rsdt) {
        info->xsdt = false;
        info->root = rsdt;
        root = map_table(parse, rsdt, "RSDT", length);
    }
    if (!root && !rsdt && !xsdt)
        note(parse, "ACPI: the RSDP points to no table");
    return root;
}

int acpi_parse(const void *rsdp, size_t rsdp_length, acpi_map_fn map, void *context,
               struct acpi_info *info, char why[ACPI_WHY_MAX])
{
    struct parse parse = {map, context, info, why};
    *info = (struct acpi_info){0};
    why[0] = '\0';
    uint64_t rsdt, xsdt;
    uint32_t length;
    if (!check_rsdp(&parse, rsdp, rsdp_length, &rsdt, &xsdt))
        return -EINVAL;
    const uint8_t *root = map_root(&parse, rsdt, xsdt, &length);
    if (!root)
        return -EINVAL;
    walk_root(&parse, root, length);
    if (!info->has_madt) {
        if (!why[0])
            ksnprintf(why, ACPI_WHY_MAX, "ACPI: no MADT among the %u tables of the %s",
                      info->tables_seen, info->xsdt ? "XSDT" : "RSDT");
        return -EINVAL;
    }
    return 0;
}

uint32_t acpi_isa_gsi(const struct acpi_madt *madt, unsigned int irq, uint16_t *flags)
{
    uint16_t found = 0;
    uint32_t gsi = irq;
    for (unsigned int i = 0; i < madt->override_count; i++) {
        const struct acpi_override *o = &madt->overrides[i];
        if (o->bus == 0 && o->irq == irq) {
            gsi = o->gsi;
            found = o->flags;
        }
    }
    if ((found & ACPI_INTI_POLARITY_MASK) == 0)
        found |= ACPI_INTI_ACTIVE_HIGH; /* ISA conforms: active high... */
    if ((found & ACPI_INTI_TRIGGER_MASK) == 0)
        found |= ACPI_INTI_EDGE; /* ...and edge-triggered */
    *flags = found;
    return gsi;
}
