/* kernel/spinlock.h - spinlocks that work across CPUs, and the interrupt-safe way to take
 * them.
 *
 * A spinlock is a ticket lock: a taker draws the next ticket and waits until the lock serves
 * that ticket, so CPUs get the lock in the order they asked (no CPU waits forever while
 * others keep winning). Data that an interrupt handler also touches must be changed with
 * interrupts off, or the handler could find it half-updated, or spin forever on a lock the
 * code it interrupted holds. So such data is always locked with spin_lock_irqsave(&lock,
 * &flags), which disables interrupts first, and released with spin_unlock_irqrestore(&lock,
 * flags), which puts the interrupt flag back as it was: nested sections re-enable interrupts
 * only at the outermost.
 *
 * Lock debugging, always on: each lock records the CPU holding it and where it was taken (an
 * address inside the function that called spin_lock, read there: unlike a return address, a
 * tail call cannot move it to the caller's caller). A CPU taking a lock it already holds can never
 * get it: that is reported, naming the lock and both places, and the kernel panics. A CPU that
 * waits longer than a long bound (seconds by the TSC: under an emulator with more CPUs than
 * host cores, a holder can be descheduled for tens of milliseconds) gets one report naming the
 * lock, where it waits and where the holder took it, and goes on waiting.
 */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/arch.h"
#include "lib/compiler.h"
#include "kernel/panic.h"

struct spinlock {
    uint32_t next;    /* the ticket the next taker draws (atomic add) */
    uint32_t serving; /* the ticket that holds the lock; next == serving: free */
    /* Written by the holder while it holds the lock; read by anyone, for reports. */
    uint32_t holder;   /* 1 + the CPU that holds it; 0: nobody */
    bool measured;     /* hold times are added up (SPINLOCK_INIT_MEASURED) */
    const void *where; /* where the holder took it */
    const char *name;
    /* Figures: taken and the hold times by the holder; contended and spins by waiters
     * (atomic adds). */
    uint64_t taken, contended, spins;
    uint64_t hold_cycles, hold_max, held_since; /* measured locks only */
};

#define SPINLOCK_INIT(lock_name)                                                                   \
    {                                                                                              \
        .name = (lock_name)                                                                        \
    }

/* A lock whose hold times are measured (two TSC reads per taking): the zone's, the
 * scheduler's. */
#define SPINLOCK_INIT_MEASURED(lock_name)                                                          \
    {                                                                                              \
        .measured = true, .name = (lock_name)                                                      \
    }

/* The address of the code right here (x86-64: of the next instruction), for the reports of
 * lock debugging. */
#define SPIN_HERE                                                                                  \
    ({                                                                                             \
        const void *here_;                                                                         \
        __asm__ volatile("leaq 0(%%rip), %0" : "=r"(here_));                                       \
        here_;                                                                                     \
    })

/* Takes the lock. Only for data no interrupt handler touches; others use the irqsave form.
 * Any context; spins. */
#define spin_lock(lock) spin_lock_at((lock), SPIN_HERE)

/* Releases a lock this CPU holds. Any context. */
void spin_unlock(struct spinlock *lock);

/* Disables interrupts, saving their previous state in *flags, then takes the lock. */
#define spin_lock_irqsave(lock, flags) spin_lock_irqsave_at((lock), (flags), SPIN_HERE)

/* What the two above call, with the place that takes the lock. */
void spin_lock_at(struct spinlock *lock, const void *where);
void spin_lock_irqsave_at(struct spinlock *lock, unsigned long *flags, const void *where);

/* Releases the lock, then restores the interrupt state saved by spin_lock_irqsave. */
void spin_unlock_irqrestore(struct spinlock *lock, unsigned long flags);

static inline bool spin_is_locked(const struct spinlock *lock)
{
    return __atomic_load_n(&lock->serving, __ATOMIC_RELAXED) !=
           __atomic_load_n(&lock->next, __ATOMIC_RELAXED);
}

/* How many spinlocks this CPU holds now. While it holds any, the scheduler does not switch
 * threads on it (kernel/sched.c): a thread switched out holding a spinlock would leave every
 * other taker spinning, and a sleep there is caught as a sleep in an invalid context. The
 * count is a per-CPU word (arch/arch.h), changed in single instructions on its own CPU. Any
 * context. */
static inline unsigned int spin_locks_held(void)
{
    return (unsigned int)arch_cpu_word(CPU_WORD_SPINLOCKS_HELD);
}

/* A lock's figures since boot or the last reset. Hold times only for measured locks, in TSC
 * cycles. */
struct spinlock_stats {
    uint64_t taken;       /* times taken */
    uint64_t contended;   /* times a taker had to wait */
    uint64_t spins;       /* turns of the waiting loop, over all waits */
    uint64_t hold_cycles; /* total time held */
    uint64_t hold_max;    /* the longest hold */
};
void spin_get_stats(struct spinlock *lock, struct spinlock_stats *stats);
void spin_reset_stats(struct spinlock *lock);

/* Starts measuring the lock's hold times from now on (and resets its figures). Any context
 * but with the lock held. */
void spin_measure(struct spinlock *lock);

/* The long-wait bound, in TSC cycles (the clock sets two seconds once the TSC is
 * calibrated; tests lower it). Waits reported so far, over all locks. Any context. */
void spin_set_long_wait(uint64_t cycles);
uint64_t spin_long_wait(void);
uint64_t spin_long_waits_reported(void);

/* The reports (kernel/spinlock_report.c; the host tests supply their own): a CPU taking a
 * lock it holds, a CPU releasing a lock it does not hold (neither returns), and a wait past
 * the bound. */
__noreturn void spin_report_retake(const struct spinlock *lock, const void *where);
__noreturn void spin_report_foreign_unlock(const struct spinlock *lock);
void spin_report_long_wait(const struct spinlock *lock, const void *where, uint64_t cycles);

/* States in code that the caller must have interrupts disabled. */
#define assert_irqs_disabled()                                                                     \
    do {                                                                                           \
        if (unlikely(arch_irqs_enabled()))                                                         \
            panic("%s: called with interrupts enabled", __func__);                                 \
    } while (0)

#endif
