/* kernel/clock.c - the tick handler and the tick count (kept by CPU 0), the TSC's calibration
 * against a clock of known frequency (the PIT's crystal), which makes cycle counts convertible
 * to nanoseconds, and uptime, from the TSC (from the ticks only when it is not calibrated). */
#include "kernel/clock.h"

#include "arch/arch.h"
#include "kernel/irq.h"
#include "kernel/printk.h"
#include "lib/clock_math.h"
#include "lib/compiler.h"
#include "lib/errno.h"
#include "kernel/spinlock.h"

#define NS_PER_SECOND     1000000000ull
#define LONG_WAIT_SECONDS 2 /* spinlocks report waits longer than this */

/* One calibration run lasts 10 ms of the reference (11932 PIT clocks). Runs whose start or
 * end was seen late (the CPU stalled: an SMI, or an emulator's thread descheduled by its
 * host) are set aside; of three good runs the middle one is kept. */
#define CALIBRATION_PER_SECOND 100
#define CALIBRATION_RUNS       3
#define CALIBRATION_TRIES      20

/* Set once by clock_init before interrupts are on; read-only afterwards. */
static const struct tick_source *tick;
static uint64_t input_hz; /* the tick source's input clock */

/* Written only by the tick handler (interrupts off); read lock-free, each load whole. */
static uint64_t ticks;
static uint64_t tick_clocks; /* the tick source's input clocks the counted ticks add up to */

/* Set once by clock_init before interrupts are on; read-only afterwards. A conversion is
 * one multiply and a shift (lib/clock_math.h); zeroed scales convert everything to 0. */
static uint64_t tsc_at_start; /* the TSC when the clock started: uptime's zero */
static uint64_t tsc_hz;
static struct clock_scale cycles_to_ns;
static struct clock_scale ns_to_cycles;

static void clock_tick(int irq, void *dev_id)
{
    (void)irq;
    (void)dev_id;
    if (tick->start_cpu && arch_cpu_id() != 0)
        return; /* a per-CPU tick: CPU 0 keeps the time */
    /* The divisor of the period that just ended (a rate change lands on a period edge). */
    WRITE_ONCE(tick_clocks, tick_clocks + tick->divisor());
    WRITE_ONCE(ticks, ticks + 1);
}

static void swap(uint64_t *a, uint64_t *b)
{
    uint64_t keep = *a;
    *a = *b;
    *b = keep;
}

static void sort(uint64_t *values, int count) /* insertion sort: a handful of values */
{
    for (int i = 1; i < count; i++) {
        for (int j = i; j > 0 && values[j - 1] > values[j]; j--)
            swap(&values[j - 1], &values[j]);
    }
}

/* Measures CALIBRATION_RUNS runs whose uncertainty is under 0.1 %, trying at most
 * CALIBRATION_TRIES; returns the middle one in TSC cycles per second, or 0 when channel 2
 * does not count. With fewer good runs it keeps the middle of all, and says so. */
static uint64_t measure_tsc_hz(const struct clock_reference *reference)
{
    uint32_t clocks =
            (uint32_t)((reference->hz + CALIBRATION_PER_SECOND / 2) / CALIBRATION_PER_SECOND);
    uint64_t runs[CALIBRATION_TRIES];
    int good = 0, tried = 0;
    while (good < CALIBRATION_RUNS && tried < CALIBRATION_TRIES) {
        struct clock_measurement run;
        if (reference->measure(clocks, &run) != 0)
            return 0;
        runs[tried++] = run.cycles;
        if (run.uncertainty * 1000 < run.cycles) /* keep the good runs at the front */
            swap(&runs[good++], &runs[tried - 1]);
    }
    if (good < CALIBRATION_RUNS) {
        printk("clock: the TSC calibration was disturbed %d times in %d (a busy host?)\n",
               tried - good, tried);
        good = tried;
    }
    sort(runs, good);
    return runs[good / 2] * reference->hz / clocks;
}

