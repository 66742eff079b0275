/* kernel/irq.h - hardware interrupt lines (IRQs) for drivers: register a handler for a line,
 * take it away again, ask whether the code runs in an interrupt handler, and read the
 * figures that `irqstat` shows. The lines reach the CPU through an interrupt controller that
 * a driver plugs in at boot (struct irq_controller: the 8259A pair, drivers/pic.c, on a
 * machine of one CPU; the IOAPIC with the local APICs, drivers/ioapic.c, on SMP).
 *
 * Handlers run with interrupts off, one at a time on each CPU, on the interrupt's stack
 * frame: they must be short, never wait, and take any lock they share with ordinary code only
 * where ordinary code takes it with spin_lock_irqsave. A line routed to one CPU runs its
 * handlers there; a per-CPU line (the local timer) runs them on every CPU, possibly at the
 * same time: such a handler keeps its state per CPU, or locks it.
 */
#ifndef KERNEL_IRQ_H
#define KERNEL_IRQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/arch.h"
#include "kernel/context.h"
#include "lib/compiler.h"

#define IRQ_LINES        32 /* line n arrives as vector IRQ_VECTOR_BASE + n */
#define IRQ_HANDLERS_MAX 32 /* registrations over all lines at once */
#define IRQ_VECTOR_BASE  0x20

/* The per-CPU lines the core uses, on a controller that has them (drivers/ioapic.c): each
 * CPU's timer tick, and the scheduler's reschedule IPI. */
#define IRQ_LINE_LOCAL_TIMER 24
#define IRQ_LINE_RESCHEDULE  25

_Static_assert(IRQ_HANDLERS_MAX == CONTEXT_HANDLER_SLOTS, "one context slot per registration");

typedef void (*irq_handler_t)(int irq, void *dev_id);

/* What the IRQ layer needs of an interrupt controller. Each function takes a line
 * 0 ... lines - 1 and may be called with interrupts off, from the interrupt path, on any CPU.
 * A controller may have lines each CPU has a copy of (a local APIC's timer): their
 * interrupts arrive on every CPU, and the line's handlers run on the CPU each came on. */
struct irq_controller {
    const char *name;
    unsigned int lines;       /* at most IRQ_LINES */
    unsigned int vector_base; /* line n arrives as CPU vector vector_base + n: IRQ_VECTOR_BASE */
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
    /* Optional: raises a per-CPU line on another CPU (an inter-processor interrupt). NULL on
     * a machine of one CPU. */
    void (*raise_on)(unsigned int line, unsigned int cpu);
    /* True when the line is masked at the controller. */
    bool (*is_masked)(unsigned int line);
    /* True when the line raised a request this CPU has not taken yet (interrupts off). */
    bool (*is_pending)(unsigned int line);
    /* Optional: sets up the controller's part on another CPU coming up (its local APIC). */
    void (*init_cpu)(void);
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
 * Once free_irq returns the handler is not running on any CPU and will not be called again;
 * its claim of landing pads is released (the pads go back to the shared stock).
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

/* Whether this CPU runs an interrupt handler, and of which line: per-CPU words the
 * dispatcher writes with interrupts off (arch/arch.h), read in one instruction each by these
 * two functions, which the allocator's fast paths inline. */

/* True while an interrupt handler runs on this CPU (and in what it calls). Any context. */
static inline bool in_interrupt(void)
{
    return arch_cpu_word(CPU_WORD_IRQ_NESTING) > 0;
}

/* The IRQ line whose handlers are running on this CPU, or -1 outside interrupt context. Any
 * context. */
static inline int irq_current_line(void)
{
    return (int)arch_cpu_word(CPU_WORD_IRQ_LINE);
}

/* Raises per-CPU line `irq` on CPU `cpu` (an inter-processor interrupt: the scheduler's
 * reschedule). Does nothing when the controller cannot, or for this CPU. Any context. */
void irq_raise_on(int irq, unsigned int cpu);

/* Sets up the interrupt controller's part on the calling CPU, as it comes up. Interrupts
 * off. */
void irq_init_cpu(void);

/* The controller's name ("8259A", "IOAPIC"), or "none" before one is set. Any context. */
const char *irq_controller_name(void);

/* True when the line is masked at the controller (no handler, or none yet); false for a bad
 * line. Any context. */
bool irq_is_masked(int irq);

/* True when the line raised a request that this CPU has not taken yet: with interrupts off,
 * an interrupt that is held back shows here. False for a bad line. Any context. */
bool irq_is_pending(int irq);

/* What happened on one line since boot. */
struct irq_stats {
    uint64_t served;    /* interrupts passed to the line's handlers */
    uint64_t spurious;  /* lines 7 and 15 only: raised with nothing in service (not acked) */
    uint64_t unhandled; /* arrived while the line had no handler */
};

/* Copies the line's figures, over all CPUs, into *stats. Returns 0 or -EINVAL (no such
 * line). The figures are read without a lock, each one whole. Any context. */
int irq_stats_read(int irq, struct irq_stats *stats);

/* True when the line is level-triggered, as its controller says (see struct
 * irq_controller). False for a bad line. Any context. */
bool irq_is_level_triggered(int irq);

/* The same, for what CPU `cpu` received. Returns 0 or -EINVAL (no such line or CPU). */
int irq_stats_read_cpu(int irq, unsigned int cpu, struct irq_stats *stats);

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
