/* tests/host/hosted.h - knobs the host-side tests turn to stand in for the kernel around the
 * portable code: which context is "running", and what woke whom. */
#ifndef TESTS_HOST_HOSTED_H
#define TESTS_HOST_HOSTED_H

#include "kernel/context.h"

/* The context context_current() reports: CONTEXT_BOOT by default; set a handler
 * registration's id, CONTEXT_HANDLER(slot, generation), to act as its interrupt handler
 * (context_in_interrupt() is then true). Every handler id counts as a live registration. */
extern context_t hosted_context;

struct wait_queue;

/* How many times a wait queue was woken (nothing sleeps on the host; wakes are counted). */
uint64_t hosted_wakes(const struct wait_queue *queue);

#endif
