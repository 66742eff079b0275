/* lib/parse.c - numbers, sizes and command-line words. */
#include "lib/parse.h"

#include <stddef.h>

#include "lib/errno.h"
#include "lib/string.h"

int parse_uint(const char *text, uint64_t *value)
{
    unsigned base = 10;
    if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        base = 16;
        text += 2;
    }
    if (!*text)
        return -EINVAL;
    uint64_t result = 0;
    for (; *text; text++) {
        unsigned digit;
        if (*text >= '0' && *text <= '9')
            digit = *text - '0';
        else if (base == 16 && *text >= 'a' && *text <= 'f')
            digit = *text - 'a' + 10;
        else if (base == 16 && *text >= 'A' && *text <= 'F')
            digit = *text - 'A' + 10;
        else
            return -EINVAL;
        if (result > (UINT64_MAX - digit) / base)
            return -ERANGE;
        result = result * base + digit;
    }
    *value = result;
    return 0;
}

static int suffix_shift(char suffix)
{
    switch (suffix) {
    case 'K':
    case 'k':
        return 10;
    case 'M':
    case 'm':
        return 20;
    case 'G':
    case 'g':
        return 30;
    default:
        return -1;
    }
}

int parse_size(const char *text, uint64_t *bytes, bool *had_suffix)
{
    char number[32];
    size_t length = strnlen(text, sizeof(number));
    if (length == 0 || length == sizeof(number))
        return -EINVAL;
    memcpy(number, text, length + 1);
    int shift = suffix_shift(number[length - 1]);
    *had_suffix = shift >= 0;
    if (shift >= 0)
        number[length - 1] = '\0';
    uint64_t value;
    int error = parse_uint(number, &value);
    if (error)
        return error;
    if (shift > 0 && value > (UINT64_MAX >> shift))
        return -ERANGE;
    *bytes = shift > 0 ? value << shift : value;
    return 0;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Ends the value starting at p (quoted or not); returns where the next word may start, or
 * NULL when a quote is never closed. */
static char *end_value(char *p, const char **value)
{
    if (*p != '"') {
        *value = p;
        while (*p && !is_space(*p))
            p++;
    } else {
        *value = ++p;
        while (*p && *p != '"')
            p++;
        if (!*p)
            return NULL;
    }
    if (*p)
        *p++ = '\0';
    return p;
}

int parse_next_word(char **cursor, struct parse_word *word)
{
    char *p = *cursor;
    while (is_space(*p))
        *p++ = '\0';
    if (!*p) {
        *cursor = p;
        return 0;
    }
    word->name = p;
    word->value = "";
    while (*p && !is_space(*p) && *p != '=')
        p++;
    if (*p == '=') {
        *p++ = '\0';
        char *next = end_value(p, &word->value);
        if (!next) {
            *cursor = p + strlen(p);
            return -EINVAL;
        }
        p = next;
    } else if (*p) {
        *p++ = '\0';
    }
    *cursor = p;
    return 1;
}
