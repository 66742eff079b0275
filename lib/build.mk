# lib/ - pure C that the kernel and the host-side tests build alike: wire formats
# (Ethernet, ARP, IPv4, UDP, the telemetry messages), checksums and CRC-32.
LIB_SOURCES := \
	lib/crc32.c \
	lib/net.c \
	lib/net_build.c \
	lib/telemetry.c

KERNEL_SOURCES += $(LIB_SOURCES)
HOSTED_SOURCES += $(LIB_SOURCES)
