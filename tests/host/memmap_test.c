/* tests/host/memmap_test.c - the memory-map sanitiser on the maps firmware really produces:
 * overlapping, unsorted, duplicated, zero-length, unknown-type, wrapping and out-of-range
 * entries; then the carve-outs (first 1 MiB, kernel, boot information, modules) and the
 * clipping of usable memory to whole pages. Each problem must give exactly one log line.
 */
#include <stdint.h>
#include <string.h>

#include "kernel/console.h"
#include "kernel/ktest.h"
#include "mm/memmap.h"

#define MiB (1ull << 20)
#define GiB (1ull << 30)
#define TiB (1ull << 40)

#define USABLE   MEMMAP_USABLE
#define RESERVED MEMMAP_RESERVED
#define ACPI     MEMMAP_ACPI_RECLAIMABLE
#define NVS      MEMMAP_ACPI_NVS
#define BAD      MEMMAP_BAD

static struct memmap map;
static char log[4096];

static void sanitise(const struct boot_memory_range *raw, size_t count)
{
    console_capture(log, sizeof(log));
    struct boot_memory_map loader_map = boot_memory_map_of(raw, count);
    memmap_sanitise(&loader_map, &map);
    console_capture(NULL, 0);
}

static void carve(uint64_t start, uint64_t end, uint32_t type)
{
    console_capture(log, sizeof(log));
    memmap_carve(&map, start, end, type);
    console_capture(NULL, 0);
}

static unsigned int log_lines(void)
{
    unsigned int lines = 0;
    for (const char *c = log; *c; c++)
        lines += *c == '\n';
    return lines;
}

/* Compares the map with `expected`, range by range. */
static void expect_map(struct ktest *t, int line, const struct memmap_range *expected, size_t count)
{
    bool same = map.count == count;
    for (size_t i = 0; same && i < count; i++)
        same = map.ranges[i].start == expected[i].start && map.ranges[i].end == expected[i].end &&
               map.ranges[i].type == expected[i].type;
    if (same)
        return;
    KTEST_EXPECT_TRUE(t, same);
    ktest_log(t, "map checked at line %d: %zu ranges, expected %zu", line, map.count, count);
    for (size_t i = 0; i < MAX(map.count, count); i++) {
        if (i < map.count)
            ktest_log(t, "  got      [%#lx, %#lx) type %#x", map.ranges[i].start, map.ranges[i].end,
                      map.ranges[i].type);
        if (i < count)
            ktest_log(t, "  expected [%#lx, %#lx) type %#x", expected[i].start, expected[i].end,
                      expected[i].type);
    }
}

#define RANGES(...) ((const struct memmap_range[]){__VA_ARGS__})
#define EXPECT_MAP(t, ...)                                                                         \
    expect_map(t, __LINE__, RANGES(__VA_ARGS__),                                                   \
               sizeof(RANGES(__VA_ARGS__)) / sizeof(struct memmap_range))

/* What QEMU's SeaBIOS reports for -m 128M. */
static const struct boot_memory_range qemu_map[] = {
        {0, 0x9fc00, USABLE},           {0x9fc00, 0x400, RESERVED},
        {0xf0000, 0x10000, RESERVED},   {0x100000, 0x7ee0000, USABLE},
        {0x7fe0000, 0x20000, RESERVED}, {0xfffc0000, 0x40000, RESERVED},
};

/* The same map as [start, end) ranges, the form memmap_sanitise() produces. */
static const struct memmap_range qemu_map_sanitised[] = {
        {0, 0x9fc00, USABLE},
        {0x9fc00, 0xa0000, RESERVED},
        {0xf0000, 0x100000, RESERVED},
        {0x100000, 0x7fe0000, USABLE},
        {0x7fe0000, 0x8000000, RESERVED},
        {0xfffc0000, 0x100000000, RESERVED},
};

static void a_clean_map_passes_through_unchanged(struct ktest *t)
{
    sanitise(qemu_map, 6);
    expect_map(t, __LINE__, qemu_map_sanitised, 6);
    KTEST_EXPECT_EQ(t, map.problems, 0u);
    KTEST_EXPECT_STREQ(t, log, "");
}

