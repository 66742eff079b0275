/* tests/kernel/frame_pipe_test.c - a real interrupt handler's records land in an EXCLUSIVE
 * frame of its own, which it hands to the consumer when the frame is full or flushed; with
 * no frame to be had a record is dropped and counted. The pipe refuses what it cannot carry:
 * a record size of 0, or one that does not fit a frame with its header, at registration (one
 * log line; the pipe then drops every record); and a frame its consumer cannot own
 * (page_hand_over refuses it), which is freed and its records counted as drops, so nothing
 * leaks. The first three cases grade lab sensor (labs/sensor.md). */
#include "arch/arch.h"
#include "kernel/clock.h"
#include "kernel/console.h"
#include "kernel/frame_pipe.h"
#include "kernel/irq.h"
#include "kernel/ktest.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/exclusive.h"
#include "tests/kernel/taker.h"

static struct frame_pipe empty_records = FRAME_PIPE_INIT("test: empty", 0, CONTEXT_BOOT, NULL);
static struct frame_pipe huge_records = FRAME_PIPE_INIT(
        "test: huge", PAGE_SIZE - sizeof(struct frame_pipe_header) + 1, CONTEXT_BOOT, NULL);
static struct frame_pipe full_frame = FRAME_PIPE_INIT(
        "test: full", PAGE_SIZE - sizeof(struct frame_pipe_header), CONTEXT_BOOT, NULL);
static struct taker taker;

/* A handler on line 0 that writes records into a pipe when the test asks it to. */
struct writer {
    struct frame_pipe *pipe;
    uint32_t to_write;         /* set by the test: records still to write */
    bool flush;                /* set by the test: flush once they are written */
    uint64_t next;             /* the value of the next record (its first 8 bytes) */
    uint32_t written, refused; /* what frame_pipe_write returned */
};
static struct writer writer;

static void writer_tick(int irq, void *dev_id)
{
    (void)irq;
    struct writer *w = dev_id;
    static uint8_t record[1024]; /* this handler's alone */
    for (; w->to_write; w->to_write--) {
        memcpy(record, &w->next, sizeof(w->next));
        w->next++;
        if (frame_pipe_write(w->pipe, record))
            w->written++;
        else
            w->refused++;
    }
    if (w->flush) {
        frame_pipe_flush(w->pipe);
        w->flush = false;
    }
}

static int writer_start(struct frame_pipe *pipe)
{
    writer = (struct writer){.pipe = pipe, .next = 1};
    if (!pipe->registered && frame_pipe_register(pipe) != 0)
        return -EINVAL;
    return request_irq(0, writer_tick, "test writer", &writer);
}

/* Has the handler write `records` records, then flush if asked; true when it did within a
 * second. */
static bool writer_run(uint32_t records, bool flush)
{
    unsigned long flags = arch_irq_save();
    writer.to_write = records;
    writer.flush = flush;
    arch_irq_restore(flags);
    uint64_t start = arch_cycles(), limit = clock_ns_to_cycles(1000000000ull);
    while (READ_ONCE(writer.to_write) || READ_ONCE(writer.flush)) {
        if (arch_cycles() - start > limit)
            return false;
        arch_cpu_relax();
    }
    return true;
}

static context_t writer_context(void)
{
    struct irq_handler_info handlers[IRQ_HANDLERS_MAX];
    int count = irq_handlers_of(0, handlers, IRQ_HANDLERS_MAX);
    for (int i = 0; i < count && i < IRQ_HANDLERS_MAX; i++) {
        if (handlers[i].dev_id == &writer)
            return handlers[i].context;
    }
    return CONTEXT_NONE;
}

static uint64_t record_value(struct page *frame, uint32_t index)
{
    const struct frame_pipe_header *header = page_address(frame);
    uint64_t value;
    memcpy(&value, (const char *)(header + 1) + (size_t)index * header->record_size, sizeof(value));
    return value;
}

static struct frame_pipe small_records =
        FRAME_PIPE_INIT("test: small", sizeof(uint64_t), CONTEXT_BOOT, NULL);

/* Three records: in a frame being filled, EXCLUSIVE and the handler's, in order, the rest of
 * the frame zero; the flush hands it to the consumer, who frees it. */
static void a_handlers_records_land_in_a_frame_it_owns(struct ktest *t)
{
    uint64_t before = frames_not_held();
    KTEST_ASSERT_EQ(t, writer_start(&small_records), 0);
    KTEST_EXPECT_TRUE(t, writer_run(3, false));
    KTEST_EXPECT_EQ(t, writer.written, 3u);
    struct page *frame = READ_ONCE(small_records.filling);
    KTEST_EXPECT_NULL(t, frame_pipe_take(&small_records)); /* not handed over yet */
    if (frame) {
        const struct frame_pipe_header *header = page_address(frame);
        KTEST_EXPECT_EQ(t, page_owner(frame), writer_context()); /* EXCLUSIVE, the handler's */
        KTEST_EXPECT_EQ(t, header->records, 3u);
        KTEST_EXPECT_EQ(t, header->record_size, (uint32_t)sizeof(uint64_t));
        for (uint32_t i = 0; i < 4; i++)
            KTEST_EXPECT_EQ(t, record_value(frame, i), i < 3 ? i + 1 : 0);
    }
    KTEST_EXPECT_TRUE(t, writer_run(0, true));
    free_irq(0, &writer);
    struct page *taken = frame_pipe_take(&small_records);
    KTEST_ASSERT_NOT_NULL(t, frame);
    KTEST_ASSERT_EQ(t, taken, frame);
    KTEST_EXPECT_EQ(t, page_owner(taken), CONTEXT_BOOT); /* handed over */
    struct frame_pipe_stats stats;
    frame_pipe_get_stats(&small_records, &stats);
    KTEST_EXPECT_EQ(t, stats.records, 3u);
    KTEST_EXPECT_EQ(t, stats.frames_handed, 1u);
    KTEST_EXPECT_EQ(t, stats.queued, 0u);
    KTEST_EXPECT_EQ(t, stats.drops, 0u);
    KTEST_EXPECT_EQ(t, free_page(taken), 0);
    KTEST_EXPECT_EQ(t, frames_not_held(), before);
}

