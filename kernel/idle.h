/* kernel/idle.h - what the CPU does while ordinary code waits for an interrupt: run the
 * registered idle callbacks (deferred work, such as refilling a reserve or consuming what
 * interrupt handlers handed over), then sleep with `hlt` until the next interrupt.
 */
#ifndef KERNEL_IDLE_H
#define KERNEL_IDLE_H

#include <stdbool.h>

#define IDLE_CALLBACKS_MAX 8

typedef void (*idle_callback)(void);

/* Adds a callback that idle_wait runs before each sleep, in ordinary context with
 * interrupts on. It must return promptly: input waits behind it. Returns 0, -EINVAL (NULL),
 * -EEXIST (already registered) or -ENOSPC (IDLE_CALLBACKS_MAX reached). Ordinary context;
 * never waits. */
int idle_register(idle_callback callback);

/* Removes a registered callback: no round of callbacks that starts after this returns calls
 * it. Returns 0 or -ENOENT. Ordinary context; never waits. */
int idle_unregister(idle_callback callback);

/* Waits until ready() returns true: runs the idle callbacks, then, if ready() is still
 * false, sleeps until the next interrupt, and again. ready() is checked with interrupts off
 * right before the sleep, so an interrupt that makes it true cannot be slept through.
 * Ordinary context with interrupts on only (asserted); waits. */
void idle_wait(bool (*ready)(void));

#endif
