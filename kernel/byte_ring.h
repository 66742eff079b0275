/* kernel/byte_ring.h - a small ring of bytes through which an interrupt handler hands what
 * it received (a scancode, a character) to ordinary code, which takes it out later. Both
 * sides take the ring's lock with interrupts off, so either may run in any context.
 */
#ifndef KERNEL_BYTE_RING_H
#define KERNEL_BYTE_RING_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/spinlock.h"

#define BYTE_RING_SIZE 512 /* a power of two: the indices below wrap by masking */

struct byte_ring {
    struct spinlock lock; /* protects everything below */
    uint8_t data[BYTE_RING_SIZE];
    uint32_t head;    /* where the next byte goes; runs freely, masked on use */
    uint32_t tail;    /* where the next byte comes from; head - tail bytes are stored */
    uint64_t dropped; /* bytes refused because the ring was full */
};

#define BYTE_RING_INIT(lock_name)                                                                  \
    {                                                                                              \
        .lock = SPINLOCK_INIT(lock_name)                                                           \
    }

/* Appends a byte. Returns false, and counts the byte as dropped, when the ring is full.
 * Any context, interrupt handlers included; never waits. */
bool byte_ring_put(struct byte_ring *ring, uint8_t byte);

/* Takes the oldest byte, or returns -1 when the ring is empty. Any context; never waits. */
int byte_ring_get(struct byte_ring *ring);

/* True when nothing is stored. Any context; never waits. */
bool byte_ring_is_empty(struct byte_ring *ring);

/* How many bytes were refused because the ring was full. Any context. */
uint64_t byte_ring_dropped(struct byte_ring *ring);

#endif
