/* tests/kernel/buddy_test.c - the buddy allocator's split and merge (mm/buddy.c), seen through
 * the frames' descriptors on the machine's real memory: a request served from a larger block
 * gets its lower part and leaves each upper half free on the list of its order; a freed block
 * merges with its buddy, and only with a free one of its own order; freed memory climbs back
 * to the blocks it came from. These cases grade lab 1 of the course (labs/buddy.md).
 *
 * Each case runs with interrupts off and the atomic reserve topped up first, so that neither
 * an interrupt handler nor a refill of the reserve takes blocks while it looks at the lists;
 * whatever it checks is read before interrupts are back on (so they allocate with GFP_NOWAIT:
 * nothing may sleep there). They use blocks of order 1 and above, which go straight to the buddy
 * lists (order 0 goes through the hot cache). */
#include <stdint.h>

#include "arch/arch.h"
#include "kernel/ktest.h"
#include "kernel/printk.h"
#include "mm/page_alloc.h"

static struct page_alloc_stats stats(void)
{
    struct page_alloc_stats s;
    page_alloc_get_stats(&s);
    return s;
}

/* Interrupts off; the free path tops the atomic reserve up once, so no refill runs later. */
static unsigned long quiet_begin(void)
{
    unsigned long flags = arch_irq_save();
    struct page *page = alloc_pages(GFP_NOWAIT, 1);
    if (page && free_pages(page, 1) != 0)
        printk("buddy test: a block just allocated was refused by free_pages\n");
    page_alloc_drain_hot_cache();
    return flags;
}

/* Takes every free block of order 1, chained through their first word (physical address of
 * the previous block, 0 at the end), so the next order-1 request must split a larger block. */
static uint64_t take_order_1_blocks(void)
{
    uint64_t chain = 0;
    while (stats().free_blocks[1] > 0) {
        struct page *page = alloc_pages(GFP_NOWAIT, 1);
        if (!page)
            break;
        *(uint64_t *)page_address(page) = chain;
        chain = page_to_phys(page);
    }
    return chain;
}

static void free_chain(struct ktest *t, uint64_t chain)
{
    while (chain) {
        uint64_t next = *(const uint64_t *)phys_to_virt(chain);
        KTEST_EXPECT_EQ(t, free_pages(phys_to_page(chain), 1), 0);
        chain = next;
    }
}

/* The smallest order above 1 with a free block, or MAX_ORDER + 1. */
static unsigned int smallest_larger_order(const struct page_alloc_stats *s)
{
    unsigned int order = 2;
    while (order <= MAX_ORDER && s->free_blocks[order] == 0)
        order++;
    return order;
}

static bool is_free_block(const struct page *page, unsigned int order)
{
    return page->state == PAGE_FREE && page->order == order;
}

static void a_split_keeps_the_lower_half_and_frees_the_upper_halves(struct ktest *t)
{
    unsigned long flags = quiet_begin();
    uint64_t taken = take_order_1_blocks();
    struct page_alloc_stats before = stats();
    unsigned int from = smallest_larger_order(&before);
    struct page *page = alloc_pages(GFP_NOWAIT, 1);
    struct page_alloc_stats after = stats();
    /* Read now: once interrupts are on, a handler's allocation may split these blocks. */
    bool upper_half_free[MAX_ORDER + 1] = {false};
    for (unsigned int order = 1; page && order < from && order <= MAX_ORDER; order++)
        upper_half_free[order] = is_free_block(page + (1ul << order), order);
    arch_irq_restore(flags);
    KTEST_EXPECT_NOT_NULL(t, page);
    KTEST_EXPECT_LE(t, from, (unsigned int)MAX_ORDER);
    if (page && from <= MAX_ORDER) {
        KTEST_EXPECT_EQ(t, page_to_pfn(page) % 2, 0u);
        KTEST_EXPECT_EQ(t, page->order, 1u);
        /* A block of order `from` became this block and a free block of each order below. */
        for (unsigned int order = 1; order < from; order++) {
            KTEST_EXPECT_TRUE(t, upper_half_free[order]);
            KTEST_EXPECT_EQ(t, after.free_blocks[order], before.free_blocks[order] + 1);
        }
        KTEST_EXPECT_EQ(t, after.free_blocks[from], before.free_blocks[from] - 1);
        KTEST_EXPECT_EQ(t, after.free, before.free - 2);
    }
    if (page)
        KTEST_EXPECT_EQ(t, free_pages(page, 1), 0);
    free_chain(t, taken);
}

