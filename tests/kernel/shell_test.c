/* tests/kernel/shell_test.c - the shell without a keyboard: lines cut into words, commands
 * found in the registration section, every failure reported in exactly one line. */
#include "kernel/clock.h"
#include "kernel/console.h"
#include "lib/errno.h"
#include "kernel/ktest.h"
#include "services/shell/shell.h"
#include "lib/format.h"
#include "lib/string.h"

static char captured[1024];

/* Runs a line as the shell would; returns the command's result, output in `captured`. */
static int run(const char *text)
{
    char line[SHELL_LINE_MAX];
    size_t length = strnlen(text, sizeof(line) - 1);
    memcpy(line, text, length);
    line[length] = '\0';
    console_capture(captured, sizeof(captured));
    int result = shell_execute(line);
    console_capture(NULL, 0);
    return result;
}

static int count_lines(const char *text)
{
    int lines = 0;
    for (; *text; text++)
        lines += *text == '\n';
    return lines;
}

static void echo_joins_its_words(struct ktest *t)
{
    KTEST_EXPECT_EQ(t, run("  echo   one\ttwo  three "), 0);
    KTEST_EXPECT_STREQ(t, captured, "one two three\n");
    KTEST_EXPECT_EQ(t, run(""), 0);
    KTEST_EXPECT_STREQ(t, captured, "");
}

static void help_lists_every_registered_command(struct ktest *t)
{
    KTEST_EXPECT_EQ(t, run("help"), 0);
    const char *names[] = {"  echo ", "  halt ", "  help ", "  irqstat ", "  reboot ", "  uptime "};
    for (size_t i = 0; i < ARRAY_SIZE(names); i++)
        KTEST_EXPECT_NOT_NULL(t, strstr(captured, names[i]));
    KTEST_EXPECT_LT(t, strstr(captured, "  echo "), strstr(captured, "  uptime ")); /* sorted */
    KTEST_EXPECT_EQ(t, run("help uptime"), 0);
    KTEST_EXPECT_EQ(t, count_lines(captured), 1);
    KTEST_EXPECT_NOT_NULL(t, shell_find("irqstat"));
    KTEST_EXPECT_NULL(t, shell_find("irq"));
}

static void failures_take_one_line(struct ktest *t)
{
    KTEST_EXPECT_EQ(t, run("no-such-command"), -ENOENT);
    KTEST_EXPECT_EQ(t, count_lines(captured), 1);
    KTEST_EXPECT_NOT_NULL(t, strstr(captured, "unknown command 'no-such-command'"));
    KTEST_EXPECT_EQ(t, run("uptime please"), -EINVAL);
    KTEST_EXPECT_EQ(t, count_lines(captured), 1);
    KTEST_EXPECT_NOT_NULL(t, strstr(captured, "uptime: bad arguments"));
    KTEST_EXPECT_EQ(t, run("help no-such-command"), -ENOENT);
    KTEST_EXPECT_STREQ(t, captured, "help: no command 'no-such-command'\n");
    KTEST_EXPECT_EQ(t, run("echo 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16"), -E2BIG);
    KTEST_EXPECT_EQ(t, count_lines(captured), 1);
    KTEST_EXPECT_EQ(t, run("echo 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15"), 0);
}

static void irqstat_shows_the_timer(struct ktest *t)
{
    KTEST_EXPECT_EQ(t, run("irqstat"), 0);
    KTEST_EXPECT_EQ(t, strncmp(captured, "IRQ ", 4), 0);
    char start[8];
    ksnprintf(start, sizeof(start), "\n%3d ", clock_tick_line());
    const char *row = strstr(captured, start);
    KTEST_ASSERT_NOT_NULL(t, row);
    /* The tick line's handlers: the clock's "timer", and the scheduler and sensor sharing it. */
    const char *end = strchr(row + 1, '\n');
    const char *timer = strstr(row, " timer");
    KTEST_EXPECT_TRUE(t, timer && end && timer < end);
}

static const struct ktest_case shell_cases[] = {
        KTEST_CASE(echo_joins_its_words),
        KTEST_CASE(help_lists_every_registered_command),
        KTEST_CASE(failures_take_one_line),
        KTEST_CASE(irqstat_shows_the_timer),
        {},
};
KTEST_SUITE(shell, shell_cases);
