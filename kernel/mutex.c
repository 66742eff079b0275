/* kernel/mutex.c - a mutex is an owner and a wait queue; the check "is it free?" and the
 * claim "now it is mine" happen together under the scheduler's lock, inside wait_event. */
#include "kernel/mutex.h"

#include "kernel/printk.h"
#include "kernel/thread.h"
#include "lib/errno.h"

/* wait_event's condition: runs under the scheduler's lock, so the test and the claim are
 * one step. */
static bool try_take(struct mutex *mutex, struct thread *self)
{
    if (mutex->owner)
        return false;
    mutex->owner = self;
    return true;
}

int mutex_lock(struct mutex *mutex)
{
    struct thread *self = thread_current();
    if (READ_ONCE(mutex->owner) == self) { /* only we could have set it to us */
        printk("mutex: '%s' taken twice by thread '%s': refused\n", mutex->name, self->name);
        return -EDEADLK;
    }
    return wait_event(&mutex->waiters, try_take(mutex, self));
}

int mutex_unlock(struct mutex *mutex)
{
    struct thread *self = thread_current();
    unsigned long flags;
    wait_lock_irqsave(&flags);
    bool owner = mutex->owner == self;
    if (owner)
        mutex->owner = NULL;
    wait_unlock_irqrestore(flags);
    if (!owner) {
        printk("mutex: '%s' unlocked by thread '%s', which does not own it: refused\n", mutex->name,
               self ? self->name : "none");
        return -EPERM;
    }
    wait_queue_wake_one(&mutex->waiters);
    return 0;
}

bool mutex_is_owned(const struct mutex *mutex)
{
    return READ_ONCE(mutex->owner) == thread_current();
}