static void usable_inside_reserved_becomes_reserved(struct ktest *t)
{
    const struct boot_memory_range raw[] = {{MiB, 15 * MiB, RESERVED}, {4 * MiB, 4 * MiB, USABLE}};
    sanitise(raw, 2);
    EXPECT_MAP(t, {MiB, 16 * MiB, RESERVED});
    KTEST_EXPECT_EQ(t, map.problems, 1u);
    KTEST_EXPECT_STREQ(
            t, log, "mm: map entries overlap at [mem 0x400000-0x7fffff]; resolved as reserved\n");
}

static void reserved_inside_usable_splits_it(struct ktest *t)
{
    const struct boot_memory_range raw[] = {{MiB, 15 * MiB, USABLE}, {4 * MiB, 4 * MiB, RESERVED}};
    sanitise(raw, 2);
    EXPECT_MAP(t, {MiB, 4 * MiB, USABLE}, {4 * MiB, 8 * MiB, RESERVED},
               {8 * MiB, 16 * MiB, USABLE});
    KTEST_EXPECT_EQ(t, map.problems, 1u);
}

static void acpi_wins_over_usable_and_nvs_over_acpi(struct ktest *t)
{
    const struct boot_memory_range raw[] = {
            {MiB, 15 * MiB, USABLE}, {2 * MiB, MiB, ACPI}, {0x280000, 0x180000, NVS}};
    sanitise(raw, 3);
    EXPECT_MAP(t, {MiB, 2 * MiB, USABLE}, {2 * MiB, 0x280000, ACPI}, {0x280000, 4 * MiB, NVS},
               {4 * MiB, 16 * MiB, USABLE});
    KTEST_EXPECT_EQ(t, map.problems, 3u); /* usable-ACPI, usable-NVS, ACPI-NVS */
    KTEST_EXPECT_EQ(t, log_lines(), 3u);
    KTEST_EXPECT_NOT_NULL(t, strstr(log, "overlap at [mem 0x280000-0x2fffff]; resolved as ACPI "
                                         "NVS\n"));
}

static void bad_ram_wins_over_every_type(struct ktest *t)
{
    const struct boot_memory_range raw[] = {
            {0x180000, 0x1000, BAD}, {MiB, MiB, USABLE},   {MiB, MiB, ACPI},
            {MiB, MiB, NVS},         {MiB, MiB, RESERVED},
    };
    sanitise(raw, 5);
    EXPECT_MAP(t, {MiB, 0x180000, RESERVED}, {0x180000, 0x181000, BAD},
               {0x181000, 2 * MiB, RESERVED});
    KTEST_EXPECT_NOT_NULL(t, strstr(log, "overlap at [mem 0x180000-0x180fff]; resolved as bad "
                                         "RAM\n"));
}

static void unsorted_entries_are_sorted_with_a_log_line(struct ktest *t)
{
    const struct boot_memory_range raw[] = {
            {0x100000, 0x7ee0000, USABLE},  {0xfffc0000, 0x40000, RESERVED},
            {0, 0x9fc00, USABLE},           {0x9fc00, 0x400, RESERVED},
            {0x7fe0000, 0x20000, RESERVED}, {0xf0000, 0x10000, RESERVED},
    };
    sanitise(raw, 6);
    expect_map(t, __LINE__, qemu_map_sanitised, 6);
    KTEST_EXPECT_EQ(t, map.problems, 1u);
    KTEST_EXPECT_STREQ(t, log, "mm: the memory map is not sorted by address; sorting it\n");
}

static void duplicate_entries_collapse_into_one(struct ktest *t)
{
    const struct boot_memory_range raw[] = {{MiB, 7 * MiB, USABLE}, {MiB, 7 * MiB, USABLE}};
    sanitise(raw, 2);
    EXPECT_MAP(t, {MiB, 8 * MiB, USABLE});
    KTEST_EXPECT_EQ(t, map.problems, 1u);
    KTEST_EXPECT_STREQ(t, log,
                       "mm: map entries overlap at [mem 0x100000-0x7fffff]; resolved as usable\n");
}

