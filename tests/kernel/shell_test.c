/* tests/kernel/shell_test.c - the shell without a keyboard: lines cut into words, commands
 * found in the registration section, every failure reported in exactly one line; irqstat and
 * ps show what they say they show. */
#include "kernel/clock.h"
#include "kernel/completion.h"
#include "kernel/console.h"
#include "lib/errno.h"
#include "kernel/ktest.h"
#include "kernel/printk.h"
#include "kernel/thread.h"
#include "services/shell/shell.h"
#include "lib/format.h"
#include "lib/string.h"
#include "mm/page_alloc.h"

static char captured[2048]; /* ps with every CPU's threads */

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

static struct completion holding = COMPLETION_INIT("test ps holding"),
                         release = COMPLETION_INIT("test ps release");
static struct page *held[2];

/* Holds two EXCLUSIVE frames until told to free them. */
static void hold_two_frames(void *arg)
{
    (void)arg;
    held[0] = alloc_page(GFP_KERNEL | EXCLUSIVE);
    held[1] = alloc_page(GFP_KERNEL | EXCLUSIVE);
    complete(&holding);
    wait_for_completion(&release, 5000);
    for (int i = 0; i < 2; i++) {
        if (held[i] && free_page(held[i]) != 0)
            printk("test: a held frame was not freed\n");
    }
}

/* The n-th word (from 0) of the line at `line`, copied into word. */
static void nth_word(const char *line, int n, char *word, size_t size)
{
    word[0] = '\0';
    for (int i = 0; *line && *line != '\n'; i++) {
        while (*line == ' ')
            line++;
        size_t length = 0;
        while (line[length] && line[length] != ' ' && line[length] != '\n')
            length++;
        if (i == n) {
            length = length < size - 1 ? length : size - 1;
            memcpy(word, line, length);
            word[length] = '\0';
            return;
        }
        line += length;
    }
}

static void ps_shows_the_exclusive_frames_each_thread_owns(struct ktest *t)
{
    struct thread *holder =
            thread_create("ps-holder", hold_two_frames, NULL, THREAD_PRIORITY_NORMAL);
    KTEST_ASSERT_NOT_NULL(t, holder);
    KTEST_EXPECT_EQ(t, wait_for_completion(&holding, 5000), 0);
    int result = run("ps");
    complete(&release);
    thread_join(holder, NULL);
    KTEST_EXPECT_EQ(t, result, 0);
    KTEST_EXPECT_NOT_NULL(t, held[0]);
    KTEST_EXPECT_NOT_NULL(t, held[1]);
    KTEST_EXPECT_NOT_NULL(t, strstr(captured, " TICKS  EXCL  WAITING ON\n"));
    const char *line = strstr(captured, " ps-holder ");
    KTEST_ASSERT_NOT_NULL(t, line);
    char word[16];
    nth_word(line, 6, word, sizeof(word)); /* name state pri cpu pin ticks EXCL */
    KTEST_EXPECT_STREQ(t, word, "2");
    KTEST_EXPECT_NOT_NULL(t, strstr(captured, "threads that ended owning EXCLUSIVE frames: "));
}

static const struct ktest_case shell_cases[] = {
        KTEST_CASE(echo_joins_its_words),
        KTEST_CASE(help_lists_every_registered_command),
        KTEST_CASE(failures_take_one_line),
        KTEST_CASE(irqstat_shows_the_timer),
        KTEST_CASE(ps_shows_the_exclusive_frames_each_thread_owns),
        {},
};
KTEST_SUITE(shell, shell_cases);
