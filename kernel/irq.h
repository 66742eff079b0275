/* kernel/irq.h - hardware interrupt lines (IRQs) for drivers: register a handler for a line,
 * take it away again, ask whether the code runs in an interrupt handler, and read the
 * figures that `irqstat` shows. The lines are the sixteen of the 8259A pair (drivers/pic.h).
 *
 * Handlers run with interrupts off, one at a time, on the interrupt's stack frame: they must
 * be short, never wait, and take any lock they share with ordinary code only where ordinary
 * code takes it with spin_lock_irqsave.
 */
#ifndef KERNEL_IRQ_H
#define KERNEL_IRQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/compiler.h"

#define IRQ_LINES        16
#define IRQ_HANDLERS_MAX 32 /* registrations over all lines at once */

typedef void (*irq_handler_t)(int irq, void *dev_id);

/* Remaps the interrupt controllers, masks every line and routes vectors 0x20-0x2f here.
 * Call once, with interrupts off, before any request_irq. */
void irq_init(void);

/* Adds handler to the line and unmasks it. Several handlers may share a line; each is called
 * for every interrupt on it, in the order they were registered. dev_id identifies the
 * registration for free_irq and is passed back to the handler; it must be unique on the line
 * (NULL is allowed once). name is shown by irqstat and must stay valid until free_irq.
 * Returns 0, -EINVAL (no such line, or no handler), -EEXIST (dev_id already on the line),
 * -ENOSPC (IRQ_HANDLERS_MAX reached) or -EPERM (called from an interrupt handler).
 * Ordinary context only; never waits. */
int request_irq(int irq, irq_handler_t handler, const char *name, void *dev_id);

/* Removes the registration of dev_id from the line; the line is masked when it was the last.
 * Once free_irq returns the handler is not running and will not be called again.
 * Returns 0, -EINVAL (no such line), -ENOENT (dev_id not registered there) or -EPERM (called
 * from an interrupt handler). Ordinary context only; never waits. */
int free_irq(int irq, void *dev_id);

/* Written only by the dispatcher (kernel/irq.c), with interrupts off; read through the two
 * functions below, which the allocator's fast paths inline. */
extern int irq_nesting;      /* handlers running, nested */
extern int irq_running_line; /* the line whose handlers run, or -1 */

/* True while an interrupt handler runs (and in what it calls). Any context. */
static inline bool in_interrupt(void)
{
    return READ_ONCE(irq_nesting) > 0; /* pairs with the dispatcher's writes */
}

/* The IRQ line whose handlers are running, or -1 outside interrupt context. Any context. */
static inline int irq_current_line(void)
{
    return READ_ONCE(irq_running_line);
}

/* What happened on one line since boot. */
struct irq_stats {
    uint64_t served;    /* interrupts passed to the line's handlers */
    uint64_t spurious;  /* lines 7 and 15 only: raised with nothing in service (not acked) */
    uint64_t unhandled; /* arrived while the line had no handler */
};

/* Copies the line's figures into *stats. Returns 0 or -EINVAL (no such line). The figures
 * are read without a lock, each one whole. Any context. */
int irq_stats_read(int irq, struct irq_stats *stats);

/* irqstat prints one row per line in use, each made by irq_stat_format_row. Other
 * subsystems add columns of their own (a per-line count, such as frames taken by the line's
 * handlers): value(irq) is called in ordinary context for each row shown.
 * Returns 0, -EINVAL (no heading or value), -EEXIST (heading taken) or -ENOSPC (more than
 * IRQ_STAT_COLUMNS_MAX). Ordinary context; never waits. */
#define IRQ_STAT_COLUMNS_MAX 4
int irq_stat_add_column(const char *heading, uint64_t (*value)(int irq));

/* Removes a column added by irq_stat_add_column. Returns 0 or -ENOENT. */
int irq_stat_remove_column(const char *heading);

/* Formats irqstat's heading line, or the row of one line, into buf (NUL-terminated, cut to
 * size, no newline). Returns the length the full text would have, like ksnprintf, or
 * -EINVAL for a bad line. Ordinary context. */
int irq_stat_format_header(char *buf, size_t size);
int irq_stat_format_row(int irq, char *buf, size_t size);

/* True when irqstat shows the line: it has a handler, or something was counted on it. */
bool irq_stat_line_in_use(int irq);

#endif
