/* kernel/clock.c - the tick handler on IRQ 0 and what is derived from it (tick count,
 * uptime), and the TSC's calibration against the PIT's known crystal, which makes cycle
 * counts convertible to nanoseconds. */
#include "kernel/clock.h"

#include "arch/arch.h"
#include "drivers/pit.h"
#include "kernel/compiler.h"
#include "kernel/errno.h"
#include "kernel/irq.h"
#include "kernel/printk.h"
#include "kernel/shell.h"
#include "lib/clock_math.h"

#define NS_PER_SECOND 1000000000ull

/* One calibration run: 11932 PIT clocks are 10.0 ms. Runs whose start or end was seen late
 * (the CPU stalled: an SMI, or an emulator's thread descheduled by its host) are set aside;
 * of three good runs the middle one is kept. */
#define CALIBRATION_CLOCKS 11932
#define CALIBRATION_RUNS   3
#define CALIBRATION_TRIES  20

/* Written only by the tick handler (interrupts off); read lock-free, each load whole. */
static uint64_t ticks;
static uint64_t pit_clocks; /* PIT input clocks the counted ticks add up to */

/* Set once by clock_init before interrupts are on; read-only afterwards. A conversion is
 * one multiply and a shift (lib/clock_math.h); zeroed scales convert everything to 0. */
static uint64_t tsc_hz;
static struct clock_scale cycles_to_ns;
static struct clock_scale ns_to_cycles;

static void clock_tick(int irq, void *dev_id)
{
    (void)irq;
    (void)dev_id;
    /* The divisor of the period that just ended (a rate change lands on a period edge). */
    WRITE_ONCE(pit_clocks, pit_clocks + pit_divisor());
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
static uint64_t measure_tsc_hz(void)
{
    uint64_t runs[CALIBRATION_TRIES];
    int good = 0, tried = 0;
    while (good < CALIBRATION_RUNS && tried < CALIBRATION_TRIES) {
        struct pit_measurement run;
        if (pit_measure_cycles(CALIBRATION_CLOCKS, &run) != 0)
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
    return runs[good / 2] * PIT_INPUT_HZ / CALIBRATION_CLOCKS;
}

static void calibrate_tsc(void)
{
    tsc_hz = measure_tsc_hz();
    if (!tsc_hz) {
        printk("clock: PIT channel 2 does not count; TSC not calibrated\n");
        return;
    }
    clock_scale_init(&cycles_to_ns, tsc_hz, NS_PER_SECOND);
    clock_scale_init(&ns_to_cycles, NS_PER_SECOND, tsc_hz);
    printk("clock: TSC runs at %llu.%03llu MHz (measured against PIT channel 2)\n",
           (unsigned long long)(tsc_hz / 1000000), (unsigned long long)(tsc_hz / 1000 % 1000));
}

int clock_init(uint32_t hz)
{
    calibrate_tsc();
    if (pit_set_frequency(hz) != 0) {
        printk("clock: no tick rate of %u Hz; using %u Hz\n", hz, PIT_DEFAULT_HZ);
        pit_set_frequency(PIT_DEFAULT_HZ);
    }
    printk("clock: tick at %u Hz (PIT divisor %u)\n", pit_frequency(), pit_divisor());
    return request_irq(0, clock_tick, "timer", NULL);
}

uint64_t clock_ticks(void)
{
    return READ_ONCE(ticks); /* pairs with the store in clock_tick */
}

uint64_t clock_uptime_ns(void)
{
    uint64_t clocks = READ_ONCE(pit_clocks); /* pairs with the store in clock_tick */
    /* clocks * 10^9 would overflow after five months: convert whole seconds apart. */
    return clocks / PIT_INPUT_HZ * NS_PER_SECOND +
           clocks % PIT_INPUT_HZ * NS_PER_SECOND / PIT_INPUT_HZ;
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

static int uptime_command(int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return -EINVAL;
    uint64_t ms = clock_uptime_ns() / 1000000;
    printk("up %llu.%03llu s: %llu ticks, now at %u Hz; TSC %llu MHz\n",
           (unsigned long long)(ms / 1000), (unsigned long long)(ms % 1000),
           (unsigned long long)clock_ticks(), pit_frequency(),
           (unsigned long long)(tsc_hz / 1000000));
    return 0;
}
SHELL_COMMAND(uptime, "time since boot, ticks counted and the tick rate", uptime_command);
