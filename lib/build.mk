# lib/ - pure C with no dependency on the rest of the tree: built into the kernel and into the
# host-side tests and fuzzers alike.
KERNEL_SOURCES += lib/clock_math.c
HOSTED_SOURCES += lib/clock_math.c
