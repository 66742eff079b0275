/* tests/host/page_alloc_test.c - the buddy allocator and its hot cache, the real mm/ sources
 * on a fake machine (tests/host/fake_memory.c), checked against a per-frame reference model:
 * long random runs, exhaustion and the watermarks, fragmentation, refused frees, poisoning,
 * the hot cache's bound, and sparse memory. Each case boots its own machine.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "kernel/console.h"
#include "lib/errno.h"
#include "kernel/ktest.h"
#include "mm/atomic_reserve.h"
#include "mm/exclusive.h"
#include "mm/internal.h"
#include "mm/layout.h"
#include "kernel/deferred.h"
#include "mm/page_alloc.h"
#include "tests/host/fake_memory.h"
#include "tests/host/hosted.h"

#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define GiB (1ull << 30)

#define USABLE   MEMMAP_USABLE
#define RESERVED MEMMAP_RESERVED

#define RANDOM_STEPS 200000
#define RANDOM_SEED  0x4c616279726e7468ull /* "Labyrnth" */

/* A PC with 64 MiB: low memory, the VGA hole, an ACPI table in the middle of RAM. */
static const struct boot_memory_range pc_64m[] = {
        {0, 0x9fc00, USABLE},
        {0x9fc00, 0x400, RESERVED},
        {0xf0000, 0x10000, RESERVED},
        {MiB, 39 * MiB, USABLE},
        {40 * MiB, 0x3000, MEMMAP_ACPI_RECLAIMABLE},
        {40 * MiB + 0x3000, 24 * MiB - 0x3000, USABLE},
};

/* 16 MiB, and a 64 KiB reserved hole at 10 MiB, inside a block that has descriptors. */
static const struct boot_memory_range small_with_hole[] = {
        {0, 0x9fc00, USABLE},
        {MiB, 9 * MiB, USABLE},
        {10 * MiB, 64 * KiB, RESERVED},
        {10 * MiB + 64 * KiB, 6 * MiB - 64 * KiB, USABLE},
};

#define COUNT(array) (sizeof(array) / sizeof((array)[0]))

static struct fake_model model;
static struct exclusive_errors exclusive_at_boot; /* exclusive.c keeps its counts across boots */
static char log[8192];

static bool model_ok(struct ktest *t, int line, bool ok)
{
    if (!ok) {
        KTEST_EXPECT_TRUE(t, ok);
        ktest_log(t, "line %d: %s", line, model.error);
    }
    return ok;
}

#define MODEL_OK(t, call) model_ok(t, __LINE__, (call))

static void shut_down(void)
{
    fake_model_destroy(&model);
    fake_memory_destroy();
}

/* Boots a fresh machine and builds the model of it. */
static bool boot(struct ktest *t, const struct boot_memory_range *raw, size_t count, bool poison)
{
    shut_down(); /* what a failed case left */
    if (!fake_boot(raw, count, poison)) {
        KTEST_EXPECT_TRUE(t, false);
        ktest_log(t, "fake_boot failed");
        return false;
    }
    exclusive_get_errors(&exclusive_at_boot);
    return MODEL_OK(t, fake_model_init(&model));
}

/* Index of the model's block that starts at page, or model.count. */
static size_t block_index(const struct page *page)
{
    size_t i = 0;
    while (i < model.count && model.blocks[i].page != page)
        i++;
    return i;
}

static struct page *model_alloc(struct ktest *t, gfp_t gfp, unsigned int order)
{
    struct page *page = NULL;
    model_ok(t, __LINE__, fake_model_alloc(&model, gfp, order, &page));
    return page;
}

static bool model_free(struct ktest *t, const struct page *page)
{
    return MODEL_OK(t, fake_model_free(&model, block_index(page)));
}

/* Frees every block the model holds; checks that everything merged back, and every
 * descriptor. */
static void free_all(struct ktest *t)
{
    MODEL_OK(t, fake_model_free_all(&model));
}

/* Allocates blocks of `order` until the allocator says no; returns how many it gave. */
static uint64_t alloc_until_null(struct ktest *t, gfp_t gfp, unsigned int order)
{
    uint64_t blocks = 0;
    struct page *page;
    while (fake_model_alloc(&model, gfp, order, &page) && page)
        blocks++;
    MODEL_OK(t, model.error[0] == '\0');
    return blocks;
}

static struct page_alloc_stats stats(void)
{
    struct page_alloc_stats s;
    page_alloc_get_stats(&s);
    return s;
}

static struct page_alloc_errors errors(void)
{
    struct page_alloc_errors e;
    page_alloc_get_errors(&e);
    return e;
}

static bool no_errors(void)
{
    struct page_alloc_errors e = errors();
    struct exclusive_errors x;
    exclusive_get_errors(&x);
    return !e.double_free && !e.not_allocated && !e.wrong_order && !e.poison_corrupted &&
           memcmp(&x, &exclusive_at_boot, sizeof(x)) == 0;
}

/* --- boot ------------------------------------------------------------------------------------ */

/* [1 MiB, 64 MiB) minus the one page the frame database's bitmap took at the top, handed to
 * the buddy lists as the largest aligned blocks that fit; then the atomic reserve is filled
 * from them. The model checks that the free lists hold exactly the maximal blocks the free
 * frames can form, and that every descriptor agrees. */
static void boot_hands_out_maximal_blocks(struct ktest *t)
{
    const struct boot_memory_range raw[] = {{MiB, 63 * MiB, USABLE}};
    if (!boot(t, raw, 1, false))
        return;
    struct page_alloc_stats s = stats();
    struct atomic_reserve_stats reserve;
    atomic_reserve_get_stats(&reserve);
    KTEST_EXPECT_EQ(t, s.managed, 16384u - 256 - 1);
    KTEST_EXPECT_EQ(t, s.free + s.reserve, s.managed);
    KTEST_EXPECT_EQ(t, s.reserve, reserve.target);
    KTEST_EXPECT_EQ(t, reserve.target, atomic_reserve_default_target(s.managed));
    KTEST_EXPECT_EQ(t, s.allocated, 0u);
    KTEST_EXPECT_EQ(t, s.hot_cache, 0u);
    KTEST_EXPECT_EQ(t, s.free_blocks[MAX_ORDER], 14u); /* [4 MiB, 60 MiB) untouched */
    KTEST_EXPECT_GE(t, s.watermark_min, 32u);
    KTEST_EXPECT_LE(t, s.watermark_min, s.watermark_low);
    KTEST_EXPECT_LE(t, s.watermark_low, s.watermark_high);
    KTEST_EXPECT_FALSE(t, s.poison);
    KTEST_EXPECT_TRUE(t, no_errors());
    KTEST_EXPECT_EQ(t, pfn_to_page(16383)->state, PAGE_RESERVED); /* the bitmap */
    KTEST_EXPECT_EQ(t, pfn_to_page(255)->state, PAGE_RESERVED);   /* below 1 MiB */
    MODEL_OK(t, fake_model_check_frames(&model));
    shut_down();
}

/* --- the long random run -----------------------------------------------------------------------
 */

static uint64_t random_next(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545f4914f6cdd1dull;
}

/* Mostly small blocks, as a kernel asks for them; now and then the largest. */
static unsigned int random_order(uint64_t random)
{
    static const uint16_t per_mille[MAX_ORDER + 1] = {400, 600, 720, 800, 860, 900,
                                                      930, 955, 975, 990, 1000};
    unsigned int roll = (unsigned int)(random % 1000), order = 0;
    while (roll >= per_mille[order])
        order++;
    return order;
}

