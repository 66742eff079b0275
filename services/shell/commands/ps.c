/* services/shell/commands/ps.c - ps: every thread, with its state, priority, the CPU it runs
 * on (or last ran on) and the one it is pinned to, CPU time, the EXCLUSIVE frames it owns
 * and what it waits on; then what each CPU runs. */
#include "kernel/printk.h"
#include "kernel/sched.h"
#include "kernel/smp.h"
#include "kernel/thread.h"
#include "lib/errno.h"
#include "lib/format.h"
#include "mm/exclusive.h"
#include "services/shell/shell.h"

/* A CPU number, or "-" for none. */
static const char *cpu_text(int cpu, char buffer[8])
{
    if (cpu < 0)
        return "-";
    ksnprintf(buffer, 8, "%d", cpu);
    return buffer;
}

static void print_thread(const struct thread_info *thread)
{
    char cpu[8], pinned[8];
    printk("%4u %-15s %-8s %-6s %3s %3s %8llu %5u  %s\n", thread->id, thread->name,
           thread_state_name(thread->state), thread_priority_name(thread->priority),
           cpu_text(thread->cpu, cpu), cpu_text(thread->pinned, pinned),
           (unsigned long long)thread->ticks, thread->exclusive_frames,
           thread->waiting_on ? thread->waiting_on : "-");
}

/* One line: what each CPU runs now, and the ticks it saw. */
static void print_cpus(const struct sched_stats *stats)
{
    char line[PRINTK_LINE_MAX - 8];
    int used = ksnprintf(line, sizeof(line), "CPUs:");
    for (unsigned int cpu = 0; cpu < MAX_CPUS && (size_t)used < sizeof(line); cpu++) {
        if (sched_cpu_is_online(cpu))
            used += ksnprintf(line + used, sizeof(line) - (size_t)used,
                              " %u runs thread %u (%llu ticks);", cpu, stats->running_on[cpu],
                              (unsigned long long)stats->ticks_on[cpu]);
    }
    printk("%s\n", line);
}

static int ps_command(int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return -EINVAL;
    static struct thread_info threads[THREADS_MAX]; /* too big for the stack; one shell */
    int count = thread_list(threads, THREADS_MAX);
    printk("%4s %-15s %-8s %-6s %3s %3s %8s %5s  %s\n", "ID", "NAME", "STATE", "PRI", "CPU", "PIN",
           "TICKS", "EXCL", "WAITING ON");
    for (int i = 0; i < count && i < THREADS_MAX; i++)
        print_thread(&threads[i]);
    struct sched_stats stats;
    sched_get_stats(&stats);
    printk("%d threads; %llu context switches (%llu at the end of an interrupt), %llu ticks; "
           "%llu sleeps refused in an invalid context\n",
           count, (unsigned long long)stats.switches, (unsigned long long)stats.preemptions,
           (unsigned long long)stats.ticks, (unsigned long long)sched_invalid_sleeps());
    printk("%u CPU%s online, %llu reschedule IPIs\n", smp_cpus_online(),
           smp_cpus_online() == 1 ? "" : "s", (unsigned long long)stats.reschedule_ipis);
    print_cpus(&stats);
    struct exclusive_errors x;
    exclusive_get_errors(&x);
    printk("threads that ended owning EXCLUSIVE frames: %llu (%llu frames poisoned and freed, "
           "%llu left mapped)\n",
           (unsigned long long)x.exits_holding, (unsigned long long)x.reclaimed_at_exit,
           (unsigned long long)x.left_at_exit);
    return 0;
}
SHELL_COMMAND(ps,
              "threads: state, priority, CPU, ticks, EXCLUSIVE frames owned, what each waits on",
              ps_command);
