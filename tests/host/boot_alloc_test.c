/* tests/host/boot_alloc_test.c - the early boot allocator: top-down allocation, alignment,
 * the 4 GiB limit of the early page tables, splitting ranges, exhaustion, and handing back
 * exactly what was not used when the buddy allocator takes over.
 */
#include <stdint.h>
#include <string.h>

#include "kernel/ktest.h"
#include "mm/boot_alloc.h"
#include "mm/layout.h"
#include "tests/host/fake_memory.h"

#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define GiB (1ull << 30)

static struct memmap map;

static void start(const struct memmap_range *ranges, size_t count)
{
    map = (struct memmap){.count = count};
    memcpy(map.ranges, ranges, count * sizeof(ranges[0]));
    boot_alloc_init(&map);
}

#define RANGES(...) ((const struct memmap_range[]){__VA_ARGS__})
#define START(...)                                                                                 \
    start(RANGES(__VA_ARGS__), sizeof(RANGES(__VA_ARGS__)) / sizeof(struct memmap_range))

/* What boot_alloc_release hands back. */
static struct {
    uint64_t start, end;
} given[512];
static size_t given_count;

static void collect(uint64_t start, uint64_t end)
{
    if (given_count < sizeof(given) / sizeof(given[0]))
        given[given_count] = (__typeof__(given[0])){start, end};
    given_count++;
}

static void release(void)
{
    given_count = 0;
    boot_alloc_release(collect);
}

static void allocates_from_the_top_down(struct ktest *t)
{
    START({MiB, 2 * MiB, MEMMAP_USABLE}, {2 * MiB, 3 * MiB, MEMMAP_RESERVED},
          {8 * MiB, 16 * MiB, MEMMAP_USABLE});
    KTEST_EXPECT_EQ(t, boot_alloc(4 * KiB, PAGE_SIZE), 16 * MiB - 4 * KiB);
    KTEST_EXPECT_EQ(t, boot_alloc(8 * KiB, PAGE_SIZE), 16 * MiB - 12 * KiB);
    KTEST_EXPECT_EQ(t, boot_alloc(8 * MiB - 12 * KiB, PAGE_SIZE), 8 * MiB);
    KTEST_EXPECT_EQ(t, boot_alloc(4 * KiB, PAGE_SIZE), 2 * MiB - 4 * KiB); /* the next range */
    KTEST_EXPECT_EQ(t, boot_alloc_pages_used(), 2048u + 1);
}

static void sizes_round_up_to_whole_pages(struct ktest *t)
{
    START({MiB, 2 * MiB, MEMMAP_USABLE});
    KTEST_EXPECT_EQ(t, boot_alloc(1, PAGE_SIZE), 2 * MiB - 4 * KiB);
    KTEST_EXPECT_EQ(t, boot_alloc(4 * KiB + 1, PAGE_SIZE), 2 * MiB - 12 * KiB);
    KTEST_EXPECT_EQ(t, boot_alloc_pages_used(), 3u);
    KTEST_EXPECT_EQ(t, boot_alloc(0, PAGE_SIZE), 0u);
    KTEST_EXPECT_EQ(t, boot_alloc_pages_used(), 3u);
}

static void an_aligned_allocation_splits_its_range(struct ktest *t)
{
    START({MiB, 2 * MiB, MEMMAP_USABLE}, {8 * MiB, 16 * MiB, MEMMAP_USABLE});
    KTEST_EXPECT_EQ(t, boot_alloc(4 * KiB, 2 * MiB), 14 * MiB);
    KTEST_EXPECT_EQ(t, boot_alloc(64 * KiB, 64 * KiB), 16 * MiB - 64 * KiB);
    KTEST_EXPECT_EQ(t, boot_alloc(4 * KiB, GiB), 0u); /* no range holds a 1 GiB boundary */
    release();
    KTEST_ASSERT_EQ(t, given_count, 3u);
    KTEST_EXPECT_EQ(t, given[0].start, MiB);
    KTEST_EXPECT_EQ(t, given[0].end, 2 * MiB);
    KTEST_EXPECT_EQ(t, given[1].start, 8 * MiB);
    KTEST_EXPECT_EQ(t, given[1].end, 14 * MiB);
    KTEST_EXPECT_EQ(t, given[2].start, 14 * MiB + 4 * KiB);
    KTEST_EXPECT_EQ(t, given[2].end, 16 * MiB - 64 * KiB);
}

