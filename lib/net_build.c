/* lib/net_build.c - writing the frames Labyrinth sends: ARP replies and UDP datagrams, each
 * header field by field, checksums computed, short frames padded to the Ethernet minimum. */
#include "lib/byteorder.h"
#include "lib/net.h"
#include "lib/net_layout.h"

static void copy_bytes(uint8_t *to, const uint8_t *from, size_t count)
{
    for (size_t i = 0; i < count; i++)
        to[i] = from[i];
}

static void put_ethernet(uint8_t *frame, const uint8_t *destination, const uint8_t *source,
                         uint16_t type)
{
    copy_bytes(frame + ETH_DESTINATION, destination, ETH_ADDRESS_LENGTH);
    copy_bytes(frame + ETH_SOURCE, source, ETH_ADDRESS_LENGTH);
    store_be16(frame + ETH_TYPE, type);
}

/* Zero-fills up to the Ethernet minimum (a card pads too, but then the length we report
 * and the bytes on the wire would differ). Returns the padded length. */
static size_t pad(uint8_t *frame, size_t length)
{
    while (length < ETH_FRAME_MIN)
        frame[length++] = 0;
    return length;
}

static size_t padded_length(size_t length)
{
    return length < ETH_FRAME_MIN ? ETH_FRAME_MIN : length;
}

size_t net_build_arp_reply(uint8_t *frame, size_t size, const struct net_address *us,
                           const struct net_packet *request)
{
    size_t length = ETH_HEADER_LENGTH + ARP_PACKET_LENGTH;
    if (padded_length(length) > size)
        return 0;
    put_ethernet(frame, request->source.mac, us->mac, ETHERTYPE_ARP);
    uint8_t *arp = frame + ETH_HEADER_LENGTH;
    store_be16(arp + ARP_HARDWARE_TYPE, ARP_HARDWARE_ETHERNET);
    store_be16(arp + ARP_PROTOCOL_TYPE, ETHERTYPE_IPV4);
    arp[ARP_HARDWARE_LENGTH] = ETH_ADDRESS_LENGTH;
    arp[ARP_PROTOCOL_LENGTH] = 4;
    store_be16(arp + ARP_OPERATION, ARP_REPLY);
    copy_bytes(arp + ARP_SENDER_MAC, us->mac, ETH_ADDRESS_LENGTH);
    store_be32(arp + ARP_SENDER_IP, us->ip);
    copy_bytes(arp + ARP_TARGET_MAC, request->source.mac, ETH_ADDRESS_LENGTH);
    store_be32(arp + ARP_TARGET_IP, request->source.ip);
    return pad(frame, length);
}

static void put_ipv4(uint8_t *ip, const struct net_address *from, const struct net_address *to,
                     uint16_t ip_id, size_t total)
{
    ip[IP_VERSION_IHL] = 0x45; /* version 4, 5 words of header: no options */
    ip[IP_TOS] = 0;
    store_be16(ip + IP_TOTAL_LENGTH, (uint16_t)total);
    store_be16(ip + IP_IDENTIFICATION, ip_id);
    store_be16(ip + IP_FRAGMENT, IP_DONT_FRAGMENT);
    ip[IP_TTL] = IPV4_DEFAULT_TTL;
    ip[IP_PROTOCOL] = IP_PROTOCOL_UDP;
    store_be16(ip + IP_CHECKSUM, 0);
    store_be32(ip + IP_SOURCE, from->ip);
    store_be32(ip + IP_DESTINATION, to->ip);
    store_be16(ip + IP_CHECKSUM, inet_checksum(ip, IPV4_HEADER_MIN));
}

static void put_udp(uint8_t *udp, const struct net_address *from, const struct net_address *to,
                    const uint8_t *payload, size_t length)
{
    size_t udp_length = UDP_HEADER_LENGTH + length;
    store_be16(udp + UDP_SOURCE_PORT, from->port);
    store_be16(udp + UDP_DESTINATION_PORT, to->port);
    store_be16(udp + UDP_LENGTH, (uint16_t)udp_length);
    store_be16(udp + UDP_CHECKSUM, 0);
    copy_bytes(udp + UDP_HEADER_LENGTH, payload, length);
    uint16_t checksum = net_udp_checksum(from->ip, to->ip, udp, udp_length);
    store_be16(udp + UDP_CHECKSUM, checksum ? checksum : 0xffff); /* 0 would mean "none" */
}

size_t net_build_udp(uint8_t *frame, size_t size, const struct net_address *from,
                     const struct net_address *to, uint16_t ip_id, const uint8_t *payload,
                     size_t length)
{
    if (length > UDP_PAYLOAD_MAX)
        return 0;
    size_t total = IPV4_HEADER_MIN + UDP_HEADER_LENGTH + length;
    if (padded_length(ETH_HEADER_LENGTH + total) > size)
        return 0;
    put_ethernet(frame, to->mac, from->mac, ETHERTYPE_IPV4);
    uint8_t *ip = frame + ETH_HEADER_LENGTH;
    put_ipv4(ip, from, to, ip_id, total);
    put_udp(ip + IPV4_HEADER_MIN, from, to, payload, length);
    return pad(frame, ETH_HEADER_LENGTH + total);
}
