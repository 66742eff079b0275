/* kernel/deferred.h - work an interrupt handler asks for but must not do itself (it would
 * take too long, or must not run with interrupts off): the handler calls deferred_request,
 * and the work runs later in ordinary context, from the idle loop or an explicit
 * deferred_run. Like Linux's tasklets, without the softirq machinery. */
#ifndef KERNEL_DEFERRED_H
#define KERNEL_DEFERRED_H

#include <stdbool.h>
#include <stdint.h>

struct deferred_work {
    const char *name;
    void (*run)(void);
    /* Below: guarded by the deferred lock, with interrupts off. */
    bool pending;
    struct deferred_work *next;
    uint64_t requests, runs;
};

#define DEFERRED_WORK_INIT(work_name, function)                                                    \
    {                                                                                              \
        .name = (work_name), .run = (function)                                                     \
    }

/* Asks for `work` to run once in ordinary context. Requests made while it is pending are
 * merged into one run. Any context, interrupt handlers included; never waits. */
void deferred_request(struct deferred_work *work);

/* Runs every pending work, each once, with interrupts as the caller had them. Returns how
 * many ran. Ordinary context only (does nothing in an interrupt handler). */
int deferred_run(void);

#endif
