/* tests/host/net_test.c - lib/net.c on hand-made frames: checksums against known values,
 * every good case with every field it reports, and every drop cause, each from a frame that
 * is valid but for the one thing that cause names (checksums fixed after each change, so the
 * frame is not dropped for something else). Also the builders, and IPv4 text. */
#include <string.h>

#include "kernel/ktest.h"
#include "lib/byteorder.h"
#include "lib/net.h"

#define OUR_IP   0x0a00020fu /* 10.0.2.15 */
#define THEIR_IP 0x0a000202u /* 10.0.2.2 */

static const struct net_address us = {{0x52, 0x54, 0x00, 0x12, 0x34, 0x56}, OUR_IP, 5555};
static const struct net_address them = {{0x52, 0x54, 0x00, 0x00, 0x00, 0x02}, THEIR_IP, 40000};

/* Offsets in a frame net_build_udp wrote (no IP options). */
#define IP  14
#define UDP (14 + 20)

static uint8_t frame[2048];

static size_t good_udp(const char *payload)
{
    return net_build_udp(frame, sizeof(frame), &them, &us, 7, (const uint8_t *)payload,
                         strlen(payload));
}

static void fix_ip_checksum(void)
{
    size_t header = (size_t)(frame[IP] & 0x0f) * 4;
    store_be16(frame + IP + 10, 0);
    store_be16(frame + IP + 10, inet_checksum(frame + IP, header));
}

/* Recomputes the UDP checksum over the datagram the IP header describes. */
static void fix_udp_checksum(void)
{
    size_t udp_length = load_be16(frame + UDP + 4);
    uint8_t pseudo[12];
    memcpy(pseudo, frame + IP + 12, 8);
    pseudo[8] = 0;
    pseudo[9] = 17;
    store_be16(pseudo + 10, (uint16_t)udp_length);
    store_be16(frame + UDP + 6, 0);
    uint16_t sum = inet_checksum_finish(
            inet_checksum_add(inet_checksum_add(0, pseudo, 12), frame + UDP, udp_length));
    store_be16(frame + UDP + 6, sum ? sum : 0xffff);
}

static enum net_verdict parse(size_t length)
{
    struct net_packet packet;
    return net_parse(frame, length, OUR_IP, &packet);
}

