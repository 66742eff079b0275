/* mm/page_alloc_wait.c - GFP_KERNEL's wait: a thread whose allocation finds the pool at its
 * min watermark sleeps on one wait queue until a free lifts the pool, and gives up with NULL
 * and one line after a timeout. A caller that must not sleep is caught before it does
 * (kernel/wait.h). The free path wakes the queue only while someone waits on it.
 */
#include <stddef.h>

#include "kernel/cmdline.h"
#include "kernel/printk.h"
#include "kernel/thread.h"
#include "kernel/wait.h"
#include "lib/compiler.h"
#include "lib/errno.h"
#include "mm/buddy.h"
#include "mm/internal.h"
#include "mm/page_alloc.h"

unsigned int page_alloc_waiters;
bool page_alloc_waits_started;

static struct wait_queue memory_freed = WAIT_QUEUE_INIT("memory");

/* Bumped by each wake-up: a waiter that saw it change since its last try tries again. */
static uint64_t frees_seen;

static uint64_t timeout_ms = PAGE_ALLOC_WAIT_MS_DEFAULT;
static struct page_alloc_wait_stats stats; /* each field an atomic add */

static void count(uint64_t *counter)
{
    __atomic_add_fetch(counter, 1, __ATOMIC_RELAXED);
}

void page_alloc_wait_init(void)
{
    timeout_ms = cmdline_uint("oom_wait_ms", PAGE_ALLOC_WAIT_MS_DEFAULT, 1, PAGE_ALLOC_WAIT_MS_MAX);
}

void page_alloc_wait_start(void)
{
    WRITE_ONCE(page_alloc_waits_started, true);
}

int page_alloc_set_wait_timeout(uint64_t ms)
{
    if (ms < 1 || ms > PAGE_ALLOC_WAIT_MS_MAX)
        return -EINVAL;
    WRITE_ONCE(timeout_ms, ms);
    return 0;
}

uint64_t page_alloc_wait_timeout(void)
{
    return READ_ONCE(timeout_ms);
}

void page_alloc_get_wait_stats(struct page_alloc_wait_stats *out)
{
    out->waits = __atomic_load_n(&stats.waits, __ATOMIC_RELAXED);
    out->served = __atomic_load_n(&stats.served, __ATOMIC_RELAXED);
    out->timeouts = __atomic_load_n(&stats.timeouts, __ATOMIC_RELAXED);
    out->refused = __atomic_load_n(&stats.refused, __ATOMIC_RELAXED);
    out->wakeups = __atomic_load_n(&stats.wakeups, __ATOMIC_RELAXED);
    out->waiting = __atomic_load_n(&page_alloc_waiters, __ATOMIC_RELAXED);
}

/* Sleeps until a free wakes the queue after the try that saw `seen`, or (order 0) the pool can
 * serve already, or the tick `deadline`. Returns 0 or -ETIMEDOUT. The condition is read under
 * the scheduler's lock, which the wake takes too: a wake after the try is not lost. A larger
 * block needs a wake, not just the count: free frames above min may not form one. */
static int sleep_until_freed(uint64_t seen, unsigned int order, uint64_t deadline,
                             const void *caller)
{
    struct wait_ticket ticket;
    int result = wait_begin(&ticket, 0, "alloc_pages", caller);
    ticket.deadline = deadline; /* the whole wait's, not one more timeout from now */
    while (result == 0 && READ_ONCE(frees_seen) == seen &&
           !(order == 0 && page_alloc_could_serve(0)))
        result = wait_sleep(&ticket, &memory_freed);
    wait_end(&ticket);
    return result;
}

static void report_out_of_memory(gfp_t gfp, unsigned int order, uint64_t waited_ms)
{
    struct thread *self = thread_current();
    printk("page_alloc: out of memory: thread '%s' waited %lu ms for an order-%u block "
           "(%s) and gets NULL\n",
           self ? self->name : "none", waited_ms, order,
           gfp & __GFP_EXCLUSIVE ? "GFP_KERNEL | EXCLUSIVE" : "GFP_KERNEL");
}

__attribute__((noinline)) struct page *page_alloc_wait(gfp_t gfp, unsigned int order)
{
    const void *caller = __builtin_return_address(0); /* alloc_page's: tail calls led here */
    uint64_t limit = page_alloc_wait_timeout();
    struct wait_ticket ticket;
    if (wait_begin(&ticket, limit, order ? "alloc_pages" : "alloc_page", caller) != 0) {
        count(&stats.refused); /* reported by wait_begin: a context that must not sleep */
        page_alloc_count_failure();
        return NULL;
    }
    uint64_t deadline = ticket.deadline;
    wait_end(&ticket);
    __atomic_add_fetch(&page_alloc_waiters, 1, __ATOMIC_SEQ_CST); /* before the try: a free
                                                                   * after it wakes us */
    count(&stats.waits);
    struct page *page = NULL;
    int result = 0;
    while (result == 0) {
        uint64_t seen = __atomic_load_n(&frees_seen, __ATOMIC_ACQUIRE);
        page = alloc_pages(gfp | __GFP_WAITING, order);
        if (page)
            break;
        result = sleep_until_freed(seen, order, deadline, caller);
    }
    __atomic_sub_fetch(&page_alloc_waiters, 1, __ATOMIC_SEQ_CST);
    if (page) {
        count(&stats.served);
        return page;
    }
    count(&stats.timeouts);
    page_alloc_count_failure();
    report_out_of_memory(gfp, order, limit);
    return NULL;
}

/* The free path calls it when it saw page_alloc_waiters non-zero: a plain load, no barrier, so
 * a free on another CPU racing a thread's arrival may not call it (docs/threads.md says why
 * that is allowed: the next free, or the timeout, ends the wait). */
void page_alloc_wake_waiters(void)
{
    page_alloc_drain_hot_cache(); /* where a waiter on any CPU can take the frames */
    if (READ_ONCE(zone.free_pages) <= mm_limits.watermark_min)
        return; /* still at min: a waiter would only find nothing and sleep again */
    __atomic_add_fetch(&frees_seen, 1, __ATOMIC_RELEASE);
    count(&stats.wakeups);
    wait_queue_wake_all(&memory_freed);
}
