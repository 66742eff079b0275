/* kernel/clock.h - time since boot: the tick count of a tick source (a device that
 * interrupts at a rate the kernel sets: each CPU's local APIC timer, drivers/lapic_timer.c,
 * or on a machine of one CPU without APICs the PIT's channel 0, drivers/pit.c), for
 * scheduling; uptime; and the CPU's time-stamp counter (TSC), calibrated against a clock reference
 * of known frequency (the PIT's channel 2) so that cycles can be turned into nanoseconds and
 * back. Drivers describe their devices with the two structures below; kmain hands them to
 * clock_init.
 *
 * A per-CPU tick source interrupts every CPU on the tick's line, and every handler on that
 * line runs on every CPU: the scheduler's ends each CPU's time slices there. The tick count
 * and the uptime are the boot CPU's ticks (CPU 0 keeps the time); a handler that wants to
 * run once a tick, not once a tick per CPU, checks arch_cpu_id() == 0.
 */
#ifndef KERNEL_CLOCK_H
#define KERNEL_CLOCK_H

#include <stdint.h>

/* A device that interrupts periodically by dividing a clock of known frequency. */
struct tick_source {
    const char *name;
    int irq;                      /* the IRQ line its interrupts arrive on */
    uint64_t input_hz;            /* the clock it divides (when there is no calibrate) */
    uint32_t min_hz, max_hz;      /* the rates it can be set to */
    uint32_t default_hz;          /* the rate when nobody asks for another */
    int (*set_rate)(uint32_t hz); /* 0, or -EINVAL outside min..max (the old rate stays) */
    uint32_t (*rate)(void);       /* the rate last set */
    uint32_t (*divisor)(void);    /* input clocks in this CPU's tick period that just ended */
    /* Optional, for a clock of unknown rate: measures it against the TSC (tsc_hz cycles a
     * second) and returns its rate in Hz, or 0 when it does not count. Busy-waits. */
    uint64_t (*calibrate)(uint64_t tsc_hz);
    /* Optional, for a per-CPU source: starts the tick on the calling CPU (interrupts off). */
    void (*start_cpu)(void);
};

/* How long a clock reference's run took by the TSC: the start and the end are each known
 * only between two TSC reads, so the figure comes with its uncertainty. A CPU that stalled
 * meanwhile (an SMI, or an emulator's thread descheduled by its host) shows as a large
 * uncertainty. */
struct clock_measurement {
    uint64_t cycles;      /* the best estimate */
    uint64_t uncertainty; /* the true figure lies within cycles +/- uncertainty */
};

/* A clock of known frequency to calibrate the TSC against. */
struct clock_reference {
    const char *name;
    uint64_t hz; /* its rate */
    /* Runs for `clocks` of its own clocks, busy-waiting with interrupts off, and measures
     * that time with the TSC. Returns 0, -EINVAL (more clocks than it can count at once) or
     * -EIO (it does not count). */
    int (*measure)(uint32_t clocks, struct clock_measurement *measurement);
};

/* Calibrates the TSC against `reference`, starts `tick` at hz (its default, with a log line,
 * when it cannot run at hz) and registers the tick handler on its line. Returns 0 or the
 * error of request_irq. Call once, after the interrupt controller is set up, with
 * interrupts off: the calibration busy-waits about 30 ms. */
int clock_init(const struct clock_reference *reference, const struct tick_source *tick,
               uint32_t hz);

/* Starts the tick on the calling CPU, for a per-CPU tick source (other CPUs, as each comes
 * up); nothing for another source. Interrupts off. */
void clock_start_cpu(void);

/* The tick's rate now, and a change of it (which lands on a period edge, on each CPU at its
 * next tick). set returns 0 or -EINVAL outside the tick source's range (the old rate stays).
 * Any context; never waits. */
uint32_t clock_tick_rate(void);
int clock_set_tick_rate(uint32_t hz);

/* The tick source's name, its input clock in Hz (measured, for the local APIC timer) and
 * input clocks per tick at the rate set. Any context. */
const char *clock_tick_source_name(void);
uint64_t clock_tick_input_hz(void);
uint32_t clock_tick_divisor(void);

/* The IRQ line the tick arrives on (for handlers that want to run on every tick, such as
 * the timer sensor's), or -1 before clock_init. Any context. */
int clock_tick_line(void);

/* Ticks counted since clock_init. Lock-free, any context. Changing the rate with
 * clock_set_tick_rate changes how fast it grows, not what came before. */
uint64_t clock_ticks(void);

/* Time since clock_init in nanoseconds, by the calibrated TSC: it keeps to the wall clock
 * however many ticks are lost. Without a calibrated TSC it counts tick periods (exact across
 * rate changes; its resolution is then the tick). Lock-free, any context. */
uint64_t clock_uptime_ns(void);

/* The TSC's rate in cycles per second, or 0 when calibration failed. Any context. */
uint64_t clock_tsc_hz(void);

/* Converts between TSC cycles and nanoseconds (0 when the TSC is not calibrated): the exact
 * value rounded down, or at most 2 less, at any TSC rate; UINT64_MAX past 2^64 - 1 (584 years
 * of nanoseconds). Any context, never waits: a multiply and a shift (lib/clock_math.h). */
uint64_t clock_cycles_to_ns(uint64_t cycles);
uint64_t clock_ns_to_cycles(uint64_t ns);

#endif
