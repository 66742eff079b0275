/* kernel/irq.c - from an IRQ vector to the drivers' handlers: the handler lists of the
 * sixteen lines, the per-line counts, spurious IRQ 7/15, end-of-interrupt, and the irqstat
 * table. The vectors are reached through arch/x86_64/interrupt.c's dispatcher. */
#include "kernel/irq.h"

#include <stdarg.h>

#include "arch/arch.h"
#include "arch/x86_64/interrupt.h"
#include "drivers/pic.h"
#include "lib/errno.h"
#include "kernel/printk.h"
#include "kernel/shell.h"
#include "kernel/spinlock.h"
#include "lib/string.h"

_Static_assert(IRQ_LINES == PIC_LINES, "one IRQ line per 8259A input");

struct irq_action {
    irq_handler_t handler; /* NULL: this slot of the pool is free */
    const char *name;
    void *dev_id;
    struct irq_action *next; /* the next handler on the same line */
};

/* irq_lock protects the handler lists (lines[].first, the pool's slots and their next
 * links) and the stat columns. It is taken with interrupts off, and this kernel runs on one
 * CPU, so the interrupt path can never run while it is held: the dispatcher walks the lists
 * without it and always finds them whole. */
static struct spinlock irq_lock = SPINLOCK_INIT("irq");
static struct irq_action action_pool[IRQ_HANDLERS_MAX];

struct irq_line {
    struct irq_action *first; /* guarded by irq_lock */
    struct irq_stats stats;   /* written only by the dispatcher, with interrupts off */
};
static struct irq_line lines[IRQ_LINES];

struct stat_column {
    const char *heading; /* NULL: unused slot */
    uint64_t (*value)(int irq);
};
static struct stat_column stat_columns[IRQ_STAT_COLUMNS_MAX]; /* guarded by irq_lock */

/* Interrupt-context state of the only CPU, written by the dispatcher with interrupts off. */
int irq_nesting;
int irq_running_line = -1;

static bool valid_line(int irq)
{
    return irq >= 0 && irq < IRQ_LINES;
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
    int irq = (int)frame->vector - PIC_VECTOR_BASE;
    if (pic_is_spurious(irq)) {
        count(&lines[irq].stats.spurious);
        return;
    }
    int interrupted_line = irq_running_line;
    WRITE_ONCE(irq_nesting, irq_nesting + 1);
    WRITE_ONCE(irq_running_line, irq);
    run_handlers(irq);
    WRITE_ONCE(irq_running_line, interrupted_line);
    WRITE_ONCE(irq_nesting, irq_nesting - 1);
    pic_send_eoi(irq);
}

