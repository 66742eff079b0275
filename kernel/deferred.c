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

/* Takes this CPU's list; returns it and the CPU it belongs to. */
static struct deferred_work *take_list(unsigned int *cpu)
{
    unsigned long flags = arch_irq_save();
    *cpu = arch_cpu_id();
    struct deferred_work *work = deferred_pending[*cpu];
    deferred_pending[*cpu] = NULL;
    arch_irq_restore(flags);
    return work;
}

int deferred_run(void)
{
    if (context_in_interrupt())
        return 0;
    unsigned int cpu;
    struct deferred_work *work = take_list(&cpu);
    int ran = 0;
    while (work) {
        /* While pending is still set, a new request merges with this run and leaves next
         * alone; once it is cleared, a request queues the work again on the fresh list. The
         * list is CPU cpu's: a caller that is not pinned there may have moved since, so the
         * bookkeeping of that CPU is changed with an atomic store, not by interrupts off. */
        struct deferred_work *next = READ_ONCE(work->next[cpu]);
        __atomic_store_n(&work->pending[cpu], false, __ATOMIC_RELEASE);
        __atomic_add_fetch(&work->runs, 1, __ATOMIC_RELAXED);
        work->run();
        ran++;
        work = next;
    }
    return ran;
}
