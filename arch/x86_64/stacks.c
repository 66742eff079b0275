/* arch/x86_64/stacks.c - storage for the kernel stacks, in their own section (linker.ld) so the
 * page-table code can leave each guard page unmapped. */
#include "arch/x86_64/stacks.h"

#include <stddef.h>

#include "arch/arch.h"
#include "lib/compiler.h"
#include "lib/format.h"

struct kernel_stack kernel_stacks[STACK_COUNT] __section(".bss.stacks");

/* boot/boot.asm loads its stack pointer from here. */
const uint64_t boot_stack_top =
        (uint64_t)(uintptr_t)(kernel_stacks[STACK_BOOT].stack + KERNEL_STACK_SIZE);

static const char *const ist_names[STACK_IST_COUNT] = {
        [STACK_DOUBLE_FAULT] = "double-fault",
        [STACK_NMI] = "NMI",
        [STACK_MACHINE_CHECK] = "machine-check",
};

const char *arch_cpu_stack_name(unsigned int which)
{
    return which < STACK_IST_COUNT ? ist_names[which] : "?";
}

/* The static stack whose guard page holds address, or -1. */
static int guard_owner(uint64_t address)
{
    for (int id = 0; id < STACK_COUNT; id++) {
        uint64_t guard = (uint64_t)(uintptr_t)kernel_stacks[id].guard;
        if (address >= guard && address < guard + PAGE_SIZE)
            return id;
    }
    return -1;
}

bool kernel_stack_is_guard(uint64_t address)
{
    return guard_owner(address) >= 0;
}

/* Set once by the thread layer at boot. */
static arch_stack_namer thread_stack_namer;

void arch_set_stack_namer(arch_stack_namer namer)
{
    thread_stack_namer = namer;
}

const char *x86_stack_guard_describe(uint64_t address, char *buffer, unsigned int size)
{
    int id = guard_owner(address);
    if (id == STACK_BOOT || id == STACK_IDLE) {
        ksnprintf(buffer, size, id == STACK_BOOT ? "boot stack" : "idle stack of CPU 0");
        return buffer;
    }
    if (id >= STACK_FIRST_IST) {
        ksnprintf(buffer, size, "%s stack of CPU 0", ist_names[id - STACK_FIRST_IST]);
        return buffer;
    }
    return thread_stack_namer ? thread_stack_namer(address, buffer, size) : NULL;
}
