/* kernel/spinlock.c - the ticket lock: drawing a ticket, waiting for it to be served (with
 * the checks of lock debugging), handing the lock on, and the figures. Portable: the host
 * tests build it too. */
#include "kernel/spinlock.h"

/* Before the clock calibrates the TSC: about 4 s at 2-3 GHz, and seconds at any rate. */
static uint64_t long_wait = 1ull << 33;
static uint64_t long_waits;

/* Turns between two looks at the TSC while waiting. */
#define SPINS_PER_CHECK 256

/* A CPU printing a report of a long wait: the report takes the console's lock, and a long
 * wait for that one must not report again (and again). Each CPU's own: a CPU waiting for a
 * lock already counts it as held, so its thread stays on it. */
static bool reporting[MAX_CPUS];

static void report_long_wait(struct spinlock *lock, const void *where, uint64_t waited)
{
    bool *mine = &reporting[arch_cpu_id()];
    if (*mine)
        return;
    *mine = true;
    __atomic_add_fetch(&long_waits, 1, __ATOMIC_RELAXED);
    spin_report_long_wait(lock, where, waited);
    *mine = false;
}

static void wait_turn(struct spinlock *lock, uint32_t ticket, const void *where)
{
    uint64_t start = arch_cycles(), spins = 0;
    bool reported = false;
    while (__atomic_load_n(&lock->serving, __ATOMIC_ACQUIRE) != ticket) {
        arch_cpu_relax();
        if (++spins % SPINS_PER_CHECK || reported)
            continue;
        uint64_t waited = arch_cycles() - start;
        if (waited > READ_ONCE(long_wait)) {
            reported = true;
            report_long_wait(lock, where, waited);
        }
    }
    __atomic_add_fetch(&lock->contended, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&lock->spins, spins, __ATOMIC_RELAXED);
}

static inline __attribute__((always_inline)) void take(struct spinlock *lock, const void *where)
{
    arch_cpu_word_add(CPU_WORD_SPINLOCKS_HELD, 1);
    barrier(); /* the count rises before the lock is ours */
    uint32_t me = arch_cpu_id() + 1;
    if (unlikely(READ_ONCE(lock->holder) == me))
        spin_report_retake(lock, where); /* only this CPU sets holder to me: a deadlock */
    uint32_t ticket = __atomic_fetch_add(&lock->next, 1, __ATOMIC_ACQUIRE);
    if (unlikely(__atomic_load_n(&lock->serving, __ATOMIC_ACQUIRE) != ticket))
        wait_turn(lock, ticket, where);
    lock->holder = me;
    lock->where = where;
    lock->taken++;
    if (lock->measured)
        lock->held_since = arch_cycles();
}

void spin_lock_at(struct spinlock *lock, const void *where)
{
    take(lock, where);
}

void spin_lock_irqsave_at(struct spinlock *lock, unsigned long *flags, const void *where)
{
    *flags = arch_irq_save();
    take(lock, where);
}

void spin_unlock(struct spinlock *lock)
{
    if (unlikely(READ_ONCE(lock->holder) != arch_cpu_id() + 1))
        spin_report_foreign_unlock(lock);
    if (lock->measured) {
        uint64_t held = arch_cycles() - lock->held_since;
        lock->hold_cycles += held;
        lock->hold_max = MAX(lock->hold_max, held);
    }
    lock->holder = 0;
    /* Only the holder writes serving: the next ticket's taker may go once it sees this. */
    __atomic_store_n(&lock->serving, lock->serving + 1, __ATOMIC_RELEASE);
    barrier(); /* and the count falls only once it is released */
    arch_cpu_word_add(CPU_WORD_SPINLOCKS_HELD, -1);
}

void spin_unlock_irqrestore(struct spinlock *lock, unsigned long flags)
{
    spin_unlock(lock);
    arch_irq_restore(flags);
}

void spin_get_stats(struct spinlock *lock, struct spinlock_stats *stats)
{
    unsigned long flags;
    spin_lock_irqsave(lock, &flags);
    *stats = (struct spinlock_stats){
            .taken = lock->taken - 1, /* not counting this look */
            .contended = __atomic_load_n(&lock->contended, __ATOMIC_RELAXED),
            .spins = __atomic_load_n(&lock->spins, __ATOMIC_RELAXED),
            .hold_cycles = lock->hold_cycles,
            .hold_max = lock->hold_max,
    };
    spin_unlock_irqrestore(lock, flags);
}

void spin_measure(struct spinlock *lock)
{
    unsigned long flags;
    spin_lock_irqsave(lock, &flags);
    lock->measured = true;
    lock->held_since = arch_cycles(); /* this taking ends measured, like the ones to come */
    spin_unlock_irqrestore(lock, flags);
    spin_reset_stats(lock);
}

void spin_reset_stats(struct spinlock *lock)
{
    unsigned long flags;
    spin_lock_irqsave(lock, &flags);
    lock->taken = 0; /* this taking is not counted; its short hold is */
    __atomic_store_n(&lock->contended, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&lock->spins, 0, __ATOMIC_RELAXED);
    lock->hold_cycles = 0;
    lock->hold_max = 0;
    spin_unlock_irqrestore(lock, flags);
}

void spin_set_long_wait(uint64_t cycles)
{
    WRITE_ONCE(long_wait, cycles);
}

uint64_t spin_long_wait(void)
{
    return READ_ONCE(long_wait);
}

uint64_t spin_long_waits_reported(void)
{
    return __atomic_load_n(&long_waits, __ATOMIC_RELAXED);
}
