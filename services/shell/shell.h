/* services/shell/shell.h - the kernel's command shell on the console (serial line and
 * keyboard): a prompt, a line with editing, and commands, each in a file of its own under
 * services/shell/commands/ that registers itself:
 *
 *     static int uptime_command(int argc, char **argv) { ... return 0; }
 *     SHELL_COMMAND(uptime, "time since boot, tick count and rate", uptime_command);
 *
 * Commands use the subsystems' public interfaces; no subsystem knows the shell.
 */
#ifndef SERVICES_SHELL_SHELL_H
#define SERVICES_SHELL_SHELL_H

#include "lib/compiler.h"

#define SHELL_LINE_MAX 256 /* characters in one command line, the NUL included */
#define SHELL_ARGS_MAX 16  /* words in one command line, the command's name included */
#define SHELL_PROMPT   "labyrinth> "

/* A command gets its words (argv[0] is its name; argc >= 1) and returns 0, or a negative
 * errno when it failed. It reports a failure in one line: with shell_error, or by returning
 * the errno alone, which the shell then reports for it ("name: bad arguments; ..." for
 * -EINVAL).
 * Commands run in ordinary context with interrupts on; they may wait. */
typedef int (*shell_function)(int argc, char **argv);

struct shell_command {
    const char *name;
    const char *help; /* one line: "[arguments]: what it does", or only what it does */
    shell_function run;
};

/* Registers a command: a pointer to it goes into the shell_commands section (linker.ld). */
#define SHELL_COMMAND(command_name, help_text, function)                                           \
    static const struct shell_command shell_command_##command_name = {#command_name, help_text,    \
                                                                      function};                   \
    static const struct shell_command *const shell_command_ptr_##command_name __used __section(    \
            "shell_commands") __aligned(8) = &shell_command_##command_name

/* Prints "<command>: <message>" as the running command's one line of error. Ordinary
 * context. */
void shell_error(const char *fmt, ...) __printf(1, 2);

/* Splits a line into words and runs the command it names. Returns what the command
 * returned, 0 for an empty line, -ENOENT for an unknown command or -E2BIG for too many
 * words; each failure is reported in one line. The line is cut into words in place.
 * Ordinary context with interrupts on; waits if the command does. */
int shell_execute(char *line);

/* The command named name, or NULL. Any context. */
const struct shell_command *shell_find(const char *name);

/* The command that comes after `after` in name order (the first with NULL), or NULL after
 * the last. Any context. */
const struct shell_command *shell_next_by_name(const struct shell_command *after);

/* The shell thread's function: prompts, reads a line, runs it; forever. arg is unused. */
__noreturn void shell_main(void *arg);

#endif
