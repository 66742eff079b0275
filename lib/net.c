/* lib/net.c - classifying received frames, layer by layer (Ethernet, then ARP or IPv4, then
 * UDP), each check reading only bytes the frame has; the Internet checksum; IPv4 text. */
#include "lib/net.h"

#include "lib/byteorder.h"
#include "lib/net_layout.h"

uint32_t inet_checksum_add(uint32_t sum, const uint8_t *data, size_t length)
{
    uint64_t total = sum;
    size_t i;
    for (i = 0; i + 1 < length; i += 2)
        total += load_be16(data + i);
    if (i < length)
        total += (uint32_t)data[i] << 8; /* an odd last byte is the high half of a word */
    while (total >> 16)
        total = (total & 0xffff) + (total >> 16); /* carries wrap around: one's complement */
    return (uint32_t)total;
}

uint16_t inet_checksum_finish(uint32_t sum)
{
    return (uint16_t)~inet_checksum_add(sum, NULL, 0);
}

uint16_t inet_checksum(const uint8_t *data, size_t length)
{
    return inet_checksum_finish(inet_checksum_add(0, data, length));
}

uint16_t net_udp_checksum(uint32_t source, uint32_t destination, const uint8_t *udp, size_t length)
{
    uint8_t pseudo[12];
    store_be32(pseudo, source);
    store_be32(pseudo + 4, destination);
    pseudo[8] = 0;
    pseudo[9] = IP_PROTOCOL_UDP;
    store_be16(pseudo + 10, (uint16_t)length);
    return inet_checksum_finish(inet_checksum_add(inet_checksum_add(0, pseudo, 12), udp, length));
}

static void copy_mac(uint8_t *to, const uint8_t *from)
{
    for (int i = 0; i < ETH_ADDRESS_LENGTH; i++)
        to[i] = from[i];
}

/* The frame is at least ETH_FRAME_MIN long, so the 28 bytes of an ARP packet are there. */
static enum net_verdict parse_arp(const uint8_t *arp, uint32_t our_ip, struct net_packet *packet)
{
    if (load_be16(arp + ARP_HARDWARE_TYPE) != ARP_HARDWARE_ETHERNET ||
        load_be16(arp + ARP_PROTOCOL_TYPE) != ETHERTYPE_IPV4 ||
        arp[ARP_HARDWARE_LENGTH] != ETH_ADDRESS_LENGTH || arp[ARP_PROTOCOL_LENGTH] != 4)
        return NET_DROP_ARP_MALFORMED;
    if (load_be16(arp + ARP_OPERATION) != ARP_REQUEST)
        return NET_DROP_ARP_OTHER;
    if (load_be32(arp + ARP_TARGET_IP) != our_ip)
        return NET_DROP_NOT_FOR_US;
    copy_mac(packet->source.mac, arp + ARP_SENDER_MAC);
    packet->source.ip = load_be32(arp + ARP_SENDER_IP);
    packet->destination.ip = our_ip;
    return NET_ARP_REQUEST;
}

/* udp[0 .. length) is the IP payload, inside the frame. */
static enum net_verdict parse_udp(const uint8_t *udp, size_t length, const uint8_t *ip,
                                  struct net_packet *packet)
{
    if (length < UDP_HEADER_LENGTH)
        return NET_DROP_UDP_TRUNCATED;
    if (load_be16(udp + UDP_LENGTH) != length)
        return NET_DROP_UDP_LENGTH;
    uint32_t source = load_be32(ip + IP_SOURCE), destination = load_be32(ip + IP_DESTINATION);
    if (load_be16(udp + UDP_CHECKSUM) != 0 &&
        net_udp_checksum(source, destination, udp, length) != 0)
        return NET_DROP_UDP_CHECKSUM;
    packet->source.ip = source;
    packet->source.port = load_be16(udp + UDP_SOURCE_PORT);
    packet->destination.ip = destination;
    packet->destination.port = load_be16(udp + UDP_DESTINATION_PORT);
    packet->payload = udp + UDP_HEADER_LENGTH;
    packet->payload_length = length - UDP_HEADER_LENGTH;
    return NET_UDP;
}

