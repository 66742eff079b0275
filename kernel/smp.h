/* kernel/smp.h - bringing up every CPU the firmware lists, and knowing which are up. The
 * boot CPU starts the others one by one (arch_cpu_start); each sets up its own part of the
 * interrupt controller, its landing pads and its tick, then takes threads as the others do.
 * A CPU that does not answer is reported and left out; the rest go on. The boot log says
 * "smp: N CPUs online".
 */
#ifndef KERNEL_SMP_H
#define KERNEL_SMP_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/acpi.h"

/* Starts every enabled CPU of the MADT but this one (madt NULL: none, one CPU), from the
 * real-mode start code at start_page (mm_low_page(); 0: none), and logs how many are online.
 * Boot, in the boot thread, once the scheduler, the clock and the deferred worker of CPU 0
 * run, with interrupts on. */
void smp_start(const struct acpi_madt *madt, uint64_t start_page);

/* CPUs that take threads now (1 before smp_start). Any context. */
unsigned int smp_cpus_online(void);

#endif
