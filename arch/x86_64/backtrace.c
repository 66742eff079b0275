/* arch/x86_64/backtrace.c - walks saved frame pointers and names each return address.
 * Each frame is [rbp] = the caller's rbp, [rbp + 8] = the return address. */
#include "arch/x86_64/backtrace.h"

#include <stdbool.h>

#include "arch/x86_64/probe.h"
#include "kernel/ksyms.h"
#include "kernel/printk.h"
#include "lib/string.h"

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

/* The standard prologue: push %rbp; mov %rsp,%rbp. */
static const uint8_t prologue[4] = {0x55, 0x48, 0x89, 0xe5};

/* Finds the return address of the function at rip while rbp is still its caller's: at its
 * first instructions, or throughout a function gcc built without a frame (it does so for
 * functions that use no stack at all, even with -fno-omit-frame-pointer). Returns false when
 * the function has its own frame, which the walk from rbp then covers. */
static bool frameless_return_address(uint64_t rip, uint64_t rsp, uint64_t *address)
{
    struct ksym symbol;
    if (!rsp || !ksym_lookup(rip, &symbol))
        return false;
    uint64_t offset = rip - symbol.address;
    bool has_prologue = memcmp((const void *)symbol.address, prologue, sizeof(prologue)) == 0;
    if (has_prologue && offset >= sizeof(prologue))
        return false;
    /* After the push and before the mov, the return address sits one slot higher. */
    uint64_t slot = rsp + (has_prologue && offset >= 1 ? 8 : 0);
    return probe_read_u64((const void *)slot, address) == 0;
}

void x86_backtrace_print(uint64_t rip, uint64_t rsp, uint64_t rbp)
{
    printk("Backtrace:\n");
    print_frame(rip, false);
    uint64_t caller;
    if (frameless_return_address(rip, rsp, &caller))
        print_frame(caller, true);
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
    x86_backtrace_print((uint64_t)(uintptr_t)__builtin_return_address(0), 0, frame[0]);
}
