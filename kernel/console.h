/* kernel/console.h - where printk's output goes: the serial port and the VGA screen. */
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

#endif
