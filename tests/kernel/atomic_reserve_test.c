/* tests/kernel/atomic_reserve_test.c - the landing pads at work, with real interrupt handlers
 * (tests/kernel/taker.c): GFP_KERNEL never touches them; a handler's clean take comes from them
 * at every level of the pool, nothing scrubbed in the handler; claimed pads serve their
 * claimer alone, against memhog's GFP_ATOMIC and another handler; claims too large are
 * refused and claims are released with their registration; the refill is only requested with
 * interrupts off; when everything is drained handlers drop their data and the kernel runs on.
 * Every state is counted by walking the frame database and compared with the counters.
 *
 * The pads are per CPU (claims and targets the same on each), and the test handler (on line 0,
 * the PIT) runs on CPU 0: the suite runs on CPU 0 too, with every CPU's hot cache drained
 * first, and reasons about CPU 0's pads; the census and the claims cover every CPU's. */
#include "arch/arch.h"
#include "drivers/pit.h"
#include "kernel/clock.h"
#include "kernel/deferred.h"
#include "kernel/irq.h"
#include "kernel/ktest.h"
#include "kernel/sched.h"
#include "kernel/thread.h"
#include "kernel/smp.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/atomic_reserve.h"
#include "mm/page_alloc.h"
#include "services/sensor.h"
#include "tests/kernel/taker.h"

static struct taker taker, other = {.name = "other taker"};
static uint32_t sensor_interval;

/* The timer's sensor also takes frames from the pads: it pauses while these tests count. */
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

/* Walks the frame database and compares each state's count with the allocator's counters:
 * none of them is derived from the others here. */
static void expect_census_matches(struct ktest *t, const char *when)
{
    struct page_census census;
    struct page_alloc_stats pool;
    struct atomic_reserve_stats pads;
    unsigned long flags = arch_irq_save(); /* one moment for all three */
    page_alloc_census(&census, CONTEXT_NONE);
    page_alloc_get_stats(&pool);
    atomic_reserve_get_stats(&pads);
    arch_irq_restore(flags);
    ktest_log(t, "%s: %lu free, %lu hot, %lu pads (%lu claimed), %lu allocated, %lu in transit",
              when, census.free, census.hot, census.pads, census.claimed, census.allocated,
              census.transit);
    KTEST_EXPECT_EQ(t, census.free, pool.free - pool.hot_cache);
    KTEST_EXPECT_EQ(t, census.hot, pool.hot_cache);
    KTEST_EXPECT_EQ(t, census.pads, pads.level);
    KTEST_EXPECT_EQ(t, census.pads, pool.reserve);
    KTEST_EXPECT_EQ(t, census.claimed, pads.claimed_level);
    KTEST_EXPECT_EQ(t, census.allocated, pool.allocated);
    KTEST_EXPECT_EQ(t, census.transit, 0u);
    KTEST_EXPECT_EQ(t, census.strays, 0u);
    KTEST_EXPECT_EQ(t, census.free + census.hot + census.pads + census.allocated, pool.managed);
}

static context_t context_of(int irq, const char *name)
{
    struct irq_handler_info handlers[IRQ_HANDLERS_MAX];
    int count = irq_handlers_of(irq, handlers, IRQ_HANDLERS_MAX);
    for (int i = 0; i < count && i < IRQ_HANDLERS_MAX; i++) {
        if (strcmp(handlers[i].name, name) == 0)
            return handlers[i].context;
    }
    return CONTEXT_NONE;
}

static uint64_t level_here(void)
{
    struct atomic_reserve_stats stats;
    get_stats(&stats);
    return stats.level;
}

static void account_of(const struct taker *which, struct atomic_reserve_account *out)
{
    *out = (struct atomic_reserve_account){0};
    atomic_reserve_get_account(taker_context(which), out);
}

static void reserve_is_full_after_boot_and_sized_by_memory(struct ktest *t)
{
    struct atomic_reserve_stats reserve, all;
    struct page_alloc_stats pool;
    get_stats(&reserve);
    atomic_reserve_get_stats(&all);
    page_alloc_get_stats(&pool);
    ktest_log(t,
              "target %lu frames for %lu managed; level %lu, %lu of them claimed; over all "
              "CPUs %lu of %lu",
              reserve.target, pool.managed, reserve.level, reserve.claimed_level, all.level,
              all.target);
    KTEST_EXPECT_EQ(t, reserve.target, atomic_reserve_default_target(pool.managed));
    KTEST_EXPECT_EQ(t, reserve.level, reserve.target);
    KTEST_EXPECT_EQ(t, all.level, all.target); /* every CPU's stock is full */
    KTEST_EXPECT_EQ(t, pool.reserve, all.level);
    /* sqrt(16 x 128 MiB in KiB) KiB = 1448 KiB: 362 pages for 128 MiB; 11585 KiB for 8 GiB. */
    KTEST_EXPECT_EQ(t, atomic_reserve_default_target(32768), 362u);
    KTEST_EXPECT_EQ(t, atomic_reserve_default_target(2097152), 2897u); /* 2896.3, rounded up */
    expect_census_matches(t, "after boot");
}

