/* services/shell/commands/netstat.c - the shell's netstat: the card's counters and rings, what the
 * receive interrupt did with each packet, what the stack made of each frame, and the
 * telemetry stream's counts. Every figure is "name number", so tests read them by name. */
#include "lib/errno.h"
#include "kernel/printk.h"
#include "services/shell/shell.h"
#include "services/net/net.h"

static void print_card(struct netdev *dev, const struct net_stats *s,
                       const struct netdev_counters *c)
{
    const uint8_t *m = dev->mac;
    printk("netstat: %s %02x:%02x:%02x:%02x:%02x:%02x, address %u.%u.%u.%u, link %s, irq %d\n",
           dev->name, m[0], m[1], m[2], m[3], m[4], m[5], s->ip >> 24, (s->ip >> 16) & 0xff,
           (s->ip >> 8) & 0xff, s->ip & 0xff, c->link_up ? "up" : "down", dev->irq);
    printk("card: received %lu, transmitted %lu, missed %lu, no buffer %lu, undersize %lu, "
           "oversize %lu, crc errors %lu, rx errors %lu\n",
           c->card_received, c->card_transmitted, c->card_missed, c->card_no_buffer,
           c->card_undersize, c->card_oversize, c->card_crc_errors, c->card_rx_errors);
    printk("ring: rx size %u, rx with card %u, tx size %u, tx in flight %u, queued %u, queue "
           "size %d, queue highest %lu\n",
           c->rx_ring_size, c->rx_with_card, c->tx_ring_size, c->tx_in_flight, netdev_queued(dev),
           NETDEV_QUEUE_MAX, dev->queue_high);
}

static void print_path(struct netdev *dev, const struct net_stats *s,
                       const struct netdev_counters *c)
{
    printk("handler: interrupts %lu, packets %lu, cycles %lu, longest %lu, cycles per packet "
           "%lu\n",
           c->interrupts, c->rx_packets, c->handler_cycles, c->handler_cycles_max,
           c->rx_packets ? c->handler_cycles / c->rx_packets : 0);
    printk("frames: taken %lu, handed %lu, consumed %lu, recycled no frame %lu, recycled queue "
           "full %lu, recycled card error %lu\n",
           c->rx_refills, dev->frames_handed, dev->frames_taken, c->recycled_no_frame,
           c->recycled_queue_full, c->recycled_error);
    printk("pads: claimed %lu, level %lu, own %lu, shared %lu, pool %lu, below min %lu, refused "
           "%lu\n",
           c->pads_claimed, c->pads_level, c->pads_own, c->pads_shared, c->pads_pool,
           c->pads_below_min, c->pads_refused);
    printk("consumer: frames %lu, bytes %lu, cycles %lu, cycles per frame %lu\n", s->frames,
           s->bytes, s->consumer_cycles, s->frames ? s->consumer_cycles / s->frames : 0);
}

static void print_verdicts(const struct net_stats *s)
{
    printk("accepted: %s %lu, %s %lu\n", net_verdict_name(NET_ARP_REQUEST),
           s->verdicts[NET_ARP_REQUEST], net_verdict_name(NET_UDP), s->verdicts[NET_UDP]);
    char line[PRINTK_LINE_MAX];
    int length = ksnprintf(line, sizeof(line), "dropped:");
    for (int v = NET_DROP_RUNT; v < NET_VERDICTS && length < (int)sizeof(line); v++)
        length += ksnprintf(line + length, sizeof(line) - (size_t)length, " %s %lu,",
                            net_verdict_name((enum net_verdict)v), s->verdicts[v]);
    printk("%s no listener %lu\n", line, s->no_listener);
}

static void print_telemetry(const struct net_stats *s, const struct netdev_counters *c)
{
    const struct telemetry_counts *t = &s->telemetry;
    printk("sent: arp replies %lu, acks %lu, failed %lu, tx ring full %lu, tx packets %lu\n",
           s->arp_replies, s->acks, s->send_failures, c->tx_ring_full, c->tx_packets);
    printk("telemetry: port %u, ack every %u, received %lu, corrupt %lu, duplicate %lu, out of "
           "order %lu, missing %lu, stale %lu, bytes %lu, highest %lu\n",
           s->telemetry_port, s->ack_every, t->received, t->corrupt, t->duplicate, t->out_of_order,
           t->missing, t->stale, t->bytes, s->telemetry_highest);
}

static int netstat_command(int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return -EINVAL;
    struct netdev *dev = net_device();
    if (!dev) {
        shell_error("no network card");
        return -ENOENT;
    }
    net_consume(); /* count what is waiting, so the figures add up */
    struct net_stats s;
    struct netdev_counters c;
    net_get_stats(&s);
    dev->ops->get_counters(dev, &c);
    print_card(dev, &s, &c);
    print_path(dev, &s, &c);
    print_verdicts(&s);
    print_telemetry(&s, &c);
    return 0;
}
SHELL_COMMAND(netstat, "the network card, the receive path, drops by cause, telemetry counts",
              netstat_command);
