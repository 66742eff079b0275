/* tests/bench/kernel_bench.h - the in-kernel benchmark, run when the kernel is booted with
 * `bench` (tests/bench/run_bench.py does that for `make bench`). */
#ifndef TESTS_BENCH_KERNEL_BENCH_H
#define TESTS_BENCH_KERNEL_BENCH_H

#include <stdbool.h>

#include "lib/compiler.h"

/* Measures, prints the results (see kernel_bench.c) and leaves QEMU through the debug-exit
 * device; `quick` measures a twentieth as many operations. Ordinary context, interrupts on,
 * after everything is up. */
__noreturn void bench_run(bool quick);

#endif
