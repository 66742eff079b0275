/* kernel/byte_ring.c - the byte ring between interrupt handlers and ordinary code. */
#include "kernel/byte_ring.h"

_Static_assert((BYTE_RING_SIZE & (BYTE_RING_SIZE - 1)) == 0, "BYTE_RING_SIZE: a power of two");

bool byte_ring_put(struct byte_ring *ring, uint8_t byte)
{
    unsigned long flags;
    spin_lock_irqsave(&ring->lock, &flags);
    bool stored = ring->head - ring->tail < BYTE_RING_SIZE;
    if (stored)
        ring->data[ring->head++ & (BYTE_RING_SIZE - 1)] = byte;
    else
        ring->dropped++;
    spin_unlock_irqrestore(&ring->lock, flags);
    return stored;
}

int byte_ring_get(struct byte_ring *ring)
{
    unsigned long flags;
    spin_lock_irqsave(&ring->lock, &flags);
    int byte = -1;
    if (ring->head != ring->tail)
        byte = ring->data[ring->tail++ & (BYTE_RING_SIZE - 1)];
    spin_unlock_irqrestore(&ring->lock, flags);
    return byte;
}

bool byte_ring_is_empty(struct byte_ring *ring)
{
    unsigned long flags;
    spin_lock_irqsave(&ring->lock, &flags);
    bool empty = ring->head == ring->tail;
    spin_unlock_irqrestore(&ring->lock, flags);
    return empty;
}

uint64_t byte_ring_dropped(struct byte_ring *ring)
{
    unsigned long flags;
    spin_lock_irqsave(&ring->lock, &flags);
    uint64_t dropped = ring->dropped;
    spin_unlock_irqrestore(&ring->lock, flags);
    return dropped;
}
