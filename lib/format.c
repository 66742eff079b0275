/* lib/format.c - kvsnprintf, the formatting engine behind printk. Pure C with no kernel
 * state, so the host-side tests compile this very file and compare it with the C
 * library's snprintf.
 */
#include <stdbool.h>
#include <stdint.h>

#include "lib/format.h"

/* Where formatted output goes: a buffer that may be too small. Characters past the end are
 * counted but not stored, which is how kvsnprintf can return the untruncated length. */
struct sink {
    char *buf;
    size_t size;
    size_t length;
};

static void put_char(struct sink *out, char c)
{
    if (out->length + 1 < out->size)
        out->buf[out->length] = c;
    out->length++;
}

static void put_repeat(struct sink *out, char c, int count)
{
    while (count-- > 0)
        put_char(out, c);
}

/* One conversion's flags, width and precision, as parsed from the format. */
struct spec {
    bool left;      /* '-': pad on the right */
    bool zero;      /* '0': pad numbers with zeros */
    bool plus;      /* '+': always print a sign */
    bool space;     /* ' ': a space where a plus sign would go */
    bool alternate; /* '#': 0x before hex, 0 before octal */
    int width;      /* minimum field width, 0 for none */
    int precision;  /* -1 when not given */
    int length;     /* 'H' hh, 'h', 'l', 'L' ll, 'z', 't', 'j', or 0 */
};

static void put_string(struct sink *out, const struct spec *spec, const char *s)
{
    if (!s)
        s = "(null)";
    int length = 0;
    while (s[length] && (spec->precision < 0 || length < spec->precision))
        length++;
    if (!spec->left)
        put_repeat(out, ' ', spec->width - length);
    for (int i = 0; i < length; i++)
        put_char(out, s[i]);
    if (spec->left)
        put_repeat(out, ' ', spec->width - length);
}

/* Prints an unsigned magnitude with an optional sign and base prefix, honouring width,
 * precision (minimum digits) and the '0' and '-' flags, as C's printf does. */
static void put_number(struct sink *out, const struct spec *spec, uint64_t value, unsigned base,
                       bool upper, const char *sign_or_prefix)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char reversed[24];
    int count = 0;
    do {
        reversed[count++] = digits[value % base];
        value /= base;
    } while (value);
    if (spec->precision == 0 && count == 1 && reversed[0] == '0')
        count = 0; /* "%.0d" of zero prints no digits */

    int prefix = 0;
    while (sign_or_prefix[prefix])
        prefix++;
    int zeros = spec->precision > count ? spec->precision - count : 0;
    int padding = spec->width - prefix - zeros - count;
    if (spec->zero && !spec->left && spec->precision < 0) {
        zeros += padding > 0 ? padding : 0;
        padding = 0;
    }
    if (!spec->left)
        put_repeat(out, ' ', padding);
    for (int i = 0; i < prefix; i++)
        put_char(out, sign_or_prefix[i]);
    put_repeat(out, '0', zeros);
    while (count)
        put_char(out, reversed[--count]);
    if (spec->left)
        put_repeat(out, ' ', padding);
}

static int64_t fetch_signed(const struct spec *spec, va_list *args)
{
    switch (spec->length) {
    case 'H':
        return (signed char)va_arg(*args, int);
    case 'h':
        return (short)va_arg(*args, int);
    case 'l':
        return va_arg(*args, long);
    case 'L':
        return va_arg(*args, long long);
    case 'z':
    case 't':
        return va_arg(*args, long); /* ssize_t and ptrdiff_t are long on x86-64 */
    case 'j':
        return va_arg(*args, intmax_t);
    default:
        return va_arg(*args, int);
    }
}

static uint64_t fetch_unsigned(const struct spec *spec, va_list *args)
{
    switch (spec->length) {
    case 'H':
        return (unsigned char)va_arg(*args, unsigned int);
    case 'h':
        return (unsigned short)va_arg(*args, unsigned int);
    case 'l':
        return va_arg(*args, unsigned long);
    case 'L':
        return va_arg(*args, unsigned long long);
    case 'z':
        return va_arg(*args, size_t);
    case 't':
        return (uint64_t)va_arg(*args, long);
    case 'j':
        return va_arg(*args, uintmax_t);
    default:
        return va_arg(*args, unsigned int);
    }
}

static void put_signed(struct sink *out, const struct spec *spec, int64_t value)
{
    /* Negate in unsigned arithmetic: -INT64_MIN does not exist as an int64_t. */
    uint64_t magnitude = value < 0 ? 0 - (uint64_t)value : (uint64_t)value;
    const char *sign = value < 0 ? "-" : spec->plus ? "+" : spec->space ? " " : "";
    put_number(out, spec, magnitude, 10, false, sign);
}