static void checksum_matches_known_values(struct ktest *t)
{
    static const uint8_t rfc1071[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    KTEST_EXPECT_EQ(t, inet_checksum(rfc1071, sizeof(rfc1071)), 0x220d);
    /* An IPv4 header with its checksum (0xb861) left out, then in place. */
    uint8_t header[20] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                          0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
    KTEST_EXPECT_EQ(t, inet_checksum(header, 20), 0xb861);
    store_be16(header + 10, 0xb861);
    KTEST_EXPECT_EQ(t, inet_checksum(header, 20), 0);
    /* An odd length pads the last byte with zero: 0x0102 + 0x0300. */
    static const uint8_t odd[] = {0x01, 0x02, 0x03};
    KTEST_EXPECT_EQ(t, inet_checksum(odd, 3), (uint16_t)~0x0402);
    /* Carries wrap around: 0xffff + 0x0001 is 0x0001 in one's complement. */
    static const uint8_t carry[] = {0xff, 0xff, 0x00, 0x01};
    KTEST_EXPECT_EQ(t, inet_checksum(carry, 4), (uint16_t)~0x0001);
    KTEST_EXPECT_EQ(t, inet_checksum(NULL, 0), 0xffff);
}

/* "hello" from 10.0.2.2:40000 to 10.0.2.15:5555 has UDP checksum 0xf1fd (worked out by an
 * independent Python implementation). */
static void udp_checksum_matches_a_known_value(struct ktest *t)
{
    size_t length = good_udp("hello");
    KTEST_ASSERT_EQ(t, length, 60u); /* 47 bytes, padded */
    KTEST_EXPECT_EQ(t, load_be16(frame + UDP + 6), 0xf1fd);
    KTEST_EXPECT_EQ(t, load_be16(frame + IP + 2), 20 + 8 + 5);
    KTEST_EXPECT_EQ(t, inet_checksum(frame + IP, 20), 0);
    for (size_t i = 14 + 20 + 8 + 5; i < length; i++)
        KTEST_EXPECT_EQ(t, frame[i], 0);
}

static void udp_to_us_is_accepted_with_every_field(struct ktest *t)
{
    size_t length = good_udp("telemetry!");
    struct net_packet packet;
    KTEST_ASSERT_EQ(t, (int)net_parse(frame, length, OUR_IP, &packet), (int)NET_UDP);
    KTEST_EXPECT_EQ(t, (int)packet.verdict, (int)NET_UDP);
    KTEST_EXPECT_EQ(t, packet.source.ip, THEIR_IP);
    KTEST_EXPECT_EQ(t, packet.source.port, 40000);
    KTEST_EXPECT_EQ(t, memcmp(packet.source.mac, them.mac, 6), 0);
    KTEST_EXPECT_EQ(t, packet.destination.ip, OUR_IP);
    KTEST_EXPECT_EQ(t, packet.destination.port, 5555);
    KTEST_EXPECT_EQ(t, memcmp(packet.destination.mac, us.mac, 6), 0);
    KTEST_EXPECT_EQ(t, packet.payload_length, 10u);
    KTEST_EXPECT_EQ(t, (uintptr_t)packet.payload, (uintptr_t)(frame + UDP + 8));
    KTEST_EXPECT_EQ(t, memcmp(packet.payload, "telemetry!", 10), 0);
}

static void udp_without_checksum_and_empty_udp_are_accepted(struct ktest *t)
{
    size_t length = good_udp("no sum");
    store_be16(frame + UDP + 6, 0); /* the sender computed none */
    KTEST_EXPECT_EQ(t, (int)parse(length), (int)NET_UDP);
    struct net_packet packet;
    length = good_udp("");
    KTEST_EXPECT_EQ(t, (int)net_parse(frame, length, OUR_IP, &packet), (int)NET_UDP);
    KTEST_EXPECT_EQ(t, packet.payload_length, 0u);
    /* The largest datagram one frame holds. */
    static uint8_t big[UDP_PAYLOAD_MAX];
    memset(big, 0x5a, sizeof(big));
    length = net_build_udp(frame, sizeof(frame), &them, &us, 1, big, sizeof(big));
    KTEST_EXPECT_EQ(t, length, (size_t)ETH_FRAME_MAX);
    KTEST_EXPECT_EQ(t, (int)net_parse(frame, length, OUR_IP, &packet), (int)NET_UDP);
    KTEST_EXPECT_EQ(t, packet.payload_length, (size_t)UDP_PAYLOAD_MAX);
}

/* An ARP request as a host sends it: broadcast, "who has 10.0.2.15? tell 10.0.2.2". */
static size_t arp_request(uint32_t target, uint16_t operation)
{
    memset(frame, 0, ETH_FRAME_MIN);
    memset(frame, 0xff, 6);
    memcpy(frame + 6, them.mac, 6);
    store_be16(frame + 12, ETHERTYPE_ARP);
    uint8_t *arp = frame + 14;
    store_be16(arp, 1);
    store_be16(arp + 2, ETHERTYPE_IPV4);
    arp[4] = 6;
    arp[5] = 4;
    store_be16(arp + 6, operation);
    memcpy(arp + 8, them.mac, 6);
    store_be32(arp + 14, THEIR_IP);
    store_be32(arp + 24, target);
    return ETH_FRAME_MIN;
}

static void arp_request_for_us_is_answered(struct ktest *t)
{
    struct net_packet request;
    size_t length = arp_request(OUR_IP, ARP_REQUEST);
    KTEST_ASSERT_EQ(t, (int)net_parse(frame, length, OUR_IP, &request), (int)NET_ARP_REQUEST);
    KTEST_EXPECT_EQ(t, request.source.ip, THEIR_IP);
    KTEST_EXPECT_EQ(t, memcmp(request.source.mac, them.mac, 6), 0);

    uint8_t reply[ETH_FRAME_MIN];
    KTEST_ASSERT_EQ(t, net_build_arp_reply(reply, sizeof(reply), &us, &request),
                    (size_t)ETH_FRAME_MIN);
    KTEST_EXPECT_EQ(t, memcmp(reply, them.mac, 6), 0); /* to the asker, not broadcast */
    KTEST_EXPECT_EQ(t, memcmp(reply + 6, us.mac, 6), 0);
    KTEST_EXPECT_EQ(t, load_be16(reply + 12), ETHERTYPE_ARP);
    KTEST_EXPECT_EQ(t, load_be16(reply + 14 + 6), ARP_REPLY);
    KTEST_EXPECT_EQ(t, memcmp(reply + 14 + 8, us.mac, 6), 0);
    KTEST_EXPECT_EQ(t, load_be32(reply + 14 + 14), OUR_IP);
    KTEST_EXPECT_EQ(t, memcmp(reply + 14 + 18, them.mac, 6), 0);
    KTEST_EXPECT_EQ(t, load_be32(reply + 14 + 24), THEIR_IP);
    KTEST_EXPECT_EQ(t, net_build_arp_reply(reply, 59, &us, &request), 0u);
}

static void arp_drops(struct ktest *t)
{
    KTEST_EXPECT_EQ(t, (int)parse(arp_request(0x0a000263, ARP_REQUEST)), (int)NET_DROP_NOT_FOR_US);
    KTEST_EXPECT_EQ(t, (int)parse(arp_request(OUR_IP, ARP_REPLY)), (int)NET_DROP_ARP_OTHER);
    size_t length = arp_request(OUR_IP, ARP_REQUEST);
    frame[14 + 4] = 8; /* hardware addresses of 8 bytes: not Ethernet */
    KTEST_EXPECT_EQ(t, (int)parse(length), (int)NET_DROP_ARP_MALFORMED);
    length = arp_request(OUR_IP, ARP_REQUEST);
    store_be16(frame + 14 + 2, 0x86dd); /* IPv6 protocol addresses */
    KTEST_EXPECT_EQ(t, (int)parse(length), (int)NET_DROP_ARP_MALFORMED);
}

static void runts_and_oversize_frames_are_dropped(struct ktest *t)
{
    size_t length = good_udp("x");
    KTEST_EXPECT_EQ(t, (int)parse(length), (int)NET_UDP);
    KTEST_EXPECT_EQ(t, (int)parse(ETH_FRAME_MIN - 1), (int)NET_DROP_RUNT);
    KTEST_EXPECT_EQ(t, (int)parse(14), (int)NET_DROP_RUNT);
    KTEST_EXPECT_EQ(t, (int)parse(0), (int)NET_DROP_RUNT);
    static uint8_t big[UDP_PAYLOAD_MAX];
    length = net_build_udp(frame, sizeof(frame), &them, &us, 1, big, sizeof(big));
    KTEST_EXPECT_EQ(t, (int)parse(length + 1), (int)NET_DROP_OVERSIZE);
    KTEST_EXPECT_EQ(t, (int)parse(1518),
                    (int)NET_DROP_OVERSIZE); /* room for a VLAN tag: not taken */
}

static void other_ethertypes_are_dropped(struct ktest *t)
{
    static const uint16_t types[] = {0x86dd, 0x8100, 0x88cc, 0x0000, 0x05dc};
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        size_t length = good_udp("x");
        store_be16(frame + 12, types[i]);
        KTEST_EXPECT_EQ(t, (int)parse(length), (int)NET_DROP_ETHERTYPE);
    }
}

