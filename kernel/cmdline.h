/* kernel/cmdline.h - the kernel command line: words of the form `name` or `name=value`,
 * separated by spaces (a value may be "quoted"). Subsystems ask for their own options; a bad
 * value gets one log line naming the option and the default is used, and options nobody
 * asked for are reported as unknown. The words and numbers are read by lib/parse.h; this file
 * keeps the options and reports. Portable: tested on the host.
 */
#ifndef KERNEL_CMDLINE_H
#define KERNEL_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CMDLINE_MAX_OPTIONS 32

/* Splits a command line into options, replacing whatever was parsed before. `line` is
 * NUL-terminated; `length` is the line's length as the loader gave it: strlen(line), or more
 * when the line was cut before it got here (kernel/multiboot.c keeps BOOT_CMDLINE_MAX - 1
 * characters). Only the first 1023 characters are read; beyond that one line says the line
 * was cut, and a word the cut may have fallen inside is ignored, never read as what fits of
 * it. Also one line for options beyond CMDLINE_MAX_OPTIONS (dropped) and for a value with an
 * unterminated quote (emptied). */
void cmdline_parse(const char *line, size_t length);

/* True when the option is present, with or without a value. */
bool cmdline_has(const char *name);

/* The value of name=value (the last one, if repeated), "" for a bare `name`, or NULL when
 * the option is absent. */
const char *cmdline_value(const char *name);

/* The option as an unsigned number (decimal, or hex with 0x) in [min, max]. Absent: returns
 * fallback silently. Bare (`name` or `name=`), malformed or out of range: logs
 * "cmdline: bad value '<v>' for <name> (<why>); using <fallback>" and returns fallback. */
uint64_t cmdline_uint(const char *name, uint64_t fallback, uint64_t min, uint64_t max);

/* The option as a count of 4 KiB pages: a plain number is pages, a number with K, M or G
 * (KiB, MiB, GiB) is a size, rounded up to whole pages. Same bad-value rule as cmdline_uint. */
uint64_t cmdline_pages(const char *name, uint64_t fallback, uint64_t min, uint64_t max);

/* The option as a switch: 1/on/yes/true or 0/off/no/false; a bare `name` means on.
 * Same bad-value rule. */
bool cmdline_bool(const char *name, bool fallback);

/* Logs each option that no subsystem asked about: "cmdline: unknown option 'x' ignored".
 * Returns how many there were. Call once all subsystems have read their options. */
int cmdline_report_unknown(void);

#endif
