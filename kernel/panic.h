/* kernel/panic.h - stopping the kernel when an invariant is broken beyond repair. */
#ifndef KERNEL_PANIC_H
#define KERNEL_PANIC_H

#include <stdbool.h>

#include "lib/compiler.h"

/* Prints "Kernel panic: <message>" and a backtrace, then stops: under `selftest` QEMU exits
 * with the failure code, otherwise the CPU halts. Callable from any context; does not return. */
__noreturn void panic(const char *fmt, ...) __printf(1, 2);

/* Makes this CPU the one that reports a fatal error, before anything is printed: every other
 * CPU is stopped (an NMI, which interrupts even code with interrupts off) and prints nothing
 * more. If another CPU is reporting already, this one stops for good and the call does not
 * return; if this one is (a fault inside its own report), the machine stops. Any context. */
void panic_begin(void);

/* Stops the kernel after a fatal report has been printed: exits QEMU with the failure code
 * under `selftest` (so a test run ends at once instead of timing out), else halts. */
__noreturn void kernel_stop(void);

/* Makes kernel_stop leave QEMU (debug-exit failure code) instead of halting: set under
 * `selftest`, so a crash ends the test run at once. */
void panic_set_exit_on_stop(bool exit_qemu);

/* True once a panic started: consoles then write without taking their locks. */
extern volatile int panic_in_progress;

#endif
