/* kernel/mutex.h - sleeping locks: a thread that finds the mutex taken sleeps until its
 * owner unlocks it, instead of spinning. For long sections of ordinary code (a table walk,
 * a device conversation); never for data an interrupt handler touches, which needs a
 * spinlock taken with interrupts off (kernel/spinlock.h).
 */
#ifndef KERNEL_MUTEX_H
#define KERNEL_MUTEX_H

#include "kernel/wait.h"
#include "lib/compiler.h"

struct mutex {
    const char *name;
    struct thread *owner;      /* NULL when free; changed under the scheduler's lock */
    struct wait_queue waiters; /* threads that found it taken */
};

#define MUTEX_INIT(mutex_name)                                                                     \
    {                                                                                              \
        .name = (mutex_name), .waiters = WAIT_QUEUE_INIT(mutex_name)                               \
    }

/* Takes the mutex, sleeping while another thread owns it. Returns 0, -EDEADLK when the
 * caller owns it already (reported), or -EPERM from a context that must not sleep
 * (reported). Thread context; waits. */
int mutex_lock(struct mutex *mutex) __attribute__((warn_unused_result));

/* Releases a mutex the caller owns and wakes one waiter. Returns 0, or -EPERM when the
 * caller is not the owner (reported; the mutex is left as it was). Thread context; never
 * waits. */
int mutex_unlock(struct mutex *mutex);

/* True when the calling thread owns the mutex. */
bool mutex_is_owned(const struct mutex *mutex);

#endif
