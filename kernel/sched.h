/* kernel/sched.h - the scheduler: which thread runs. Ready threads wait on one queue per
 * priority; the highest non-empty queue runs, round robin within it, each thread for a time
 * slice of SCHED_SLICE_MS. The timer tick ends slices and wakes timed sleepers; a wake-up at
 * a higher priority than the running thread preempts it at once. One lock (sched_lock) guards
 * every queue, run and wait alike, with interrupts off: that single lock is what makes a
 * sleep and a wake-up impossible to cross (kernel/wait.h).
 */
#ifndef KERNEL_SCHED_H
#define KERNEL_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/thread.h"
#include "lib/compiler.h"

#define SCHED_SLICE_MS 10

/* Starts preemption: registers the scheduler's handler on the tick's IRQ line. Boot, after
 * clock_init and thread_init. */
void sched_start(void);

/* Gives the CPU to the next ready thread of the same or higher priority, if any. Thread
 * context; returns when the caller runs again. */
void thread_yield(void);

/* Sleeps for at least ms milliseconds (0: just yields), waking at the first tick after.
 * Returns 0, or -EPERM from a context that must not sleep (reported). Thread context. */
int thread_sleep_ms(uint64_t ms);

/* Called by the IRQ layer as an outermost interrupt ends (interrupts off): switches to a
 * thread that became more urgent than the interrupted one, unless the interrupted code holds
 * a spinlock (then at the next chance). */
void sched_preempt_point(void);

/* What the scheduler did since boot. */
struct sched_stats {
    uint64_t switches;    /* context switches */
    uint64_t preemptions; /* of those, at the end of an interrupt */
    uint64_t ticks;       /* ticks seen */
};
void sched_get_stats(struct sched_stats *stats);

/* For kernel/thread.c: the running thread, and at boot the thread kmain becomes and this
 * CPU's idle thread; a new thread made ready; the running thread's end (DEAD, its joiner
 * woken, and it never runs again); the first code a new thread runs (releases the
 * scheduler's lock the switch left held and enables interrupts). */
struct thread *sched_current(void);
void sched_set_current(struct thread *thread);
void sched_set_idle(struct thread *thread);
void sched_make_ready(struct thread *thread);
__noreturn void sched_exit_current(void);
void sched_thread_started(void);

#endif
