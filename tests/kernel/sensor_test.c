/* tests/kernel/sensor_test.c - the timer's sensor: its handler samples every `sample_every`
 * ticks, lands the samples in EXCLUSIVE frames taken from its own landing pads, and its
 * consumer thread gets them a whole frame at a time. Lab sensor (labs/sensor.md) is graded
 * on these. Each case puts the sensor's interval back as it found it. */
#include "kernel/clock.h"
#include "kernel/irq.h"
#include "kernel/ktest.h"
#include "kernel/sched.h"
#include "lib/string.h"
#include "mm/atomic_reserve.h"
#include "services/sensor.h"

#define SAMPLES_A_FRAME 255 /* (4096 - 8) / 16 */

static uint32_t interval_before;

static void stats_now(struct sensor_stats *stats)
{
    sensor_get_stats(stats);
}

static int remember_interval(void)
{
    struct sensor_stats stats;
    stats_now(&stats);
    interval_before = stats.sample_every;
    return 0;
}

static void put_interval_back(void)
{
    sensor_set_interval(interval_before);
}

/* Sleeps until the consumer has taken and worked through `frames` more frames than in `from`
 * (it counts the samples after it took the frame), or for as long as three times that many
 * samples take at one a tick (at least a second). */
static void wait_for_frames(const struct sensor_stats *from, uint64_t frames,
                            struct sensor_stats *now)
{
    uint64_t ms = MAX(1000ull, 3000ull * frames * SAMPLES_A_FRAME / clock_tick_rate());
    for (uint64_t waited = 0; waited < ms; waited += 10) {
        stats_now(now);
        if (now->pipe.frames_taken >= from->pipe.frames_taken + frames &&
            now->samples >= from->samples + frames * SAMPLES_A_FRAME)
            return;
        thread_sleep_ms(10);
    }
    stats_now(now);
}

/* A sample every tick: within a few frames' time the consumer has taken a frame, and worked
 * out a whole frame of samples, none dropped. */
static void samples_reach_the_consumer_a_frame_at_a_time(struct ktest *t)
{
    struct sensor_stats before, after;
    stats_now(&before);
    KTEST_ASSERT_EQ(t, sensor_set_interval(1), 0);
    wait_for_frames(&before, 1, &after);
    put_interval_back();
    ktest_log(t, "%lu samples, %lu frames taken, %lu dropped", after.samples - before.samples,
              after.pipe.frames_taken - before.pipe.frames_taken,
              after.pipe.drops - before.pipe.drops);
    KTEST_EXPECT_GT(t, after.pipe.frames_taken, before.pipe.frames_taken);
    KTEST_EXPECT_GE(t, after.samples - before.samples, (uint64_t)SAMPLES_A_FRAME);
    KTEST_EXPECT_EQ(t, after.pipe.drops, before.pipe.drops);
    KTEST_EXPECT_EQ(t, after.pipe.refused_hand_overs, before.pipe.refused_hand_overs);
}

/* The sensor's figures, read between two reads of the tick count: the host may hold this
 * thread up between any two reads, and the figures belong somewhere in [first, last]. */
struct stats_at {
    struct sensor_stats stats;
    uint64_t first, last; /* ticks */
};

static void stats_at_tick(struct stats_at *at)
{
    at->first = clock_ticks();
    stats_now(&at->stats);
    at->last = clock_ticks();
}

/* A sample every 4 ticks: over about 200 ticks, a quarter as many records as ticks passed
 * between the two reads of the figures (give or take two records at the window's ends). */
static void a_sample_every_n_ticks(struct ktest *t)
{
    struct stats_at before, after;
    KTEST_ASSERT_EQ(t, sensor_set_interval(4), 0);
    thread_sleep_ms(20); /* the countdown from the interval before runs out */
    stats_at_tick(&before);
    thread_sleep_ms(200000 / clock_tick_rate() + 1);
    stats_at_tick(&after);
    put_interval_back();
    uint64_t records = after.stats.pipe.records - before.stats.pipe.records;
    uint64_t fewest = after.first - before.last, most = after.last - before.first;
    ktest_log(t, "%lu records in %lu to %lu ticks", records, fewest, most);
    KTEST_EXPECT_EQ(t, after.stats.sample_every, 4u);
    KTEST_EXPECT_GE(t, records * 4 + 8, fewest);
    KTEST_EXPECT_LE(t, records * 4, most + 8);
    KTEST_EXPECT_GT(t, records, 0u);
}

static context_t sensor_context(void)
{
    struct irq_handler_info handlers[IRQ_HANDLERS_MAX];
    int count = irq_handlers_of(clock_tick_line(), handlers, IRQ_HANDLERS_MAX);
    for (int i = 0; i < count && i < IRQ_HANDLERS_MAX; i++) {
        if (strcmp(handlers[i].name, "sensor") == 0)
            return handlers[i].context;
    }
    return CONTEXT_NONE;
}

/* The handler's frames come from the pads it claimed at boot: two frames handed over means at
 * least one taken since `before`, and its account shows it taken from the claim. */
static void its_frames_come_from_its_own_pads(struct ktest *t)
{
    struct atomic_reserve_account before, after;
    KTEST_ASSERT_EQ(t, atomic_reserve_get_account(sensor_context(), &before), 0);
    if (before.claimed == 0) {
        ktest_skip(t, "the sensor holds no claim (too little memory)");
        return;
    }
    struct sensor_stats from, now;
    stats_now(&from);
    KTEST_ASSERT_EQ(t, sensor_set_interval(1), 0);
    wait_for_frames(&from, 2, &now);
    put_interval_back();
    KTEST_ASSERT_EQ(t, atomic_reserve_get_account(sensor_context(), &after), 0);
    ktest_log(t, "frames: %lu from its claim, %lu from the shared pads, %lu from the pool",
              after.from_claim - before.from_claim, after.from_shared - before.from_shared,
              after.from_pool - before.from_pool);
    KTEST_EXPECT_GE(t, now.pipe.frames_taken, from.pipe.frames_taken + 2);
    KTEST_EXPECT_GT(t, after.from_claim, before.from_claim);
    KTEST_EXPECT_EQ(t, after.failed, before.failed);
}

static const struct ktest_case sensor_cases[] = {
        KTEST_CASE(samples_reach_the_consumer_a_frame_at_a_time),
        KTEST_CASE(a_sample_every_n_ticks),
        KTEST_CASE(its_frames_come_from_its_own_pads),
        {},
};
KTEST_SUITE_FULL(sensor, sensor_cases, remember_interval, put_interval_back);
