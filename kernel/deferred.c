/* kernel/deferred.c - per-CPU lists of pending work, filled by interrupt handlers and emptied
 * in ordinary context. */
#include "kernel/deferred.h"

#include <stddef.h>

#include "kernel/context.h"
#include "lib/compiler.h"

struct deferred_work *deferred_pending[MAX_CPUS];
void (*deferred_notify)(void);

bool deferred_any_pending(void)
{
    return READ_ONCE(deferred_pending[arch_cpu_id()]) != NULL;
}

void deferred_request(struct deferred_work *work)
{
    unsigned long flags = arch_irq_save();
    deferred_request_irqs_off(work);
    arch_irq_restore(flags);
    deferred_kick();
}

void deferred_kick(void)
{
    if (deferred_notify && deferred_any_pending())
        deferred_notify();
}

int deferred_run(void)
{
    if (context_in_interrupt())
        return 0;
    unsigned long flags = arch_irq_save();
    struct deferred_work *work = deferred_pending[arch_cpu_id()];
    deferred_pending[arch_cpu_id()] = NULL;
    arch_irq_restore(flags);
    int ran = 0;
    while (work) {
        /* While pending is still set, a new request merges with this run and leaves next
         * alone; once it is cleared, a request queues the work again on the fresh list. */
        flags = arch_irq_save();
        struct deferred_work *next = work->next;
        work->pending = false;
        work->runs++;
        arch_irq_restore(flags);
        work->run();
        ran++;
        work = next;
    }
    return ran;
}
