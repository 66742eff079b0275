/* drivers/pic.h - the two 8259A programmable interrupt controllers of a PC, cascaded: the
 * master takes IRQ lines 0-7, the slave 8-15 and reports through the master's line 2. They
 * are remapped to vectors 0x20-0x2f, away from the CPU's exceptions (0-31).
 */
#ifndef DRIVERS_PIC_H
#define DRIVERS_PIC_H

#include <stdbool.h>

#define PIC_VECTOR_BASE 0x20 /* IRQ line n arrives as vector PIC_VECTOR_BASE + n */
#define PIC_LINES       16
#define PIC_CASCADE_IRQ 2 /* the master's line the slave is wired to */

/* Remaps both controllers to PIC_VECTOR_BASE, masks every line and makes the pair the IRQ
 * layer's interrupt controller (kernel/irq.h). Returns 0 or irq_set_controller's error.
 * Call once at boot, with interrupts off, before any request_irq. */
int pic_init(void);

/* Remaps both controllers and masks every line, for a machine whose interrupts go through
 * IOAPICs (drivers/ioapic.c) instead. Boot, interrupts off. */
void pic_disable(void);

/* Lets the line's interrupts through (and the cascade line, for a slave line), or stops
 * them. Out-of-range lines are ignored. Safe in any context; never waits. */
void pic_unmask(unsigned int irq);
void pic_mask(unsigned int irq);

/* True when the line is masked (out-of-range lines count as masked). Any context. */
bool pic_is_masked(unsigned int irq);

/* True when the line has a request the CPU has not taken yet (the interrupt request
 * register): with interrupts off, a device that raised its line shows here. Any context. */
bool pic_is_pending(unsigned int irq);

/* Ends the interrupt being served on the line: the slave first for lines 8-15, then the
 * master. Call from the interrupt handler path, with interrupts off. */
void pic_send_eoi(unsigned int irq);

/* For lines 7 and 15, which the controllers also raise for a request that vanished before
 * the CPU acknowledged it: true when the controller has nothing in service on that line.
 * Such a spurious interrupt must not be acknowledged; for 15 this function acknowledges the
 * master itself, which did see a real request on its cascade line. False for other lines.
 * Call with interrupts off, from the interrupt path. */
bool pic_is_spurious(unsigned int irq);

/* True when the chipset's edge/level control register (ELCR, ports 0x4d0-0x4d1) has the line
 * level-triggered, as firmware sets the lines it routes PCI interrupts to: the line then
 * interrupts again after EOI for as long as a device holds it, so a handler must quiet its
 * device before returning. Out-of-range lines are edge. Any context. */
bool pic_is_level_triggered(unsigned int irq);

#endif