static void bad_ip_headers_are_dropped(struct ktest *t)
{
    size_t length = good_udp("x");
    frame[IP] = 0x65; /* version 6 */
    fix_ip_checksum();
    KTEST_EXPECT_EQ(t, (int)parse(length), (int)NET_DROP_IP_HEADER);
    length = good_udp("x");
    frame[IP] = 0x44; /* IHL 4: shorter than any header */
    KTEST_EXPECT_EQ(t, (int)parse(length), (int)NET_DROP_IP_HEADER);
    length = good_udp("x");
    frame[IP] = 0x4f; /* IHL 15: 60 bytes, past the end of a 60-byte frame */
    KTEST_EXPECT_EQ(t, (int)parse(length), (int)NET_DROP_IP_HEADER);
    length = good_udp("x");
    frame[IP + 10] ^= 0x01;
    KTEST_EXPECT_EQ(t, (int)parse(length), (int)NET_DROP_IP_CHECKSUM);
    length = good_udp("x");
    frame[IP + 12] ^= 0x80; /* the source changed, the checksum not */
    KTEST_EXPECT_EQ(t, (int)parse(length), (int)NET_DROP_IP_CHECKSUM);
}

static void ip_options_are_skipped(struct ktest *t)
{
    /* Rebuild the datagram with 4 bytes of options (a NOP... list) after the header. */
    size_t length = good_udp("options");
    memmove(frame + UDP + 4, frame + UDP, length - UDP);
    memset(frame + UDP, 0x01, 4);
    frame[IP] = 0x46;
    store_be16(frame + IP + 2, (uint16_t)(load_be16(frame + IP + 2) + 4));
    fix_ip_checksum();
    struct net_packet packet;
    KTEST_EXPECT_EQ(t, (int)net_parse(frame, length + 4, OUR_IP, &packet), (int)NET_UDP);
    KTEST_EXPECT_EQ(t, packet.payload_length, 7u);
    KTEST_EXPECT_EQ(t, memcmp(packet.payload, "options", 7), 0);
}

