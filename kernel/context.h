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

/* The context running now. Any context; never waits. */
context_t context_current(void);

/* The IRQ line whose handler is running, or -1 outside interrupt context. */
int context_irq_line(void);

/* True inside an interrupt handler. */
bool context_in_interrupt(void);

/* Writes a name for a context ("boot", "irq 1", "none") into buffer and returns it. */
const char *context_name(context_t context, char buffer[16]);

#endif
