/* services/shell/commands/irqstat.c - irqstat: one row per IRQ line in use, with the
 * interrupts served and who handles them; then one row per handler registration, with its
 * landing pads (claim and level, over every CPU) and where its frames came from; then, with
 * several CPUs, the interrupts each CPU served per line, and the TLB shootdowns. */
#include "arch/x86_64/tlb.h"
#include "kernel/irq.h"
#include "kernel/sched.h"
#include "kernel/printk.h"
#include "kernel/smp.h"
#include "lib/errno.h"
#include "lib/format.h"
#include "mm/atomic_reserve.h"
#include "services/shell/shell.h"

#define HANDLERS_SHOWN 8

/* ", "-separated names of the line's handlers, or "-". */
static void handler_names(const struct irq_handler_info *handlers, int count, char *text,
                          size_t size)
{
    int used = ksnprintf(text, size, "%s", count > 0 ? "" : "-");
    for (int i = 0; i < count && i < HANDLERS_SHOWN && (size_t)used < size; i++)
        used += ksnprintf(text + used, size - (size_t)used, "%s%s", i ? "," : "", handlers[i].name);
}

static void print_line(int irq)
{
    struct irq_stats stats;
    struct irq_handler_info handlers[HANDLERS_SHOWN];
    irq_stats_read(irq, &stats);
    int count = irq_handlers_of(irq, handlers, HANDLERS_SHOWN);
    char names[96];
    handler_names(handlers, count, names, sizeof(names));
    printk("%3d %10llu %9llu %9llu  %s\n", irq, (unsigned long long)stats.served,
           (unsigned long long)stats.spurious, (unsigned long long)stats.unhandled, names);
}

static void print_handlers(int irq)
{
    struct irq_handler_info handlers[HANDLERS_SHOWN];
    int count = irq_handlers_of(irq, handlers, HANDLERS_SHOWN);
    for (int i = 0; i < count && i < HANDLERS_SHOWN; i++) {
        struct atomic_reserve_account a;
        if (atomic_reserve_get_account(handlers[i].context, &a) != 0)
            continue;
        printk("%3d %-12s %5lu %5lu %8lu %8lu %6lu %9lu %6lu %8lu\n", irq, handlers[i].name,
               a.claimed, a.level, a.from_claim, a.from_shared, a.from_pool, a.below_min, a.failed,
               a.scrubbed);
    }
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
    printk("IRQ %10s %9s %9s  handlers\n", "served", "spurious", "unhandled");
    for (int irq = 0; irq < IRQ_LINES; irq++) {
        if (irq_stat_line_in_use(irq))
            print_line(irq);
    }
    printk("IRQ %-12s %5s %5s %8s %8s %6s %9s %6s %8s\n", "handler", "claim", "level", "own pads",
           "shared", "pool", "below min", "failed", "scrubbed");
    for (int irq = 0; irq < IRQ_LINES; irq++)
        print_handlers(irq);
    if (smp_cpus_online() > 1)
        print_per_cpu();
    return 0;
}
SHELL_COMMAND(irqstat,
              "interrupts served per IRQ line; each handler's landing pads and frames taken",
              irqstat_command);
