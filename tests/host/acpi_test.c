/* tests/host/acpi_test.c - the ACPI parser (lib/acpi.c) on tables built here as QEMU's
 * firmware lays them out, and on broken ones: bad checksums, lengths that lie, malformed
 * MADT entries, tables that cannot be read. Physical memory is a handful of buffers, each
 * at an address of its own. */
#include <stdint.h>
#include <string.h>

#include "kernel/ktest.h"
#include "lib/acpi.h"
#include "lib/errno.h"

#define CHUNKS_MAX 8

struct memory {
    struct {
        uint64_t phys;
        uint8_t bytes[1024];
        size_t length;
    } chunks[CHUNKS_MAX];
    int count;
    int unreadable; /* chunk index map refuses, or -1 */
};

static const void *map(void *context, uint64_t phys, uint64_t length)
{
    struct memory *memory = context;
    for (int i = 0; i < memory->count; i++) {
        uint64_t start = memory->chunks[i].phys;
        if (i != memory->unreadable && phys >= start &&
            phys - start + length <= memory->chunks[i].length)
            return memory->chunks[i].bytes + (phys - start);
    }
    return NULL;
}

/* A table under construction: its bytes, the header filled in by begin/finish. */
struct table {
    uint8_t bytes[1024];
    size_t length;
};

static void put(struct table *t, const void *data, size_t size)
{
    memcpy(t->bytes + t->length, data, size);
    t->length += size;
}

static void put_u8(struct table *t, uint8_t v)
{
    put(t, &v, 1);
}

static void put_u16(struct table *t, uint16_t v)
{
    put(t, &v, 2);
}

static void put_u32(struct table *t, uint32_t v)
{
    put(t, &v, 4);
}

static void put_u64(struct table *t, uint64_t v)
{
    put(t, &v, 8);
}

static uint8_t checksum_of(const uint8_t *bytes, size_t length)
{
    uint8_t sum = 0;
    for (size_t i = 0; i < length; i++)
        sum = (uint8_t)(sum + bytes[i]);
    return (uint8_t)-sum;
}

static void begin(struct table *t, const char *signature)
{
    memset(t, 0, sizeof(*t));
    memcpy(t->bytes, signature, 4);
    t->bytes[8] = 1;                    /* revision */
    memcpy(t->bytes + 10, "BOCHS ", 6); /* OEM id, as QEMU's tables say */
    t->length = 36;
}

/* Sets the length field and the checksum (byte 9). */
static void finish(struct table *t)
{
    uint32_t length = (uint32_t)t->length;
    memcpy(t->bytes + 4, &length, 4);
    t->bytes[9] = 0;
    t->bytes[9] = checksum_of(t->bytes, t->length);
}

static void place(struct memory *memory, uint64_t phys, const struct table *t)
{
    int i = memory->count++;
    memory->chunks[i].phys = phys;
    memcpy(memory->chunks[i].bytes, t->bytes, t->length);
    memory->chunks[i].length = t->length;
}

/* The MADT of QEMU's pc machine with two CPUs: two local APICs, one IOAPIC, the overrides
 * of IRQ 0 (to GSI 2) and the level-triggered PCI lines, and LINT1 as NMI on every CPU. */
static void build_madt(struct table *t)
{
    begin(t, "APIC");
    put_u32(t, 0xfee00000);
    put_u32(t, 1); /* PCAT_COMPAT */
    for (uint8_t cpu = 0; cpu < 2; cpu++) {
        uint8_t entry[] = {0, 8, cpu, cpu, 1, 0, 0, 0};
        put(t, entry, sizeof(entry));
    }
    put_u8(t, 1), put_u8(t, 12), put_u8(t, 0), put_u8(t, 0);
    put_u32(t, 0xfec00000), put_u32(t, 0);
    put_u8(t, 2), put_u8(t, 10), put_u8(t, 0), put_u8(t, 0), put_u32(t, 2), put_u16(t, 0);
    put_u8(t, 2), put_u8(t, 10), put_u8(t, 0), put_u8(t, 9), put_u32(t, 9), put_u16(t, 0xd);
    put_u8(t, 4), put_u8(t, 6), put_u8(t, 0xff), put_u16(t, 0), put_u8(t, 1);
    finish(t);
}

static void build_mcfg(struct table *t)
{
    begin(t, "MCFG");
    put_u64(t, 0); /* reserved */
    put_u64(t, 0xb0000000), put_u16(t, 0), put_u8(t, 0), put_u8(t, 255), put_u32(t, 0);
    finish(t);
}

