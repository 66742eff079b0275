# lib/ - pure C with no kernel state: memory and string functions, the formatter behind
# printk, error names, the byte ring, parsers for numbers, sizes and command-line words,
# the scancode decoder. Each file includes only lib/ and the freestanding C headers, and all
# but string.c (the host has its C library's) build into the host tests alike.
LIB_SOURCES := \
	lib/acpi.c \
	lib/byte_ring.c \
	lib/clock_math.c \
	lib/errno.c \
	lib/format.c \
	lib/parse.c \
	lib/scancode.c

KERNEL_SOURCES += $(LIB_SOURCES) lib/string.c
HOSTED_SOURCES += $(LIB_SOURCES)