static void calibrate_tsc(const struct clock_reference *reference)
{
    tsc_hz = measure_tsc_hz(reference);
    if (!tsc_hz) {
        printk("clock: %s does not count; TSC not calibrated\n", reference->name);
        return;
    }
    clock_scale_init(&cycles_to_ns, tsc_hz, NS_PER_SECOND);
    clock_scale_init(&ns_to_cycles, NS_PER_SECOND, tsc_hz);
    spin_set_long_wait(LONG_WAIT_SECONDS * tsc_hz);
    printk("clock: TSC runs at %llu.%03llu MHz (measured against %s)\n",
           (unsigned long long)(tsc_hz / 1000000), (unsigned long long)(tsc_hz / 1000 % 1000),
           reference->name);
}

/* The tick source's input clock: known, or measured against the TSC. Returns 0 or -EIO. */
static int find_input_clock(const struct tick_source *source)
{
    if (!source->calibrate) {
        input_hz = source->input_hz;
        return 0;
    }
    input_hz = tsc_hz ? source->calibrate(tsc_hz) : 0;
    if (!input_hz) {
        printk("clock: %s cannot be calibrated (no TSC rate, or it does not count)\n",
               source->name);
        return -EIO;
    }
    printk("clock: %s runs at %llu.%03llu MHz (measured against the TSC)\n", source->name,
           (unsigned long long)(input_hz / 1000000), (unsigned long long)(input_hz / 1000 % 1000));
    return 0;
}

int clock_init(const struct clock_reference *reference, const struct tick_source *source,
               uint32_t hz)
{
    if (!tsc_hz) { /* a second tick source (the local APIC timers) keeps the calibration */
        calibrate_tsc(reference);
        tsc_at_start = arch_cycles();
    }
    int error = find_input_clock(source);
    if (error)
        return error;
    tick = source;
    if (tick->set_rate(hz) != 0) {
        printk("clock: no tick rate of %u Hz; using %u Hz\n", hz, tick->default_hz);
        tick->set_rate(tick->default_hz);
    }
    if (tick->start_cpu)
        tick->start_cpu();
    printk("clock: tick at %u Hz (%s divisor %u)\n", tick->rate(), tick->name, tick->divisor());
    return request_irq(tick->irq, clock_tick, "timer", NULL);
}

void clock_start_cpu(void)
{
    if (tick && tick->start_cpu)
        tick->start_cpu();
}

const char *clock_tick_source_name(void)
{
    return tick ? tick->name : "none";
}

uint64_t clock_tick_input_hz(void)
{
    return input_hz;
}

uint32_t clock_tick_divisor(void)
{
    return tick ? tick->divisor() : 0;
}

uint32_t clock_tick_rate(void)
{
    return tick ? tick->rate() : 0;
}

int clock_set_tick_rate(uint32_t hz)
{
    return tick ? tick->set_rate(hz) : -EINVAL;
}

int clock_tick_line(void)
{
    return tick ? tick->irq : -1;
}

uint64_t clock_ticks(void)
{
    return READ_ONCE(ticks); /* pairs with the store in clock_tick */
}

/* From the TSC: ticks are for scheduling, and an emulator that falls behind a fast tick loses
 * them (at 100 kHz under TCG, uptime made of ticks showed 2.9 s after 45). Only without a
 * calibrated TSC does uptime count ticks. */
uint64_t clock_uptime_ns(void)
{
    if (!tick)
        return 0;
    if (tsc_hz)
        return clock_cycles_to_ns(arch_cycles() - tsc_at_start);
    uint64_t clocks = READ_ONCE(tick_clocks); /* pairs with the store in clock_tick */
    uint64_t hz = input_hz;
    /* clocks * 10^9 would overflow after five months: convert whole seconds apart. */
    return clocks / hz * NS_PER_SECOND + clocks % hz * NS_PER_SECOND / hz;
}

uint64_t clock_tsc_hz(void)
{
    return tsc_hz;
}

uint64_t clock_cycles_to_ns(uint64_t cycles)
{
    return clock_scale_apply(&cycles_to_ns, cycles);
}

uint64_t clock_ns_to_cycles(uint64_t ns)
{
    return clock_scale_apply(&ns_to_cycles, ns);
}
