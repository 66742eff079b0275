/* tests/kernel/clock_test.c - the tick (the local APIC timer, or the PIT without APICs)
 * measured against the TSC: the rate the tick was given is the rate the ticks arrive at
 * (within 5 % at 100 and 1000 Hz); at 10 kHz the ticks lost, if any, are reported. Also: bad
 * rates, uptime from the TSC, and cycle conversions at this machine's TSC rate and at
 * simulated ones from 1 MHz to 10 GHz.
 *
 * Under QEMU's TCG the timers follow the host's clock and the TSC is the host's TSC, but the
 * virtual CPU and QEMU's timers are host threads. On a busy host a tick comes late and the
 * ticks owed follow in a burst (or merge in the controller and are lost): a window in which
 * that happened measures the host, not the kernel. So each window starts at the first tick
 * after the rate was set (where a new rate lands: no tick is owed from before) and is kept
 * only if every gap between ticks was within a tenth of the window's mean gap, and the TSC
 * agreed within 1 % with PIT channel 2, run as a stopwatch over the window. A window is short
 * (the stopwatch's range), and a host that delayed its first tick by 3 ms and let the rest
 * catch up keeps every gap steady yet measures 7 % fast at 100 Hz: the rate is the median of
 * five windows kept (or three, if 40 windows gave no more), which a wrong timer fails in
 * every one. If fewer are kept, the host is too busy to measure against: QEMU
 * delivers the PIT from a timer thread of its own, which a loaded host can delay while the
 * virtual CPU runs on, so irregular ticks alone do not prove a kernel bug. Then the case
 * checks only what no host load explains - over all windows together, the ticks counted are
 * within half and twice the rate asked for (a wrong divisor, a lost EOI, a handler that does
 * not count would all fail) - and is skipped with the figures as a diagnostic. tests/runner.py
 * runs this boot alone, before the parallel jobs, so that is rare. */
#include "arch/arch.h"
#include "drivers/pit.h"
#include "kernel/clock.h"
#include "kernel/sched.h"
#include "kernel/thread.h"
#include "lib/errno.h"
#include "kernel/ktest.h"
#include "lib/clock_math.h"
#include "lib/format.h"

#define WINDOW_MS        10 /* one window: short, so a busy host leaves some untouched... */
#define WINDOW_TICKS_MIN 4  /* ...or this many ticks, if longer (at most 55 ms: the stopwatch) */
#define WINDOWS_KEPT     5  /* undisturbed windows the rate is the median of... */
#define WINDOWS_ENOUGH   3  /* ...or at least this many, when 40 windows gave no more */
#define WINDOWS_MAX      40 /* windows tried before giving up on finding them */
#define LOST_TICK_MS     50 /* the 10 kHz count: as long as the stopwatch allows */

static uint64_t pit_clocks_to_ns(uint64_t clocks)
{
    return clocks * 1000000000ull / PIT_INPUT_HZ;
}

struct tick_window {
    uint64_t ticks;     /* counted since the window's first tick */
    uint64_t cycles;    /* from the first tick to the last, by the TSC */
    int32_t pit_clocks; /* the same by PIT channel 2 (-1: it ran out) */
    uint64_t shortest;  /* gaps between consecutive ticks, in cycles (0: two at once) */
    uint64_t longest;
    uint64_t stall; /* longest time between two turns of the watching loop: the CPU
                     * itself stood still (an emulator's thread descheduled) */
};

/* Waits, with interrupts on, until the tick count reaches target. Returns false when `cycles`
 * passed first. */
static bool wait_for_tick(uint64_t target, uint64_t cycles)
{
    uint64_t start = arch_cycles();
    while (clock_ticks() < target) {
        if (arch_cycles() - start > cycles)
            return false;
        arch_cpu_relax();
    }
    return true;
}

/* Sets the tick to hz and waits for the first tick after (where the new rate lands: the
 * next period is the new one), then starts the stopwatch; returns the TSC and the tick count
 * at that moment, or 0 when no tick came within a second. */
static uint64_t start_window(uint32_t hz, uint64_t *ticks)
{
    clock_set_tick_rate(hz);
    uint64_t before = clock_ticks();
    if (!wait_for_tick(before + 1, clock_tsc_hz()))
        return 0;
    unsigned long flags = arch_irq_save();
    pit_stopwatch_start();
    uint64_t start = arch_cycles();
    *ticks = clock_ticks();
    arch_irq_restore(flags);
    return start;
}

/* Watches the `count` ticks after the window's first at hz, noting the gaps between them.
 * Returns false when a tick does not come within a second. */
