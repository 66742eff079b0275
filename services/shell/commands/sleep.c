/* services/shell/commands/sleep.c - sleep: the shell's thread sleeps for a while, as any
 * thread may, while interrupts and other threads go on (keys typed meanwhile wait for it). */
#include "kernel/printk.h"
#include "kernel/sched.h"
#include "lib/errno.h"
#include "lib/parse.h"
#include "services/shell/shell.h"

#define SLEEP_MAX_MS 600000 /* ten minutes */

static int sleep_command(int argc, char **argv)
{
    uint64_t ms;
    if (argc != 2 || parse_uint(argv[1], &ms) != 0 || ms > SLEEP_MAX_MS)
        return -EINVAL;
    return thread_sleep_ms(ms);
}
SHELL_COMMAND(sleep, "<ms>: the shell's thread sleeps that long (at most 600000)", sleep_command);
