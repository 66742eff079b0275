/* kernel/sched.c - run queues, the switch, time slices, timed sleeps and wait queues.
 *
 * Everything here is guarded by sched_lock, taken with interrupts off. A thread leaves the
 * CPU only inside switch_to, holding sched_lock; the thread it switches to releases it
 * (returning from its own switch_to, or in sched_thread_started the first time). So the
 * state of every thread and queue changes under the lock, and a thread's stack is never in
 * use on two sides at once.
 */
#include "kernel/sched.h"

#include "arch/arch.h"
#include "kernel/clock.h"
#include "kernel/irq.h"
#include "kernel/ksyms.h"
#include "kernel/printk.h"
#include "kernel/spinlock.h"
#include "kernel/wait.h"
#include "lib/errno.h"
#include "lib/format.h"

static struct spinlock sched_lock = SPINLOCK_INIT_MEASURED("scheduler");

/* Guarded by sched_lock. */
static struct {
    struct thread *first, *last;
} run_queue[THREAD_PRIORITIES];
static struct thread *timers; /* timed sleepers, soonest deadline first */
static struct sched_stats stats;

/* Per CPU; changed on that CPU with interrupts off. */
static struct thread *running[MAX_CPUS];
static struct thread *idle_thread[MAX_CPUS];
static bool resched_needed[MAX_CPUS];
static uint32_t slice_left[MAX_CPUS]; /* ticks the running thread has left */

/* Read lock-free. */
static bool started;
static uint64_t invalid_sleeps;

struct thread *sched_current(void)
{
    return (struct thread *)arch_cpu_word(CPU_WORD_THREAD); /* one read: no CPU mix-up */
}

void sched_set_current(struct thread *thread)
{
    running[arch_cpu_id()] = thread;
    arch_cpu_word_set(CPU_WORD_THREAD, (long)(uintptr_t)thread);
}

void sched_set_idle(struct thread *thread)
{
    idle_thread[arch_cpu_id()] = thread;
}

static uint32_t slice_ticks(void)
{
    uint32_t rate = clock_tick_rate();
    uint32_t ticks = rate * SCHED_SLICE_MS / 1000;
    return ticks ? ticks : 1;
}

/* --- run queues (sched_lock held) ---------------------------------------------------------- */

static void enqueue(struct thread *thread)
{
    thread->next = NULL;
    if (run_queue[thread->priority].last)
        run_queue[thread->priority].last->next = thread;
    else
        run_queue[thread->priority].first = thread;
    run_queue[thread->priority].last = thread;
}

static struct thread *dequeue_most_urgent(void)
{
    for (int priority = THREAD_PRIORITIES - 1; priority > THREAD_PRIORITY_IDLE; priority--) {
        struct thread *thread = run_queue[priority].first;
        if (thread) {
            run_queue[priority].first = thread->next;
            if (!thread->next)
                run_queue[priority].last = NULL;
            return thread;
        }
    }
    return idle_thread[arch_cpu_id()];
}

/* Makes a thread ready to run; one more urgent than the running thread asks for the CPU. */
static void make_ready(struct thread *thread)
{
    thread->state = THREAD_READY;
    if (thread->priority != THREAD_PRIORITY_IDLE)
        enqueue(thread);
    struct thread *current = sched_current();
    if (!current || thread->priority > current->priority)
        resched_needed[arch_cpu_id()] = true;
}

/* Switches to the most urgent ready thread. The running thread must already be in the state
 * it leaves in: READY (it is queued again, behind its equals), BLOCKED or DEAD. */
static void reschedule(void)
{
    struct thread *previous = sched_current();
    if (previous->state == THREAD_RUNNING)
        make_ready(previous);
    struct thread *next = dequeue_most_urgent();
    resched_needed[arch_cpu_id()] = false;
    slice_left[arch_cpu_id()] = slice_ticks();
    next->state = THREAD_RUNNING;
    if (next == previous)
        return;
    stats.switches++;
    next->switches++;
    sched_set_current(next);
    arch_context_switch(&previous->context, &next->context);
}

static void wake(struct thread *thread, int result);

/* Switches away with sched_lock taken here; returns when the caller runs again. */
static void reschedule_now(void)
{
    unsigned long flags;
    spin_lock_irqsave(&sched_lock, &flags);
    reschedule();
    spin_unlock_irqrestore(&sched_lock, flags);
}

