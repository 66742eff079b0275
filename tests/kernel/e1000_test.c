/* tests/kernel/e1000_test.c - the e1000's receive path seen from inside, in PHY loopback:
 * what the card sends comes back to its own receive ring, through the receive interrupt (a
 * fresh EXCLUSIVE frame for the ring, the filled one handed to the consumer) and the stack
 * (answers, telemetry, drops by cause). With all memory taken the handler cannot have a
 * fresh frame: the packet is dropped and counted, its buffer reused, the ring keeps going.
 * Each case is skipped on a machine without an e1000 (q35's default card is an e1000e). */
#include "arch/arch.h"
#include "kernel/clock.h"
#include "kernel/ktest.h"
#include "kernel/smp.h"
#include "mm/atomic_reserve.h"
#include "kernel/irq.h"
#include "lib/string.h"
#include "lib/byteorder.h"
#include "lib/net.h"
#include "lib/telemetry.h"
#include "mm/exclusive.h"
#include "services/net/net.h"
#include "tests/kernel/taker.h"

static const struct net_address host = {{0x52, 0x54, 0x00, 0x00, 0x00, 0x02}, 0x0a000202, 40000};

static struct netdev *card;
static struct net_address us;
static uint8_t frame[ETH_FRAME_MAX];

#define WAIT_NS 1000000000ull

/* Waits up to ns, consuming frames as the idle loop would, until frames_handed has grown by
 * `frames` and the consumer has taken them all. */
static bool wait_for_frames(uint64_t before, uint64_t frames, uint64_t ns)
{
    uint64_t deadline = clock_uptime_ns() + ns;
    while (clock_uptime_ns() < deadline) {
        net_consume();
        if (READ_ONCE(card->frames_handed) >= before + frames && netdev_queued(card) == 0)
            return true;
        arch_irq_disable();
        arch_wait_for_interrupt(); /* sti; hlt: the receive interrupt or the next tick */
    }
    return false;
}

/* In loopback, QEMU's e1000 drops (rather than holds) what it sends during the second after
 * RCTL was written, when its receiver holds frames back: so send a datagram nobody listens
 * to until one comes back, before any case counts on a frame arriving. */
static void wait_until_receiving(void)
{
    for (int attempt = 0; attempt < 30; attempt++) {
        uint64_t handed = card->frames_handed;
        struct net_address nobody = us; /* our address, a port with no listener */
        nobody.port = 9;
        size_t length = net_build_udp(frame, sizeof(frame), &host, &nobody, 1, NULL, 0);
        card->ops->transmit(card, frame, length);
        if (wait_for_frames(handed, 1, 200000000ull))
            return;
    }
}

/* Loopback on for the suite, off after it; a card is needed (else every case skips). */
static int loopback_on(void)
{
    card = net_device();
    if (!card || card->ops->set_loopback(card, true) != 0) {
        card = NULL;
        return 0; /* the cases skip one by one, saying why */
    }
    struct net_stats stats;
    net_get_stats(&stats);
    memcpy(us.mac, card->mac, ETH_ADDRESS_LENGTH);
    us.ip = stats.ip;
    us.port = stats.telemetry_port;
    wait_until_receiving();
    return 0;
}

static void loopback_off(void)
{
    if (card)
        card->ops->set_loopback(card, false);
}

static bool have_card(struct ktest *t)
{
    if (!card)
        ktest_skip(t, "no e1000 on this machine");
    return card != NULL;
}

static void send_frame(struct ktest *t, size_t length)
{
    KTEST_EXPECT_EQ(t, card->ops->transmit(card, frame, length), 0);
}

static size_t telemetry_frame(uint64_t sequence, uint8_t flags)
{
    uint8_t message[64];
    size_t length = telemetry_encode(message, sizeof(message), TELEMETRY_DATA, flags, sequence,
                                     arch_cycles(), (const uint8_t *)"loopback", 8);
    return net_build_udp(frame, sizeof(frame), &host, &us, 1, message, length);
}

static void the_ring_is_full_and_the_link_up(struct ktest *t)
{
    if (!have_card(t))
        return;
    struct netdev_counters c;
    card->ops->get_counters(card, &c);
    KTEST_EXPECT_TRUE(t, c.link_up);
    KTEST_EXPECT_EQ(t, c.rx_with_card, c.rx_ring_size - 1); /* one held back, always */
    KTEST_EXPECT_EQ(t, netdev_queued(card), 0u);
    KTEST_EXPECT_FALSE(t, card->mac[0] & 1);
}