static gfp_t random_gfp(uint64_t random)
{
    static const gfp_t choices[] = {
            GFP_KERNEL,
            GFP_KERNEL,
            GFP_KERNEL,
            GFP_ATOMIC,
            GFP_ATOMIC,
            GFP_KERNEL | __GFP_ZERO,
            GFP_ATOMIC | __GFP_ZERO,
            GFP_ATOMIC | EXCLUSIVE,
    };
    return choices[random % COUNT(choices)];
}

static bool drain_checked(void)
{
    bool irqs = hosted_irqs_enabled;
    page_alloc_drain_hot_cache();
    if (hosted_irqs_enabled != irqs)
        return false;
    return fake_model_check_stats(&model);
}

/* One step: mostly allocations while filling, mostly frees while emptying, so the run goes
 * through exhaustion and back to nearly empty every 20 000 steps. */
static bool random_step(uint64_t random, bool filling, bool toggle_poison, uint64_t *null_returns)
{
    unsigned int roll = (unsigned int)(random % 1000);
    if (roll < 5)
        return drain_checked();
    if (roll == 5 && toggle_poison) {
        page_alloc_set_poison(!stats().poison);
        return true;
    }
    unsigned int alloc_share = filling ? 70 : 35;
    if (model.count == 0 || (random >> 10) % 100 < alloc_share) {
        struct page *page;
        bool ok = fake_model_alloc(&model, random_gfp(random >> 20), random_order(random >> 30),
                                   &page);
        *null_returns += ok && !page;
        return ok;
    }
    return fake_model_free(&model, (random >> 20) % model.count);
}

static void random_allocations_and_frees_match_the_model(struct ktest *t)
{
    if (!boot(t, pc_64m, COUNT(pc_64m), false))
        return;
    uint64_t seed = RANDOM_SEED, null_returns = 0, most_allocated = 0;
    bool ok = true;
    for (unsigned int step = 0; ok && step < RANDOM_STEPS; step++) {
        uint64_t random = random_next(&seed);
        bool irqs_off = (random >> 50) % 4 == 0; /* a quarter of the calls from "irq context" */
        if (irqs_off)
            hosted_irqs_enabled = false;
        ok = random_step(random, (step / 10000) % 2 == 0, true, &null_returns);
        hosted_irqs_enabled = true;
        if (ok && step % 25000 == 0)
            ok = fake_model_check_frames(&model);
        most_allocated = MAX(most_allocated, model.allocated);
        if (!ok)
            ktest_log(t, "step %u: %s", step, model.error);
    }
    KTEST_ASSERT_TRUE(t, ok);
    ktest_log(t,
              "%u steps: %lu allocations, %lu frees, %lu NULL returns, at most %lu of %lu "
              "frames allocated",
              RANDOM_STEPS, model.allocation_calls, model.free_calls, null_returns, most_allocated,
              model.managed_count);
    KTEST_EXPECT_GT(t, null_returns, 0u);                             /* it ran out of memory */
    KTEST_EXPECT_GT(t, most_allocated, model.managed_count * 9 / 10); /* nearly all of it */
    free_all(t);
    KTEST_EXPECT_TRUE(t, no_errors());
    shut_down();
}

/* The same with poisoning on throughout: every free fills, every hand-out checks. */
static void random_run_with_poison_finds_no_damage(struct ktest *t)
{
    if (!boot(t, small_with_hole, COUNT(small_with_hole), true))
        return;
    uint64_t seed = RANDOM_SEED ^ 1, null_returns = 0;
    bool ok = true;
    for (unsigned int step = 0; ok && step < RANDOM_STEPS / 4; step++) {
        uint64_t random = random_next(&seed);
        ok = random_step(random, (step / 5000) % 2 == 0, false, &null_returns);
        if (!ok)
            ktest_log(t, "step %u: %s", step, model.error);
    }
    KTEST_ASSERT_TRUE(t, ok);
    KTEST_EXPECT_GT(t, null_returns, 0u);
    free_all(t);
    KTEST_EXPECT_TRUE(t, no_errors());
    KTEST_EXPECT_TRUE(t, stats().poison);
    shut_down();
}

/* --- exhaustion --------------------------------------------------------------------------------
 */

static void exhaustion_stops_at_the_watermark_then_at_zero(struct ktest *t)
{
    if (!boot(t, small_with_hole, COUNT(small_with_hole), false))
        return;
    struct page_alloc_stats s = stats();
    uint64_t min = s.watermark_min;
    KTEST_EXPECT_EQ(t, alloc_until_null(t, GFP_KERNEL, 0), s.managed - s.reserve - min);
    KTEST_EXPECT_EQ(t, stats().free, min);
    KTEST_EXPECT_NULL(t, model_alloc(t, GFP_KERNEL | __GFP_ZERO, 0));
    /* GFP_KERNEL never touches the atomic reserve; GFP_ATOMIC takes it first, then the
     * headroom below min. */
    uint64_t reserve = stats().reserve;
    KTEST_EXPECT_GT(t, reserve, 0u);
    for (uint64_t i = 0; i < reserve; i++)
        KTEST_EXPECT_NOT_NULL(t, model_alloc(t, GFP_ATOMIC, 0));
    KTEST_EXPECT_EQ(t, stats().reserve, 0u);
    KTEST_EXPECT_EQ(t, stats().free, min);
    KTEST_EXPECT_EQ(t, alloc_until_null(t, GFP_ATOMIC, 0), min);
    KTEST_EXPECT_EQ(t, stats().free, 0u);
    KTEST_EXPECT_NULL(t, model_alloc(t, GFP_ATOMIC, 0));
    KTEST_EXPECT_NULL(t, model_alloc(t, GFP_ATOMIC | EXCLUSIVE, 0));
    KTEST_EXPECT_NULL(t, model_alloc(t, GFP_ATOMIC, 3));
    KTEST_EXPECT_NULL(t, model_alloc(t, GFP_KERNEL, 0));
    KTEST_EXPECT_EQ(t, stats().failures, model.failure_calls);
    free_all(t);
    shut_down();
}

/* A few dozen pages, as the smallest guest with a cutmem leaves: the min watermark must not
 * swallow them all (it was 32 pages at any size), so ordinary allocations still get memory. */
static void tiny_memory_scales_the_watermarks(struct ktest *t)
{
    static const struct boot_memory_range tiny[] = {{0, 0x9fc00, USABLE},
                                                    {MiB, 40 * 4 * KiB, USABLE}};
    if (!boot(t, tiny, COUNT(tiny), false))
        return;
    struct page_alloc_stats s = stats();
    ktest_log(t, "managed %lu, reserve %lu, min %lu low %lu high %lu", s.managed, s.reserve,
              s.watermark_min, s.watermark_low, s.watermark_high);
    KTEST_EXPECT_LT(t, s.managed, 64u);
    KTEST_EXPECT_GE(t, s.watermark_min, 1u);
    KTEST_EXPECT_LE(t, s.watermark_min, s.managed / 8);
    KTEST_EXPECT_EQ(t, alloc_until_null(t, GFP_KERNEL, 0), s.managed - s.reserve - s.watermark_min);
    KTEST_EXPECT_GT(t, s.managed - s.reserve, s.watermark_min);
    free_all(t);
    shut_down();
}

