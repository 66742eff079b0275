/* kernel/deferred_thread.c - the kernel thread that runs deferred work (kernel/deferred.h):
 * asleep until a request wakes it, then it runs every pending work, at high priority so the
 * work an interrupt handler asked for comes before ordinary threads. */
#include <stddef.h>

#include "kernel/deferred.h"
#include "kernel/thread.h"
#include "kernel/wait.h"

static struct wait_queue requests = WAIT_QUEUE_INIT("deferred work");

/* deferred_notify: a work was queued on an empty list. Interrupts off; any context. */
static void wake_worker(void)
{
    wait_queue_wake_all(&requests);
}

static void deferred_worker(void *arg)
{
    (void)arg;
    for (;;) {
        wait_event(&requests, deferred_any_pending());
        deferred_run();
    }
}

int deferred_thread_start(void)
{
    struct thread *worker = thread_create("deferred", deferred_worker, NULL, THREAD_PRIORITY_HIGH);
    if (!worker)
        return -1;
    thread_detach(worker);
    deferred_notify = wake_worker;
    return 0;
}
