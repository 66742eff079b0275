/* kernel/deferred_thread.c - the kernel thread that runs deferred work (kernel/deferred.h):
 * asleep until a request wakes it, then it runs every pending work, at high priority so the
 * work an interrupt handler asked for comes before ordinary threads. */
#include <stddef.h>

#include "kernel/deferred.h"
#include "kernel/thread.h"
#include "kernel/wait.h"

/* Each CPU's worker sleeps on its own queue. */
static struct wait_queue requests[MAX_CPUS] = {[0 ... MAX_CPUS - 1] =
                                                       WAIT_QUEUE_INIT("deferred work")};

/* deferred_notify: a work was queued on this CPU's empty list. Interrupts off; any context.
 * The queue is looked at without the scheduler's lock, which every CPU's interrupts would
 * otherwise take at every tick of a busy machine: the worker checks for work and goes to
 * sleep with interrupts off on this same CPU (it is pinned here), so it is either on the
 * queue already or will see the work when it checks. */
static void wake_worker(void)
{
    struct wait_queue *queue = &requests[arch_cpu_id()];
    if (READ_ONCE(queue->first))
        wait_queue_wake_all(queue);
}

/* Pinned to its CPU: arch_cpu_id() is the same at every look. */
static void deferred_worker(void *arg)
{
    (void)arg;
    for (;;) {
        wait_event(&requests[arch_cpu_id()], deferred_any_pending());
        deferred_run();
    }
}

int deferred_thread_start(unsigned int cpu)
{
    struct thread *worker =
            thread_create_on("deferred", deferred_worker, NULL, THREAD_PRIORITY_HIGH, cpu);
    if (!worker)
        return -1;
    thread_detach(worker);
    deferred_notify = wake_worker;
    return 0;
}
