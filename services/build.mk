# services/ - what runs on top of the core and the drivers: the shell and its commands (one
# file each under services/shell/commands/: adding a file adds a command), the timer sensor,
# the network stack and its telemetry service (services/net/), and the deliberate crashes.
# Only kernel/main.c, the composition root, names them.
KERNEL_SOURCES += \
	services/crash.c \
	services/net/net.c \
	services/sensor.c \
	services/shell/shell.c \
	$(sort $(wildcard services/shell/commands/*.c))
