/* kernel/printk.h - formatted output: kvsnprintf formats into a buffer (pure C, also built
 * into the host-side tests), printk formats and writes to every console.
 */
#ifndef KERNEL_PRINTK_H
#define KERNEL_PRINTK_H

#include <stdarg.h>
#include <stddef.h>

#include "kernel/compiler.h"

/* Formats like C's vsnprintf: %d %i %u %x %X %o %p %s %c %%, flags '-' '0' '+' ' ' '#',
 * a width and precision (digits or '*'), and the length modifiers hh h l ll z t j.
 * Writes at most size bytes including the terminating NUL (nothing when size is 0).
 * Returns the length the whole output would have had, so a return >= size means truncated.
 * An unknown conversion is copied through as written. Safe in any context. */
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list args);
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

/* Formats a message and writes it to every console (serial and VGA) as one piece: lines from
 * an interrupt handler never cut into the middle of another message. Lines longer than
 * PRINTK_LINE_MAX are cut. Safe in any context, interrupt handlers included; never waits
 * for anything but the serial port's transmitter. */
#define PRINTK_LINE_MAX 512
void printk(const char *fmt, ...) __printf(1, 2);
void vprintk(const char *fmt, va_list args);

#endif