void sched_make_ready(struct thread *thread)
{
    unsigned long flags;
    spin_lock_irqsave(&sched_lock, &flags);
    make_ready(thread);
    bool switch_now = resched_needed[arch_cpu_id()];
    spin_unlock_irqrestore(&sched_lock, flags);
    if (switch_now && !in_interrupt() && arch_irqs_enabled() && !spin_locks_held())
        thread_yield();
}

void sched_thread_started(void)
{
    spin_unlock(&sched_lock); /* taken by the switch that brought us here */
    arch_irq_enable();
}

void sched_exit_current(void)
{
    unsigned long flags;
    spin_lock_irqsave(&sched_lock, &flags);
    struct thread *self = sched_current();
    self->state = THREAD_DEAD; /* and its joiner woken, under the same lock: no lost wake */
    while (self->exited.first)
        wake(self->exited.first, 0);
    reschedule();
    panic("sched: a dead thread ran again");
}

void thread_yield(void)
{
    if (!started || in_interrupt())
        return;
    reschedule_now();
}

void sched_preempt_point(void)
{
    unsigned int cpu = arch_cpu_id();
    if (!started || !resched_needed[cpu] || spin_locks_held())
        return; /* holding a spinlock: the next interrupt or yield will do it */
    stats.preemptions++;
    reschedule_now();
}

/* --- timed sleeps (sched_lock held) --------------------------------------------------------- */

static void timer_add(struct thread *thread, uint64_t deadline)
{
    thread->deadline = deadline;
    struct thread **link = &timers;
    while (*link && (*link)->deadline <= deadline)
        link = &(*link)->next_timer;
    thread->next_timer = *link;
    *link = thread;
}

static void timer_remove(struct thread *thread)
{
    for (struct thread **link = &timers; *link; link = &(*link)->next_timer) {
        if (*link == thread) {
            *link = thread->next_timer;
            break;
        }
    }
    thread->deadline = 0;
}

static void queue_remove(struct wait_queue *queue, struct thread *thread)
{
    struct thread *before = NULL;
    for (struct thread *t = queue->first; t; before = t, t = t->next) {
        if (t != thread)
            continue;
        if (before)
            before->next = t->next;
        else
            queue->first = t->next;
        if (queue->last == t)
            queue->last = before;
        return;
    }
}

/* Wakes a blocked thread with `result` (0: woken; -ETIMEDOUT: its deadline passed). */
static void wake(struct thread *thread, int result)
{
    if (thread->waiting_on)
        queue_remove(thread->waiting_on, thread);
    if (thread->deadline)
        timer_remove(thread);
    thread->waiting_on = NULL;
    thread->wake_result = result;
    make_ready(thread);
}

static void expire_timers(uint64_t now)
{
    while (timers && timers->deadline <= now)
        wake(timers, -ETIMEDOUT);
}

/* The scheduler's own handler on the tick's line: CPU time, slices, timed sleepers. */
static void sched_tick(int irq, void *dev_id)
{
    (void)irq;
    (void)dev_id;
    unsigned int cpu = arch_cpu_id();
    spin_lock(&sched_lock);
    stats.ticks++;
    struct thread *current = running[cpu];
    if (current) {
        current->ticks++;
        if (current->priority != THREAD_PRIORITY_IDLE && --slice_left[cpu] == 0)
            resched_needed[cpu] = true;
    }
    expire_timers(clock_ticks());
    spin_unlock(&sched_lock);
}

void sched_start(void)
{
    slice_left[arch_cpu_id()] = slice_ticks();
    if (request_irq(clock_tick_line(), sched_tick, "scheduler", &stats) != 0)
        panic("sched: cannot share the tick's line");
    WRITE_ONCE(started, true);
}

/* --- sleeping and waking ----------------------------------------------------------------- */

static uint64_t deadline_after(uint64_t timeout_ms)
{
    if (!timeout_ms)
        return 0;
    uint64_t ticks = (timeout_ms * clock_tick_rate() + 999) / 1000;
    return clock_ticks() + (ticks ? ticks : 1);
}

/* Why the running code may not sleep, all reasons at once ("with interrupts off, holding
 * 1 spinlock"), or false when it may. */
