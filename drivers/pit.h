/* drivers/pit.h - the 8253/8254 programmable interval timer. Channel 0 drives IRQ 0 at a
 * rate set here (the kernel's tick, counted by kernel/clock.c); channel 2, gated through
 * port 0x61, is a stopwatch of known length for calibrating the TSC.
 */
#ifndef DRIVERS_PIT_H
#define DRIVERS_PIT_H

#include <stdint.h>

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
 * returns how many TSC cycles that took, or 0 when channel 2 does not work. Busy-waits
 * for the whole time: for calibration at boot, with interrupts off. */
uint64_t pit_measure_cycles(uint16_t pit_clocks);

#endif
