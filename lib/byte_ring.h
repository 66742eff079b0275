/* lib/byte_ring.h - a ring of bytes from one producer to one consumer, such as an interrupt
 * handler that receives bytes and the ordinary code that reads them later. It takes no lock:
 * only the producer moves `head`, only the consumer moves `tail`, and each publishes its move
 * with a release store that the other side reads with an acquire load. So a handler may put
 * while the code it interrupted is in the middle of a get, on one CPU or on two.
 * One producer and one consumer at a time; more of either must serialise their own side.
 */
#ifndef LIB_BYTE_RING_H
#define LIB_BYTE_RING_H

#include <stdbool.h>
#include <stdint.h>

#define BYTE_RING_SIZE 512 /* a power of two: the indices below wrap by masking */

/* A zero-filled byte_ring is empty and ready. */
struct byte_ring {
    uint8_t data[BYTE_RING_SIZE];
    uint32_t head;    /* where the next byte goes; the producer's; runs freely */
    uint32_t tail;    /* where the next byte comes from; the consumer's; head - tail stored */
    uint64_t dropped; /* bytes refused because the ring was full; the producer's */
};

/* Appends a byte. Returns false, and counts the byte as dropped, when the ring is full.
 * The producer only; any context, interrupt handlers included; never waits. */
bool byte_ring_put(struct byte_ring *ring, uint8_t byte);

/* Takes the oldest byte, or returns -1 when the ring is empty. The consumer only; any
 * context; never waits. */
int byte_ring_get(struct byte_ring *ring);

/* True when nothing is stored. Anyone; never waits. */
bool byte_ring_is_empty(const struct byte_ring *ring);

/* True when a put would be refused: the producer can stop taking bytes from its source
 * rather than drop them. Anyone; never waits. */
bool byte_ring_is_full(const struct byte_ring *ring);

/* How many bytes were refused because the ring was full. Anyone. */
uint64_t byte_ring_dropped(const struct byte_ring *ring);

#endif
