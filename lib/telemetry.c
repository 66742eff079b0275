/* lib/telemetry.c - telemetry messages to and from bytes, and the receiver's bookkeeping: a
 * sliding window of the last TELEMETRY_WINDOW sequence numbers, one bit each, tells a late
 * arrival (its bit clear: it fills a gap) from a duplicate (its bit set). */
#include "lib/telemetry.h"

#include "lib/byteorder.h"
#include "lib/crc32.h"

#define OFFSET_MAGIC     0
#define OFFSET_TYPE      4
#define OFFSET_FLAGS     5
#define OFFSET_LENGTH    6
#define OFFSET_SEQUENCE  8
#define OFFSET_TIMESTAMP 16

enum telemetry_error telemetry_decode(const uint8_t *datagram, size_t size,
                                      struct telemetry_message *message)
{
    if (size < TELEMETRY_HEADER + TELEMETRY_TRAILER)
        return TELEMETRY_BAD_LENGTH;
    if (load_be32(datagram + OFFSET_MAGIC) != TELEMETRY_MAGIC)
        return TELEMETRY_BAD_MAGIC;
    uint16_t length = load_be16(datagram + OFFSET_LENGTH);
    if ((size_t)TELEMETRY_HEADER + length + TELEMETRY_TRAILER != size)
        return TELEMETRY_BAD_LENGTH;
    if (crc32(datagram, size - TELEMETRY_TRAILER) != load_be32(datagram + size - TELEMETRY_TRAILER))
        return TELEMETRY_BAD_CRC;
    message->type = datagram[OFFSET_TYPE];
    message->flags = datagram[OFFSET_FLAGS];
    message->length = length;
    message->sequence = load_be64(datagram + OFFSET_SEQUENCE);
    message->timestamp = load_be64(datagram + OFFSET_TIMESTAMP);
    message->body = datagram + TELEMETRY_HEADER;
    return TELEMETRY_OK;
}

size_t telemetry_encode(uint8_t *buffer, size_t size, uint8_t type, uint8_t flags,
                        uint64_t sequence, uint64_t timestamp, const uint8_t *body,
                        size_t body_length)
{
    if (body_length > 0xffff || size < TELEMETRY_HEADER + TELEMETRY_TRAILER ||
        body_length > size - TELEMETRY_HEADER - TELEMETRY_TRAILER)
        return 0;
    store_be32(buffer + OFFSET_MAGIC, TELEMETRY_MAGIC);
    buffer[OFFSET_TYPE] = type;
    buffer[OFFSET_FLAGS] = flags;
    store_be16(buffer + OFFSET_LENGTH, (uint16_t)body_length);
    store_be64(buffer + OFFSET_SEQUENCE, sequence);
    store_be64(buffer + OFFSET_TIMESTAMP, timestamp);
    for (size_t i = 0; i < body_length; i++)
        buffer[TELEMETRY_HEADER + i] = body[i];
    size_t length = TELEMETRY_HEADER + body_length;
    store_be32(buffer + length, crc32(buffer, length));
    return length + TELEMETRY_TRAILER;
}

bool telemetry_read_ack(const struct telemetry_message *message, uint64_t *highest,
                        struct telemetry_counts *counts)
{
    if (message->type != TELEMETRY_ACK || message->length != TELEMETRY_ACK_BODY)
        return false;
    const uint8_t *body = message->body;
    *highest = load_be64(body);
    counts->received = load_be64(body + 8);
    counts->corrupt = load_be64(body + 16);
    counts->duplicate = load_be64(body + 24);
    counts->out_of_order = load_be64(body + 32);
    counts->missing = load_be64(body + 40);
    counts->stale = load_be64(body + 48);
    counts->bytes = load_be64(body + 56);
    return true;
}

void telemetry_receiver_init(struct telemetry_receiver *receiver, uint32_t ack_every)
{
    *receiver = (struct telemetry_receiver){.ack_every = ack_every ? ack_every : 1};
}

/* --- the window ------------------------------------------------------------------------- */

static bool window_test(const struct telemetry_receiver *receiver, uint64_t sequence)
{
    uint64_t bit = sequence % TELEMETRY_WINDOW;
    return (receiver->seen[bit / 64] >> (bit % 64)) & 1;
}

static void window_set(struct telemetry_receiver *receiver, uint64_t sequence, bool on)
{
    uint64_t bit = sequence % TELEMETRY_WINDOW, mask = 1ull << (bit % 64);
    receiver->seen[bit / 64] =
            on ? receiver->seen[bit / 64] | mask : receiver->seen[bit / 64] & ~mask;
}

