/* kernel/console.h - where printk's output goes and where typed input comes from. Drivers
 * plug in at their init: a console sink is anything text can be written to (the serial
 * port, the VGA screen), a console source anything characters can be read from (the PS/2
 * keyboard, the serial line). Input from every source is merged into one stream of
 * characters, read a line at a time with echo and editing (kernel/console_input.c).
 */
#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>

/* Somewhere console output is written. write is called under the console lock with
 * interrupts off, so it is never re-entered; it busy-waits on its device if it must, never
 * on anything else. */
struct console_sink {
    const char *name;
    void (*write)(const char *text, size_t length);
    struct console_sink *next; /* the console's list; set by console_add_sink */
};

/* Somewhere typed characters come from. read_char returns the next character, or -1 when
 * none is waiting: Enter as '\n', Backspace as '\b', Ctrl+letter as 1-26, and ANSI escape
 * sequences as they came (ESC '[' ...). It is called in ordinary context by the console's
 * one reader, and never waits. pending tells, in any context, whether the source holds
 * something (which may decode to no character, such as a key release). */
struct console_source {
    const char *name;
    int (*read_char)(void);
    bool (*pending)(void);
    struct console_source *next; /* the console's list; set by console_add_source */
};

/* Adds a sink: from the next message on, console output is also written there. Boot,
 * ordinary context; the sink must stay valid for good. */
void console_add_sink(struct console_sink *sink);

/* Adds a source of input. Boot, ordinary context; the source must stay valid for good. */
void console_add_source(struct console_source *source);

/* Writes text to every sink, under the console lock with interrupts off, so a message is
 * never torn by an interrupt handler's. Safe in any context. */
void console_write(const char *text, size_t length);

/* While a capture buffer is set, console output is also copied into it (NUL-terminated,
 * cut when full). Tests use it to check what a function logged. Pass NULL to stop. */
void console_capture(char *buffer, size_t size);

/* The next character from any source, or -1 when none is waiting. Ordinary context, one
 * reader at a time; never waits. */
int console_read_char(void);

/* True when any source holds something. Any context; never waits. */
bool console_input_pending(void);

/* Tells the console that a source received something: the thread waiting in
 * console_getchar wakes. Sources call it from their interrupt handlers, after the data is
 * where read_char will find it. Any context; never waits. */
void console_input_arrived(void);

/* Waits for the next character (see console_read_char), asleep while there is none.
 * Returns -1 when called where sleeping is not allowed (reported). Thread context; waits. */
int console_getchar(void);

/* Reads one line into line (at most size - 1 characters, NUL-terminated, without the
 * newline), echoing what is typed. Backspace erases a character, Ctrl-U the whole line;
 * Ctrl-C abandons the line (it comes back empty). Up and down arrows (ESC [ A and B, or
 * ESC O A and B) recall the lines read before; every other escape sequence is swallowed.
 * A line that outgrows the room gets one line, "console: line too long (at most N
 * characters); discarded", and comes back empty: it is never cut. Returns the line's
 * length. Thread context; waits. */
size_t console_read_line(char *line, size_t size);

#endif