static void inconsistent_ip_lengths_are_dropped(struct ktest *t)
{
    size_t length = good_udp("0123456789012345678901234567890123456789");
    store_be16(frame + IP + 2, (uint16_t)(length - 14 + 1)); /* one byte past the frame */
    fix_ip_checksum();
    KTEST_EXPECT_EQ(t, (int)parse(length), (int)NET_DROP_IP_LENGTH);
    length = good_udp("x");
    store_be16(frame + IP + 2, 19); /* shorter than its own header */
    fix_ip_checksum();
    KTEST_EXPECT_EQ(t, (int)parse(length), (int)NET_DROP_IP_LENGTH);
}

static void fragments_are_dropped(struct ktest *t)
{
    static const uint16_t fields[] = {0x2000, 0x0001, 0x2010, 0x1fff, 0x6000};
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        size_t length = good_udp("x");
        store_be16(frame + IP + 6, fields[i]);
        fix_ip_checksum();
        KTEST_EXPECT_EQ(t, (int)parse(length), (int)NET_DROP_FRAGMENT);
    }
    size_t length = good_udp("x");
    store_be16(frame + IP + 6, 0x0000); /* DF clear, not a fragment: fine */
    fix_ip_checksum();
    KTEST_EXPECT_EQ(t, (int)parse(length), (int)NET_UDP);
}

static void datagrams_for_others_are_dropped(struct ktest *t)
{
    size_t length = good_udp("x");
    store_be32(frame + IP + 16, 0x0a000210);
    fix_ip_checksum();
    fix_udp_checksum();
    KTEST_EXPECT_EQ(t, (int)parse(length), (int)NET_DROP_NOT_FOR_US);
    length = good_udp("x");
    store_be32(frame + IP + 16, 0xffffffff); /* broadcast: nobody here listens to it */
    fix_ip_checksum();
    KTEST_EXPECT_EQ(t, (int)parse(length), (int)NET_DROP_NOT_FOR_US);
}

static void other_protocols_are_dropped(struct ktest *t)
{
    static const uint8_t protocols[] = {1, 6, 58, 0, 255};
    for (size_t i = 0; i < sizeof(protocols); i++) {
        size_t length = good_udp("x");
        frame[IP + 9] = protocols[i];
        fix_ip_checksum();
        KTEST_EXPECT_EQ(t, (int)parse(length), (int)NET_DROP_PROTOCOL);
    }
}

static void bad_udp_is_dropped(struct ktest *t)
{
    size_t length = good_udp("x");
    store_be16(frame + IP + 2, 20 + 7); /* the IP payload is 7 bytes: no room for a header */
    fix_ip_checksum();
    KTEST_EXPECT_EQ(t, (int)parse(length), (int)NET_DROP_UDP_TRUNCATED);
    length = good_udp("x");
    store_be16(frame + IP + 2, 20); /* no IP payload at all */
    fix_ip_checksum();
    KTEST_EXPECT_EQ(t, (int)parse(length), (int)NET_DROP_UDP_TRUNCATED);

    length = good_udp("abcdef");
    store_be16(frame + UDP + 4, 8 + 5); /* says 5 bytes of data, the IP payload holds 6 */
    fix_udp_checksum();
    KTEST_EXPECT_EQ(t, (int)parse(length), (int)NET_DROP_UDP_LENGTH);
    length = good_udp("abcdef");
    store_be16(frame + UDP + 4, 8 + 7);
    KTEST_EXPECT_EQ(t, (int)parse(length), (int)NET_DROP_UDP_LENGTH);
    length = good_udp("abcdef");
    store_be16(frame + UDP + 4, 7); /* shorter than its own header */
    KTEST_EXPECT_EQ(t, (int)parse(length), (int)NET_DROP_UDP_LENGTH);

    length = good_udp("abcdef");
    frame[UDP + 8] ^= 0x20; /* one payload bit flipped */
    KTEST_EXPECT_EQ(t, (int)parse(length), (int)NET_DROP_UDP_CHECKSUM);
    length = good_udp("abcdef");
    store_be16(frame + UDP + 2, 5556); /* the port is covered too */
    KTEST_EXPECT_EQ(t, (int)parse(length), (int)NET_DROP_UDP_CHECKSUM);
}

static void a_computed_zero_checksum_is_sent_as_ffff(struct ktest *t)
{
    /* Search payloads for one whose checksum comes out 0: it must go out as 0xffff (0 means
     * "no checksum") and still verify. */
    uint8_t payload[2] = {0, 0};
    for (unsigned int value = 0; value <= 0xffff; value++) {
        store_be16(payload, (uint16_t)value);
        size_t length = net_build_udp(frame, sizeof(frame), &them, &us, 7, payload, 2);
        if (load_be16(frame + UDP + 6) != 0xffff)
            continue;
        KTEST_EXPECT_EQ(t, (int)parse(length), (int)NET_UDP);
        return;
    }
    KTEST_EXPECT_TRUE(t, false); /* some 16-bit payload always sums to zero */
}