static void larger_blocks_also_respect_the_watermark(struct ktest *t)
{
    if (!boot(t, pc_64m, COUNT(pc_64m), false))
        return;
    uint64_t min = stats().watermark_min;
    KTEST_EXPECT_GT(t, alloc_until_null(t, GFP_KERNEL, 4), 0u);
    struct page_alloc_stats s = stats();
    KTEST_EXPECT_GE(t, s.free, min);
    uint64_t larger = 0;
    for (unsigned int order = 4; order <= MAX_ORDER; order++)
        larger += s.free_blocks[order];
    KTEST_EXPECT_TRUE(t, s.free < min + 16 || larger == 0);
    alloc_until_null(t, GFP_ATOMIC, 4);
    s = stats();
    KTEST_EXPECT_TRUE(t, s.free < 16 || s.free_blocks[4] + s.free_blocks[MAX_ORDER] == 0);
    alloc_until_null(t, GFP_ATOMIC, 0);
    KTEST_EXPECT_EQ(t, stats().free, 0u);
    free_all(t);
    shut_down();
}

static void orders_above_the_largest_return_null(struct ktest *t)
{
    if (!boot(t, pc_64m, COUNT(pc_64m), false))
        return;
    const unsigned int orders[] = {MAX_ORDER + 1, MAX_ORDER + 2, 31, 32, 63, 64, 255, ~0u};
    for (size_t i = 0; i < COUNT(orders); i++) {
        KTEST_EXPECT_NULL(t, model_alloc(t, GFP_KERNEL, orders[i]));
        KTEST_EXPECT_NULL(t, model_alloc(t, GFP_ATOMIC | __GFP_ZERO, orders[i]));
    }
    struct page_alloc_stats s = stats();
    KTEST_EXPECT_EQ(t, s.free + s.reserve, s.managed);
    KTEST_EXPECT_EQ(t, s.failures, 2 * COUNT(orders));
    KTEST_EXPECT_NOT_NULL(t, model_alloc(t, GFP_KERNEL, MAX_ORDER));
    free_all(t);
    shut_down();
}

/* Every other frame free: plenty of memory, no two free frames that are buddies. */
static void fragmented_memory_has_no_larger_blocks(struct ktest *t)
{
    if (!boot(t, small_with_hole, COUNT(small_with_hole), false))
        return;
    alloc_until_null(t, GFP_ATOMIC, 0);
    for (size_t i = model.count; i-- > 0;) {
        if (page_to_pfn(model.blocks[i].page) % 2 == 0 && !MODEL_OK(t, fake_model_free(&model, i)))
            return;
    }
    MODEL_OK(t, drain_checked());
    struct page_alloc_stats s = stats();
    KTEST_EXPECT_GT(t, s.free, s.watermark_min + 2);
    KTEST_EXPECT_EQ(t, s.free_blocks[0], s.free);
    for (unsigned int order = 1; order <= MAX_ORDER; order++) {
        KTEST_EXPECT_EQ(t, s.free_blocks[order], 0u);
        KTEST_EXPECT_NULL(t, model_alloc(t, GFP_KERNEL, order));
        KTEST_EXPECT_NULL(t, model_alloc(t, GFP_ATOMIC | __GFP_ZERO, order));
    }
    KTEST_EXPECT_NOT_NULL(t, model_alloc(t, GFP_KERNEL, 0));
    free_all(t);
    shut_down();
}

/* --- refused frees ------------------------------------------------------------------------------
 */

/* The start of the line a refused free logs about the frame at phys. */
static const char *frame_line(uint64_t phys)
{
    static char line[64];
    snprintf(line, sizeof(line), "page_alloc: free_pages: frame %#llx: ", (unsigned long long)phys);
    return line;
}

/* Frees (page, order), which must be refused: -EINVAL, the accounting unchanged, one error
 * counted (in `counter`, an offset into struct page_alloc_errors, or in `other` instead), and
 * one log line containing `expected`. */
static void expect_refused(struct ktest *t, int line, struct page *page, unsigned int order,
                           size_t counter, size_t other, const char *expected)
{
    struct page_alloc_stats before = stats(), after;
    struct page_alloc_errors errors_before = errors(), errors_after;
    bool irqs = hosted_irqs_enabled;
    console_capture(log, sizeof(log));
    int result = free_pages(page, order);
    console_capture(NULL, 0);
    KTEST_EXPECT_EQ(t, hosted_irqs_enabled, irqs);
    page_alloc_get_stats(&after);
    page_alloc_get_errors(&errors_after);
    KTEST_EXPECT_EQ(t, result, -EINVAL);
    KTEST_EXPECT_EQ(t, after.free, before.free);
    KTEST_EXPECT_EQ(t, after.hot_cache, before.hot_cache);
    KTEST_EXPECT_EQ(t, after.frees, before.frees);
    KTEST_EXPECT_EQ(t, memcmp(after.free_blocks, before.free_blocks, sizeof(after.free_blocks)), 0);
    const uint64_t *old = (const uint64_t *)&errors_before, *new = (const uint64_t *)&errors_after;
    uint64_t total_before = 0, total_after = 0;
    for (size_t i = 0; i < sizeof(errors_before) / sizeof(uint64_t); i++) {
        total_before += old[i];
        total_after += new[i];
        if (i * sizeof(uint64_t) != counter && i * sizeof(uint64_t) != other)
            KTEST_EXPECT_EQ(t, new[i], old[i]);
    }
    KTEST_EXPECT_EQ(t, total_after, total_before + 1);
    KTEST_EXPECT_NOT_NULL(t, strstr(log, expected));
    KTEST_EXPECT_EQ(t, strchr(log, '\n') ? strchr(log, '\n')[1] : 'x', '\0'); /* one line */
    if (t->failed)
        ktest_log(t, "refused free checked at line %d logged: %s", line, log);
}

#define ERROR_COUNTER(field) offsetof(struct page_alloc_errors, field)
#define EXPECT_REFUSED(t, page, order, field, phys)                                                \
    expect_refused(t, __LINE__, page, order, ERROR_COUNTER(field), ERROR_COUNTER(field),           \
                   frame_line(phys))

/* Fills memory with blocks of `order` and returns one whose buddy is allocated too (so that
 * freeing it merges nothing), or NULL. */
static struct page *block_with_allocated_buddy(struct ktest *t, unsigned int order)
{
    alloc_until_null(t, GFP_ATOMIC, order);
    for (size_t i = 0; i < model.count; i++) {
        struct page *page = model.blocks[i].page;
        struct page *buddy = pfn_to_page(page_to_pfn(page) ^ (1ull << order));
        if (model.blocks[i].order == order && block_index(buddy) < model.count)
            return page;
    }
    return NULL;
}

static void a_double_free_is_refused_and_counted(struct ktest *t)
{
    if (!boot(t, small_with_hole, COUNT(small_with_hole), false))
        return;
    struct page *hot = model_alloc(t, GFP_KERNEL, 0);
    KTEST_ASSERT_NOT_NULL(t, hot);
    KTEST_ASSERT_TRUE(t, model_free(t, hot));
    EXPECT_REFUSED(t, hot, 0, double_free, page_to_phys(hot)); /* in the hot cache */
    EXPECT_REFUSED(t, hot, 0, double_free, page_to_phys(hot)); /* and again */

    struct page *big = block_with_allocated_buddy(t, 3);
    KTEST_ASSERT_NOT_NULL(t, big);
    KTEST_ASSERT_TRUE(t, model_free(t, big));
    KTEST_EXPECT_EQ(t, big->state, PAGE_FREE); /* on the order-3 free list */
    EXPECT_REFUSED(t, big, 3, double_free, page_to_phys(big));
    EXPECT_REFUSED(t, big, 0, double_free, page_to_phys(big));
    KTEST_EXPECT_EQ(t, errors().double_free, 4u);
    free_all(t);
    shut_down();
}

