/* drivers/pit.h - the 8253/8254 programmable interval timer. Channel 0 drives IRQ 0 at a
 * rate set here: the kernel's tick source (pit_tick_source, counted by kernel/clock.c);
 * channel 2, gated through port 0x61, is a stopwatch of known length, the clock reference
 * the TSC is calibrated against (pit_clock_reference).
 */
#ifndef DRIVERS_PIT_H
#define DRIVERS_PIT_H

#include <stdint.h>

#include "kernel/clock.h"

#define PIT_INPUT_HZ   1193182 /* the crystal every PC's PIT counts: 105/88 MHz / 12 */
#define PIT_MIN_HZ     19      /* slowest rate whose divisor fits the 16-bit counter */
#define PIT_MAX_HZ     100000
#define PIT_DEFAULT_HZ 1000

/* Programs channel 0 to raise IRQ 0 hz times a second (rate generator, mode 2). The rate is
 * exact only for divisors of PIT_INPUT_HZ: the divisor is rounded to the nearest count, and
 * pit_divisor says which. The new rate starts with the next period. Returns 0, or -EINVAL
 * (the old rate stays) when hz is outside PIT_MIN_HZ..PIT_MAX_HZ. Any context; never
 * waits. */
int pit_set_frequency(uint32_t hz);

/* The rate last set with pit_set_frequency (0 before the first), and its divisor: the
 * number of PIT input clocks between two IRQ 0s. Lock-free; any context. */
uint32_t pit_frequency(void);
uint32_t pit_divisor(void);

/* Runs channel 2 once for pit_clocks input clocks (mode 0, polled through port 0x61) and
 * measures it with the TSC. Returns 0, -EINVAL for more than 65535 clocks, or -EIO when
 * channel 2 does not count. Busy-waits for the whole time with interrupts off: for
 * calibration. */
int pit_measure_cycles(uint32_t pit_clocks, struct clock_measurement *measurement);

/* Channel 0 as the kernel's tick source (IRQ 0), and channel 2 as its clock reference. */
extern const struct tick_source pit_tick_source;
extern const struct clock_reference pit_clock_reference;

/* A stopwatch of up to 55 ms on channel 2, to check another clock against the PIT while
 * interrupts stay on: pit_stopwatch_start starts it (channel 2 counts down from
 * PIT_STOPWATCH_MAX), pit_stopwatch_read returns the PIT input clocks since, or -1 once more
 * than PIT_STOPWATCH_MAX have passed. Shares channel 2 with pit_measure_cycles: one user at a
 * time. Leaves the speaker off. Any context; never waits. */
#define PIT_STOPWATCH_MAX 0xffff
void pit_stopwatch_start(void);
int32_t pit_stopwatch_read(void);

#endif
