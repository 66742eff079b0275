/* tests/kernel/atomic_reserve_test.c - the atomic reserve at work: GFP_KERNEL never touches
 * it; once ordinary code has run the pool down to its min watermark, interrupt handlers keep
 * getting scrubbed frames from it; when it is drained too they drop their data, count the
 * drops and the kernel runs on; freeing memory refills it to its target, with every frame
 * accounted for.
 *
 * The reserve is per CPU, and the test handler (on line 0, the PIT) runs on CPU 0: the suite
 * runs on CPU 0 too, with every CPU's hot cache drained first, and reasons about CPU 0's
 * stock; each other CPU has a full stock of its own. */
#include "drivers/pit.h"
#include "kernel/clock.h"
#include "lib/errno.h"
#include "kernel/ktest.h"
#include "services/sensor.h"
#include "mm/atomic_reserve.h"
#include "mm/page_alloc.h"
#include "tests/kernel/taker.h"

static struct taker taker;
static uint32_t sensor_interval;

/* The timer's sensor also takes frames from the reserve: it pauses while these tests count. */
static int pause_sensor(void)
{
    struct sensor_stats stats;
    sensor_get_stats(&stats);
    sensor_interval = stats.sample_every;
    drain_every_hot_cache(0);
    return sensor_set_interval(0);
}

static void resume_sensor(void)
{
    sensor_set_interval(sensor_interval);
    pin_to(-1);
}

/* CPU 0's stock, where the test handler takes from. */
static void get_stats(struct atomic_reserve_stats *stats)
{
    atomic_reserve_get_cpu_stats(0, stats);
}

static void reserve_is_full_after_boot_and_sized_by_memory(struct ktest *t)
{
    struct atomic_reserve_stats reserve, all;
    struct page_alloc_stats pool;
    get_stats(&reserve);
    atomic_reserve_get_stats(&all);
    page_alloc_get_stats(&pool);
    ktest_log(t, "target %lu frames for %lu managed; level %lu; over all CPUs %lu of %lu",
              reserve.target, pool.managed, reserve.level, all.level, all.target);
    KTEST_EXPECT_EQ(t, reserve.target, atomic_reserve_default_target(pool.managed));
    KTEST_EXPECT_EQ(t, reserve.level, reserve.target);
    KTEST_EXPECT_EQ(t, all.level, all.target); /* every CPU's stock is full */
    KTEST_EXPECT_EQ(t, pool.reserve, all.level);
    /* sqrt(16 x 128 MiB in KiB) KiB = 1448 KiB: 362 pages for 128 MiB; 11585 KiB for 8 GiB. */
    KTEST_EXPECT_EQ(t, atomic_reserve_default_target(32768), 362u);
    KTEST_EXPECT_EQ(t, atomic_reserve_default_target(2097152), 2897u); /* 2896.3, rounded up */
}

static void gfp_kernel_never_touches_the_reserve(struct ktest *t)
{
    struct atomic_reserve_stats before, after;
    get_stats(&before);
    uint64_t hog = 0;
    uint64_t taken = memhog_take(&hog, GFP_KERNEL);
    get_stats(&after);
    memhog_release(&hog);
    KTEST_EXPECT_GT(t, taken, 0u);
    KTEST_EXPECT_EQ(t, after.taken, before.taken);
    KTEST_EXPECT_EQ(t, after.level, before.level);
}

/* With the pool at min, a handler at 10 kHz takes frames: each comes from the reserve,
 * already zeroed, and counts for IRQ line 0. */
static void handlers_take_from_the_reserve_when_the_pool_is_dry(struct ktest *t)
{
    uint64_t before_all = frames_not_held(), hog = 0;
    memhog_take(&hog, GFP_KERNEL);
    struct atomic_reserve_stats before, after;
    get_stats(&before);
    taker.hand_over = true;
    KTEST_ASSERT_EQ(t, taker_start(&taker, 10000), 0);
    uint64_t want = MIN(before.level, 100ul);
    WRITE_ONCE(taker.budget, want);
    bool done = taker_wait(&taker, 5000);
    taker_stop(&taker);
    get_stats(&after);
    KTEST_EXPECT_TRUE(t, done);
    KTEST_EXPECT_EQ(t, taker.got, want);
    KTEST_EXPECT_EQ(t, taker.dropped, 0u);
    KTEST_EXPECT_EQ(t, taker.nonzero, 0u); /* scrubbed before they went in */
    KTEST_EXPECT_EQ(t, after.taken - before.taken, want);
    KTEST_EXPECT_EQ(t, after.taken_by_line[0] - before.taken_by_line[0], want);
    /* The refill thread tops the reserve up from the headroom below min as soon as a take
     * wakes it: every frame that left came back through a counted refill. */
    KTEST_EXPECT_EQ(t, after.level, before.level - want + (after.refilled - before.refilled));
    taker_free_chain(&taker);
    memhog_release(&hog);
    KTEST_EXPECT_EQ(t, frames_not_held(), before_all);
    get_stats(&after);
    KTEST_EXPECT_EQ(t, after.level, after.target); /* the free path refilled it */
}

