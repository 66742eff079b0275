# kernel/ - kmain, printk, the command line, the boot information, the test framework,
# interrupt lines, the clock, console input, the idle loop, the shell, execution contexts,
# deferred work and the frame pipe from interrupt handlers to ordinary code, the network
# devices' receive queues.
# The pure-C files also build into the host-side tests and fuzzers (HOSTED_SOURCES).
KERNEL_SOURCES += \
	kernel/byte_ring.c \
	kernel/clock.c \
	kernel/cmdline.c \
	kernel/console.c \
	kernel/console_input.c \
	kernel/context_name.c \
	kernel/crash.c \
	kernel/deferred.c \
	kernel/errno.c \
	kernel/format.c \
	kernel/frame_pipe.c \
	kernel/idle.c \
	kernel/irq.c \
	kernel/ksyms.c \
	kernel/ktest.c \
	kernel/main.c \
	kernel/multiboot.c \
	kernel/netdev.c \
	kernel/panic.c \
	kernel/printk.c \
	kernel/sensor.c \
	kernel/shell.c \
	kernel/spinlock.c \
	kernel/string.c

HOSTED_SOURCES += \
	kernel/cmdline.c \
	kernel/context_name.c \
	kernel/deferred.c \
	kernel/errno.c \
	kernel/format.c \
	kernel/frame_pipe.c \
	kernel/multiboot.c \
	kernel/netdev.c \
	kernel/printk.c \
	kernel/spinlock.c
