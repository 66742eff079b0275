/* kernel/sched.c - the run queues every CPU takes from, the switch, time slices, timed
 * sleeps and wait queues.
 *
 * Everything shared here is guarded by sched_lock, taken with interrupts off. A thread leaves
 * its CPU only inside reschedule, holding sched_lock; the thread it switches to releases it
 * (returning from its own reschedule, or in sched_thread_started the first time). So the
 * state of every thread and queue changes under the lock, and a thread's stack is never in
 * use on two sides at once: a thread made ready while its CPU is still switching away from it
 * cannot be taken by another CPU before the switch is done, since taking it needs the lock.
 *
 * One lock and one set of queues for every CPU (docs/smp.md says why): a CPU takes the most
 * urgent ready thread it may run (threads can be pinned to a CPU); a thread made ready goes
 * to the CPU running the least urgent thread, which gets a reschedule IPI when it is another.
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

/* Its hold times are measured only when asked (sched_get_lock_stats): it is taken at every
 * switch and wake-up, where two TSC reads more would show. */
static struct spinlock sched_lock = SPINLOCK_INIT("scheduler");

/* Guarded by sched_lock. */
static struct {
    struct thread *first, *last;
} run_queue[THREAD_PRIORITIES];
static struct thread *timers; /* timed sleepers, soonest deadline first */
static struct sched_stats stats;
static struct thread *running[MAX_CPUS];     /* what each CPU runs (its own copy: the CPU word) */
static struct thread *idle_thread[MAX_CPUS]; /* set as the CPU comes up */
static bool cpu_online[MAX_CPUS];            /* takes threads */
static unsigned int cpus_to_scan = 1;        /* 1 + the highest CPU online */
static uint64_t reschedule_ipis;             /* sent */

/* Per CPU, changed on that CPU with interrupts off; resched_needed also set by other CPUs
 * under sched_lock (a single store: the CPU then switches at its next chance). */
static bool resched_needed[MAX_CPUS];
static uint32_t slice_left[MAX_CPUS]; /* ticks the running thread has left */
static uint64_t ticks_seen[MAX_CPUS];

/* Read lock-free. */
static bool started;
static uint64_t invalid_sleeps;

struct thread *sched_current(void)
{
    return (struct thread *)arch_cpu_word(CPU_WORD_THREAD); /* one read: no CPU mix-up */
}

bool sched_current_may_starve(void)
{
    struct thread *current = sched_current();
    return current && current->priority < THREAD_PRIORITY_NORMAL;
}

/* Interrupts off. The context word follows the thread: what this CPU allocates from now on
 * is the new thread's (kernel/context.h). */
void sched_set_current(struct thread *thread)
{
    running[arch_cpu_id()] = thread;
    arch_cpu_word_set(CPU_WORD_THREAD, (long)(uintptr_t)thread);
    arch_cpu_word_set(CPU_WORD_CONTEXT, (long)thread->context_id);
}

