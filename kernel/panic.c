/* kernel/panic.c - the end of the road: one CPU reports, every other CPU stops first so the
 * report is not interleaved with anything, then the machine stops (or QEMU is left, under
 * selftest). */
#include "kernel/panic.h"

#include <stdarg.h>

#include "arch/arch.h"
#include "arch/x86_64/backtrace.h"
#include "kernel/power.h"
#include "kernel/printk.h"

volatile int panic_in_progress;
static bool exit_qemu_on_stop;
static int reporting_cpu = -1; /* claimed with a compare and exchange */

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

void panic_begin(void)
{
    arch_irq_disable();
    int me = (int)arch_cpu_id(), nobody = -1;
    if (!__atomic_compare_exchange_n(&reporting_cpu, &nobody, me, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE)) {
        if (nobody == me)
            kernel_stop();   /* a fault inside the report: do not risk another; stop */
        arch_halt_forever(); /* another CPU reports: this one stops, saying nothing */
    }
    panic_in_progress = 1; /* consoles stop taking their lock: a stopped CPU may hold it */
    arch_stop_other_cpus();
}

void panic(const char *fmt, ...)
{
    panic_begin();
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