/* Freed, then merged with its buddy: both halves are inside one free block now. Refused all
 * the same. (mm/ counts the upper half as not_allocated, the lower as double_free.) */
static void a_double_free_after_merging_is_refused(struct ktest *t)
{
    if (!boot(t, small_with_hole, COUNT(small_with_hole), false))
        return;
    struct page *low = block_with_allocated_buddy(t, 2);
    KTEST_ASSERT_NOT_NULL(t, low);
    if (page_to_pfn(low) & 4)
        low -= 4;
    struct page *high = low + 4;
    KTEST_ASSERT_LT(t, block_index(low), model.count);
    KTEST_ASSERT_LT(t, block_index(high), model.count);
    KTEST_ASSERT_TRUE(t, model_free(t, low) && model_free(t, high));
    KTEST_EXPECT_EQ(t, high->state, PAGE_TAIL);
    expect_refused(t, __LINE__, high, 2, ERROR_COUNTER(double_free), ERROR_COUNTER(not_allocated),
                   frame_line(page_to_phys(high)));
    expect_refused(t, __LINE__, low, 2, ERROR_COUNTER(double_free), ERROR_COUNTER(not_allocated),
                   frame_line(page_to_phys(low)));
    struct page_alloc_errors e = errors();
    ktest_log(t, "counted as %lu double_free, %lu not_allocated", e.double_free, e.not_allocated);
    free_all(t);
    shut_down();
}

static void freeing_a_tail_frame_is_refused(struct ktest *t)
{
    if (!boot(t, small_with_hole, COUNT(small_with_hole), false))
        return;
    struct page *block = model_alloc(t, GFP_KERNEL, 2);
    KTEST_ASSERT_NOT_NULL(t, block);
    EXPECT_REFUSED(t, block + 1, 0, not_allocated, page_to_phys(block + 1));
    EXPECT_REFUSED(t, block + 3, 2, not_allocated, page_to_phys(block + 3));
    EXPECT_REFUSED(t, block + 2, 1, not_allocated, page_to_phys(block + 2));
    free_all(t); /* the block itself is still allocated */
    shut_down();
}

static void freeing_a_reserved_frame_is_refused(struct ktest *t)
{
    if (!boot(t, small_with_hole, COUNT(small_with_hole), false))
        return;
    uint64_t hole = 10 * MiB + 0x3000; /* in the reserved hole; its 4 MiB block has RAM */
    KTEST_ASSERT_TRUE(t, pfn_valid(hole >> PAGE_SHIFT));
    KTEST_EXPECT_EQ(t, phys_to_page(hole)->state, PAGE_RESERVED);
    EXPECT_REFUSED(t, phys_to_page(hole), 0, not_allocated, hole);
    EXPECT_REFUSED(t, phys_to_page(0x9f000), 0, not_allocated, 0x9f000); /* below 1 MiB */
    EXPECT_REFUSED(t, phys_to_page(0), 0, not_allocated, 0);
    EXPECT_REFUSED(t, phys_to_page(16 * MiB - 4 * KiB), 0, not_allocated, /* the bitmap */
                   16 * MiB - 4 * KiB);
    free_all(t);
    shut_down();
}

static void freeing_with_the_wrong_order_is_refused(struct ktest *t)
{
    if (!boot(t, small_with_hole, COUNT(small_with_hole), false))
        return;
    struct page *block = model_alloc(t, GFP_KERNEL, 3);
    KTEST_ASSERT_NOT_NULL(t, block);
    const unsigned int wrong[] = {0, 2, 4, MAX_ORDER, MAX_ORDER + 1, 255};
    for (size_t i = 0; i < COUNT(wrong); i++)
        EXPECT_REFUSED(t, block, wrong[i], wrong_order, page_to_phys(block));
    KTEST_EXPECT_NOT_NULL(t, strstr(log, "freed as order 255, allocated as order 3"));
    KTEST_EXPECT_EQ(t, errors().wrong_order, COUNT(wrong));
    free_all(t); /* and the right order still works */
    shut_down();
}

/* Pointers that are not descriptors: refused without being followed (a descriptor that
 * frame_db.c did not back would fault here). */
static void freeing_a_bad_pointer_is_refused(struct ktest *t)
{
    const struct boot_memory_range raw[] = {{MiB, 7 * MiB, USABLE}, {16 * MiB, 8 * MiB, USABLE}};
    if (!boot(t, raw, COUNT(raw), false))
        return;
    struct page *block = model_alloc(t, GFP_KERNEL, 0);
    KTEST_ASSERT_NOT_NULL(t, block);
    /* Inside the database but between two descriptors: the log names the pointer. */
    struct page *misaligned = (struct page *)((uintptr_t)block + 8);
    char pointer[80];
    snprintf(pointer, sizeof(pointer), "page_alloc: free_pages: descriptor 0x%016llx: ",
             (unsigned long long)(uintptr_t)misaligned);
    expect_refused(t, __LINE__, misaligned, 0, ERROR_COUNTER(not_allocated),
                   ERROR_COUNTER(not_allocated), pointer);

    struct page *unbacked = pfn_to_page((10 * MiB) >> PAGE_SHIFT); /* block [8, 12 MiB) */
    KTEST_EXPECT_FALSE(t, pfn_valid((10 * MiB) >> PAGE_SHIFT));
    struct page *beyond = pfn_to_page((64 * MiB) >> PAGE_SHIFT);
    struct page *const bad[] = {unbacked, beyond, NULL, pfn_to_page(0) - 1,
                                (struct page *)(uintptr_t)0xdead0000};
    for (size_t i = 0; i < COUNT(bad); i++) {
        struct page_alloc_errors before = errors();
        console_capture(log, sizeof(log));
        KTEST_EXPECT_EQ(t, free_pages(bad[i], 0), -EINVAL);
        console_capture(NULL, 0);
        KTEST_EXPECT_EQ(t, errors().not_allocated, before.not_allocated + 1);
        KTEST_EXPECT_NOT_NULL(t, strstr(log, "page_alloc: free_pages: descriptor "));
    }
    KTEST_EXPECT_EQ(t, stats().frees, model.free_calls);
    free_all(t);
    shut_down();
}

/* --- poisoning ----------------------------------------------------------------------------------
 */

static bool frame_filled_with(uint64_t phys, size_t from, size_t to, uint8_t byte)
{
    const uint8_t *bytes = phys_to_virt(phys);
    for (size_t i = from; i < to; i++) {
        if (bytes[i] != byte)
            return false;
    }
    return true;
}

/* Hands out every free frame, one at a time, until none is left. */
static void take_everything(struct ktest *t)
{
    console_capture(log, sizeof(log));
    alloc_until_null(t, GFP_ATOMIC, 0);
    console_capture(NULL, 0);
}

