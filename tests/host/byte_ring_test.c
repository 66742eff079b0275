/* tests/host/byte_ring_test.c - the byte ring between the serial port's interrupt handler and
 * the console's reader: bytes come out in order across the wrap of the indices, a full ring
 * says so and refuses (and counts) the byte it cannot hold, and frees a slot per byte read. */
#include "kernel/ktest.h"
#include "lib/byte_ring.h"

static void bytes_come_out_in_order_across_the_wrap(struct ktest *t)
{
    static struct byte_ring ring;
    ring = (struct byte_ring){0};
    KTEST_EXPECT_TRUE(t, byte_ring_is_empty(&ring));
    KTEST_EXPECT_EQ(t, byte_ring_get(&ring), -1);
    int next_out = 0;
    for (int round = 0; round < 5; round++) { /* 5 x 300 bytes: the indices wrap twice */
        for (int i = 0; i < 300; i++)
            KTEST_EXPECT_TRUE(t, byte_ring_put(&ring, (uint8_t)(round * 300 + i)));
        for (int i = 0; i < 300; i++, next_out++)
            KTEST_EXPECT_EQ(t, byte_ring_get(&ring), (uint8_t)next_out);
    }
    KTEST_EXPECT_TRUE(t, byte_ring_is_empty(&ring));
    KTEST_EXPECT_EQ(t, byte_ring_dropped(&ring), 0u);
}

static void a_full_ring_says_so_and_refuses(struct ktest *t)
{
    static struct byte_ring ring;
    ring = (struct byte_ring){0};
    for (int i = 0; i < BYTE_RING_SIZE; i++) {
        KTEST_EXPECT_FALSE(t, byte_ring_is_full(&ring));
        KTEST_EXPECT_TRUE(t, byte_ring_put(&ring, (uint8_t)i));
    }
    KTEST_EXPECT_TRUE(t, byte_ring_is_full(&ring));
    KTEST_EXPECT_FALSE(t, byte_ring_put(&ring, 0xff));
    KTEST_EXPECT_EQ(t, byte_ring_dropped(&ring), 1u);
    KTEST_EXPECT_EQ(t, byte_ring_get(&ring), 0); /* one read makes room for one */
    KTEST_EXPECT_FALSE(t, byte_ring_is_full(&ring));
    KTEST_EXPECT_TRUE(t, byte_ring_put(&ring, 0xfe));
    KTEST_EXPECT_TRUE(t, byte_ring_is_full(&ring));
    for (int i = 1; i < BYTE_RING_SIZE; i++)
        KTEST_EXPECT_EQ(t, byte_ring_get(&ring), (uint8_t)i);
    KTEST_EXPECT_EQ(t, byte_ring_get(&ring), 0xfe);
    KTEST_EXPECT_TRUE(t, byte_ring_is_empty(&ring));
}

static const struct ktest_case byte_ring_cases[] = {
        KTEST_CASE(bytes_come_out_in_order_across_the_wrap),
        KTEST_CASE(a_full_ring_says_so_and_refuses),
        {},
};
KTEST_SUITE(byte_ring, byte_ring_cases);
