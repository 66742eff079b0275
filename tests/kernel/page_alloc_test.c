/* tests/kernel/page_alloc_test.c - the page allocator on the machine's real memory: every
 * free frame handed out once (at order 0 and at mixed orders), written and checked through
 * the direct map, never from outside usable memory, and all of it back afterwards; the
 * watermark; and the detection of double frees and writes after free. */
#include <stdint.h>

#include "arch/arch.h"
#include "kernel/console.h"
#include "kernel/frame_pipe.h"
#include "lib/errno.h"
#include "kernel/ktest.h"
#include "kernel/netdev.h"
#include "kernel/printk.h"
#include "lib/string.h"
#include "mm/atomic_reserve.h"
#include "mm/mm.h"
#include "mm/page_alloc.h"
#include "tests/kernel/taker.h"

#define TAG 0x4c61627972696e74ull /* "Labyrint" */

/* Allocated blocks are chained through their own first word, so tracking every frame of an
 * 8 GiB machine needs no memory besides the frames themselves. Word 0: the previous block's
 * address | its order; word 1: a tag derived from the block's own address; the last word of
 * the block's last frame: the tag inverted. A frame handed out twice breaks the chain. */
struct chain {
    uint64_t head; /* physical address of the newest block, 0 for none */
    uint64_t blocks, frames;
    uint64_t outside_usable; /* frames found outside the usable memory map */
};

/* True when [phys, phys + size) lies inside one usable range of the memory map. */
static bool in_usable_memory(uint64_t phys, uint64_t size)
{
    const struct memmap *map = mm_memory_map();
    size_t low = 0, high = map->count;
    while (low < high) { /* the first range ending above phys */
        size_t middle = (low + high) / 2;
        if (map->ranges[middle].end <= phys)
            low = middle + 1;
        else
            high = middle;
    }
    return low < map->count && map->ranges[low].type == MEMMAP_USABLE &&
           map->ranges[low].start <= phys && phys + size <= map->ranges[low].end;
}

static void chain_push(struct chain *chain, struct page *page, unsigned int order)
{
    uint64_t phys = page_to_phys(page), size = PAGE_SIZE << order;
    uint64_t *words = page_address(page);
    words[0] = chain->head | order;
    words[1] = phys ^ TAG;
    ((uint64_t *)((char *)words + size))[-1] = ~(phys ^ TAG);
    chain->outside_usable += !in_usable_memory(phys, size);
    chain->head = phys;
    chain->blocks++;
    chain->frames += 1ul << order;
}

/* Checks every block's tags and frees it; returns the number of blocks whose tags were
 * wrong (0 when all is well) and fails the test when the chain is shorter than pushed. */
static uint64_t chain_check_and_free(struct ktest *t, struct chain *chain)
{
    uint64_t damaged = 0, blocks = 0, frames = 0;
    for (uint64_t phys = chain->head; phys;) {
        const uint64_t *words = phys_to_virt(phys);
        unsigned int order = words[0] & (PAGE_SIZE - 1);
        uint64_t next = words[0] & ~(PAGE_SIZE - 1), size = PAGE_SIZE << order;
        damaged += words[1] != (phys ^ TAG) ||
                   ((const uint64_t *)((const char *)words + size))[-1] != ~(phys ^ TAG);
        KTEST_EXPECT_EQ(t, free_pages(phys_to_page(phys), order), 0);
        blocks++;
        frames += 1ul << order;
        phys = next;
    }
    KTEST_EXPECT_EQ(t, blocks, chain->blocks);
    KTEST_EXPECT_EQ(t, frames, chain->frames);
    return damaged;
}

/* Exhaustive tests skip poisoning: filling and checking every frame of 8 GiB under
 * emulation takes minutes, and the poison check has its own test below. */
static bool saved_poison;

static void poison_off(void)
{
    struct page_alloc_stats stats;
    page_alloc_get_stats(&stats);
    saved_poison = stats.poison;
    page_alloc_set_poison(false);
}

/* Frames only handlers' claims hold (which ordinary code cannot take), and the frames left
 * unallocated: equal once GFP_ATOMIC has taken everything it may. Read together. */
static void expect_only_claims_left(struct ktest *t, const struct chain *chain, uint64_t before)
{
    struct atomic_reserve_stats pads;
    unsigned long flags = arch_irq_save();
    atomic_reserve_get_stats(&pads);
    uint64_t unallocated = page_alloc_unallocated_count();
    uint64_t in_flight = frame_pipe_frames_in_flight() + netdev_frames_in_flight();
    arch_irq_restore(flags);
    if (unallocated != pads.claimed_level) {
        struct page_alloc_stats pool;
        page_alloc_get_stats(&pool);
        ktest_log(t, "left: %lu free (%lu hot), %lu in pads (%lu claimed)", pool.free,
                  pool.hot_cache, pads.level, pads.claimed_level);
    }
    KTEST_EXPECT_EQ(t, unallocated, pads.claimed_level);
    KTEST_EXPECT_EQ(t, chain->frames + in_flight + pads.claimed_level, before);
}

