/* tests/host/census_test.c - the frame census (mm/census.c) on a fake machine: it agrees
 * with the allocator after boot and after a mix of allocations of every kind, and it finds a
 * frame that went missing (a descriptor broken on purpose). */
#include <stddef.h>

#include "kernel/ktest.h"
#include "mm/census.h"
#include "mm/page_alloc.h"
#include "tests/host/fake_memory.h"
#include "tests/host/hosted.h"

#define MiB (1ull << 20)

static const struct boot_memory_range machine[] = {
        {0, 0x9fc00, MEMMAP_USABLE},
        {MiB, 31 * MiB, MEMMAP_USABLE},
};

static void census_agrees_after_boot_and_a_mix_of_allocations(struct ktest *t)
{
    KTEST_ASSERT_NOT_NULL(t, fake_boot(machine, 2, true));
    struct frame_census census;
    KTEST_EXPECT_TRUE(t, frame_census_take(&census));
    KTEST_EXPECT_EQ(t, census.allocated, 0u);
    struct page *blocks[5] = {alloc_pages(GFP_KERNEL, 3), alloc_page(GFP_KERNEL),
                              alloc_page(GFP_ATOMIC | EXCLUSIVE), alloc_pages(GFP_KERNEL, 10),
                              alloc_page(GFP_KERNEL)};
    KTEST_EXPECT_EQ(t, free_page(blocks[4]), 0); /* into the hot cache */
    KTEST_EXPECT_TRUE(t, frame_census_take(&census));
    KTEST_EXPECT_EQ(t, census.allocated, 8u + 1 + 1 + 1024);
    KTEST_EXPECT_EQ(t, census.exclusive, 1u);
    KTEST_EXPECT_GT(t, census.hot, 0u);
    KTEST_EXPECT_GT(t, census.reserve, 0u);
    KTEST_EXPECT_EQ(t, free_pages(blocks[0], 3), 0);
    KTEST_EXPECT_EQ(t, free_page(blocks[1]), 0);
    KTEST_EXPECT_EQ(t, free_page(blocks[2]), 0);
    KTEST_EXPECT_EQ(t, free_pages(blocks[3], 10), 0);
    KTEST_EXPECT_TRUE(t, frame_census_take(&census));
    KTEST_EXPECT_EQ(t, census.allocated, 0u);
}

static void a_lost_frame_is_found(struct ktest *t)
{
    KTEST_ASSERT_NOT_NULL(t, fake_boot(machine, 2, false));
    struct page *block = alloc_pages(GFP_KERNEL, 2);
    KTEST_ASSERT_NOT_NULL(t, block);
    struct frame_census census;
    KTEST_EXPECT_TRUE(t, frame_census_take(&census));
    block->state = PAGE_TAIL; /* the head forgets its block: four frames belong nowhere */
    KTEST_EXPECT_FALSE(t, frame_census_take(&census));
    KTEST_EXPECT_EQ(t, census.stray, 4u);
    block->state = PAGE_ALLOCATED;
    KTEST_EXPECT_EQ(t, free_pages(block, 2), 0);
}

static const struct ktest_case census_cases[] = {
        KTEST_CASE(census_agrees_after_boot_and_a_mix_of_allocations),
        KTEST_CASE(a_lost_frame_is_found),
        {},
};
KTEST_SUITE(census, census_cases);
