/* kernel/context.c - the execution context, as the IRQ layer knows it: inside a handler,
 * the handler's IRQ line; otherwise the boot thread (the only thread there is). */
#include "kernel/context.h"

#include "kernel/irq.h"

context_t context_current(void)
{
    int line = irq_current_line();
    return line >= 0 ? CONTEXT_IRQ(line) : CONTEXT_BOOT;
}

int context_irq_line(void)
{
    return irq_current_line();
}

bool context_in_interrupt(void)
{
    return in_interrupt();
}
