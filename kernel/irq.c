/* kernel/irq.c - from an IRQ vector to the drivers' handlers, on whichever CPU it arrives:
 * the handler lists of the lines, the per-line counts of each CPU, spurious interrupts and
 * end-of-interrupt through the interrupt controller a driver plugged in. The vectors are
 * reached through arch/x86_64/interrupt.c's dispatcher. */
#include "kernel/irq.h"

#include "arch/arch.h"
#include "arch/x86_64/interrupt.h"
#include "kernel/deferred.h"
#include "kernel/printk.h"
#include "kernel/sched.h"
#include "kernel/spinlock.h"
#include "lib/errno.h"
#include "mm/atomic_reserve.h"

/* A registration: one slot of action_pool, and an execution context of its own. */
struct irq_action {
    irq_handler_t handler; /* NULL: this slot of the pool is free */
    const char *name;
    void *dev_id;
    int line;
    bool live;               /* on its line's list: its handler may run */
    context_t context;       /* CONTEXT_HANDLER(slot, generation) */
    uint32_t generation;     /* times the slot was used: kept when the slot is freed */
    struct irq_action *next; /* the next handler on the same line */
};

/* irq_lock serialises changes to the handler lists (lines[].first, the pool's slots and
 * their next links), taken with interrupts off. The dispatchers walk the lists without it,
 * on any CPU: an action is filled in before it is linked (a release store), and free_irq
 * unlinks it, then waits until no CPU can still be walking past it before the slot is
 * reused (wait_until_line_quiet). */
static struct spinlock irq_lock = SPINLOCK_INIT("irq");
static struct irq_action action_pool[IRQ_HANDLERS_MAX];

struct irq_line {
    struct irq_action *first;         /* changed under irq_lock, read lock-free */
    struct irq_stats stats[MAX_CPUS]; /* each CPU's, written by its dispatcher, interrupts off */
};
static struct irq_line lines[IRQ_LINES];

/* Set once at boot, before interrupts are on; read-only afterwards. */
static const struct irq_controller *controller;

static bool valid_line(int irq)
{
    return controller && irq >= 0 && (unsigned int)irq < controller->lines;
}

/* A counter only the dispatcher changes: one whole store that lock-free readers pair with. */
static void count(uint64_t *counter)
{
    WRITE_ONCE(*counter, *counter + 1);
}

/* Pairs with the release store that links an action (append_action). */
static struct irq_action *next_action(struct irq_action *const *link)
{
    return __atomic_load_n(link, __ATOMIC_ACQUIRE);
}

static void run_handlers(int irq, struct irq_stats *stats)
{
    struct irq_action *action = next_action(&lines[irq].first);
    if (!action) {
        count(&stats->unhandled);
        return;
    }
    count(&stats->served);
    for (; action; action = next_action(&action->next)) {
        /* Who runs now on this CPU: this registration (kernel/context.h). */
        arch_cpu_word_set(CPU_WORD_CONTEXT, (long)action->context);
        action->handler(irq, action->dev_id);
        if (unlikely(arch_irqs_enabled()))
            panic("irq %d: handler '%s' enabled interrupts", irq, action->name);
    }
}

/* Installed for the controller's vectors; the CPU entered through an interrupt gate, so
 * interrupts are off until iretq. */
static void irq_dispatch(struct interrupt_frame *frame)
{
    int irq = (int)(frame->vector - controller->vector_base);
    struct irq_stats *stats = &lines[irq].stats[arch_cpu_id()];
    if (controller->is_spurious((unsigned int)irq)) {
        count(&stats->spurious);
        return;
    }
    long interrupted_line = arch_cpu_word(CPU_WORD_IRQ_LINE);
    long interrupted = arch_cpu_word(CPU_WORD_CONTEXT);
    arch_cpu_word_add(CPU_WORD_IRQ_NESTING, 1);
    arch_cpu_word_set(CPU_WORD_IRQ_LINE, irq);
    /* A full barrier: free_irq's unlink and this CPU's "I am on the line" must not pass each
     * other (each side stores, then loads what the other stored). */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    run_handlers(irq, stats);
    arch_cpu_word_set(CPU_WORD_CONTEXT, interrupted);
    arch_cpu_word_set(CPU_WORD_IRQ_LINE, interrupted_line);
    arch_cpu_word_add(CPU_WORD_IRQ_ENTRIES, 1);
    arch_cpu_word_add(CPU_WORD_IRQ_NESTING, -1);
    controller->eoi((unsigned int)irq);
    /* The outermost interrupt is over: if it woke a thread more urgent than the one it
     * interrupted, or ended a time slice, switch now. The interrupted thread finishes this
     * return (and its iretq) when it runs again. */
    if (arch_cpu_word(CPU_WORD_IRQ_NESTING) == 0) {
        deferred_kick(); /* handlers' requests (a landing pad's refill) wake their thread */
        sched_preempt_point();
    }
}

