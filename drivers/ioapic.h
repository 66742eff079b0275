/* drivers/ioapic.h - the interrupt controller of a machine with APICs: the IOAPICs the MADT
 * lists, which route device lines to a CPU's local APIC, and the local APICs themselves. As
 * the IRQ layer's controller (kernel/irq.h) it has these lines:
 *
 *   0 ... 15   the ISA lines (IRQ 1 the keyboard, 4 COM1, 0 the PIT), each on the IOAPIC
 *              pin the MADT's overrides say (IRQ 0 is usually pin 2), with their polarity
 *              and trigger mode; a line whose pin another IRQ took has none
 *   16 ... 23  IOAPIC pins 16-23 (PCI interrupts on q35), level-triggered, active low
 *   24         the local APIC timer: per CPU (drivers/lapic_timer.c)
 *   25         the reschedule IPI: per CPU, raised by irq_raise_on (kernel/sched.c)
 *
 * Device lines are delivered to the boot CPU. The 8259 pair is masked for good. Each CPU that
 * comes up sets up its own local APIC through the controller's init_cpu (irq_init_cpu), its
 * LINT pins wired as the MADT's NMI entries say.
 */
#ifndef DRIVERS_IOAPIC_H
#define DRIVERS_IOAPIC_H

#include <stdbool.h>

#include "lib/acpi.h"

#define IOAPIC_LINES            24
#define IRQ_LINE_LOCAL_TIMER    24
#define IRQ_LINE_RESCHEDULE     25
#define IOAPIC_CONTROLLER_LINES 26

/* Maps and sets up this CPU's local APIC (xAPIC) and the IOAPICs of the MADT, every pin
 * masked, masks the 8259 pair, and makes the whole the IRQ layer's interrupt controller.
 * Returns 0; -ENODEV when the MADT lists no IOAPIC or the CPU has no local APIC (then
 * nothing was changed), -ENOMEM when the registers cannot be mapped. Boot, interrupts off,
 * instead of pic_init. */
int ioapic_init(const struct acpi_madt *madt);

/* True when the line is masked at its IOAPIC pin; per-CPU lines are never masked, and lines
 * without a pin count as masked. Any context. */
bool ioapic_is_masked(unsigned int line);

/* The IOAPIC pin (GSI) a line arrives on, or -1. Any context. */
int ioapic_line_gsi(unsigned int line);

#endif
