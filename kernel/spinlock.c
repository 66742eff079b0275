/* kernel/spinlock.c - the count of spinlocks each CPU holds, and the slow path of spin_lock:
 * on one CPU a held lock is a deadlock. */
#include "kernel/spinlock.h"

unsigned int spinlocks_held[MAX_CPUS];

void spin_lock_deadlock(struct spinlock *lock)
{
    panic("deadlock: spinlock '%s' is already held (taken twice, or by code this interrupt "
          "interrupted without disabling interrupts)",
          lock->name ? lock->name : "?");
}
