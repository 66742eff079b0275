/* tests/host/cmdline_test.c - the command line parser: splitting, lookups, typed values and
 * the bad-value rule (one log line naming the option, then the default). */
#include <stdio.h>
#include <string.h>

#include "kernel/cmdline.h"
#include "kernel/console.h"
#include "lib/errno.h"
#include "lib/parse.h"
#include "kernel/ktest.h"

/* A line as an ordinary string: its length is its strlen. */
static void parse(const char *line)
{
    cmdline_parse(line, strlen(line));
}

static void splits_words_and_values(struct ktest *t)
{
    parse("  selftest   pit_hz=250\tname=\"two words\" empty= ");
    KTEST_EXPECT_TRUE(t, cmdline_has("selftest"));
    KTEST_EXPECT_STREQ(t, cmdline_value("selftest"), "");
    KTEST_EXPECT_STREQ(t, cmdline_value("pit_hz"), "250");
    KTEST_EXPECT_STREQ(t, cmdline_value("name"), "two words");
    KTEST_EXPECT_STREQ(t, cmdline_value("empty"), "");
    KTEST_EXPECT_NULL(t, cmdline_value("absent"));
    KTEST_EXPECT_FALSE(t, cmdline_has("pit"));
}

static void last_occurrence_wins(struct ktest *t)
{
    parse("pit_hz=100 pit_hz=200");
    KTEST_EXPECT_EQ(t, cmdline_uint("pit_hz", 1000, 19, 100000), 200u);
}

static void numbers_parse_in_decimal_and_hex(struct ktest *t)
{
    uint64_t value = 0;
    KTEST_EXPECT_EQ(t, parse_uint("0", &value), 0);
    KTEST_EXPECT_EQ(t, value, 0u);
    KTEST_EXPECT_EQ(t, parse_uint("18446744073709551615", &value), 0);
    KTEST_EXPECT_EQ(t, value, UINT64_MAX);
    KTEST_EXPECT_EQ(t, parse_uint("0x1F", &value), 0);
    KTEST_EXPECT_EQ(t, value, 31u);
    KTEST_EXPECT_EQ(t, parse_uint("18446744073709551616", &value), -ERANGE);
    KTEST_EXPECT_EQ(t, parse_uint("12abc", &value), -EINVAL);
    KTEST_EXPECT_EQ(t, parse_uint("", &value), -EINVAL);
    KTEST_EXPECT_EQ(t, parse_uint("0x", &value), -EINVAL);
    KTEST_EXPECT_EQ(t, parse_uint("-1", &value), -EINVAL);
}

static void sizes_take_suffixes(struct ktest *t)
{
    uint64_t bytes = 0;
    bool suffix = false;
    KTEST_EXPECT_EQ(t, parse_size("4K", &bytes, &suffix), 0);
    KTEST_EXPECT_EQ(t, bytes, 4096u);
    KTEST_EXPECT_TRUE(t, suffix);
    KTEST_EXPECT_EQ(t, parse_size("2m", &bytes, &suffix), 0);
    KTEST_EXPECT_EQ(t, bytes, 2u << 20);
    KTEST_EXPECT_EQ(t, parse_size("1G", &bytes, &suffix), 0);
    KTEST_EXPECT_EQ(t, bytes, 1u << 30);
    KTEST_EXPECT_EQ(t, parse_size("77", &bytes, &suffix), 0);
    KTEST_EXPECT_FALSE(t, suffix);
    KTEST_EXPECT_EQ(t, parse_size("K", &bytes, &suffix), -EINVAL);
    KTEST_EXPECT_EQ(t, parse_size("99999999999999G", &bytes, &suffix), -ERANGE);
}

static void pages_accept_counts_and_sizes(struct ktest *t)
{
    parse("a=64 b=1M c=5K d=0x10");
    KTEST_EXPECT_EQ(t, cmdline_pages("a", 1, 0, 1000000), 64u);
    KTEST_EXPECT_EQ(t, cmdline_pages("b", 1, 0, 1000000), 256u);
    KTEST_EXPECT_EQ(t, cmdline_pages("c", 1, 0, 1000000), 2u); /* rounded up */
    KTEST_EXPECT_EQ(t, cmdline_pages("d", 1, 0, 1000000), 16u);
}