static void an_arp_request_is_answered(struct ktest *t)
{
    if (!have_card(t))
        return;
    struct net_stats before, after;
    net_get_stats(&before);
    uint64_t handed = card->frames_handed;
    /* "Who has our address? Tell 10.0.2.2", broadcast as a host would send it. */
    struct net_packet request = {.source = host};
    net_build_arp_reply(frame, sizeof(frame), &host, &request); /* an ARP frame to adapt */
    memset(frame, 0xff, ETH_ADDRESS_LENGTH);
    store_be16(frame + 14 + 6, ARP_REQUEST);
    memset(frame + 14 + 18, 0, ETH_ADDRESS_LENGTH);
    store_be32(frame + 14 + 24, us.ip);
    send_frame(t, ETH_FRAME_MIN);
    KTEST_ASSERT_TRUE(t, wait_for_frames(handed, 1, WAIT_NS));
    net_get_stats(&after);
    KTEST_EXPECT_EQ(t, after.verdicts[NET_ARP_REQUEST], before.verdicts[NET_ARP_REQUEST] + 1);
    KTEST_EXPECT_EQ(t, after.arp_replies, before.arp_replies + 1);
    /* The reply goes to 52:54:00:00:00:02: back in loopback, the card filters it out. */
}

static void telemetry_is_received_and_acknowledged(struct ktest *t)
{
    if (!have_card(t))
        return;
    struct net_stats before, after;
    struct exclusive_errors errors_before, errors_after;
    net_get_stats(&before);
    exclusive_get_errors(&errors_before);
    uint64_t first = before.telemetry.received ? before.telemetry_highest + 1 : 0;
    uint64_t handed = card->frames_handed;
    for (uint64_t i = 0; i < 3; i++)
        send_frame(t, telemetry_frame(first + i, i == 2 ? TELEMETRY_FLAG_ACK_NOW : 0));
    KTEST_ASSERT_TRUE(t, wait_for_frames(handed, 3, WAIT_NS));
    net_get_stats(&after);
    KTEST_EXPECT_EQ(t, after.telemetry.received, before.telemetry.received + 3);
    KTEST_EXPECT_EQ(t, after.telemetry.bytes, before.telemetry.bytes + 3 * 8);
    KTEST_EXPECT_EQ(t, after.telemetry.missing, before.telemetry.missing);
    KTEST_EXPECT_EQ(t, after.telemetry_highest, first + 2);
    KTEST_EXPECT_EQ(t, after.acks, before.acks + 1); /* asked for by the last */
    /* Every frame went from the handler to the consumer and was freed by its new owner. */
    exclusive_get_errors(&errors_after);
    KTEST_EXPECT_EQ(t, errors_after.wrong_owner, errors_before.wrong_owner);
    KTEST_EXPECT_EQ(t, card->frames_taken, card->frames_handed);
}

/* One frame per cause, each counted under its own name. */
static void drops_are_counted_by_cause(struct ktest *t)
{
    if (!have_card(t))
        return;
    struct net_stats before, after;
    net_get_stats(&before);
    uint64_t handed = card->frames_handed;
    size_t length = telemetry_frame(0, 0);
    store_be16(frame + 12, 0x86dd); /* IPv6 */
    send_frame(t, length);
    length = telemetry_frame(0, 0);
    frame[14 + 10] ^= 0xff; /* the IP header checksum */
    send_frame(t, length);
    length = telemetry_frame(0, 0);
    frame[14 + 9] = 6; /* TCP, and the checksum made good */
    store_be16(frame + 14 + 10, 0);
    store_be16(frame + 14 + 10, inet_checksum(frame + 14, 20));
    send_frame(t, length);
    length = telemetry_frame(0, 0);
    frame[14 + 28 + 8] ^= 1; /* a payload bit: the UDP checksum */
    send_frame(t, length);
    KTEST_ASSERT_TRUE(t, wait_for_frames(handed, 4, WAIT_NS));
    net_get_stats(&after);
    KTEST_EXPECT_EQ(t, after.verdicts[NET_DROP_ETHERTYPE], before.verdicts[NET_DROP_ETHERTYPE] + 1);
    KTEST_EXPECT_EQ(t, after.verdicts[NET_DROP_IP_CHECKSUM],
                    before.verdicts[NET_DROP_IP_CHECKSUM] + 1);
    KTEST_EXPECT_EQ(t, after.verdicts[NET_DROP_PROTOCOL], before.verdicts[NET_DROP_PROTOCOL] + 1);
    KTEST_EXPECT_EQ(t, after.verdicts[NET_DROP_UDP_CHECKSUM],
                    before.verdicts[NET_DROP_UDP_CHECKSUM] + 1);
    KTEST_EXPECT_EQ(t, after.telemetry.received, before.telemetry.received);
}

