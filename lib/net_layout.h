/* lib/net_layout.h - where each field sits in the headers lib/net.c parses and
 * lib/net_build.c writes (private to those two files). Offsets are from the start of each
 * header; every field is big-endian on the wire.
 */
#ifndef LIB_NET_LAYOUT_H
#define LIB_NET_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

/* Ethernet II */
#define ETH_DESTINATION 0
#define ETH_SOURCE      6
#define ETH_TYPE        12

/* ARP for Ethernet hardware and IPv4 protocol addresses (RFC 826) */
#define ARP_HARDWARE_TYPE     0
#define ARP_PROTOCOL_TYPE     2
#define ARP_HARDWARE_LENGTH   4
#define ARP_PROTOCOL_LENGTH   5
#define ARP_OPERATION         6
#define ARP_SENDER_MAC        8
#define ARP_SENDER_IP         14
#define ARP_TARGET_MAC        18
#define ARP_TARGET_IP         24
#define ARP_HARDWARE_ETHERNET 1

/* IPv4 (RFC 791) */
#define IP_VERSION_IHL     0 /* version in the high nibble, header length in words in the low */
#define IP_TOS             1
#define IP_TOTAL_LENGTH    2
#define IP_IDENTIFICATION  4
#define IP_FRAGMENT        6 /* flags in the top 3 bits, offset in 8-byte units below */
#define IP_TTL             8
#define IP_PROTOCOL        9
#define IP_CHECKSUM        10
#define IP_SOURCE          12
#define IP_DESTINATION     16
#define IP_DONT_FRAGMENT   0x4000
#define IP_MORE_FRAGMENTS  0x2000
#define IP_FRAGMENT_OFFSET 0x1fff

/* UDP (RFC 768) */
#define UDP_SOURCE_PORT      0
#define UDP_DESTINATION_PORT 2
#define UDP_LENGTH           4
#define UDP_CHECKSUM         6

/* The UDP checksum over the pseudo-header (source, destination, protocol, length) and the
 * datagram at udp[0 .. length): 0 when a datagram whose checksum field is filled in adds
 * up; over a datagram whose checksum field is 0, the value to put there (0 means 0xffff on
 * the wire). */
uint16_t net_udp_checksum(uint32_t source, uint32_t destination, const uint8_t *udp, size_t length);

#endif
