/* arch/x86_64/stacks.c - storage for the kernel stacks, in their own section (linker.ld) so the
 * page-table code can leave each guard page unmapped. */
#include "arch/x86_64/stacks.h"

#include <stddef.h>

#include "lib/compiler.h"

struct kernel_stack kernel_stacks[STACK_COUNT] __section(".bss.stacks");

/* boot/boot.asm loads its stack pointer from here. */
const uint64_t boot_stack_top =
        (uint64_t)(uintptr_t)(kernel_stacks[STACK_BOOT].stack + KERNEL_STACK_SIZE);

static const char *const stack_names[STACK_COUNT] = {
        [STACK_BOOT] = "boot",
        [STACK_DOUBLE_FAULT] = "double-fault",
        [STACK_NMI] = "NMI",
        [STACK_MACHINE_CHECK] = "machine-check",
};

const char *kernel_stack_guard_name(uint64_t address)
{
    for (int id = 0; id < STACK_COUNT; id++) {
        uint64_t guard = (uint64_t)(uintptr_t)kernel_stacks[id].guard;
        if (address >= guard && address < guard + PAGE_SIZE)
            return stack_names[id];
    }
    return NULL;
}
