/* kernel/netdev.h - what a network card's driver and the network stack share, so that neither
 * knows the other: the driver registers a struct netdev (its MAC address, how to transmit,
 * how to read its counters) and hands every received frame to the stack through the
 * device's receive queue; the stack takes frames from the queue, and transmits through the
 * device.
 *
 * The receive queue carries whole frames, each with the length of the packet in it (the
 * card wrote the packet at the frame's first byte; no header of ours fits before it). The
 * producer is the driver's interrupt handler, which owns each filled frame (an EXCLUSIVE
 * frame it took with alloc_page(GFP_ATOMIC | EXCLUSIVE)) and hands it over to the consumer's
 * context as it queues it; the consumer frees the frame when it has read it. The queue is
 * bounded (NETDEV_QUEUE_MAX): a flood cannot take every frame in the machine, and the
 * handler, finding the queue full, recycles its buffer and counts the drop instead.
 */
#ifndef KERNEL_NETDEV_H
#define KERNEL_NETDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/context.h"
#include "kernel/spinlock.h"
#include "kernel/wait.h"
#include "lib/compiler.h"
#include "mm/page_alloc.h"

#define NETDEV_QUEUE_MAX  128 /* frames waiting for the consumer, at most */
#define NETDEV_MAC_LENGTH 6

/* What netstat shows of a card: its statistics registers (accumulated, as the card clears
 * them when read) and what its driver counted. */
struct netdev_counters {
    bool link_up;
    /* The card's own statistics. */
    uint64_t card_received;    /* good packets received */
    uint64_t card_transmitted; /* good packets sent */
    uint64_t card_missed;      /* lost for lack of room in the card's FIFO */
    uint64_t card_no_buffer;   /* arrived with no receive descriptor free */
    uint64_t card_undersize, card_oversize, card_crc_errors, card_rx_errors;
    /* The driver's: the receive ring. */
    uint32_t rx_ring_size, rx_with_card; /* descriptors, and those the card may fill now */
    uint64_t interrupts;                 /* served by the handler (with a cause for us) */
    uint64_t rx_packets;                 /* descriptors the handler found filled */
    uint64_t rx_refills;          /* fresh frames taken for the ring (one per frame handed over) */
    uint64_t recycled_no_frame;   /* no frame could be had: buffer reused, packet lost */
    uint64_t recycled_queue_full; /* the consumer's queue was full: the same */
    uint64_t recycled_error;      /* the card flagged the packet bad: the same */
    uint64_t handler_cycles;      /* TSC cycles spent in the handler, in total */
    uint64_t handler_cycles_max;  /* the longest single interrupt */
    /* The receive handler's landing pads (mm/atomic_reserve.h), over every CPU: the claim,
     * the pads in it now, and where its fresh frames came from: its own pads, the shared
     * stock, the pool (scrubbed in the handler, above or below min), or nowhere (refused:
     * alloc_page returned NULL and the packet was dropped as "no frame"). */
    uint64_t pads_claimed, pads_level;
    uint64_t pads_own, pads_shared, pads_pool, pads_below_min, pads_refused;
    /* The transmit ring. */
    uint32_t tx_ring_size, tx_in_flight;
    uint64_t tx_packets, tx_ring_full;
};

struct netdev;

struct netdev_ops {
    /* Copies the frame into the card's transmit ring and starts sending it. Returns 0,
     * -EINVAL (longer than the card sends) or -EBUSY (the ring is full; counted). Ordinary
     * context; never waits. */
    int (*transmit)(struct netdev *dev, const uint8_t *frame, size_t length);
    /* Fills in every counter. Ordinary context. */
    void (*get_counters)(struct netdev *dev, struct netdev_counters *counters);
    /* Turns loopback on or off: while on, what the card transmits comes back to its own
     * receive side instead of going out (for self tests). Returns 0 or -EIO. Ordinary
     * context. */
    int (*set_loopback)(struct netdev *dev, bool on);
};

/* Timing samples of the receive path, for the benchmark (tests/bench/kernel_bench.c): while
 * one is set on a device (netdev_set_samples), its driver's handler records, in TSC ticks,
 * every interrupt that took packets (the whole handler, and how many packets) and every
 * refill take (the alloc_page call), until the arrays are full. Unset, it costs the handler
 * one load and a branch per interrupt and per packet. */
struct netdev_samples {
    uint32_t *handler, *handler_packets, *take; /* capacity entries each */
    uint32_t capacity;
    uint32_t handlers, takes; /* entries recorded */
};

