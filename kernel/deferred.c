/* kernel/deferred.c - a list of pending work, filled by interrupt handlers and emptied in
 * ordinary context. */
#include "kernel/deferred.h"

#include <stddef.h>

#include "kernel/context.h"
#include "kernel/spinlock.h"

/* deferred_lock guards the pending list and every work's pending, next and counters. */
static struct spinlock deferred_lock = SPINLOCK_INIT("deferred");
static struct deferred_work *pending_list;

void deferred_request(struct deferred_work *work)
{
    unsigned long flags;
    spin_lock_irqsave(&deferred_lock, &flags);
    work->requests++;
    if (!work->pending) {
        work->pending = true;
        work->next = pending_list;
        pending_list = work;
    }
    spin_unlock_irqrestore(&deferred_lock, flags);
}

int deferred_run(void)
{
    if (context_in_interrupt())
        return 0;
    unsigned long flags;
    spin_lock_irqsave(&deferred_lock, &flags);
    struct deferred_work *work = pending_list;
    pending_list = NULL;
    spin_unlock_irqrestore(&deferred_lock, flags);
    int ran = 0;
    while (work) {
        /* While pending is still set, a new request merges with this run and leaves next
         * alone; once it is cleared, a request queues the work again on the fresh list. */
        spin_lock_irqsave(&deferred_lock, &flags);
        struct deferred_work *next = work->next;
        work->pending = false;
        work->runs++;
        spin_unlock_irqrestore(&deferred_lock, flags);
        work->run();
        ran++;
        work = next;
    }
    return ran;
}