/* The early page tables map only the first 4 GiB: until the limit is raised, nothing above. */
static void allocations_stay_below_the_limit(struct ktest *t)
{
    START({MiB, 2 * MiB, MEMMAP_USABLE}, {4 * GiB - 8 * KiB, 4 * GiB + 16 * MiB, MEMMAP_USABLE},
          {8 * GiB, 9 * GiB, MEMMAP_USABLE});
    KTEST_EXPECT_EQ(t, boot_alloc(4 * KiB, PAGE_SIZE), 4 * GiB - 4 * KiB);
    KTEST_EXPECT_EQ(t, boot_alloc(4 * KiB, PAGE_SIZE), 4 * GiB - 8 * KiB);
    KTEST_EXPECT_EQ(t, boot_alloc(4 * KiB, PAGE_SIZE), 2 * MiB - 4 * KiB);
    KTEST_EXPECT_EQ(t, boot_alloc(2 * MiB, PAGE_SIZE), 0u);
    boot_alloc_set_limit(MEMMAP_PHYS_LIMIT);
    KTEST_EXPECT_EQ(t, boot_alloc(4 * KiB, PAGE_SIZE), 9 * GiB - 4 * KiB);
    boot_alloc_set_limit(0x180800); /* not page-aligned: the allocation must end below it */
    uint64_t low = boot_alloc(4 * KiB, PAGE_SIZE);
    KTEST_EXPECT_EQ(t, low, 0x17f000u);
    boot_alloc_set_limit(MiB); /* below all memory */
    KTEST_EXPECT_EQ(t, boot_alloc(4 * KiB, PAGE_SIZE), 0u);
}

static void exhaustion_returns_zero(struct ktest *t)
{
    START({MiB, MiB + 8 * KiB, MEMMAP_USABLE}, {2 * MiB, 2 * MiB + 8 * KiB, MEMMAP_USABLE});
    KTEST_EXPECT_EQ(t, boot_alloc(12 * KiB, PAGE_SIZE), 0u); /* 16 KiB free, but in two pieces */
    for (int i = 0; i < 4; i++)
        KTEST_EXPECT_NE(t, boot_alloc(4 * KiB, PAGE_SIZE), 0u);
    KTEST_EXPECT_EQ(t, boot_alloc(4 * KiB, PAGE_SIZE), 0u);
    KTEST_EXPECT_EQ(t, boot_alloc_pages_used(), 4u);
    release();
    KTEST_EXPECT_EQ(t, given_count, 0u);
}

/* A size no range can hold must fail, however large: nothing may wrap past 2^64. */
static void impossible_sizes_return_zero(struct ktest *t)
{
    START({MiB, 16 * MiB, MEMMAP_USABLE});
    KTEST_EXPECT_EQ(t, boot_alloc(15 * MiB + 4 * KiB, PAGE_SIZE), 0u);
    KTEST_EXPECT_EQ(t, boot_alloc(1ull << 63, PAGE_SIZE), 0u);
    KTEST_EXPECT_EQ(t, boot_alloc(UINT64_MAX - 0xfff, PAGE_SIZE), 0u);
    KTEST_EXPECT_EQ(t, boot_alloc(UINT64_MAX - 15 * MiB, PAGE_SIZE), 0u);
    KTEST_EXPECT_EQ(t, boot_alloc_pages_used(), 0u);
    release();
    KTEST_ASSERT_EQ(t, given_count, 1u);
    KTEST_EXPECT_EQ(t, given[0].start, MiB);
    KTEST_EXPECT_EQ(t, given[0].end, 16 * MiB);
}

