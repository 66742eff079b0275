/* lib/parse.h - reading numbers, sizes and `name=value` words out of text: the pure half of
 * the kernel command line (kernel/cmdline.h keeps the options and reports bad values), also
 * used by the shell and tested on the host.
 */
#ifndef LIB_PARSE_H
#define LIB_PARSE_H

#include <stdbool.h>
#include <stdint.h>

/* An unsigned number, decimal or hex with 0x. Returns 0 and sets *value, or -EINVAL (not a
 * number, trailing characters) or -ERANGE (more than 64 bits). */
int parse_uint(const char *text, uint64_t *value);

/* A number of bytes, optionally with K, M or G (KiB, MiB, GiB; either case). Returns 0 and
 * sets *bytes and *had_suffix, or -EINVAL or -ERANGE as parse_uint. */
int parse_size(const char *text, uint64_t *bytes, bool *had_suffix);

/* One word of a command line: `name`, or `name=value` where the value may be "quoted" to
 * hold spaces. */
struct parse_word {
    const char *name;
    const char *value; /* "" for a bare name */
};

/* Cuts the next word out of the text at *cursor, in place (separators become NULs), and
 * moves *cursor past it. Returns 1 with *word filled, 0 when only spaces are left, or
 * -EINVAL for a value whose quote is never closed (*word is filled, its value the text after
 * the quote, for the caller's report). */
int parse_next_word(char **cursor, struct parse_word *word);

#endif