/* Each bad value gives exactly one line, naming the option and the default used. */
static void bad_values_log_one_line_and_fall_back(struct ktest *t)
{
    char log[512];
    parse("pit_hz=abc atomic_reserve=9G poison=maybe pit2=5");
    console_capture(log, sizeof(log));
    KTEST_EXPECT_EQ(t, cmdline_uint("pit_hz", 1000, 19, 100000), 1000u);
    KTEST_EXPECT_STREQ(t, log, "cmdline: bad value 'abc' for pit_hz (not a number); using 1000\n");

    console_capture(log, sizeof(log));
    KTEST_EXPECT_EQ(t, cmdline_pages("atomic_reserve", 128, 1, 1000), 128u);
    KTEST_EXPECT_STREQ(t, log,
                       "cmdline: bad value '9G' for atomic_reserve (expected 1 to 1000); "
                       "using 128\n");

    console_capture(log, sizeof(log));
    KTEST_EXPECT_TRUE(t, cmdline_bool("poison", true));
    KTEST_EXPECT_NOT_NULL(t, strstr(log, "for poison (expected on or off)"));

    console_capture(log, sizeof(log));
    KTEST_EXPECT_EQ(t, cmdline_uint("pit2", 1000, 19, 100000), 1000u);
    KTEST_EXPECT_STREQ(t, log,
                       "cmdline: bad value '5' for pit2 (expected 19 to 100000); using 1000\n");
    console_capture(NULL, 0);
}

/* `name=` and a bare `name` give a number no value: that is a bad value too, not the default
 * taken in silence. */
static void empty_values_are_bad_values(struct ktest *t)
{
    char log[4][128];
    parse("pit_hz= atomic_reserve= pit2");
    console_capture(log[0], sizeof(log[0]));
    uint64_t hz = cmdline_uint("pit_hz", 1000, 19, 100000);
    console_capture(log[1], sizeof(log[1]));
    uint64_t pages = cmdline_pages("atomic_reserve", 128, 1, 1000);
    console_capture(log[2], sizeof(log[2]));
    uint64_t bare = cmdline_uint("pit2", 1000, 19, 100000);
    console_capture(log[3], sizeof(log[3]));
    uint64_t absent = cmdline_uint("absent", 7, 1, 10);
    console_capture(NULL, 0);
    KTEST_EXPECT_EQ(t, hz, 1000u);
    KTEST_EXPECT_STREQ(t, log[0], "cmdline: bad value '' for pit_hz (no value); using 1000\n");
    KTEST_EXPECT_EQ(t, pages, 128u);
    KTEST_EXPECT_STREQ(t, log[1],
                       "cmdline: bad value '' for atomic_reserve (no value); using 128\n");
    KTEST_EXPECT_EQ(t, bare, 1000u);
    KTEST_EXPECT_STREQ(t, log[2], "cmdline: bad value '' for pit2 (no value); using 1000\n");
    KTEST_EXPECT_EQ(t, absent, 7u);
    KTEST_EXPECT_STREQ(t, log[3], ""); /* absent: silent */
}

static void booleans(struct ktest *t)
{
    parse("a b=on c=0 d=no e=yes");
    KTEST_EXPECT_TRUE(t, cmdline_bool("a", false));
    KTEST_EXPECT_TRUE(t, cmdline_bool("b", false));
    KTEST_EXPECT_FALSE(t, cmdline_bool("c", true));
    KTEST_EXPECT_FALSE(t, cmdline_bool("d", true));
    KTEST_EXPECT_TRUE(t, cmdline_bool("e", false));
    KTEST_EXPECT_TRUE(t, cmdline_bool("absent", true));
}

static void unknown_options_are_reported(struct ktest *t)
{
    char log[256];
    parse("known unknown1 unknown2=3");
    cmdline_has("known");
    console_capture(log, sizeof(log));
    KTEST_EXPECT_EQ(t, cmdline_report_unknown(), 2);
    KTEST_EXPECT_STREQ(t, log,
                       "cmdline: unknown option 'unknown1' ignored\n"
                       "cmdline: unknown option 'unknown2' ignored\n");
    console_capture(NULL, 0);
}

