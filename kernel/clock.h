/* kernel/clock.h - time since boot: the tick count of IRQ 0 (the PIT, drivers/pit.h), the
 * uptime it adds up to, and the CPU's time-stamp counter (TSC), calibrated against the PIT
 * so that cycles can be turned into nanoseconds and back.
 */
#ifndef KERNEL_CLOCK_H
#define KERNEL_CLOCK_H

#include <stdint.h>

/* Calibrates the TSC against PIT channel 2, programs the tick at hz (PIT_DEFAULT_HZ when hz is
 * out of range, with a log line) and registers the tick handler on IRQ 0. Returns 0 or the
 * error of request_irq. Call once, after irq_init, with interrupts off: the calibration
 * busy-waits about 30 ms. */
int clock_init(uint32_t hz);

/* Ticks counted since clock_init. Lock-free, any context. Changing the rate with
 * pit_set_frequency changes how fast it grows, not what came before. */
uint64_t clock_ticks(void);

/* Time since clock_init in nanoseconds, advanced by one tick period per tick (so its
 * resolution is the tick) and exact across rate changes. Lock-free, any context. */
uint64_t clock_uptime_ns(void);

/* The TSC's rate in cycles per second, or 0 when calibration failed. Any context. */
uint64_t clock_tsc_hz(void);

/* Converts between TSC cycles and nanoseconds (0 when the TSC is not calibrated): the exact
 * value rounded down, or at most 2 less, at any TSC rate; UINT64_MAX past 2^64 - 1 (584 years
 * of nanoseconds). Any context, never waits: a multiply and a shift (lib/clock_math.h). */
uint64_t clock_cycles_to_ns(uint64_t cycles);
uint64_t clock_ns_to_cycles(uint64_t ns);

#endif
