/* kernel/frame_pipe.c - records into EXCLUSIVE frames, frames into a queue, queue to the
 * consumer. */
#include "kernel/frame_pipe.h"

#include "kernel/printk.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/exclusive.h"

uint32_t frame_pipe_capacity(const struct frame_pipe *pipe)
{
    return (uint32_t)((PAGE_SIZE - sizeof(struct frame_pipe_header)) / pipe->record_size);
}

static struct frame_pipe_header *header_of(struct page *page)
{
    return page_address(page);
}

/* The pipe's lock held. */
static void enqueue(struct frame_pipe *pipe, struct page *page)
{
    uint32_t pfn = (uint32_t)page_to_pfn(page);
    page->next = PFN_NONE;
    if (pipe->queue_tail != PFN_NONE)
        pfn_to_page(pipe->queue_tail)->next = pfn;
    else
        pipe->queue_head = pfn;
    pipe->queue_tail = pfn;
    pipe->stats.frames_handed++;
    pipe->stats.queued++;
}

/* The hand-over was refused (the consumer cannot own a frame): the frame is still ours, its
 * records are lost. Counted as drops; the frame is freed by its owner. */
static void drop_frame(struct frame_pipe *pipe, struct page *page)
{
    uint32_t records = header_of(page)->records;
    spin_lock(&pipe->lock);
    pipe->stats.drops += records;
    pipe->stats.refused_hand_overs++;
    spin_unlock(&pipe->lock);
    int error = free_page(page); /* ours and unmapped: a refusal means a damaged descriptor */
    if (error)
        printk("frame_pipe: '%s': frame %#lx not freed (%s)\n", pipe->name, page_to_phys(page),
               errno_name(error));
}

void frame_pipe_flush(struct frame_pipe *pipe)
{
    assert_irqs_disabled();
    struct page *page = pipe->filling;
    if (!page)
        return;
    pipe->filling = NULL;
    /* LAB sensor: begin hand-over
     * Under the pipe's lock, so that the consumer cannot change (frame_pipe_set_consumer)
     * between the two: the frame becomes the consumer's (page_hand_over) and, if it did,
     * joins the queue (enqueue, which expects the lock held). Refused, it is still ours: drop
     * it (drop_frame, after the lock). Else wake a consumer waiting on pipe->ready, and request
     * pipe->on_frame when there is one. */
    spin_lock(&pipe->lock);
    int error = page_hand_over(page, pipe->consumer);
    if (!error)
        enqueue(pipe, page);
    spin_unlock(&pipe->lock);
    if (error) {
        drop_frame(pipe, page);
        return;
    }
    wait_queue_wake_all(&pipe->ready);
    if (pipe->on_frame)
        deferred_request(pipe->on_frame);
    /* LAB sensor: end hand-over */
}

bool frame_pipe_write(struct frame_pipe *pipe, const void *record)
{
    assert_irqs_disabled();
    if (unlikely(!pipe->registered)) {
        spin_lock(&pipe->lock);
        pipe->stats.drops++; /* refused at registration: nothing is written */
        spin_unlock(&pipe->lock);
        return false;
    }
    /* LAB sensor: begin landing
     * With no frame being filled, take one: alloc_page(GFP_ATOMIC | EXCLUSIVE), from the
     * landing pads; none to be had, count a drop and return false. Then copy the record in
     * after the header and the records before it, count it, hand the frame over when it is
     * full (frame_pipe_flush), and return true. */
    if (!pipe->filling) {
        pipe->filling = alloc_page(GFP_ATOMIC | EXCLUSIVE); /* zero-filled, ours */
        if (!pipe->filling) {
            spin_lock(&pipe->lock);
            pipe->stats.drops++;
            spin_unlock(&pipe->lock);
            return false;
        }
        header_of(pipe->filling)->record_size = pipe->record_size;
    }
    struct frame_pipe_header *header = header_of(pipe->filling);
    memcpy((char *)(header + 1) + (size_t)header->records * pipe->record_size, record,
           pipe->record_size);
    header->records++;
    spin_lock(&pipe->lock);
    pipe->stats.records++;
    spin_unlock(&pipe->lock);
    if (header->records == frame_pipe_capacity(pipe))
        frame_pipe_flush(pipe);
    return true;
    /* LAB sensor: end landing, placeholder: return false; */
}

int frame_pipe_set_consumer(struct frame_pipe *pipe, context_t consumer)
{
    unsigned long flags;
    spin_lock_irqsave(&pipe->lock, &flags);
    pipe->consumer = consumer;
    int error = 0;
    for (uint32_t pfn = pipe->queue_head; pfn != PFN_NONE; pfn = pfn_to_page(pfn)->next) {
        int refused = page_hand_over(pfn_to_page(pfn), consumer); /* reported */
        error = error ? error : refused;
    }
    spin_unlock_irqrestore(&pipe->lock, flags);
    return error;
}

struct page *frame_pipe_take(struct frame_pipe *pipe)
{
    unsigned long flags;
    spin_lock_irqsave(&pipe->lock, &flags);
    struct page *page = NULL;
    if (pipe->queue_head != PFN_NONE) {
        page = pfn_to_page(pipe->queue_head);
        pipe->queue_head = page->next;
        if (pipe->queue_head == PFN_NONE)
            pipe->queue_tail = PFN_NONE;
        pipe->stats.frames_taken++;
        pipe->stats.queued--;
    }
    spin_unlock_irqrestore(&pipe->lock, flags);
    return page;
}

struct page *frame_pipe_take_wait(struct frame_pipe *pipe, uint64_t timeout_ms)
{
    for (;;) {
        struct page *page = frame_pipe_take(pipe);
        if (page)
            return page;
        /* queued is written under the pipe's lock before the wake: read whole here. */
        if (wait_event_timeout(&pipe->ready, READ_ONCE(pipe->stats.queued) > 0, timeout_ms))
            return NULL;
    }
}

void frame_pipe_get_stats(struct frame_pipe *pipe, struct frame_pipe_stats *stats)
{
    unsigned long flags;
    spin_lock_irqsave(&pipe->lock, &flags);
    *stats = pipe->stats;
    spin_unlock_irqrestore(&pipe->lock, flags);
}

/* Registered at boot, before interrupts are on; read-only afterwards. */
static struct frame_pipe *registered;

int frame_pipe_register(struct frame_pipe *pipe)
{
    if (pipe->record_size == 0 ||
        pipe->record_size > PAGE_SIZE - sizeof(struct frame_pipe_header)) {
        printk("frame_pipe: '%s': records of %u bytes do not fit a frame; pipe refused\n",
               pipe->name, pipe->record_size);
        return -EINVAL;
    }
    pipe->registered = true;
    pipe->next_registered = registered;
    registered = pipe;
    return 0;
}

uint64_t frame_pipe_frames_in_flight(void)
{
    uint64_t frames = 0;
    for (struct frame_pipe *pipe = registered; pipe; pipe = pipe->next_registered)
        frames += (READ_ONCE(pipe->filling) != NULL) + READ_ONCE(pipe->stats.queued);
    return frames;
}