static void zero_length_entries_are_dropped_with_a_log_line(struct ktest *t)
{
    const struct boot_memory_range raw[] = {
            {MiB, MiB, USABLE}, {0x200000, 0, RESERVED}, {0x300000, 0, USABLE}};
    sanitise(raw, 3);
    EXPECT_MAP(t, {MiB, 2 * MiB, USABLE});
    KTEST_EXPECT_EQ(t, map.problems, 2u);
    KTEST_EXPECT_STREQ(t, log,
                       "mm: map entry 1 [mem 0x200000] has zero length; dropped\n"
                       "mm: map entry 2 [mem 0x300000] has zero length; dropped\n");
}

static void unknown_types_become_reserved(struct ktest *t)
{
    const struct boot_memory_range raw[] = {
            {MiB, MiB, 20},
            {2 * MiB, MiB, 0},
            {3 * MiB, MiB, 0xffffffff},
            {8 * MiB, 8 * MiB, USABLE},
            {12 * MiB, MiB, 7}, /* persistent memory: not ours to use */
    };
    sanitise(raw, 5);
    EXPECT_MAP(t, {MiB, 4 * MiB, RESERVED}, {8 * MiB, 12 * MiB, USABLE},
               {12 * MiB, 13 * MiB, RESERVED}, {13 * MiB, 16 * MiB, USABLE});
    KTEST_EXPECT_EQ(t, map.problems, 5u); /* four unknown types, one overlap */
    KTEST_EXPECT_NOT_NULL(t, strstr(log, "mm: map entry 0 has type 20; treated as reserved\n"));
    KTEST_EXPECT_NOT_NULL(t, strstr(log, "mm: map entry 1 has type 0; treated as reserved\n"));
    KTEST_EXPECT_NOT_NULL(
            t, strstr(log, "mm: map entry 2 has type 4294967295; treated as reserved\n"));
    KTEST_EXPECT_NOT_NULL(t, strstr(log, "mm: map entry 4 has type 7; treated as reserved\n"));
}

static void wrap_around_entries_are_clipped(struct ktest *t)
{
    const struct boot_memory_range raw[] = {
            {MiB, MiB, USABLE},
            {2 * GiB, 0xfffffffffffff000ull, RESERVED}, /* ends at 2 GiB - 4 KiB, past 2^64 */
    };
    sanitise(raw, 2);
    EXPECT_MAP(t, {MiB, 2 * MiB, USABLE}, {2 * GiB, MEMMAP_PHYS_LIMIT, RESERVED});
    KTEST_EXPECT_EQ(t, map.problems, 1u);
    KTEST_EXPECT_STREQ(t, log,
                       "mm: map entry 1 [mem 0x80000000, length 0xfffffffffffff000] wraps past "
                       "2^64; clipped\n");

    /* Wrapping back over usable memory must not make the low part anything but usable. */
    const struct boot_memory_range over[] = {{MiB, 7 * MiB, USABLE}, {6 * MiB, UINT64_MAX, BAD}};
    sanitise(over, 2);
    EXPECT_MAP(t, {MiB, 6 * MiB, USABLE}, {6 * MiB, MEMMAP_PHYS_LIMIT, BAD});
}

static void entries_above_16_tib_are_ignored_or_clipped(struct ktest *t)
{
    const struct boot_memory_range raw[] = {
            {MEMMAP_PHYS_LIMIT, GiB, USABLE},
            {MEMMAP_PHYS_LIMIT - 4 * MiB, 8 * MiB, USABLE},
            {0xfffffffffffff000ull, 0x1000, RESERVED},
            {MiB, MiB, USABLE},
    };
    sanitise(raw, 4);
    EXPECT_MAP(t, {MiB, 2 * MiB, USABLE}, {MEMMAP_PHYS_LIMIT - 4 * MiB, MEMMAP_PHYS_LIMIT, USABLE});
    KTEST_EXPECT_EQ(t, map.problems, 4u); /* two ignored, one clipped, unsorted */
    KTEST_EXPECT_NOT_NULL(
            t, strstr(log, "mm: map entry 0 starts above 16 TiB (0xffffffff000); ignored\n"));
    KTEST_EXPECT_NOT_NULL(t, strstr(log, "mm: map entry 1 reaches above 16 TiB; clipped\n"));
    KTEST_EXPECT_NOT_NULL(
            t, strstr(log, "mm: map entry 2 starts above 16 TiB (0xfffffffffffff000); ignored\n"));
}

