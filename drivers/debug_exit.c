/* drivers/debug_exit.c - leaving QEMU through isa-debug-exit. */
#include "drivers/debug_exit.h"

#include "arch/arch.h"

void debug_exit(unsigned char code)
{
    x86_outb(DEBUG_EXIT_PORT, code);
    arch_halt_forever(); /* no device: nothing happened, so stop here */
}
