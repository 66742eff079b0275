/* drivers/lapic_timer.h - each CPU's local APIC timer as the kernel's tick: periodic, on a
 * per-CPU IRQ line (every CPU gets its own ticks, and the line's handlers run on each), its
 * input clock (the APIC bus clock divided by 16) measured against the TSC at boot, since no
 * table gives it.
 */
#ifndef DRIVERS_LAPIC_TIMER_H
#define DRIVERS_LAPIC_TIMER_H

#include "kernel/clock.h"

/* The local APIC timers as a tick source (kernel/clock.h): line IRQ_LINE_LOCAL_TIMER
 * (drivers/ioapic.h), rates 19 ... 100000 Hz like the PIT's, started on each CPU with
 * clock_start_cpu. A rate change reaches each CPU at the end of its next tick
 * (lapic_timer_tick_ended). Needs the local APIC set up (drivers/ioapic.c: ioapic_init). */
extern const struct tick_source lapic_timer_tick_source;

/* Called by the interrupt controller as a tick ends on this CPU (before its EOI): applies a
 * rate changed since, so that the tick just counted was one whole period of the old rate.
 * Interrupts off. */
void lapic_timer_tick_ended(void);

#endif
