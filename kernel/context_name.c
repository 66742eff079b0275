/* kernel/context_name.c - names for execution contexts, for reports and the shell, and
 * whether one may own a frame. Portable: the host tests build it too, with their own
 * stand-ins for the IRQ layer's and the thread layer's answers (tests/host/hosted.c). */
#include "kernel/context.h"
#include "kernel/irq.h"
#include "kernel/printk.h"
#include "kernel/thread.h"

const char *context_name(context_t context, char buffer[CONTEXT_NAME_MAX])
{
    if (context == CONTEXT_NONE)
        return "none";
    if (context == CONTEXT_BOOT)
        return "boot";
    if (context_is_thread(context)) {
        if (!thread_context_describe(context, buffer, CONTEXT_NAME_MAX))
            ksnprintf(buffer, CONTEXT_NAME_MAX, "thread %#x (gone)", context);
    } else if (!context_is_handler(context))
        ksnprintf(buffer, CONTEXT_NAME_MAX, "context %#x", context);
    else if (!irq_handler_describe(context, buffer, CONTEXT_NAME_MAX))
        ksnprintf(buffer, CONTEXT_NAME_MAX, "irq handler %u (gone)", context);
    return buffer;
}

bool context_is_valid(context_t context)
{
    if (context_is_thread(context))
        return thread_context_is_live(context);
    return context_is_handler(context) && irq_handler_is_live(context);
}
