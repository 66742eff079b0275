/* kernel/thread.c - a thread's life: a slot in the thread table, a stack mapped below a guard
 * page, the first instructions it runs, its end, and its joiner or reaper freeing what it
 * held. Which thread runs is kernel/sched.c's business. */
#include "kernel/thread.h"

#include "arch/x86_64/stacks.h"
#include "kernel/printk.h"
#include "kernel/sched.h"
#include "lib/errno.h"
#include "lib/format.h"
#include "lib/string.h"
#include "mm/exclusive.h"
#include "mm/layout.h"
#include "mm/page_alloc.h"
#include "mm/vm.h"

#define STACK_PAGES ((int)(THREAD_STACK_SIZE / PAGE_SIZE))

_Static_assert(PAGE_SIZE + THREAD_STACK_SIZE <= THREAD_STACK_SLOT, "a stack and its guard fit");

/* The thread table, as xv6's proc[]. A slot's state changes under the scheduler's lock
 * (wait_lock_irqsave); the fields set at creation are written before the thread is made
 * ready and read-only afterwards. */
static struct thread threads[THREADS_MAX];
static uint32_t next_id = 1; /* guarded by the scheduler's lock */

_Static_assert(THREADS_MAX == CONTEXT_THREAD_SLOTS, "one context slot per thread slot");

/* Each slot's generation: its threads' contexts differ (kernel/context.h). Guarded by the
 * scheduler's lock. */
static uint32_t generations[THREADS_MAX];

/* The boot thread (CONTEXT_BOOT), once thread_init made it, and the EXCLUSIVE frames it owns:
 * counted from the first allocation, before it is a thread. */
static struct thread *boot_thread;
static uint32_t boot_exclusive_frames;

struct thread *thread_current(void)
{
    return sched_current();
}

/* --- stacks ---------------------------------------------------------------------------- */

static uint64_t slot_base(int slot)
{
    return THREAD_STACKS_BASE + (uint64_t)slot * THREAD_STACK_SLOT;
}

/* Unmaps and frees the first `pages` pages of a slot's stack. */
static void stack_free(int slot, int pages)
{
    uint64_t bottom = slot_base(slot) + PAGE_SIZE;
    for (int i = 0; i < pages; i++) {
        uint64_t virt = bottom + (uint64_t)i * PAGE_SIZE;
        struct page_translation where;
        if (vm_translate(virt, &where) != 0 || vm_unmap_page(virt) != 0) {
            printk("thread: stack page %#lx of slot %d was not mapped\n", virt, slot);
            continue;
        }
        int error = free_page(phys_to_page(where.phys));
        if (error)
            printk("thread: stack frame %#lx not freed (%s)\n", where.phys, errno_name(error));
    }
}

/* Maps a stack into the slot, above its guard page (left unmapped). Returns 0 or -ENOMEM. */
static int stack_alloc(int slot)
{
    uint64_t bottom = slot_base(slot) + PAGE_SIZE;
    for (int i = 0; i < STACK_PAGES; i++) {
        struct page *frame = alloc_page(GFP_KERNEL);
        int error =
                frame ? vm_map_page(bottom + (uint64_t)i * PAGE_SIZE, page_to_phys(frame), VM_WRITE)
                      : -ENOMEM;
        if (error) {
            if (frame && free_page(frame) != 0)
                printk("thread: a stack frame could not be given back\n");
            stack_free(slot, i);
            return -ENOMEM;
        }
    }
    return 0;
}

/* The slots after the threads' hold each CPU's own stacks (thread_cpu_stack); CPU 0's are
 * static (arch), so theirs stay unused. */
#define CPU_STACK_SLOTS (MAX_CPUS * ARCH_CPU_STACKS)

uint64_t thread_cpu_stack(unsigned int cpu, unsigned int which)
{
    if (cpu >= MAX_CPUS || which >= ARCH_CPU_STACKS)
        return 0;
    int slot = THREADS_MAX + (int)(cpu * ARCH_CPU_STACKS + which);
    if (stack_alloc(slot) != 0)
        return 0;
    return slot_base(slot) + PAGE_SIZE + THREAD_STACK_SIZE;
}

