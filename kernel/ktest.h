/* kernel/ktest.h - a small test framework in the spirit of Linux's KUnit. A suite is an array
 * of test cases registered with KTEST_SUITE(); booting with `selftest` runs every suite (or
 * `selftest=suite,suite.case` some of them) and prints the results as KTAP version 1, which
 * the QEMU runner (tests/runner.py) parses. The same framework builds into the host-side
 * tests, with the same macros and the same output.
 *
 *     static void adds_up(struct ktest *t)
 *     {
 *         KTEST_EXPECT_EQ(t, 1 + 1, 2);
 *     }
 *     static const struct ktest_case arithmetic_cases[] = {KTEST_CASE(adds_up), {}};
 *     KTEST_SUITE(arithmetic, arithmetic_cases);
 */
#ifndef KERNEL_KTEST_H
#define KERNEL_KTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/compiler.h"

/* The state of the running test case; every assertion takes it as its first argument. */
struct ktest {
    const char *name;
    bool failed;
    bool skipped;
    char skip_reason[80];
};

struct ktest_case {
    const char *name;
    void (*run)(struct ktest *t);
};

struct ktest_suite {
    const char *name;
    const struct ktest_case *cases; /* ends with an entry whose run is NULL */
    int (*init)(void);              /* optional; nonzero skips the suite's cases */
    void (*exit)(void);             /* optional; runs after the last case */
};

#define KTEST_CASE(function)                                                                       \
    {                                                                                              \
#function, function                                                                        \
    }

/* Registers a suite: a pointer to it goes into the ktest_suites section, which the linker
 * gathers into one array (linker.ld; on the host, the linker's __start_/__stop_ symbols). */
#define KTEST_SUITE_FULL(suite_name, case_array, init_fn, exit_fn)                                 \
    static const struct ktest_suite ktest_suite_##suite_name = {#suite_name, case_array, init_fn,  \
                                                                exit_fn};                          \
    static const struct ktest_suite *const ktest_suite_ptr_##suite_name __used __section(          \
            "ktest_suites") __aligned(8) = &ktest_suite_##suite_name

#define KTEST_SUITE(suite_name, case_array) KTEST_SUITE_FULL(suite_name, case_array, NULL, NULL)

/* Runs the suites and cases a selection names, printing KTAP: NULL or "" for every suite,
 * else a comma-separated list of suites and cases, as `selftest=` takes it:
 * "printk,page_alloc.zeroed_frames_are_zero". Suites run in their registration order, each with
 * the selected cases only (numbered from 1, as if the others did not exist), its init, exit
 * and leak check. Returns the number of suites that failed (nothing selected counts as one).
 * Ordinary context. */
int ktest_run_all(const char *selection);

/* Why a selection cannot be run ("no such suite", "no such case", "an empty name"), or NULL
 * when every item of it names a registered suite or case. */
const char *ktest_selection_problem(const char *selection);

/* Sets the function the framework calls before and after each suite to count free frames:
 * a suite that ends with a different count than it started with fails its leak check.
 * settle (may be NULL) lets background threads finish what they hold for a moment (a
 * consumer between taking a frame and freeing it): the count is taken when two readings a
 * settle apart agree. */
void ktest_set_leak_counter(uint64_t (*free_frames)(void), void (*settle)(void));

/* The leak counter's reading once it is steady (see ktest_set_leak_counter), for tests
 * that check a case of their own. */
uint64_t ktest_frames_accounted_for(void);

/* Reads the options of a test run, so they are not reported as unknown:
 * selftest_ram=<size> is the RAM QEMU was given (-m), for the memory-map test;
 * selftest_cpus=<N> the CPUs (-smp), for the SMP test. */
void ktest_read_options(void);

/* The RAM QEMU was given, in bytes, or 0 when selftest_ram= was not set. */
uint64_t ktest_expected_ram(void);

/* The CPUs QEMU was given, or 0 when selftest_cpus= was not set. */
unsigned int ktest_expected_cpus(void);

/* Runs the in-kernel benchmark (booted with `bench`, or `bench=quick` for a twentieth of the
 * operations): measures, prints the results and leaves QEMU through power_exit. It lives
 * with the tests (tests/bench/kernel_bench.c), which kmain must not include: a kernel built
 * without it links, and then this says so and returns. Ordinary context, interrupts on,
 * after everything is up. */
void ktest_benchmark(bool quick);

/* Prints a diagnostic line ("# ...") for the running case. */
void ktest_log(struct ktest *t, const char *fmt, ...) __printf(2, 3);

