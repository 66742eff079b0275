/* tests/host/telemetry_test.c - CRC-32 against known values; telemetry messages to bytes and
 * back, and every way decoding refuses one; and the receiver's counts in hand-made streams:
 * in order, gaps filled late, duplicates, a late start, the edges of the window, corruption,
 * and when acknowledgements fall due and what they say. */
#include <string.h>

#include "kernel/ktest.h"
#include "lib/byteorder.h"
#include "lib/crc32.h"
#include "lib/telemetry.h"

static void crc32_matches_known_values(struct ktest *t)
{
    KTEST_EXPECT_EQ(t, crc32((const uint8_t *)"123456789", 9), 0xcbf43926u);
    KTEST_EXPECT_EQ(t, crc32(NULL, 0), 0u);
    const char *fox = "The quick brown fox jumps over the lazy dog";
    KTEST_EXPECT_EQ(t, crc32((const uint8_t *)fox, strlen(fox)), 0x414fa339u);
    KTEST_EXPECT_EQ(t,
                    crc32_update(crc32((const uint8_t *)fox, 10), (const uint8_t *)fox + 10,
                                 strlen(fox) - 10),
                    0x414fa339u);
}

static uint8_t datagram[256];

/* A data message with a payload of `bytes` bytes derived from the sequence number. */
static size_t data(uint64_t sequence, size_t bytes, uint8_t flags)
{
    uint8_t payload[64];
    for (size_t i = 0; i < bytes; i++)
        payload[i] = (uint8_t)(sequence * 7 + i);
    return telemetry_encode(datagram, sizeof(datagram), TELEMETRY_DATA, flags, sequence,
                            1000000 + sequence, payload, bytes);
}

static void messages_round_trip(struct ktest *t)
{
    size_t length = data(0x0102030405060708ull, 10, TELEMETRY_FLAG_ACK_NOW);
    KTEST_ASSERT_EQ(t, length, (size_t)(TELEMETRY_HEADER + 10 + TELEMETRY_TRAILER));
    KTEST_EXPECT_EQ(t, load_be32(datagram), TELEMETRY_MAGIC);
    KTEST_EXPECT_EQ(t, load_be32(datagram + length - 4), crc32(datagram, length - 4));
    struct telemetry_message message;
    KTEST_ASSERT_EQ(t, (int)telemetry_decode(datagram, length, &message), (int)TELEMETRY_OK);
    KTEST_EXPECT_EQ(t, (int)message.type, (int)TELEMETRY_DATA);
    KTEST_EXPECT_EQ(t, message.flags, TELEMETRY_FLAG_ACK_NOW);
    KTEST_EXPECT_EQ(t, message.length, 10);
    KTEST_EXPECT_EQ(t, message.sequence, 0x0102030405060708ull);
    KTEST_EXPECT_EQ(t, message.timestamp, 1000000 + 0x0102030405060708ull);
    KTEST_EXPECT_EQ(t, (uintptr_t)message.body, (uintptr_t)(datagram + TELEMETRY_HEADER));
    KTEST_EXPECT_EQ(t,
                    telemetry_encode(datagram, TELEMETRY_HEADER + 13, TELEMETRY_DATA, 0, 0, 0,
                                     datagram, 10),
                    0u);
}

