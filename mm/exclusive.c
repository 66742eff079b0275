/* mm/exclusive.c - the rules of EXCLUSIVE frames. The allocator itself zeroes them, records
 * the owner (mm/page_alloc.c: finish_alloc, hand_out_pad) and poisons them on free; this file
 * checks who may free, reference, map and hand them over, and to whom, keeps each thread's
 * count of the frames it owns right as they move, and gives back what an ending thread
 * owns. */
#include "mm/exclusive.h"

#include "arch/arch.h"
#include "lib/errno.h"
#include "mm/internal.h"

/* Changed with interrupts off. */
static struct exclusive_errors errors;

/* A CPU in the middle of a hand-over to a thread: it checks that the thread still takes
 * frames and moves the frame with this set; an ending thread closes, then waits for every
 * CPU's to be clear once (exclusive_reclaim), so no frame reaches it after it counted what it
 * owns. A flag per CPU and not a lock: hand-overs run in interrupt handlers on every CPU at
 * every tick (the frame pipes), and one lock for all of them made 8 CPUs queue on it. Each
 * is written by its CPU with interrupts off. */
static bool handing_over[MAX_CPUS];

static bool is_exclusive(const struct page *page)
{
    return page->state == PAGE_ALLOCATED && (page->flags & PG_EXCLUSIVE);
}

int exclusive_check_free(const struct page *page)
{
    char owner[CONTEXT_NAME_MAX], current[CONTEXT_NAME_MAX];
    if (!(page->flags & PG_EXCLUSIVE))
        return 0;
    context_t self = context_current();
    /* LAB exclusive: begin owner-check
     * A free by a context that does not own the frame is refused: report it (mm_report,
     * counted in errors.wrong_owner, both contexts named) and return -EPERM. */
    if (page->owner != self) {
        mm_report(&errors.wrong_owner, "free_pages", page,
                  "EXCLUSIVE frame owned by %s, freed by %s: refused",
                  context_name(page->owner, owner), context_name(self, current));
        return -EPERM;
    }
    /* LAB exclusive: end owner-check */
    if (page->flags & PG_MAPPED) {
        mm_report(&errors.freed_while_mapped, "free_pages", page,
                  "EXCLUSIVE frame freed while still mapped: refused");
        return -EBUSY;
    }
    thread_count_exclusive(self, -((int64_t)1 << page->order)); /* the caller frees it now */
    return 0;
}

int page_get(struct page *page)
{
    unsigned long flags = arch_irq_save();
    int error = 0;
    if (page->state != PAGE_ALLOCATED) {
        error = -EINVAL;
    } else if (page->flags & PG_EXCLUSIVE) {
        mm_report(&errors.second_reference, "page_get", page,
                  "second reference to an EXCLUSIVE frame: refused");
        error = -EBUSY;
    } else if (page->refcount == UINT8_MAX) {
        error = -EBUSY;
    } else {
        page->refcount++;
    }
    arch_irq_restore(flags);
    return error;
}

/* Refuses (-EINVAL, reported, counted) a new owner that cannot own a frame: nobody, a
 * registration that is gone, an id nothing has. */
static int check_new_owner(const struct page *page, context_t new_owner)
{
    char name[CONTEXT_NAME_MAX];
    if (context_is_valid(new_owner))
        return 0;
    mm_report(&errors.invalid_owner, "page_hand_over", page,
              "EXCLUSIVE frame handed over to %s, which cannot own it: refused",
              context_name(new_owner, name));
    return -EINVAL;
}

/* A hand-over to a thread runs with this CPU's handing_over set, so that the thread cannot
 * begin to end between the check that it may own the frame and the frame becoming its own:
 * set, then a full fence, then the check (the ending thread stores its close, a full fence,
 * then looks at the flags). Returns whether it was set. Interrupts off. */
static bool begin_hand_over(context_t new_owner)
{
    if (!context_is_thread(new_owner))
        return false;
    WRITE_ONCE(handing_over[arch_cpu_id()], true);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return true;
}

/* After a hand-over: the block of 2^order frames leaves the giver's count for the taker's
 * (threads'). */
static void count_move(unsigned int order, context_t from, context_t to)
{
    int64_t frames = (int64_t)1 << order;
    thread_count_exclusive(from, -frames);
    thread_count_exclusive(to, frames);
}

