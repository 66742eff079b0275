/* kernel/thread.h - kernel threads: create one (a name, a function, its argument, a
 * priority), let it run, join it when it ends. Each has its own stack of
 * THREAD_STACK_SIZE, from the page allocator, mapped with an unmapped guard page below it:
 * running off the end is a clean report naming the thread, never silent corruption.
 *
 * The scheduler (kernel/sched.c) is preemptive: the timer tick ends a thread's time slice,
 * and a thread woken at a higher priority than the one running takes the CPU at once (at the
 * end of the interrupt that woke it, or right away when a thread woke it). Within a priority
 * threads take turns, round robin. While a CPU holds a spinlock or has interrupts off, it
 * does not switch threads. The boot thread (kmain) is a thread like the others.
 */
#ifndef KERNEL_THREAD_H
#define KERNEL_THREAD_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/arch.h"
#include "kernel/context.h"
#include "kernel/wait.h"
#include "lib/compiler.h"

#define THREADS_MAX       128         /* threads alive at once, dead ones not yet joined incl. */
#define THREAD_NAME_MAX   16          /* with the NUL */
#define THREAD_STACK_SIZE (16 * 1024) /* each thread's kernel stack */

enum thread_priority {
    THREAD_PRIORITY_IDLE,   /* the idle thread only: runs when nothing else can */
    THREAD_PRIORITY_LOW,    /* background work */
    THREAD_PRIORITY_NORMAL, /* the shell, consumers, tests */
    THREAD_PRIORITY_HIGH,   /* work interrupt handlers wait on: refilling landing pads */
    THREAD_PRIORITIES
};

/* A thread's life: READY (on a run queue) <-> RUNNING <-> BLOCKED (on a wait queue, or
 * asleep), then DEAD (ended, its stack not yet freed) until it is joined or, detached,
 * reaped, when its slot is UNUSED again. Every change happens under the scheduler's lock,
 * in kernel/sched.c but for the slot's claim and release in kernel/thread.c. */
enum thread_state {
    THREAD_UNUSED,
    THREAD_READY,
    THREAD_RUNNING,
    THREAD_BLOCKED,
    THREAD_DEAD,
};

struct thread {
    /* Set at creation; read-only while the thread lives. */
    uint32_t id;
    char name[THREAD_NAME_MAX];
    enum thread_priority priority;
    void (*entry)(void *arg);
    void *arg;
    uint64_t stack_bottom; /* lowest address of the stack (its guard page is below) */
    int stack_slot;        /* which slot of the stack area; -1: a static stack (boot) */
    context_t context_id;  /* its execution context: what its EXCLUSIVE frames record */

    /* sched_lock (kernel/sched.c) guards these. */
    enum thread_state state;
    int cpu;                       /* the CPU it runs on, or last ran on; -1: never ran */
    int pinned;                    /* the only CPU it may run on; -1: any */
    struct arch_context context;   /* saved while not running */
    struct thread *next;           /* run queue or wait queue link */
    struct wait_queue *waiting_on; /* while BLOCKED on a queue; NULL when only asleep */
    uint64_t deadline;             /* tick a timed sleep ends at; 0: none */
    struct thread *next_timer;     /* the timer list, ordered by deadline */
    int wake_result;               /* 0: woken; -ETIMEDOUT: the deadline passed */
    uint64_t last_deadline;        /* the deadline of its last timed wait, kept after it */
    uint64_t expired_at;           /* the tick its last expired wait ended at (it ran later) */
    bool detached;                 /* nobody joins it: reaped when it ends */
    bool joining;                  /* a joiner waits for it */
    int exit_code;
    struct wait_queue exited; /* where a joiner waits */

    /* EXCLUSIVE frames it owns: changed atomically by the allocator, frees and hand-overs
     * (mm/exclusive.c), from any CPU. frames_closed: set as it ends, it takes no more. */
    uint32_t exclusive_frames;
    bool frames_closed;

    /* Written only on the thread's CPU (by the tick handler, the switch). */
    uint64_t ticks;    /* CPU time: ticks that found it running */
    uint64_t switches; /* times it was switched in */
    uint64_t sleeps;   /* times it blocked: a wait, a sleep, a join, a mutex */
};

/* Turns the code running kmain into the thread "boot" and makes the idle thread. Boot,
 * once the page allocator works, before interrupts are enabled. */
void thread_init(void);

/* Creates a thread that runs entry(arg) at `priority` (LOW, NORMAL or HIGH) and makes it
 * ready. Returns it, or NULL (one log line says why) when THREADS_MAX threads exist, the name
 * is NULL or the priority is not one of those three, or its stack cannot be had. It must be
 * joined with thread_join, or detached. Ordinary context; may wait for memory. */
