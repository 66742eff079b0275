/* kernel/irq.c - from an IRQ vector to the drivers' handlers: the handler lists of the
 * lines, the per-line counts, spurious interrupts and end-of-interrupt through the
 * interrupt controller a driver plugged in. The vectors are reached through
 * arch/x86_64/interrupt.c's dispatcher. */
#include "kernel/irq.h"

#include "arch/arch.h"
#include "arch/x86_64/interrupt.h"
#include "kernel/printk.h"
#include "kernel/sched.h"
#include "kernel/spinlock.h"
#include "lib/errno.h"

struct irq_action {
    irq_handler_t handler; /* NULL: this slot of the pool is free */
    const char *name;
    void *dev_id;
    struct irq_action *next; /* the next handler on the same line */
};

/* irq_lock protects the handler lists (lines[].first, the pool's slots and their next
 * links). It is taken with interrupts off, and this kernel runs on one
 * CPU, so the interrupt path can never run while it is held: the dispatcher walks the lists
 * without it and always finds them whole. */
static struct spinlock irq_lock = SPINLOCK_INIT("irq");
static struct irq_action action_pool[IRQ_HANDLERS_MAX];

struct irq_line {
    struct irq_action *first; /* guarded by irq_lock */
    struct irq_stats stats;   /* written only by the dispatcher, with interrupts off */
};
static struct irq_line lines[IRQ_LINES];

/* Set once at boot, before interrupts are on; read-only afterwards. */
static const struct irq_controller *controller;

/* Interrupt-context state of the only CPU, written by the dispatcher with interrupts off. */
int irq_nesting;
int irq_running_line = -1;

static bool valid_line(int irq)
{
    return controller && irq >= 0 && (unsigned int)irq < controller->lines;
}

/* A counter only the dispatcher changes: one whole store that lock-free readers pair with. */
static void count(uint64_t *counter)
{
    WRITE_ONCE(*counter, *counter + 1);
}

static void run_handlers(int irq)
{
    struct irq_line *line = &lines[irq];
    if (!line->first) {
        count(&line->stats.unhandled);
        return;
    }
    count(&line->stats.served);
    for (struct irq_action *action = line->first; action; action = action->next) {
        action->handler(irq, action->dev_id);
        if (unlikely(arch_irqs_enabled()))
            panic("irq %d: handler '%s' enabled interrupts", irq, action->name);
    }
}

/* Installed for vectors 0x20-0x2f; the CPU entered through an interrupt gate, so
 * interrupts are off until iretq. */
static void irq_dispatch(struct interrupt_frame *frame)
{
    int irq = (int)(frame->vector - controller->vector_base);
    if (controller->is_spurious((unsigned int)irq)) {
        count(&lines[irq].stats.spurious);
        return;
    }
    int interrupted_line = irq_running_line;
    WRITE_ONCE(irq_nesting, irq_nesting + 1);
    WRITE_ONCE(irq_running_line, irq);
    run_handlers(irq);
    WRITE_ONCE(irq_running_line, interrupted_line);
    WRITE_ONCE(irq_nesting, irq_nesting - 1);
    controller->eoi((unsigned int)irq);
    /* The outermost interrupt is over: if it woke a thread more urgent than the one it
     * interrupted, or ended a time slice, switch now. The interrupted thread finishes this
     * return (and its iretq) when it runs again. */
    if (irq_nesting == 0)
        sched_preempt_point();
}

int irq_set_controller(const struct irq_controller *chip)
{
    if (!chip || chip->lines > IRQ_LINES || !chip->mask || !chip->unmask || !chip->eoi ||
        !chip->is_spurious)
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

/* Appends a filled action to the line's list; called under irq_lock. */
static void append_action(int irq, struct irq_action *action)
{
    struct irq_action **link = &lines[irq].first;
    while (*link)
        link = &(*link)->next;
    *link = action;
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
        *action = (struct irq_action){handler, name ? name : "?", dev_id, NULL};
        append_action(irq, action);
        controller->unmask((unsigned int)irq);
    }
    spin_unlock_irqrestore(&irq_lock, flags);
    return error;
}

int free_irq(int irq, void *dev_id)
{
    if (!valid_line(irq))
        return -EINVAL;
    if (in_interrupt())
        return -EPERM;
    unsigned long flags;
    spin_lock_irqsave(&irq_lock, &flags);
    int error = -ENOENT;
    for (struct irq_action **link = &lines[irq].first; *link; link = &(*link)->next) {
        struct irq_action *action = *link;
        if (action->dev_id != dev_id)
            continue;
        *link = action->next;
        action->handler = NULL; /* back to the pool */
        error = 0;
        break;
    }
    if (!lines[irq].first)
        controller->mask((unsigned int)irq);
    spin_unlock_irqrestore(&irq_lock, flags);
    return error;
}

int irq_stats_read(int irq, struct irq_stats *stats)
{
    if (!valid_line(irq))
        return -EINVAL;
    const struct irq_stats *counts = &lines[irq].stats;
    /* Each pairs with count() in the dispatcher. */
    stats->served = READ_ONCE(counts->served);
    stats->spurious = READ_ONCE(counts->spurious);
    stats->unhandled = READ_ONCE(counts->unhandled);
    return 0;
}

bool irq_is_level_triggered(int irq)
{
    if (!valid_line(irq) || !controller->is_level_triggered)
        return false;
    return controller->is_level_triggered((unsigned int)irq);
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
            out[count] = (struct irq_handler_info){action->name, action->dev_id};
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
