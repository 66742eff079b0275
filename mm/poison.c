/* mm/poison.c - freed frames filled with a pattern (0xaa), and the pattern checked before the
 * frame is handed out again: a write through a pointer kept after free (a dangling
 * reference) shows up as damaged poison, reported with the offset and the byte found. As
 * xv6's kfree fills a freed page "with junk to catch dangling refs", but checked. */
#include "arch/arch.h"
#include "lib/string.h"
#include "mm/internal.h"

#define POISON_WORD 0xaaaaaaaaaaaaaaaaull

_Static_assert(POISON_WORD == 0x0101010101010101ull * PAGE_POISON_BYTE, "one byte, eight times");

/* Frames whose PG_POISONED flag is set: when none are, allocations need not look. Changed
 * atomically, by whoever owns the frame whose flag changes. */
static uint64_t poisoned_frames;

/* Returns the offset of the first byte of the frame that is not poison, or -1. */
static int poison_damage(const struct page *page)
{
    /* LAB exclusive: begin poison-check
     * Look for the first byte of the frame that is not PAGE_POISON_BYTE and return its
     * offset. A word at a time (POISON_WORD), then the byte within the word. */
    const uint64_t *words = page_address(page);
    for (unsigned int i = 0; i < PAGE_SIZE / 8; i++) {
        if (words[i] != POISON_WORD) {
            const uint8_t *bytes = (const uint8_t *)&words[i];
            int byte = 0;
            while (bytes[byte] == PAGE_POISON_BYTE)
                byte++;
            return (int)(i * 8) + byte;
        }
    }
    /* LAB exclusive: end poison-check */
    return -1;
}

static void report_damage(struct page *frame, int offset)
{
    unsigned long flags = arch_irq_save();
    mm_report(&mm_errors.poison_corrupted, "alloc_pages", frame,
              "poison overwritten at offset %#x (found %#x, expected %#x): written after it "
              "was freed",
              offset, ((const uint8_t *)page_address(frame))[offset], PAGE_POISON_BYTE);
    arch_irq_restore(flags);
}

void poison_check(struct page *page, unsigned int order)
{
    /* Nothing poisoned anywhere (page_poison off, no EXCLUSIVE frame freed since): no need to
     * look at each of the 2^order descriptors. */
    if (!__atomic_load_n(&poisoned_frames, __ATOMIC_RELAXED))
        return;
    for (unsigned long i = 0; i < (1ul << order); i++) {
        struct page *frame = page + i;
        if (!(frame->flags & PG_POISONED))
            continue;
        int offset = poison_damage(frame);
        if (offset >= 0)
            report_damage(frame, offset);
        frame->flags &= (uint8_t)~PG_POISONED;
        __atomic_sub_fetch(&poisoned_frames, 1, __ATOMIC_RELAXED);
    }
}

void poison_fill(struct page *page, unsigned int order)
{
    memset(page_address(page), PAGE_POISON_BYTE, PAGE_SIZE << order);
    for (unsigned long i = 0; i < (1ul << order); i++) {
        if (!(page[i].flags & PG_POISONED))
            __atomic_add_fetch(&poisoned_frames, 1, __ATOMIC_RELAXED);
        page[i].flags |= PG_POISONED;
    }
}