static void poison_catches_a_write_after_free(struct ktest *t)
{
    if (!boot(t, small_with_hole, COUNT(small_with_hole), true))
        return;
    struct page *frame = model_alloc(t, GFP_KERNEL, 0);
    struct page *block = model_alloc(t, GFP_KERNEL, 3);
    KTEST_ASSERT_TRUE(t, frame && block);
    uint64_t frame_phys = page_to_phys(frame), victim = page_to_phys(block + 5);
    KTEST_ASSERT_TRUE(t, model_free(t, frame) && model_free(t, block));
    KTEST_EXPECT_TRUE(t, frame_filled_with(frame_phys, 0, PAGE_SIZE, PAGE_POISON_BYTE));
    KTEST_EXPECT_TRUE(t, frame_filled_with(victim, 0, PAGE_SIZE, PAGE_POISON_BYTE));
    ((uint8_t *)phys_to_virt(frame_phys))[0x123] = 0x5a; /* use after free */
    ((uint8_t *)phys_to_virt(victim))[PAGE_SIZE - 1] = 0;
    KTEST_EXPECT_TRUE(t, drain_checked());

    take_everything(t);
    KTEST_EXPECT_EQ(t, errors().poison_corrupted, 2u);
    char line[160];
    snprintf(line, sizeof(line),
             "page_alloc: alloc_pages: frame %#llx: poison overwritten at offset 0x123 (found "
             "0x5a, expected 0xaa)",
             (unsigned long long)frame_phys);
    KTEST_EXPECT_NOT_NULL(t, strstr(log, line));
    snprintf(line, sizeof(line),
             "page_alloc: alloc_pages: frame %#llx: poison overwritten at "
             "offset 0xfff (found 0, expected 0xaa)",
             (unsigned long long)victim);
    KTEST_EXPECT_NOT_NULL(t, strstr(log, line));
    if (t->failed)
        ktest_log(t, "logged: %s", log);
    free_all(t);
    shut_down();
}

/* "Frames freed while it was on are still checked when they are handed out." */
static void poison_is_checked_after_it_is_turned_off(struct ktest *t)
{
    if (!boot(t, small_with_hole, COUNT(small_with_hole), true))
        return;
    struct page *frame = model_alloc(t, GFP_KERNEL, 0);
    KTEST_ASSERT_NOT_NULL(t, frame);
    uint64_t phys = page_to_phys(frame);
    KTEST_ASSERT_TRUE(t, model_free(t, frame));
    page_alloc_set_poison(false);
    KTEST_EXPECT_FALSE(t, stats().poison);
    ((uint8_t *)phys_to_virt(phys))[7] = 1;
    take_everything(t);
    KTEST_EXPECT_EQ(t, errors().poison_corrupted, 1u);
    char frame_name[64];
    snprintf(frame_name, sizeof(frame_name), "frame %#llx: poison overwritten at offset 0x7",
             (unsigned long long)phys);
    KTEST_EXPECT_NOT_NULL(t, strstr(log, frame_name));
    free_all(t);
    shut_down();
}

/* Without poison, a freed frame keeps what its owner left in it. */
static void without_poison_free_frames_are_not_written(struct ktest *t)
{
    if (!boot(t, small_with_hole, COUNT(small_with_hole), false))
        return;
    struct page *frame = model_alloc(t, GFP_KERNEL, 0);
    struct page *block = model_alloc(t, GFP_KERNEL, 4);
    KTEST_ASSERT_TRUE(t, frame && block);
    uint64_t phys[17] = {page_to_phys(frame)};
    for (unsigned int i = 0; i < 16; i++)
        phys[1 + i] = page_to_phys(block + i);
    for (unsigned int i = 0; i < 17; i++) /* the model's ids stay in the first and last word */
        memset((uint8_t *)phys_to_virt(phys[i]) + 8, 0x5a, PAGE_SIZE - 16);
    KTEST_ASSERT_TRUE(t, model_free(t, frame) && model_free(t, block));
    KTEST_EXPECT_TRUE(t, drain_checked());
    for (unsigned int i = 0; i < 17; i++)
        KTEST_EXPECT_TRUE(t, frame_filled_with(phys[i], 8, PAGE_SIZE - 8, 0x5a));
    take_everything(t);
    KTEST_EXPECT_TRUE(t, no_errors());
    free_all(t);
    shut_down();
}

/* The boot hands frames to the allocator without writing them (only the frame database, its
 * bitmap and the atomic reserve's frames, which are zeroed ready for use, are written), and
 * handing them out writes nothing unless asked to zero. */
static void frames_handed_over_at_boot_are_never_written(struct ktest *t)
{
    shut_down();
    KTEST_ASSERT_TRUE(t, fake_memory_create(16 * MiB));
    memset(phys_to_virt(0), 0x3c, 16 * MiB);
    if (!fake_boot(small_with_hole, COUNT(small_with_hole), true) ||
        !MODEL_OK(t, fake_model_init(&model))) {
        shut_down();
        return;
    }
    static bool in_reserve[16 * MiB / PAGE_SIZE];
    uint64_t checked = 0, damaged = 0, scrubbed = 0;
    for (uint64_t pfn = 0; pfn < model.frames; pfn++) {
        if (!model.managed[pfn])
            continue;
        checked++;
        in_reserve[pfn] = pfn_to_page(pfn)->state == PAGE_RESERVE;
        if (in_reserve[pfn])
            scrubbed += frame_filled_with(pfn << PAGE_SHIFT, 0, PAGE_SIZE, 0);
        else
            damaged += !frame_filled_with(pfn << PAGE_SHIFT, 0, PAGE_SIZE, 0x3c);
    }
    KTEST_EXPECT_EQ(t, checked, model.managed_count);
    KTEST_EXPECT_EQ(t, damaged, 0u);
    KTEST_EXPECT_EQ(t, scrubbed, stats().reserve);
    /* Hand everything out without the model, which would write its ids. */
    static struct page *pages[4096];
    size_t count = 0;
    while (count < COUNT(pages) && (pages[count] = alloc_page(GFP_ATOMIC)))
        count++;
    KTEST_EXPECT_EQ(t, count, model.managed_count);
    for (size_t i = 0; i < count; i++) {
        uint64_t pfn = page_to_pfn(pages[i]);
        damaged += !frame_filled_with(pfn << PAGE_SHIFT, 0, PAGE_SIZE, in_reserve[pfn] ? 0 : 0x3c);
    }
    KTEST_EXPECT_EQ(t, damaged, 0u);
    KTEST_EXPECT_TRUE(t, no_errors());
    for (size_t i = 0; i < count; i++)
        KTEST_EXPECT_EQ(t, free_page(pages[i]), 0);
    page_alloc_drain_hot_cache();
    KTEST_EXPECT_EQ(t, stats().free + stats().reserve, model.managed_count);
    shut_down();
}

/* --- the hot cache ------------------------------------------------------------------------------
 */

