/* kernel/deferred.h - work an interrupt handler asks for but must not do itself (it would
 * take too long, or must not run with interrupts off): the handler calls deferred_request,
 * and the work runs later in ordinary context, in a kernel thread of high priority that the
 * request wakes (kernel/main.c starts one per CPU), or in an explicit deferred_run. Like
 * Linux's tasklets,
 * without the softirq machinery. Each CPU keeps its own list of requests, guarded by disabling
 * interrupts on that CPU, so a request costs a few stores and takes no lock; each CPU has its
 * own worker thread, pinned to it, so work requested on a CPU runs there (the atomic reserve's
 * refill tops up that CPU's landing pads). A work requested on two CPUs runs on each.
 */
#ifndef KERNEL_DEFERRED_H
#define KERNEL_DEFERRED_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/arch.h"

struct deferred_work {
    const char *name;
    void (*run)(void);
    /* Each CPU's: changed by that CPU with interrupts off, so a work can wait on every CPU's
     * list at once. */
    bool pending[MAX_CPUS];
    struct deferred_work *next[MAX_CPUS];
    uint64_t runs; /* an atomic add each run */
};

#define DEFERRED_WORK_INIT(work_name, function)                                                    \
    {                                                                                              \
        .name = (work_name), .run = (function)                                                     \
    }

/* The works requested on each CPU and not run yet. */
extern struct deferred_work *deferred_pending[MAX_CPUS];

/* Called by deferred_kick when works are pending: the kernel sets it to wake the thread that
 * runs deferred work. NULL on the host, where tests call deferred_run themselves. */
extern void (*deferred_notify)(void);

/* deferred_request for callers that have interrupts off already (the allocator's interrupt
 * path): a handful of instructions. */
static inline void deferred_request_irqs_off(struct deferred_work *work)
{
    unsigned long cpu = arch_cpu_index();
    if (work->pending[cpu])
        return; /* merged with the request already pending here */
    work->pending[cpu] = true;
    work->next[cpu] = deferred_pending[cpu];
    deferred_pending[cpu] = work;
    /* No wake here: this runs on an interrupt handler's take path, which must stay a few
     * instructions. The IRQ layer wakes the worker as the interrupt ends (deferred_kick). */
}

/* Asks for `work` to run once in ordinary context, and wakes the thread that runs it.
 * Requests made while it is pending are merged into one run. Any context, interrupt handlers
 * included; never waits. */
void deferred_request(struct deferred_work *work);

/* Wakes the worker thread if works are pending on this CPU: the IRQ layer calls it as an
 * outermost interrupt ends, for the requests handlers made with deferred_request_irqs_off.
 * Any context; never waits. */
void deferred_kick(void);

/* Runs every work pending on this CPU, each once, with interrupts as the caller had them.
 * Returns how many ran. Ordinary context only (does nothing in an interrupt handler). */
int deferred_run(void);

/* True when works are pending on this CPU. Any context. */
bool deferred_any_pending(void);

/* Starts the thread that runs deferred work on CPU `cpu` (kernel/deferred_thread.c), pinned
 * there (it runs once that CPU is up), and has requests wake it. Returns 0, or -1 when the
 * thread cannot be made. Boot, in a thread, after sched_start: for CPU 0, then for each CPU
 * before it is started. */
int deferred_thread_start(unsigned int cpu);

#endif