static struct frame_pipe big_records = FRAME_PIPE_INIT("test: big", 1024, CONTEXT_BOOT, NULL);

/* Three 1 KiB records fill a frame: the write of the third hands it over, with no flush, and
 * wakes the consumer; the fourth starts a new frame. */
static void a_full_frame_is_handed_over_by_the_write_that_fills_it(struct ktest *t)
{
    uint64_t before = frames_not_held();
    KTEST_ASSERT_EQ(t, frame_pipe_capacity(&big_records), 3u);
    KTEST_ASSERT_EQ(t, writer_start(&big_records), 0);
    KTEST_EXPECT_TRUE(t, writer_run(4, false));
    struct page *first = frame_pipe_take_wait(&big_records, 100);
    KTEST_EXPECT_TRUE(t, writer_run(0, true));
    free_irq(0, &writer);
    struct page *second = frame_pipe_take(&big_records);
    KTEST_ASSERT_NOT_NULL(t, first);
    KTEST_ASSERT_NOT_NULL(t, second);
    const struct frame_pipe_header *header = page_address(first);
    KTEST_EXPECT_EQ(t, header->records, 3u);
    KTEST_EXPECT_EQ(t, record_value(first, 2), 3u);
    header = page_address(second);
    KTEST_EXPECT_EQ(t, header->records, 1u);
    KTEST_EXPECT_EQ(t, record_value(second, 0), 4u);
    KTEST_EXPECT_EQ(t, page_owner(first), CONTEXT_BOOT);
    KTEST_EXPECT_EQ(t, free_page(first), 0);
    KTEST_EXPECT_EQ(t, free_page(second), 0);
    KTEST_EXPECT_EQ(t, frames_not_held(), before);
}

static struct frame_pipe starved = FRAME_PIPE_INIT("test: starved", 8, CONTEXT_BOOT, NULL);

/* Memory gone, the shared pads too: the handler's write finds no frame, drops the record and
 * counts it, and the next write after memory is back lands. The handler runs on CPU 0 (line
 * 0 goes there): the test takes that CPU's pads, on CPU 0, with every hot cache drained and
 * the timer's sensor paused (its consumer frees frames now and then, which a starved write
 * could pick up). */
static void without_a_frame_the_record_is_dropped_and_counted(struct ktest *t)
{
    uint64_t before = frames_not_held(), hog = 0;
    KTEST_ASSERT_EQ(t, writer_start(&starved), 0);
    sensor_pause();
    drain_every_hot_cache(0);
    memhog_take(&hog, GFP_KERNEL);
    memhog_take(&hog, GFP_ATOMIC);
    KTEST_EXPECT_TRUE(t, writer_run(2, false));
    struct frame_pipe_stats stats;
    frame_pipe_get_stats(&starved, &stats);
    KTEST_EXPECT_EQ(t, writer.refused, 2u);
    KTEST_EXPECT_EQ(t, stats.drops, 2u);
    KTEST_EXPECT_EQ(t, stats.records, 0u);
    KTEST_EXPECT_NULL(t, READ_ONCE(starved.filling));
    memhog_release(&hog);
    refill_every_reserve(-1); /* and lets the thread run anywhere again */
    sensor_resume();
    KTEST_EXPECT_TRUE(t, writer_run(1, true));
    free_irq(0, &writer);
    KTEST_EXPECT_EQ(t, writer.written, 1u);
    struct page *frame = frame_pipe_take(&starved);
    KTEST_ASSERT_NOT_NULL(t, frame);
    KTEST_EXPECT_EQ(t, record_value(frame, 0), 3u);
    KTEST_EXPECT_EQ(t, free_page(frame), 0);
    KTEST_EXPECT_EQ(t, frames_not_held(), before);
}

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
        KTEST_CASE(a_handlers_records_land_in_a_frame_it_owns),
        KTEST_CASE(a_full_frame_is_handed_over_by_the_write_that_fills_it),
        KTEST_CASE(without_a_frame_the_record_is_dropped_and_counted),
        KTEST_CASE(record_sizes_that_do_not_fit_are_refused),
        KTEST_CASE(a_frame_the_consumer_cannot_own_is_dropped_and_freed),
        {},
};
KTEST_SUITE(frame_pipe, frame_pipe_cases);
