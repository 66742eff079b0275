/* kernel/panic.c - the end of the road: report, then stop (or leave QEMU under selftest). */
#include "kernel/panic.h"

#include <stdarg.h>

#include "arch/arch.h"
#include "arch/x86_64/backtrace.h"
#include "kernel/power.h"
#include "kernel/printk.h"

volatile int panic_in_progress;
static bool exit_qemu_on_stop;

void panic_set_exit_on_stop(bool exit_qemu)
{
    exit_qemu_on_stop = exit_qemu;
}

void kernel_stop(void)
{
    arch_irq_disable();
    if (exit_qemu_on_stop)
        power_exit(false);
    arch_halt_forever();
}

void panic(const char *fmt, ...)
{
    arch_irq_disable();
    if (panic_in_progress++) {
        /* A panic while panicking: do not risk a third; just stop. */
        kernel_stop();
    }
    char message[PRINTK_LINE_MAX - 32];
    va_list args;
    va_start(args, fmt);
    kvsnprintf(message, sizeof(message), fmt, args);
    va_end(args);
    printk("\nKernel panic: %s\n", message);
    backtrace_print_here();
    printk("Kernel stopped.\n");
    kernel_stop();
}
