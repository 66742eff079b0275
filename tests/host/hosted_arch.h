/* tests/host/hosted_arch.h - the arch/arch.h interface for host-side builds (included there
 * when LABYRINTH_HOSTED is defined). The interrupt flag is a simulated variable, so portable
 * code can still assert "interrupts off" and tests can check that it left them as it found
 * them; the direct map is wherever the test put its fake physical memory.
 */
#ifndef TESTS_HOST_HOSTED_ARCH_H
#define TESTS_HOST_HOSTED_ARCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <x86intrin.h>

extern uintptr_t hosted_direct_map_base; /* phys 0 appears at this host address */
extern uintptr_t hosted_frame_db_base;   /* the frame database starts here */
extern bool hosted_irqs_enabled;         /* the simulated interrupt flag */

static inline unsigned long arch_irq_save(void)
{
    unsigned long flags = hosted_irqs_enabled;
    hosted_irqs_enabled = false;
    return flags;
}

static inline void arch_irq_restore(unsigned long flags)
{
    if (flags)
        hosted_irqs_enabled = true;
}

static inline void arch_irq_enable(void)
{
    hosted_irqs_enabled = true;
}

static inline void arch_irq_disable(void)
{
    hosted_irqs_enabled = false;
}

static inline bool arch_irqs_enabled(void)
{
    return hosted_irqs_enabled;
}

static inline void arch_cpu_relax(void)
{
}

static inline unsigned int arch_cpu_id(void)
{
    return 0;
}

static inline unsigned long arch_cpu_index(void)
{
    return 0;
}

/* The host process is one CPU: its words are a plain array (tests/host/hosted.c). */
extern long hosted_cpu_words[CPU_WORDS];

static inline long arch_cpu_word(enum arch_cpu_word which)
{
    return hosted_cpu_words[which];
}

static inline void arch_cpu_word_set(enum arch_cpu_word which, long value)
{
    hosted_cpu_words[which] = value;
}

static inline void arch_cpu_word_add(enum arch_cpu_word which, long delta)
{
    hosted_cpu_words[which] += delta;
}

static inline long arch_cpu_word_on(unsigned int cpu, enum arch_cpu_word which)
{
    (void)cpu;
    return hosted_cpu_words[which];
}

static inline uint64_t arch_cycles(void)
{
    return __rdtsc();
}

__attribute__((noreturn)) static inline void arch_halt_forever(void)
{
    abort();
}

#endif
