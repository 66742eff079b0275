/* kernel/spinlock.h - spinlocks, and the interrupt-safe way to take them.
 *
 * Data that an interrupt handler also touches must be changed with interrupts off, or the
 * handler could find it half-updated, or spin forever on a lock the code it interrupted holds.
 * So such data is always locked with spin_lock_irqsave(&lock, &flags), which disables
 * interrupts first, and released with spin_unlock_irqrestore(&lock, flags), which puts the
 * interrupt flag back as it was: nested sections re-enable interrupts only at the outermost.
 */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/arch.h"
#include "lib/compiler.h"
#include "kernel/panic.h"

struct spinlock {
    uint32_t locked; /* 1 while held */
    const char *name;
};

/* How many spinlocks each CPU holds now. While it holds any, the scheduler does not switch
 * threads on it (kernel/sched.c): a thread switched out holding a spinlock would leave every
 * other taker spinning, and a sleep there is caught as a sleep in an invalid context. Only
 * its own CPU changes a count, in single instructions an interrupt cannot split. */
extern unsigned int spinlocks_held[MAX_CPUS];

#define SPINLOCK_INIT(lock_name)                                                                   \
    {                                                                                              \
        .locked = 0, .name = (lock_name)                                                           \
    }

/* Reports a lock that is already held: on one CPU with interrupts off, waiting can never end. */
__noreturn void spin_lock_deadlock(struct spinlock *lock);

/* Takes the lock. Only for data no interrupt handler touches; others use the irqsave form. */
static inline void spin_lock(struct spinlock *lock)
{
    spinlocks_held[arch_cpu_id()]++;
    barrier(); /* the count rises before the lock is ours */
    while (__atomic_exchange_n(&lock->locked, 1, __ATOMIC_ACQUIRE)) {
        /* Labyrinth runs on one CPU: the holder cannot be running elsewhere and will never
         * release the lock while we spin. Say so instead of hanging. */
        spin_lock_deadlock(lock);
    }
}

static inline void spin_unlock(struct spinlock *lock)
{
    __atomic_store_n(&lock->locked, 0, __ATOMIC_RELEASE);
    barrier(); /* and falls only once it is released */
    spinlocks_held[arch_cpu_id()]--;
}

static inline bool spin_is_locked(const struct spinlock *lock)
{
    return __atomic_load_n(&lock->locked, __ATOMIC_RELAXED) != 0;
}

/* Disables interrupts, saving their previous state in *flags, then takes the lock. */
static inline void spin_lock_irqsave(struct spinlock *lock, unsigned long *flags)
{
    *flags = arch_irq_save();
    spin_lock(lock);
}

/* Releases the lock, then restores the interrupt state saved by spin_lock_irqsave. */
static inline void spin_unlock_irqrestore(struct spinlock *lock, unsigned long flags)
{
    spin_unlock(lock);
    arch_irq_restore(flags);
}

/* States in code that the caller must have interrupts disabled. */
#define assert_irqs_disabled()                                                                     \
    do {                                                                                           \
        if (unlikely(arch_irqs_enabled()))                                                         \
            panic("%s: called with interrupts enabled", __func__);                                 \
    } while (0)

#endif