/* drivers/keyboard.c and services/sensor.c claim theirs at boot, on every CPU (the accounts
 * are over all CPUs). */
static void keyboard_and_sensor_hold_their_claims(struct ktest *t)
{
    struct atomic_reserve_account keyboard, sensor;
    uint64_t cpus = smp_cpus_online();
    KTEST_ASSERT_EQ(t, atomic_reserve_get_account(context_of(1, "keyboard"), &keyboard), 0);
    KTEST_ASSERT_EQ(t, atomic_reserve_get_account(context_of(clock_tick_line(), "sensor"), &sensor),
                    0);
    KTEST_EXPECT_EQ(t, keyboard.claimed, 32 * cpus);
    KTEST_EXPECT_EQ(t, keyboard.level, 32 * cpus);
    KTEST_EXPECT_EQ(t, sensor.claimed, 4 * cpus);
    KTEST_EXPECT_EQ(t, sensor.level, 4 * cpus);
    struct page_census census;
    page_alloc_census(&census, context_of(1, "keyboard"));
    KTEST_EXPECT_EQ(t, census.owned, 32 * cpus); /* the frames themselves say whose they are */
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

/* A handler at 10 kHz takes `want` frames; each must come from the shared pads, already
 * zeroed, with nothing scrubbed in the handler, whatever `gfp_hog` left of the pool. */
static void handler_takes_pads(struct ktest *t, uint64_t want, const char *level)
{
    struct atomic_reserve_stats before, after;
    struct atomic_reserve_account account;
    get_stats(&before);
    /* No more than the shared stock holds: with the pool at min, the refill has little
     * headroom to top it up from (on a 5 MiB machine, none). */
    want = MIN(want, before.level - before.claimed_level);
    taker.hand_over = true;
    KTEST_ASSERT_EQ(t, taker_start(&taker, 10000), 0);
    WRITE_ONCE(taker.budget, want);
    bool done = taker_wait(&taker, 5000);
    account_of(&taker, &account);
    taker_stop(&taker);
    get_stats(&after);
    ktest_log(t, "%s: %lu taken: %lu from pads, %lu scrubbed in the handler", level, taker.got,
              account.from_shared + account.from_claim, account.scrubbed);
    KTEST_EXPECT_TRUE(t, done);
    KTEST_EXPECT_EQ(t, taker.got, want);
    KTEST_EXPECT_EQ(t, taker.dropped, 0u);
    KTEST_EXPECT_EQ(t, taker.nonzero, 0u); /* scrubbed before they went in */
    KTEST_EXPECT_EQ(t, account.from_shared, want);
    KTEST_EXPECT_EQ(t, account.from_pool + account.below_min + account.scrubbed, 0u);
    KTEST_EXPECT_EQ(t, after.taken_shared - before.taken_shared, want);
    /* The refill thread tops the pads up as soon as a take wakes it: every frame that left
     * came back through a counted refill. */
    KTEST_EXPECT_EQ(t, after.level, before.level - want + (after.refilled - before.refilled));
    KTEST_EXPECT_EQ(t, taker_free_chain(&taker), want);
}

static void handlers_take_pads_first_at_every_level(struct ktest *t)
{
    uint64_t before_all = frames_not_held(), hog = 0;
    handler_takes_pads(t, 50, "memory plentiful");
    memhog_take(&hog, GFP_KERNEL);
    handler_takes_pads(t, 50, "pool at min");
    memhog_release(&hog);
    KTEST_EXPECT_EQ(t, frames_not_held(), before_all);
    struct atomic_reserve_stats after;
    atomic_reserve_get_stats(&after);
    KTEST_EXPECT_EQ(t, after.level, after.target); /* the free path refilled it */
    expect_census_matches(t, "after the takes");
}

/* Taker `other` claims nothing; `taker` claims 8. With ordinary memory and the shared pads
 * taken by memhog's GFP_ATOMIC, `other` drops and `taker` gets exactly its 8. */
static void claimed_pads_serve_their_claimer_alone(struct ktest *t)
{
    uint64_t before_all = frames_not_held(), hog = 0;
    taker.hand_over = other.hand_over = true;
    KTEST_ASSERT_EQ(t, taker_start(&taker, 10000), 0);
    KTEST_ASSERT_EQ(t, taker_start(&other, 0), 0);
    KTEST_EXPECT_EQ(t, irq_claim_pads(0, &taker, 8), 0);
    struct atomic_reserve_account account;
    account_of(&taker, &account);
    /* Ready at once, on every CPU: moved from the shared stock. */
    KTEST_EXPECT_EQ(t, account.level, 8 * (uint64_t)smp_cpus_online());
    memhog_take(&hog, GFP_KERNEL);
    uint64_t atomic = memhog_take(&hog, GFP_ATOMIC);
    expect_census_matches(t, "memhog atomic");

    WRITE_ONCE(other.budget, 1);
    KTEST_EXPECT_FALSE(t, taker_wait(&other, 50)); /* nothing for it */
    WRITE_ONCE(taker.budget, 8);
    KTEST_EXPECT_TRUE(t, taker_wait(&taker, 1000));
    WRITE_ONCE(taker.budget, 1);
    KTEST_EXPECT_FALSE(t, taker_wait(&taker, 50)); /* its claim is spent: nothing else left */
    account_of(&taker, &account);
    ktest_log(t,
              "memhog took %lu with GFP_ATOMIC; the claimer got %lu, the other %lu (%lu "
              "drops)",
              atomic, taker.got, other.got, other.dropped);
    KTEST_EXPECT_EQ(t, taker.got, 8u);
    KTEST_EXPECT_EQ(t, account.from_claim, 8u);
    KTEST_EXPECT_EQ(t, taker.nonzero, 0u);
    KTEST_EXPECT_EQ(t, other.got, 0u);
    KTEST_EXPECT_GT(t, other.dropped, 0u);
    taker_stop(&other);
    taker_stop(&taker);
    KTEST_EXPECT_EQ(t, taker_free_chain(&taker), 8u);
    memhog_release(&hog);
    KTEST_EXPECT_EQ(t, frames_not_held(), before_all);
    expect_census_matches(t, "released");
}

/* Claims and targets are per CPU: CPU 0's figures say what is left; every CPU's follow. */
static void claims_beyond_the_unclaimed_stock_are_refused(struct ktest *t)
{
    static int nobody;
    struct atomic_reserve_stats before, here, all, after;
    get_stats(&before);
    uint64_t unclaimed = before.target - before.claimed;
    KTEST_ASSERT_EQ(t, taker_start(&taker, 0), 0);
    KTEST_EXPECT_EQ(t, irq_claim_pads(0, &taker, (uint32_t)unclaimed + 1), -ENOSPC);
    KTEST_EXPECT_EQ(t, irq_claim_pads(0, &nobody, 1), -ENOENT);
    KTEST_EXPECT_EQ(t, irq_claim_pads(IRQ_LINES, &taker, 1), -EINVAL);
    KTEST_EXPECT_EQ(t, irq_claim_pads(0, &taker, (uint32_t)unclaimed), 0); /* all of it */
    get_stats(&here);
    atomic_reserve_get_stats(&all);
    KTEST_EXPECT_EQ(t, here.claimed, here.target);
    KTEST_EXPECT_EQ(t, all.claimed, all.target);
    KTEST_EXPECT_EQ(t, all.level, all.target);
    KTEST_EXPECT_EQ(t, atomic_reserve_set_target(here.claimed - 1), -EBUSY);
    KTEST_EXPECT_EQ(t, irq_claim_pads(0, &taker, 0), 0); /* given back */
    get_stats(&after);
    KTEST_EXPECT_EQ(t, after.claimed, before.claimed);
    atomic_reserve_get_stats(&after);
    KTEST_EXPECT_EQ(t, after.level, after.target);
    taker_stop(&taker);
}

/* On CPU 0, where the handler runs, and on every other CPU. */
static void freeing_a_registration_releases_its_claim(struct ktest *t)
{
    uint64_t before_all = frames_not_held();
    struct atomic_reserve_stats before, during, after, all_before, all_after;
    get_stats(&before);
    atomic_reserve_get_stats(&all_before);
    taker.hand_over = true;
    KTEST_ASSERT_EQ(t, taker_start(&taker, 10000), 0);
    context_t claimer = taker_context(&taker);
    KTEST_EXPECT_EQ(t, irq_claim_pads(0, &taker, 8), 0);
    WRITE_ONCE(taker.budget, 3);
    KTEST_EXPECT_TRUE(t, taker_wait(&taker, 1000));
    get_stats(&during);
    KTEST_EXPECT_EQ(t, during.claimed, before.claimed + 8);
    KTEST_EXPECT_EQ(t, during.taken_claimed - before.taken_claimed, 3u);
    taker_stop(&taker);
    get_stats(&after);
    atomic_reserve_get_stats(&all_after);
    KTEST_EXPECT_EQ(t, after.claimed, before.claimed);
    KTEST_EXPECT_EQ(t, after.claimed_level, before.claimed_level);      /* its 5 went back */
    KTEST_EXPECT_EQ(t, after.taken_claimed - before.taken_claimed, 3u); /* counts kept */
    KTEST_EXPECT_EQ(t, all_after.claimed, all_before.claimed);          /* on every CPU */
    KTEST_EXPECT_EQ(t, all_after.claimed_level, all_before.claimed_level);
    struct page_census census;
    page_alloc_census(&census, claimer);
    KTEST_EXPECT_EQ(t, census.owned, 0u);
    KTEST_EXPECT_EQ(t, taker_free_chain(&taker), 3u);
    atomic_reserve_get_stats(&after);
    KTEST_EXPECT_EQ(t, after.level, after.target);
    KTEST_EXPECT_EQ(t, frames_not_held(), before_all);
}

/* With interrupts off, a free (or a new target) only asks for the refill: no frame is scrubbed
 * with interrupts off. The refill thread runs it once interrupts are back on. */
static void refill_is_requested_not_run_with_interrupts_off(struct ktest *t)
{
    struct atomic_reserve_stats before, taken, off, later;
    get_stats(&before);
    taker.hand_over = true;
    KTEST_ASSERT_EQ(t, taker_start(&taker, 10000), 0);
    WRITE_ONCE(taker.budget, 4);
    KTEST_EXPECT_TRUE(t, taker_wait(&taker, 1000));
    taker_stop(&taker);
    get_stats(&taken);
    /* The takes woke the refill thread, which may have topped the pads up already: every
     * frame that left came back through a counted refill. */
    KTEST_EXPECT_EQ(t, taken.level, before.level - 4 + (taken.refilled - before.refilled));
    unsigned long flags = arch_irq_save();
    uint64_t freed = taker_free_chain(&taker);
    int set = atomic_reserve_set_target(taken.target + 2);
    get_stats(&off);
    arch_irq_restore(flags);
    KTEST_EXPECT_EQ(t, freed, 4u);
    KTEST_EXPECT_EQ(t, set, 0);
    KTEST_EXPECT_EQ(t, off.level, taken.level); /* nothing scrubbed with interrupts off */
    KTEST_EXPECT_EQ(t, off.refills, taken.refills);
    for (int i = 0; i < 100 && level_here() < taken.target + 2; i++)
        thread_sleep_ms(5); /* the refill thread runs what was asked for above */
    get_stats(&later);
    KTEST_EXPECT_EQ(t, later.level, taken.target + 2);
    KTEST_EXPECT_GT(t, later.refills, off.refills);
    KTEST_EXPECT_EQ(t, atomic_reserve_set_target(taken.target), 0);
    KTEST_EXPECT_EQ(t, level_here(), taken.target);
}

/* Everything gone, the shared pads included: the handler's allocations fail and are counted
 * as drops, the timer keeps ticking; once memory is freed the pads refill by themselves and
 * the handler gets frames again. */
static void drained_reserve_drops_data_and_recovers(struct ktest *t)
{
    uint64_t before_all = frames_not_held(), hog = 0;
    memhog_take(&hog, GFP_KERNEL);
    memhog_take(&hog, GFP_ATOMIC);
    struct atomic_reserve_stats drained, refilled;
    get_stats(&drained);
    KTEST_EXPECT_EQ(t, drained.level, drained.claimed_level); /* the claims alone are left */
    KTEST_EXPECT_NULL(t, alloc_pages(GFP_ATOMIC, 3));         /* higher orders fail cleanly too */

    taker.hand_over = true;
    KTEST_ASSERT_EQ(t, taker_start(&taker, 1000), 0);
    uint64_t ticks = clock_ticks();
    WRITE_ONCE(taker.budget, 1);
    KTEST_EXPECT_FALSE(t, taker_wait(&taker, 50)); /* nothing to take */
    KTEST_EXPECT_GT(t, READ_ONCE(taker.dropped), 0u);
    KTEST_EXPECT_GT(t, clock_ticks(), ticks); /* the kernel runs on */

    /* The handler stops trying while memory comes back, so that the level read below is
     * the refill's alone (a take after it would leave the stock one short of its target,
     * above the mark that asks for the refill); a tick for a take under way to end. */
    WRITE_ONCE(taker.budget, 0);
    thread_sleep_ms(2);
    memhog_release(&hog);
    get_stats(&refilled);
    KTEST_EXPECT_EQ(t, refilled.level, refilled.target);
    KTEST_EXPECT_GT(t, refilled.refills, drained.refills);
    KTEST_EXPECT_GT(t, refilled.failures, drained.failures);
    WRITE_ONCE(taker.budget, 1);
    KTEST_EXPECT_TRUE(t, taker_wait(&taker, 1000)); /* recovered by itself */
    taker_stop(&taker);
    KTEST_EXPECT_EQ(t, taker.got, 1u);
    KTEST_EXPECT_EQ(t, taker_free_chain(&taker), 1u);
    KTEST_EXPECT_EQ(t, frames_not_held(), before_all);
}

/* atomic_reserve_set_target sets every CPU's target; CPU 0's level shows it. */
static void target_can_be_changed(struct ktest *t)
{
    struct atomic_reserve_stats stats;
    get_stats(&stats);
    uint64_t target = stats.target, before_all = frames_not_held();
    KTEST_EXPECT_EQ(t, atomic_reserve_set_target(target + 16), 0);
    KTEST_EXPECT_EQ(t, level_here(), target + 16);
    /* Lower, but not below what handlers claimed (on a small machine that is most of it). */
    uint64_t lower = MAX(target / 2, stats.claimed);
    KTEST_EXPECT_EQ(t, atomic_reserve_set_target(lower), 0);
    KTEST_EXPECT_EQ(t, level_here(), lower);
    if (stats.claimed)
        KTEST_EXPECT_EQ(t, atomic_reserve_set_target(stats.claimed - 1), -EBUSY);
    KTEST_EXPECT_EQ(t, atomic_reserve_set_target(0), -EINVAL);
    struct page_alloc_stats pool;
    page_alloc_get_stats(&pool);
    KTEST_EXPECT_EQ(t, atomic_reserve_set_target(pool.managed), -EINVAL);
    KTEST_EXPECT_EQ(t, atomic_reserve_set_target(target), 0);
    KTEST_EXPECT_EQ(t, level_here(), target);
    KTEST_EXPECT_EQ(t, frames_not_held(), before_all);
}

/* The census against the counters with memory held by GFP_KERNEL, by GFP_ATOMIC (the shared
 * pads too), and by a handler. */
static void census_matches_the_counters(struct ktest *t)
{
    uint64_t hog = 0;
    memhog_take(&hog, GFP_KERNEL);
    expect_census_matches(t, "pool at min");
    struct page_alloc_stats stats;
    page_alloc_get_stats(&stats);
    KTEST_EXPECT_EQ(t, stats.free, stats.watermark_min);
    taker.hand_over = false;
    KTEST_ASSERT_EQ(t, taker_start(&taker, 0), 0);
    WRITE_ONCE(taker.budget, 1);
    KTEST_EXPECT_TRUE(t, taker_wait(&taker, 1000));
    expect_census_matches(t, "a handler holds a frame");
    WRITE_ONCE(taker.free_kept, true);
    KTEST_EXPECT_TRUE(t, taker_wait(&taker, 1000));
    taker_stop(&taker);
    KTEST_EXPECT_EQ(t, taker.free_kept_result, 0);
    memhog_take(&hog, GFP_ATOMIC);
    expect_census_matches(t, "everything taken");
    memhog_release(&hog);
    expect_census_matches(t, "released");
}

/* A take asks for the refill when it crosses its stack's mark; the shared stock's is 7/8 of
 * its target (claims ask at every take). Takes down to the mark ask nothing; the next one
 * asks, and the refill it wakes brings the stock back to its target. */
static void shared_stock_asks_for_its_refill_at_the_mark(struct ktest *t)
{
    refill_every_reserve(0);
    struct atomic_reserve_stats before, at_mark, after;
    get_stats(&before);
    uint64_t to_mark = (before.target - before.claimed) / 8;
    if (to_mark == 0) {
        ktest_skip(t, "a shared stock under 8 frames asks at every take");
        return;
    }
    KTEST_ASSERT_EQ(t, before.level, before.target);
    taker.hand_over = true;
    KTEST_ASSERT_EQ(t, taker_start(&taker, 1000), 0);
    WRITE_ONCE(taker.budget, to_mark);
    KTEST_EXPECT_TRUE(t, taker_wait(&taker, 5000));
    thread_sleep_ms(20); /* a refill asked for would have run by now */
    get_stats(&at_mark);
    WRITE_ONCE(taker.budget, 1);
    KTEST_EXPECT_TRUE(t, taker_wait(&taker, 5000));
    thread_sleep_ms(20);
    get_stats(&after);
    taker_stop(&taker);
    ktest_log(t, "%lu takes: %lu refills asked; one more: %lu; level %lu of %lu", to_mark,
              at_mark.refills_asked - before.refills_asked,
              after.refills_asked - at_mark.refills_asked, after.level, after.target);
    KTEST_EXPECT_EQ(t, at_mark.refills_asked, before.refills_asked);
    KTEST_EXPECT_EQ(t, at_mark.level, before.level - to_mark);
    KTEST_EXPECT_EQ(t, after.refills_asked, at_mark.refills_asked + 1);
    KTEST_EXPECT_EQ(t, after.level, after.target);
    KTEST_EXPECT_EQ(t, taker_free_chain(&taker), to_mark + 1);
}

/* A thread below normal priority (the idle thread, which frees the stacks of threads that
 * ended) asks the refill thread rather than refill itself: busy threads could keep it off
 * the CPU half way, a frame in its hands. */
static void refill_in_background(void *arg)
{
    *(uint64_t *)arg = atomic_reserve_refill();
}

static void a_background_thread_asks_for_the_refill(struct ktest *t)
{
    refill_every_reserve(0);
    struct atomic_reserve_stats before, taken, after;
    get_stats(&before);
    if ((before.target - before.claimed) / 8 <= 4) {
        ktest_skip(t, "a shared stock this small asks for the refill at every take");
        return;
    }
    taker.hand_over = true;
    KTEST_ASSERT_EQ(t, taker_start(&taker, 1000), 0);
    WRITE_ONCE(taker.budget, 4); /* above the mark: nobody is asked to refill */
    KTEST_EXPECT_TRUE(t, taker_wait(&taker, 5000));
    taker_stop(&taker);
    get_stats(&taken);
    static uint64_t added;
    added = UINT64_MAX;
    struct thread *background = thread_create_on("background", refill_in_background, &added,
                                                 THREAD_PRIORITY_LOW, 0);
    KTEST_ASSERT_NOT_NULL(t, background);
    KTEST_EXPECT_EQ(t, thread_join(background, NULL), 0);
    for (int i = 0; i < 100 && level_here() < before.target; i++)
        thread_sleep_ms(5); /* the refill thread runs what was asked for */
    get_stats(&after);
    ktest_log(t, "4 taken: level %lu; the background thread added %lu; then level %lu", taken.level,
              added, after.level);
    KTEST_EXPECT_EQ(t, taken.level, before.level - 4);
    KTEST_EXPECT_EQ(t, added, 0u);
    KTEST_EXPECT_EQ(t, after.level, before.target);
    KTEST_EXPECT_GT(t, after.refills_asked, taken.refills_asked);
    KTEST_EXPECT_EQ(t, taker_free_chain(&taker), 4u);
}

static const struct ktest_case atomic_reserve_cases[] = {
        KTEST_CASE(reserve_is_full_after_boot_and_sized_by_memory),
        KTEST_CASE(keyboard_and_sensor_hold_their_claims),
        KTEST_CASE(gfp_kernel_never_touches_the_reserve),
        KTEST_CASE(handlers_take_pads_first_at_every_level),
        KTEST_CASE(claimed_pads_serve_their_claimer_alone),
        KTEST_CASE(claims_beyond_the_unclaimed_stock_are_refused),
        KTEST_CASE(freeing_a_registration_releases_its_claim),
        KTEST_CASE(refill_is_requested_not_run_with_interrupts_off),
        KTEST_CASE(shared_stock_asks_for_its_refill_at_the_mark),
        KTEST_CASE(a_background_thread_asks_for_the_refill),
        KTEST_CASE(drained_reserve_drops_data_and_recovers),
        KTEST_CASE(target_can_be_changed),
        KTEST_CASE(census_matches_the_counters),
        {},
};
KTEST_SUITE_FULL(atomic_reserve, atomic_reserve_cases, pause_sensor, resume_sensor);
