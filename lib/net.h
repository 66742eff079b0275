/* lib/net.h - Ethernet, ARP, IPv4 and UDP as bytes on the wire: net_parse classifies a
 * received frame (what it is, or the one reason it is dropped), the builders write the two
 * kinds of frame Labyrinth sends (an ARP reply, a UDP datagram), and the Internet checksum
 * that IPv4 and UDP share. Pure C over byte arrays: every field is read and written with
 * lib/byteorder.h, never through a cast to a struct, so no access is ever unaligned.
 *
 * Addresses are numbers in host order (10.0.2.15 is 0x0a00020f); MAC addresses are 6 bytes.
 */
#ifndef LIB_NET_H
#define LIB_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ETH_ADDRESS_LENGTH 6
#define ETH_HEADER_LENGTH  14   /* destination, source, ethertype */
#define ETH_FRAME_MIN      60   /* the shortest frame, without its 4-byte FCS (64 with it) */
#define ETH_FRAME_MAX      1514 /* the longest untagged frame without its FCS */
#define ETHERTYPE_IPV4     0x0800
#define ETHERTYPE_ARP      0x0806

#define ARP_PACKET_LENGTH 28 /* Ethernet/IPv4 ARP: 8 bytes of header, two (MAC, IP) pairs */
#define ARP_REQUEST       1
#define ARP_REPLY         2

#define IPV4_HEADER_MIN  20
#define IP_PROTOCOL_UDP  17
#define IPV4_DEFAULT_TTL 64

#define UDP_HEADER_LENGTH 8
/* The most UDP payload one untagged frame carries: 1514 - 14 - 20 - 8. */
#define UDP_PAYLOAD_MAX   (ETH_FRAME_MAX - ETH_HEADER_LENGTH - IPV4_HEADER_MIN - UDP_HEADER_LENGTH)

/* What a received frame is. The good cases first; every other value names the first rule
 * the frame broke, in the order net_parse checks them. */
enum net_verdict {
    NET_ARP_REQUEST,        /* an Ethernet/IPv4 ARP request for our address: answer it */
    NET_UDP,                /* a UDP datagram to our address, intact */
    NET_DROP_RUNT,          /* shorter than ETH_FRAME_MIN */
    NET_DROP_OVERSIZE,      /* longer than ETH_FRAME_MAX */
    NET_DROP_ETHERTYPE,     /* neither IPv4 nor ARP (VLAN tags and IPv6 included) */
    NET_DROP_ARP_MALFORMED, /* ARP, but not Ethernet hardware and IPv4 protocol addresses */
    NET_DROP_ARP_OTHER,     /* a well-formed ARP that is not a request (we keep no cache) */
    NET_DROP_IP_HEADER,     /* version not 4, or IHL below 5 or past the frame's end */
    NET_DROP_IP_CHECKSUM,   /* the IPv4 header checksum does not add up */
    NET_DROP_IP_LENGTH,     /* total length shorter than the header or longer than the frame */
    NET_DROP_FRAGMENT,      /* more-fragments set or a fragment offset: not reassembled */
    NET_DROP_NOT_FOR_US,    /* IPv4 destination, or the ARP target, is not our address */
    NET_DROP_PROTOCOL,      /* IPv4, for us, but not UDP */
    NET_DROP_UDP_TRUNCATED, /* the IP payload is shorter than a UDP header */
    NET_DROP_UDP_LENGTH,    /* the UDP length field differs from the IP payload's length */
    NET_DROP_UDP_CHECKSUM,  /* a UDP checksum is present (nonzero) and does not add up */
    NET_VERDICTS
};

/* One end of a conversation. */
struct net_address {
    uint8_t mac[ETH_ADDRESS_LENGTH];
    uint32_t ip;
    uint16_t port; /* UDP only */
};

/* What net_parse found. Which fields are set depends on the verdict:
 * NET_ARP_REQUEST: source is the asker (from the ARP body), destination.ip is ours.
 * NET_UDP: source and destination with MACs, addresses and ports; payload points into the
 *          frame, payload_length bytes (0 is allowed).
 * Drops: nothing beyond the verdict is promised. */
struct net_packet {
    enum net_verdict verdict;
    struct net_address source, destination;
    const uint8_t *payload;
    size_t payload_length;
};

/* Classifies the frame (without its FCS) at frame[0 .. length) for the host whose IPv4
 * address is our_ip, and returns the verdict (also in packet->verdict). It reads only
 * inside the frame, whatever the frame says about its own lengths. UDP checksums are
 * verified when present; a zero checksum means the sender computed none. Pure; any
 * context. */
enum net_verdict net_parse(const uint8_t *frame, size_t length, uint32_t our_ip,
                           struct net_packet *packet);

/* A short name for a verdict ("runt", "ip checksum", "udp"...), "?" for other values. */
const char *net_verdict_name(enum net_verdict verdict);

/* The Internet checksum (RFC 1071): the one's complement of the one's complement sum of the
 * data as 16-bit big-endian words, an odd last byte padded with zero. Over data whose
 * checksum field holds the right value the result is 0. */
uint16_t inet_checksum(const uint8_t *data, size_t length);

/* The same sum in pieces: start at 0, add each piece (all but the last of even length),
 * then inet_checksum_finish gives the checksum. */
uint32_t inet_checksum_add(uint32_t sum, const uint8_t *data, size_t length);
uint16_t inet_checksum_finish(uint32_t sum);

/* Writes the ARP reply to a request net_parse classified as NET_ARP_REQUEST, from `us`
 * (our MAC and IP) to the asker, padded to ETH_FRAME_MIN. Returns the frame's length, or 0
 * when size is too small. */
size_t net_build_arp_reply(uint8_t *frame, size_t size, const struct net_address *us,
                           const struct net_packet *request);

/* Writes an Ethernet frame carrying an IPv4 datagram (TTL 64, don't-fragment, identification
 * ip_id) carrying UDP from `from` to `to` with the payload and a UDP checksum, padded to
 * ETH_FRAME_MIN. Returns the frame's length, or 0 when the payload exceeds UDP_PAYLOAD_MAX
 * or the frame does not fit in size. */
size_t net_build_udp(uint8_t *frame, size_t size, const struct net_address *from,
                     const struct net_address *to, uint16_t ip_id, const uint8_t *payload,
                     size_t length);

/* Reads dotted-quad IPv4 text ("10.0.2.15": four decimal numbers 0-255, no leading zeros
 * beyond a lone 0, nothing else). Returns true and sets *ip, or false. */
bool net_parse_ipv4(const char *text, uint32_t *ip);

/* True for an address a host may take as its own: not 0.0.0.0, not loopback (127/8), not
 * multicast or reserved (224/3 and up, the broadcast address among them). */
bool net_ipv4_is_unicast(uint32_t ip);

#endif
