/* tests/host/ktest_selection_test.c - the selections `selftest=` and the host program take
 * ("suite", "suite.case", comma-separated): which are accepted, and why the others are not. */
#include "kernel/ktest.h"

static void suites_and_cases_are_accepted(struct ktest *t)
{
    KTEST_EXPECT_NULL(t, ktest_selection_problem(NULL));
    KTEST_EXPECT_NULL(t, ktest_selection_problem(""));
    KTEST_EXPECT_NULL(t, ktest_selection_problem("ktest_selection"));
    KTEST_EXPECT_NULL(t, ktest_selection_problem("ktest_selection.suites_and_cases_are_accepted"));
    KTEST_EXPECT_NULL(t, ktest_selection_problem("ktest_selection,ktest_selection.bad_names_"
                                                 "are_refused"));
}

static void bad_names_are_refused(struct ktest *t)
{
    KTEST_EXPECT_STREQ(t, ktest_selection_problem("no_such_suite"), "no such suite");
    KTEST_EXPECT_STREQ(t, ktest_selection_problem("ktest_selectio"), "no such suite");
    KTEST_EXPECT_STREQ(t, ktest_selection_problem("ktest_selection.nope"), "no such case");
    KTEST_EXPECT_STREQ(t, ktest_selection_problem("ktest_selection."), "no such case");
    KTEST_EXPECT_STREQ(t, ktest_selection_problem("ktest_selection.bad_names_are_refusedx"),
                       "no such case");
    KTEST_EXPECT_STREQ(t, ktest_selection_problem("ktest_selection,"), "an empty name");
    KTEST_EXPECT_STREQ(t, ktest_selection_problem(",ktest_selection"), "an empty name");
    KTEST_EXPECT_STREQ(t, ktest_selection_problem("ktest_selection,,ktest_selection"),
                       "an empty name");
    /* One bad item spoils the list: the caller then says so instead of running a part. */
    KTEST_EXPECT_STREQ(t, ktest_selection_problem("ktest_selection,nope"), "no such suite");
}

static const struct ktest_case ktest_selection_cases[] = {
        KTEST_CASE(suites_and_cases_are_accepted),
        KTEST_CASE(bad_names_are_refused),
        {},
};
KTEST_SUITE(ktest_selection, ktest_selection_cases);
