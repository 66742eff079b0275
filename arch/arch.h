/* arch/arch.h - the small interface portable code (mm/, kernel/) uses to reach the CPU:
 * interrupt flag, cycle counter, idling. The kernel gets the x86-64 versions below; the
 * host-side tests (LABYRINTH_HOSTED) get simulated ones, so mm/ builds and runs in a process.
 */
#ifndef ARCH_ARCH_H
#define ARCH_ARCH_H

#include <stdbool.h>
#include <stdint.h>

/* Labyrinth runs on one CPU; per-CPU structures (hot caches, reserves, deferred work lists)
 * are arrays of this many, indexed with arch_cpu_id(). */
#define MAX_CPUS 1

/* A thread's CPU state while it does not run: the callee-saved registers are on its stack,
 * and this holds where. (kernel/thread.c keeps one per thread.) */
struct arch_context {
    uint64_t rsp;
};

/* Prepares a new thread's stack (its highest address is stack_top) so that the first
 * arch_context_switch to `context` calls entry(arg) on it, with interrupts as the switch
 * left them (off) and an empty backtrace above. entry must not return. */
void arch_context_init(struct arch_context *context, uint64_t stack_top, void (*entry)(void *),
                       void *arg);

/* Saves the running thread's state into `from` and resumes the thread saved in `to`; it
 * returns when some later switch resumes `from`. Interrupts off. */
void arch_context_switch(struct arch_context *from, const struct arch_context *to);

/* Names, into buffer, the stack whose guard page holds address ("stack of thread 'shell'
 * (id 3)"), or returns NULL: the thread layer registers one for the stacks it maps, so an
 * overflow report names the thread. */
typedef const char *(*arch_stack_namer)(uint64_t address, char *buffer, unsigned int size);
void arch_set_stack_namer(arch_stack_namer namer);

#ifdef LABYRINTH_HOSTED
/* The host-side build supplies its own stand-ins, from its include path (tests/host/). */
#include "hosted_arch.h"
#else
#include "arch/x86_64/cpu.h"

/* Disables interrupts and returns the previous state, for arch_irq_restore. */
static inline unsigned long arch_irq_save(void)
{
    unsigned long flags;
    __asm__ volatile("pushfq; popq %0; cli" : "=r"(flags) : : "memory");
    return flags;
}

/* Puts the interrupt flag back as arch_irq_save found it: nested save/restore pairs only
 * re-enable interrupts at the outermost restore. */
static inline void arch_irq_restore(unsigned long flags)
{
    if (flags & X86_RFLAGS_IF)
        __asm__ volatile("sti" : : : "memory");
}

static inline void arch_irq_enable(void)
{
    __asm__ volatile("sti" : : : "memory");
}

static inline void arch_irq_disable(void)
{
    __asm__ volatile("cli" : : : "memory");
}

static inline bool arch_irqs_enabled(void)
{
    return (x86_read_rflags() & X86_RFLAGS_IF) != 0;
}

/* Tells the CPU we are spinning (saves power, helps a sibling hyper-thread). */
static inline void arch_cpu_relax(void)
{
    __asm__ volatile("pause" : : : "memory");
}

/* Enables interrupts and sleeps until the next one, atomically: `sti` delays interrupt
 * delivery by one instruction, so an interrupt cannot slip in between and be missed. */
static inline void arch_wait_for_interrupt(void)
{
    __asm__ volatile("sti; hlt" : : : "memory");
}

/* The CPU running this code: an index into per-CPU arrays. */
static inline unsigned int arch_cpu_id(void)
{
    return 0;
}

static inline uint64_t arch_cycles(void)
{
    return x86_rdtsc();
}

/* Stops this CPU for good. */
__attribute__((noreturn)) static inline void arch_halt_forever(void)
{
    for (;;)
        __asm__ volatile("cli; hlt");
}
#endif

#endif
