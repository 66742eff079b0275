/* lib/telemetry.h - the telemetry wire format, and the receiver that keeps a stream's counts.
 *
 * A sender streams numbered datagrams over UDP to the telemetry port; the receiver verifies
 * each, counts what arrived and what did not, and every N datagrams (or when asked) answers
 * with an acknowledgement that echoes the sender's timestamp, so the sender can measure the
 * round trip. Every message, either way, is one UDP payload laid out so (big-endian):
 *
 *   offset  size  field
 *        0     4  magic      0x4c42544d ("LBTM")
 *        4     1  type       1 = data, 2 = acknowledgement
 *        5     1  flags      data: bit 0 = acknowledge at once; acknowledgement: 0
 *        6     2  length     bytes of body that follow the header
 *        8     8  sequence   data: this datagram's number, from 0 up
 *                            acknowledgement: the number of the datagram that prompted it
 *       16     8  timestamp  data: the sender's clock when it sent the datagram (opaque here)
 *                            acknowledgement: that datagram's timestamp, echoed
 *       24  length body      data: the payload
 *                            acknowledgement: 8 numbers of 8 bytes: highest sequence seen,
 *                            then the counts received, corrupt, duplicate, out of order,
 *                            missing, stale, bytes (struct telemetry_counts, in that order)
 * 24+length    4  crc        CRC-32 (lib/crc32.h) of everything before it
 *
 * What the counts mean, for a stream that starts at sequence 0 (H is the highest sequence
 * received so far, W is TELEMETRY_WINDOW):
 *   received      datagrams accepted: each sequence number is counted once
 *   corrupt       not a well-formed data message: bad magic, type, length or CRC
 *   duplicate     a sequence number already received (remembered for the last W numbers)
 *   out_of_order  of those received, the ones that arrived after a higher number: each
 *                 fills a gap, and so also takes one off missing
 *   missing       sequence numbers from 0 to H not received yet: missing == H + 1 - received
 *   stale         older than H - W + 1: too old to tell a late arrival from a duplicate,
 *                 so neither received nor counted as one (a gap that old stays missing)
 *   bytes         payload bytes of the received datagrams
 * Every datagram fed in is exactly one of received, corrupt, duplicate or stale.
 */
#ifndef LIB_TELEMETRY_H
#define LIB_TELEMETRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TELEMETRY_MAGIC        0x4c42544du
#define TELEMETRY_DATA         1
#define TELEMETRY_ACK          2
#define TELEMETRY_FLAG_ACK_NOW 0x01u
#define TELEMETRY_HEADER       24
#define TELEMETRY_TRAILER      4 /* the CRC */
#define TELEMETRY_ACK_BODY     64
#define TELEMETRY_WINDOW       1024 /* sequence numbers remembered behind the highest */

/* A message's fields, as telemetry_decode found them; body points into the datagram. */
struct telemetry_message {
    uint8_t type, flags;
    uint16_t length;
    uint64_t sequence, timestamp;
    const uint8_t *body;
};

struct telemetry_counts {
    uint64_t received, corrupt, duplicate, out_of_order, missing, stale, bytes;
};

/* Why telemetry_decode refused a datagram. */
enum telemetry_error {
    TELEMETRY_OK,
    TELEMETRY_BAD_LENGTH, /* shorter than header and CRC, or length says otherwise */
    TELEMETRY_BAD_MAGIC,
    TELEMETRY_BAD_CRC,
};

/* Checks a datagram (magic, length, CRC) and fills *message. Returns TELEMETRY_OK or the
 * first problem found; reads only datagram[0 .. size). Pure; any context. */
enum telemetry_error telemetry_decode(const uint8_t *datagram, size_t size,
                                      struct telemetry_message *message);

/* Writes a message with the given fields and body, and its CRC. Returns its length, or 0
 * when it does not fit in size (or body_length exceeds 65535). */
size_t telemetry_encode(uint8_t *buffer, size_t size, uint8_t type, uint8_t flags,
                        uint64_t sequence, uint64_t timestamp, const uint8_t *body,
                        size_t body_length);

/* Reads the body of an acknowledgement. Returns false when the message is not one. */
bool telemetry_read_ack(const struct telemetry_message *message, uint64_t *highest,
                        struct telemetry_counts *counts);

/* What telemetry_receive made of one datagram. */
enum telemetry_outcome {
    TELEMETRY_IN_ORDER, /* the next number, or the first one */
    TELEMETRY_AHEAD,    /* received, but numbers between the last highest and it are missing */
    TELEMETRY_LATE,     /* received after a higher number: it filled a gap */
    TELEMETRY_DUPLICATE,
    TELEMETRY_STALE,
    TELEMETRY_CORRUPT,
};

/* One stream's receiving end. Initialise with telemetry_receiver_init; then only the
 * functions below touch it. Not locked: one consumer owns it. */
struct telemetry_receiver {
    uint32_t ack_every; /* an acknowledgement after this many received datagrams */
    bool started;       /* a datagram was received: highest means something */
    uint64_t highest;   /* H */
    uint64_t seen[TELEMETRY_WINDOW / 64]; /* bit s % W: s was received, for s in (H - W, H] */
    struct telemetry_counts counts;
    uint32_t since_ack;                     /* received since the last acknowledgement */
    bool ack_asked;                         /* a datagram carried TELEMETRY_FLAG_ACK_NOW */
    uint64_t last_sequence, last_timestamp; /* the datagram received most recently */
};

/* Resets everything; ack_every 0 is taken as 1. */
void telemetry_receiver_init(struct telemetry_receiver *receiver, uint32_t ack_every);

/* Feeds one datagram (a UDP payload) and counts it. Returns what it was. */
enum telemetry_outcome telemetry_receive(struct telemetry_receiver *receiver,
                                         const uint8_t *datagram, size_t size);

/* True when an acknowledgement should be sent now: ack_every datagrams were received since
 * the last one, or a datagram asked for one. */
bool telemetry_ack_due(const struct telemetry_receiver *receiver);

/* Writes the acknowledgement for the most recently received datagram (TELEMETRY_ACK_BODY
 * bytes of body) and restarts the count towards the next. Returns its length, or 0 when
 * nothing was received yet or it does not fit in size. */
size_t telemetry_build_ack(struct telemetry_receiver *receiver, uint8_t *buffer, size_t size);

/* A short name for an outcome ("in order", "late"...). */
const char *telemetry_outcome_name(enum telemetry_outcome outcome);

#endif
