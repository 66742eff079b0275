# lib/ - pure C with no kernel state: memory and string functions, the formatter behind
# printk, error names, the byte ring, the clock's conversions, parsers for numbers, sizes and
# command-line words, the scancode decoder, and wire formats (Ethernet, ARP, IPv4, UDP, the
# telemetry messages) with their checksums and CRC-32. Each file includes only lib/ and the
# freestanding C headers, and all but string.c (the host has its C library's) build into the
# host tests alike.
LIB_SOURCES := \
	lib/acpi.c \
	lib/byte_ring.c \
	lib/clock_math.c \
	lib/crc32.c \
	lib/errno.c \
	lib/format.c \
	lib/net.c \
	lib/net_build.c \
	lib/parse.c \
	lib/scancode.c \
	lib/telemetry.c

KERNEL_SOURCES += $(LIB_SOURCES) lib/string.c
HOSTED_SOURCES += $(LIB_SOURCES)
