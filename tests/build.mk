# tests/ - in-kernel suites and the in-kernel benchmark (built into the kernel), host-side
# suites, fuzzers, the runner.
KERNEL_SOURCES += $(wildcard tests/kernel/*.c) tests/bench/baselines.c tests/bench/kernel_bench.c
HOST_TEST_SOURCES += kernel/ktest.c $(wildcard tests/host/*.c)

# libFuzzer targets: tests/fuzz/<name>.c, each built with the HOSTED_SOURCES and these.
FUZZ_TARGETS += fuzz_acpi fuzz_alloc fuzz_memmap fuzz_multiboot fuzz_net
FUZZ_SUPPORT := tests/host/fake_memory.c tests/host/hosted.c