/* The root table: an RSDT (4-byte entries) or an XSDT (8-byte entries). */
static void build_root(struct table *t, bool xsdt, const uint64_t *tables, int count)
{
    begin(t, xsdt ? "XSDT" : "RSDT");
    for (int i = 0; i < count; i++) {
        if (xsdt)
            put_u64(t, tables[i]);
        else
            put_u32(t, (uint32_t)tables[i]);
    }
    finish(t);
}

/* An RSDP of revision 0 (20 bytes) or 2 (36 bytes, with the XSDT). */
static size_t build_rsdp(uint8_t *rsdp, int revision, uint32_t rsdt, uint64_t xsdt)
{
    memset(rsdp, 0, 36);
    memcpy(rsdp, "RSD PTR ", 8);
    memcpy(rsdp + 9, "BOCHS ", 6);
    rsdp[15] = (uint8_t)revision;
    memcpy(rsdp + 16, &rsdt, 4);
    rsdp[8] = checksum_of(rsdp, 20);
    if (revision < 2)
        return 20;
    uint32_t length = 36;
    memcpy(rsdp + 20, &length, 4);
    memcpy(rsdp + 24, &xsdt, 8);
    rsdp[32] = checksum_of(rsdp, 36);
    return 36;
}

#define MADT_AT 0x7fe1000ull
#define MCFG_AT 0x7fe2000ull
#define RSDT_AT 0x7fe0000ull
#define XSDT_AT 0x7fe0800ull

/* The machine of most cases: RSDT and XSDT both listing the MADT and the MCFG. */
static size_t build_machine(struct memory *memory, uint8_t *rsdp, int revision)
{
    static struct table t;
    memset(memory, 0, sizeof(*memory));
    memory->unreadable = -1;
    const uint64_t tables[] = {MADT_AT, MCFG_AT};
    build_root(&t, false, tables, 2);
    place(memory, RSDT_AT, &t);
    build_root(&t, true, tables, 2);
    place(memory, XSDT_AT, &t);
    build_madt(&t);
    place(memory, MADT_AT, &t);
    build_mcfg(&t);
    place(memory, MCFG_AT, &t);
    return build_rsdp(rsdp, revision, RSDT_AT, XSDT_AT);
}

static struct memory memory;
static struct acpi_info info;
static char why[ACPI_WHY_MAX];

static void reads_qemus_madt_and_mcfg(struct ktest *t)
{
    uint8_t rsdp[36];
    size_t length = build_machine(&memory, rsdp, 2);
    KTEST_ASSERT_EQ(t, acpi_parse(rsdp, length, map, &memory, &info, why), 0);
    KTEST_EXPECT_STREQ(t, why, "");
    KTEST_EXPECT_TRUE(t, info.xsdt);
    KTEST_EXPECT_EQ(t, info.root, XSDT_AT);
    KTEST_EXPECT_STREQ(t, info.oem_id, "BOCHS ");
    const struct acpi_madt *madt = &info.madt;
    KTEST_EXPECT_EQ(t, madt->lapic_address, 0xfee00000u);
    KTEST_EXPECT_TRUE(t, madt->has_8259);
    KTEST_ASSERT_EQ(t, madt->cpu_count, 2u);
    KTEST_EXPECT_EQ(t, madt->cpus[1].apic_id, 1u);
    KTEST_EXPECT_TRUE(t, madt->cpus[1].enabled);
    KTEST_ASSERT_EQ(t, madt->ioapic_count, 1u);
    KTEST_EXPECT_EQ(t, madt->ioapics[0].address, 0xfec00000u);
    KTEST_EXPECT_EQ(t, madt->override_count, 2u);
    KTEST_ASSERT_EQ(t, madt->nmi_count, 1u);
    KTEST_EXPECT_TRUE(t, madt->nmis[0].local);
    KTEST_EXPECT_EQ(t, madt->nmis[0].uid, ACPI_UID_ALL);
    KTEST_EXPECT_EQ(t, madt->nmis[0].lint, 1u);
    uint16_t flags;
    KTEST_EXPECT_EQ(t, acpi_isa_gsi(madt, 0, &flags), 2u);
    KTEST_EXPECT_EQ(t, flags, ACPI_INTI_ACTIVE_HIGH | ACPI_INTI_EDGE);
    KTEST_EXPECT_EQ(t, acpi_isa_gsi(madt, 9, &flags), 9u);
    KTEST_EXPECT_EQ(t, flags, ACPI_INTI_ACTIVE_HIGH | ACPI_INTI_LEVEL);
    KTEST_EXPECT_EQ(t, acpi_isa_gsi(madt, 1, &flags), 1u);
    KTEST_ASSERT_TRUE(t, info.has_mcfg);
    KTEST_ASSERT_EQ(t, info.mcfg_count, 1u);
    KTEST_EXPECT_EQ(t, info.mcfg[0].base, 0xb0000000u);
    KTEST_EXPECT_EQ(t, info.mcfg[0].bus_end, 255u);
}

