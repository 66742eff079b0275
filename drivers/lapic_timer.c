/* drivers/lapic_timer.c - the local APIC timer of every CPU in periodic mode, calibrated
 * against the TSC, each CPU reprogramming its own when the rate changes. */
#include "drivers/lapic_timer.h"

#include "arch/arch.h"
#include "arch/x86_64/lapic.h"
#include "drivers/ioapic.h"
#include "drivers/pit.h"
#include "kernel/irq.h"
#include "lib/compiler.h"
#include "lib/errno.h"

#define CALIBRATION_MS   10
#define CALIBRATION_RUNS 3

/* The rate asked for and its count: written by set_rate (single stores), read by every CPU
 * at the end of its ticks. */
static uint32_t rate, count;
static uint64_t input_hz; /* set once by calibrate, before any CPU's timer runs */

/* The count each CPU's timer runs at: written only by that CPU, interrupts off. */
static uint32_t programmed[MAX_CPUS];

/* One run: the timer counts down from its maximum for CALIBRATION_MS by the TSC. */
static uint64_t measure_once(uint64_t tsc_hz)
{
    uint64_t wait = tsc_hz * CALIBRATION_MS / 1000;
    unsigned long flags = arch_irq_save();
    x86_lapic_timer_oneshot_masked(UINT32_MAX);
    uint64_t start = arch_cycles();
    uint32_t first = x86_lapic_timer_current();
    while (arch_cycles() - start < wait)
        arch_cpu_relax();
    uint32_t last = x86_lapic_timer_current();
    uint64_t cycles = arch_cycles() - start;
    x86_lapic_timer_oneshot_masked(0);
    arch_irq_restore(flags);
    return cycles ? (uint64_t)(first - last) * tsc_hz / cycles : 0;
}

/* The middle of three runs, against a run disturbed by a host that descheduled us. */
static uint64_t calibrate(uint64_t tsc_hz)
{
    uint64_t runs[CALIBRATION_RUNS];
    for (int i = 0; i < CALIBRATION_RUNS; i++) {
        runs[i] = measure_once(tsc_hz);
        for (int j = i; j > 0 && runs[j - 1] > runs[j]; j--) {
            uint64_t keep = runs[j];
            runs[j] = runs[j - 1];
            runs[j - 1] = keep;
        }
    }
    input_hz = runs[CALIBRATION_RUNS / 2];
    return input_hz;
}

static int set_rate(uint32_t hz)
{
    if (hz < PIT_MIN_HZ || hz > PIT_MAX_HZ || !input_hz)
        return -EINVAL;
    uint64_t clocks = (input_hz + hz / 2) / hz;
    if (clocks == 0 || clocks > UINT32_MAX)
        return -EINVAL;
    WRITE_ONCE(count, (uint32_t)clocks); /* read by each CPU at its next tick's end */
    WRITE_ONCE(rate, hz);
    return 0;
}

static uint32_t get_rate(void)
{
    return READ_ONCE(rate);
}

/* The count of the period that just ended on this CPU: a new rate is applied only at the end
 * of a tick, after the clock's handler read this. */
static uint32_t divisor(void)
{
    return READ_ONCE(programmed[arch_cpu_id()]);
}

static void start_cpu(void)
{
    uint32_t clocks = READ_ONCE(count);
    programmed[arch_cpu_id()] = clocks;
    x86_lapic_timer_periodic(IRQ_VECTOR_BASE + IRQ_LINE_LOCAL_TIMER, clocks);
}

void lapic_timer_tick_ended(void)
{
    if (READ_ONCE(count) != programmed[arch_cpu_id()])
        start_cpu(); /* writing the initial count starts a new period now */
}

const struct tick_source lapic_timer_tick_source = {
        .name = "LAPIC timer",
        .irq = IRQ_LINE_LOCAL_TIMER,
        .min_hz = PIT_MIN_HZ,
        .max_hz = PIT_MAX_HZ,
        .default_hz = PIT_DEFAULT_HZ,
        .set_rate = set_rate,
        .rate = get_rate,
        .divisor = divisor,
        .calibrate = calibrate,
        .start_cpu = start_cpu,
};
