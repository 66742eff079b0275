/* services/shell/commands/irqstat.c - irqstat: one row per IRQ line in use, with the
 * interrupts served, the frames its handlers took (and of those, how many came from the
 * atomic reserve), and who handles it; then, with several CPUs, the interrupts each CPU
 * served per line, and the TLB shootdowns. */
#include "arch/x86_64/tlb.h"
#include "kernel/irq.h"
#include "kernel/sched.h"
#include "kernel/smp.h"
#include "kernel/printk.h"
#include "lib/errno.h"
#include "lib/format.h"
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

/* The CPUs that are up, up to 8 per table row. */
static unsigned int online_cpus(unsigned int *cpus)
{
    unsigned int count = 0;
    for (unsigned int cpu = 0; cpu < MAX_CPUS; cpu++) {
        if (sched_cpu_is_online(cpu))
            cpus[count++] = cpu;
    }
    return count;
}

/* Interrupts served per line and CPU. */
static void print_per_cpu(void)
{
    unsigned int cpus[MAX_CPUS], count = online_cpus(cpus);
    char line[PRINTK_LINE_MAX - 8];
    int used = ksnprintf(line, sizeof(line), "IRQ");
    for (unsigned int i = 0; i < count; i++)
        used += ksnprintf(line + used, sizeof(line) - (size_t)used, " %9s%u", "CPU", cpus[i]);
    printk("%s\n", line);
    for (int irq = 0; irq < IRQ_LINES; irq++) {
        if (!irq_stat_line_in_use(irq))
            continue;
        used = ksnprintf(line, sizeof(line), "%3d", irq);
        for (unsigned int i = 0; i < count; i++) {
            struct irq_stats stats = {0};
            irq_stats_read_cpu(irq, cpus[i], &stats);
            used += ksnprintf(line + used, sizeof(line) - (size_t)used, " %10llu",
                              (unsigned long long)stats.served);
        }
        printk("%s\n", line);
    }
    printk("TLB shootdowns: %llu sent, %llu answered\n", (unsigned long long)x86_tlb_shootdowns(),
           (unsigned long long)x86_tlb_answers());
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
    if (smp_cpus_online() > 1)
        print_per_cpu();
    return 0;
}
SHELL_COMMAND(irqstat, "interrupts served per IRQ line, frames taken, and who handles them",
              irqstat_command);