/* Marks the running case skipped (reported as "ok N name # SKIP reason"). */
void ktest_skip(struct ktest *t, const char *reason);

/* The engine behind the assertion macros: records a failure with its location, the
 * expression, and both values (as signed decimal and hex). Returns ok. */
bool ktest_check(struct ktest *t, bool ok, const char *file, int line, const char *expression,
                 const char *left, int64_t left_value, const char *right, int64_t right_value);
bool ktest_check_bool(struct ktest *t, bool ok, const char *file, int line, const char *expression);
bool ktest_check_string(struct ktest *t, const char *file, int line, const char *left,
                        const char *left_value, const char *right, const char *right_value);

/* Compares with the operands' own types (so signedness is the compiler's business), then
 * reports both values on failure. */
#define KTEST_CHECK_OP(t, a, op, b)                                                                \
    ({                                                                                             \
        __typeof__(a) ktest_a_ = (a);                                                              \
        __typeof__(b) ktest_b_ = (b);                                                              \
        ktest_check((t), ktest_a_ op ktest_b_, __FILE__, __LINE__, #a " " #op " " #b, #a,          \
                    (int64_t)ktest_a_, #b, (int64_t)ktest_b_);                                     \
    })

/* EXPECT records a failure and carries on; ASSERT also ends the test case. */
#define KTEST_EXPECT_EQ(t, a, b)    KTEST_CHECK_OP(t, a, ==, b)
#define KTEST_EXPECT_NE(t, a, b)    KTEST_CHECK_OP(t, a, !=, b)
#define KTEST_EXPECT_LT(t, a, b)    KTEST_CHECK_OP(t, a, <, b)
#define KTEST_EXPECT_LE(t, a, b)    KTEST_CHECK_OP(t, a, <=, b)
#define KTEST_EXPECT_GT(t, a, b)    KTEST_CHECK_OP(t, a, >, b)
#define KTEST_EXPECT_GE(t, a, b)    KTEST_CHECK_OP(t, a, >=, b)
#define KTEST_EXPECT_TRUE(t, c)     ktest_check_bool((t), !!(c), __FILE__, __LINE__, #c)
#define KTEST_EXPECT_FALSE(t, c)    ktest_check_bool((t), !(c), __FILE__, __LINE__, "!(" #c ")")
#define KTEST_EXPECT_NULL(t, p)     KTEST_CHECK_OP(t, (uintptr_t)(p), ==, (uintptr_t)0)
#define KTEST_EXPECT_NOT_NULL(t, p) KTEST_CHECK_OP(t, (uintptr_t)(p), !=, (uintptr_t)0)
#define KTEST_EXPECT_STREQ(t, a, b) ktest_check_string((t), __FILE__, __LINE__, #a, (a), #b, (b))

#define KTEST_ASSERT_(check)                                                                       \
    do {                                                                                           \
        if (!(check))                                                                              \
            return;                                                                                \
    } while (0)
#define KTEST_ASSERT_EQ(t, a, b)    KTEST_ASSERT_(KTEST_EXPECT_EQ(t, a, b))
#define KTEST_ASSERT_NE(t, a, b)    KTEST_ASSERT_(KTEST_EXPECT_NE(t, a, b))
#define KTEST_ASSERT_LT(t, a, b)    KTEST_ASSERT_(KTEST_EXPECT_LT(t, a, b))
#define KTEST_ASSERT_LE(t, a, b)    KTEST_ASSERT_(KTEST_EXPECT_LE(t, a, b))
#define KTEST_ASSERT_GT(t, a, b)    KTEST_ASSERT_(KTEST_EXPECT_GT(t, a, b))
#define KTEST_ASSERT_GE(t, a, b)    KTEST_ASSERT_(KTEST_EXPECT_GE(t, a, b))
#define KTEST_ASSERT_TRUE(t, c)     KTEST_ASSERT_(KTEST_EXPECT_TRUE(t, c))
#define KTEST_ASSERT_FALSE(t, c)    KTEST_ASSERT_(KTEST_EXPECT_FALSE(t, c))
#define KTEST_ASSERT_NOT_NULL(t, p) KTEST_ASSERT_(KTEST_EXPECT_NOT_NULL(t, p))
#define KTEST_ASSERT_NULL(t, p)     KTEST_ASSERT_(KTEST_EXPECT_NULL(t, p))
#define KTEST_ASSERT_STREQ(t, a, b) KTEST_ASSERT_(KTEST_EXPECT_STREQ(t, a, b))

#endif