static void revision_0_uses_the_rsdt(struct ktest *t)
{
    uint8_t rsdp[36];
    size_t length = build_machine(&memory, rsdp, 0);
    KTEST_ASSERT_EQ(t, acpi_parse(rsdp, length, map, &memory, &info, why), 0);
    KTEST_EXPECT_FALSE(t, info.xsdt);
    KTEST_EXPECT_EQ(t, info.root, RSDT_AT);
    KTEST_EXPECT_EQ(t, info.madt.cpu_count, 2u);
}

static void a_bad_rsdp_is_refused_with_a_reason(struct ktest *t)
{
    uint8_t rsdp[36];
    size_t length = build_machine(&memory, rsdp, 2);
    rsdp[8]++;
    KTEST_EXPECT_EQ(t, acpi_parse(rsdp, length, map, &memory, &info, why), -EINVAL);
    KTEST_EXPECT_STREQ(t, why, "ACPI: the RSDP's checksum is wrong");
    rsdp[8]--;
    rsdp[0] = 'X';
    KTEST_EXPECT_EQ(t, acpi_parse(rsdp, length, map, &memory, &info, why), -EINVAL);
    KTEST_EXPECT_STREQ(t, why, "ACPI: no RSDP signature in the 36 bytes given");
    KTEST_EXPECT_EQ(t, acpi_parse(rsdp, 10, map, &memory, &info, why), -EINVAL);
}

static void a_bad_extended_checksum_falls_back_to_the_rsdt(struct ktest *t)
{
    uint8_t rsdp[36];
    size_t length = build_machine(&memory, rsdp, 2);
    rsdp[32]++;
    KTEST_ASSERT_EQ(t, acpi_parse(rsdp, length, map, &memory, &info, why), 0);
    KTEST_EXPECT_FALSE(t, info.xsdt);
    KTEST_EXPECT_NOT_NULL(t, strstr(why, "extended checksum is wrong; the RSDT serves"));
    KTEST_EXPECT_EQ(t, info.madt.cpu_count, 2u);
}

static void a_broken_xsdt_falls_back_to_the_rsdt(struct ktest *t)
{
    uint8_t rsdp[36];
    size_t length = build_machine(&memory, rsdp, 2);
    memory.chunks[1].bytes[20]++; /* the XSDT's checksum no longer adds up */
    KTEST_ASSERT_EQ(t, acpi_parse(rsdp, length, map, &memory, &info, why), 0);
    KTEST_EXPECT_FALSE(t, info.xsdt);
    KTEST_EXPECT_NOT_NULL(t, strstr(why, "XSDT table at 0x7fe0800 has a wrong checksum"));
}

static void a_madt_with_a_bad_checksum_is_no_madt(struct ktest *t)
{
    uint8_t rsdp[36];
    size_t length = build_machine(&memory, rsdp, 2);
    memory.chunks[2].bytes[40] ^= 1; /* the MADT's flags */
    KTEST_EXPECT_EQ(t, acpi_parse(rsdp, length, map, &memory, &info, why), -EINVAL);
    KTEST_EXPECT_STREQ(t, why, "ACPI: the APIC table at 0x7fe1000 has a wrong checksum");
    KTEST_EXPECT_FALSE(t, info.has_madt);
    KTEST_EXPECT_EQ(t, info.tables_bad, 1u);
    KTEST_EXPECT_TRUE(t, info.has_mcfg); /* the walk went on */
}

static void an_unreadable_table_is_skipped(struct ktest *t)
{
    uint8_t rsdp[36];
    size_t length = build_machine(&memory, rsdp, 2);
    memory.unreadable = 3; /* the MCFG */
    KTEST_ASSERT_EQ(t, acpi_parse(rsdp, length, map, &memory, &info, why), 0);
    KTEST_EXPECT_FALSE(t, info.has_mcfg);
    KTEST_EXPECT_STREQ(t, why, "ACPI: the table at 0x7fe2000 cannot be read");
    memory.unreadable = 0; /* the RSDT: with revision 0 there is nothing else */
    length = build_rsdp(rsdp, 0, RSDT_AT, 0);
    KTEST_EXPECT_EQ(t, acpi_parse(rsdp, length, map, &memory, &info, why), -EINVAL);
}

/* Rebuilds the MADT with one more entry at the end, then fixes the checksum. */
static void append_to_madt(const uint8_t *entry, size_t size)
{
    static struct table t;
    build_madt(&t);
    put(&t, entry, size);
    finish(&t);
    memory.chunks[2].length = t.length;
    memcpy(memory.chunks[2].bytes, t.bytes, t.length);
}