/* One slot of the receive queue. */
struct netdev_received {
    uint32_t pfn;    /* the frame, owned by the consumer once queued */
    uint32_t length; /* bytes of packet at its start */
};

struct netdev {
    /* Set by the driver before netdev_register; read-only afterwards. */
    const char *name;
    uint8_t mac[NETDEV_MAC_LENGTH];
    int irq;
    const struct netdev_ops *ops;
    void *driver; /* the driver's own state */
    /* Set by the stack with netdev_set_consumer. */
    context_t consumer;
    struct wait_queue received; /* the consumer thread sleeps here; each queued frame wakes it */
    /* lock guards the queue and its counts; the handler takes it with interrupts off, the
     * consumer with spin_lock_irqsave. */
    struct spinlock lock;
    struct netdev_received queue[NETDEV_QUEUE_MAX];
    uint32_t queue_head, queue_count;
    uint64_t frames_handed, frames_taken, queue_high;
    struct netdev_samples *samples; /* NULL but while the benchmark measures */
    struct netdev *next;            /* the registered devices */
};

/* Adds a device (the driver filled in name, mac, irq, ops, driver). Until
 * netdev_set_consumer names a consumer, hand-overs are refused and the driver recycles the
 * frames it received. Boot, ordinary context. */
void netdev_register(struct netdev *dev);

/* The first registered device, or NULL. Any context. */
struct netdev *netdev_first(void);

/* Names the context frames are handed over to: the consumer thread's (kernel/thread.h:
 * thread_context), which alone may free them. Boot, before any frame is queued. */
void netdev_set_consumer(struct netdev *dev, context_t consumer);

/* --- the driver's side, in its interrupt handler ------------------------------------------- */

/* True when the queue can take another frame. Interrupts off. */
bool netdev_queue_has_room(struct netdev *dev);

/* Hands `page` (an EXCLUSIVE frame the caller owns) to the consumer and queues it with the
 * packet's length. Returns false, and keeps nothing, when the queue is full (the caller
 * still owns the frame) or the hand-over was refused. Interrupts off; never waits. */
bool netdev_queue_frame(struct netdev *dev, struct page *page, uint32_t length);

/* The samples being recorded, or NULL: read once per interrupt by the handler. Interrupts
 * off. */
static inline struct netdev_samples *netdev_samples_of(struct netdev *dev)
{
    return READ_ONCE(dev->samples);
}

/* Records one interrupt that took `packets` packets in `ticks`, or one refill take, when
 * there is room. Interrupts off; never waits. */
static inline void netdev_sample_handler(struct netdev_samples *s, uint64_t ticks, uint32_t packets)
{
    if (s->handlers < s->capacity) {
        s->handler[s->handlers] = ticks > UINT32_MAX ? UINT32_MAX : (uint32_t)ticks;
        s->handler_packets[s->handlers++] = packets;
    }
}

static inline void netdev_sample_take(struct netdev_samples *s, uint64_t ticks)
{
    if (s->takes < s->capacity)
        s->take[s->takes++] = ticks > UINT32_MAX ? UINT32_MAX : (uint32_t)ticks;
}

/* --- the stack's side, in ordinary context ------------------------------------------------- */

/* Takes the oldest queued frame, now the consumer's (page_address: the packet, *length
 * bytes), or NULL when none waits. The caller frees it with free_page. Any context. */
struct page *netdev_take_frame(struct netdev *dev, uint32_t *length);

/* Frames waiting in the queue now. Any context. */
uint32_t netdev_queued(struct netdev *dev);

/* Sleeps until a frame is queued, or timeout_ms passed (0: no limit). Returns 0 when one is,
 * -ETIMEDOUT, or -EPERM from a context that must not sleep. The consumer thread; waits. */
int netdev_wait(struct netdev *dev, uint64_t timeout_ms);

/* Starts (samples) or stops (NULL) the recording of the receive path's timings; the caller
 * owns the arrays and reads them once it has stopped the recording. Ordinary context; never
 * waits. */
void netdev_set_samples(struct netdev *dev, struct netdev_samples *samples);

/* Frames in every registered device's queue: on their way from a handler to a consumer,
 * held by neither. With page_alloc_unallocated_count and frame_pipe_frames_in_flight it
 * accounts for every frame (the self tests' leak check). Any context. */
uint64_t netdev_frames_in_flight(void);

#endif
