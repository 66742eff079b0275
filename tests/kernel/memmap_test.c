/* tests/kernel/memmap_test.c - the memory map as the kernel understood it matches the
 * machine QEMU was asked for, and the parts that must never be handed out are carved out. */
#include <stdint.h>

#include "kernel/ktest.h"
#include "mm/mm.h"
#include "mm/page_alloc.h"

extern char __kernel_phys_start[], __kernel_phys_end[];

/* RAM above 1 MiB as the kernel sees it: usable, plus what the kernel carved out of it. */
static uint64_t ram_above_1m(void)
{
    const struct memmap *map = mm_memory_map();
    uint64_t total = 0;
    for (size_t i = 0; i < map->count; i++) {
        const struct memmap_range *range = &map->ranges[i];
        bool ram = range->type == MEMMAP_USABLE || range->type == MEMMAP_KERNEL ||
                   range->type == MEMMAP_BOOT_INFO || range->type == MEMMAP_MODULE;
        if (ram && range->end > (1ul << 20))
            total += range->end - MAX(range->start, 1ul << 20);
    }
    return total;
}

static void usable_memory_matches_what_qemu_was_given(struct ktest *t)
{
    uint64_t given = ktest_expected_ram();
    if (!given) {
        ktest_skip(t, "selftest_ram= not set");
        return;
    }
    /* QEMU gives everything but the first MiB and a little for firmware (ACPI tables, a
     * few hundred KiB at the top of low memory), or the hole cut with cutmem. */
    uint64_t seen = ram_above_1m(), expected = given - (1ul << 20);
    ktest_log(t, "given %lu KiB, %lu KiB of RAM above 1 MiB", given >> 10, seen >> 10);
    KTEST_EXPECT_LE(t, seen, expected);
    KTEST_EXPECT_GE(t, seen, expected - expected / 100 - (1ul << 20));
}

static void map_is_sorted_and_disjoint(struct ktest *t)
{
    const struct memmap *map = mm_memory_map();
    KTEST_ASSERT_GT(t, map->count, (size_t)0);
    for (size_t i = 0; i < map->count; i++) {
        KTEST_EXPECT_LT(t, map->ranges[i].start, map->ranges[i].end);
        if (i > 0)
            KTEST_EXPECT_LE(t, map->ranges[i - 1].end, map->ranges[i].start);
        if (map->ranges[i].type == MEMMAP_USABLE) {
            KTEST_EXPECT_TRUE(t, IS_ALIGNED(map->ranges[i].start | map->ranges[i].end, PAGE_SIZE));
            KTEST_EXPECT_GE(t, map->ranges[i].start, 1ul << 20);
        }
    }
}

static void kernel_image_is_carved_out(struct ktest *t)
{
    const struct memmap *map = mm_memory_map();
    uint64_t start = (uint64_t)(uintptr_t)__kernel_phys_start;
    uint64_t end = (uint64_t)(uintptr_t)__kernel_phys_end;
    bool found = false;
    for (size_t i = 0; i < map->count; i++) {
        const struct memmap_range *range = &map->ranges[i];
        if (range->type == MEMMAP_USABLE)
            KTEST_EXPECT_TRUE(t, range->end <= start || range->start >= end);
        found |= range->type == MEMMAP_KERNEL && range->start == start && range->end == end;
    }
    KTEST_EXPECT_TRUE(t, found);
}

static void free_frames_are_all_in_usable_memory(struct ktest *t)
{
    struct page_alloc_stats stats;
    page_alloc_get_stats(&stats);
    uint64_t usable_pages = memmap_usable_bytes(mm_memory_map()) / PAGE_SIZE;
    /* Managed = usable minus what boot took for page tables and the frame database. */
    KTEST_EXPECT_LE(t, stats.managed, usable_pages);
    KTEST_EXPECT_GE(t, stats.managed, usable_pages - usable_pages / 64 - 64);
}

static const struct ktest_case memmap_cases[] = {
        KTEST_CASE(usable_memory_matches_what_qemu_was_given),
        KTEST_CASE(map_is_sorted_and_disjoint),
        KTEST_CASE(kernel_image_is_carved_out),
        KTEST_CASE(free_frames_are_all_in_usable_memory),
        {},
};
KTEST_SUITE(memmap, memmap_cases);
