/* tests/kernel/printk_test.c - printk in the kernel: formatting reaches the consoles whole,
 * conversions behave as in the host tests, long lines are cut, not overrun. */
#include "kernel/console.h"
#include "kernel/ktest.h"
#include "kernel/printk.h"
#include "lib/string.h"

static void formats_reach_the_console(struct ktest *t)
{
    char captured[256];
    console_capture(captured, sizeof(captured));
    printk("[%d|%5u|%-4x|%08lx|%s|%c|%zu|%p]\n", -42, 7u, 0xabu, 0xb8000ul, "vga", 'k',
           (size_t)4096, (void *)0xffffffff80100000ul);
    console_capture(NULL, 0);
    KTEST_EXPECT_STREQ(t, captured, "[-42|    7|ab  |000b8000|vga|k|4096|0xffffffff80100000]\n");
}

static void long_lines_are_cut_not_overrun(struct ktest *t)
{
    static char captured[PRINTK_LINE_MAX * 2];
    char long_text[PRINTK_LINE_MAX + 100];
    memset(long_text, 'a', sizeof(long_text) - 1);
    long_text[sizeof(long_text) - 1] = '\0';
    console_capture(captured, sizeof(captured));
    printk("%s\n", long_text);
    console_capture(NULL, 0);
    KTEST_EXPECT_EQ(t, strlen(captured), (size_t)PRINTK_LINE_MAX - 1);
    KTEST_EXPECT_EQ(t, captured[PRINTK_LINE_MAX - 2], '\n'); /* the newline survives the cut */
}

static void snprintf_reports_full_length(struct ktest *t)
{
    char text[6];
    KTEST_EXPECT_EQ(t, ksnprintf(text, sizeof(text), "%s", "truncated"), 9);
    KTEST_EXPECT_STREQ(t, text, "trunc");
    KTEST_EXPECT_EQ(t, ksnprintf(text, sizeof(text), "%lld", -9223372036854775807ll - 1), 20);
}

static const struct ktest_case printk_cases[] = {
        KTEST_CASE(formats_reach_the_console),
        KTEST_CASE(long_lines_are_cut_not_overrun),
        KTEST_CASE(snprintf_reports_full_length),
        {},
};
KTEST_SUITE(printk, printk_cases);
