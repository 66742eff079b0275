/* kernel/irq.h - hardware interrupt lines (IRQs) for drivers: register a handler for a line,
 * take it away again, ask whether the code runs in an interrupt handler, and read the
 * figures that `irqstat` shows. The lines reach the CPU through an interrupt controller that
 * a driver plugs in at boot (struct irq_controller: the 8259A pair, drivers/pic.c, is the
 * first; an IOAPIC would be another).
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

#include "kernel/context.h"
#include "lib/compiler.h"

#define IRQ_LINES        16
#define IRQ_HANDLERS_MAX 32 /* registrations over all lines at once */

_Static_assert(IRQ_HANDLERS_MAX == CONTEXT_HANDLER_SLOTS, "one context slot per registration");

typedef void (*irq_handler_t)(int irq, void *dev_id);

/* What the IRQ layer needs of an interrupt controller. Each function takes a line
 * 0 ... lines - 1 and may be called with interrupts off, from the interrupt path. */
struct irq_controller {
    const char *name;
    unsigned int lines;       /* at most IRQ_LINES */
    unsigned int vector_base; /* line n arrives as CPU vector vector_base + n */
    void (*mask)(unsigned int line);
    void (*unmask)(unsigned int line);
    void (*eoi)(unsigned int line); /* ends the interrupt being served on the line */
    /* True when the controller raised the line for a request that vanished: the interrupt
     * is counted as spurious and not acknowledged. */
    bool (*is_spurious)(unsigned int line);
    /* True when the line is level-triggered (it interrupts again after the EOI for as long
     * as a device holds it: a handler must quiet its device before returning). May be NULL:
     * every line edge-triggered. */
    bool (*is_level_triggered)(unsigned int line);
};

/* Makes `controller` the one request_irq unmasks lines on and the dispatcher acknowledges,
 * and routes its vectors to the IRQ layer. Every line starts masked. Call once at boot, with
 * interrupts off, before any request_irq (the controller's driver does, at its init).
 * Returns 0, or -EINVAL for a controller with too many lines or a missing function. */
int irq_set_controller(const struct irq_controller *controller);

/* Adds handler to the line and unmasks it. Several handlers may share a line; each is called
 * for every interrupt on it, in the order they were registered. dev_id identifies the
 * registration for free_irq and is passed back to the handler; it must be unique on the line
 * (NULL is allowed once). name is shown by irqstat and must stay valid until free_irq. The
 * registration is an execution context of its own (kernel/context.h): while its handler
 * runs, context_current() is its id, and EXCLUSIVE frames it allocates are owned by it.
 * Returns 0, -EINVAL (no such line, or no handler), -EEXIST (dev_id already on the line),
 * -ENOSPC (IRQ_HANDLERS_MAX reached) or -EPERM (called from an interrupt handler).
 * Ordinary context only; never waits. */
int request_irq(int irq, irq_handler_t handler, const char *name, void *dev_id);

/* Removes the registration of dev_id from the line; the line is masked when it was the last.
 * Once free_irq returns the handler is not running and will not be called again; its claim
 * of landing pads is released (the pads go back to the shared stock).
 * Returns 0, -EINVAL (no such line), -ENOENT (dev_id not registered there) or -EPERM (called
 * from an interrupt handler). Ordinary context only; never waits. */
int free_irq(int irq, void *dev_id);

/* Gives the registration of dev_id on the line `pads` landing pads of its own (on each CPU):
 * scrubbed frames its handler's alloc_page(GFP_ATOMIC | EXCLUSIVE) takes first, which no one
 * else can take (mm/atomic_reserve.h). They come out of the unclaimed stock of pads; 0 gives
 * them back; a new claim replaces the old. Returns 0, -EINVAL (no such line), -ENOENT (dev_id
 * not registered there), -ENOSPC (more than the unclaimed stock holds) or -EPERM (called from
 * an interrupt handler). Ordinary context only; scrubs no frame; never waits. */
int irq_claim_pads(int irq, void *dev_id, uint32_t pads);

/* The execution context of the registration of dev_id on the line (what its handler's
 * EXCLUSIVE frames are owned by: a driver hands frames it allocated at init to it), or
 * CONTEXT_NONE when there is none. Any context but an interrupt handler; never waits. */
context_t irq_context_of(int irq, void *dev_id);

/* For kernel/context.h: writes "irq <line> <name>" for a live registration's context and
 * returns true; false (buffer untouched) when no live registration has that id. Any context;
 * never waits. */
bool irq_handler_describe(context_t context, char *buffer, size_t size);

/* True when a live registration has that context id. Any context; never waits. */
bool irq_handler_is_live(context_t context);

/* Written only by the dispatcher (kernel/irq.c), with interrupts off; read through the two
 * functions below. */
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

/* True when the line is level-triggered, as its controller says (see struct
 * irq_controller). False for a bad line. Any context. */
bool irq_is_level_triggered(int irq);

/* One registration on a line, as irqstat shows it. */
struct irq_handler_info {
    const char *name;
    void *dev_id;
    context_t context; /* its execution context (kernel/context.h) */
};

/* Copies the registrations of the line, in the order they are called, into out (at most
 * max). Returns how many the line has (which may be more than max), or -EINVAL for a bad
 * line. Ordinary context; never waits. */
int irq_handlers_of(int irq, struct irq_handler_info *out, int max);

/* True when irqstat shows the line: it has a handler, or something was counted on it. */
bool irq_stat_line_in_use(int irq);

#endif