/* Moves the window's top to `sequence` (> highest): the numbers skipped are forgotten as
 * not seen, which is what they are. */
static void window_advance(struct telemetry_receiver *receiver, uint64_t sequence)
{
    uint64_t gap = sequence - receiver->highest;
    if (gap >= TELEMETRY_WINDOW) {
        for (int i = 0; i < TELEMETRY_WINDOW / 64; i++)
            receiver->seen[i] = 0;
    } else {
        for (uint64_t s = receiver->highest + 1; s != sequence; s++)
            window_set(receiver, s, false);
    }
    window_set(receiver, sequence, true);
    receiver->highest = sequence;
}

/* --- receiving ------------------------------------------------------------------------- */

static enum telemetry_outcome classify(struct telemetry_receiver *receiver, uint64_t sequence)
{
    struct telemetry_counts *counts = &receiver->counts;
    if (!receiver->started) {
        receiver->started = true;
        receiver->highest = sequence;
        window_set(receiver, sequence, true);
        counts->missing += sequence; /* 0 ... sequence - 1 never came */
        return sequence == 0 ? TELEMETRY_IN_ORDER : TELEMETRY_AHEAD;
    }
    if (sequence > receiver->highest) {
        uint64_t skipped = sequence - receiver->highest - 1;
        counts->missing += skipped;
        window_advance(receiver, sequence);
        return skipped ? TELEMETRY_AHEAD : TELEMETRY_IN_ORDER;
    }
    if (receiver->highest - sequence >= TELEMETRY_WINDOW)
        return TELEMETRY_STALE;
    if (window_test(receiver, sequence))
        return TELEMETRY_DUPLICATE;
    window_set(receiver, sequence, true);
    counts->out_of_order++;
    counts->missing--; /* it was counted missing when a higher number passed it */
    return TELEMETRY_LATE;
}

static void count_received(struct telemetry_receiver *receiver,
                           const struct telemetry_message *message)
{
    receiver->counts.received++;
    receiver->counts.bytes += message->length;
    receiver->since_ack++;
    if (message->flags & TELEMETRY_FLAG_ACK_NOW)
        receiver->ack_asked = true;
    receiver->last_sequence = message->sequence;
    receiver->last_timestamp = message->timestamp;
}

enum telemetry_outcome telemetry_receive(struct telemetry_receiver *receiver,
                                         const uint8_t *datagram, size_t size)
{
    struct telemetry_message message;
    if (telemetry_decode(datagram, size, &message) != TELEMETRY_OK ||
        message.type != TELEMETRY_DATA) {
        receiver->counts.corrupt++;
        return TELEMETRY_CORRUPT;
    }
    enum telemetry_outcome outcome = classify(receiver, message.sequence);
    switch (outcome) {
    case TELEMETRY_DUPLICATE:
        receiver->counts.duplicate++;
        break;
    case TELEMETRY_STALE:
        receiver->counts.stale++;
        break;
    default:
        count_received(receiver, &message);
        break;
    }
    return outcome;
}

bool telemetry_ack_due(const struct telemetry_receiver *receiver)
{
    return receiver->ack_asked || receiver->since_ack >= receiver->ack_every;
}

size_t telemetry_build_ack(struct telemetry_receiver *receiver, uint8_t *buffer, size_t size)
{
    if (!receiver->started)
        return 0;
    const struct telemetry_counts *c = &receiver->counts;
    uint64_t fields[TELEMETRY_ACK_BODY / 8] = {receiver->highest, c->received,     c->corrupt,
                                               c->duplicate,      c->out_of_order, c->missing,
                                               c->stale,          c->bytes};
    uint8_t body[TELEMETRY_ACK_BODY];
    for (int i = 0; i < TELEMETRY_ACK_BODY / 8; i++)
        store_be64(body + 8 * i, fields[i]);
    size_t length = telemetry_encode(buffer, size, TELEMETRY_ACK, 0, receiver->last_sequence,
                                     receiver->last_timestamp, body, sizeof(body));
    if (length) {
        receiver->since_ack = 0;
        receiver->ack_asked = false;
    }
    return length;
}

const char *telemetry_outcome_name(enum telemetry_outcome outcome)
{
    switch (outcome) {
    case TELEMETRY_IN_ORDER:
        return "in order";
    case TELEMETRY_AHEAD:
        return "ahead";
    case TELEMETRY_LATE:
        return "late";
    case TELEMETRY_DUPLICATE:
        return "duplicate";
    case TELEMETRY_STALE:
        return "stale";
    case TELEMETRY_CORRUPT:
        return "corrupt";
    }
    return "?";
}
