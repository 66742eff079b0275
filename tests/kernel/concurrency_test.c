/* tests/kernel/concurrency_test.c - ordinary code allocating and freeing in a tight loop
 * while an interrupt handler takes EXCLUSIVE frames at 10 kHz: the interrupt lands in the
 * middle of the allocator again and again (its state changes with interrupts off, so the
 * handler must always find it whole). Once with memory plentiful, once with ordinary memory
 * exhausted, so that takes from the pads, refills and frees race. At the end nothing is
 * corrupted and every frame is accounted for, counted by walking the frame database. */
#include "arch/arch.h"
#include "kernel/clock.h"
#include "kernel/irq.h"
#include "kernel/ktest.h"
#include "mm/atomic_reserve.h"
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
    bool freed = free_pages(block->page, block->order) == 0;
    block->page = NULL;
    return intact && freed;
}

/* What one run saw: the loop's operations and damage, the handler's takes. */
struct run {
    uint64_t operations, damaged, handed, interrupts;
};

/* Allocates and frees mixed orders for SECONDS while the taker takes at 10 kHz, freeing what
 * it hands over every 256 operations; then frees everything. */
static void allocate_and_free_for_a_while(struct run *run)
{
    struct irq_stats irq_before, irq_after;
    irq_stats_read(0, &irq_before);
    WRITE_ONCE(taker.budget, UINT64_MAX);
    struct block blocks[OUTSTANDING] = {0};
    uint64_t state = 88172645463325252ull, end = arch_cycles() + SECONDS * clock_tsc_hz();
    while (arch_cycles() < end) {
        state ^= state << 13, state ^= state >> 7, state ^= state << 17;
        struct block *block = &blocks[state % OUTSTANDING];
        if (block->page) {
            run->damaged += !check_and_free(block);
        } else {
            block->order = (unsigned int)(state >> 32) % 4;
            /* Never waits: at min GFP_KERNEL would sleep until a free (threads.md), and the
             * loop is the only one that frees. */
            block->page = alloc_pages(GFP_NOWAIT, block->order);
            if (block->page) {
                uint64_t *words = page_address(block->page);
                words[0] = tag_of(block->page);
                words[(PAGE_SIZE << block->order) / 8 - 1] = ~tag_of(block->page);
            }
        }
        if (++run->operations % 256 == 0)
            run->handed += taker_free_chain(&taker); /* ours since handed over */
    }
    WRITE_ONCE(taker.budget, 0);
    irq_stats_read(0, &irq_after);
    run->interrupts = irq_after.served - irq_before.served;
    for (int i = 0; i < OUTSTANDING; i++) {
        if (blocks[i].page)
            run->damaged += !check_and_free(&blocks[i]);
    }
}

/* One run, with the pool as the test left it; checks that nothing was damaged, refused or
 * lost, and that the takes add up. */
