/* tests/kernel/spinlock_test.c - interrupt-safe locking: nested spin_lock_irqsave sections
 * turn interrupts back on only at the outermost restore, and an interrupt raised inside such
 * a section is held by the interrupt controller and delivered right after that restore. */
#include "arch/arch.h"
#include "kernel/clock.h"
#include "kernel/irq.h"
#include "kernel/ktest.h"
#include "kernel/spinlock.h"

static struct spinlock outer_lock = SPINLOCK_INIT("test outer");
static struct spinlock inner_lock = SPINLOCK_INIT("test inner");

static void nested_irqsave_restores_outermost_state(struct ktest *t)
{
    KTEST_ASSERT_TRUE(t, arch_irqs_enabled());
    unsigned long outer_flags, inner_flags;
    spin_lock_irqsave(&outer_lock, &outer_flags);
    KTEST_EXPECT_FALSE(t, arch_irqs_enabled());
    spin_lock_irqsave(&inner_lock, &inner_flags);
    KTEST_EXPECT_TRUE(t, spin_is_locked(&inner_lock));
    spin_unlock_irqrestore(&inner_lock, inner_flags);
    KTEST_EXPECT_FALSE(t, arch_irqs_enabled()); /* still inside the outer section */
    KTEST_EXPECT_FALSE(t, spin_is_locked(&inner_lock));
    spin_unlock_irqrestore(&outer_lock, outer_flags);
    KTEST_EXPECT_TRUE(t, arch_irqs_enabled());
    KTEST_EXPECT_FALSE(t, spin_is_locked(&outer_lock));
}

static void irqsave_with_interrupts_off_leaves_them_off(struct ktest *t)
{
    arch_irq_disable();
    unsigned long flags;
    spin_lock_irqsave(&outer_lock, &flags);
    spin_unlock_irqrestore(&outer_lock, flags);
    bool enabled = arch_irqs_enabled();
    arch_irq_enable();
    KTEST_EXPECT_FALSE(t, enabled);
}

/* Spins for at least `cycles`, and on until the interrupt controller holds a timer request
 * for this CPU: then a tick has certainly been raised while interrupts were off. False if
 * none came within a second. */
static bool hold_until_tick_pending(uint64_t cycles)
{
    uint64_t start = arch_cycles(), second = clock_tsc_hz();
    while (arch_cycles() - start < cycles || !irq_is_pending(clock_tick_line())) {
        if (arch_cycles() - start > second)
            return false;
        arch_cpu_relax();
    }
    return true;
}

/* This CPU's ticks: with a per-CPU tick, clock_ticks() counts CPU 0's. */
static uint64_t ticks_on(unsigned int cpu)
{
    struct irq_stats stats = {0};
    irq_stats_read_cpu(clock_tick_line(), cpu, &stats);
    return stats.served;
}

/* Holds two nested irqsave locks for several tick periods by the TSC, and until the
 * controller holds a timer request: no tick may be counted inside, and the latched one must
 * be counted as soon as the outermost restore turns interrupts back on. */
static void tick_is_delivered_right_after_outermost_restore(struct ktest *t)
{
    if (!clock_tsc_hz()) {
        ktest_skip(t, "TSC not calibrated");
        return;
    }
    uint64_t periods = clock_ns_to_cycles(3 * 1000000000ull / clock_tick_rate());
    unsigned long outer_flags, inner_flags;
    spin_lock_irqsave(&outer_lock, &outer_flags);
    unsigned int cpu = arch_cpu_id(); /* the tick is latched on this one */
    uint64_t ticks_before = ticks_on(cpu);
    spin_lock_irqsave(&inner_lock, &inner_flags);
    bool raised_inside = hold_until_tick_pending(periods);
    spin_unlock_irqrestore(&inner_lock, inner_flags);
    bool still_pending = hold_until_tick_pending(periods); /* the inner restore let none in */
    uint64_t ticks_inside = ticks_on(cpu);
    spin_unlock_irqrestore(&outer_lock, outer_flags);
    /* sti lets one more instruction run before an interrupt is taken: this nop. */
    __asm__ volatile("nop" : : : "memory");
    uint64_t ticks_after = ticks_on(cpu);
    KTEST_EXPECT_TRUE(t, raised_inside);
    KTEST_EXPECT_TRUE(t, still_pending);
    KTEST_EXPECT_EQ(t, ticks_inside, ticks_before);
    /* Many edges may have passed, but the PIC holds one request, taken at once. (A busy host
     * can have more edges follow right away, so only "at least one" is certain.) */
    ktest_log(t, "%llu tick(s) counted right after the restore",
              (unsigned long long)(ticks_after - ticks_before));
    KTEST_EXPECT_GE(t, ticks_after, ticks_before + 1);
}

static const struct ktest_case spinlock_cases[] = {
        KTEST_CASE(nested_irqsave_restores_outermost_state),
        KTEST_CASE(irqsave_with_interrupts_off_leaves_them_off),
        KTEST_CASE(tick_is_delivered_right_after_outermost_restore),
        {},
};
KTEST_SUITE(spinlock, spinlock_cases);