static void release_hands_back_exactly_the_unused_ranges(struct ktest *t)
{
    START({MiB, 4 * MiB, MEMMAP_USABLE}, {4 * MiB, 5 * MiB, MEMMAP_KERNEL},
          {5 * MiB, 6 * MiB, MEMMAP_USABLE}, {6 * MiB, 7 * MiB, MEMMAP_ACPI_NVS},
          {7 * MiB, 7 * MiB + 8 * KiB, MEMMAP_USABLE});
    uint64_t a = boot_alloc(8 * KiB, PAGE_SIZE);        /* all of the last range */
    uint64_t b = boot_alloc(12 * KiB, 8 * KiB);         /* middle of [5 MiB, 6 MiB) */
    uint64_t c = boot_alloc(MiB - 24 * KiB, PAGE_SIZE); /* the rest of it but 8 KiB at 5 MiB */
    KTEST_EXPECT_EQ(t, a, 7 * MiB);
    KTEST_EXPECT_EQ(t, b, 6 * MiB - 16 * KiB);
    KTEST_EXPECT_EQ(t, c, 5 * MiB + 8 * KiB);
    release();
    KTEST_ASSERT_EQ(t, given_count, 3u);
    KTEST_EXPECT_EQ(t, given[0].start, MiB);
    KTEST_EXPECT_EQ(t, given[0].end, 4 * MiB);
    KTEST_EXPECT_EQ(t, given[1].start, 5 * MiB);
    KTEST_EXPECT_EQ(t, given[1].end, 5 * MiB + 8 * KiB);
    KTEST_EXPECT_EQ(t, given[2].start, 6 * MiB - 4 * KiB);
    KTEST_EXPECT_EQ(t, given[2].end, 6 * MiB);
    uint64_t handed_back = 0;
    for (size_t i = 0; i < given_count; i++)
        handed_back += given[i].end - given[i].start;
    KTEST_EXPECT_EQ(t, handed_back + boot_alloc_pages_used() * PAGE_SIZE, 4 * MiB + 8 * KiB);
    KTEST_EXPECT_EQ(t, boot_alloc(4 * KiB, PAGE_SIZE), 0u); /* closed */
}

/* Each aligned allocation in the middle of a range splits it; when the range table is full
 * the allocator fails softly and keeps its ranges consistent. */
static void a_full_range_table_fails_softly(struct ktest *t)
{
    START({MiB, MiB + 1024 * 64 * KiB, MEMMAP_USABLE});
    unsigned int splits = 0;
    while (boot_alloc(4 * KiB, 64 * KiB) && splits < 1024)
        splits++;
    KTEST_EXPECT_GE(t, splits, (unsigned int)MEMMAP_MAX);
    KTEST_EXPECT_LT(t, splits, 1024u);
    KTEST_EXPECT_NE(t, boot_alloc(4 * KiB, PAGE_SIZE), 0u); /* no split needed: still works */
    release();
    uint64_t handed_back = 0, previous_end = 0;
    for (size_t i = 0; i < given_count && i < 512; i++) {
        KTEST_EXPECT_LT(t, given[i].start, given[i].end);
        KTEST_EXPECT_LE(t, previous_end, given[i].start);
        previous_end = given[i].end;
        handed_back += given[i].end - given[i].start;
    }
    KTEST_EXPECT_EQ(t, handed_back + boot_alloc_pages_used() * PAGE_SIZE, 64 * MiB);
}

static void zeroed_memory_reads_zero(struct ktest *t)
{
    KTEST_ASSERT_TRUE(t, fake_memory_create(32 * MiB));
    memset(phys_to_virt(16 * MiB), 0xcc, 16 * MiB);
    START({16 * MiB, 32 * MiB, MEMMAP_USABLE});
    uint64_t phys = boot_alloc_zeroed(5000, PAGE_SIZE);
    KTEST_EXPECT_EQ(t, phys, 32 * MiB - 8 * KiB);
    const uint8_t *bytes = phys_to_virt(phys);
    bool zero = true;
    for (size_t i = 0; i < 8 * KiB; i++)
        zero &= bytes[i] == 0;
    KTEST_EXPECT_TRUE(t, zero);
    KTEST_EXPECT_EQ(t, bytes[-1], 0xcc); /* nothing below it touched */
    KTEST_EXPECT_EQ(t, boot_alloc_zeroed(64 * MiB, PAGE_SIZE), 0u);
    fake_memory_destroy();
}

static const struct ktest_case boot_alloc_cases[] = {
        KTEST_CASE(allocates_from_the_top_down),
        KTEST_CASE(sizes_round_up_to_whole_pages),
        KTEST_CASE(an_aligned_allocation_splits_its_range),
        KTEST_CASE(allocations_stay_below_the_limit),
        KTEST_CASE(exhaustion_returns_zero),
        KTEST_CASE(impossible_sizes_return_zero),
        KTEST_CASE(release_hands_back_exactly_the_unused_ranges),
        KTEST_CASE(a_full_range_table_fails_softly),
        KTEST_CASE(zeroed_memory_reads_zero),
        {},
};
KTEST_SUITE(boot_alloc, boot_alloc_cases);
