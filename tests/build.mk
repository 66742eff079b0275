# tests/ - in-kernel suites (built into the kernel), host-side suites, fuzzers, the runner.
KERNEL_SOURCES += $(wildcard tests/kernel/*.c)
HOST_TEST_SOURCES += kernel/ktest.c $(wildcard tests/host/*.c)

# libFuzzer targets: tests/fuzz/<name>.c, each built with the HOSTED_SOURCES.
FUZZ_TARGETS += fuzz_multiboot
