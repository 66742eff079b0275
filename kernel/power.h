/* kernel/power.h - leaving the machine: stopping with a status (which a test run reads, when
 * QEMU's debug-exit device is there) and restarting. Drivers that can do either register a
 * hook at their init (drivers/debug_exit.c, the i8042's reset line in drivers/keyboard.c);
 * without one, an exit halts the CPU and a restart falls back to a triple fault.
 */
#ifndef KERNEL_POWER_H
#define KERNEL_POWER_H

#include <stdbool.h>

#include "lib/compiler.h"

/* The hook power_exit calls: it should leave the machine with the status and not return.
 * Boot, ordinary context; NULL removes it. */
void power_set_exit_hook(void (*exit)(bool success));

/* The hook power_restart tries first: it should reset the machine and not return. */
void power_set_restart_hook(void (*restart)(void));

/* Stops the machine: the exit hook with `success` (under QEMU with debug-exit, status 33 for
 * success and 35 for failure), else halts the CPU for good. Any context; never returns. */
__noreturn void power_exit(bool success);

/* Restarts the machine: the restart hook, then (if the machine is still running a moment
 * later) a triple fault. Any context; never returns. */
__noreturn void power_restart(void);

#endif