static void adjacent_entries_of_one_type_merge(struct ktest *t)
{
    const struct boot_memory_range raw[] = {
            {MiB, MiB, USABLE}, {2 * MiB, MiB, USABLE}, {3 * MiB, MiB, RESERVED},
            {4 * MiB, MiB, 9},  {5 * MiB, MiB, USABLE}, {7 * MiB, MiB, USABLE},
    };
    sanitise(raw, 6);
    EXPECT_MAP(t, {MiB, 3 * MiB, USABLE}, {3 * MiB, 5 * MiB, RESERVED}, {5 * MiB, 6 * MiB, USABLE},
               {7 * MiB, 8 * MiB, USABLE});
    KTEST_EXPECT_EQ(t, map.problems, 1u); /* the unknown type; adjacency is no problem */
}

static void a_hopeless_map_gives_an_empty_one(struct ktest *t)
{
    const struct boot_memory_range raw[] = {
            {MiB, 0, USABLE}, {MEMMAP_PHYS_LIMIT, MiB, USABLE}, {UINT64_MAX, UINT64_MAX, 1}};
    sanitise(raw, 3);
    KTEST_EXPECT_EQ(t, map.count, 0u);
    KTEST_EXPECT_EQ(t, map.problems, 3u);
    KTEST_EXPECT_EQ(t, memmap_usable_bytes(&map), 0u);
    sanitise(NULL, 0);
    KTEST_EXPECT_EQ(t, map.count, 0u);
    KTEST_EXPECT_EQ(t, map.problems, 0u);
}

/* Everything wrong at once: every problem is counted, and each has its own log line. */
static void the_problems_counter_matches_the_log_lines(struct ktest *t)
{
    const struct boot_memory_range raw[] = {
            {16 * MiB, 16 * MiB, USABLE}, {MiB, 0, USABLE},
            {MiB, 31 * MiB, USABLE},      {20 * MiB, MiB, 77},
            {24 * MiB, MiB, BAD},         {24 * MiB, MiB, BAD},
            {TiB, UINT64_MAX, RESERVED},  {MEMMAP_PHYS_LIMIT + 1, 1, USABLE},
    };
    sanitise(raw, 8);
    KTEST_EXPECT_GE(t, map.problems, 8u);
    KTEST_EXPECT_EQ(t, map.problems, log_lines());
}

/* Maps of hundreds of entries (GRUB makes two of one with each cutmem): all of them count. */
static void a_map_of_250_entries_keeps_all_of_them(struct ktest *t)
{
    static struct boot_memory_range raw[250];
    for (unsigned int i = 0; i < 250; i++)
        raw[i] = (struct boot_memory_range){MiB + i * 0x10000ull, 0x10000,
                                            i % 2 ? RESERVED : USABLE};
    sanitise(raw, 250);
    KTEST_ASSERT_EQ(t, map.count, (size_t)250);
    KTEST_EXPECT_EQ(t, map.problems, 0u);
    for (unsigned int i = 0; i < 250; i++)
        KTEST_EXPECT_EQ(t, map.ranges[i].start, raw[i].base);
    KTEST_EXPECT_EQ(t, memmap_usable_bytes(&map), 125 * 0x10000ull);
}

/* More ranges than the table holds: reserved ranges go first (the kernel treats them as
 * holes), so no usable memory is lost, and one line says so. */
static void beyond_the_table_reserved_ranges_go_first(struct ktest *t)
{
    static struct boot_memory_range raw[400];
    for (unsigned int i = 0; i < 400; i++)
        raw[i] = (struct boot_memory_range){MiB + i * 0x10000ull, 0x10000,
                                            i % 2 ? RESERVED : USABLE};
    sanitise(raw, 400);
    KTEST_EXPECT_EQ(t, memmap_usable_bytes(&map), 200 * 0x10000ull);
    KTEST_EXPECT_LE(t, map.count, (size_t)MEMMAP_MAX);
    KTEST_EXPECT_EQ(t, map.problems, 1u);
    KTEST_EXPECT_STREQ(t, log,
                       "mm: the memory map needs more than 282 ranges: 118 reserved ranges left "
                       "out, no usable memory lost\n");
}

