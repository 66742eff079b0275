/* services/shell/commands/uptime.c - uptime: time since boot, the ticks counted and the
 * tick's rate. */
#include "kernel/clock.h"
#include "kernel/printk.h"
#include "lib/errno.h"
#include "services/shell/shell.h"

static int uptime_command(int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return -EINVAL;
    uint64_t ms = clock_uptime_ns() / 1000000;
    printk("up %llu.%03llu s: %llu ticks, now at %u Hz; TSC %llu MHz\n",
           (unsigned long long)(ms / 1000), (unsigned long long)(ms % 1000),
           (unsigned long long)clock_ticks(), clock_tick_rate(),
           (unsigned long long)(clock_tsc_hz() / 1000000));
    return 0;
}
SHELL_COMMAND(uptime, "time since boot, ticks counted and the tick rate", uptime_command);