void irq_init(void)
{
    pic_init();
    for (int irq = 0; irq < IRQ_LINES; irq++)
        x86_set_vector_handler(PIC_VECTOR_BASE + irq, irq_dispatch);
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
        pic_unmask((unsigned int)irq);
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
        pic_mask((unsigned int)irq);
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

/* The column with this heading, or with heading NULL the first free slot; under irq_lock. */
static struct stat_column *find_column(const char *heading)
{
    for (size_t i = 0; i < IRQ_STAT_COLUMNS_MAX; i++) {
        const char *taken = stat_columns[i].heading;
        if (heading ? taken && strcmp(taken, heading) == 0 : !taken)
            return &stat_columns[i];
    }
    return NULL;
}

int irq_stat_add_column(const char *heading, uint64_t (*value)(int irq))
{
    if (!heading || !value)
        return -EINVAL;
    unsigned long flags;
    spin_lock_irqsave(&irq_lock, &flags);
    int error = 0;
    struct stat_column *slot = NULL;
    if (find_column(heading))
        error = -EEXIST;
    else if (!(slot = find_column(NULL)))
        error = -ENOSPC;
    else
        *slot = (struct stat_column){heading, value};
    spin_unlock_irqrestore(&irq_lock, flags);
    return error;
}

int irq_stat_remove_column(const char *heading)
{
    if (!heading)
        return -ENOENT;
    unsigned long flags;
    spin_lock_irqsave(&irq_lock, &flags);
    struct stat_column *column = find_column(heading);
    if (column)
        *column = (struct stat_column){NULL, NULL};
    spin_unlock_irqrestore(&irq_lock, flags);
    return column ? 0 : -ENOENT;
}

/* A snapshot of the columns, so their value functions run without irq_lock held. */
static size_t copy_columns(struct stat_column *copy)
{
    size_t count = 0;
    unsigned long flags;
    spin_lock_irqsave(&irq_lock, &flags);
    for (size_t i = 0; i < IRQ_STAT_COLUMNS_MAX; i++) {
        if (stat_columns[i].heading)
            copy[count++] = stat_columns[i];
    }
    spin_unlock_irqrestore(&irq_lock, flags);
    return count;
}

static int column_width(const struct stat_column *column)
{
    return (int)MAX(strlen(column->heading), (size_t)9);
}

/* Formats onto the end of the text already in buf; `used` is what the whole text would
 * measure so far. Returns the new such length. */
static int append(char *buf, size_t size, int used, const char *fmt, ...) __printf(4, 5);
static int append(char *buf, size_t size, int used, const char *fmt, ...)
{
    size_t at = (size_t)used < size ? (size_t)used : size;
    va_list args;
    va_start(args, fmt);
    used += kvsnprintf(buf + at, size - at, fmt, args);
    va_end(args);
    return used;
}

int irq_stat_format_header(char *buf, size_t size)
{
    struct stat_column columns[IRQ_STAT_COLUMNS_MAX];
    size_t count = copy_columns(columns);
    int used = append(buf, size, 0, "IRQ %10s %9s %9s", "served", "spurious", "unhandled");
    for (size_t i = 0; i < count; i++)
        used = append(buf, size, used, " %*s", column_width(&columns[i]), columns[i].heading);
    return append(buf, size, used, "  handlers");
}

static int append_handler_names(char *buf, size_t size, int used, int irq)
{
    unsigned long flags;
    spin_lock_irqsave(&irq_lock, &flags);
    bool first = true;
    for (struct irq_action *action = lines[irq].first; action; action = action->next) {
        used = append(buf, size, used, "%s%s", first ? "  " : ",", action->name);
        first = false;
    }
    spin_unlock_irqrestore(&irq_lock, flags);
    return first ? append(buf, size, used, "  -") : used;
}

int irq_stat_format_row(int irq, char *buf, size_t size)
{
    struct irq_stats stats;
    if (irq_stats_read(irq, &stats) != 0)
        return -EINVAL;
    struct stat_column columns[IRQ_STAT_COLUMNS_MAX];
    size_t count = copy_columns(columns);
    int used = append(buf, size, 0, "%3d %10llu %9llu %9llu", irq, (unsigned long long)stats.served,
                      (unsigned long long)stats.spurious, (unsigned long long)stats.unhandled);
    for (size_t i = 0; i < count; i++)
        used = append(buf, size, used, " %*llu", column_width(&columns[i]),
                      (unsigned long long)columns[i].value(irq));
    return append_handler_names(buf, size, used, irq);
}

bool irq_stat_line_in_use(int irq)
{
    struct irq_stats stats;
    if (irq_stats_read(irq, &stats) != 0)
        return false;
    return READ_ONCE(lines[irq].first) || stats.served || stats.spurious || stats.unhandled;
}

static int irqstat_command(int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return -EINVAL;
    char text[160];
    irq_stat_format_header(text, sizeof(text));
    printk("%s\n", text);
    for (int irq = 0; irq < IRQ_LINES; irq++) {
        if (!irq_stat_line_in_use(irq))
            continue;
        irq_stat_format_row(irq, text, sizeof(text));
        printk("%s\n", text);
    }
    return 0;
}
SHELL_COMMAND(irqstat, "interrupts served per IRQ line, and who handles them", irqstat_command);
