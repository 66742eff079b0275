/* services/shell/commands/reboot.c - reboot: restarts the machine. */
#include "kernel/power.h"
#include "kernel/printk.h"
#include "lib/errno.h"
#include "services/shell/shell.h"

static int reboot_command(int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return -EINVAL;
    printk("Rebooting.\n");
    power_restart();
}
SHELL_COMMAND(reboot, "restart the machine (i8042 reset line, else a triple fault)",
              reboot_command);
