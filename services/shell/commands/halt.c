/* services/shell/commands/halt.c - halt: stops the machine (QEMU exits with status 33). */
#include "kernel/power.h"
#include "kernel/printk.h"
#include "lib/errno.h"
#include "services/shell/shell.h"

static int halt_command(int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return -EINVAL;
    printk("Halting.\n");
    power_exit(true); /* leaves QEMU (status 33); elsewhere, stops the CPU */
}
SHELL_COMMAND(halt, "stop the machine (QEMU exits with status 33)", halt_command);
