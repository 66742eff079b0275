/* lib/format.h - formatting into a buffer, as C's snprintf does: the engine behind printk.
 * Pure C: it touches nothing but its arguments, so the host-side tests compile this very
 * code and compare it with the C library's snprintf.
 */
#ifndef LIB_FORMAT_H
#define LIB_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

#include "lib/compiler.h"

/* Formats like C's vsnprintf: %d %i %u %x %X %o %p %s %c %%, flags '-' '0' '+' ' ' '#',
 * a width and precision (digits or '*'), and the length modifiers hh h l ll z t j.
 * Writes at most size bytes including the terminating NUL (nothing when size is 0).
 * Returns the length the whole output would have had, so a return >= size means truncated.
 * An unknown conversion is copied through as written. Safe in any context. */
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list args);
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

#endif
