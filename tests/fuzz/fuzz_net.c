/* tests/fuzz/fuzz_net.c - libFuzzer target: lib/net.c and lib/telemetry.c on arbitrary bytes.
 * The first byte picks one of two games:
 *   below 0x80: the rest is a received frame. net_parse must read nothing outside it (it
 *     gets an exactly sized copy, so AddressSanitizer sees any overread), report a payload
 *     that lies inside it, and agree with itself: a datagram rebuilt from what it reported
 *     parses to the same fields, and an ARP reply to a request is well-formed.
 *   0x80 and up: the rest is a script of datagrams for a telemetry receiver, two bytes each
 *     (a sequence number from 0 to 4095 and a kind: valid data of some length, or damaged in
 *     one of several ways). A model that remembers every sequence number ever received, in
 *     a plain bitmap rather than a sliding window, says what each should count as; the
 *     receiver must agree, and its counts must add up after every datagram.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/byteorder.h"
#include "lib/net.h"
#include "lib/telemetry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define OUR_IP 0x0a00020fu

static void check(int condition)
{
    if (!condition)
        abort();
}

static void check_udp(const uint8_t *frame, size_t length, const struct net_packet *packet)
{
    check(packet->payload >= frame && packet->payload <= frame + length);
    check(packet->payload_length <= (size_t)(frame + length - packet->payload));
    check(packet->payload_length <= UDP_PAYLOAD_MAX);
    check(packet->destination.ip == OUR_IP);
    /* Rebuilt from the reported fields, the datagram parses to the same fields. */
    static uint8_t rebuilt[ETH_FRAME_MAX];
    size_t rebuilt_length =
            net_build_udp(rebuilt, sizeof(rebuilt), &packet->source, &packet->destination, 1,
                          packet->payload, packet->payload_length);
    check(rebuilt_length >= ETH_FRAME_MIN && rebuilt_length <= length);
    struct net_packet again;
    check(net_parse(rebuilt, rebuilt_length, OUR_IP, &again) == NET_UDP);
    check(again.source.ip == packet->source.ip && again.source.port == packet->source.port);
    check(again.destination.port == packet->destination.port);
    check(memcmp(again.source.mac, packet->source.mac, ETH_ADDRESS_LENGTH) == 0);
    check(again.payload_length == packet->payload_length);
    check(memcmp(again.payload, packet->payload, packet->payload_length) == 0);
}

static void check_arp(const struct net_packet *packet)
{
    static const struct net_address us = {{0x52, 0x54, 0, 0x12, 0x34, 0x56}, OUR_IP, 0};
    uint8_t reply[ETH_FRAME_MIN];
    check(net_build_arp_reply(reply, sizeof(reply), &us, packet) == ETH_FRAME_MIN);
    struct net_packet parsed;
    /* A reply is not a request: the parser must call it "arp other". */
    check(net_parse(reply, sizeof(reply), OUR_IP, &parsed) == NET_DROP_ARP_OTHER);
    check(load_be32(reply + 14 + 24) == packet->source.ip);
}

static void frame_game(const uint8_t *data, size_t size)
{
    uint8_t *frame = malloc(size ? size : 1);
    if (size)
        memcpy(frame, data, size);
    struct net_packet packet;
    enum net_verdict verdict = net_parse(frame, size, OUR_IP, &packet);
    check((unsigned int)verdict < NET_VERDICTS && packet.verdict == verdict);
    check(strcmp(net_verdict_name(verdict), "?") != 0);
    if (verdict != NET_DROP_RUNT)
        check(size >= ETH_FRAME_MIN && size <= ETH_FRAME_MAX);
    if (verdict == NET_UDP)
        check_udp(frame, size, &packet);
    if (verdict == NET_ARP_REQUEST)
        check_arp(&packet);
    free(frame);
}

/* --- the telemetry game -------------------------------------------------------------------- */

#define SEQUENCES 4096

struct model {
    uint8_t seen[SEQUENCES]; /* every number ever received: no window */
    bool started;
    uint64_t highest, fed, received, bytes;
};

