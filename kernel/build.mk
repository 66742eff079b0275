# kernel/ - kmain, printk, the command line, the boot information, the test framework.
# The pure-C files also build into the host-side tests and fuzzers (HOSTED_SOURCES).
KERNEL_SOURCES += \
	kernel/cmdline.c \
	kernel/console.c \
	kernel/crash.c \
	kernel/errno.c \
	kernel/format.c \
	kernel/ksyms.c \
	kernel/ktest.c \
	kernel/main.c \
	kernel/multiboot.c \
	kernel/panic.c \
	kernel/printk.c \
	kernel/spinlock.c \
	kernel/string.c

HOSTED_SOURCES += \
	kernel/cmdline.c \
	kernel/errno.c \
	kernel/format.c \
	kernel/multiboot.c \
	kernel/printk.c \
	kernel/spinlock.c