/* 400 usable ranges between holes: what cannot fit is the smallest ranges, said in one line
 * with the memory they held. */
static void beyond_the_table_the_smallest_ranges_go_and_it_is_said(struct ktest *t)
{
    static struct boot_memory_range raw[400];
    uint64_t base = MiB, total = 0;
    for (unsigned int i = 0; i < 400; i++) {
        raw[i] = (struct boot_memory_range){base, (i + 1) * 0x1000ull, USABLE};
        base += (i + 2) * 0x1000ull;
        total += raw[i].length;
    }
    sanitise(raw, 400);
    KTEST_EXPECT_EQ(t, map.count, (size_t)282);
    KTEST_EXPECT_EQ(t, map.ranges[0].start, raw[118].base); /* the 118 smallest went */
    KTEST_EXPECT_EQ(t, memmap_usable_bytes(&map), total - 118 * 119 / 2 * 0x1000ull);
    KTEST_EXPECT_EQ(t, map.problems, 1u);
    KTEST_EXPECT_STREQ(t, log,
                       "mm: the memory map needs more than 282 ranges: 118 small ranges left "
                       "out, with 28084 KiB of usable memory\n");
}

/* --- carving --------------------------------------------------------------------------------- */

static void set_map(const struct memmap_range *ranges, size_t count)
{
    map = (struct memmap){.count = count};
    memcpy(map.ranges, ranges, count * sizeof(ranges[0]));
}

#define SET_MAP(...)                                                                               \
    set_map(RANGES(__VA_ARGS__), sizeof(RANGES(__VA_ARGS__)) / sizeof(struct memmap_range))

static void carve_at_the_start_of_a_range(struct ktest *t)
{
    SET_MAP({MiB, 16 * MiB, USABLE});
    carve(MiB, 2 * MiB, MEMMAP_KERNEL);
    EXPECT_MAP(t, {MiB, 2 * MiB, MEMMAP_KERNEL}, {2 * MiB, 16 * MiB, USABLE});
    KTEST_EXPECT_STREQ(t, log, "");
}

static void carve_at_the_end_of_a_range(struct ktest *t)
{
    SET_MAP({MiB, 16 * MiB, USABLE}, {16 * MiB, 17 * MiB, RESERVED});
    carve(15 * MiB, 16 * MiB, MEMMAP_MODULE);
    EXPECT_MAP(t, {MiB, 15 * MiB, USABLE}, {15 * MiB, 16 * MiB, MEMMAP_MODULE},
               {16 * MiB, 17 * MiB, RESERVED});
}

static void carve_in_the_middle_of_a_range(struct ktest *t)
{
    SET_MAP({MiB, 16 * MiB, USABLE});
    carve(0x401000, 0x403800, MEMMAP_BOOT_INFO);
    EXPECT_MAP(t, {MiB, 0x401000, USABLE}, {0x401000, 0x403800, MEMMAP_BOOT_INFO},
               {0x403800, 16 * MiB, USABLE});
    KTEST_EXPECT_EQ(t, memmap_usable_bytes(&map), 15 * MiB - 0x2800);
}

static void carve_spanning_several_ranges(struct ktest *t)
{
    SET_MAP({MiB, 4 * MiB, USABLE}, {4 * MiB, 5 * MiB, RESERVED}, {5 * MiB, 6 * MiB, USABLE},
            {6 * MiB, 7 * MiB, ACPI}, {7 * MiB, 16 * MiB, USABLE});
    carve(3 * MiB, 8 * MiB, MEMMAP_MODULE);
    EXPECT_MAP(t, {MiB, 3 * MiB, USABLE}, {3 * MiB, 4 * MiB, MEMMAP_MODULE},
               {4 * MiB, 5 * MiB, RESERVED}, {5 * MiB, 6 * MiB, MEMMAP_MODULE},
               {6 * MiB, 7 * MiB, ACPI}, {7 * MiB, 8 * MiB, MEMMAP_MODULE},
               {8 * MiB, 16 * MiB, USABLE});
}

