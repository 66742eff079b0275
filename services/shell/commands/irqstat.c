/* services/shell/commands/irqstat.c - irqstat: one row per IRQ line in use, with the
 * interrupts served, the frames its handlers took (and of those, how many came from the
 * atomic reserve), and who handles it. */
#include "kernel/irq.h"
#include "kernel/printk.h"
#include "lib/errno.h"
#include "mm/atomic_reserve.h"
#include "mm/page_alloc.h"
#include "services/shell/shell.h"

/* The allocator counts takes per IRQ line in arrays of this size. */
_Static_assert(ATOMIC_RESERVE_LINES == IRQ_LINES, "one counter per IRQ line");

#define HANDLERS_SHOWN 8

/* ", "-separated names of the line's handlers, or "-". */
static void handler_names(int irq, char *text, size_t size)
{
    struct irq_handler_info handlers[HANDLERS_SHOWN];
    int count = irq_handlers_of(irq, handlers, HANDLERS_SHOWN);
    int used = ksnprintf(text, size, "%s", count > 0 ? "" : "-");
    for (int i = 0; i < count && i < HANDLERS_SHOWN && (size_t)used < size; i++)
        used += ksnprintf(text + used, size - (size_t)used, "%s%s", i ? "," : "", handlers[i].name);
}

static void print_row(int irq, const struct atomic_reserve_stats *reserve)
{
    struct irq_stats stats;
    irq_stats_read(irq, &stats);
    char names[96];
    handler_names(irq, names, sizeof(names));
    printk("%3d %10llu %9llu %9llu %9llu %9llu  %s\n", irq, (unsigned long long)stats.served,
           (unsigned long long)stats.spurious, (unsigned long long)stats.unhandled,
           (unsigned long long)page_alloc_taken_by_line(irq),
           (unsigned long long)reserve->taken_by_line[irq], names);
}

static int irqstat_command(int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return -EINVAL;
    struct atomic_reserve_stats reserve;
    atomic_reserve_get_stats(&reserve);
    printk("IRQ %10s %9s %9s %9s %9s  handlers\n", "served", "spurious", "unhandled", "frames",
           "reserve");
    for (int irq = 0; irq < IRQ_LINES; irq++) {
        if (irq_stat_line_in_use(irq))
            print_row(irq, &reserve);
    }
    return 0;
}
SHELL_COMMAND(irqstat, "interrupts served per IRQ line, frames taken, and who handles them",
              irqstat_command);