static void a_freed_block_merges_with_its_free_buddy(struct ktest *t)
{
    unsigned long flags = quiet_begin();
    uint64_t taken = take_order_1_blocks();
    struct page_alloc_stats before = stats();
    unsigned int from = smallest_larger_order(&before);
    struct page *low = alloc_pages(GFP_NOWAIT, 1);
    struct page *high = alloc_pages(GFP_NOWAIT, 1); /* the upper half the split left */
    int freed_high = high ? free_pages(high, 1) : -1;
    int freed_low = low ? free_pages(low, 1) : -1;
    bool merged = low && is_free_block(low, from);
    struct page_alloc_stats after = stats();
    arch_irq_restore(flags);
    KTEST_EXPECT_NOT_NULL(t, low);
    KTEST_EXPECT_LE(t, from, (unsigned int)MAX_ORDER);
    KTEST_EXPECT_EQ(t, (uintptr_t)high, (uintptr_t)(low + 2));
    KTEST_EXPECT_EQ(t, freed_high, 0);
    KTEST_EXPECT_EQ(t, freed_low, 0);
    /* Both halves, then every upper half of the split, merged back into the whole block. */
    KTEST_EXPECT_TRUE(t, merged);
    for (unsigned int order = 0; order <= MAX_ORDER; order++)
        KTEST_EXPECT_EQ(t, after.free_blocks[order], before.free_blocks[order]);
    free_chain(t, taken);
}

static void a_block_does_not_merge_with_a_busy_buddy(struct ktest *t)
{
    unsigned long flags = quiet_begin();
    uint64_t taken = take_order_1_blocks();
    struct page *low = alloc_pages(GFP_NOWAIT, 1);
    struct page *high = alloc_pages(GFP_NOWAIT, 1);
    int freed_low = low ? free_pages(low, 1) : -1;
    bool low_alone = low && is_free_block(low, 1);
    bool high_held = high && high->state == PAGE_ALLOCATED;
    int freed_high = high ? free_pages(high, 1) : 0;
    arch_irq_restore(flags);
    KTEST_EXPECT_EQ(t, freed_high, 0);
    KTEST_EXPECT_NOT_NULL(t, low);
    KTEST_EXPECT_NOT_NULL(t, high);
    KTEST_EXPECT_EQ(t, freed_low, 0);
    KTEST_EXPECT_TRUE(t, low_alone); /* its buddy (high) was allocated: no merge */
    KTEST_EXPECT_TRUE(t, high_held);
    free_chain(t, taken);
}

/* Blocks of mixed orders taken and freed in another order than they were taken: everything
 * merges back into the blocks there were before. */
static void freed_memory_climbs_back_to_the_largest_blocks(struct ktest *t)
{
    enum { BLOCKS_MAX = 48 };
    struct page *pages[BLOCKS_MAX];
    unsigned long flags = quiet_begin();
    struct page_alloc_stats before = stats();
    /* As many as half of what is free above min holds (fewer on a 5 MiB machine), at least
     * one of each order. */
    uint64_t room =
            before.free > before.watermark_min ? (before.free - before.watermark_min) / 2 : 0;
    int blocks = 0;
    for (uint64_t frames = 2; blocks < BLOCKS_MAX && frames <= room; frames += 2ull << (blocks % 5))
        blocks++;
    int got = 0;
    for (int i = 0; i < blocks; i++) {
        pages[i] = alloc_pages(GFP_NOWAIT, 1 + (unsigned int)i % 5);
        got += pages[i] != NULL;
    }
    int refused = 0;
    for (int i = 0; i < blocks; i += 2) /* every other one first, then the rest */
        refused += pages[i] && free_pages(pages[i], 1 + (unsigned int)i % 5) != 0;
    for (int i = 1; i < blocks; i += 2)
        refused += pages[i] && free_pages(pages[i], 1 + (unsigned int)i % 5) != 0;
    struct page_alloc_stats after = stats();
    arch_irq_restore(flags);
    KTEST_EXPECT_GE(t, blocks, 5);
    KTEST_EXPECT_EQ(t, got, blocks);
    KTEST_EXPECT_EQ(t, refused, 0);
    for (unsigned int order = 0; order <= MAX_ORDER; order++)
        KTEST_EXPECT_EQ(t, after.free_blocks[order], before.free_blocks[order]);
    KTEST_EXPECT_EQ(t, after.free, before.free);
}

static const struct ktest_case buddy_cases[] = {
        KTEST_CASE(a_split_keeps_the_lower_half_and_frees_the_upper_halves),
        KTEST_CASE(a_freed_block_merges_with_its_free_buddy),
        KTEST_CASE(a_block_does_not_merge_with_a_busy_buddy),
        KTEST_CASE(freed_memory_climbs_back_to_the_largest_blocks),
        {},
};
KTEST_SUITE(buddy, buddy_cases);
