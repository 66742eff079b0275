/* mm/exclusive.h - EXCLUSIVE frames: the landing pad of one execution context.
 *
 * A frame allocated with EXCLUSIVE (__GFP_EXCLUSIVE) is handed out zero-filled and records
 * its owner (kernel/context.h: an interrupt handler's registration, or a thread) in its
 * descriptor. It cannot be shared: a second reference is refused, and so is a second
 * mapping. Ownership moves only by page_hand_over, called by the owner (an interrupt handler
 * hands its filled frame to the thread that will process it). A free by another context is
 * refused; a double free is refused; on free the frame is poisoned whatever page_poison says,
 * and the poison is checked before it is reused. Every refusal is reported in one log line
 * and counted. A thread that ends still owning frames gets them freed (exclusive_reclaim).
 */
#ifndef MM_EXCLUSIVE_H
#define MM_EXCLUSIVE_H

#include <stdint.h>

#include "kernel/context.h"
#include "mm/page_alloc.h"

struct exclusive_errors {
    uint64_t wrong_owner;      /* freed, handed over or mapped by a context that does not own it */
    uint64_t invalid_owner;    /* handed over to a context that cannot own it */
    uint64_t second_reference; /* page_get on an EXCLUSIVE frame */
    uint64_t second_mapping;   /* vm_map_page of an EXCLUSIVE frame that is mapped already */
    uint64_t freed_while_mapped; /* freed while still mapped */
    uint64_t exits_holding;      /* threads that ended owning EXCLUSIVE frames */
    uint64_t reclaimed_at_exit;  /* frames of theirs poisoned and freed */
    uint64_t left_at_exit;       /* frames of theirs still mapped: left allocated */
};

/* Takes another reference to an allocated block (free_pages then drops one). Returns 0, or
 * -EBUSY for an EXCLUSIVE frame (refused, reported, counted) or a block already at the
 * maximum of 255 references, or -EINVAL for a frame that is not allocated. Any context. */
int page_get(struct page *page);

/* Makes new_owner the owner of an EXCLUSIVE frame. Only its owner may call this: anyone else
 * gets -EPERM (reported, counted). new_owner must be able to own it (kernel/context.h:
 * context_is_valid): nobody, a registration that is gone or an unknown id gets -EINVAL
 * (reported, counted), and the frame stays the caller's; so does a frame that is not
 * EXCLUSIVE (-EINVAL, not reported). Any context; never waits. */
int page_hand_over(struct page *page, context_t new_owner);

/* The calling thread, about to end, gives back the EXCLUSIVE blocks it still owns (`owner` is
 * its context): each is poisoned and freed, as its owner's free_pages would. A block still
 * mapped is left (there is no telling where) and added to *left. The thread must already
 * refuse new frames (thread_context_is_live false): hand-overs under way finish first.
 * Returns the frames freed; counted in exits_holding, reclaimed_at_exit and left_at_exit.
 * Finds them by walking the frame database, and only when the thread's count of frames it
 * owns is not zero (kernel/thread.h: thread_exclusive_frames): nothing to do for most ends.
 * Thread context, interrupts on. */
uint64_t exclusive_reclaim(context_t owner, uint64_t *left);

/* The owner of an EXCLUSIVE frame, or CONTEXT_NONE. */
context_t page_owner(const struct page *page);

void exclusive_get_errors(struct exclusive_errors *errors);

/* Called by vm_map_page / vm_unmap_page for the frame being (un)mapped. map returns -EPERM
 * (reported, counted) when the running context does not own the EXCLUSIVE frame, and -EBUSY
 * (reported, counted) when it is mapped already. Interrupts off. */
int exclusive_note_map(struct page *page);
void exclusive_note_unmap(struct page *page);

#endif
