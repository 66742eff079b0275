/* services/net/net.h - the network stack on the first card: it consumes the frames the
 * card's interrupt handler queued (kernel/netdev.h), classifies each (lib/net.h), answers ARP
 * requests for our address, and feeds the UDP datagrams sent to the telemetry port to a
 * telemetry receiver (lib/telemetry.h), sending the acknowledgements it asks for back to
 * whoever sent the datagram. Everything runs in one function, net_consume, called by the
 * stack's consumer thread ("net"), asleep until the card's interrupt queues a frame.
 *
 * Options: net_ip=<a.b.c.d> (our address, default 10.0.2.15, QEMU's user network's guest
 * address), telemetry_port=<1-65535> (default 5555), telemetry_ack_every=<1-1024> (default
 * 16).
 */
#ifndef SERVICES_NET_NET_H
#define SERVICES_NET_NET_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/netdev.h"
#include "lib/net.h"
#include "lib/telemetry.h"

#define NET_DEFAULT_IP             0x0a00020fu /* 10.0.2.15 */
#define NET_DEFAULT_TELEMETRY_PORT 5555
#define NET_DEFAULT_ACK_EVERY      16

struct net_stats {
    uint32_t ip;
    uint16_t telemetry_port;
    uint32_t ack_every;
    uint64_t frames, bytes;          /* consumed from the queue */
    uint64_t verdicts[NET_VERDICTS]; /* each frame's verdict: accepted or why dropped */
    uint64_t no_listener;            /* UDP to a port nobody listens on */
    uint64_t arp_replies, acks, send_failures;
    uint64_t consumer_cycles;   /* TSC cycles spent in net_consume, in total */
    uint64_t telemetry_highest; /* the highest sequence number received */
    struct telemetry_counts telemetry;
};

/* Reads the options (bad values get the usual one line and the default), takes the first
 * registered network device, and starts the thread that consumes its frames. Without a
 * device it says so in one line. Boot, in a thread, after pci_init and sched_start. */
void net_init(void);

/* The device the stack runs on, or NULL. */
struct netdev *net_device(void);

/* Processes up to a batch of queued frames and frees them (the thread calls it again while
 * frames wait). Only the consumer thread owns them: called by any other thread, it returns
 * at once (the consumer thread, woken by every queued frame, does the work). Thread context;
 * never waits. */
void net_consume(void);

/* A copy of the figures (zero from a context that may not sleep). Thread context; waits
 * for the consumer's batch in progress. */
void net_get_stats(struct net_stats *stats);

#endif