static void the_hot_cache_stays_bounded_and_drains(struct ktest *t)
{
    if (!boot(t, small_with_hole, COUNT(small_with_hole), false))
        return;
    console_capture(log, sizeof(log));
    page_alloc_print_stats();
    console_capture(NULL, 0);
    char bound[32];
    snprintf(bound, sizeof(bound), "hot cache 0 of %u;", PAGE_ALLOC_HOT_CACHE_HIGH);
    KTEST_EXPECT_NOT_NULL(t, strstr(log, bound));

    for (int i = 0; i < 700; i++)
        KTEST_ASSERT_NOT_NULL(t, model_alloc(t, GFP_KERNEL, 0));
    uint64_t most = 0;
    while (model.count) {
        KTEST_ASSERT_TRUE(t, MODEL_OK(t, fake_model_free(&model, model.count / 2)));
        most = MAX(most, stats().hot_cache); /* the model checks the bound each time */
    }
    KTEST_EXPECT_GT(t, most, 0u);
    KTEST_EXPECT_LE(t, most, (uint64_t)PAGE_ALLOC_HOT_CACHE_HIGH);
    hosted_irqs_enabled = false;
    page_alloc_drain_hot_cache();
    KTEST_EXPECT_FALSE(t, hosted_irqs_enabled);
    hosted_irqs_enabled = true;
    KTEST_EXPECT_EQ(t, stats().hot_cache, 0u);
    free_all(t);
    shut_down();
}

/* Every entry point, called with interrupts off, leaves them off; with them on, on. */
static void every_call_leaves_the_interrupt_flag_as_it_was(struct ktest *t)
{
    if (!boot(t, small_with_hole, COUNT(small_with_hole), true))
        return;
    for (int enabled = 0; enabled < 2; enabled++) {
        hosted_irqs_enabled = enabled;
        struct page *page = alloc_pages(GFP_KERNEL | __GFP_ZERO, 2);
        KTEST_EXPECT_EQ(t, hosted_irqs_enabled, (bool)enabled);
        struct page *frame = alloc_page(GFP_ATOMIC | EXCLUSIVE);
        KTEST_EXPECT_EQ(t, hosted_irqs_enabled, (bool)enabled);
        KTEST_EXPECT_NULL(t, alloc_pages(GFP_ATOMIC, MAX_ORDER + 1));
        KTEST_EXPECT_EQ(t, hosted_irqs_enabled, (bool)enabled);
        KTEST_EXPECT_EQ(t, free_pages(page, 2), 0);
        KTEST_EXPECT_EQ(t, hosted_irqs_enabled, (bool)enabled);
        KTEST_EXPECT_EQ(t, free_page(frame), 0);
        KTEST_EXPECT_EQ(t, hosted_irqs_enabled, (bool)enabled);
        console_capture(log, sizeof(log));
        KTEST_EXPECT_EQ(t, free_page(frame), -EINVAL);
        KTEST_EXPECT_EQ(t, hosted_irqs_enabled, (bool)enabled);
        ((uint8_t *)page_address(frame))[0] = 0; /* poison damage, reported on hand-out */
        KTEST_EXPECT_EQ(t, alloc_page(GFP_KERNEL), frame);
        KTEST_EXPECT_EQ(t, hosted_irqs_enabled, (bool)enabled);
        KTEST_EXPECT_EQ(t, free_page(frame), 0);
        page_alloc_print_stats();
        console_capture(NULL, 0);
        KTEST_EXPECT_EQ(t, hosted_irqs_enabled, (bool)enabled);
        page_alloc_drain_hot_cache();
        (void)page_alloc_free_count();
        (void)stats();
        (void)errors();
        KTEST_EXPECT_EQ(t, hosted_irqs_enabled, (bool)enabled);
    }
    KTEST_EXPECT_EQ(t, errors().poison_corrupted, 2u);
    KTEST_EXPECT_EQ(t, errors().double_free, 2u);
    shut_down();
}

/* --- the landing pads ----------------------------------------------------------------------- */

#define HANDLER_A CONTEXT_HANDLER(3, 0)
#define HANDLER_B CONTEXT_HANDLER(4, 0)

static struct atomic_reserve_account account(context_t owner)
{
    struct atomic_reserve_account a;
    atomic_reserve_get_account(owner, &a);
    return a;
}

/* In a handler, a clean order-0 GFP_ATOMIC take pops the pads while the pool is full; a take
 * that needs no clean frame still comes from the pool; ordinary GFP_ATOMIC too. */
static void handlers_take_pads_first_at_every_level(struct ktest *t)
{
    if (!boot(t, pc_64m, COUNT(pc_64m), false))
        return;
    uint64_t pads = stats().reserve;
    hosted_context = HANDLER_A;
    KTEST_EXPECT_NOT_NULL(t, model_alloc(t, GFP_ATOMIC | EXCLUSIVE, 0));
    KTEST_EXPECT_NOT_NULL(t, model_alloc(t, GFP_ATOMIC | __GFP_ZERO, 0));
    KTEST_EXPECT_EQ(t, stats().reserve, pads - 2);
    KTEST_EXPECT_NOT_NULL(t, model_alloc(t, GFP_ATOMIC, 0)); /* need not be clean: the pool */
    KTEST_EXPECT_EQ(t, stats().reserve, pads - 2);
    KTEST_EXPECT_EQ(t, account(HANDLER_A).from_shared, 2u);
    KTEST_EXPECT_EQ(t, account(HANDLER_A).from_pool, 1u);
    KTEST_EXPECT_EQ(t, account(HANDLER_A).scrubbed, 0u);
    hosted_context = CONTEXT_BOOT;
    KTEST_EXPECT_NOT_NULL(t, model_alloc(t, GFP_ATOMIC | EXCLUSIVE, 0)); /* the pool first */
    KTEST_EXPECT_EQ(t, stats().reserve, pads - 2);
    /* With the pads empty, the handler's clean take comes from the pool, scrubbed by it. */
    KTEST_ASSERT_EQ(t, atomic_reserve_set_target(1), 0);
    hosted_context = HANDLER_A;
    KTEST_EXPECT_NOT_NULL(t, model_alloc(t, GFP_ATOMIC | EXCLUSIVE, 0));
    KTEST_EXPECT_NOT_NULL(t, model_alloc(t, GFP_ATOMIC | EXCLUSIVE, 0));
    KTEST_EXPECT_EQ(t, account(HANDLER_A).from_shared, 3u);
    KTEST_EXPECT_EQ(t, account(HANDLER_A).scrubbed, 1u);
    hosted_context = CONTEXT_BOOT;
    free_all(t);
    KTEST_EXPECT_TRUE(t, no_errors());
    shut_down();
}

/* A claim's pads serve its handler alone: with everything else taken by ordinary GFP_ATOMIC,
 * handler B gets nothing and A gets exactly its claim. Claims larger than the unclaimed stock
 * are refused; releasing one gives its pads back to the shared stock. */
