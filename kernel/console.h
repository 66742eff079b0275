/* kernel/console.h - where printk's output goes (the serial port and the VGA screen), and
 * where input comes from: the PS/2 keyboard and the serial line, merged into one stream of
 * characters, and read a line at a time with echo and editing (kernel/console_input.c). */
#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>

/* Starts the serial console. Call first: everything else may log. */
void console_init(void);

/* Adds the VGA text screen as a console (only where there is one: not under UEFI). */
void console_enable_vga(void);

/* Writes text to every console, under the console lock with interrupts off, so a message is
 * never torn by an interrupt handler's. Safe in any context. */
void console_write(const char *text, size_t length);

/* While a capture buffer is set, console output is also copied into it (NUL-terminated,
 * cut when full). Tests use it to check what a function logged. Pass NULL to stop. */
void console_capture(char *buffer, size_t size);

/* The next character typed on the keyboard or received on the serial line, or -1 when none
 * is waiting. Enter arrives as '\n' (a terminal's "\r", "\r\n" or "\n" alike), Backspace
 * as '\b' (also DEL, 0x7f, which terminals send), Ctrl+letter as 1-26. Ordinary context,
 * one reader at a time; never waits. */
int console_read_char(void);

/* True when either input source holds something (which may decode to no character, such as
 * a key release). Any context; never waits. */
bool console_input_pending(void);

/* Waits for the next character (see console_read_char), running the idle callbacks
 * meanwhile. Ordinary context with interrupts on; waits. */
int console_getchar(void);

/* Reads one line into line (at most size - 1 characters, NUL-terminated, without the
 * newline), echoing what is typed. Backspace erases a character, Ctrl-U the whole line;
 * Ctrl-C abandons the line (it comes back empty). Characters beyond the room are refused.
 * Returns the line's length. Ordinary context with interrupts on; waits. */
size_t console_read_line(char *line, size_t size);

#endif