static void limits_are_enforced(struct ktest *t)
{
    char line[2048];
    size_t length = 0;
    for (int i = 0; i < 40; i++)
        length += (size_t)snprintf(line + length, sizeof(line) - length, "opt%d ", i);
    parse(line);
    KTEST_EXPECT_TRUE(t, cmdline_has("opt31"));
    KTEST_EXPECT_FALSE(t, cmdline_has("opt32")); /* beyond CMDLINE_MAX_OPTIONS, logged */

    memset(line, 'x', sizeof(line) - 1);
    line[sizeof(line) - 1] = '\0';
    parse(line); /* longer than the parser keeps: cut, not overrun */
    parse("unterminated=\"oops");
    KTEST_EXPECT_STREQ(t, cmdline_value("unterminated"), "");
}

/* The line: an option that straddles the 1023-character limit must not be read as
 * what fits of it (pit_hz=50 from pit_hz=5000): one line says so, and it is ignored. */
static void an_option_cut_at_the_limit_is_ignored(struct ktest *t)
{
    static char line[4096];
    size_t length = (size_t)snprintf(line, sizeof(line), "selftest pad=");
    memset(line + length, 'A', 1000);
    length += 1000;
    length += (size_t)snprintf(line + length, sizeof(line) - length, " pit_hz=5000 ");
    memset(line + length, 'B', 3000);
    line[length + 3000] = '\0';
    char log[256];
    console_capture(log, sizeof(log));
    parse(line);
    console_capture(NULL, 0);
    KTEST_EXPECT_STREQ(t, log,
                       "cmdline: longer than 1023 characters (4026); option 'pit_hz' was cut "
                       "short and is ignored, as is the rest\n");
    KTEST_EXPECT_TRUE(t, cmdline_has("selftest"));
    KTEST_EXPECT_TRUE(t, cmdline_has("pad"));
    KTEST_EXPECT_FALSE(t, cmdline_has("pit_hz"));

    /* Cut right after a word: nothing partial, the words kept are whole. */
    memset(line, 'x', 1022);
    line[1022] = ' ';
    snprintf(line + 1023, 16, "pit_hz=5000");
    console_capture(log, sizeof(log));
    parse(line);
    console_capture(NULL, 0);
    KTEST_EXPECT_STREQ(t, log,
                       "cmdline: longer than 1023 characters (1034); the rest is ignored\n");
    KTEST_EXPECT_FALSE(t, cmdline_has("pit_hz"));

    /* A quoted value open at the cut is partial too, even if it ends in a space. */
    length = (size_t)snprintf(line, sizeof(line), "name=\"");
    memset(line + length, ' ', 2000);
    line[length + 2000] = '\0';
    console_capture(log, sizeof(log));
    parse(line);
    console_capture(NULL, 0);
    KTEST_EXPECT_STREQ(t, log,
                       "cmdline: longer than 1023 characters (2006); option 'name' was cut short "
                       "and is ignored, as is the rest\n");
    KTEST_EXPECT_FALSE(t, cmdline_has("name"));

    /* Cut before it got here (the loader's line was 4000 characters): the character after
     * the cut is unknown, so the last word may be partial and is ignored. */
    console_capture(log, sizeof(log));
    cmdline_parse("selftest pit_hz=50", 4000);
    console_capture(NULL, 0);
    KTEST_EXPECT_STREQ(t, log,
                       "cmdline: longer than 1023 characters (4000); option 'pit_hz' was cut "
                       "short and is ignored, as is the rest\n");
    KTEST_EXPECT_TRUE(t, cmdline_has("selftest"));
    KTEST_EXPECT_FALSE(t, cmdline_has("pit_hz"));
}

static const struct ktest_case cmdline_cases[] = {
        KTEST_CASE(splits_words_and_values),
        KTEST_CASE(last_occurrence_wins),
        KTEST_CASE(numbers_parse_in_decimal_and_hex),
        KTEST_CASE(sizes_take_suffixes),
        KTEST_CASE(pages_accept_counts_and_sizes),
        KTEST_CASE(bad_values_log_one_line_and_fall_back),
        KTEST_CASE(empty_values_are_bad_values),
        KTEST_CASE(booleans),
        KTEST_CASE(unknown_options_are_reported),
        KTEST_CASE(limits_are_enforced),
        KTEST_CASE(an_option_cut_at_the_limit_is_ignored),
        {},
};
KTEST_SUITE(cmdline, cmdline_cases);