static enum telemetry_outcome expected(const struct model *model, uint64_t sequence)
{
    if (!model->started)
        return sequence == 0 ? TELEMETRY_IN_ORDER : TELEMETRY_AHEAD;
    if (sequence > model->highest)
        return sequence == model->highest + 1 ? TELEMETRY_IN_ORDER : TELEMETRY_AHEAD;
    if (model->highest - sequence >= TELEMETRY_WINDOW)
        return TELEMETRY_STALE;
    return model->seen[sequence] ? TELEMETRY_DUPLICATE : TELEMETRY_LATE;
}

/* One datagram of the given kind: 0-11 valid data with that many payload bytes, 12 one bit
 * flipped, 13 an acknowledgement fed as data, 14 cut short, 15 valid and asking for an ack. */
static size_t make_datagram(uint8_t *datagram, size_t size, uint64_t sequence, unsigned int kind)
{
    uint8_t payload[16] = {0};
    size_t bytes = kind <= 11 ? kind : 3;
    uint8_t type = kind == 13 ? TELEMETRY_ACK : TELEMETRY_DATA;
    uint8_t flags = kind == 15 ? TELEMETRY_FLAG_ACK_NOW : 0;
    size_t length =
            telemetry_encode(datagram, size, type, flags, sequence, sequence * 3, payload, bytes);
    if (kind == 12)
        datagram[sequence % length] ^= (uint8_t)(1u << (sequence % 8));
    if (kind == 14)
        length -= 1 + sequence % 4;
    return length;
}

static void check_counts(const struct telemetry_receiver *receiver, const struct model *model)
{
    const struct telemetry_counts *c = &receiver->counts;
    check(c->received + c->corrupt + c->duplicate + c->stale == model->fed);
    check(c->received == model->received && c->bytes == model->bytes);
    check(c->out_of_order <= c->received);
    check(receiver->started == model->started);
    if (model->started)
        check(receiver->highest == model->highest &&
              c->missing == model->highest + 1 - c->received);
}

static void check_ack(struct telemetry_receiver *receiver)
{
    uint8_t ack[128];
    size_t length = telemetry_build_ack(receiver, ack, sizeof(ack));
    if (!receiver->started) {
        check(length == 0);
        return;
    }
    struct telemetry_message message;
    check(telemetry_decode(ack, length, &message) == TELEMETRY_OK);
    uint64_t highest;
    struct telemetry_counts counts;
    check(telemetry_read_ack(&message, &highest, &counts));
    check(highest == receiver->highest);
    check(memcmp(&counts, &receiver->counts, sizeof(counts)) == 0);
    check(!telemetry_ack_due(receiver));
}

static void step(struct telemetry_receiver *receiver, struct model *model, uint64_t sequence,
                 unsigned int kind)
{
    uint8_t datagram[64];
    size_t length = make_datagram(datagram, sizeof(datagram), sequence, kind);
    enum telemetry_outcome want =
            kind >= 12 && kind <= 14 ? TELEMETRY_CORRUPT : expected(model, sequence);
    check(telemetry_receive(receiver, datagram, length) == want);
    model->fed++;
    if (want != TELEMETRY_CORRUPT && want != TELEMETRY_DUPLICATE && want != TELEMETRY_STALE) {
        model->seen[sequence] = 1;
        model->received++;
        model->bytes += kind <= 11 ? kind : 3;
        if (!model->started || sequence > model->highest)
            model->highest = sequence;
        model->started = true;
    }
    check_counts(receiver, model);
    if (telemetry_ack_due(receiver))
        check_ack(receiver);
}

static void telemetry_game(const uint8_t *data, size_t size)
{
    static struct model model;
    static struct telemetry_receiver receiver;
    memset(&model, 0, sizeof(model));
    telemetry_receiver_init(&receiver, 5);
    for (size_t i = 0; i + 1 < size; i += 2) {
        uint64_t sequence = (data[i] | (uint64_t)data[i + 1] << 8) % SEQUENCES;
        step(&receiver, &model, sequence, data[i + 1] >> 4);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    if (data[0] < 0x80)
        frame_game(data + 1, size - 1);
    else
        telemetry_game(data + 1, size - 1);
    return 0;
}
