/* tests/host/main.c - the host-side test program: runs every suite linked in (or the one
 * named on the command line) and prints KTAP, exactly as the kernel does under `selftest`. */
#include <stddef.h>

#include "kernel/ktest.h"

int main(int argc, char **argv)
{
    return ktest_run_all(argc > 1 ? argv[1] : NULL) ? 1 : 0;
}