void sched_set_idle(struct thread *thread)
{
    unsigned int cpu = arch_cpu_id();
    idle_thread[cpu] = thread;
    thread->cpu = (int)cpu;
    cpu_online[cpu] = true;
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

static bool may_run_on(const struct thread *thread, unsigned int cpu)
{
    return thread->pinned < 0 || thread->pinned == (int)cpu;
}

/* Takes the first thread of a queue that may run on cpu, or NULL. */
static struct thread *take_from(unsigned int priority, unsigned int cpu)
{
    struct thread *before = NULL;
    for (struct thread *thread = run_queue[priority].first; thread;
         before = thread, thread = thread->next) {
        if (!may_run_on(thread, cpu))
            continue;
        if (before)
            before->next = thread->next;
        else
            run_queue[priority].first = thread->next;
        if (run_queue[priority].last == thread)
            run_queue[priority].last = before;
        return thread;
    }
    return NULL;
}

static struct thread *dequeue_most_urgent(unsigned int cpu)
{
    for (int priority = THREAD_PRIORITIES - 1; priority > THREAD_PRIORITY_IDLE; priority--) {
        struct thread *thread = take_from((unsigned int)priority, cpu);
        if (thread)
            return thread;
    }
    return idle_thread[cpu];
}

/* How urgent cpu's work is: its running thread's priority, -1 when it is idle and nobody
 * asked it to reschedule yet (the best CPU to hand a thread to). */
static int busyness(unsigned int cpu)
{
    const struct thread *current = running[cpu];
    if (!current || (current->priority == THREAD_PRIORITY_IDLE && !resched_needed[cpu]))
        return -1;
    return current->priority;
}

/* The CPU a thread made ready should go to: its own if pinned, else the one whose work is
 * least urgent (ties: the CPU it last ran on, then this one, then the lowest number). */
static int choose_cpu(const struct thread *thread)
{
    if (thread->pinned >= 0)
        return cpu_online[thread->pinned] ? thread->pinned : -1;
    unsigned int here = arch_cpu_id();
    if (cpus_to_scan == 1)
        return (int)here; /* one CPU: nothing to choose */
    int last = thread->cpu;
    if (last >= 0 && cpu_online[last] && busyness((unsigned int)last) < 0)
        return last; /* where it ran, idle: the quick answer */
    int best = -1, best_busyness = THREAD_PRIORITIES;
    for (unsigned int cpu = 0; cpu < cpus_to_scan; cpu++) {
        if (!cpu_online[cpu])
            continue;
        int b = busyness(cpu);
        bool tie_winner = (int)cpu == thread->cpu || (cpu == here && best != thread->cpu);
        if (b < best_busyness || (b == best_busyness && tie_winner)) {
            best = (int)cpu;
            best_busyness = b;
        }
    }
    return best;
}

/* Asks the CPU a queued thread should go to to switch, if the thread is more urgent than
 * what it runs: this CPU at its next chance, another by a reschedule IPI. */
static void poke(const struct thread *thread)
{
    int cpu = choose_cpu(thread);
    if (cpu < 0)
        return; /* its CPU is not up yet: it waits in the queue */
    const struct thread *current = running[cpu];
    if (current && thread->priority <= current->priority)
        return;
    bool asked = resched_needed[cpu];
    resched_needed[cpu] = true;
    if ((unsigned int)cpu != arch_cpu_id() && !asked) {
        reschedule_ipis++;
        irq_raise_on(IRQ_LINE_RESCHEDULE, (unsigned int)cpu);
    }
}

/* Makes a thread ready to run, and asks a CPU for it (poke). An idle thread is never queued:
 * its CPU takes it when it has nothing else. */
static void make_ready(struct thread *thread)
{
    thread->state = THREAD_READY;
    if (thread->priority == THREAD_PRIORITY_IDLE)
        return;
    enqueue(thread);
    poke(thread);
}

/* Switches to the most urgent ready thread. The running thread must already be in the state
 * it leaves in: READY (it is queued again, behind its equals), BLOCKED or DEAD. `preempting`:
 * the end of an interrupt asked, which counts as a preemption when another thread gets the
 * CPU (not when the running one is picked again). */
static void reschedule(bool preempting)
{
    unsigned int cpu = arch_cpu_id();
    struct thread *previous = sched_current();
    bool requeued = previous->state == THREAD_RUNNING;
    if (requeued) {
        previous->state = THREAD_READY; /* behind its equals; no CPU asked for it yet */
        if (previous->priority != THREAD_PRIORITY_IDLE)
            enqueue(previous);
    }
    struct thread *next = dequeue_most_urgent(cpu);
    resched_needed[cpu] = false;
    slice_left[cpu] = slice_ticks();
    next->state = THREAD_RUNNING;
    next->cpu = (int)cpu;
    if (next == previous)
        return;
    stats.switches++;
    stats.preemptions += preempting;
    next->switches++;
    sched_set_current(next);
    if (requeued && previous->priority != THREAD_PRIORITY_IDLE)
        poke(previous); /* it lost this CPU: another may be idle */
    arch_context_switch(&previous->context, &next->context);
}

static void wake(struct thread *thread, int result);

/* Switches away with sched_lock taken here; returns when the caller runs again. */
static void reschedule_now(bool preempting)
{
    unsigned long flags;
    spin_lock_irqsave(&sched_lock, &flags);
    reschedule(preempting);
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
    reschedule(false);
    panic("sched: a dead thread ran again");
}

void thread_yield(void)
{
    if (!started || in_interrupt())
        return;
    reschedule_now(false);
}

void sched_idle(void)
{
    arch_irq_disable();
    unsigned int cpu = arch_cpu_id();
    if (!READ_ONCE(resched_needed[cpu]))
        arch_wait_for_interrupt(); /* sti; hlt: no interrupt slips in between */
    arch_irq_enable();
    if (READ_ONCE(resched_needed[cpu]))
        thread_yield(); /* asked without an interrupt (a thread of this CPU made one ready) */
}

void sched_preempt_point(void)
{
    unsigned int cpu = arch_cpu_id();
    if (!started || !resched_needed[cpu] || spin_locks_held())
        return; /* holding a spinlock: the next interrupt or yield will do it */
    reschedule_now(true);
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
    while (timers && timers->deadline <= now) {
        timers->expired_at = now;
        wake(timers, -ETIMEDOUT);
    }
}

/* The scheduler's own handler on the tick's line: CPU time, slices, timed sleepers. */
/* The scheduler's own handler on the tick's line, on every CPU: CPU time and slices, without
 * the lock (only this CPU changes what it runs, and only with interrupts off); CPU 0, which
 * keeps the time, also wakes timed sleepers. */
static void sched_tick(int irq, void *dev_id)
{
    (void)irq;
    (void)dev_id;
    unsigned int cpu = arch_cpu_id();
    ticks_seen[cpu]++;
    struct thread *current = running[cpu];
    if (current) {
        current->ticks++;
        if (current->priority != THREAD_PRIORITY_IDLE && --slice_left[cpu] == 0)
            resched_needed[cpu] = true;
    }
    uint64_t now = clock_ticks();
    struct thread *soonest = READ_ONCE(timers); /* a look first: the lock only when due */
    if (cpu != 0 || !soonest || READ_ONCE(soonest->deadline) > now)
        return;
    spin_lock(&sched_lock);
    expire_timers(now);
    spin_unlock(&sched_lock);
}

/* The reschedule IPI: nothing to do here; the end of the interrupt switches
 * (sched_preempt_point), as resched_needed asks. */
static void sched_reschedule_ipi(int irq, void *dev_id)
{
    (void)irq;
    (void)dev_id;
}

void sched_start(void)
{
    slice_left[arch_cpu_id()] = slice_ticks();
    if (request_irq(clock_tick_line(), sched_tick, "scheduler", &stats) != 0)
        panic("sched: cannot share the tick's line");
    /* Only a controller with per-CPU lines has the IPI's line: with the 8259, one CPU. */
    request_irq(IRQ_LINE_RESCHEDULE, sched_reschedule_ipi, "reschedule", &stats);
    WRITE_ONCE(started, true);
}

void sched_cpu_online(struct thread *idle)
{
    unsigned long flags;
    spin_lock_irqsave(&sched_lock, &flags);
    unsigned int cpu = arch_cpu_id();
    idle->state = THREAD_RUNNING;
    idle->cpu = (int)cpu;
    idle_thread[cpu] = idle;
    sched_set_current(idle);
    slice_left[cpu] = slice_ticks();
    WRITE_ONCE(cpu_online[cpu], true);
    cpus_to_scan = MAX(cpus_to_scan, cpu + 1);
    resched_needed[cpu] = true; /* threads pinned here may be waiting already */
    spin_unlock_irqrestore(&sched_lock, flags);
}

bool sched_cpu_is_online(unsigned int cpu)
{
    return cpu < MAX_CPUS && READ_ONCE(cpu_online[cpu]);
}

int sched_pin(struct thread *thread, int cpu)
{
    if (cpu >= MAX_CPUS || (cpu >= 0 && !sched_cpu_is_online((unsigned int)cpu)))
        return -EINVAL;
    unsigned long flags;
    spin_lock_irqsave(&sched_lock, &flags);
    thread->pinned = cpu;
    spin_unlock_irqrestore(&sched_lock, flags);
    if (thread == sched_current())
        thread_yield(); /* off to its CPU, if this is not it */
    return 0;
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

/* True when a CPU other than the caller's takes threads. */
static bool others_online(void)
{
    for (unsigned int cpu = 0; cpu < MAX_CPUS; cpu++)
        if (cpu != arch_cpu_id() && sched_cpu_is_online(cpu))
            return true;
    return false;
}

int sched_run_on_each_cpu(void (*run)(void))
{
    if (!others_online()) {
        run();
        return 0;
    }
    char why[128];
    if (sleep_forbidden(why, sizeof(why)))
        return -EPERM;
    struct thread *self = sched_current();
    int pinned = READ_ONCE(self->pinned);
    for (unsigned int cpu = 0; cpu < MAX_CPUS; cpu++) {
        if (sched_cpu_is_online(cpu) && sched_pin(self, (int)cpu) == 0)
            run(); /* pinned: it runs on `cpu` until the next sched_pin */
    }
    sched_pin(self, pinned);
    return 0;
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
    uint64_t now = clock_ticks();
    if (ticket->deadline)
        self->last_deadline = ticket->deadline;
    if (ticket->deadline && now >= ticket->deadline) {
        self->expired_at = now; /* the deadline passed before the thread could block */
        return -ETIMEDOUT;
    }
    self->state = THREAD_BLOCKED;
    self->sleeps++;
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
    reschedule(false);
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
    out->reschedule_ipis = reschedule_ipis;
    for (unsigned int cpu = 0; cpu < MAX_CPUS; cpu++) {
        out->ticks_on[cpu] = READ_ONCE(ticks_seen[cpu]);
        out->ticks += out->ticks_on[cpu];
        out->running_on[cpu] = running[cpu] ? running[cpu]->id : 0;
        out->online += cpu_online[cpu];
    }
    spin_unlock_irqrestore(&sched_lock, flags);
}

void sched_get_lock_stats(struct spinlock_stats *out, bool reset)
{
    spin_get_stats(&sched_lock, out);
    if (reset)
        spin_measure(&sched_lock); /* from now on: whoever reset wants the figures */
}
