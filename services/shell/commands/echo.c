/* services/shell/commands/echo.c - echo: prints its words. */
#include "kernel/printk.h"
#include "services/shell/shell.h"

static int echo_command(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        printk("%s%s", argv[i], i + 1 < argc ? " " : "");
    printk("\n");
    return 0;
}
SHELL_COMMAND(echo, "[word...]: print the words", echo_command);