static void put_pointer(struct sink *out, const struct spec *spec, const void *p)
{
    /* Always the full 16 digits: kernel addresses line up in reports. */
    struct spec full = *spec;
    full.precision = 16;
    full.zero = false;
    put_number(out, &full, (uint64_t)(uintptr_t)p, 16, false, "0x");
}

static void put_conversion(struct sink *out, const struct spec *spec, char conversion,
                           va_list *args)
{
    switch (conversion) {
    case 'd':
    case 'i':
        put_signed(out, spec, fetch_signed(spec, args));
        break;
    case 'u':
        put_number(out, spec, fetch_unsigned(spec, args), 10, false, "");
        break;
    case 'x':
    case 'X': {
        uint64_t value = fetch_unsigned(spec, args);
        const char *prefix = spec->alternate && value ? (conversion == 'x' ? "0x" : "0X") : "";
        put_number(out, spec, value, 16, conversion == 'X', prefix);
        break;
    }
    case 'o': {
        uint64_t value = fetch_unsigned(spec, args);
        put_number(out, spec, value, 8, false, spec->alternate && value ? "0" : "");
        break;
    }
    case 'p':
        put_pointer(out, spec, va_arg(*args, void *));
        break;
    case 's':
        put_string(out, spec, va_arg(*args, const char *));
        break;
    case 'c':
        if (!spec->left)
            put_repeat(out, ' ', spec->width - 1);
        put_char(out, (char)va_arg(*args, int));
        if (spec->left)
            put_repeat(out, ' ', spec->width - 1);
        break;
    default:
        break;
    }
}

static const char *parse_flags(const char *f, struct spec *spec)
{
    for (;; f++) {
        switch (*f) {
        case '-':
            spec->left = true;
            break;
        case '0':
            spec->zero = true;
            break;
        case '+':
            spec->plus = true;
            break;
        case ' ':
            spec->space = true;
            break;
        case '#':
            spec->alternate = true;
            break;
        default:
            return f;
        }
    }
}

/* Reads a width or precision: decimal digits, or '*' to take an int argument. */
static const char *parse_count(const char *f, int *count, va_list *args)
{
    if (*f == '*') {
        *count = va_arg(*args, int);
        return f + 1;
    }
    *count = 0;
    while (*f >= '0' && *f <= '9') {
        if (*count < 100000) /* absurd widths are capped, not overflowed */
            *count = *count * 10 + (*f - '0');
        f++;
    }
    return f;
}

static const char *parse_length(const char *f, struct spec *spec)
{
    spec->length = 0;
    if ((f[0] == 'h' || f[0] == 'l') && f[1] == f[0]) {
        spec->length = f[0] == 'h' ? 'H' : 'L';
        return f + 2;
    }
    if (*f == 'h' || *f == 'l' || *f == 'z' || *f == 't' || *f == 'j')
        spec->length = *f++;
    return f;
}

/* Parses one "%..." directive (f points after the '%') and returns where it ends. */
static const char *parse_spec(const char *f, struct spec *spec, va_list *args)
{
    *spec = (struct spec){.precision = -1};
    f = parse_flags(f, spec);
    f = parse_count(f, &spec->width, args);
    if (spec->width < 0) { /* a negative '*' width means left-justified */
        spec->left = true;
        spec->width = -spec->width;
    }
    if (*f == '.') {
        f = parse_count(f + 1, &spec->precision, args);
        if (spec->precision < 0)
            spec->precision = -1;
    }
    return parse_length(f, spec);
}

static bool is_conversion(char c)
{
    return c == 'd' || c == 'i' || c == 'u' || c == 'x' || c == 'X' || c == 'o' || c == 'p' ||
           c == 's' || c == 'c';
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list args)
{
    struct sink out = {buf, size, 0};
    va_list ap;
    va_copy(ap, args);
    while (*fmt) {
        if (*fmt != '%') {
            put_char(&out, *fmt++);
            continue;
        }
        const char *start = fmt++;
        if (*fmt == '%') {
            put_char(&out, '%');
            fmt++;
            continue;
        }
        struct spec spec;
        fmt = parse_spec(fmt, &spec, &ap);
        if (!is_conversion(*fmt)) {
            /* Unknown or missing conversion: copy the directive through as written. */
            while (start < fmt)
                put_char(&out, *start++);
            continue;
        }
        put_conversion(&out, &spec, *fmt++, &ap);
    }
    va_end(ap);
    if (size)
        buf[out.length < size ? out.length : size - 1] = '\0';
    return (int)out.length;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    int length = kvsnprintf(buf, size, fmt, args);
    va_end(args);
    return length;
}
