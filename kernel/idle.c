/* kernel/idle.c - the idle loop: registered callbacks, then a `hlt` that cannot miss the
 * interrupt it waits for. */
#include "kernel/idle.h"

#include "arch/arch.h"
#include "lib/errno.h"
#include "kernel/irq.h"
#include "kernel/panic.h"
#include "kernel/spinlock.h"

/* idle_lock protects the callback table. Ordinary context only; no interrupt handler takes
 * it. Callbacks run from a copy, without the lock, so one may register another. */
static struct spinlock idle_lock = SPINLOCK_INIT("idle");
static idle_callback callbacks[IDLE_CALLBACKS_MAX];

static idle_callback *find_slot(idle_callback callback)
{
    for (int i = 0; i < IDLE_CALLBACKS_MAX; i++) {
        if (callbacks[i] == callback)
            return &callbacks[i];
    }
    return NULL;
}

int idle_register(idle_callback callback)
{
    if (!callback)
        return -EINVAL;
    spin_lock(&idle_lock);
    idle_callback *slot = NULL;
    int error = 0;
    if (find_slot(callback))
        error = -EEXIST;
    else if (!(slot = find_slot(NULL)))
        error = -ENOSPC;
    else
        *slot = callback;
    spin_unlock(&idle_lock);
    return error;
}

int idle_unregister(idle_callback callback)
{
    if (!callback)
        return -ENOENT;
    spin_lock(&idle_lock);
    idle_callback *slot = find_slot(callback);
    if (slot)
        *slot = NULL;
    spin_unlock(&idle_lock);
    return slot ? 0 : -ENOENT;
}

static void run_callbacks(void)
{
    idle_callback copy[IDLE_CALLBACKS_MAX];
    spin_lock(&idle_lock);
    for (int i = 0; i < IDLE_CALLBACKS_MAX; i++)
        copy[i] = callbacks[i];
    spin_unlock(&idle_lock);
    for (int i = 0; i < IDLE_CALLBACKS_MAX; i++) {
        if (copy[i])
            copy[i]();
    }
}

void idle_wait(bool (*ready)(void))
{
    if (in_interrupt() || !arch_irqs_enabled())
        panic("idle_wait: would sleep forever (in an interrupt handler, or interrupts off)");
    while (!ready()) {
        run_callbacks();
        arch_irq_disable();
        if (!ready())
            arch_wait_for_interrupt(); /* sti; hlt: the interrupt cannot slip in between */
        arch_irq_enable();
    }
}