int irq_set_controller(const struct irq_controller *chip)
{
    if (!chip || chip->lines > IRQ_LINES || !chip->mask || !chip->unmask || !chip->eoi ||
        !chip->is_spurious || !chip->is_masked || !chip->is_pending)
        return -EINVAL;
    controller = chip;
    for (unsigned int line = 0; line < chip->lines; line++) {
        chip->mask(line);
        x86_set_vector_handler(chip->vector_base + line, irq_dispatch);
    }
    return 0;
}

static struct irq_action *find_action(int irq, void *dev_id)
{
    for (struct irq_action *action = lines[irq].first; action; action = action->next) {
        if (action->dev_id == dev_id)
            return action;
    }
    return NULL;
}

static struct irq_action *take_free_action(void)
{
    for (size_t i = 0; i < IRQ_HANDLERS_MAX; i++) {
        if (!action_pool[i].handler)
            return &action_pool[i];
    }
    return NULL;
}

/* Appends a filled action to the line's list; called under irq_lock. The release store
 * publishes the action whole to dispatchers on other CPUs. */
static void append_action(int irq, struct irq_action *action)
{
    struct irq_action **link = &lines[irq].first;
    while (*link)
        link = &(*link)->next;
    __atomic_store_n(link, action, __ATOMIC_RELEASE);
}

/* Waits until no other CPU can still be walking line irq's list as it was before an unlink:
 * each one is off the line, or has been through the dispatcher again since (and so read the
 * list after the unlink). */
static void wait_until_line_quiet(int irq)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST); /* the unlink, before looking at the CPUs */
    for (unsigned int cpu = 0; cpu < MAX_CPUS; cpu++) {
        if (cpu == arch_cpu_id())
            continue;
        long entries = arch_cpu_word_on(cpu, CPU_WORD_IRQ_ENTRIES);
        while (arch_cpu_word_on(cpu, CPU_WORD_IRQ_LINE) == irq &&
               arch_cpu_word_on(cpu, CPU_WORD_IRQ_ENTRIES) == entries)
            arch_cpu_relax();
    }
}

/* Fills a free slot as a new registration with a context id never used by the slot's last
 * registrations; called under irq_lock. */
static void fill_action(struct irq_action *action, int irq, irq_handler_t handler, const char *name,
                        void *dev_id)
{
    uint32_t generation = (action->generation + 1) % CONTEXT_HANDLER_GENERATIONS;
    unsigned int slot = (unsigned int)(action - action_pool);
    *action = (struct irq_action){
            .handler = handler,
            .name = name ? name : "?",
            .dev_id = dev_id,
            .line = irq,
            .live = true,
            .context = CONTEXT_HANDLER(slot, generation),
            .generation = generation,
    };
}

int request_irq(int irq, irq_handler_t handler, const char *name, void *dev_id)
{
    if (!valid_line(irq) || !handler)
        return -EINVAL;
    if (in_interrupt())
        return -EPERM;
    unsigned long flags;
    spin_lock_irqsave(&irq_lock, &flags);
    int error = 0;
    struct irq_action *action = NULL;
    if (find_action(irq, dev_id))
        error = -EEXIST;
    else if (!(action = take_free_action()))
        error = -ENOSPC;
    if (!error) {
        fill_action(action, irq, handler, name, dev_id);
        append_action(irq, action);
        controller->unmask((unsigned int)irq);
    }
    spin_unlock_irqrestore(&irq_lock, flags);
    return error;
}

/* Takes dev_id's registration off the line (its slot stays taken); called under irq_lock.
 * Once it returns no CPU is still running the handler or walking past it. */
static struct irq_action *unlink_action(int irq, void *dev_id)
{
    for (struct irq_action **link = &lines[irq].first; *link; link = &(*link)->next) {
        struct irq_action *action = *link;
        if (action->dev_id == dev_id) {
            WRITE_ONCE(*link, action->next);
            action->live = false;
            wait_until_line_quiet(irq);
            return action;
        }
    }
    return NULL;
}

int free_irq(int irq, void *dev_id)
{
    if (!valid_line(irq))
        return -EINVAL;
    if (in_interrupt())
        return -EPERM;
    unsigned long flags;
    spin_lock_irqsave(&irq_lock, &flags);
    struct irq_action *action = unlink_action(irq, dev_id);
    if (!lines[irq].first)
        controller->mask((unsigned int)irq);
    spin_unlock_irqrestore(&irq_lock, flags);
    if (!action)
        return -ENOENT;
    /* The handler cannot run any more: close its account with the landing pads, and only
     * then give the slot back, so the next registration in it starts afresh. */
    atomic_reserve_release(action->context);
    spin_lock_irqsave(&irq_lock, &flags);
    action->handler = NULL;
    spin_unlock_irqrestore(&irq_lock, flags);
    return 0;
}

