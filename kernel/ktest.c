/* kernel/ktest.c - runs the registered test suites and prints KTAP version 1:
 *
 *     KTAP version 1
 *     1..<suites>
 *         KTAP version 1
 *         # Subtest: <suite>
 *         1..<cases>
 *         ok 1 <case>
 *         # <case>: EXPECTATION FAILED at <file>:<line>   (diagnostics come before the result)
 *         not ok 2 <case>
 *     # <suite>: pass:1 fail:1 skip:0 total:2
 *     not ok 1 <suite>
 */
#include "kernel/ktest.h"

#include <stdarg.h>

#include "kernel/cmdline.h"
#include "lib/parse.h"
#include "kernel/printk.h"
#include "lib/string.h"

extern const struct ktest_suite *const __start_ktest_suites[];
extern const struct ktest_suite *const __stop_ktest_suites[];

static uint64_t (*leak_counter)(void);
static void (*leak_settle)(void);
static uint64_t expected_ram;
static unsigned int expected_cpus;

void ktest_read_options(void)
{
    const char *value = cmdline_value("selftest_ram");
    bool had_suffix;
    if (value && parse_size(value, &expected_ram, &had_suffix) != 0) {
        printk("cmdline: bad value '%s' for selftest_ram (expected a size); ignored\n", value);
        expected_ram = 0;
    }
    expected_cpus = (unsigned int)cmdline_uint("selftest_cpus", 0, 1, 4096);
}

uint64_t ktest_expected_ram(void)
{
    return expected_ram;
}

unsigned int ktest_expected_cpus(void)
{
    return expected_cpus;
}

void ktest_set_leak_counter(uint64_t (*free_frames)(void), void (*settle)(void))
{
    leak_counter = free_frames;
    leak_settle = settle;
}

#define SETTLE_TRIES 50

/* The count once background work has stopped moving frames: two readings a settle apart
 * that agree (or the last of SETTLE_TRIES). A leak stays; a frame in a consumer's hands or
 * on its way into the reserve comes back. */
static uint64_t settled_count(void)
{
    uint64_t count = leak_counter();
    for (int i = 0; leak_settle && i < SETTLE_TRIES; i++) {
        leak_settle();
        uint64_t again = leak_counter();
        if (again == count)
            break;
        count = again;
    }
    return count;
}

void ktest_log(struct ktest *t, const char *fmt, ...)
{
    char line[PRINTK_LINE_MAX - 16];
    va_list args;
    va_start(args, fmt);
    kvsnprintf(line, sizeof(line), fmt, args);
    va_end(args);
    printk("    # %s: %s\n", t->name, line);
}

void ktest_skip(struct ktest *t, const char *reason)
{
    t->skipped = true;
    size_t length = strnlen(reason, sizeof(t->skip_reason) - 1);
    memcpy(t->skip_reason, reason, length);
    t->skip_reason[length] = '\0';
}

static void report_failure(struct ktest *t, const char *file, int line, const char *expression)
{
    t->failed = true;
    printk("    # %s: EXPECTATION FAILED at %s:%d\n", t->name, file, line);
    printk("    #     Expected %s, but\n", expression);
}

bool ktest_check(struct ktest *t, bool ok, const char *file, int line, const char *expression,
                 const char *left, int64_t left_value, const char *right, int64_t right_value)
{
    if (ok)
        return true;
    report_failure(t, file, line, expression);
    printk("    #         %s == %lld (%#llx)\n", left, (long long)left_value,
           (unsigned long long)left_value);
    printk("    #         %s == %lld (%#llx)\n", right, (long long)right_value,
           (unsigned long long)right_value);
    return false;
}

bool ktest_check_bool(struct ktest *t, bool ok, const char *file, int line, const char *expression)
{
    if (ok)
        return true;
    report_failure(t, file, line, expression);
    printk("    #         it was false\n");
    return false;
}

bool ktest_check_string(struct ktest *t, const char *file, int line, const char *left,
                        const char *left_value, const char *right, const char *right_value)
{
    if (left_value && right_value && strcmp(left_value, right_value) == 0)
        return true;
    char expression[160];
    ksnprintf(expression, sizeof(expression), "%s == %s", left, right);
    report_failure(t, file, line, expression);
    printk("    #         %s == \"%s\"\n", left, left_value ? left_value : "(null)");
    printk("    #         %s == \"%s\"\n", right, right_value ? right_value : "(null)");
    return false;
}

struct suite_result {
    int passed, failed, skipped, total;
};

static void run_case(const struct ktest_case *test_case, int number, struct suite_result *result)
{
    struct ktest t = {.name = test_case->name};
    test_case->run(&t);
    result->total++;
    if (t.failed) {
        result->failed++;
        printk("    not ok %d %s\n", number, t.name);
    } else if (t.skipped) {
        result->skipped++;
        printk("    ok %d %s # SKIP %s\n", number, t.name, t.skip_reason);
    } else {
        result->passed++;
        printk("    ok %d %s\n", number, t.name);
    }
}

/* --- selections: "suite", "suite.case", several separated by commas ------------------------ */

static bool span_is(const char *span, size_t length, const char *name)
{
    return strlen(name) == length && memcmp(span, name, length) == 0;
}