static void decoding_refuses_damaged_messages(struct ktest *t)
{
    struct telemetry_message message;
    size_t length = data(5, 20, 0);
    KTEST_EXPECT_EQ(t, (int)telemetry_decode(datagram, length - 1, &message),
                    (int)TELEMETRY_BAD_LENGTH);
    KTEST_EXPECT_EQ(t, (int)telemetry_decode(datagram, length + 1, &message),
                    (int)TELEMETRY_BAD_LENGTH);
    KTEST_EXPECT_EQ(t, (int)telemetry_decode(datagram, 27, &message), (int)TELEMETRY_BAD_LENGTH);
    /* Every single flipped bit is caught, by the magic, the length or the CRC. */
    int caught = 0;
    for (size_t bit = 0; bit < length * 8; bit++) {
        datagram[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        caught += telemetry_decode(datagram, length, &message) != TELEMETRY_OK;
        datagram[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    KTEST_EXPECT_EQ(t, caught, (int)(length * 8));
    datagram[0] ^= 1;
    KTEST_EXPECT_EQ(t, (int)telemetry_decode(datagram, length, &message), (int)TELEMETRY_BAD_MAGIC);
    datagram[0] ^= 1;
    datagram[TELEMETRY_HEADER] ^= 1;
    KTEST_EXPECT_EQ(t, (int)telemetry_decode(datagram, length, &message), (int)TELEMETRY_BAD_CRC);
}

static struct telemetry_receiver receiver;

static enum telemetry_outcome feed(uint64_t sequence)
{
    size_t length = data(sequence, (size_t)(sequence % 17), 0);
    return telemetry_receive(&receiver, datagram, length);
}

/* The invariants the header promises, after any sequence of datagrams. */
static void check_invariants(struct ktest *t, uint64_t fed)
{
    const struct telemetry_counts *c = &receiver.counts;
    KTEST_EXPECT_EQ(t, c->received + c->corrupt + c->duplicate + c->stale, fed);
    KTEST_EXPECT_LE(t, c->out_of_order, c->received);
    if (receiver.started)
        KTEST_EXPECT_EQ(t, c->missing, receiver.highest + 1 - c->received);
}

static void an_ordered_stream_has_nothing_missing(struct ktest *t)
{
    telemetry_receiver_init(&receiver, 16);
    uint64_t bytes = 0;
    for (uint64_t s = 0; s < 100; s++) {
        KTEST_EXPECT_EQ(t, (int)feed(s), (int)TELEMETRY_IN_ORDER);
        bytes += s % 17;
    }
    const struct telemetry_counts *c = &receiver.counts;
    KTEST_EXPECT_EQ(t, c->received, 100u);
    KTEST_EXPECT_EQ(t, c->missing, 0u);
    KTEST_EXPECT_EQ(t, c->duplicate + c->out_of_order + c->stale + c->corrupt, 0u);
    KTEST_EXPECT_EQ(t, c->bytes, bytes);
    KTEST_EXPECT_EQ(t, receiver.highest, 99u);
    check_invariants(t, 100);
}

static void late_arrivals_fill_gaps(struct ktest *t)
{
    telemetry_receiver_init(&receiver, 16);
    const struct telemetry_counts *c = &receiver.counts;
    feed(0), feed(1), feed(2);
    KTEST_EXPECT_EQ(t, (int)feed(5), (int)TELEMETRY_AHEAD);
    KTEST_EXPECT_EQ(t, (int)feed(6), (int)TELEMETRY_IN_ORDER);
    KTEST_EXPECT_EQ(t, c->missing, 2u); /* 3 and 4 */
    KTEST_EXPECT_EQ(t, (int)feed(4), (int)TELEMETRY_LATE);
    KTEST_EXPECT_EQ(t, c->missing, 1u);
    KTEST_EXPECT_EQ(t, c->out_of_order, 1u);
    KTEST_EXPECT_EQ(t, (int)feed(4), (int)TELEMETRY_DUPLICATE);
    KTEST_EXPECT_EQ(t, (int)feed(3), (int)TELEMETRY_LATE);
    KTEST_EXPECT_EQ(t, c->missing, 0u);
    KTEST_EXPECT_EQ(t, c->out_of_order, 2u);
    KTEST_EXPECT_EQ(t, c->received, 7u);
    KTEST_EXPECT_EQ(t, c->duplicate, 1u);
    check_invariants(t, 8);
}

static void duplicates_are_counted_once_each(struct ktest *t)
{
    telemetry_receiver_init(&receiver, 16);
    feed(0);
    KTEST_EXPECT_EQ(t, (int)feed(0), (int)TELEMETRY_DUPLICATE);
    feed(1);
    KTEST_EXPECT_EQ(t, (int)feed(1), (int)TELEMETRY_DUPLICATE);
    KTEST_EXPECT_EQ(t, (int)feed(0), (int)TELEMETRY_DUPLICATE);
    KTEST_EXPECT_EQ(t, receiver.counts.received, 2u);
    KTEST_EXPECT_EQ(t, receiver.counts.duplicate, 3u);
    KTEST_EXPECT_EQ(t, receiver.counts.bytes, 1u); /* 0 and 1 bytes: duplicates add none */
    check_invariants(t, 5);
}

static void a_late_start_counts_the_beginning_missing(struct ktest *t)
{
    telemetry_receiver_init(&receiver, 16);
    KTEST_EXPECT_EQ(t, (int)feed(10), (int)TELEMETRY_AHEAD);
    KTEST_EXPECT_EQ(t, receiver.counts.missing, 10u);
    KTEST_EXPECT_EQ(t, (int)feed(5), (int)TELEMETRY_LATE);
    KTEST_EXPECT_EQ(t, receiver.counts.missing, 9u);
    check_invariants(t, 2);
}

static void the_window_has_edges(struct ktest *t)
{
    telemetry_receiver_init(&receiver, 16);
    const struct telemetry_counts *c = &receiver.counts;
    feed(0);
    KTEST_EXPECT_EQ(t, (int)feed(2000), (int)TELEMETRY_AHEAD);
    KTEST_EXPECT_EQ(t, c->missing, 1999u);
    KTEST_EXPECT_EQ(t, (int)feed(5), (int)TELEMETRY_STALE);   /* 1995 behind: forgotten */
    KTEST_EXPECT_EQ(t, (int)feed(976), (int)TELEMETRY_STALE); /* exactly W behind: just outside */
    KTEST_EXPECT_EQ(t, (int)feed(977), (int)TELEMETRY_LATE);  /* W - 1 behind: just inside */
    KTEST_EXPECT_EQ(t, (int)feed(1500), (int)TELEMETRY_LATE);
    KTEST_EXPECT_EQ(t, (int)feed(1500), (int)TELEMETRY_DUPLICATE);
    KTEST_EXPECT_EQ(t, (int)feed(2000), (int)TELEMETRY_DUPLICATE);
    KTEST_EXPECT_EQ(t, c->missing, 1997u);
    KTEST_EXPECT_EQ(t, c->stale, 2u);
    check_invariants(t, 8);

    /* A jump of exactly W forgets everything below it, old bits included. */
    telemetry_receiver_init(&receiver, 16);
    feed(0), feed(1);
    KTEST_EXPECT_EQ(t, (int)feed(1 + TELEMETRY_WINDOW), (int)TELEMETRY_AHEAD);
    KTEST_EXPECT_EQ(t, (int)feed(2),
                    (int)TELEMETRY_LATE); /* W - 1 behind, and its old bit is gone */
    KTEST_EXPECT_EQ(t, (int)feed(1), (int)TELEMETRY_STALE);
    check_invariants(t, 5);

    /* A jump of W - 1 must clear the bits it skips, which held numbers W before. */
    telemetry_receiver_init(&receiver, 16);
    for (uint64_t s = 0; s < 10; s++)
        feed(s);
    KTEST_EXPECT_EQ(t, (int)feed(9 + TELEMETRY_WINDOW - 1), (int)TELEMETRY_AHEAD);
    KTEST_EXPECT_EQ(t, (int)feed(TELEMETRY_WINDOW + 3), (int)TELEMETRY_LATE); /* same bit as 3 */
    check_invariants(t, 12);
}

static void corrupt_datagrams_change_nothing_else(struct ktest *t)
{
    telemetry_receiver_init(&receiver, 16);
    feed(0);
    size_t length = data(1, 8, 0);
    datagram[TELEMETRY_HEADER + 3] ^= 0x10;
    KTEST_EXPECT_EQ(t, (int)telemetry_receive(&receiver, datagram, length), (int)TELEMETRY_CORRUPT);
    KTEST_EXPECT_EQ(t, (int)telemetry_receive(&receiver, datagram, 3), (int)TELEMETRY_CORRUPT);
    length = telemetry_encode(datagram, sizeof(datagram), TELEMETRY_ACK, 0, 1, 0, NULL, 0);
    KTEST_EXPECT_EQ(t, (int)telemetry_receive(&receiver, datagram, length), (int)TELEMETRY_CORRUPT);
    KTEST_EXPECT_EQ(t, receiver.counts.corrupt, 3u);
    KTEST_EXPECT_EQ(t, receiver.counts.received, 1u);
    KTEST_EXPECT_EQ(t, receiver.highest, 0u);
    KTEST_EXPECT_EQ(t, (int)feed(1), (int)TELEMETRY_IN_ORDER); /* the real 1 is still welcome */
    check_invariants(t, 5);
}

static void acknowledgements_fall_due_and_echo(struct ktest *t)
{
    telemetry_receiver_init(&receiver, 4);
    uint8_t ack[128];
    KTEST_EXPECT_EQ(t, telemetry_build_ack(&receiver, ack, sizeof(ack)), 0u); /* nothing yet */
    feed(0), feed(1), feed(2);
    KTEST_EXPECT_FALSE(t, telemetry_ack_due(&receiver));
    feed(2); /* a duplicate does not count towards the next acknowledgement */
    KTEST_EXPECT_FALSE(t, telemetry_ack_due(&receiver));
    feed(5);
    KTEST_EXPECT_TRUE(t, telemetry_ack_due(&receiver));
    size_t length = telemetry_build_ack(&receiver, ack, sizeof(ack));
    KTEST_ASSERT_EQ(t, length, (size_t)(TELEMETRY_HEADER + TELEMETRY_ACK_BODY + TELEMETRY_TRAILER));
    KTEST_EXPECT_FALSE(t, telemetry_ack_due(&receiver));

    struct telemetry_message message;
    KTEST_ASSERT_EQ(t, (int)telemetry_decode(ack, length, &message), (int)TELEMETRY_OK);
    KTEST_EXPECT_EQ(t, (int)message.type, (int)TELEMETRY_ACK);
    KTEST_EXPECT_EQ(t, message.sequence, 5u);
    KTEST_EXPECT_EQ(t, message.timestamp, 1000005u); /* the sender's, echoed */
    uint64_t highest = 0;
    struct telemetry_counts counts;
    KTEST_ASSERT_TRUE(t, telemetry_read_ack(&message, &highest, &counts));
    KTEST_EXPECT_EQ(t, highest, 5u);
    KTEST_EXPECT_EQ(t, memcmp(&counts, &receiver.counts, sizeof(counts)), 0);
    KTEST_EXPECT_EQ(t, counts.missing, 2u);
    KTEST_EXPECT_EQ(t, counts.duplicate, 1u);
    KTEST_EXPECT_EQ(t, telemetry_build_ack(&receiver, ack, 50), 0u); /* does not fit */

    /* A datagram may ask for an acknowledgement at once (the last of a run does). */
    length = data(6, 3, TELEMETRY_FLAG_ACK_NOW);
    telemetry_receive(&receiver, datagram, length);
    KTEST_EXPECT_TRUE(t, telemetry_ack_due(&receiver));
    telemetry_build_ack(&receiver, ack, sizeof(ack));
    KTEST_EXPECT_FALSE(t, telemetry_ack_due(&receiver));
    /* A data message is not an acknowledgement. */
    length = data(7, 3, 0);
    telemetry_decode(datagram, length, &message);
    KTEST_EXPECT_FALSE(t, telemetry_read_ack(&message, &highest, &counts));
}

static const struct ktest_case telemetry_cases[] = {
        KTEST_CASE(crc32_matches_known_values),
        KTEST_CASE(messages_round_trip),
        KTEST_CASE(decoding_refuses_damaged_messages),
        KTEST_CASE(an_ordered_stream_has_nothing_missing),
        KTEST_CASE(late_arrivals_fill_gaps),
        KTEST_CASE(duplicates_are_counted_once_each),
        KTEST_CASE(a_late_start_counts_the_beginning_missing),
        KTEST_CASE(the_window_has_edges),
        KTEST_CASE(corrupt_datagrams_change_nothing_else),
        KTEST_CASE(acknowledgements_fall_due_and_echo),
        {},
};
KTEST_SUITE(telemetry, telemetry_cases);
