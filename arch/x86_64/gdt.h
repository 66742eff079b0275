/* arch/x86_64/gdt.h - the global descriptor table and the task state segment, one of each per
 * CPU. In long mode segments are flat; the GDT matters for the code/data selectors and for the
 * TSS, whose interrupt stack table gives #DF, NMI and #MC stacks of their own. */
#ifndef ARCH_X86_64_GDT_H
#define ARCH_X86_64_GDT_H

#include <stdint.h>

#include "arch/arch.h"

#define GDT_KERNEL_CODE 0x08
#define GDT_KERNEL_DATA 0x10
#define GDT_TSS         0x18

/* Interrupt stack table slots (1-based, as the IDT gate's IST field counts them). */
#define IST_DOUBLE_FAULT  1
#define IST_NMI           2
#define IST_MACHINE_CHECK 3

/* The interrupt stacks of CPUs other than the boot CPU, by CPU and IST slot - 1: set by
 * arch_cpu_start before the CPU loads its TSS (the boot CPU's are static: stacks.h). */
extern uint64_t x86_ist_tops[MAX_CPUS][ARCH_CPU_STACKS];

/* Loads the boot CPU's GDT and TSS, replacing the boot GDT, and points GS at its per-CPU
 * area (arch/x86_64/percpu.h): nothing may ask arch_cpu_id() before. Call first in kmain,
 * interrupts off. */
void x86_gdt_init(void);

/* The same for CPU `cpu`, on that CPU, first thing once it runs 64-bit kernel code.
 * Interrupts off. */
void x86_gdt_init_cpu(unsigned int cpu);

#endif