static void claimed_pads_serve_their_claimer_alone(struct ktest *t)
{
    if (!boot(t, pc_64m, COUNT(pc_64m), false))
        return;
    struct atomic_reserve_stats before;
    atomic_reserve_get_stats(&before);
    KTEST_EXPECT_EQ(t, atomic_reserve_claim(HANDLER_A, (uint32_t)before.target + 1), -ENOSPC);
    KTEST_EXPECT_EQ(t, atomic_reserve_claim(CONTEXT_BOOT, 1), -EINVAL);
    KTEST_ASSERT_EQ(t, atomic_reserve_claim(HANDLER_A, 4), 0);
    KTEST_EXPECT_EQ(t, account(HANDLER_A).level, 4u);
    KTEST_EXPECT_EQ(t, stats().reserve, before.level); /* moved, not added */
    alloc_until_null(t, GFP_ATOMIC, 0);
    KTEST_EXPECT_EQ(t, stats().reserve, 4u);
    hosted_context = HANDLER_B;
    KTEST_EXPECT_NULL(t, model_alloc(t, GFP_ATOMIC | EXCLUSIVE, 0));
    hosted_context = HANDLER_A;
    for (int i = 0; i < 4; i++)
        KTEST_EXPECT_NOT_NULL(t, model_alloc(t, GFP_ATOMIC | EXCLUSIVE, 0));
    KTEST_EXPECT_NULL(t, model_alloc(t, GFP_ATOMIC | EXCLUSIVE, 0));
    KTEST_EXPECT_EQ(t, account(HANDLER_A).from_claim, 4u);
    KTEST_EXPECT_EQ(t, account(HANDLER_A).failed, 1u);
    KTEST_EXPECT_EQ(t, account(HANDLER_B).failed, 1u);
    hosted_context = CONTEXT_BOOT;
    free_all(t); /* refills the claim first */
    KTEST_EXPECT_EQ(t, account(HANDLER_A).level, 4u);
    atomic_reserve_release(HANDLER_A);
    struct atomic_reserve_stats after;
    atomic_reserve_get_stats(&after);
    KTEST_EXPECT_EQ(t, after.claimed, 0u);
    KTEST_EXPECT_EQ(t, after.level, after.target);
    KTEST_EXPECT_EQ(t, after.taken_claimed, 4u); /* the takes of the gone registration stay */
    KTEST_EXPECT_EQ(t, account(HANDLER_A).from_claim, 0u);
    MODEL_OK(t, fake_model_check_frames(&model));
    shut_down();
}

/* With interrupts off, a free only asks for the refill; deferred work runs it. */
static void refill_is_requested_not_run_with_interrupts_off(struct ktest *t)
{
    if (!boot(t, pc_64m, COUNT(pc_64m), false))
        return;
    uint64_t pads = stats().reserve;
    hosted_context = HANDLER_A;
    struct page *page = model_alloc(t, GFP_ATOMIC | EXCLUSIVE, 0);
    KTEST_ASSERT_NOT_NULL(t, page);
    hosted_irqs_enabled = false;
    model_free(t, page);
    hosted_context = CONTEXT_BOOT;
    struct page *other = model_alloc(t, GFP_KERNEL, 0);
    model_free(t, other);
    KTEST_EXPECT_EQ(t, stats().reserve, pads - 1);
    hosted_irqs_enabled = true;
    KTEST_EXPECT_EQ(t, stats().reserve, pads - 1);
    KTEST_EXPECT_GT(t, deferred_run(), 0);
    KTEST_EXPECT_EQ(t, stats().reserve, pads);
    free_all(t);
    shut_down();
}

/* A frame on its way to the pads (taken for a refill, not yet pushed) is held by nobody: it
 * stays unallocated, and managed == unallocated + allocated throughout, counted without it
 * (the thread refilling may be preempted half way). */
static void a_frame_on_its_way_to_the_pads_is_unallocated(struct ktest *t)
{
    if (!boot(t, pc_64m, COUNT(pc_64m), false))
        return;
    uint64_t unallocated = page_alloc_unallocated_count(), allocated = stats().allocated;
    struct page *page = page_alloc_take_for_reserve();
    KTEST_ASSERT_NOT_NULL(t, page);
    KTEST_EXPECT_EQ(t, page_alloc_reserve_transit(), 1u);
    KTEST_EXPECT_EQ(t, page_alloc_unallocated_count(), unallocated);
    KTEST_EXPECT_EQ(t, stats().allocated, allocated);
    page_alloc_return_to_pool(page);
    page_alloc_transit_ended();
    KTEST_EXPECT_EQ(t, page_alloc_reserve_transit(), 0u);
    KTEST_EXPECT_EQ(t, page_alloc_unallocated_count(), unallocated);
    KTEST_EXPECT_EQ(t, stats().allocated, allocated);
    shut_down();
}

/* --- sparse memory ------------------------------------------------------------------------------
 */

/* Takes every frame, in blocks of mixed sizes, then gives them all back. */
static void use_all_memory(struct ktest *t)
{
    for (unsigned int order = MAX_ORDER + 1; order-- > 0;)
        alloc_until_null(t, GFP_ATOMIC, order);
    KTEST_EXPECT_EQ(t, stats().free, 0u);
    KTEST_EXPECT_EQ(t, stats().reserve, 0u);
    KTEST_EXPECT_EQ(t, model.allocated, model.managed_count);
    MODEL_OK(t, fake_model_check_frames(&model));
    free_all(t);
}

static void sparse_memory_costs_no_descriptors_in_holes(struct ktest *t)
{
    const struct boot_memory_range raw[] = {{MiB, 63 * MiB, USABLE}, {4 * GiB, 64 * MiB, USABLE}};
    if (!boot(t, raw, COUNT(raw), false))
        return;
    uint64_t ram_pages = memmap_usable_bytes(fake_memory_map()) / PAGE_SIZE;
    uint64_t populated = fake_frame_db_populated_bytes();
    uint64_t slack = 2 * MAX_ORDER_PAGES * sizeof(struct page); /* a part-used 4 MiB block each */
    ktest_log(t, "%lu pages of RAM over a 4 GiB span: %lu bytes of frame database", ram_pages,
              populated);
    KTEST_EXPECT_LE(t, populated, ram_pages * sizeof(struct page) + slack);
    KTEST_EXPECT_GE(t, populated, ram_pages * sizeof(struct page));
    uint64_t valid_in_hole = 0;
    for (uint64_t phys = 64 * MiB; phys < 4 * GiB; phys += 64 * KiB)
        valid_in_hole += pfn_valid(phys >> PAGE_SHIFT) || phys_to_page(phys + 4 * KiB);
    KTEST_EXPECT_EQ(t, valid_in_hole, 0u);
    KTEST_EXPECT_TRUE(t, pfn_valid((64 * MiB >> PAGE_SHIFT) - 1));
    KTEST_EXPECT_TRUE(t, pfn_valid(4 * GiB >> PAGE_SHIFT));
    KTEST_EXPECT_EQ(t, phys_to_page(4 * GiB + 5), pfn_to_page(4 * GiB >> PAGE_SHIFT));
    KTEST_EXPECT_NULL(t, phys_to_page(4 * GiB + 64 * MiB));
    KTEST_EXPECT_NULL(t, phys_to_page(UINT64_MAX));
    KTEST_EXPECT_EQ(t, stats().managed, ram_pages - 1); /* less the bitmap's page */
    use_all_memory(t); /* the model checks that no frame of the hole is ever handed out */
    shut_down();
}

/* cutmem-style: memory taken out of the middle of a bank, leaving two whole 4 MiB blocks
 * without RAM and two blocks that have RAM on one side only. */
