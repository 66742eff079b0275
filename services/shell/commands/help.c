/* services/shell/commands/help.c - help: every command with its one line of help, or one
 * command's. */
#include "kernel/printk.h"
#include "lib/errno.h"
#include "services/shell/shell.h"

static int help_command(int argc, char **argv)
{
    if (argc > 2)
        return -EINVAL;
    if (argc == 2) {
        const struct shell_command *command = shell_find(argv[1]);
        if (!command) {
            shell_error("no command '%s'", argv[1]);
            return -ENOENT;
        }
        printk("%s - %s\n", command->name, command->help);
        return 0;
    }
    printk("Commands (Backspace erases, Ctrl-U erases the line, Ctrl-C abandons it, Up/Down "
           "recall):\n");
    for (const struct shell_command *c = shell_next_by_name(NULL); c; c = shell_next_by_name(c))
        printk("  %-10s %s\n", c->name, c->help);
    return 0;
}
SHELL_COMMAND(help, "[command]: list the commands, or describe one", help_command);