static void run_and_check(struct ktest *t, const char *memory, struct atomic_reserve_account *out)
{
    struct page_alloc_errors errors_before, errors_after;
    struct exclusive_errors exclusive_before, exclusive_after;
    page_alloc_get_errors(&errors_before);
    exclusive_get_errors(&exclusive_before);
    uint64_t before = frames_not_held();
    struct run run = {0};
    taker.hand_over = true;
    KTEST_ASSERT_EQ(t, taker_start(&taker, 10000), 0);
    allocate_and_free_for_a_while(&run);
    atomic_reserve_get_account(taker_context(&taker), out);
    taker_stop(&taker);
    run.handed += taker_free_chain(&taker);
    page_alloc_get_errors(&errors_after);
    exclusive_get_errors(&exclusive_after);
    ktest_log(t,
              "%s: %lu allocations and frees; the handler ran %lu times and took %lu frames "
              "(%lu failed): %lu from pads, %lu scrubbed in the handler (%lu below min)",
              memory, run.operations, run.interrupts, taker.got, taker.dropped,
              out->from_claim + out->from_shared, out->scrubbed, out->below_min);
    KTEST_EXPECT_EQ(t, run.damaged, 0u);
    KTEST_EXPECT_EQ(t, run.handed, taker.got);
    /* The handler really did run during the loop: 1000 of the 20 000 ticks at least, unless
     * the host starved the machine (QEMU's timer thread then raises few ticks: the clock
     * suite measures the rate itself). Few takes despite many ticks is a failure. */
    if (run.interrupts < 1000) {
        ktest_log(t, "%lu interrupts in %d s at 10 kHz: the host ran this machine too little",
                  run.interrupts, SECONDS);
        ktest_skip(t, "the host starved the machine: no race to speak of");
    } else {
        KTEST_EXPECT_GT(t, taker.got, 1000u);
    }
    KTEST_EXPECT_EQ(t, taker.nonzero, 0u);
    KTEST_EXPECT_EQ(t, taker.hand_over_failures, 0);
    KTEST_EXPECT_EQ(t, out->from_claim + out->from_shared + out->from_pool + out->below_min,
                    taker.got);
    KTEST_EXPECT_EQ(t, out->failed, taker.dropped);
    KTEST_EXPECT_EQ(t, errors_after.double_free, errors_before.double_free);
    KTEST_EXPECT_EQ(t, errors_after.not_allocated, errors_before.not_allocated);
    KTEST_EXPECT_EQ(t, errors_after.poison_corrupted, errors_before.poison_corrupted);
    KTEST_EXPECT_EQ(t, exclusive_after.wrong_owner, exclusive_before.wrong_owner);
    /* A consumer thread (the sensor's, the network's) may be between taking a frame from its
     * pipe and freeing it: a moment for them, as the leak check gives, before counting. */
    bool back = frames_back_to(before);
    uint64_t after = frames_not_held();
    ktest_log(t, "%s: frames not held %lu before, %lu after", memory, before, after);
    KTEST_EXPECT_TRUE(t, back);
}

static void allocate_and_free_while_a_handler_allocates_at_10_khz(struct ktest *t)
{
    struct atomic_reserve_account takes;
    run_and_check(t, "memory plentiful", &takes);
    KTEST_EXPECT_GT(t, takes.from_shared, 0u);
}

/* Ordinary memory taken away but for room for the loop's own blocks, so the pool hovers at
 * its min watermark: the handler's takes, the refills of the free path and of the deferred
 * work, and the loop's frees all race. Afterwards every frame is where the counters say. */
static void the_same_with_ordinary_memory_exhausted(struct ktest *t)
{
    uint64_t hog = 0, room = 0;
    struct page *page;
    for (unsigned int i = 0; i < OUTSTANDING * 8 && (page = alloc_page(GFP_NOWAIT)); i++) {
        *(uint64_t *)page_address(page) = room; /* a chain memhog_release reads */
        room = page_to_phys(page);
    }
    memhog_take(&hog, GFP_KERNEL);
    memhog_release(&room);
    struct atomic_reserve_stats before, after;
    struct atomic_reserve_account takes;
    atomic_reserve_get_stats(&before);
    run_and_check(t, "memory exhausted", &takes);
    atomic_reserve_get_stats(&after);
    ktest_log(t, "%lu refills added %lu frames", after.refills - before.refills,
              after.refilled - before.refilled);
    KTEST_EXPECT_GT(t, takes.from_shared, 0u);
    KTEST_EXPECT_GT(t, after.refills, before.refills);
    memhog_release(&hog);
    /* Memory is back: every CPU's pads fill up again at their refill (which a take asks for
     * only once the stock fell by an eighth: run it on each now). */
    refill_every_reserve(-1);
    struct page_census census;
    struct page_alloc_stats pool;
    unsigned long flags = arch_irq_save();
    page_alloc_census(&census, CONTEXT_NONE);
    page_alloc_get_stats(&pool);
    arch_irq_restore(flags);
    KTEST_EXPECT_EQ(t, census.free, pool.free - pool.hot_cache);
    KTEST_EXPECT_EQ(t, census.hot, pool.hot_cache);
    KTEST_EXPECT_EQ(t, census.pads, pool.reserve);
    KTEST_EXPECT_EQ(t, census.allocated, pool.allocated);
    KTEST_EXPECT_EQ(t, census.transit + census.strays, 0u);
    atomic_reserve_get_stats(&after);
    KTEST_EXPECT_EQ(t, after.level, after.target);
}

static const struct ktest_case concurrency_cases[] = {
        KTEST_CASE(allocate_and_free_while_a_handler_allocates_at_10_khz),
        KTEST_CASE(the_same_with_ordinary_memory_exhausted),
        {},
};
KTEST_SUITE(concurrency, concurrency_cases);