static bool watch_ticks(uint32_t hz, uint64_t count, struct tick_window *window)
{
    uint64_t second = clock_tsc_hz(), first;
    uint64_t start = start_window(hz, &first), previous = start, seen = first, last_turn = start;
    *window = (struct tick_window){.shortest = UINT64_MAX};
    if (!start)
        return false;
    while (seen - first < count) {
        uint64_t now = arch_cycles(), ticks = clock_ticks();
        if (now - previous > second)
            return false;
        window->stall = MAX(window->stall, now - last_turn);
        last_turn = now;
        if (ticks == seen)
            continue;
        window->pit_clocks = pit_stopwatch_read();
        uint64_t gap = ticks - seen > 1 ? 0 : now - previous;
        window->shortest = MIN(window->shortest, gap);
        window->longest = MAX(window->longest, now - previous);
        previous = now;
        seen = ticks;
    }
    window->ticks = seen - first;
    window->cycles = previous - start;
    return true;
}

/* True when the TSC and PIT channel 2 measured the window alike, within 1 %. */
static bool tsc_agrees_with_pit(const struct tick_window *window)
{
    if (window->pit_clocks < 0)
        return false;
    uint64_t by_tsc = clock_cycles_to_ns(window->cycles);
    uint64_t by_pit = pit_clocks_to_ns((uint64_t)window->pit_clocks);
    uint64_t difference = by_tsc > by_pit ? by_tsc - by_pit : by_pit - by_tsc;
    return difference * 100 <= by_pit;
}

/* Steady ticks: every gap within a tenth of the mean gap of the others, whatever the mean
 * (so a timer at the wrong rate, steady, is measured and fails the 5 % check; a host that
 * delayed some ticks is not), and the TSC a trustworthy ruler meanwhile. */
static bool undisturbed(const struct tick_window *window)
{
    if (!window->ticks)
        return false;
    uint64_t mean = window->cycles / window->ticks;
    if (window->shortest < mean - mean / 10 || window->longest > mean + mean / 10)
        return false;
    return tsc_agrees_with_pit(window);
}

struct rate_result {
    int kept;                        /* undisturbed windows found */
    int tries;                       /* windows watched */
    uint64_t milli_hz[WINDOWS_KEPT]; /* the rate each kept window measured, in mHz */
    uint64_t all_ticks;              /* over every window watched */
    uint64_t all_cycles;
};

static uint64_t window_milli_hz(const struct tick_window *window)
{
    return window->cycles ? window->ticks * clock_tsc_hz() * 1000 / window->cycles : 0;
}

/* Watches windows until WINDOWS_KEPT are undisturbed, at most WINDOWS_MAX; *window is the
 * last one kept (or the last watched, when none was). */
static struct rate_result measure_tick_rate(struct ktest *t, uint32_t hz,
                                            struct tick_window *window)
{
    uint64_t count = MAX((uint64_t)hz * WINDOW_MS / 1000, (uint64_t)WINDOW_TICKS_MIN);
    struct rate_result result = {0};
    struct tick_window watched;
    while (result.kept < WINDOWS_KEPT && result.tries < WINDOWS_MAX) {
        result.tries++;
        if (!KTEST_EXPECT_TRUE(t, watch_ticks(hz, count, &watched)))
            return result;
        result.all_ticks += watched.ticks;
        result.all_cycles += watched.cycles;
        if (undisturbed(&watched) || !result.kept)
            *window = watched;
        if (undisturbed(&watched))
            result.milli_hz[result.kept++] = window_milli_hz(&watched);
    }
    return result;
}

static uint64_t median(uint64_t *values, int count)
{
    for (int i = 1; i < count; i++) /* insertion sort: five values */
        for (int j = i; j > 0 && values[j - 1] > values[j]; j--) {
            uint64_t swap = values[j];
            values[j] = values[j - 1];
            values[j - 1] = swap;
        }
    return values[count / 2];
}

static void log_window(struct ktest *t, uint32_t hz, const struct tick_window *window)
{
    ktest_log(t,
              "%u Hz: %llu ticks in %llu us by the TSC (%lld us by PIT channel 2): "
              "gaps %llu..%llu us, stall %llu us",
              hz, (unsigned long long)window->ticks,
              (unsigned long long)(clock_cycles_to_ns(window->cycles) / 1000),
              window->pit_clocks < 0 ? -1ll
                                     : (long long)(pit_clocks_to_ns(window->pit_clocks) / 1000),
              (unsigned long long)(clock_cycles_to_ns(window->shortest) / 1000),
              (unsigned long long)(clock_cycles_to_ns(window->longest) / 1000),
              (unsigned long long)(clock_cycles_to_ns(window->stall) / 1000));
}

