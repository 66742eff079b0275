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

#define NS_PER_SECOND 1000000000ull

/* One calibration run: 11932 PIT clocks are 10.0 ms. Three runs, and the middle result is
 * kept, so one run disturbed by an SMI or by the host does not skew the figure. */
#define CALIBRATION_CLOCKS 11932
#define CALIBRATION_RUNS   3

/* Written only by the tick handler (interrupts off); read lock-free, each load whole. */
static uint64_t ticks;
static uint64_t pit_clocks; /* PIT input clocks the counted ticks add up to */

/* Set once by clock_init before interrupts are on; read-only afterwards. The multipliers
 * are 32.32 fixed point, so a conversion is one multiply and a shift. */
static uint64_t tsc_hz;
static uint64_t ns_per_cycle;  /* 2^32 * 10^9 / tsc_hz */
static uint64_t cycles_per_ns; /* 2^32 * tsc_hz / 10^9 */

static void clock_tick(int irq, void *dev_id)
{
    (void)irq;
    (void)dev_id;
    /* The divisor of the period that just ended (a rate change lands on a period edge). */
    WRITE_ONCE(pit_clocks, pit_clocks + pit_divisor());
    WRITE_ONCE(ticks, ticks + 1);
}

static uint64_t measure_tsc_hz(void)
{
    uint64_t runs[CALIBRATION_RUNS];
    for (int i = 0; i < CALIBRATION_RUNS; i++) {
        runs[i] = pit_measure_cycles(CALIBRATION_CLOCKS);
        if (runs[i] == 0)
            return 0;
    }
    for (int i = 1; i < CALIBRATION_RUNS; i++) { /* insertion sort: three elements */
        for (int j = i; j > 0 && runs[j - 1] > runs[j]; j--) {
            uint64_t swap = runs[j];
            runs[j] = runs[j - 1];
            runs[j - 1] = swap;
        }
    }
    return runs[CALIBRATION_RUNS / 2] * PIT_INPUT_HZ / CALIBRATION_CLOCKS;
}

static void calibrate_tsc(void)
{
    tsc_hz = measure_tsc_hz();
    if (!tsc_hz) {
        printk("clock: PIT channel 2 does not count; TSC not calibrated\n");
        return;
    }
    ns_per_cycle = (NS_PER_SECOND << 32) / tsc_hz;
    /* 2^32 * tsc_hz overflows above 4 GHz: split it into whole and fractional gigahertz. */
    cycles_per_ns =
            ((tsc_hz / NS_PER_SECOND) << 32) + ((tsc_hz % NS_PER_SECOND) << 32) / NS_PER_SECOND;
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
    return (uint64_t)(((unsigned __int128)cycles * ns_per_cycle) >> 32);
}

uint64_t clock_ns_to_cycles(uint64_t ns)
{
    return (uint64_t)(((unsigned __int128)ns * cycles_per_ns) >> 32);
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
