/* kernel/wait.h - waiting for something to happen: wait queues, on which threads sleep until
 * another thread or an interrupt handler wakes them, and the rule that says where sleeping
 * is allowed at all.
 *
 * The pattern that cannot lose a wake-up: the waker first makes the condition true, then
 * wakes the queue; the sleeper checks the condition and goes to sleep under one lock (the
 * scheduler's, which every wake takes), so a wake-up cannot fall between its check and its
 * sleep:
 *
 *     // a consumer thread                          // an interrupt handler
 *     wait_event(&pipe_queue, pipe_count > 0);      pipe_count++;
 *                                                   wait_queue_wake_all(&pipe_queue);
 *
 * Only threads sleep. An interrupt handler, code with interrupts off and code holding a
 * spinlock must not: wait_event and everything built on it (mutexes, completions,
 * thread_sleep_ms, GFP_KERNEL allocations that wait) catch such a call before it sleeps,
 * report it in one line naming the caller, count it, and fail with -EPERM instead.
 */
#ifndef KERNEL_WAIT_H
#define KERNEL_WAIT_H

#include <stdbool.h>
#include <stdint.h>

struct thread;

struct wait_queue {
    const char *name;            /* what its sleepers wait for, as ps shows it */
    struct thread *first, *last; /* sleepers in arrival order; the scheduler's lock guards */
};

#define WAIT_QUEUE_INIT(queue_name)                                                                \
    {                                                                                              \
        .name = (queue_name)                                                                       \
    }

/* Wakes the longest sleeper, or every sleeper, of the queue (they run once the scheduler
 * picks them; a thread of higher priority than the running one takes the CPU at once). Any
 * context, interrupt handlers included; never waits. */
void wait_queue_wake_one(struct wait_queue *queue);
void wait_queue_wake_all(struct wait_queue *queue);

/* Sleeps until `condition` is true, or timeout_ms milliseconds have passed (0: no limit;
 * the wait ends at the first tick after the time). Returns 0 once the condition held,
 * -ETIMEDOUT, or -EPERM from a context that must not sleep (reported, counted; the
 * condition is then not looked at). The condition is evaluated with the scheduler's lock
 * held and interrupts off, possibly several times: it must be a short read of state that
 * wakers change before they wake the queue (not while holding a lock they hold when
 * waking). It may also claim what it found (a mutex takes its owner field there): the lock
 * makes the check-and-claim whole. Thread context; waits. */
#define wait_event_timeout(queue, condition, timeout_ms)                                           \
    ({                                                                                             \
        struct wait_ticket wait_ticket_;                                                           \
        int wait_result_ =                                                                         \
                wait_begin(&wait_ticket_, (timeout_ms), __func__, __builtin_return_address(0));    \
        while (wait_result_ == 0 && !(condition))                                                  \
            wait_result_ = wait_sleep(&wait_ticket_, (queue));                                     \
        wait_end(&wait_ticket_);                                                                   \
        wait_result_;                                                                              \
    })

#define wait_event(queue, condition) wait_event_timeout(queue, condition, 0)

/* The pieces wait_event is made of. wait_begin checks that the caller may sleep (else
 * reports, counts and returns -EPERM without taking the lock), takes the scheduler's lock
 * and works out the deadline; wait_sleep puts the thread on the queue and switches away
 * until a wake or the deadline (0 or -ETIMEDOUT), the lock held again on return; wait_end
 * releases the lock. */
struct wait_ticket {
    unsigned long flags; /* the interrupt state before the lock */
    uint64_t deadline;   /* tick to stop at; 0: none */
    bool locked;
};
int wait_begin(struct wait_ticket *ticket, uint64_t timeout_ms, const char *function,
               const void *caller);
int wait_sleep(struct wait_ticket *ticket, struct wait_queue *queue);
void wait_end(struct wait_ticket *ticket);

/* The scheduler's lock, for code that changes what a wait_event condition reads and must
 * do so atomically with the check (a mutex's owner). Interrupts off while held; hold it
 * briefly; never sleep under it. */
void wait_lock_irqsave(unsigned long *flags);
void wait_unlock_irqrestore(unsigned long flags);

/* Returns 0 when the calling code may sleep: a thread, interrupts on, no spinlock held, the
 * scheduler running. Otherwise prints one line ("sched: sleeping function <function> called
 * from invalid context: <caller> (<why>), thread '<name>'", where caller is the return
 * address <function> will return to), counts it and returns -EPERM. Any context. */
int sched_might_sleep(const char *function, const void *caller);

/* Sleeps calls from invalid contexts caught so far. Any context. */
uint64_t sched_invalid_sleeps(void);

#endif