static void log_rates(struct ktest *t, uint32_t hz, const struct rate_result *result)
{
    char rates[WINDOWS_KEPT * 16] = "";
    int used = 0;
    for (int i = 0; i < result->kept; i++)
        used += ksnprintf(rates + used, sizeof(rates) - (unsigned int)used, " %llu.%03llu",
                          (unsigned long long)(result->milli_hz[i] / 1000),
                          (unsigned long long)(result->milli_hz[i] % 1000));
    ktest_log(t, "%u Hz: %d of %d windows kept%s%s%s", hz, result->kept, result->tries,
              result->kept ? ", at" : "", rates, result->kept ? " Hz" : "");
}

static void check_rate_within_5_percent(struct ktest *t, uint32_t hz)
{
    if (!clock_tsc_hz()) {
        ktest_skip(t, "TSC not calibrated");
        return;
    }
    uint32_t saved = clock_tick_rate();
    struct tick_window window = {0};
    struct rate_result result = measure_tick_rate(t, hz, &window);
    clock_set_tick_rate(saved);
    log_window(t, hz, &window);
    log_rates(t, hz, &result);
    if (result.kept < WINDOWS_ENOUGH) {
        uint64_t overall = result.all_cycles
                                   ? result.all_ticks * clock_tsc_hz() * 1000 / result.all_cycles
                                   : 0;
        ktest_log(t, "too few undisturbed windows; over all %d: %llu.%03llu Hz", result.tries,
                  (unsigned long long)(overall / 1000), (unsigned long long)(overall % 1000));
        /* Only the upper bound: a starved host loses ticks without limit (QEMU's timer
         * fires late and coalesces), but nothing makes them come twice as fast. A timer
         * programmed at half the rate is caught anyway: its gaps are steady, so its windows
         * count as undisturbed and the 5 % check below fails. */
        KTEST_EXPECT_LE(t, overall, (uint64_t)hz * 1000 * 2);
        ktest_skip(t, "the host delayed the ticks in most windows: too busy to measure 5 %");
        return;
    }
    uint64_t milli_hz = median(result.milli_hz, result.kept);
    KTEST_EXPECT_GE(t, milli_hz * 100, (uint64_t)hz * 1000 * 95);
    KTEST_EXPECT_LE(t, milli_hz * 100, (uint64_t)hz * 1000 * 105);
}

static void tick_rate_is_within_5_percent_at_100_hz(struct ktest *t)
{
    check_rate_within_5_percent(t, 100);
}

static void tick_rate_is_within_5_percent_at_1000_hz(struct ktest *t)
{
    check_rate_within_5_percent(t, 1000);
}

/* At 10 kHz an emulator may fall behind: count the ticks over 50 ms from the first tick at
 * the new rate, and report those lost, by the TSC and (when the host did not stall the CPU
 * past its 55 ms range) by PIT channel 2. Assert only what no host can cause: ticks counted
 * at all, and no more than the time allows (one request may still be pending in the
 * controller). */
static void ticks_lost_at_10000_hz_are_reported(struct ktest *t)
{
    uint64_t second = clock_tsc_hz(), ticks_before;
    if (!second) {
        ktest_skip(t, "TSC not calibrated");
        return;
    }
    uint32_t saved = clock_tick_rate();
    uint64_t start = start_window(10000, &ticks_before);
    KTEST_ASSERT_NE(t, start, 0u);
    while (arch_cycles() - start < clock_ns_to_cycles(LOST_TICK_MS * 1000000ull))
        arch_cpu_relax();
    unsigned long flags = arch_irq_save();
    uint64_t elapsed = arch_cycles() - start, counted = clock_ticks() - ticks_before;
    int32_t clocks = pit_stopwatch_read();
    uint64_t tick_clocks = clock_tick_divisor(), input_hz = clock_tick_input_hz();
    arch_irq_restore(flags);
    clock_set_tick_rate(saved);
    uint64_t by_tsc = elapsed * 10000 / second;
    if (clocks >= 0) {
        /* The tick's period in PIT clocks: its divisor of its own input clock, converted. */
        uint64_t by_pit = (uint64_t)clocks * input_hz / (tick_clocks * PIT_INPUT_HZ);
        ktest_log(t,
                  "10000 Hz: %llu ticks in %llu us; expected %llu by the TSC, %llu by PIT "
                  "channel 2: %lld lost",
                  (unsigned long long)counted,
                  (unsigned long long)(clock_cycles_to_ns(elapsed) / 1000),
                  (unsigned long long)by_tsc, (unsigned long long)by_pit,
                  (long long)by_pit - (long long)counted);
        KTEST_EXPECT_LE(t, counted, by_pit + 1);
    } else {
        ktest_log(t,
                  "10000 Hz: %llu ticks in %llu us; expected %llu by the TSC: %lld lost (the "
                  "host stalled the CPU past PIT channel 2's 55 ms range)",
                  (unsigned long long)counted,
                  (unsigned long long)(clock_cycles_to_ns(elapsed) / 1000),
                  (unsigned long long)by_tsc, (long long)by_tsc - (long long)counted);
    }
    KTEST_EXPECT_GT(t, counted, 0u);
    /* The TSC's rate was measured against the PIT: allow 1 % for that (Bochs's two clocks
     * drift apart by as much), and a tick at each end of the window. */
    KTEST_EXPECT_LE(t, counted, by_tsc + by_tsc / 100 + 2);
}

