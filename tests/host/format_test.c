/* tests/host/format_test.c - kvsnprintf (kernel/format.c) against the C library's snprintf:
 * the same format and arguments must give the same text and the same return value. */
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>

#include "kernel/ktest.h"
#include "kernel/printk.h"

/* Formats with both implementations and compares text and length. */
#define SAME_AS_LIBC(t, fmt, ...)                                                                  \
    do {                                                                                           \
        char ours[256], theirs[256];                                                               \
        int our_length = ksnprintf(ours, sizeof(ours), fmt, __VA_ARGS__);                          \
        int their_length = snprintf(theirs, sizeof(theirs), fmt, __VA_ARGS__);                     \
        KTEST_EXPECT_STREQ(t, ours, theirs);                                                       \
        KTEST_EXPECT_EQ(t, our_length, their_length);                                              \
    } while (0)

static void signed_integers(struct ktest *t)
{
    SAME_AS_LIBC(t, "%d %i", 0, -1);
    SAME_AS_LIBC(t, "%d", INT32_MIN);
    SAME_AS_LIBC(t, "%ld", (long)INT64_MIN);
    SAME_AS_LIBC(t, "%lld", (long long)INT64_MAX);
    SAME_AS_LIBC(t, "[%5d] [%-5d] [%05d]", 42, 42, -42);
    SAME_AS_LIBC(t, "[%+d] [% d] [%+05d]", 7, 7, 7);
    SAME_AS_LIBC(t, "[%.3d] [%8.3d] [%-8.3d]", 5, -5, 5);
    SAME_AS_LIBC(t, "[%.0d] [%5.0d]", 0, 0);
    SAME_AS_LIBC(t, "%hhd %hd", (signed char)-3, (short)-300);
    SAME_AS_LIBC(t, "%zd", (ssize_t)-12);
}

static void unsigned_and_hex(struct ktest *t)
{
    SAME_AS_LIBC(t, "%u %x %X", 4000000000u, 0xdeadbeefu, 0xdeadbeefu);
    SAME_AS_LIBC(t, "%lx %llx", 0xffffffff80000000ul, 0x123456789abcdefull);
    SAME_AS_LIBC(t, "[%08x] [%-8x] [%#x] [%#010x] [%#x]", 0xbeef, 0xbeef, 0xbeef, 0xbeef, 0);
    SAME_AS_LIBC(t, "%zu %zx", (size_t)SIZE_MAX, (size_t)4096);
    SAME_AS_LIBC(t, "%o %#o", 8, 8);
    SAME_AS_LIBC(t, "%016lx", 0x100000ul);
    SAME_AS_LIBC(t, "%jd %ju", (intmax_t)-1, (uintmax_t)1);
}

static void strings_and_chars(struct ktest *t)
{
    SAME_AS_LIBC(t, "[%s] [%10s] [%-10s]", "abc", "abc", "abc");
    SAME_AS_LIBC(t, "[%.2s] [%*s] [%-*s]", "abcdef", 6, "ab", 6, "ab");
    SAME_AS_LIBC(t, "[%c] [%3c] [%-3c]", 'x', 'y', 'z');
    SAME_AS_LIBC(t, "100%% %s", "done");
    SAME_AS_LIBC(t, "[%*d]", -6, 12);
}

/* Calls kvsnprintf without the compiler's format checking, for formats that are wrong on
 * purpose. */
static int format_unchecked(char *buf, size_t size, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    int length = kvsnprintf(buf, size, fmt, args);
    va_end(args);
    return length;
}

static void pointers_are_full_width(struct ktest *t)
{
    char text[64];
    ksnprintf(text, sizeof(text), "%p", (void *)0xb8000);
    KTEST_EXPECT_STREQ(t, text, "0x00000000000b8000");
    ksnprintf(text, sizeof(text), "%p", (void *)0xffffffff80100000ul);
    KTEST_EXPECT_STREQ(t, text, "0xffffffff80100000");
}

static void null_string_prints_null(struct ktest *t)
{
    char text[32];
    format_unchecked(text, sizeof(text), "[%s]", NULL);
    KTEST_EXPECT_STREQ(t, text, "[(null)]");
}

static void truncation_returns_full_length(struct ktest *t)
{
    char text[8];
    memset(text, 'X', sizeof(text));
    int length = ksnprintf(text, 5, "%s-%d", "abcdef", 123);
    KTEST_EXPECT_EQ(t, length, 10);
    KTEST_EXPECT_STREQ(t, text, "abcd");
    KTEST_EXPECT_EQ(t, text[5], 'X'); /* nothing written past the size given */
    KTEST_EXPECT_EQ(t, ksnprintf(NULL, 0, "%d", 12345), 5);
}

static void unknown_conversion_is_copied(struct ktest *t)
{
    char text[32];
    format_unchecked(text, sizeof(text), "a%qb %5", 1);
    KTEST_EXPECT_STREQ(t, text, "a%qb %5");
}

/* A deterministic pseudo-random walk over flags, widths, precisions and values. */
static void random_formats_match_libc(struct ktest *t)
{
    static const char *const conversions[] = {"d",  "i",  "u",   "x",   "X",  "o",  "ld",
                                              "lu", "lx", "lld", "llx", "zu", "hd", "hhu"};
    static const char *const flags[] = {"", "-", "0", "+", " ", "#", "-+", "0#", "- "};
    uint64_t state = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < 5000 && !t->failed; i++) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        char fmt[32];
        const char *conversion = conversions[(state >> 8) % 14];
        int width = (int)((state >> 16) % 24) - 2;
        int precision = (int)((state >> 24) % 12) - 2;
        snprintf(fmt, sizeof(fmt), "<%%%s%.0d%s%.0d%s>", flags[(state >> 32) % 9],
                 width > 0 ? width : 0, precision >= 0 ? "." : "", precision > 0 ? precision : 0,
                 conversion);
        long long value = (long long)(state ^ (state >> 29));
        if (conversion[0] == 'l' || conversion[0] == 'z')
            SAME_AS_LIBC(t, fmt, value);
        else
            SAME_AS_LIBC(t, fmt, (int)value);
    }
}

static const struct ktest_case format_cases[] = {
        KTEST_CASE(signed_integers),
        KTEST_CASE(unsigned_and_hex),
        KTEST_CASE(strings_and_chars),
        KTEST_CASE(pointers_are_full_width),
        KTEST_CASE(null_string_prints_null),
        KTEST_CASE(truncation_returns_full_length),
        KTEST_CASE(unknown_conversion_is_copied),
        KTEST_CASE(random_formats_match_libc),
        {},
};
KTEST_SUITE(format, format_cases);