/* Everything gone, the reserve included: the handler's allocations fail and are counted as
 * drops, the timer keeps ticking; once memory is freed the reserve refills by itself and
 * the handler gets frames again. */
static void drained_reserve_drops_data_and_recovers(struct ktest *t)
{
    uint64_t before_all = frames_not_held(), hog = 0;
    memhog_take(&hog, GFP_KERNEL);
    memhog_take(&hog, GFP_ATOMIC);
    struct atomic_reserve_stats drained, refilled;
    get_stats(&drained);
    KTEST_EXPECT_EQ(t, drained.level, 0u);
    KTEST_EXPECT_NULL(t, alloc_pages(GFP_ATOMIC, 3)); /* higher orders fail cleanly too */

    taker.hand_over = true;
    KTEST_ASSERT_EQ(t, taker_start(&taker, 1000), 0);
    uint64_t ticks = clock_ticks();
    WRITE_ONCE(taker.budget, 1);
    KTEST_EXPECT_FALSE(t, taker_wait(&taker, 50)); /* nothing to take */
    KTEST_EXPECT_GT(t, READ_ONCE(taker.dropped), 0u);
    KTEST_EXPECT_GT(t, clock_ticks(), ticks); /* the kernel runs on */

    memhog_release(&hog);
    get_stats(&refilled);
    KTEST_EXPECT_EQ(t, refilled.level, refilled.target);
    KTEST_EXPECT_GT(t, refilled.refills, drained.refills);
    KTEST_EXPECT_GT(t, refilled.failures, drained.failures);
    KTEST_EXPECT_TRUE(t, taker_wait(&taker, 1000)); /* recovered by itself */
    taker_stop(&taker);
    KTEST_EXPECT_EQ(t, taker.got, 1u);
    taker_free_chain(&taker);
    KTEST_EXPECT_EQ(t, frames_not_held(), before_all);
}

static uint64_t level_here(void)
{
    struct atomic_reserve_stats stats;
    get_stats(&stats);
    return stats.level;
}

/* atomic_reserve_set_target sets the stock of the CPU it runs on: CPU 0's here. */
static void target_can_be_changed(struct ktest *t)
{
    struct atomic_reserve_stats stats;
    get_stats(&stats);
    uint64_t target = stats.target, before_all = frames_not_held();
    KTEST_EXPECT_EQ(t, atomic_reserve_set_target(target + 16), 0);
    KTEST_EXPECT_EQ(t, level_here(), target + 16);
    KTEST_EXPECT_EQ(t, atomic_reserve_set_target(target / 2), 0);
    KTEST_EXPECT_EQ(t, level_here(), target / 2);
    KTEST_EXPECT_EQ(t, atomic_reserve_set_target(0), -EINVAL);
    struct page_alloc_stats pool;
    page_alloc_get_stats(&pool);
    KTEST_EXPECT_EQ(t, atomic_reserve_set_target(pool.managed), -EINVAL);
    KTEST_EXPECT_EQ(t, atomic_reserve_set_target(target), 0);
    KTEST_EXPECT_EQ(t, level_here(), target);
    KTEST_EXPECT_EQ(t, frames_not_held(), before_all);
}

static void managed_equals_free_plus_allocated_plus_reserve(struct ktest *t)
{
    uint64_t hog = 0;
    memhog_take(&hog, GFP_KERNEL);
    uint64_t held = 0;
    for (uint64_t chain = hog; chain; chain = *(uint64_t *)phys_to_virt(chain))
        held++;
    struct page_alloc_stats stats;
    page_alloc_get_stats(&stats);
    KTEST_EXPECT_EQ(t, stats.free + stats.allocated + stats.reserve, stats.managed);
    KTEST_EXPECT_GE(t, stats.allocated, held);
    KTEST_EXPECT_EQ(t, stats.free, stats.watermark_min);
    memhog_release(&hog);
}

static const struct ktest_case atomic_reserve_cases[] = {
        KTEST_CASE(reserve_is_full_after_boot_and_sized_by_memory),
        KTEST_CASE(gfp_kernel_never_touches_the_reserve),
        KTEST_CASE(handlers_take_from_the_reserve_when_the_pool_is_dry),
        KTEST_CASE(drained_reserve_drops_data_and_recovers),
        KTEST_CASE(target_can_be_changed),
        KTEST_CASE(managed_equals_free_plus_allocated_plus_reserve),
        {},
};
KTEST_SUITE_FULL(atomic_reserve, atomic_reserve_cases, pause_sensor, resume_sensor);