static void carve_covering_a_whole_range(struct ktest *t)
{
    SET_MAP({MiB, 2 * MiB, USABLE}, {3 * MiB, 4 * MiB, USABLE});
    carve(0, 2 * MiB + 1, MEMMAP_FIRMWARE);
    EXPECT_MAP(t, {MiB, 2 * MiB, MEMMAP_FIRMWARE}, {3 * MiB, 4 * MiB, USABLE});
}

static void carve_outside_usable_memory_changes_nothing(struct ktest *t)
{
    SET_MAP({MiB, 2 * MiB, USABLE}, {2 * MiB, 3 * MiB, RESERVED}, {4 * MiB, 5 * MiB, USABLE});
    carve(2 * MiB, 3 * MiB, MEMMAP_KERNEL);    /* reserved stays reserved */
    carve(3 * MiB, 4 * MiB, MEMMAP_KERNEL);    /* a hole */
    carve(64 * MiB, 65 * MiB, MEMMAP_MODULE);  /* beyond the map */
    carve(4 * MiB, 4 * MiB, MEMMAP_BOOT_INFO); /* empty */
    carve(5 * MiB, MiB, MEMMAP_BOOT_INFO);     /* backwards */
    EXPECT_MAP(t, {MiB, 2 * MiB, USABLE}, {2 * MiB, 3 * MiB, RESERVED}, {4 * MiB, 5 * MiB, USABLE});
}

/* What mm/mm.c does first: nothing below 1 MiB stays usable. */
static void carve_of_the_first_mib(struct ktest *t)
{
    sanitise(qemu_map, 6);
    carve(0, MiB, MEMMAP_FIRMWARE);
    EXPECT_MAP(t, {0, 0x9fc00, MEMMAP_FIRMWARE}, {0x9fc00, 0xa0000, RESERVED},
               {0xf0000, 0x100000, RESERVED}, {0x100000, 0x7fe0000, USABLE},
               {0x7fe0000, 0x8000000, RESERVED}, {0xfffc0000, 0x100000000, RESERVED});
}

/* With no room to split, the whole range is taken: memory lost, never handed out. */
static void carve_into_a_full_map_takes_the_whole_range(struct ktest *t)
{
    map = (struct memmap){.count = MEMMAP_MAX};
    for (unsigned int i = 0; i < MEMMAP_MAX; i++)
        map.ranges[i] =
                (struct memmap_range){(i + 1) * MiB, (i + 2) * MiB, i % 2 ? RESERVED : USABLE};
    carve(0x1540000, 0x1541000, MEMMAP_KERNEL); /* inside range 20, [21 MiB, 22 MiB) */
    KTEST_EXPECT_EQ(t, map.count, (size_t)MEMMAP_MAX);
    KTEST_EXPECT_EQ(t, map.ranges[20].type, (uint32_t)MEMMAP_KERNEL);
    KTEST_EXPECT_EQ(t, map.ranges[20].start, 21 * MiB);
    KTEST_EXPECT_EQ(t, map.ranges[20].end, 22 * MiB);
    KTEST_EXPECT_EQ(t, map.ranges[21].type, (uint32_t)RESERVED);
    KTEST_EXPECT_STREQ(t, log,
                       "mm: memory map full; all of [mem 0x1500000-0x15fffff] becomes kernel\n");
}

/* --- clipping and figures ---------------------------------------------------------------- */

static void clip_shrinks_usable_ranges_to_whole_pages(struct ktest *t)
{
    SET_MAP({0x100800, 0x200400, USABLE}, {0x200400, 0x300100, ACPI}, {0x300100, 0x300f00, USABLE},
            {0x300f00, 0x302000, RESERVED}, {0x302000, 0x303000, USABLE});
    memmap_clip_usable(&map);
    EXPECT_MAP(t, {0x101000, 0x200000, USABLE}, {0x200400, 0x300100, ACPI},
               {0x300f00, 0x302000, RESERVED}, {0x302000, 0x303000, USABLE});
}