/* The suite runs on CPU 0 with every CPU's hot cache drained and the timer sensor paused:
 * then only the suite moves frames, and only CPU 0 between the buddy lists and a hot cache.
 * The hot caches and the atomic reserves are per CPU, so taking everything takes it on every
 * CPU in turn. */
static int settle_on_cpu_0(void)
{
    sensor_pause();
    drain_every_hot_cache(0);
    return 0;
}

static void unpin(void)
{
    sensor_resume();
    pin_to(-1);
}

static void take_every_frame(void *arg)
{
    struct chain *chain = arg;
    struct page *page;
    while ((page = alloc_page(GFP_ATOMIC)) != NULL)
        chain_push(chain, page, 0);
}

/* GFP_ATOMIC takes everything but the handlers' claimed pads: the pool, every CPU's shared
 * pads, the headroom below min. */
static void every_free_frame_at_order_0(struct ktest *t)
{
    poison_off();
    uint64_t before = frames_not_held();
    struct chain chain = {0};
    on_each_cpu_until_dry(take_every_frame, &chain, &chain.frames, 0);
    expect_only_claims_left(t, &chain, before);
    KTEST_EXPECT_EQ(t, chain.outside_usable, 0u);
    KTEST_EXPECT_EQ(t, chain_check_and_free(t, &chain), 0u);
    KTEST_EXPECT_EQ(t, frames_not_held(), before);
    refill_every_reserve(0);
    page_alloc_set_poison(saved_poison);
}

static unsigned int next_order(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return (unsigned int)(*state % (MAX_ORDER + 1));
}

struct mixed_take {
    struct chain chain;
    uint64_t state;
};

static void take_at_mixed_orders(void *arg)
{
    struct mixed_take *take = arg;
    for (unsigned int order = next_order(&take->state);; order = next_order(&take->state)) {
        struct page *page = NULL;
        /* When a size is gone, try the smaller ones; stop when not even one frame is left. */
        while (!(page = alloc_pages(GFP_ATOMIC, order)) && order > 0)
            order--;
        if (!page)
            break;
        chain_push(&take->chain, page, order);
    }
}

static void every_free_frame_at_mixed_orders(struct ktest *t)
{
    poison_off();
    uint64_t before = frames_not_held();
    static struct mixed_take take;
    take = (struct mixed_take){.state = 0x2545f4914f6cdd1dull};
    struct chain chain = {0};
    on_each_cpu_until_dry(take_at_mixed_orders, &take, &take.chain.frames, 0);
    chain = take.chain;
    expect_only_claims_left(t, &chain, before);
    KTEST_EXPECT_EQ(t, chain.outside_usable, 0u);
    ktest_log(t, "%lu blocks, %lu frames", chain.blocks, chain.frames);
    KTEST_EXPECT_EQ(t, chain_check_and_free(t, &chain), 0u);
    KTEST_EXPECT_EQ(t, frames_not_held(), before);
    refill_every_reserve(0);
    page_alloc_set_poison(saved_poison);
}

static void freed_memory_merges_back(struct ktest *t)
{
    struct page_alloc_stats before, after;
    page_alloc_drain_hot_cache();
    page_alloc_get_stats(&before);
    struct page *pages[64];
    for (int i = 0; i < 64; i++)
        pages[i] = alloc_pages(GFP_KERNEL, (unsigned int)i % 4);
    for (int i = 0; i < 64; i++)
        KTEST_EXPECT_EQ(t, free_pages(pages[i], (unsigned int)i % 4), 0);
    page_alloc_drain_hot_cache();
    page_alloc_get_stats(&after);
    for (unsigned int order = 0; order <= MAX_ORDER; order++)
        KTEST_EXPECT_EQ(t, after.free_blocks[order], before.free_blocks[order]);
}

static void gfp_nowait_stops_at_the_min_watermark(struct ktest *t)
{
    poison_off();
    drain_every_hot_cache(0); /* the refills above left frames in other CPUs' caches */
    struct page_alloc_stats stats;
    page_alloc_get_stats(&stats);
    struct chain chain = {0};
    struct page *page;
    while ((page = alloc_page(GFP_NOWAIT)) != NULL) /* GFP_KERNEL would wait there */
        chain_push(&chain, page, 0);
    KTEST_EXPECT_EQ(t, page_alloc_free_count(), stats.watermark_min);
    page = alloc_page(GFP_ATOMIC); /* below min is for those who cannot wait */
    KTEST_EXPECT_NOT_NULL(t, page);
    if (page)
        chain_push(&chain, page, 0);
    KTEST_EXPECT_EQ(t, chain_check_and_free(t, &chain), 0u);
    page_alloc_set_poison(saved_poison);
}

