/* kernel/cmdline.c - splitting the command line into options, and reading typed values. */
#include "kernel/cmdline.h"

#include "lib/compiler.h"
#include "lib/errno.h"
#include "lib/parse.h"
#include "kernel/printk.h"
#include "lib/string.h"

#define CMDLINE_TEXT_MAX 1024

/* Options point into `text`, a private copy where separators were replaced by NULs. */
struct option {
    const char *name;
    const char *value; /* "" for a bare option */
    bool asked;        /* some subsystem looked it up */
};

static char text[CMDLINE_TEXT_MAX];
static struct option options[CMDLINE_MAX_OPTIONS];
static int option_count;

/* Adds an option; returns false when the table is full. */
static bool add_option(const char *name, const char *value)
{
    if (option_count == CMDLINE_MAX_OPTIONS)
        return false;
    options[option_count++] = (struct option){name, value, false};
    return true;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Keeps what fits of the line in `text`; returns the line's full length. *partial says
 * whether the last word kept may run on past the cut (the character after the cut is not a
 * space, or is not known because the loader's line was cut before it reached us). */
static size_t keep_text(const char *line, size_t length, bool *partial)
{
    size_t kept = strnlen(line, sizeof(text) - 1);
    memcpy(text, line, kept);
    text[kept] = '\0';
    bool goes_on = line[kept] != '\0';
    *partial = kept > 0 && !is_space(text[kept - 1]) && !(goes_on && is_space(line[kept]));
    return MAX(length, kept + goes_on);
}

/* An option cut at the limit must never be acted on: pit_hz=5000 cut to pit_hz=50 is a
 * different value. The word running into the cut is dropped, in the one line that says the
 * line was cut. */
static bool cut_here(const char *cursor, int found, const struct parse_word *word, size_t length,
                     bool cut, bool partial)
{
    if (!cut || (found > 0 && (!partial || *cursor)))
        return false;
    printk("cmdline: longer than %d characters (%zu); option '%s' was cut short and is ignored, "
           "as is the rest\n",
           CMDLINE_TEXT_MAX - 1, length, word->name);
    return true;
}

void cmdline_parse(const char *line, size_t length)
{
    option_count = 0;
    bool partial, reported = false;
    length = keep_text(line, length, &partial);
    bool cut = length > strlen(text);

    char *cursor = text;
    const char *first_dropped = NULL;
    int dropped = 0, found;
    struct parse_word word;
    while ((found = parse_next_word(&cursor, &word)) != 0) {
        if (cut_here(cursor, found, &word, length, cut, partial)) {
            reported = true;
            break;
        }
        if (found < 0) {
            printk("cmdline: unterminated quote in value '%s'; value dropped\n", word.value);
            word.value = "";
        }
        if (!add_option(word.name, word.value) && !dropped++)
            first_dropped = word.name;
    }
    if (cut && !reported)
        printk("cmdline: longer than %d characters (%zu); the rest is ignored\n",
               CMDLINE_TEXT_MAX - 1, length);
    if (dropped)
        printk("cmdline: more than %d options; %d ignored, from '%s' on\n", CMDLINE_MAX_OPTIONS,
               dropped, first_dropped);
}

/* The last occurrence wins, as on Linux. Marks every occurrence as asked for. */
static struct option *find(const char *name)
{
    struct option *found = NULL;
    for (int i = 0; i < option_count; i++) {
        if (strcmp(options[i].name, name) == 0) {
            options[i].asked = true;
            found = &options[i];
        }
    }
    return found;
}

bool cmdline_has(const char *name)
{
    return find(name) != NULL;
}

const char *cmdline_value(const char *name)
{
    struct option *option = find(name);
    return option ? option->value : NULL;
}

static void report_bad(const char *name, const char *value, const char *why, const char *fallback)
{
    printk("cmdline: bad value '%s' for %s (%s); using %s\n", value, name, why, fallback);
}

/* Checks a parsed number against [min, max]; logs and returns fallback when it is outside. */
static uint64_t in_range(const char *name, const char *value, int error, uint64_t number,
                         uint64_t fallback, uint64_t min, uint64_t max)
{
    char why[96], default_text[24];
    if (error == 0 && number >= min && number <= max)
        return number;
    ksnprintf(default_text, sizeof(default_text), "%lu", (unsigned long)fallback);
    if (!*value)
        ksnprintf(why, sizeof(why), "no value");
    else if (error == -EINVAL)
        ksnprintf(why, sizeof(why), "not a number");
    else
        ksnprintf(why, sizeof(why), "expected %lu to %lu", (unsigned long)min, (unsigned long)max);
    report_bad(name, value, why, default_text);
    return fallback;
}

uint64_t cmdline_uint(const char *name, uint64_t fallback, uint64_t min, uint64_t max)
{
    const char *value = cmdline_value(name);
    if (!value)
        return fallback;
    uint64_t number = 0;
    int error = parse_uint(value, &number);
    return in_range(name, value, error, number, fallback, min, max);
}

uint64_t cmdline_pages(const char *name, uint64_t fallback, uint64_t min, uint64_t max)
{
    const char *value = cmdline_value(name);
    if (!value)
        return fallback;
    uint64_t number = 0;
    bool is_size = false;
    int error = parse_size(value, &number, &is_size);
    if (!error && is_size)
        number = (number + 4095) / 4096;
    return in_range(name, value, error, number, fallback, min, max);
}

bool cmdline_bool(const char *name, bool fallback)
{
    static const char *const on[] = {"", "1", "on", "yes", "true"};
    static const char *const off[] = {"0", "off", "no", "false"};
    const char *value = cmdline_value(name);
    if (!value)
        return fallback;
    for (size_t i = 0; i < sizeof(on) / sizeof(on[0]); i++) {
        if (strcmp(value, on[i]) == 0)
            return true;
    }
    for (size_t i = 0; i < sizeof(off) / sizeof(off[0]); i++) {
        if (strcmp(value, off[i]) == 0)
            return false;
    }
    report_bad(name, value, "expected on or off", fallback ? "on" : "off");
    return fallback;
}

int cmdline_report_unknown(void)
{
    int unknown = 0;
    for (int i = 0; i < option_count; i++) {
        if (!options[i].asked) {
            printk("cmdline: unknown option '%s' ignored\n", options[i].name);
            unknown++;
        }
    }
    return unknown;
}