/* The overflow report's name for a guard page of the stack area (arch_set_stack_namer). */
static const char *stack_guard_name(uint64_t address, char *buffer, unsigned int size)
{
    if (address < THREAD_STACKS_BASE)
        return NULL;
    uint64_t slot = (address - THREAD_STACKS_BASE) / THREAD_STACK_SLOT;
    if (slot >= THREADS_MAX + CPU_STACK_SLOTS || address - slot_base((int)slot) >= PAGE_SIZE)
        return NULL;
    if (slot >= THREADS_MAX) {
        unsigned int cpu_stack = (unsigned int)(slot - THREADS_MAX);
        ksnprintf(buffer, size, "%s stack of CPU %u",
                  arch_cpu_stack_name(cpu_stack % ARCH_CPU_STACKS), cpu_stack / ARCH_CPU_STACKS);
        return buffer;
    }
    ksnprintf(buffer, size, "stack of thread '%s' (id %u)", threads[slot].name, threads[slot].id);
    return buffer;
}

/* --- the table ------------------------------------------------------------------------- */

/* Claims an unused slot (BLOCKED until it is ready to run) and gives it an id, or -1. */
static int slot_claim(void)
{
    unsigned long flags;
    wait_lock_irqsave(&flags);
    int found = -1;
    for (int slot = 0; slot < THREADS_MAX && found < 0; slot++) {
        if (threads[slot].state == THREAD_UNUSED)
            found = slot;
    }
    if (found >= 0) {
        uint32_t generation = generations[found]++ % CONTEXT_THREAD_GENERATIONS;
        threads[found] = (struct thread){.state = THREAD_BLOCKED,
                                         .id = next_id++,
                                         .context_id = CONTEXT_THREAD(found, generation),
                                         .cpu = -1,
                                         .pinned = -1};
        threads[found].exited = (struct wait_queue)WAIT_QUEUE_INIT("join");
    }
    wait_unlock_irqrestore(flags);
    return found;
}

static void slot_release(struct thread *thread)
{
    unsigned long flags;
    wait_lock_irqsave(&flags);
    thread->state = THREAD_UNUSED;
    wait_unlock_irqrestore(flags);
}

static void set_name(struct thread *thread, const char *name)
{
    size_t length = strnlen(name, THREAD_NAME_MAX - 1);
    memcpy(thread->name, name, length);
    thread->name[length] = '\0';
}

/* Where every thread begins, on its own stack, with the scheduler's lock still held by the
 * switch that brought it here. */
static void thread_main(void *arg)
{
    struct thread *self = arg;
    sched_thread_started();
    self->entry(self->arg);
    thread_exit(0);
}

/* Fills in a claimed slot with a stack and a first frame. Returns 0 or -ENOMEM. */
static int thread_setup(struct thread *thread, int slot, const char *name, void (*entry)(void *),
                        void *arg, enum thread_priority priority)
{
    set_name(thread, name);
    thread->priority = priority;
    thread->entry = entry;
    thread->arg = arg;
    thread->stack_slot = slot;
    thread->stack_bottom = slot_base(slot) + PAGE_SIZE;
    if (stack_alloc(slot) != 0)
        return -ENOMEM;
    arch_context_init(&thread->context, thread->stack_bottom + THREAD_STACK_SIZE, thread_main,
                      thread);
    return 0;
}

struct thread *thread_create(const char *name, void (*entry)(void *arg), void *arg,
                             enum thread_priority priority)
{
    return thread_create_on(name, entry, arg, priority, MAX_CPUS);
}

/* cpu MAX_CPUS: any CPU. */
struct thread *thread_create_on(const char *name, void (*entry)(void *arg), void *arg,
                                enum thread_priority priority, unsigned int cpu)
{
    if (!name || !entry || priority <= THREAD_PRIORITY_IDLE || priority >= THREAD_PRIORITIES ||
        cpu > MAX_CPUS) {
        printk("thread: cannot create '%s': bad name, function or priority\n",
               name ? name : "(null)");
        return NULL;
    }
    int slot = slot_claim();
    if (slot < 0) {
        printk("thread: cannot create '%s': %d threads exist already\n", name, THREADS_MAX);
        return NULL;
    }
    struct thread *thread = &threads[slot];
    if (thread_setup(thread, slot, name, entry, arg, priority) != 0) {
        printk("thread: cannot create '%s': no memory for its stack\n", name);
        slot_release(thread);
        return NULL;
    }
    thread->pinned = cpu < MAX_CPUS ? (int)cpu : -1; /* not ready yet: no lock needed */
    sched_make_ready(thread);
    return thread;
}

/* Bumped when a thread ends or is detached: the idle threads look for something to reap only
 * when it changed, not at every wake-up (which would take the scheduler's lock on every CPU
 * at every tick). */
static uint64_t reap_hint;