int irq_claim_pads(int irq, void *dev_id, uint32_t pads)
{
    if (!valid_line(irq))
        return -EINVAL;
    if (in_interrupt())
        return -EPERM;
    unsigned long flags;
    spin_lock_irqsave(&irq_lock, &flags);
    struct irq_action *action = find_action(irq, dev_id);
    /* Under the lock, so the registration cannot go away meanwhile: the claim itself is O(1)
     * (with interrupts off it only records the claim; the frames move once unlocked). */
    int error = action ? atomic_reserve_claim(action->context, pads) : -ENOENT;
    spin_unlock_irqrestore(&irq_lock, flags);
    if (!error && atomic_reserve_apply() != 0) /* the claim ready at once, on every CPU */
        atomic_reserve_refill();
    return error;
}

/* The live registration with that context id, or NULL. Under irq_lock. */
static struct irq_action *action_of(context_t context)
{
    if (!context_is_handler(context))
        return NULL;
    struct irq_action *action = &action_pool[context_handler_slot(context)];
    return action->handler && action->live && action->context == context ? action : NULL;
}

context_t irq_context_of(int irq, void *dev_id)
{
    if (!valid_line(irq))
        return CONTEXT_NONE;
    unsigned long flags;
    spin_lock_irqsave(&irq_lock, &flags);
    struct irq_action *action = find_action(irq, dev_id);
    context_t context = action ? action->context : CONTEXT_NONE;
    spin_unlock_irqrestore(&irq_lock, flags);
    return context;
}

bool irq_handler_describe(context_t context, char *buffer, size_t size)
{
    unsigned long flags;
    spin_lock_irqsave(&irq_lock, &flags);
    const struct irq_action *action = action_of(context);
    if (action)
        ksnprintf(buffer, size, "irq %d %s", action->line, action->name);
    spin_unlock_irqrestore(&irq_lock, flags);
    return action != NULL;
}

bool irq_handler_is_live(context_t context)
{
    unsigned long flags;
    spin_lock_irqsave(&irq_lock, &flags);
    bool live = action_of(context) != NULL;
    spin_unlock_irqrestore(&irq_lock, flags);
    return live;
}

int irq_stats_read_cpu(int irq, unsigned int cpu, struct irq_stats *stats)
{
    if (!valid_line(irq) || cpu >= MAX_CPUS)
        return -EINVAL;
    const struct irq_stats *counts = &lines[irq].stats[cpu];
    /* Each pairs with count() in the dispatcher. */
    stats->served = READ_ONCE(counts->served);
    stats->spurious = READ_ONCE(counts->spurious);
    stats->unhandled = READ_ONCE(counts->unhandled);
    return 0;
}

int irq_stats_read(int irq, struct irq_stats *stats)
{
    if (!valid_line(irq))
        return -EINVAL;
    *stats = (struct irq_stats){0};
    for (unsigned int cpu = 0; cpu < MAX_CPUS; cpu++) {
        struct irq_stats one = {0};
        irq_stats_read_cpu(irq, cpu, &one);
        stats->served += one.served;
        stats->spurious += one.spurious;
        stats->unhandled += one.unhandled;
    }
    return 0;
}

void irq_init_cpu(void)
{
    if (controller && controller->init_cpu)
        controller->init_cpu();
}

bool irq_is_level_triggered(int irq)
{
    if (!valid_line(irq) || !controller->is_level_triggered)
        return false;
    return controller->is_level_triggered((unsigned int)irq);
}

const char *irq_controller_name(void)
{
    return controller ? controller->name : "none";
}

bool irq_is_masked(int irq)
{
    return valid_line(irq) && controller->is_masked((unsigned int)irq);
}

bool irq_is_pending(int irq)
{
    return valid_line(irq) && controller->is_pending((unsigned int)irq);
}

void irq_raise_on(int irq, unsigned int cpu)
{
    if (valid_line(irq) && controller->raise_on && cpu < MAX_CPUS && cpu != arch_cpu_id())
        controller->raise_on((unsigned int)irq, cpu);
}

int irq_handlers_of(int irq, struct irq_handler_info *out, int max)
{
    if (!valid_line(irq))
        return -EINVAL;
    unsigned long flags;
    spin_lock_irqsave(&irq_lock, &flags);
    int count = 0;
    for (struct irq_action *action = lines[irq].first; action; action = action->next, count++) {
        if (count < max)
            out[count] = (struct irq_handler_info){action->name, action->dev_id, action->context};
    }
    spin_unlock_irqrestore(&irq_lock, flags);
    return count;
}

bool irq_stat_line_in_use(int irq)
{
    struct irq_stats stats;
    if (irq_stats_read(irq, &stats) != 0)
        return false;
    return READ_ONCE(lines[irq].first) || stats.served || stats.spurious || stats.unhandled;
}