/* The receive handler's own landing pads (irq_claim_pads), as the driver claimed them. */
static uint64_t card_claim(void)
{
    struct atomic_reserve_account account;
    context_t handler = irq_context_of(card->irq, card->driver);
    /* The account adds up every CPU's pads; a claim is made per CPU. */
    return atomic_reserve_get_account(handler, &account) == 0 ? account.claimed / smp_cpus_online()
                                                              : 0;
}

/* With every frame taken (the pads too, the card's claim given back first) the handler's
 * alloc_page fails: each packet is dropped and counted, its buffer goes straight back to the
 * card, and once memory returns the very next packet is received. */
static void without_memory_packets_are_dropped_and_the_ring_goes_on(struct ktest *t)
{
    if (!have_card(t))
        return;
    struct netdev_counters before, during, after;
    uint64_t claim = card_claim(); /* 0 on a machine too small for a claim (see the driver) */
    KTEST_ASSERT_EQ(t, irq_claim_pads(card->irq, card->driver, 0), 0);
    card->ops->get_counters(card, &before);
    uint64_t chain = 0;
    memhog_take(&chain, GFP_KERNEL);
    memhog_take_everywhere(&chain, GFP_ATOMIC, -1); /* the card's CPU's pads too */
    for (uint64_t i = 0; i < 8; i++)
        send_frame(t, telemetry_frame(1000000 + i, 0));
    uint64_t deadline = clock_uptime_ns() + WAIT_NS;
    do {
        card->ops->get_counters(card, &during);
        arch_irq_disable();
        arch_wait_for_interrupt();
    } while (during.recycled_no_frame < before.recycled_no_frame + 8 &&
             clock_uptime_ns() < deadline);
    memhog_release(&chain);
    KTEST_EXPECT_EQ(t, during.recycled_no_frame, before.recycled_no_frame + 8);
    KTEST_EXPECT_EQ(t, during.rx_refills, before.rx_refills);
    KTEST_EXPECT_EQ(t, during.rx_with_card, during.rx_ring_size - 1); /* nothing held up */
    KTEST_EXPECT_EQ(t, netdev_queued(card), 0u);

    uint64_t handed = card->frames_handed;
    struct net_stats stats;
    net_get_stats(&stats);
    send_frame(t, telemetry_frame(stats.telemetry_highest + 1, 0));
    KTEST_EXPECT_TRUE(t, wait_for_frames(handed, 1, WAIT_NS));
    card->ops->get_counters(card, &after);
    KTEST_EXPECT_EQ(t, after.rx_refills, before.rx_refills + 1);
    KTEST_EXPECT_EQ(t, after.recycled_no_frame, during.recycled_no_frame);
    if (claim)
        KTEST_EXPECT_EQ(t, irq_claim_pads(card->irq, card->driver, (uint32_t)claim), 0);
}

/* The claim carries the card through: with ordinary memory and the shared pads all taken,
 * packets still land in frames from the handler's own pads, none dropped for want of one. */
static void the_cards_claim_carries_it_when_memory_is_gone(struct ktest *t)
{
    if (!have_card(t))
        return;
    uint64_t claim = card_claim();
    if (claim < 4) {
        ktest_skip(t, "the card's claim is under 4 pads: the machine is too small");
        return;
    }
    struct netdev_counters before, during;
    card->ops->get_counters(card, &before);
    uint64_t handed = card->frames_handed, chain = 0;
    memhog_take(&chain, GFP_KERNEL);
    memhog_take_everywhere(&chain, GFP_ATOMIC, -1); /* every CPU's shared pads */
    struct net_stats stats;
    net_get_stats(&stats);
    for (uint64_t i = 0; i < 4; i++)
        send_frame(t, telemetry_frame(stats.telemetry_highest + 1 + i, 0));
    bool arrived = wait_for_frames(handed, 4, WAIT_NS);
    card->ops->get_counters(card, &during);
    memhog_release(&chain);
    KTEST_EXPECT_TRUE(t, arrived);
    KTEST_EXPECT_EQ(t, during.recycled_no_frame, before.recycled_no_frame);
    KTEST_EXPECT_EQ(t, during.rx_refills, before.rx_refills + 4);
}

static const struct ktest_case e1000_cases[] = {
        KTEST_CASE(the_ring_is_full_and_the_link_up),
        KTEST_CASE(an_arp_request_is_answered),
        KTEST_CASE(telemetry_is_received_and_acknowledged),
        KTEST_CASE(drops_are_counted_by_cause),
        KTEST_CASE(without_memory_packets_are_dropped_and_the_ring_goes_on),
        KTEST_CASE(the_cards_claim_carries_it_when_memory_is_gone),
        {},
};
KTEST_SUITE_FULL(e1000, e1000_cases, loopback_on, loopback_off);
