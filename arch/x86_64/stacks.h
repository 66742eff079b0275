/* arch/x86_64/stacks.h - the kernel's static stacks: the boot CPU's boot stack, its idle
 * thread's, and its interrupt stacks (double fault, NMI, machine check: the interrupt stack
 * table of its TSS). Each has an unmapped guard page below it, so running off the end faults
 * at once; the fault then cannot push its frame on the dead stack and becomes a double fault,
 * which runs on a stack of its own (IST) and reports it. Other CPUs get theirs when they
 * start (arch_cpu_start's own_stack_tops), mapped by the thread layer with guard pages of
 * their own: static ones for every CPU there might be would cost a 1-CPU machine 1 MiB.
 */
#ifndef ARCH_X86_64_STACKS_H
#define ARCH_X86_64_STACKS_H

#include <stdbool.h>
#include <stdint.h>

#include "mm/layout.h"

#define KERNEL_STACK_SIZE (16 * 1024)

struct kernel_stack {
    uint8_t guard[PAGE_SIZE]; /* left unmapped by the kernel page tables */
    uint8_t stack[KERNEL_STACK_SIZE];
} __attribute__((aligned(PAGE_SIZE)));

/* The interrupt stacks each CPU has, in the order of its TSS's IST slots (gdt.h). */
enum kernel_ist_stack {
    STACK_DOUBLE_FAULT,  /* IST1 */
    STACK_NMI,           /* IST2 */
    STACK_MACHINE_CHECK, /* IST3 */
    STACK_IST_COUNT
};
_Static_assert(STACK_IST_COUNT == ARCH_CPU_STACKS, "a CPU's own stacks are its IST's");

/* kernel_stacks[0] is the boot stack, [1] the boot CPU's idle thread's (static like the boot
 * stack: the scheduler cannot run without it, and it must exist even when no frame can be
 * had); then the boot CPU's STACK_IST_COUNT interrupt stacks. */
#define STACK_BOOT          0
#define STACK_IDLE          1
#define STACK_FIRST_IST     2
#define STACK_COUNT         (STACK_FIRST_IST + STACK_IST_COUNT)

extern struct kernel_stack kernel_stacks[STACK_COUNT];

/* The first address above a stack: where its stack pointer starts. */
static inline uint64_t kernel_stack_top(unsigned int id)
{
    return (uint64_t)(uintptr_t)(kernel_stacks[id].stack + KERNEL_STACK_SIZE);
}

/* The stack id of the boot CPU's interrupt stack `which`. */
static inline unsigned int kernel_ist_stack(enum kernel_ist_stack which)
{
    return STACK_FIRST_IST + which;
}

/* True when address lies on the guard page of one of the static stacks. */
bool kernel_stack_is_guard(uint64_t address);

/* Describes, into buffer, any stack whose guard page holds address: a static one ("boot
 * stack", "NMI stack of CPU 0") or one the thread layer made (through the namer it registered
 * with arch_set_stack_namer). Returns buffer, or NULL when address is on no guard page. */
const char *x86_stack_guard_describe(uint64_t address, char *buffer, unsigned int size);

#endif