static void builders_refuse_what_does_not_fit(struct ktest *t)
{
    static uint8_t big[UDP_PAYLOAD_MAX + 1];
    KTEST_EXPECT_EQ(t, net_build_udp(frame, sizeof(frame), &them, &us, 1, big, sizeof(big)), 0u);
    KTEST_EXPECT_EQ(t, net_build_udp(frame, 59, &them, &us, 1, big, 0), 0u);
    KTEST_EXPECT_EQ(t, net_build_udp(frame, 60, &them, &us, 1, big, 18), 60u);
    KTEST_EXPECT_EQ(t, net_build_udp(frame, 60, &them, &us, 1, big, 19), 0u);
}

static void verdicts_have_names(struct ktest *t)
{
    KTEST_EXPECT_STREQ(t, net_verdict_name(NET_UDP), "udp");
    KTEST_EXPECT_STREQ(t, net_verdict_name(NET_DROP_NOT_FOR_US), "not for us");
    KTEST_EXPECT_STREQ(t, net_verdict_name(NET_VERDICTS), "?");
    for (int v = 0; v < NET_VERDICTS; v++)
        KTEST_EXPECT_NE(t, strcmp(net_verdict_name((enum net_verdict)v), "?"), 0);
}

static void ipv4_text(struct ktest *t)
{
    uint32_t ip = 0;
    KTEST_EXPECT_TRUE(t, net_parse_ipv4("10.0.2.15", &ip));
    KTEST_EXPECT_EQ(t, ip, OUR_IP);
    KTEST_EXPECT_TRUE(t, net_parse_ipv4("255.255.255.255", &ip));
    KTEST_EXPECT_EQ(t, ip, 0xffffffffu);
    KTEST_EXPECT_TRUE(t, net_parse_ipv4("0.0.0.0", &ip));
    KTEST_EXPECT_EQ(t, ip, 0u);
    static const char *const bad[] = {"",           "10.0.2",     "10.0.2.15.1", "256.0.0.1",
                                      "10.0.2.015", "10..2.15",   "10.0.2.15 ",  "a.b.c.d",
                                      "10.0.2.-1",  "1000.0.0.1", "10.0.2.",     ".10.0.2"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ip = 12345;
        KTEST_EXPECT_FALSE(t, net_parse_ipv4(bad[i], &ip));
        KTEST_EXPECT_EQ(t, ip, 12345u); /* untouched */
    }
    KTEST_EXPECT_TRUE(t, net_ipv4_is_unicast(OUR_IP));
    KTEST_EXPECT_TRUE(t, net_ipv4_is_unicast(0xc0a80101u));
    KTEST_EXPECT_FALSE(t, net_ipv4_is_unicast(0));
    KTEST_EXPECT_FALSE(t, net_ipv4_is_unicast(0x7f000001u));
    KTEST_EXPECT_FALSE(t, net_ipv4_is_unicast(0xe0000001u));
    KTEST_EXPECT_FALSE(t, net_ipv4_is_unicast(0xffffffffu));
}

static const struct ktest_case net_cases[] = {
        KTEST_CASE(checksum_matches_known_values),
        KTEST_CASE(udp_checksum_matches_a_known_value),
        KTEST_CASE(udp_to_us_is_accepted_with_every_field),
        KTEST_CASE(udp_without_checksum_and_empty_udp_are_accepted),
        KTEST_CASE(arp_request_for_us_is_answered),
        KTEST_CASE(arp_drops),
        KTEST_CASE(runts_and_oversize_frames_are_dropped),
        KTEST_CASE(other_ethertypes_are_dropped),
        KTEST_CASE(bad_ip_headers_are_dropped),
        KTEST_CASE(ip_options_are_skipped),
        KTEST_CASE(inconsistent_ip_lengths_are_dropped),
        KTEST_CASE(fragments_are_dropped),
        KTEST_CASE(datagrams_for_others_are_dropped),
        KTEST_CASE(other_protocols_are_dropped),
        KTEST_CASE(bad_udp_is_dropped),
        KTEST_CASE(a_computed_zero_checksum_is_sent_as_ffff),
        KTEST_CASE(builders_refuse_what_does_not_fit),
        KTEST_CASE(verdicts_have_names),
        KTEST_CASE(ipv4_text),
        {},
};
KTEST_SUITE(net, net_cases);