/* The case part of an item ("suite.case"): what follows the first dot, or NULL. */
static const char *case_part(const char *item, size_t length)
{
    for (size_t i = 0; i < length; i++) {
        if (item[i] == '.')
            return item + i + 1;
    }
    return NULL;
}

/* Does the item (`length` bytes at `item`, "suite" or "suite.case") select this case, or,
 * with case_name NULL, at least one case of this suite? */
static bool item_selects(const char *item, size_t length, const char *suite, const char *case_name)
{
    const char *wanted_case = case_part(item, length);
    size_t suite_length = wanted_case ? (size_t)(wanted_case - 1 - item) : length;
    if (!span_is(item, suite_length, suite))
        return false;
    if (!wanted_case || !case_name)
        return true;
    return span_is(wanted_case, length - suite_length - 1, case_name);
}

/* Length of the item at `item`: up to the next comma or the end. */
static size_t item_length(const char *item)
{
    const char *comma = strchr(item, ',');
    return comma ? (size_t)(comma - item) : strlen(item);
}

static bool selects(const char *selection, const char *suite, const char *case_name)
{
    if (!selection || !*selection)
        return true;
    for (const char *item = selection;; item++) {
        size_t length = item_length(item);
        if (item_selects(item, length, suite, case_name))
            return true;
        item += length;
        if (!*item)
            return false;
    }
}

static int count_cases(const struct ktest_suite *suite, const char *selection)
{
    int count = 0;
    for (const struct ktest_case *c = suite->cases; c->run; c++)
        count += selects(selection, suite->name, c->name);
    return count;
}

uint64_t ktest_frames_accounted_for(void)
{
    return leak_counter ? settled_count() : 0;
}

/* The problem with one item, or NULL when it names a registered suite (and case). */
static const char *item_problem(const char *item, size_t length)
{
    if (length == 0)
        return "an empty name";
    for (const struct ktest_suite *const *s = __start_ktest_suites; s < __stop_ktest_suites; s++) {
        if (!item_selects(item, length, (*s)->name, NULL))
            continue;
        if (!case_part(item, length))
            return NULL;
        for (const struct ktest_case *c = (*s)->cases; c->run; c++) {
            if (item_selects(item, length, (*s)->name, c->name))
                return NULL;
        }
        return "no such case";
    }
    return "no such suite";
}

const char *ktest_selection_problem(const char *selection)
{
    if (!selection || !*selection)
        return NULL;
    for (const char *item = selection;; item++) {
        size_t length = item_length(item);
        const char *problem = item_problem(item, length);
        if (problem)
            return problem;
        item += length;
        if (!*item)
            return NULL;
    }
}

/* --- running -------------------------------------------------------------------------------- */

/* Runs the selected cases of one suite as a KTAP subtest numbered `number`; returns true
 * when it passed. */
static bool run_suite(const struct ktest_suite *suite, int number, const char *selection)
{
    int cases = count_cases(suite, selection);
    printk("    KTAP version 1\n    # Subtest: %s\n    1..%d\n", suite->name, cases);
    uint64_t free_before = leak_counter ? settled_count() : 0;
    struct suite_result result = {0};

    if (suite->init && suite->init() != 0) {
        int case_number = 0;
        for (const struct ktest_case *c = suite->cases; c->run; c++) {
            if (selects(selection, suite->name, c->name))
                printk("    ok %d %s # SKIP suite init failed\n", ++case_number, c->name);
        }
        printk("ok %d %s # SKIP suite init failed\n", number, suite->name);
        return true;
    }
    int case_number = 0;
    for (const struct ktest_case *c = suite->cases; c->run; c++) {
        if (selects(selection, suite->name, c->name))
            run_case(c, ++case_number, &result);
    }
    if (suite->exit)
        suite->exit();

    bool leaked = false;
    if (leak_counter) {
        uint64_t free_after = settled_count();
        leaked = free_after != free_before;
        if (leaked)
            printk("    # %s: leak check failed: %llu free frames before, %llu after\n",
                   suite->name, (unsigned long long)free_before, (unsigned long long)free_after);
    }
    printk("# %s: pass:%d fail:%d skip:%d total:%d\n", suite->name, result.passed, result.failed,
           result.skipped, result.total);
    bool passed = result.failed == 0 && !leaked;
    printk("%s %d %s\n", passed ? "ok" : "not ok", number, suite->name);
    return passed;
}

int ktest_run_all(const char *selection)
{
    int planned = 0;
    for (const struct ktest_suite *const *s = __start_ktest_suites; s < __stop_ktest_suites; s++)
        planned += selects(selection, (*s)->name, NULL);
    printk("KTAP version 1\n1..%d\n", planned);
    if (planned == 0) {
        printk("# no test suite selected by '%s'\n", selection);
        return 1;
    }
    int number = 0, failures = 0;
    for (const struct ktest_suite *const *s = __start_ktest_suites; s < __stop_ktest_suites; s++) {
        if (selects(selection, (*s)->name, NULL))
            failures += !run_suite(*s, ++number, selection);
    }
    return failures;
}

/* Defined by tests/bench/kernel_bench.c when it is linked in. */
extern void ktest_benchmark_run(bool quick) __attribute__((weak));

void ktest_benchmark(bool quick)
{
    if (!ktest_benchmark_run) {
        printk("bench: this kernel was built without the benchmark\n");
        return;
    }
    ktest_benchmark_run(quick);
}
