# kernel/ - kmain, printk, the command line, the boot information, the test framework,
# interrupt lines, the clock, console input, the idle loop and the shell.
# The pure-C files also build into the host-side tests and fuzzers (HOSTED_SOURCES).
KERNEL_SOURCES += \
	kernel/byte_ring.c \
	kernel/clock.c \
	kernel/cmdline.c \
	kernel/console.c \
	kernel/console_input.c \
	kernel/crash.c \
	kernel/errno.c \
	kernel/format.c \
	kernel/idle.c \
	kernel/irq.c \
	kernel/ksyms.c \
	kernel/ktest.c \
	kernel/main.c \
	kernel/multiboot.c \
	kernel/panic.c \
	kernel/printk.c \
	kernel/shell.c \
	kernel/spinlock.c \
	kernel/string.c

HOSTED_SOURCES += \
	kernel/cmdline.c \
	kernel/errno.c \
	kernel/format.c \
	kernel/multiboot.c \
	kernel/printk.c \
	kernel/spinlock.c