struct thread *thread_create(const char *name, void (*entry)(void *arg), void *arg,
                             enum thread_priority priority);

/* thread_create for a thread pinned to CPU `cpu` (which may not be up yet: the thread then
 * waits until it is). NULL also for cpu >= MAX_CPUS. */
struct thread *thread_create_on(const char *name, void (*entry)(void *arg), void *arg,
                                enum thread_priority priority, unsigned int cpu);

/* The idle thread of CPU `cpu`, made (not run) by the boot CPU for a CPU about to come up,
 * which starts on its stack (thread_stack_top) and becomes it with thread_run_idle. NULL when
 * there is no slot or memory for it. Ordinary context. */
struct thread *thread_create_idle(unsigned int cpu);
uint64_t thread_stack_top(const struct thread *thread);

/* Maps CPU `cpu`'s own stack `which` (arch/arch.h: ARCH_CPU_STACKS, the exception stacks),
 * THREAD_STACK_SIZE below a guard page, in the stack area after the threads' slots, so an
 * overflow report names it ("NMI stack of CPU 2"). Returns its top, or 0 when there is no
 * memory or cpu / which is out of range. Kept for good: a CPU that did not answer its start
 * may still run later. Boot, ordinary context. */
uint64_t thread_cpu_stack(unsigned int cpu, unsigned int which);

/* On a CPU coming up, on `idle`'s stack, interrupts off: takes threads from now on
 * (sched_cpu_online) and runs the idle loop. Never returns. */
__noreturn void thread_run_idle(struct thread *idle);

/* Ends the calling thread with exit_code: its joiner wakes; its stack is freed by the
 * joiner, or (detached) by the idle thread. EXCLUSIVE frames it still owns are poisoned and
 * freed, counted (page_alloc's exclusive errors: reclaimed_at_exit) and reported in one line
 * naming it and how many. Never returns. Thread context. */
__noreturn void thread_exit(int exit_code);

/* Waits until `thread` has ended, frees what it held and returns 0 with its exit code in
 * *exit_code (if not NULL). Returns -EINVAL for the caller itself, a detached thread, one
 * already joined or joining, or -EPERM from an invalid context (reported). Thread context;
 * waits. */
int thread_join(struct thread *thread, int *exit_code);

/* Nobody will join the thread: it is reaped when it ends. Any context. */
void thread_detach(struct thread *thread);

/* The thread running on this CPU. Any context (in an interrupt handler: the interrupted
 * thread). */
struct thread *thread_current(void);

/* A snapshot of one thread, for ps. */
struct thread_info {
    uint32_t id;
    char name[THREAD_NAME_MAX];
    enum thread_state state;
    enum thread_priority priority;
    uint64_t ticks;
    uint32_t exclusive_frames; /* EXCLUSIVE frames it owns */
    const char *waiting_on;    /* the wait queue's name, "sleep", or NULL */
    int cpu;                   /* running on, or last ran on; -1: never ran */
    int pinned;                /* -1: may run on any CPU */
};

/* Copies up to max threads, in the table's order, into out. Returns how many there are.
 * Any context but an interrupt handler. */
int thread_list(struct thread_info *out, int max);

/* --- threads as owners of EXCLUSIVE frames (kernel/context.h, mm/exclusive.c) ---------- */

/* The context a thread runs in: what its EXCLUSIVE frames record as their owner, and what a
 * handler hands frames over to for it to free. Any context. */
context_t thread_context(const struct thread *thread);

/* True when context is a thread that exists and has not begun to end: one that may be given
 * frames. Any context; never waits. */
bool thread_context_is_live(context_t context);

/* Writes "thread 'name' (id N)" for a thread context that exists (ended but not yet joined
 * included) and returns true; false for one that does not. Any context; never waits. */
bool thread_context_describe(context_t context, char *buffer, unsigned int size);

/* Adds `frames` (negative: takes them away) to the EXCLUSIVE frames a thread context owns;
 * nothing for a context that is not a thread's or a thread that is gone. Called by the
 * allocator, frees and hand-overs. Any context; never waits. */
void thread_count_exclusive(context_t context, int64_t frames);

/* The EXCLUSIVE frames a thread context owns (0 for one that is gone). Any context. */
uint32_t thread_exclusive_frames(context_t context);

/* Short names, for reports and ps. */
const char *thread_state_name(enum thread_state state);
const char *thread_priority_name(enum thread_priority priority);

/* Frees the stacks of detached threads that ended. The idle thread calls it; ordinary
 * context. */
void thread_reap(void);

#endif