static void usable_bytes_and_type_names(struct ktest *t)
{
    char buffer[16];
    sanitise(qemu_map, 6);
    KTEST_EXPECT_EQ(t, memmap_usable_bytes(&map), 0x9fc00ull + 0x7ee0000ull);
    KTEST_EXPECT_STREQ(t, memmap_type_name(MEMMAP_KERNEL, buffer), "kernel");
    KTEST_EXPECT_STREQ(t, memmap_type_name(MEMMAP_FIRMWARE, buffer), "firmware");
    KTEST_EXPECT_STREQ(t, memmap_type_name(MEMMAP_BOOT_INFO, buffer), "boot info");
    KTEST_EXPECT_STREQ(t, memmap_type_name(MEMMAP_MODULE, buffer), "module");
    KTEST_EXPECT_STREQ(t, memmap_type_name(USABLE, buffer), "usable");
    KTEST_EXPECT_STREQ(t, memmap_type_name(BAD, buffer), "bad RAM");
    KTEST_EXPECT_STREQ(t, memmap_type_name(20, buffer), "type 20");
    KTEST_EXPECT_TRUE(t, memmap_type_is_ram(USABLE));
    KTEST_EXPECT_TRUE(t, memmap_type_is_ram(NVS));
    KTEST_EXPECT_TRUE(t, memmap_type_is_ram(MEMMAP_KERNEL));
    KTEST_EXPECT_FALSE(t, memmap_type_is_ram(RESERVED));
    KTEST_EXPECT_FALSE(t, memmap_type_is_ram(BAD));
}

static void the_raw_map_is_logged_as_the_design_says(struct ktest *t)
{
    const struct boot_memory_range raw[] = {
            {0x100000, 0x7ee0000, USABLE}, {0x200000, 0, RESERVED}, {0xfffc0000, 0x40000, 12}};
    console_capture(log, sizeof(log));
    struct boot_memory_map loader_map = boot_memory_map_of(raw, 3);
    memmap_log_raw(&loader_map);
    console_capture(NULL, 0);
    KTEST_EXPECT_STREQ(t, log,
                       "mm: [mem 0x0000000000100000-0x0000000007fdffff] usable\n"
                       "mm: [mem 0x0000000000200000-(empty)] reserved\n"
                       "mm: [mem 0x00000000fffc0000-0x00000000ffffffff] type 12\n");
}

static const struct ktest_case memmap_cases[] = {
        KTEST_CASE(a_clean_map_passes_through_unchanged),
        KTEST_CASE(usable_inside_reserved_becomes_reserved),
        KTEST_CASE(reserved_inside_usable_splits_it),
        KTEST_CASE(acpi_wins_over_usable_and_nvs_over_acpi),
        KTEST_CASE(bad_ram_wins_over_every_type),
        KTEST_CASE(unsorted_entries_are_sorted_with_a_log_line),
        KTEST_CASE(duplicate_entries_collapse_into_one),
        KTEST_CASE(zero_length_entries_are_dropped_with_a_log_line),
        KTEST_CASE(unknown_types_become_reserved),
        KTEST_CASE(wrap_around_entries_are_clipped),
        KTEST_CASE(entries_above_16_tib_are_ignored_or_clipped),
        KTEST_CASE(adjacent_entries_of_one_type_merge),
        KTEST_CASE(a_hopeless_map_gives_an_empty_one),
        KTEST_CASE(the_problems_counter_matches_the_log_lines),
        KTEST_CASE(a_map_of_250_entries_keeps_all_of_them),
        KTEST_CASE(beyond_the_table_reserved_ranges_go_first),
        KTEST_CASE(beyond_the_table_the_smallest_ranges_go_and_it_is_said),
        KTEST_CASE(carve_at_the_start_of_a_range),
        KTEST_CASE(carve_at_the_end_of_a_range),
        KTEST_CASE(carve_in_the_middle_of_a_range),
        KTEST_CASE(carve_spanning_several_ranges),
        KTEST_CASE(carve_covering_a_whole_range),
        KTEST_CASE(carve_outside_usable_memory_changes_nothing),
        KTEST_CASE(carve_of_the_first_mib),
        KTEST_CASE(carve_into_a_full_map_takes_the_whole_range),
        KTEST_CASE(clip_shrinks_usable_ranges_to_whole_pages),
        KTEST_CASE(usable_bytes_and_type_names),
        KTEST_CASE(the_raw_map_is_logged_as_the_design_says),
        {},
};
KTEST_SUITE(memmap, memmap_cases);
