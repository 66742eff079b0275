/* drivers/debug_exit.c - leaving QEMU through isa-debug-exit. */
#include "drivers/debug_exit.h"

#include "arch/arch.h"
#include "kernel/power.h"

void debug_exit(unsigned char code)
{
    x86_outb(DEBUG_EXIT_PORT, code);
    arch_halt_forever(); /* no device: nothing happened, so stop here */
}

static void exit_with_status(bool success)
{
    debug_exit(success ? DEBUG_EXIT_SUCCESS : DEBUG_EXIT_FAILURE);
}

void debug_exit_init(void)
{
    power_set_exit_hook(exit_with_status);
}