/* The tick's rates, and the PIT's own (it is the tick only without APICs; its rate is set
 * here and put back). */
static void bad_rates_are_refused(struct ktest *t)
{
    uint32_t saved = clock_tick_rate();
    KTEST_EXPECT_EQ(t, clock_set_tick_rate(PIT_MIN_HZ - 1), -EINVAL);
    KTEST_EXPECT_EQ(t, clock_set_tick_rate(PIT_MAX_HZ + 1), -EINVAL);
    KTEST_EXPECT_EQ(t, clock_set_tick_rate(0), -EINVAL);
    KTEST_EXPECT_EQ(t, clock_tick_rate(), saved);
    uint32_t pit_saved = pit_frequency();
    KTEST_EXPECT_EQ(t, pit_set_frequency(PIT_MIN_HZ - 1), -EINVAL);
    KTEST_EXPECT_EQ(t, pit_set_frequency(PIT_MAX_HZ + 1), -EINVAL);
    KTEST_EXPECT_EQ(t, pit_set_frequency(PIT_MIN_HZ), 0);
    KTEST_EXPECT_EQ(t, pit_divisor(), 62799u); /* 1193182 / 19, rounded */
    KTEST_EXPECT_EQ(t, pit_set_frequency(pit_saved ? pit_saved : PIT_MIN_HZ), 0);
    if (pit_saved)
        KTEST_EXPECT_EQ(t, pit_divisor(), (PIT_INPUT_HZ + pit_saved / 2) / pit_saved);
}

/* Uptime comes from the TSC, not from the ticks: with interrupts off for 20 ms no tick is
 * counted, and uptime still moves on by the 20 ms the TSC measured. (At a high tick rate an
 * emulator loses most ticks; an uptime made of ticks fell far behind the wall clock.) */
/* Each uptime read sits between two TSC reads, so the uptime that passed is bounded by the
 * TSC's inner and outer spans, however long the host stopped the emulator between two reads
 * (a fixed margin of 1 ms once failed that way, under load: the TSC read 1.02 ms after the
 * uptime beside it). */
static void uptime_follows_the_tsc_not_the_ticks(struct ktest *t)
{
    if (!clock_tsc_hz()) {
        ktest_skip(t, "TSC not calibrated: uptime counts ticks");
        return;
    }
    unsigned long flags = arch_irq_save();
    uint64_t ticks_before = clock_ticks();
    uint64_t outer_start = arch_cycles(), uptime_before = clock_uptime_ns();
    uint64_t inner_start = arch_cycles();
    while (arch_cycles() - inner_start < clock_ns_to_cycles(20000000))
        arch_cpu_relax();
    uint64_t inner_end = arch_cycles(), uptime_after = clock_uptime_ns();
    uint64_t outer_end = arch_cycles();
    uint64_t ticks_after = clock_ticks();
    arch_irq_restore(flags);
    uint64_t uptime = uptime_after - uptime_before;
    uint64_t at_least = clock_cycles_to_ns(inner_end - inner_start);
    uint64_t at_most = clock_cycles_to_ns(outer_end - outer_start);
    ktest_log(t, "interrupts off: %llu ticks, uptime +%llu us, the TSC +%llu..%llu us",
              (unsigned long long)(ticks_after - ticks_before), (unsigned long long)(uptime / 1000),
              (unsigned long long)(at_least / 1000), (unsigned long long)(at_most / 1000));
    KTEST_EXPECT_EQ(t, ticks_after, ticks_before);
    KTEST_EXPECT_GE(t, uptime + 2, at_least); /* 2 ns: each conversion rounds down */
    KTEST_EXPECT_LE(t, uptime, at_most + 2);
}