/* ip[0 .. available) is everything after the Ethernet header. */
static enum net_verdict parse_ipv4(const uint8_t *ip, size_t available, uint32_t our_ip,
                                   struct net_packet *packet)
{
    if (available < IPV4_HEADER_MIN)
        return NET_DROP_IP_HEADER;
    size_t header_length = (size_t)(ip[IP_VERSION_IHL] & 0x0f) * 4;
    if (ip[IP_VERSION_IHL] >> 4 != 4 || header_length < IPV4_HEADER_MIN ||
        header_length > available)
        return NET_DROP_IP_HEADER;
    if (inet_checksum(ip, header_length) != 0)
        return NET_DROP_IP_CHECKSUM;
    size_t total = load_be16(ip + IP_TOTAL_LENGTH);
    if (total < header_length || total > available) /* shorter is padding: allowed */
        return NET_DROP_IP_LENGTH;
    if (load_be16(ip + IP_FRAGMENT) & (IP_MORE_FRAGMENTS | IP_FRAGMENT_OFFSET))
        return NET_DROP_FRAGMENT;
    if (load_be32(ip + IP_DESTINATION) != our_ip)
        return NET_DROP_NOT_FOR_US;
    if (ip[IP_PROTOCOL] != IP_PROTOCOL_UDP)
        return NET_DROP_PROTOCOL;
    return parse_udp(ip + header_length, total - header_length, ip, packet);
}

static enum net_verdict classify(const uint8_t *frame, size_t length, uint32_t our_ip,
                                 struct net_packet *packet)
{
    if (length < ETH_FRAME_MIN)
        return NET_DROP_RUNT;
    if (length > ETH_FRAME_MAX)
        return NET_DROP_OVERSIZE;
    const uint8_t *body = frame + ETH_HEADER_LENGTH;
    switch (load_be16(frame + ETH_TYPE)) {
    case ETHERTYPE_ARP:
        return parse_arp(body, our_ip, packet);
    case ETHERTYPE_IPV4:
        copy_mac(packet->source.mac, frame + ETH_SOURCE);
        copy_mac(packet->destination.mac, frame + ETH_DESTINATION);
        return parse_ipv4(body, length - ETH_HEADER_LENGTH, our_ip, packet);
    default:
        return NET_DROP_ETHERTYPE;
    }
}

enum net_verdict net_parse(const uint8_t *frame, size_t length, uint32_t our_ip,
                           struct net_packet *packet)
{
    *packet = (struct net_packet){0};
    packet->verdict = classify(frame, length, our_ip, packet);
    return packet->verdict;
}

const char *net_verdict_name(enum net_verdict verdict)
{
    static const char *const names[NET_VERDICTS] = {
            [NET_ARP_REQUEST] = "arp request",
            [NET_UDP] = "udp",
            [NET_DROP_RUNT] = "runt",
            [NET_DROP_OVERSIZE] = "oversize",
            [NET_DROP_ETHERTYPE] = "ethertype",
            [NET_DROP_ARP_MALFORMED] = "arp malformed",
            [NET_DROP_ARP_OTHER] = "arp other",
            [NET_DROP_IP_HEADER] = "ip header",
            [NET_DROP_IP_CHECKSUM] = "ip checksum",
            [NET_DROP_IP_LENGTH] = "ip length",
            [NET_DROP_FRAGMENT] = "fragment",
            [NET_DROP_NOT_FOR_US] = "not for us",
            [NET_DROP_PROTOCOL] = "protocol",
            [NET_DROP_UDP_TRUNCATED] = "udp truncated",
            [NET_DROP_UDP_LENGTH] = "udp length",
            [NET_DROP_UDP_CHECKSUM] = "udp checksum",
    };
    if ((unsigned int)verdict >= NET_VERDICTS)
        return "?";
    return names[verdict];
}

/* One decimal part of a dotted quad, 0-255 without leading zeros; the text after it. */
static const char *parse_octet(const char *text, uint32_t *octet)
{
    uint32_t value = 0;
    int digits = 0;
    while (text[digits] >= '0' && text[digits] <= '9' && digits < 4)
        value = value * 10 + (uint32_t)(text[digits++] - '0');
    if (digits == 0 || digits > 3 || value > 255 || (digits > 1 && text[0] == '0'))
        return NULL;
    *octet = value;
    return text + digits;
}

bool net_parse_ipv4(const char *text, uint32_t *ip)
{
    uint32_t address = 0;
    for (int part = 0; part < 4; part++) {
        uint32_t octet;
        if (!text || !(text = parse_octet(text, &octet)))
            return false;
        if (*text != (part < 3 ? '.' : '\0'))
            return false;
        text += part < 3;
        address = address << 8 | octet;
    }
    *ip = address;
    return true;
}

bool net_ipv4_is_unicast(uint32_t ip)
{
    uint32_t first = ip >> 24;
    return first != 0 && first != 127 && first < 224;
}
