/* kernel/printk.h - formatted output to every console: printk formats a message with
 * lib/format.h's kvsnprintf and writes it whole.
 */
#ifndef KERNEL_PRINTK_H
#define KERNEL_PRINTK_H

#include <stdarg.h>
#include <stddef.h>

#include "lib/compiler.h"
#include "lib/format.h"

/* Formats a message and writes it to every console (serial and VGA) as one piece: lines from
 * an interrupt handler never cut into the middle of another message. Lines longer than
 * PRINTK_LINE_MAX are cut. Safe in any context, interrupt handlers included; never waits
 * for anything but the serial port's transmitter. */
#define PRINTK_LINE_MAX 512
void printk(const char *fmt, ...) __printf(1, 2);
void vprintk(const char *fmt, va_list args);

#endif