/* The bound lib/clock_math.h documents: the exact value rounded down, or at most 2 less. */
static bool near_below(struct ktest *t, uint64_t got, uint64_t exact)
{
    return KTEST_EXPECT_LE(t, got, exact) && KTEST_EXPECT_LE(t, exact - got, 2u);
}

/* Conversions at hz whose exact results need no division: a second, an hour, the round trip
 * of an hour (which may lose up to one cycle's worth of nanoseconds, plus 2), saturation. */
static void conversions_hold_at(struct ktest *t, uint64_t hz)
{
    struct clock_scale to_ns, to_cycles;
    clock_scale_init(&to_ns, hz, 1000000000);
    clock_scale_init(&to_cycles, 1000000000, hz);
    uint64_t hour = 3600ull * 1000000000ull;
    bool ok = near_below(t, clock_scale_apply(&to_ns, hz), 1000000000);
    ok = near_below(t, clock_scale_apply(&to_ns, 3600 * hz), hour) && ok;
    ok = near_below(t, clock_scale_apply(&to_cycles, 1000000000), hz) && ok;
    ok = near_below(t, clock_scale_apply(&to_cycles, hour), 3600 * hz) && ok;
    uint64_t back = clock_scale_apply(&to_ns, clock_scale_apply(&to_cycles, hour));
    ok = KTEST_EXPECT_LE(t, back, hour) && ok;
    ok = KTEST_EXPECT_GE(t, back + 1000000000 / hz + 2, hour) && ok;
    const struct clock_scale *slower = hz < 1000000000 ? &to_ns : &to_cycles;
    ok = KTEST_EXPECT_EQ(t, clock_scale_apply(slower, UINT64_MAX), UINT64_MAX) && ok;
    ok = KTEST_EXPECT_EQ(t, clock_scale_apply(&to_ns, 0), 0u) && ok;
    if (!ok)
        ktest_log(t, "the failures above are at %llu Hz", (unsigned long long)hz);
}

/* At this machine's TSC rate (through clock.h) and at rates it could have: from 1 MHz (an
 * emulator such as Bochs runs its TSC at a few MHz) to 10 GHz, odd ones among them. */
static void cycle_conversions_agree(struct ktest *t)
{
    static const uint64_t rates[] = {1000000,    1193182,    4000000,    14318180,   999999937,
                                     1000000000, 2596285000, 3999999999, 4294967297, 10000000000};
    for (unsigned int i = 0; i < ARRAY_SIZE(rates); i++)
        conversions_hold_at(t, rates[i]);
    uint64_t hz = clock_tsc_hz();
    if (!hz) {
        ktest_skip(t, "TSC not calibrated: only simulated rates checked");
        return;
    }
    ktest_log(t, "this machine's TSC: %llu Hz", (unsigned long long)hz);
    conversions_hold_at(t, hz);
    uint64_t samples[] = {0, 1, hz - 1, hz, 3600 * hz + 12345, UINT64_MAX};
    struct clock_scale to_ns, to_cycles;
    clock_scale_init(&to_ns, hz, 1000000000);
    clock_scale_init(&to_cycles, 1000000000, hz);
    for (unsigned int i = 0; i < ARRAY_SIZE(samples); i++) {
        KTEST_EXPECT_EQ(t, clock_cycles_to_ns(samples[i]), clock_scale_apply(&to_ns, samples[i]));
        KTEST_EXPECT_EQ(t, clock_ns_to_cycles(samples[i]),
                        clock_scale_apply(&to_cycles, samples[i]));
    }
}

static const struct ktest_case clock_cases[] = {
        KTEST_CASE(tick_rate_is_within_5_percent_at_100_hz),
        KTEST_CASE(tick_rate_is_within_5_percent_at_1000_hz),
        KTEST_CASE(ticks_lost_at_10000_hz_are_reported),
        KTEST_CASE(bad_rates_are_refused),
        KTEST_CASE(uptime_follows_the_tsc_not_the_ticks),
        KTEST_CASE(cycle_conversions_agree),
        {},
};
/* On CPU 0, which keeps the time: the CPU that watches the ticks and the one that counts them
 * are then the same, and an emulator that stalls one stalls the other. */
static int run_on_cpu_0(void)
{
    return sched_pin(thread_current(), 0);
}

static void run_anywhere(void)
{
    sched_pin(thread_current(), -1);
}

KTEST_SUITE_FULL(clock, clock_cases, run_on_cpu_0, run_anywhere);
