/* arch/x86_64/stacks.h - the kernel's stacks. Each has an unmapped guard page below it, so
 * running off the end faults at once; the fault then cannot push its frame on the dead stack
 * and becomes a double fault, which runs on a stack of its own (IST) and reports it.
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

enum kernel_stack_id {
    STACK_BOOT,          /* kmain and everything it calls */
    STACK_IDLE,          /* the idle thread: it must exist even when no frame can be had */
    STACK_DOUBLE_FAULT,  /* IST1 */
    STACK_NMI,           /* IST2 */
    STACK_MACHINE_CHECK, /* IST3 */
    STACK_COUNT
};

extern struct kernel_stack kernel_stacks[STACK_COUNT];

/* The first address above a stack: where its stack pointer starts. */
static inline uint64_t kernel_stack_top(enum kernel_stack_id id)
{
    return (uint64_t)(uintptr_t)(kernel_stacks[id].stack + KERNEL_STACK_SIZE);
}

/* Returns the name of the static stack whose guard page holds address, or NULL. */
const char *kernel_stack_guard_name(uint64_t address);

/* Describes, into buffer, any stack whose guard page holds address: a static one ("boot
 * stack") or one the thread layer made (through the namer it registered with
 * arch_set_stack_namer). Returns buffer, or NULL when address is on no guard page. */
const char *x86_stack_guard_describe(uint64_t address, char *buffer, unsigned int size);

#endif
