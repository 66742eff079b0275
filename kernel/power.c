/* kernel/power.c - the exit and restart hooks, and what happens without them. */
#include "kernel/power.h"

#include "arch/arch.h"
#include "arch/x86_64/interrupt.h"

/* Set at boot by drivers, read when the machine stops. */
static void (*exit_hook)(bool success);
static void (*restart_hook)(void);

void power_set_exit_hook(void (*exit)(bool success))
{
    exit_hook = exit;
}

void power_set_restart_hook(void (*restart)(void))
{
    restart_hook = restart;
}

void power_exit(bool success)
{
    arch_irq_disable();
    if (exit_hook)
        exit_hook(success);
    arch_halt_forever(); /* no hook, or it did nothing: stop here */
}

/* How long the restart hook gets before the triple fault: the i8042 takes a moment to pulse
 * the reset line. About 100 ms on a machine of a GHz. */
#define RESTART_WAIT_CYCLES 100000000ull

void power_restart(void)
{
    arch_irq_disable();
    if (restart_hook) {
        restart_hook();
        for (uint64_t start = arch_cycles(); arch_cycles() - start < RESTART_WAIT_CYCLES;)
            arch_cpu_relax();
    }
    x86_triple_fault();
}
