/* kernel/context_name.c - names for execution contexts, for reports and the shell. Portable:
 * the host tests build it too. */
#include "kernel/context.h"
#include "kernel/printk.h"

const char *context_name(context_t context, char buffer[16])
{
    if (context == CONTEXT_NONE)
        return "none";
    if (context == CONTEXT_BOOT)
        return "boot";
    if (context >= CONTEXT_IRQ_FIRST && context < CONTEXT_IRQ_FIRST + 256)
        ksnprintf(buffer, 16, "irq %u", context - CONTEXT_IRQ_FIRST);
    else
        ksnprintf(buffer, 16, "context %u", context);
    return buffer;
}
