/* kernel/context.h - who is running: the boot thread (kmain, the shell, the self tests) or
 * the interrupt handler of one IRQ line. EXCLUSIVE page frames record their owner as one of
 * these, and the atomic reserve counts its takes by them. (Kernel threads, when they come,
 * get ids of their own.) */
#ifndef KERNEL_CONTEXT_H
#define KERNEL_CONTEXT_H

#include <stdbool.h>
#include <stdint.h>

typedef uint32_t context_t;

#define CONTEXT_NONE      0u     /* no owner */
#define CONTEXT_BOOT      1u     /* the boot thread */
#define CONTEXT_IRQ_FIRST 0x100u /* CONTEXT_IRQ(line): the handler(s) of an IRQ line */
#define CONTEXT_IRQ(line) (CONTEXT_IRQ_FIRST + (context_t)(line))

/* Writes a name for a context ("boot", "irq 1", "none") into buffer and returns it. */
const char *context_name(context_t context, char buffer[16]);

#ifndef LABYRINTH_HOSTED
#include "kernel/irq.h"

/* The IRQ line whose handler is running, or -1 outside interrupt context. Any context. */
static inline int context_irq_line(void)
{
    return irq_current_line();
}

/* True inside an interrupt handler. Any context. */
static inline bool context_in_interrupt(void)
{
    return in_interrupt();
}

/* The context running now. Any context; never waits. */
static inline context_t context_current(void)
{
    int line = irq_current_line();
    return line >= 0 ? CONTEXT_IRQ(line) : CONTEXT_BOOT;
}
#else
/* Host-side tests choose the context (tests/host/hosted.h). */
context_t context_current(void);
int context_irq_line(void);
bool context_in_interrupt(void);
#endif

#endif
