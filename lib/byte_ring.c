/* lib/byte_ring.c - the lock-free byte ring: each index has one writer, and the byte it
 * guards is written before the index that publishes it. */
#include "lib/byte_ring.h"

_Static_assert((BYTE_RING_SIZE & (BYTE_RING_SIZE - 1)) == 0, "BYTE_RING_SIZE: a power of two");

bool byte_ring_put(struct byte_ring *ring, uint8_t byte)
{
    uint32_t head = ring->head; /* ours: no other writer */
    /* Pairs with the release store of tail in byte_ring_get: the slot is free to reuse. */
    uint32_t tail = __atomic_load_n(&ring->tail, __ATOMIC_ACQUIRE);
    if (head - tail >= BYTE_RING_SIZE) {
        __atomic_store_n(&ring->dropped, ring->dropped + 1, __ATOMIC_RELAXED);
        return false;
    }
    ring->data[head & (BYTE_RING_SIZE - 1)] = byte;
    __atomic_store_n(&ring->head, head + 1, __ATOMIC_RELEASE); /* the byte, then the index */
    return true;
}

int byte_ring_get(struct byte_ring *ring)
{
    uint32_t tail = ring->tail; /* ours: no other writer */
    /* Pairs with the release store of head in byte_ring_put: the byte is there. */
    if (__atomic_load_n(&ring->head, __ATOMIC_ACQUIRE) == tail)
        return -1;
    uint8_t byte = ring->data[tail & (BYTE_RING_SIZE - 1)];
    __atomic_store_n(&ring->tail, tail + 1, __ATOMIC_RELEASE); /* the slot may be reused */
    return byte;
}

bool byte_ring_is_empty(const struct byte_ring *ring)
{
    return __atomic_load_n(&ring->head, __ATOMIC_ACQUIRE) ==
           __atomic_load_n(&ring->tail, __ATOMIC_ACQUIRE);
}

bool byte_ring_is_full(const struct byte_ring *ring)
{
    return __atomic_load_n(&ring->head, __ATOMIC_ACQUIRE) -
                   __atomic_load_n(&ring->tail, __ATOMIC_ACQUIRE) >=
           BYTE_RING_SIZE;
}

uint64_t byte_ring_dropped(const struct byte_ring *ring)
{
    return __atomic_load_n(&ring->dropped, __ATOMIC_RELAXED); /* pairs with byte_ring_put */
}