int page_hand_over(struct page *page, context_t new_owner)
{
    char owner[CONTEXT_NAME_MAX], current[CONTEXT_NAME_MAX];
    unsigned int order = page->order; /* read while ours: the new owner may free it at once */
    unsigned long flags = arch_irq_save();
    bool to_thread = begin_hand_over(new_owner);
    context_t self = context_current();
    int error = 0;
    /* LAB exclusive: begin hand-over
     * Only an EXCLUSIVE frame (else -EINVAL), only by its owner (else -EPERM, reported and
     * counted as for a free), only to a context that can own it (check_new_owner): then the
     * frame is new_owner's. `error` says which. */
    if (!is_exclusive(page)) {
        error = -EINVAL;
    } else if (page->owner != self) {
        mm_report(&errors.wrong_owner, "page_hand_over", page,
                  "EXCLUSIVE frame owned by %s, handed over by %s: refused",
                  context_name(page->owner, owner), context_name(self, current));
        error = -EPERM;
    } else if ((error = check_new_owner(page, new_owner)) == 0) {
        page->owner = new_owner;
    }
    /* LAB exclusive: end hand-over */
    if (!error)
        count_move(order, self, new_owner);
    if (to_thread)
        __atomic_store_n(&handing_over[arch_cpu_id()], false, __ATOMIC_RELEASE);
    arch_irq_restore(flags);
    return error;
}

context_t page_owner(const struct page *page)
{
    return is_exclusive(page) ? page->owner : CONTEXT_NONE;
}

int exclusive_note_map(struct page *page)
{
    char owner[CONTEXT_NAME_MAX], current[CONTEXT_NAME_MAX];
    if (!is_exclusive(page))
        return 0;
    context_t self = context_current();
    if (page->owner != self) {
        mm_report(&errors.wrong_owner, "vm_map_page", page,
                  "EXCLUSIVE frame owned by %s, mapped by %s: refused",
                  context_name(page->owner, owner), context_name(self, current));
        return -EPERM;
    }
    if (page->flags & PG_MAPPED) {
        mm_report(&errors.second_mapping, "vm_map_page", page,
                  "EXCLUSIVE frame is mapped already: second mapping refused");
        return -EBUSY;
    }
    page->flags |= PG_MAPPED;
    return 0;
}

void exclusive_note_unmap(struct page *page)
{
    if (is_exclusive(page))
        page->flags &= (uint8_t)~PG_MAPPED;
}

void exclusive_get_errors(struct exclusive_errors *out)
{
    unsigned long flags = arch_irq_save();
    *out = errors;
    arch_irq_restore(flags);
}

/* --- an ending thread's frames ------------------------------------------------------------ */

/* Frees one block the ending thread owns; true when it was freed (a mapped one is left). */
static bool reclaim_block(struct page *page, uint64_t *freed, uint64_t *left)
{
    uint64_t frames = 1ull << page->order;
    if (page->flags & PG_MAPPED) {
        *left += frames;
        return false;
    }
    if (free_pages(page, page->order) != 0) { /* reported by free_pages */
        *left += frames;
        return false;
    }
    *freed += frames;
    return true;
}

/* Walks the frame database for heads of EXCLUSIVE blocks `owner` has, until `held` frames
 * are found. Only the owner changes such a block, and it is the caller: the walk needs no
 * lock, and frees as it goes. */
static void reclaim_walk(context_t owner, uint64_t held, uint64_t *freed, uint64_t *left)
{
    for (uint64_t block = 0; block < frame_db_blocks && *freed + *left < held; block++) {
        uint64_t pfn = block << MAX_ORDER, end = pfn + MAX_ORDER_PAGES;
        if (!frame_db_has(pfn))
            continue;
        for (; pfn < end && *freed + *left < held; pfn++) {
            struct page *page = pfn_to_page(pfn);
            if (READ_ONCE(page->owner) == owner && is_exclusive(page))
                reclaim_block(page, freed, left);
        }
    }
}

static void count_reclaim(uint64_t freed, uint64_t left)
{
    unsigned long flags = arch_irq_save();
    errors.exits_holding++;
    errors.reclaimed_at_exit += freed;
    errors.left_at_exit += left;
    arch_irq_restore(flags);
}

uint64_t exclusive_reclaim(context_t owner, uint64_t *left)
{
    /* A hand-over that saw the thread still taking frames finishes before its CPU's flag is
     * clear: once every flag was seen clear, the count is complete and nothing else comes. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST); /* the close (thread.c) before the looks */
    for (unsigned int cpu = 0; cpu < MAX_CPUS; cpu++) {
        while (__atomic_load_n(&handing_over[cpu], __ATOMIC_ACQUIRE))
            arch_cpu_relax();
    }
    *left = 0;
    uint64_t held = thread_exclusive_frames(owner), freed = 0;
    if (!held)
        return 0;
    reclaim_walk(owner, held, &freed, left);
    if (freed || *left) /* a count gone wrong finds nothing: no end holding frames */
        count_reclaim(freed, *left);
    return freed;
}