static void zeroed_frames_are_zero(struct ktest *t)
{
    struct page *page = alloc_pages(GFP_KERNEL, 2);
    KTEST_ASSERT_NOT_NULL(t, page);
    memset(page_address(page), 0x5c, 4 * PAGE_SIZE);
    KTEST_EXPECT_EQ(t, free_pages(page, 2), 0);
    page = alloc_pages(GFP_KERNEL | __GFP_ZERO, 2);
    KTEST_ASSERT_NOT_NULL(t, page);
    const uint8_t *bytes = page_address(page);
    size_t nonzero = 0;
    for (size_t i = 0; i < 4 * PAGE_SIZE; i++)
        nonzero += bytes[i] != 0;
    KTEST_EXPECT_EQ(t, nonzero, (size_t)0);
    KTEST_EXPECT_EQ(t, free_pages(page, 2), 0);
}

static void double_free_is_refused_and_counted(struct ktest *t)
{
    struct page_alloc_errors before, after;
    page_alloc_get_errors(&before);
    struct page *page = alloc_page(GFP_KERNEL);
    KTEST_ASSERT_NOT_NULL(t, page);
    KTEST_EXPECT_EQ(t, free_page(page), 0);
    uint64_t free_count = page_alloc_free_count();
    char log[256];
    console_capture(log, sizeof(log));
    KTEST_EXPECT_EQ(t, free_page(page), -EINVAL);
    console_capture(NULL, 0);
    page_alloc_get_errors(&after);
    KTEST_EXPECT_EQ(t, after.double_free, before.double_free + 1);
    KTEST_EXPECT_EQ(t, page_alloc_free_count(), free_count); /* nothing was freed twice */
    KTEST_EXPECT_NOT_NULL(t, strstr(log, "double free"));
}

static void wrong_order_and_foreign_frames_are_refused(struct ktest *t)
{
    struct page_alloc_errors before, after;
    page_alloc_get_errors(&before);
    struct page *block = alloc_pages(GFP_KERNEL, 2);
    KTEST_ASSERT_NOT_NULL(t, block);
    KTEST_EXPECT_EQ(t, free_pages(block, 1), -EINVAL);     /* wrong order */
    KTEST_EXPECT_EQ(t, free_pages(block + 1, 0), -EINVAL); /* inside the block */
    KTEST_EXPECT_EQ(t, free_pages((struct page *)((char *)block + 4), 2), -EINVAL);
    KTEST_EXPECT_EQ(t, free_pages(block, 2), 0);
    /* The kernel image is RAM with a descriptor, but never the allocator's. */
    extern char __kernel_phys_end[];
    struct page *kernel = phys_to_page((uint64_t)(uintptr_t)__kernel_phys_end - PAGE_SIZE);
    if (kernel)
        KTEST_EXPECT_EQ(t, free_page(kernel), -EINVAL);
    KTEST_EXPECT_NULL(t, phys_to_page(0xfee00000)); /* the local APIC: not RAM */
    page_alloc_get_errors(&after);
    KTEST_EXPECT_EQ(t, after.wrong_order, before.wrong_order + 1);
    KTEST_EXPECT_EQ(t, after.not_allocated, before.not_allocated + 2 + (kernel != NULL));
}

static void write_after_free_is_caught_by_poison(struct ktest *t)
{
    struct page_alloc_errors before, after;
    page_alloc_get_errors(&before);
    struct page_alloc_stats stats;
    page_alloc_get_stats(&stats);
    page_alloc_set_poison(true);
    struct page *page = alloc_page(GFP_KERNEL);
    KTEST_ASSERT_NOT_NULL(t, page);
    uint8_t *bytes = page_address(page);
    KTEST_EXPECT_EQ(t, free_page(page), 0);
    KTEST_EXPECT_EQ(t, bytes[100], PAGE_POISON_BYTE);
    bytes[100] = 0x42; /* the bug: a write through a pointer kept after free */
    char log[256], expected[64];
    console_capture(log, sizeof(log));
    struct page *again = alloc_page(GFP_KERNEL); /* the hot cache hands the same frame back */
    console_capture(NULL, 0);
    page_alloc_set_poison(stats.poison);
    KTEST_ASSERT_EQ(t, again, page);
    page_alloc_get_errors(&after);
    KTEST_EXPECT_EQ(t, after.poison_corrupted, before.poison_corrupted + 1);
    ksnprintf(expected, sizeof(expected), "frame %#lx: poison overwritten at offset 0x64",
              page_to_phys(page));
    KTEST_EXPECT_NOT_NULL(t, strstr(log, expected));
    KTEST_EXPECT_EQ(t, free_page(again), 0);
}

static const struct ktest_case page_alloc_cases[] = {
        KTEST_CASE(every_free_frame_at_order_0),
        KTEST_CASE(every_free_frame_at_mixed_orders),
        KTEST_CASE(freed_memory_merges_back),
        KTEST_CASE(gfp_nowait_stops_at_the_min_watermark),
        KTEST_CASE(zeroed_frames_are_zero),
        KTEST_CASE(double_free_is_refused_and_counted),
        KTEST_CASE(wrong_order_and_foreign_frames_are_refused),
        KTEST_CASE(write_after_free_is_caught_by_poison),
        {},
};
KTEST_SUITE_FULL(page_alloc, page_alloc_cases, settle_on_cpu_0, unpin);
