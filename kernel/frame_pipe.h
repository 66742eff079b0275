/* kernel/frame_pipe.h - how an interrupt handler passes data to ordinary context without
 * sharing memory: it writes records into a frame of its own, taken with
 * alloc_page(GFP_ATOMIC | EXCLUSIVE), and when the frame is full (or at the end of the
 * interrupt, for data that must not wait) hands the frame over to the consumer with
 * page_hand_over and queues it. The consumer takes whole frames, reads them, and frees them,
 * which tops the atomic reserve up. When no frame can be had, the record is dropped and
 * counted, and the handler returns: nothing else breaks, and writing resumes as soon as
 * memory is back.
 */
#ifndef KERNEL_FRAME_PIPE_H
#define KERNEL_FRAME_PIPE_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/context.h"
#include "kernel/deferred.h"
#include "kernel/spinlock.h"
#include "kernel/wait.h"
#include "mm/page_alloc.h"

/* The first bytes of every frame in a pipe; the records follow. */
struct frame_pipe_header {
    uint32_t records;     /* records written in this frame */
    uint32_t record_size; /* bytes each */
};

struct frame_pipe_stats {
    uint64_t records;            /* written */
    uint64_t drops;              /* records lost: no frame could be had, or the consumer could not
                                  * own the frame they were in */
    uint64_t frames_handed;      /* frames handed over to the consumer */
    uint64_t frames_taken;       /* frames the consumer took */
    uint64_t queued;             /* frames handed over and not taken yet */
    uint64_t refused_hand_overs; /* frames the consumer could not own: freed, records dropped */
};

struct frame_pipe {
    const char *name;
    uint32_t record_size;
    context_t consumer;             /* who frames are handed to */
    struct deferred_work *on_frame; /* requested whenever a frame is handed over (may be NULL) */
    bool registered;                /* set by frame_pipe_register once the record size is checked */
    /* The producer's side: touched only by the producing handler, with interrupts off. */
    struct page *filling;
    /* lock guards the queue and the figures. */
    struct spinlock lock;
    uint32_t queue_head, queue_tail; /* frame numbers, linked through struct page.next */
    struct frame_pipe_stats stats;
    struct wait_queue ready;            /* a consumer thread waits here for frames */
    struct frame_pipe *next_registered; /* the list frame_pipe_frames_in_flight walks */
};

#define FRAME_PIPE_INIT(pipe_name, size, consumer_context, work)                                   \
    {                                                                                              \
        .name = (pipe_name), .record_size = (size), .consumer = (consumer_context),                \
        .on_frame = (work), .lock = SPINLOCK_INIT(pipe_name), .queue_head = PFN_NONE,              \
        .queue_tail = PFN_NONE, .ready = WAIT_QUEUE_INIT(pipe_name)                                \
    }

/* How many records of the pipe's size one frame holds. */
uint32_t frame_pipe_capacity(const struct frame_pipe *pipe);

/* Appends a record; hands the frame over when it is full. Returns false when the record was
 * dropped (no frame, or a pipe frame_pipe_register refused). A frame the consumer cannot own
 * (page_hand_over refused it) is freed and its records counted as drops. The producer's
 * context only (an interrupt handler, or code with interrupts off); never waits. */
bool frame_pipe_write(struct frame_pipe *pipe, const void *record);

/* Hands the partly filled frame over now, if there is one (for data that must not wait for
 * a full frame, such as keystrokes). The producer's context only. */
void frame_pipe_flush(struct frame_pipe *pipe);

/* Makes `consumer` (a thread's context, kernel/thread.h: thread_context) the one frames are
 * handed over to from now on, and hands it the frames queued already: the caller must own
 * those, being the consumer until now (a pipe's first consumer is set before anything is
 * queued). Returns 0, or the first refusal of page_hand_over (reported; that frame stays
 * queued, the caller's). Ordinary context; never waits. */
int frame_pipe_set_consumer(struct frame_pipe *pipe, context_t consumer);

/* Takes the oldest handed-over frame, now owned by the consumer, or NULL when none is
 * queued. The caller reads it (page_address: a frame_pipe_header, then the records) and
 * frees it with free_page. Any context; never waits. */
struct page *frame_pipe_take(struct frame_pipe *pipe);

/* Takes the oldest handed-over frame as frame_pipe_take does, sleeping while none is queued.
 * Returns the frame, or NULL when timeout_ms (0: no limit) passed first or the caller may
 * not sleep (reported). Thread context; waits. */
struct page *frame_pipe_take_wait(struct frame_pipe *pipe, uint64_t timeout_ms);

void frame_pipe_get_stats(struct frame_pipe *pipe, struct frame_pipe_stats *stats);

/* Checks the pipe and adds it to those frame_pipe_frames_in_flight counts. Returns 0, or
 * -EINVAL (one log line) for a record size of 0 or one that does not fit a frame with its
 * header: such a pipe drops every record. Boot, ordinary context; before the producer's
 * first write. */
int frame_pipe_register(struct frame_pipe *pipe);

/* Frames held by registered pipes: being filled, or handed over and not taken yet. With the
 * allocator's unallocated count it accounts for every frame (tests use the sum to check that
 * nothing leaks while handlers allocate). Call with interrupts off for a consistent sum. */
uint64_t frame_pipe_frames_in_flight(void);

#endif
