/* services/shell/shell.c - the command shell: reading a line, cutting it into words, finding
 * the registered command and reporting its failure in one line. The commands themselves are
 * in services/shell/commands/, one file each. */
#include "services/shell/shell.h"

#include <stdarg.h>
#include <stdbool.h>

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

void shell_main(void *arg)
{
    (void)arg;
    static char line[SHELL_LINE_MAX];
    printk("Labyrinth shell: type 'help' for the list of commands.\n");
    for (;;) {
        console_write(SHELL_PROMPT, sizeof(SHELL_PROMPT) - 1);
        console_read_line(line, sizeof(line));
        shell_execute(line);
    }
}

/* The section holds the commands in link order; this walks them in name order. */
const struct shell_command *shell_next_by_name(const struct shell_command *after)
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
