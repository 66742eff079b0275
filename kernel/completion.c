/* kernel/completion.c - a count of signals and a wait queue. */
#include "kernel/completion.h"

#define DONE_FOREVER 0xffffffffu /* complete_all: no waiter ever has to wait again */

static void signal(struct completion *completion, bool all)
{
    unsigned long flags;
    wait_lock_irqsave(&flags);
    if (all)
        completion->done = DONE_FOREVER;
    else if (completion->done != DONE_FOREVER)
        completion->done++;
    wait_unlock_irqrestore(flags);
    if (all)
        wait_queue_wake_all(&completion->waiters);
    else
        wait_queue_wake_one(&completion->waiters);
}

void complete(struct completion *completion)
{
    signal(completion, false);
}

void complete_all(struct completion *completion)
{
    signal(completion, true);
}

/* wait_event's condition, under the scheduler's lock: consume a signal if there is one. */
static bool consume(struct completion *completion)
{
    if (!completion->done)
        return false;
    if (completion->done != DONE_FOREVER)
        completion->done--;
    return true;
}

int wait_for_completion(struct completion *completion, uint64_t timeout_ms)
{
    return wait_event_timeout(&completion->waiters, consume(completion), timeout_ms);
}