static bool sleep_forbidden(char *why, unsigned int size)
{
    unsigned int held = spin_locks_held();
    int used = 0;
    if (in_interrupt())
        used += ksnprintf(why + used, size - (unsigned int)used, "in an interrupt handler, ");
    if (!arch_irqs_enabled())
        used += ksnprintf(why + used, size - (unsigned int)used, "with interrupts off, ");
    if (held)
        used += ksnprintf(why + used, size - (unsigned int)used, "holding %u spinlock%s, ", held,
                          held == 1 ? "" : "s");
    if (!READ_ONCE(started))
        used += ksnprintf(why + used, size - (unsigned int)used, "before the scheduler ran, ");
    if (used >= 2)
        why[used - 2] = '\0'; /* the last ", " */
    return used > 0;
}

int sched_might_sleep(const char *function, const void *caller)
{
    char why[128];
    if (!sleep_forbidden(why, sizeof(why)))
        return 0;
    __atomic_add_fetch(&invalid_sleeps, 1, __ATOMIC_RELAXED);
    char where[KSYM_DESCRIBE_MAX];
    struct thread *current = sched_current();
    printk("sched: sleeping function %s called from invalid context: by %s (%s), thread "
           "'%s'\n",
           function, ksym_describe((uint64_t)(uintptr_t)caller, where, sizeof(where)), why,
           current ? current->name : "none");
    return -EPERM;
}

uint64_t sched_invalid_sleeps(void)
{
    return __atomic_load_n(&invalid_sleeps, __ATOMIC_RELAXED);
}

int wait_begin(struct wait_ticket *ticket, uint64_t timeout_ms, const char *function,
               const void *caller)
{
    ticket->locked = false;
    int error = sched_might_sleep(function, caller);
    if (error)
        return error;
    ticket->deadline = deadline_after(timeout_ms);
    spin_lock_irqsave(&sched_lock, &ticket->flags);
    ticket->locked = true;
    return 0;
}

int wait_sleep(struct wait_ticket *ticket, struct wait_queue *queue)
{
    struct thread *self = sched_current();
    if (ticket->deadline && clock_ticks() >= ticket->deadline)
        return -ETIMEDOUT;
    self->state = THREAD_BLOCKED;
    self->waiting_on = queue;
    self->next = NULL;
    if (queue) {
        if (queue->last)
            queue->last->next = self;
        else
            queue->first = self;
        queue->last = self;
    }
    if (ticket->deadline)
        timer_add(self, ticket->deadline);
    reschedule();
    return self->wake_result;
}

void wait_end(struct wait_ticket *ticket)
{
    if (ticket->locked)
        spin_unlock_irqrestore(&sched_lock, ticket->flags);
    ticket->locked = false;
}

static void wake_queue(struct wait_queue *queue, bool all)
{
    unsigned long flags;
    spin_lock_irqsave(&sched_lock, &flags);
    do {
        if (!queue->first)
            break;
        wake(queue->first, 0);
    } while (all);
    bool switch_now = resched_needed[arch_cpu_id()];
    spin_unlock_irqrestore(&sched_lock, flags);
    if (switch_now && !in_interrupt() && arch_irqs_enabled() && !spin_locks_held())
        thread_yield();
}

void wait_queue_wake_one(struct wait_queue *queue)
{
    wake_queue(queue, false);
}

void wait_queue_wake_all(struct wait_queue *queue)
{
    wake_queue(queue, true);
}

void wait_lock_irqsave(unsigned long *flags)
{
    spin_lock_irqsave(&sched_lock, flags);
}

void wait_unlock_irqrestore(unsigned long flags)
{
    spin_unlock_irqrestore(&sched_lock, flags);
}

int thread_sleep_ms(uint64_t ms)
{
    if (!ms) {
        int error = sched_might_sleep(__func__, __builtin_return_address(0));
        if (!error)
            thread_yield();
        return error;
    }
    int result = wait_event_timeout(NULL, false, ms);
    return result == -ETIMEDOUT ? 0 : result;
}

void sched_get_stats(struct sched_stats *out)
{
    unsigned long flags;
    spin_lock_irqsave(&sched_lock, &flags);
    *out = stats;
    spin_unlock_irqrestore(&sched_lock, flags);
}
