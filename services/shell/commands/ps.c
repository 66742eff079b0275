/* services/shell/commands/ps.c - ps: every thread, with its state, priority, CPU time and
 * what it waits on. */
#include "kernel/printk.h"
#include "kernel/sched.h"
#include "kernel/thread.h"
#include "lib/errno.h"
#include "services/shell/shell.h"

static int ps_command(int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return -EINVAL;
    static struct thread_info threads[THREADS_MAX]; /* too big for the stack; one shell */
    int count = thread_list(threads, THREADS_MAX);
    printk("%4s %-15s %-8s %-6s %8s  %s\n", "ID", "NAME", "STATE", "PRI", "TICKS", "WAITING ON");
    for (int i = 0; i < count && i < THREADS_MAX; i++) {
        const struct thread_info *thread = &threads[i];
        printk("%4u %-15s %-8s %-6s %8llu  %s\n", thread->id, thread->name,
               thread_state_name(thread->state), thread_priority_name(thread->priority),
               (unsigned long long)thread->ticks, thread->waiting_on ? thread->waiting_on : "-");
    }
    struct sched_stats stats;
    sched_get_stats(&stats);
    printk("%d threads; %llu context switches (%llu at the end of an interrupt), %llu ticks; "
           "%llu sleeps refused in an invalid context\n",
           count, (unsigned long long)stats.switches, (unsigned long long)stats.preemptions,
           (unsigned long long)stats.ticks, (unsigned long long)sched_invalid_sleeps());
    return 0;
}
SHELL_COMMAND(ps, "threads: state, priority, CPU time (ticks), what each waits on", ps_command);
