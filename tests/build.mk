# tests/ - in-kernel suites (built into the kernel), host-side suites, fuzzers, the runner.
KERNEL_SOURCES += $(wildcard tests/kernel/*.c)
HOST_TEST_SOURCES += $(wildcard tests/host/*.c)
