/* arch/x86_64/backtrace.c - walks saved frame pointers and names each return address.
 * Each frame is [rbp] = the caller's rbp, [rbp + 8] = the return address. */
#include "arch/x86_64/backtrace.h"

#include <stdbool.h>

#include "arch/x86_64/probe.h"
#include "kernel/ksyms.h"
#include "kernel/printk.h"

#define BACKTRACE_DEPTH 32

/* Prints one frame. A return address points after its call instruction, which may be the
 * last one of the function: the name is looked up one byte earlier. */
static void print_frame(uint64_t address, bool is_return_address)
{
    struct ksym symbol;
    if (ksym_lookup(address - is_return_address, &symbol))
        printk("  [<%016lx>] %s+0x%lx/0x%lx\n", address, symbol.name, address - symbol.address,
               symbol.size);
    else
        printk("  [<%016lx>] ?\n", address);
}

void x86_backtrace_print(uint64_t rip, uint64_t rbp)
{
    printk("Backtrace:\n");
    print_frame(rip, false);
    for (int depth = 0; depth < BACKTRACE_DEPTH && rbp && (rbp & 7) == 0; depth++) {
        uint64_t caller_rbp, return_address;
        if (probe_read_u64((const void *)(rbp + 8), &return_address) ||
            probe_read_u64((const void *)rbp, &caller_rbp))
            break;
        if (!return_address)
            break;
        print_frame(return_address, true);
        if (caller_rbp <= rbp) /* stacks grow down: callers' frames are above ours */
            break;
        rbp = caller_rbp;
    }
}

void backtrace_print_here(void)
{
    /* Start at our return address, in the caller, and at the caller's saved frame pointer. */
    const uint64_t *frame = __builtin_frame_address(0);
    x86_backtrace_print((uint64_t)(uintptr_t)__builtin_return_address(0), frame[0]);
}
