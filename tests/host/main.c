/* tests/host/main.c - the host-side test program: runs every suite linked in (or those the
 * command line selects, as `selftest=` does: "suite,suite.case") and prints KTAP, exactly as
 * the kernel does under `selftest`. */
#include <stddef.h>
#include <stdio.h>

#include "kernel/ktest.h"

int main(int argc, char **argv)
{
    const char *selection = argc > 1 ? argv[1] : NULL;
    const char *problem = ktest_selection_problem(selection);
    if (problem) {
        fprintf(stderr, "labyrinth-host-tests: bad selection '%s' (%s)\n", selection, problem);
        return 2;
    }
    return ktest_run_all(selection) ? 1 : 0;
}
