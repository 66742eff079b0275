/* mm/exclusive.c - the rules of EXCLUSIVE frames. The allocator itself zeroes them, records
 * the owner (mm/page_alloc.c: finish_alloc, hand_out_pad) and poisons them on free; this file
 * checks who may free, reference, map and hand them over, and to whom. */
#include "mm/exclusive.h"

#include "arch/arch.h"
#include "lib/errno.h"
#include "mm/internal.h"

/* Changed with interrupts off. */
static struct exclusive_errors errors;

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

int page_hand_over(struct page *page, context_t new_owner)
{
    char owner[CONTEXT_NAME_MAX], current[CONTEXT_NAME_MAX];
    unsigned long flags = arch_irq_save();
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