static void a_malformed_madt_entry_stops_the_walk(struct ktest *t)
{
    uint8_t rsdp[36];
    size_t length = build_machine(&memory, rsdp, 2);
    const uint8_t zero_length[] = {0, 0, 7, 7, 1, 0, 0, 0};
    append_to_madt(zero_length, sizeof(zero_length));
    KTEST_ASSERT_EQ(t, acpi_parse(rsdp, length, map, &memory, &info, why), 0);
    KTEST_EXPECT_EQ(t, info.madt.cpu_count, 2u); /* what came before is kept */
    KTEST_EXPECT_NOT_NULL(t, strstr(why, "is malformed; the entries stop there"));
    const uint8_t past_end[] = {0, 200, 7, 7};
    append_to_madt(past_end, sizeof(past_end));
    KTEST_ASSERT_EQ(t, acpi_parse(rsdp, length, map, &memory, &info, why), 0);
    KTEST_EXPECT_EQ(t, info.madt.cpu_count, 2u);
    const uint8_t short_ioapic[] = {1, 6, 0, 0, 0, 0};
    append_to_madt(short_ioapic, sizeof(short_ioapic));
    KTEST_ASSERT_EQ(t, acpi_parse(rsdp, length, map, &memory, &info, why), 0);
    KTEST_EXPECT_EQ(t, info.madt.ioapic_count, 1u);
    KTEST_EXPECT_EQ(t, info.madt.entries_skipped, 1u);
}

static void x2apic_and_disabled_processors(struct ktest *t)
{
    uint8_t rsdp[36];
    size_t length = build_machine(&memory, rsdp, 2);
    static struct table m;
    build_madt(&m);
    const uint8_t disabled[] = {0, 8, 2, 2, 0, 0, 0, 0};
    const uint8_t hot_plug[] = {0, 8, 3, 3, 2, 0, 0, 0};
    put(&m, disabled, sizeof(disabled));
    put(&m, hot_plug, sizeof(hot_plug));
    put_u8(&m, 9), put_u8(&m, 16), put_u16(&m, 0), put_u32(&m, 300), put_u32(&m, 1),
            put_u32(&m, 300);
    put_u8(&m, 5), put_u8(&m, 12), put_u16(&m, 0), put_u64(&m, 0xfee00000ull);
    finish(&m);
    memory.chunks[2].length = m.length;
    memcpy(memory.chunks[2].bytes, m.bytes, m.length);
    KTEST_ASSERT_EQ(t, acpi_parse(rsdp, length, map, &memory, &info, why), 0);
    KTEST_ASSERT_EQ(t, info.madt.cpu_count, 4u); /* the disabled one is left out */
    KTEST_EXPECT_FALSE(t, info.madt.cpus[2].enabled);
    KTEST_EXPECT_TRUE(t, info.madt.cpus[2].online_capable);
    KTEST_EXPECT_EQ(t, info.madt.cpus[3].apic_id, 300u);
    KTEST_EXPECT_TRUE(t, info.madt.cpus[3].enabled);
}

static void lengths_that_lie_are_refused(struct ktest *t)
{
    uint8_t rsdp[36];
    size_t length = build_machine(&memory, rsdp, 0);
    uint32_t huge = 0x10000000;
    memcpy(memory.chunks[0].bytes + 4, &huge, 4); /* the RSDT claims 256 MiB */
    KTEST_EXPECT_EQ(t, acpi_parse(rsdp, length, map, &memory, &info, why), -EINVAL);
    KTEST_EXPECT_STREQ(t, why, "ACPI: the RSDT table's length 268435456 is not believable");
    uint32_t longer = 200; /* longer than what is there: cannot be read */
    memcpy(memory.chunks[0].bytes + 4, &longer, 4);
    KTEST_EXPECT_EQ(t, acpi_parse(rsdp, length, map, &memory, &info, why), -EINVAL);
    KTEST_EXPECT_STREQ(t, why, "ACPI: the RSDT table at 0x7fe0000 cannot be read");
}

static const struct ktest_case acpi_cases[] = {
        KTEST_CASE(reads_qemus_madt_and_mcfg),
        KTEST_CASE(revision_0_uses_the_rsdt),
        KTEST_CASE(a_bad_rsdp_is_refused_with_a_reason),
        KTEST_CASE(a_bad_extended_checksum_falls_back_to_the_rsdt),
        KTEST_CASE(a_broken_xsdt_falls_back_to_the_rsdt),
        KTEST_CASE(a_madt_with_a_bad_checksum_is_no_madt),
        KTEST_CASE(an_unreadable_table_is_skipped),
        KTEST_CASE(a_malformed_madt_entry_stops_the_walk),
        KTEST_CASE(x2apic_and_disabled_processors),
        KTEST_CASE(lengths_that_lie_are_refused),
        {},
};
KTEST_SUITE(acpi, acpi_cases);