/* The ending thread takes no more frames, and gives back what it still owns (one line). */
static void reclaim_frames(struct thread *self)
{
    WRITE_ONCE(self->frames_closed, true); /* before exclusive_reclaim looks */
    uint64_t left = 0, freed = exclusive_reclaim(self->context_id, &left);
    if (freed || left)
        printk("thread '%s' (id %u) ended holding %llu EXCLUSIVE frame%s: %llu poisoned and "
               "freed%s\n",
               self->name, self->id, (unsigned long long)(freed + left),
               freed + left == 1 ? "" : "s", (unsigned long long)freed,
               left ? ", the rest still mapped (left)" : "");
}

void thread_exit(int exit_code)
{
    struct thread *self = thread_current();
    self->exit_code = exit_code;
    reclaim_frames(self);
    __atomic_add_fetch(&reap_hint, 1, __ATOMIC_RELEASE);
    sched_exit_current(); /* DEAD, its joiner woken, and never back */
}

/* Frees what an ended thread held and its slot. */
static void thread_free(struct thread *thread)
{
    if (thread->stack_slot >= 0)
        stack_free(thread->stack_slot, STACK_PAGES);
    slot_release(thread);
}

/* Marks the thread as being joined, if it may be. */
static int claim_join(struct thread *thread)
{
    unsigned long flags;
    wait_lock_irqsave(&flags);
    int error = 0;
    if (thread == thread_current() || thread->detached || thread->joining ||
        thread->state == THREAD_UNUSED)
        error = -EINVAL;
    else
        thread->joining = true;
    wait_unlock_irqrestore(flags);
    return error;
}

int thread_join(struct thread *thread, int *exit_code)
{
    int error = sched_might_sleep(__func__, __builtin_return_address(0));
    if (!error)
        error = claim_join(thread);
    if (error)
        return error;
    error = wait_event(&thread->exited, thread->state == THREAD_DEAD);
    if (error) {
        thread->joining = false;
        return error;
    }
    if (exit_code)
        *exit_code = thread->exit_code;
    thread_free(thread);
    return 0;
}

void thread_detach(struct thread *thread)
{
    unsigned long flags;
    wait_lock_irqsave(&flags);
    thread->detached = true;
    wait_unlock_irqrestore(flags);
    __atomic_add_fetch(&reap_hint, 1, __ATOMIC_RELEASE);
}

/* The next detached thread that ended, claimed for reaping, or NULL. */
static struct thread *claim_reapable(void)
{
    unsigned long flags;
    wait_lock_irqsave(&flags);
    struct thread *found = NULL;
    for (int slot = 0; slot < THREADS_MAX && !found; slot++) {
        struct thread *thread = &threads[slot];
        if (thread->state == THREAD_DEAD && thread->detached && !thread->joining) {
            thread->joining = true;
            found = thread;
        }
    }
    wait_unlock_irqrestore(flags);
    return found;
}

void thread_reap(void)
{
    struct thread *thread;
    while ((thread = claim_reapable()) != NULL)
        thread_free(thread);
}

/* --- the boot thread and the idle thread ---------------------------------------------- */

/* Runs when nothing else can: frees what ended threads left, then sleeps until the next
 * interrupt, which may make a thread ready (the end of that interrupt then switches to it). */
static void idle_main(void *arg)
{
    (void)arg;
    uint64_t seen = 0;
    for (;;) {
        uint64_t hint = __atomic_load_n(&reap_hint, __ATOMIC_ACQUIRE);
        if (hint != seen) {
            seen = hint;
            thread_reap();
        }
        sched_idle();
    }
}

struct thread *thread_create_idle(unsigned int cpu)
{
    int slot = cpu < MAX_CPUS ? slot_claim() : -1;
    if (slot < 0)
        return NULL;
    struct thread *idle = &threads[slot];
    if (thread_setup(idle, slot, "idle", idle_main, NULL, THREAD_PRIORITY_IDLE) != 0) {
        slot_release(idle);
        return NULL;
    }
    idle->pinned = (int)cpu;
    return idle;
}

uint64_t thread_stack_top(const struct thread *thread)
{
    return thread->stack_bottom + THREAD_STACK_SIZE;
}

void thread_run_idle(struct thread *idle)
{
    sched_cpu_online(idle);
    idle_main(NULL);
    panic("thread: the idle loop ended");
}

