/* kernel/completion.h - "it is done": one side waits for an event that another side (a
 * thread or an interrupt handler) signals, however the two are ordered. A completion counts
 * its signals, so one that comes before the wait is not lost.
 */
#ifndef KERNEL_COMPLETION_H
#define KERNEL_COMPLETION_H

#include <stdint.h>

#include "kernel/wait.h"

struct completion {
    uint32_t done; /* signals not yet consumed; changed under the scheduler's lock */
    struct wait_queue waiters;
};

#define COMPLETION_INIT(name)                                                                      \
    {                                                                                              \
        .done = 0, .waiters = WAIT_QUEUE_INIT(name)                                                \
    }

/* Signals once: one waiter (now or later) goes on. complete_all lets every present and
 * future waiter go on. Any context, interrupt handlers included; never waits. */
void complete(struct completion *completion);
void complete_all(struct completion *completion);

/* Waits for a signal and consumes it, for at most timeout_ms (0: no limit). Returns 0,
 * -ETIMEDOUT, or -EPERM from a context that must not sleep (reported). Thread context. */
int wait_for_completion(struct completion *completion, uint64_t timeout_ms);

#endif
