/* tests/host/clock_math_test.c - lib/clock_math.c against exact 128-bit division: at rates
 * from 1 Hz to 2^64 - 1 (the TSC of a slow emulator, of a fast CPU, and everything between),
 * every conversion is the exact quotient rounded down or at most 2 less, and saturates
 * instead of wrapping. */
#include <stdint.h>

#include "kernel/ktest.h"
#include "lib/clock_math.h"

#define NS_PER_SECOND 1000000000ull

static uint64_t random_next(uint64_t *state) /* xorshift64*: reproducible from its seed */
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545f4914f6cdd1dull;
}

/* A value of `bits` significant bits at most, so small and large magnitudes both come up. */
static uint64_t random_magnitude(uint64_t *state)
{
    unsigned int bits = 1 + (unsigned int)(random_next(state) % 64);
    return random_next(state) >> (64 - bits);
}

/* Checks one conversion against the exact quotient; logs the inputs on failure. */
static void expect_exact_or_just_below(struct ktest *t, uint64_t count, uint64_t from_hz,
                                       uint64_t to_hz)
{
    struct clock_scale scale;
    clock_scale_init(&scale, from_hz, to_hz);
    unsigned __int128 exact = (unsigned __int128)count * to_hz / from_hz;
    uint64_t got = clock_scale_apply(&scale, count);
    bool ok;
    if (exact > UINT64_MAX) {
        ok = KTEST_EXPECT_EQ(t, got, UINT64_MAX);
    } else {
        uint64_t slack = exact < (1ull << 63) ? 1 : 2;
        ok = KTEST_EXPECT_LE(t, got, (uint64_t)exact) &&
             KTEST_EXPECT_LE(t, (uint64_t)exact - got, slack);
    }
    if (!ok)
        ktest_log(t, "count %llu from %llu Hz to %llu Hz", (unsigned long long)count,
                  (unsigned long long)from_hz, (unsigned long long)to_hz);
}

static void cycles_and_nanoseconds_at_tsc_rates(struct ktest *t)
{
    static const uint64_t rates[] = {1000000,    1193182,    4000000,    999999937,
                                     1000000000, 2596285000, 4294967297, 10000000000};
    static const uint64_t counts[] = {0,          1,         999, 1000000000, 3600 * NS_PER_SECOND,
                                      1ull << 62, UINT64_MAX};
    for (unsigned int r = 0; r < ARRAY_SIZE(rates); r++) {
        for (unsigned int c = 0; c < ARRAY_SIZE(counts); c++) {
            expect_exact_or_just_below(t, counts[c], rates[r], NS_PER_SECOND);
            expect_exact_or_just_below(t, counts[c], NS_PER_SECOND, rates[r]);
        }
    }
}

/* 200 000 random rate pairs and counts, of every magnitude; stops at the first failure. */
static void random_rates_and_counts(struct ktest *t)
{
    uint64_t state = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < 200000 && !t->failed; i++) {
        uint64_t from_hz = random_magnitude(&state), to_hz = random_magnitude(&state);
        if (!from_hz || !to_hz)
            continue;
        expect_exact_or_just_below(t, random_magnitude(&state), from_hz, to_hz);
    }
}

/* An hour of nanoseconds to cycles and back loses at most one cycle's worth, plus 2 ns. */
static void round_trip_of_an_hour(struct ktest *t)
{
    uint64_t hour = 3600 * NS_PER_SECOND;
    for (uint64_t hz = 1000000; hz <= 10000000000ull; hz += hz / 7 + 1) {
        struct clock_scale to_ns, to_cycles;
        clock_scale_init(&to_ns, hz, NS_PER_SECOND);
        clock_scale_init(&to_cycles, NS_PER_SECOND, hz);
        uint64_t back = clock_scale_apply(&to_ns, clock_scale_apply(&to_cycles, hour));
        KTEST_EXPECT_LE(t, back, hour);
        KTEST_EXPECT_GE(t, back + NS_PER_SECOND / hz + 2, hour);
    }
}

/* The multiplier keeps 64 significant bits at the extremes of the ratio. */
static void multiplier_is_normalised(struct ktest *t)
{
    struct clock_scale scale;
    clock_scale_init(&scale, UINT64_MAX, 1);
    KTEST_EXPECT_GE(t, scale.mult, 1ull << 63);
    KTEST_EXPECT_LE(t, scale.shift, 127u);
    clock_scale_init(&scale, 1, UINT64_MAX);
    KTEST_EXPECT_EQ(t, scale.mult, UINT64_MAX);
    KTEST_EXPECT_EQ(t, scale.shift, 0u);
    clock_scale_init(&scale, 3, 3);
    KTEST_EXPECT_EQ(t, scale.mult, 1ull << 63);
    KTEST_EXPECT_EQ(t, scale.shift, 63u);
}

/* A zero rate (a clock not calibrated) converts everything to 0, as a zeroed scale does. */
static void zero_rate_converts_to_zero(struct ktest *t)
{
    struct clock_scale scale, zeroed = {0};
    clock_scale_init(&scale, 0, NS_PER_SECOND);
    KTEST_EXPECT_EQ(t, clock_scale_apply(&scale, 12345), 0u);
    clock_scale_init(&scale, NS_PER_SECOND, 0);
    KTEST_EXPECT_EQ(t, clock_scale_apply(&scale, UINT64_MAX), 0u);
    KTEST_EXPECT_EQ(t, clock_scale_apply(&zeroed, UINT64_MAX), 0u);
}

static const struct ktest_case clock_math_cases[] = {
        KTEST_CASE(cycles_and_nanoseconds_at_tsc_rates),
        KTEST_CASE(random_rates_and_counts),
        KTEST_CASE(round_trip_of_an_hour),
        KTEST_CASE(multiplier_is_normalised),
        KTEST_CASE(zero_rate_converts_to_zero),
        {},
};
KTEST_SUITE(clock_math, clock_math_cases);
