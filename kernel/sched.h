/* kernel/sched.h - the scheduler: which thread runs on each CPU. Ready threads wait on one
 * queue per priority, shared by every CPU; each CPU runs the most urgent thread it may (a
 * thread can be pinned to one CPU), round robin within a priority, each thread for a time
 * slice of SCHED_SLICE_MS. Each CPU's tick ends its slices; CPU 0's wakes timed sleepers. A
 * wake-up at a higher priority than what some CPU runs preempts it at once (another CPU
 * through a reschedule IPI); a CPU with nothing to run halts. One lock (sched_lock) guards
 * every queue, run and wait alike, with interrupts off: that single lock is what makes a
 * sleep and a wake-up impossible to cross (kernel/wait.h), whichever CPUs they run on.
 */
#ifndef KERNEL_SCHED_H
#define KERNEL_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/spinlock.h"
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

/* The idle thread's wait: halts until the next interrupt (whose end switches to a thread it
 * made ready), or switches at once if this CPU was asked to already. Interrupts on. */
void sched_idle(void);

/* True when the running thread is below normal priority (the idle thread, background work):
 * busy threads may keep it off the CPU for as long as they run, so it must not start work
 * that others wait for. False before threads exist. Any context. */
bool sched_current_may_starve(void);

/* Called by the IRQ layer as an outermost interrupt ends (interrupts off): switches to a
 * thread that became more urgent than the interrupted one, unless the interrupted code holds
 * a spinlock (then at the next chance). */
void sched_preempt_point(void);

/* What the scheduler did since boot. */
struct sched_stats {
    uint64_t switches;             /* context switches */
    uint64_t preemptions;          /* of those, at the end of an interrupt */
    uint64_t ticks;                /* ticks seen, over all CPUs */
    uint64_t ticks_on[MAX_CPUS];   /* by each CPU */
    uint32_t running_on[MAX_CPUS]; /* the id of the thread each CPU runs; 0: none */
    uint64_t reschedule_ipis;      /* sent to make another CPU switch */
    unsigned int online;           /* CPUs that take threads */
};
void sched_get_stats(struct sched_stats *stats);

/* The scheduler lock's figures (times taken, waits), and with reset, starts them again and
 * from then on measures its hold times too (off until then: two TSC reads per taking). Any
 * context but with sched_lock held. */
void sched_get_lock_stats(struct spinlock_stats *stats, bool reset);

/* The calling CPU, up at last, runs `idle` (its idle thread, which it started on) and takes
 * threads from now on. Interrupts off. */
void sched_cpu_online(struct thread *idle);

/* True when CPU `cpu` takes threads. Any context. */
bool sched_cpu_is_online(unsigned int cpu);

/* Pins a thread to CPU `cpu` (-1: any CPU): from its next switch on, it runs only there. A
 * thread pinning itself moves at once. Returns 0, or -EINVAL for a CPU that is not online.
 * Thread context. */
int sched_pin(struct thread *thread, int cpu);

/* Runs `run` on each CPU that takes threads, in turn, by moving the calling thread there
 * (pinned while it runs; its own pinning is restored after). Where no other CPU is up, runs it
 * here. Returns 0, or -EPERM without running it anywhere when other CPUs are up and the
 * caller may not sleep (interrupts off, a spinlock held, in a handler). Thread context. */
int sched_run_on_each_cpu(void (*run)(void));

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
