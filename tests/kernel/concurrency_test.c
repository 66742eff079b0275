/* tests/kernel/concurrency_test.c - ordinary code allocating and freeing in a tight loop
 * while an interrupt handler takes EXCLUSIVE frames at 10 kHz: the interrupt lands in the
 * middle of the allocator again and again (its state changes with interrupts off, so the
 * handler must always find it whole). At the end nothing is corrupted and every frame is
 * accounted for. */
#include "arch/arch.h"
#include "kernel/clock.h"
#include "kernel/irq.h"
#include "kernel/ktest.h"
#include "mm/exclusive.h"
#include "mm/page_alloc.h"
#include "tests/kernel/taker.h"

#define SECONDS     2
#define OUTSTANDING 64 /* blocks the loop holds at once */
#define TAG         0x636f6e63ull

static struct taker taker;

struct block {
    struct page *page;
    unsigned int order;
};

static uint64_t tag_of(const struct page *page)
{
    return page_to_phys(page) ^ TAG;
}

/* Frees a block after checking that no one else wrote into it. Returns false if damaged. */
static bool check_and_free(struct block *block)
{
    const uint64_t *words = page_address(block->page);
    size_t last = (PAGE_SIZE << block->order) / 8 - 1;
    bool intact = words[0] == tag_of(block->page) && words[last] == ~tag_of(block->page);
    free_pages(block->page, block->order);
    block->page = NULL;
    return intact;
}

static void allocate_and_free_while_a_handler_allocates_at_10_khz(struct ktest *t)
{
    struct page_alloc_errors errors_before, errors_after;
    struct exclusive_errors exclusive_before, exclusive_after;
    page_alloc_get_errors(&errors_before);
    exclusive_get_errors(&exclusive_before);
    uint64_t before = frames_not_held(), operations = 0, damaged = 0, handed = 0;
    struct irq_stats irq_before, irq_after;
    irq_stats_read(0, &irq_before);

    taker.hand_over = true;
    KTEST_ASSERT_EQ(t, taker_start(&taker, 10000), 0);
    WRITE_ONCE(taker.budget, UINT64_MAX);
    struct block blocks[OUTSTANDING] = {0};
    uint64_t state = 88172645463325252ull, end = arch_cycles() + SECONDS * clock_tsc_hz();
    while (arch_cycles() < end) {
        state ^= state << 13, state ^= state >> 7, state ^= state << 17;
        struct block *block = &blocks[state % OUTSTANDING];
        if (block->page) {
            damaged += !check_and_free(block);
        } else {
            block->order = (unsigned int)(state >> 32) % 4;
            block->page = alloc_pages(GFP_KERNEL, block->order);
            if (block->page) {
                uint64_t *words = page_address(block->page);
                words[0] = tag_of(block->page);
                words[(PAGE_SIZE << block->order) / 8 - 1] = ~tag_of(block->page);
            }
        }
        if (++operations % 256 == 0)
            handed += taker_free_chain(&taker); /* the handler's frames, ours since handed over */
    }
    WRITE_ONCE(taker.budget, 0);
    taker_stop(&taker);
    irq_stats_read(0, &irq_after);
    handed += taker_free_chain(&taker);
    for (int i = 0; i < OUTSTANDING; i++) {
        if (blocks[i].page)
            damaged += !check_and_free(&blocks[i]);
    }
    page_alloc_get_errors(&errors_after);
    exclusive_get_errors(&exclusive_after);

    ktest_log(t,
              "%lu allocations and frees; the handler ran %lu times and took %lu frames "
              "(%lu failed)",
              operations, irq_after.served - irq_before.served, taker.got, taker.dropped);
    KTEST_EXPECT_EQ(t, damaged, 0u);
    KTEST_EXPECT_EQ(t, handed, taker.got);
    KTEST_EXPECT_GT(t, taker.got, 1000u); /* the handler really did run during the loop */
    KTEST_EXPECT_EQ(t, taker.nonzero, 0u);
    KTEST_EXPECT_EQ(t, errors_after.double_free, errors_before.double_free);
    KTEST_EXPECT_EQ(t, errors_after.not_allocated, errors_before.not_allocated);
    KTEST_EXPECT_EQ(t, errors_after.poison_corrupted, errors_before.poison_corrupted);
    KTEST_EXPECT_EQ(t, exclusive_after.wrong_owner, exclusive_before.wrong_owner);
    KTEST_EXPECT_EQ(t, frames_not_held(), before);
}

static const struct ktest_case concurrency_cases[] = {
        KTEST_CASE(allocate_and_free_while_a_handler_allocates_at_10_khz),
        {},
};
KTEST_SUITE(concurrency, concurrency_cases);
