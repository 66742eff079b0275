/* tests/kernel/frame_pipe_test.c - the frame pipe refuses what it cannot carry: a record size
 * of 0, or one that does not fit a frame with its header, at registration (one log line; the
 * pipe then drops every record); and a frame its consumer cannot own (page_hand_over refuses
 * it), which is freed and its records counted as drops, so nothing leaks. */
#include "arch/arch.h"
#include "kernel/console.h"
#include "kernel/frame_pipe.h"
#include "kernel/ktest.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "tests/kernel/taker.h"

static struct frame_pipe empty_records = FRAME_PIPE_INIT("test: empty", 0, CONTEXT_BOOT, NULL);
static struct frame_pipe huge_records = FRAME_PIPE_INIT(
        "test: huge", PAGE_SIZE - sizeof(struct frame_pipe_header) + 1, CONTEXT_BOOT, NULL);
static struct frame_pipe full_frame = FRAME_PIPE_INIT(
        "test: full", PAGE_SIZE - sizeof(struct frame_pipe_header), CONTEXT_BOOT, NULL);
static struct taker taker;

static void record_sizes_that_do_not_fit_are_refused(struct ktest *t)
{
    char log[256];
    console_capture(log, sizeof(log));
    KTEST_EXPECT_EQ(t, frame_pipe_register(&empty_records), -EINVAL);
    KTEST_EXPECT_EQ(t, frame_pipe_register(&huge_records), -EINVAL);
    console_capture(NULL, 0);
    KTEST_EXPECT_NOT_NULL(t, strstr(log, "'test: empty': records of 0 bytes do not fit"));
    KTEST_EXPECT_NOT_NULL(t, strstr(log, "'test: huge': records of 4089 bytes do not fit"));
    KTEST_EXPECT_EQ(t, frame_pipe_register(&full_frame), 0); /* exactly one record a frame */
    KTEST_EXPECT_EQ(t, frame_pipe_capacity(&full_frame), 1u);

    uint64_t before = frames_not_held();
    uint8_t record[8] = {1};
    unsigned long flags = arch_irq_save();
    bool written = frame_pipe_write(&empty_records, record);
    arch_irq_restore(flags);
    KTEST_EXPECT_FALSE(t, written);
    struct frame_pipe_stats stats;
    frame_pipe_get_stats(&empty_records, &stats);
    KTEST_EXPECT_EQ(t, stats.drops, 1u);
    KTEST_EXPECT_EQ(t, stats.records, 0u);
    KTEST_EXPECT_EQ(t, frames_not_held(), before); /* no frame was taken for it */
}

/* A pipe whose consumer is a registration that is gone: the hand-over is refused, the frame
 * freed by its owner, the record counted as dropped. */
static void a_frame_the_consumer_cannot_own_is_dropped_and_freed(struct ktest *t)
{
    static struct frame_pipe orphan = FRAME_PIPE_INIT("test: orphan", 8, CONTEXT_NONE, NULL);
    KTEST_ASSERT_EQ(t, taker_start(&taker, 0), 0);
    orphan.consumer = taker_context(&taker);
    taker_stop(&taker);
    KTEST_ASSERT_EQ(t, frame_pipe_register(&orphan), 0);
    uint64_t before = frames_not_held();
    uint8_t record[8] = {2};
    char log[256];
    console_capture(log, sizeof(log));
    unsigned long flags = arch_irq_save();
    bool written = frame_pipe_write(&orphan, record);
    frame_pipe_flush(&orphan);
    arch_irq_restore(flags);
    console_capture(NULL, 0);
    KTEST_EXPECT_TRUE(t, written);
    struct frame_pipe_stats stats;
    frame_pipe_get_stats(&orphan, &stats);
    KTEST_EXPECT_EQ(t, stats.refused_hand_overs, 1u);
    KTEST_EXPECT_EQ(t, stats.drops, 1u);
    KTEST_EXPECT_EQ(t, stats.queued, 0u);
    KTEST_EXPECT_NULL(t, frame_pipe_take(&orphan));
    KTEST_EXPECT_NOT_NULL(t, strstr(log, "which cannot own it: refused"));
    KTEST_EXPECT_EQ(t, frames_not_held(), before); /* freed, not leaked */
}

static const struct ktest_case frame_pipe_cases[] = {
        KTEST_CASE(record_sizes_that_do_not_fit_are_refused),
        KTEST_CASE(a_frame_the_consumer_cannot_own_is_dropped_and_freed),
        {},
};
KTEST_SUITE(frame_pipe, frame_pipe_cases);
