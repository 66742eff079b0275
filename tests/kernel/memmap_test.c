/* tests/kernel/memmap_test.c - the memory map as the kernel understood it matches the map the
 * loader gave, that map accounts for the machine QEMU was asked for, and the parts that must
 * never be handed out are carved out. */
#include <stdint.h>

#include "kernel/ktest.h"
#include "mm/mm.h"
#include "mm/page_alloc.h"

extern char __kernel_phys_start[], __kernel_phys_end[];

#define MIB (1ul << 20)

/* RAM above 1 MiB as the kernel sees it: usable, plus what the kernel carved out of it. */
static uint64_t ram_above_1m(void)
{
    const struct memmap *map = mm_memory_map();
    uint64_t total = 0;
    for (size_t i = 0; i < map->count; i++) {
        const struct memmap_range *range = &map->ranges[i];
        bool ram = range->type == MEMMAP_USABLE || range->type == MEMMAP_KERNEL ||
                   range->type == MEMMAP_BOOT_INFO || range->type == MEMMAP_MODULE;
        if (ram && range->end > MIB)
            total += range->end - MAX(range->start, MIB);
    }
    return total;
}

static uint64_t overlap(const struct boot_memory_range *entry, uint64_t start, uint64_t end)
{
    uint64_t from = MAX(entry->base, start), to = MIN(entry->base + entry->length, end);
    return to > from ? to - from : 0;
}

/* What the loader's map calls usable in [start, end). (QEMU's maps are sorted and disjoint.) */
static uint64_t loader_usable(uint64_t start, uint64_t end)
{
    const struct boot_memory_map *raw = mm_loader_map();
    uint64_t total = 0;
    for (size_t i = 0; i < raw->count; i++) {
        struct boot_memory_range entry = boot_memory_map_entry(raw, i);
        if (entry.type == MEMMAP_USABLE)
            total += overlap(&entry, start, end);
    }
    return total;
}

/* RAM the loader's map describes above 1 MiB: usable memory, and what the firmware keeps of
 * RAM for itself (ACPI tables, its runtime code and data: OVMF keeps ~5.5 MiB), which is what
 * follows usable memory without a gap. A run of entries that starts with no usable memory is
 * not RAM: a device's window, the BIOS ROM below 4 GiB. */
static uint64_t loader_ram_above_1m(void)
{
    const struct boot_memory_map *raw = mm_loader_map();
    uint64_t total = 0, run_end = 0;
    bool in_ram = false;
    for (size_t i = 0; i < raw->count; i++) {
        struct boot_memory_range entry = boot_memory_map_entry(raw, i);
        if (entry.base != run_end)
            in_ram = false; /* a gap: a new run starts */
        in_ram |= entry.type == MEMMAP_USABLE;
        if (in_ram)
            total += overlap(&entry, MIB, UINT64_MAX);
        run_end = entry.base + entry.length;
    }
    return total;
}

/* QEMU gives the machine its RAM less any hole cut with cutmem (selftest_ram says how much);
 * below 1 MiB is the PC's legacy area, and the firmware's map must describe all the rest. */
static void the_loaders_map_describes_the_ram_qemu_was_given(struct ktest *t)
{
    uint64_t given = ktest_expected_ram();
    if (!given) {
        ktest_skip(t, "selftest_ram= not set");
        return;
    }
    uint64_t described = loader_ram_above_1m(), usable = loader_usable(MIB, UINT64_MAX);
    ktest_log(t, "given %lu KiB; above 1 MiB the map describes %lu KiB of RAM, %lu KiB usable",
              given >> 10, described >> 10, usable >> 10);
    KTEST_EXPECT_EQ(t, described, given - MIB);
}

/* The kernel sees every byte the loader called usable above 1 MiB, less at most a page at
 * each end of a range that was not page-aligned (or that a carve-out cut), and never more. */
static void the_kernel_sees_the_usable_memory_the_map_gives(struct ktest *t)
{
    uint64_t seen = ram_above_1m(), usable = loader_usable(MIB, UINT64_MAX);
    uint64_t clipped_at_most = 2 * PAGE_SIZE * mm_memory_map()->count;
    ktest_log(t, "the map gives %lu KiB usable above 1 MiB; the kernel sees %lu KiB", usable >> 10,
              seen >> 10);
    KTEST_EXPECT_LE(t, seen, usable);
    KTEST_EXPECT_GE(t, seen + clipped_at_most, usable);
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
            KTEST_EXPECT_GE(t, map->ranges[i].start, MIB);
        }
    }
}

/* No usable range overlaps the image; the parts of it the loader calls usable are carved out
 * as the kernel, and nothing else is. (GRUB loads the kernel at 1 MiB whatever the map says:
 * cutmem can put a hole over the image, and the hole stays a hole.) */
static void kernel_image_is_carved_out(struct ktest *t)
{
    const struct memmap *map = mm_memory_map();
    uint64_t start = (uint64_t)(uintptr_t)__kernel_phys_start;
    uint64_t end = (uint64_t)(uintptr_t)__kernel_phys_end;
    uint64_t carved = 0;
    for (size_t i = 0; i < map->count; i++) {
        const struct memmap_range *range = &map->ranges[i];
        if (range->type == MEMMAP_USABLE)
            KTEST_EXPECT_TRUE(t, range->end <= start || range->start >= end);
        if (range->type != MEMMAP_KERNEL)
            continue;
        KTEST_EXPECT_TRUE(t, range->start >= start && range->end <= end);
        carved += range->end - range->start;
    }
    KTEST_EXPECT_GT(t, carved, 0u);
    KTEST_EXPECT_EQ(t, carved, loader_usable(start, end));
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
        KTEST_CASE(the_loaders_map_describes_the_ram_qemu_was_given),
        KTEST_CASE(the_kernel_sees_the_usable_memory_the_map_gives),
        KTEST_CASE(map_is_sorted_and_disjoint),
        KTEST_CASE(kernel_image_is_carved_out),
        KTEST_CASE(free_frames_are_all_in_usable_memory),
        {},
};
KTEST_SUITE(memmap, memmap_cases);
