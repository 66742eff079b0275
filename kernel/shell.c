/* kernel/shell.c - the command shell: reading a line, cutting it into words, finding the
 * registered command and reporting its failure in one line; and the commands that belong
 * to no subsystem: help, echo, halt and reboot. */
#include "kernel/shell.h"

#include <stdarg.h>
#include <stdbool.h>

#include "arch/arch.h"
#include "arch/x86_64/interrupt.h"
#include "drivers/debug_exit.h"
#include "drivers/keyboard.h"
#include "kernel/console.h"
#include "lib/errno.h"
#include "kernel/printk.h"
#include "lib/string.h"

extern const struct shell_command *const __start_shell_commands[];
extern const struct shell_command *const __stop_shell_commands[];

/* The command being run, and whether it reported its own error. Only the shell's thread of
 * ordinary context touches them. */
static const struct shell_command *running;
static bool error_reported;

void shell_error(const char *fmt, ...)
{
    char message[PRINTK_LINE_MAX - 64];
    va_list args;
    va_start(args, fmt);
    kvsnprintf(message, sizeof(message), fmt, args);
    va_end(args);
    printk("%s: %s\n", running ? running->name : "shell", message);
    error_reported = true;
}

const struct shell_command *shell_find(const char *name)
{
    for (const struct shell_command *const *c = __start_shell_commands; c < __stop_shell_commands;
         c++) {
        if (strcmp((*c)->name, name) == 0)
            return *c;
    }
    return NULL;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* Cuts line into words in place. Returns how many, or -E2BIG when there are more than max. */
static int split_words(char *line, char **words, int max)
{
    int count = 0;
    for (char *p = line; *p;) {
        while (is_space(*p))
            *p++ = '\0';
        if (!*p)
            break;
        if (count == max)
            return -E2BIG;
        words[count++] = p;
        while (*p && !is_space(*p))
            p++;
    }
    return count;
}

static void report_failure(const struct shell_command *command, int result)
{
    if (result == -EINVAL)
        printk("%s: bad arguments; 'help %s' says how to use it\n", command->name, command->name);
    else
        printk("%s: failed (%s)\n", command->name, errno_name(result));
}

int shell_execute(char *line)
{
    char *argv[SHELL_ARGS_MAX + 1];
    int argc = split_words(line, argv, SHELL_ARGS_MAX);
    if (argc == -E2BIG) {
        printk("shell: too many words (at most %d)\n", SHELL_ARGS_MAX);
        return argc;
    }
    if (argc == 0)
        return 0;
    argv[argc] = NULL;
    const struct shell_command *command = shell_find(argv[0]);
    if (!command) {
        printk("shell: unknown command '%s'; 'help' lists the commands\n", argv[0]);
        return -ENOENT;
    }
    running = command;
    error_reported = false;
    int result = command->run(argc, argv);
    if (result < 0 && !error_reported)
        report_failure(command, result);
    running = NULL;
    return result;
}

void shell_run(void)
{
    static char line[SHELL_LINE_MAX];
    printk("Labyrinth shell: type 'help' for the list of commands.\n");
    for (;;) {
        console_write(SHELL_PROMPT, sizeof(SHELL_PROMPT) - 1);
        console_read_line(line, sizeof(line));
        shell_execute(line);
    }
}

/* --- commands that belong to no subsystem -------------------------------------------- */

/* The commands in name order: the section holds them in link order. */
static const struct shell_command *next_by_name(const struct shell_command *after)
{
    const struct shell_command *next = NULL;
    for (const struct shell_command *const *c = __start_shell_commands; c < __stop_shell_commands;
         c++) {
        bool later = !after || strcmp((*c)->name, after->name) > 0;
        if (later && (!next || strcmp((*c)->name, next->name) < 0))
            next = *c;
    }
    return next;
}

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
    printk("Commands (Backspace erases, Ctrl-U erases the line, Ctrl-C abandons it):\n");
    for (const struct shell_command *c = next_by_name(NULL); c; c = next_by_name(c))
        printk("  %-10s %s\n", c->name, c->help);
    return 0;
}
SHELL_COMMAND(help, "[command]: list the commands, or describe one", help_command);

static int echo_command(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        printk("%s%s", argv[i], i + 1 < argc ? " " : "");
    printk("\n");
    return 0;
}
SHELL_COMMAND(echo, "[word...]: print the words", echo_command);

static int halt_command(int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return -EINVAL;
    printk("Halting.\n");
    debug_exit(DEBUG_EXIT_SUCCESS); /* leaves QEMU; elsewhere, stops the CPU */
}
SHELL_COMMAND(halt, "stop the machine (QEMU exits with status 33)", halt_command);

static int reboot_command(int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return -EINVAL;
    printk("Rebooting.\n");
    arch_irq_disable();
    keyboard_reset_system();
    /* The controller takes a moment to pulse the line; then fall back to a triple fault. */
    for (uint64_t start = arch_cycles(); arch_cycles() - start < 100000000;)
        arch_cpu_relax();
    x86_triple_fault();
}
SHELL_COMMAND(reboot, "restart the machine (i8042 reset line, else a triple fault)",
              reboot_command);