void thread_init(void)
{
    struct thread *boot = &threads[slot_claim()];
    set_name(boot, "boot");
    boot->priority = THREAD_PRIORITY_NORMAL;
    boot->stack_slot = -1; /* the static boot stack: nothing to free */
    boot->stack_bottom = kernel_stack_top(STACK_BOOT) - KERNEL_STACK_SIZE;
    boot->context_id = CONTEXT_BOOT; /* what its frames recorded before it was a thread */
    boot->state = THREAD_RUNNING;
    boot->cpu = 0;
    boot_thread = boot;
    sched_set_current(boot);

    /* The idle thread's stack is static, like the boot stack: the scheduler cannot run
     * without it, and it must exist even when no frame can be had (a lab's student kernel
     * whose allocator cannot split a block yet still boots to its tests). */
    struct thread *idle = &threads[slot_claim()];
    set_name(idle, "idle");
    idle->priority = THREAD_PRIORITY_IDLE;
    idle->entry = idle_main;
    idle->stack_slot = -1;
    idle->stack_bottom = kernel_stack_top(STACK_IDLE) - KERNEL_STACK_SIZE;
    arch_context_init(&idle->context, kernel_stack_top(STACK_IDLE), thread_main, idle);
    idle->state = THREAD_READY;
    idle->pinned = 0;
    sched_set_idle(idle);
    arch_set_stack_namer(stack_guard_name);
}

/* --- figures ---------------------------------------------------------------------------- */

int thread_list(struct thread_info *out, int max)
{
    unsigned long flags;
    wait_lock_irqsave(&flags);
    int count = 0;
    for (int slot = 0; slot < THREADS_MAX; slot++) {
        const struct thread *thread = &threads[slot];
        if (thread->state == THREAD_UNUSED)
            continue;
        if (count < max) {
            out[count] = (struct thread_info){.id = thread->id,
                                              .state = thread->state,
                                              .priority = thread->priority,
                                              .ticks = thread->ticks,
                                              .exclusive_frames =
                                                      thread_exclusive_frames(thread->context_id),
                                              .cpu = thread->cpu,
                                              .pinned = thread->pinned};
            memcpy(out[count].name, thread->name, THREAD_NAME_MAX);
            if (thread->state == THREAD_BLOCKED)
                out[count].waiting_on = thread->waiting_on ? thread->waiting_on->name
                                        : thread->deadline ? "sleep"
                                                           : "start";
        }
        count++;
    }
    wait_unlock_irqrestore(flags);
    return count;
}

const char *thread_state_name(enum thread_state state)
{
    static const char *const names[] = {"unused", "ready", "running", "blocked", "dead"};
    return state <= THREAD_DEAD ? names[state] : "?";
}

const char *thread_priority_name(enum thread_priority priority)
{
    static const char *const names[] = {"idle", "low", "normal", "high"};
    return priority < THREAD_PRIORITIES ? names[priority] : "?";
}

/* --- threads as owners of EXCLUSIVE frames --------------------------------------------- */

context_t thread_context(const struct thread *thread)
{
    return thread->context_id;
}

/* The thread whose context this is, whatever its state (UNUSED included: the caller checks),
 * or NULL when the id names no slot's present thread. */
static struct thread *thread_of(context_t context)
{
    if (context == CONTEXT_BOOT)
        return READ_ONCE(boot_thread);
    if (!context_is_thread(context))
        return NULL;
    struct thread *thread = &threads[context_thread_slot(context)];
    return READ_ONCE(thread->context_id) == context ? thread : NULL;
}

bool thread_context_is_live(context_t context)
{
    if (context == CONTEXT_BOOT && !READ_ONCE(boot_thread))
        return true; /* kmain, before thread_init */
    struct thread *thread = thread_of(context);
    if (!thread)
        return false;
    enum thread_state state = READ_ONCE(thread->state);
    return state != THREAD_UNUSED && state != THREAD_DEAD && !READ_ONCE(thread->frames_closed);
}

bool thread_context_describe(context_t context, char *buffer, unsigned int size)
{
    struct thread *thread = thread_of(context);
    if (!thread || READ_ONCE(thread->state) == THREAD_UNUSED)
        return false;
    ksnprintf(buffer, size, "thread '%s' (id %u)", thread->name, thread->id);
    return true;
}

/* Where a thread context's count is kept, or NULL for a context that is not a present
 * thread's. */
static uint32_t *exclusive_count_of(context_t context)
{
    if (context == CONTEXT_BOOT)
        return &boot_exclusive_frames;
    struct thread *thread = thread_of(context);
    return thread ? &thread->exclusive_frames : NULL;
}

void thread_count_exclusive(context_t context, int64_t frames)
{
    uint32_t *count = exclusive_count_of(context);
    if (count)
        __atomic_add_fetch(count, (uint32_t)frames, __ATOMIC_RELAXED);
}

uint32_t thread_exclusive_frames(context_t context)
{
    uint32_t *count = exclusive_count_of(context);
    return count ? __atomic_load_n(count, __ATOMIC_RELAXED) : 0;
}
