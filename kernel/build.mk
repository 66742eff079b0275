# kernel/ - the core: kmain (the composition root), printk and the consoles, the command
# line, the multiboot2 information, the test framework, interrupt lines, the clock, threads and
# the scheduler, wait queues, mutexes and completions, execution contexts, deferred work and
# the frame pipe from handlers to ordinary code, the network devices' receive queues.
# The portable files also build into the host-side tests and fuzzers (HOSTED_SOURCES).
KERNEL_SOURCES += \
	kernel/acpi.c \
	kernel/clock.c \
	kernel/cmdline.c \
	kernel/completion.c \
	kernel/console.c \
	kernel/console_input.c \
	kernel/context_name.c \
	kernel/deferred.c \
	kernel/deferred_thread.c \
	kernel/frame_pipe.c \
	kernel/irq.c \
	kernel/ksyms.c \
	kernel/ktest.c \
	kernel/main.c \
	kernel/multiboot.c \
	kernel/mutex.c \
	kernel/netdev.c \
	kernel/panic.c \
	kernel/power.c \
	kernel/printk.c \
	kernel/sched.c \
	kernel/smp.c \
	kernel/spinlock.c \
	kernel/spinlock_report.c \
	kernel/thread.c

HOSTED_SOURCES += \
	kernel/cmdline.c \
	kernel/context_name.c \
	kernel/deferred.c \
	kernel/frame_pipe.c \
	kernel/multiboot.c \
	kernel/netdev.c \
	kernel/printk.c \
	kernel/spinlock.c
