/* services/net/net.c - the consumer of received frames: classify, answer ARP, feed telemetry,
 * acknowledge; and the options that set our address and the telemetry port. */
#include "services/net/net.h"

#include "arch/arch.h"
#include "kernel/cmdline.h"
#include "kernel/context.h"
#include "kernel/mutex.h"
#include "kernel/thread.h"
#include "kernel/printk.h"
#include "lib/errno.h"
#include "mm/page_alloc.h"

#define CONSUME_BATCH 64 /* frames per call: the shell and other idle work get their turn */

/* Set by net_init at boot; read-only afterwards. */
static struct netdev *device;
static struct net_address us;

/* consumer_lock guards the consumer's state below: the consumer thread runs net_consume, and
 * so may netstat and the tests, from their own threads; net_get_stats reads under it. */
static struct mutex consumer_lock = MUTEX_INIT("net consumer");
static struct net_stats stats;
static struct telemetry_receiver receiver;
static uint16_t next_ip_id;
static uint8_t outgoing[ETH_FRAME_MAX];

static void send(size_t length, uint64_t *sent)
{
    if (length && device->ops->transmit(device, outgoing, length) == 0)
        (*sent)++;
    else
        stats.send_failures++;
}

static void answer_arp(const struct net_packet *request)
{
    send(net_build_arp_reply(outgoing, sizeof(outgoing), &us, request), &stats.arp_replies);
}

/* The acknowledgement goes back the way the datagram came: to its sender's MAC, address and
 * port, so no ARP table is needed. */
static void acknowledge(const struct net_packet *datagram)
{
    uint8_t ack[TELEMETRY_HEADER + TELEMETRY_ACK_BODY + TELEMETRY_TRAILER];
    size_t length = telemetry_build_ack(&receiver, ack, sizeof(ack));
    send(net_build_udp(outgoing, sizeof(outgoing), &us, &datagram->source, next_ip_id++, ack,
                       length),
         &stats.acks);
}

static void deliver_udp(const struct net_packet *datagram)
{
    if (datagram->destination.port != us.port) {
        stats.no_listener++;
        return;
    }
    telemetry_receive(&receiver, datagram->payload, datagram->payload_length);
    if (telemetry_ack_due(&receiver))
        acknowledge(datagram);
}

static void process(const uint8_t *frame, size_t length)
{
    struct net_packet packet;
    enum net_verdict verdict = net_parse(frame, length, us.ip, &packet);
    stats.frames++;
    stats.bytes += length;
    stats.verdicts[verdict]++;
    if (verdict == NET_ARP_REQUEST)
        answer_arp(&packet);
    else if (verdict == NET_UDP)
        deliver_udp(&packet);
}

void net_consume(void)
{
    /* Only the consumer thread owns the queued frames, and only it may free them: others
     * leave the work to it (each queued frame wakes it). */
    if (!device || context_current() != device->consumer || mutex_lock(&consumer_lock) != 0)
        return;
    uint64_t start = arch_cycles();
    struct page *frame;
    uint32_t length;
    for (int batch = 0; batch < CONSUME_BATCH; batch++) {
        if (!(frame = netdev_take_frame(device, &length)))
            break;
        process(page_address(frame), length);
        int error = free_page(frame); /* ours since the hand-over; tops the reserve up */
        if (error)
            printk("net: a consumed frame was not freed (%s)\n", errno_name(error));
    }
    stats.consumer_cycles += arch_cycles() - start;
    mutex_unlock(&consumer_lock);
}

void net_get_stats(struct net_stats *copy)
{
    if (mutex_lock(&consumer_lock) != 0) {
        *copy = (struct net_stats){0};
        return;
    }
    *copy = stats;
    copy->telemetry = receiver.counts;
    copy->telemetry_highest = receiver.highest;
    mutex_unlock(&consumer_lock);
}

/* The consumer thread: asleep until the card's handler queues a frame. */
static void net_thread(void *arg)
{
    (void)arg;
    for (;;) {
        if (netdev_wait(device, 0) == 0)
            net_consume();
    }
}

struct netdev *net_device(void)
{
    return device;
}

static uint32_t read_ip_option(void)
{
    const char *text = cmdline_value("net_ip");
    uint32_t ip;
    if (!text || !*text)
        return NET_DEFAULT_IP;
    if (net_parse_ipv4(text, &ip) && net_ipv4_is_unicast(ip))
        return ip;
    printk("cmdline: bad value '%s' for net_ip (expected a unicast IPv4 address a.b.c.d); "
           "using 10.0.2.15\n",
           text);
    return NET_DEFAULT_IP;
}

void net_init(void)
{
    us.ip = read_ip_option();
    us.port = (uint16_t)cmdline_uint("telemetry_port", NET_DEFAULT_TELEMETRY_PORT, 1, 65535);
    uint32_t ack_every =
            (uint32_t)cmdline_uint("telemetry_ack_every", NET_DEFAULT_ACK_EVERY, 1, 1024);
    telemetry_receiver_init(&receiver, ack_every);
    stats.ip = us.ip;
    stats.telemetry_port = us.port;
    stats.ack_every = ack_every;
    device = netdev_first();
    if (!device) {
        printk("net: no network card; no telemetry\n");
        return;
    }
    for (int i = 0; i < ETH_ADDRESS_LENGTH; i++)
        us.mac[i] = device->mac[i];
    struct thread *consumer = thread_create("net", net_thread, NULL, THREAD_PRIORITY_NORMAL);
    if (!consumer) {
        printk("net: no consumer thread; no telemetry\n");
        device = NULL;
        return;
    }
    thread_detach(consumer);
    netdev_set_consumer(device, thread_context(consumer)); /* its frames are the thread's */
    printk("net: %u.%u.%u.%u on %s; telemetry on UDP port %u, an acknowledgement every %u "
           "datagrams\n",
           us.ip >> 24, (us.ip >> 16) & 0xff, (us.ip >> 8) & 0xff, us.ip & 0xff, device->name,
           us.port, ack_every);
}