static void a_hole_in_the_middle_of_a_bank(struct ktest *t)
{
    const struct boot_memory_range raw[] = {
            {0, 0x9fc00, USABLE},
            {MiB, 9 * MiB + 20 * KiB, USABLE},
            {21 * MiB + 4 * KiB, 11 * MiB - 4 * KiB, USABLE},
    };
    if (!boot(t, raw, COUNT(raw), false))
        return;
    KTEST_EXPECT_FALSE(t, pfn_valid(12 * MiB >> PAGE_SHIFT));
    KTEST_EXPECT_FALSE(t, pfn_valid((20 * MiB >> PAGE_SHIFT) - 1));
    KTEST_EXPECT_TRUE(t, pfn_valid(11 * MiB >> PAGE_SHIFT));
    KTEST_EXPECT_EQ(t, phys_to_page(11 * MiB)->state, PAGE_RESERVED);
    KTEST_EXPECT_EQ(t, phys_to_page(21 * MiB)->state, PAGE_RESERVED);
    KTEST_EXPECT_NE(t, phys_to_page(21 * MiB + 4 * KiB)->state, PAGE_RESERVED);
    KTEST_EXPECT_NE(t, phys_to_page(10 * MiB + 16 * KiB)->state, PAGE_RESERVED);
    KTEST_EXPECT_EQ(t, fake_frame_db_populated_bytes(), 6 * MAX_ORDER_PAGES * sizeof(struct page));
    KTEST_EXPECT_EQ(t, stats().managed, (9 * MiB + 20 * KiB + 11 * MiB - 4 * KiB) / PAGE_SIZE - 1);
    use_all_memory(t);
    shut_down();
}

/* Ranges that reach one frame into a 4 MiB block, or hold just its last or first frame: the
 * block needs descriptors all the same, and every one of those frames is handed out. */
static void single_frames_at_block_edges_are_managed(struct ktest *t)
{
    const struct boot_memory_range raw[] = {
            {MiB, 7 * MiB + 4 * KiB, USABLE},      /* ends one frame into [8 MiB, 12 MiB) */
            {16 * MiB - 4 * KiB, 4 * KiB, USABLE}, /* the last frame of [12 MiB, 16 MiB) */
            {20 * MiB, 4 * KiB, USABLE},           /* the first frame of [20 MiB, 24 MiB) */
            {28 * MiB, 4 * MiB, USABLE},
    };
    if (!boot(t, raw, COUNT(raw), false))
        return;
    KTEST_EXPECT_TRUE(t, pfn_valid(8 * MiB >> PAGE_SHIFT));
    KTEST_EXPECT_TRUE(t, pfn_valid((16 * MiB >> PAGE_SHIFT) - 1));
    KTEST_EXPECT_TRUE(t, pfn_valid(20 * MiB >> PAGE_SHIFT));
    KTEST_EXPECT_FALSE(t, pfn_valid(16 * MiB >> PAGE_SHIFT));
    KTEST_EXPECT_FALSE(t, pfn_valid(24 * MiB >> PAGE_SHIFT));
    KTEST_EXPECT_EQ(t, fake_frame_db_populated_bytes(), 6 * MAX_ORDER_PAGES * sizeof(struct page));
    /* Less the bitmap's page at the top. */
    KTEST_EXPECT_EQ(t, stats().managed, (7 * MiB + 4 * KiB) / PAGE_SIZE + 1 + 1 + 1024 - 1);
    use_all_memory(t);
    shut_down();
}

/* Frame numbers are 32 bits and PFN_NONE is 0xffffffff: the last frame below 16 TiB must be
 * an ordinary frame all the same. RAM there is one page, so the bitmap goes elsewhere. */
/* The last frame below MEMMAP_PHYS_LIMIT has frame number 0xfffffffe: 0xffffffff ends the
 * free lists (PFN_NONE), so the frame at 16 TiB - 4 KiB is never used. */
static void the_last_frame_below_16_tib_is_usable(struct ktest *t)
{
    const struct boot_memory_range raw[] = {{MiB, 15 * MiB, USABLE},
                                            {MEMMAP_PHYS_LIMIT - 4 * KiB, 4 * KiB, USABLE}};
    shut_down();
    if (!fake_memory_create(MEMMAP_PHYS_LIMIT)) {
        ktest_skip(t, "the host cannot map a 16 TiB span");
        return;
    }
    KTEST_ASSERT_NOT_NULL(t, fake_boot(raw, COUNT(raw), false));
    struct page *last = phys_to_page(MEMMAP_PHYS_LIMIT - 4 * KiB);
    KTEST_ASSERT_NOT_NULL(t, last);
    KTEST_EXPECT_EQ(t, page_to_pfn(last), 0xfffffffeu);
    KTEST_EXPECT_LT(t, page_to_pfn(last), (uint64_t)PFN_NONE);
    struct page_alloc_stats s = stats();
    /* [1 MiB, 16 MiB) less the bitmap (a bit per 4 MiB of 16 TiB: 128 pages), plus the last */
    KTEST_EXPECT_EQ(t, s.managed, 15 * MiB / PAGE_SIZE - 128 + 1);
    static struct page *pages[4096];
    size_t count = 0;
    bool handed_out = false;
    while (count < COUNT(pages) && (pages[count] = alloc_page(GFP_ATOMIC))) {
        handed_out |= pages[count] == last;
        count++;
    }
    KTEST_EXPECT_EQ(t, count, s.managed);
    KTEST_EXPECT_TRUE(t, handed_out);
    KTEST_EXPECT_EQ(t, stats().free, 0u);
    for (size_t i = 0; i < count; i++)
        KTEST_EXPECT_EQ(t, free_page(pages[i]), 0);
    page_alloc_drain_hot_cache();
    KTEST_EXPECT_EQ(t, stats().free + stats().reserve, s.managed);
    shut_down();
}

static const struct ktest_case page_alloc_cases[] = {
        KTEST_CASE(boot_hands_out_maximal_blocks),
        KTEST_CASE(random_allocations_and_frees_match_the_model),
        KTEST_CASE(random_run_with_poison_finds_no_damage),
        KTEST_CASE(exhaustion_stops_at_the_watermark_then_at_zero),
        KTEST_CASE(tiny_memory_scales_the_watermarks),
        KTEST_CASE(larger_blocks_also_respect_the_watermark),
        KTEST_CASE(orders_above_the_largest_return_null),
        KTEST_CASE(fragmented_memory_has_no_larger_blocks),
        KTEST_CASE(a_double_free_is_refused_and_counted),
        KTEST_CASE(a_double_free_after_merging_is_refused),
        KTEST_CASE(freeing_a_tail_frame_is_refused),
        KTEST_CASE(freeing_a_reserved_frame_is_refused),
        KTEST_CASE(freeing_with_the_wrong_order_is_refused),
        KTEST_CASE(freeing_a_bad_pointer_is_refused),
        KTEST_CASE(poison_catches_a_write_after_free),
        KTEST_CASE(poison_is_checked_after_it_is_turned_off),
        KTEST_CASE(without_poison_free_frames_are_not_written),
        KTEST_CASE(frames_handed_over_at_boot_are_never_written),
        KTEST_CASE(the_hot_cache_stays_bounded_and_drains),
        KTEST_CASE(every_call_leaves_the_interrupt_flag_as_it_was),
        KTEST_CASE(handlers_take_pads_first_at_every_level),
        KTEST_CASE(claimed_pads_serve_their_claimer_alone),
        KTEST_CASE(refill_is_requested_not_run_with_interrupts_off),
        KTEST_CASE(a_frame_on_its_way_to_the_pads_is_unallocated),
        KTEST_CASE(sparse_memory_costs_no_descriptors_in_holes),
        KTEST_CASE(a_hole_in_the_middle_of_a_bank),
        KTEST_CASE(single_frames_at_block_edges_are_managed),
        KTEST_CASE(the_last_frame_below_16_tib_is_usable),
        {},
};
KTEST_SUITE_FULL(page_alloc, page_alloc_cases, NULL, shut_down);
