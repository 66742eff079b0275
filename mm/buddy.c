/* mm/buddy.c - the buddy allocator's free lists.
 *
 * Free memory is kept as blocks of 2^order frames, aligned to their size, on one free list
 * per order. Taking splits a larger block when no block of the right order is free; freeing
 * merges a block with its "buddy" (the equal-sized neighbour it was split from, found by
 * flipping bit `order` of the frame number) as long as that buddy is free too. Both take
 * O(MAX_ORDER) steps and never scan memory. Lists are linked through the descriptors (frame
 * numbers, not pointers), so they cost no memory of their own.
 *
 * The split and the merge are lab 1 of the course (labs/buddy.md): the LAB markers around them
 * are where `make lab LAB=buddy` cuts them out.
 */
#include "mm/buddy.h"

#include "kernel/panic.h"

/* The lock's hold time is measured: a figure of make bench. */
struct zone zone = {.lock = SPINLOCK_INIT_MEASURED("zone")};

static void list_add(struct free_area *area, struct page *page)
{
    uint32_t pfn = (uint32_t)page_to_pfn(page);
    page->prev = PFN_NONE;
    page->next = area->head;
    if (area->head != PFN_NONE)
        pfn_to_page(area->head)->prev = pfn;
    area->head = pfn;
    area->count++;
}

static void list_del(struct free_area *area, struct page *page)
{
    if (page->prev != PFN_NONE)
        pfn_to_page(page->prev)->next = page->next;
    else
        area->head = page->next;
    if (page->next != PFN_NONE)
        pfn_to_page(page->next)->prev = page->prev;
    area->count--;
}

static void free_block_add(struct page *page, unsigned int order)
{
    page->state = PAGE_FREE;
    page->order = (uint8_t)order;
    list_add(&zone.free_area[order], page);
    zone.free_pages += 1ul << order;
}

static void free_block_del(struct page *page, unsigned int order)
{
    list_del(&zone.free_area[order], page);
    zone.free_pages -= 1ul << order;
}

struct page *buddy_take(unsigned int order)
{
    unsigned int found = order;
    while (found <= MAX_ORDER && zone.free_area[found].head == PFN_NONE)
        found++;
    if (found > MAX_ORDER)
        return NULL;
    struct page *page = pfn_to_page(zone.free_area[found].head);
    if (unlikely(page->state != PAGE_FREE || page->order != found))
        panic("page_alloc: free list %u holds frame %#lx in state %u order %u: memory "
              "corruption",
              found, page_to_phys(page), page->state, page->order);
    free_block_del(page, found);
    /* LAB buddy: begin split
     * The block at `page` has order `found`, which is larger than the `order` asked for when
     * no block of that order was free. Halve it until it has `order`: each time, the upper
     * half becomes a free block of the order below and goes back on its list
     * (free_block_add); the lower half is kept and split further. */
    while (found > order) {
        found--;
        free_block_add(page + (1ul << found), found); /* the upper half stays free */
    }
    /* LAB buddy: end split */
    page->state = PAGE_TAIL; /* the caller gives it its new state */
    return page;
}

/* Descriptors exist for whole 4 MiB blocks, so the buddy's always does. */
void buddy_free(struct page *page, unsigned int order)
{
    /* LAB buddy: begin merge
     * Before `page` (a block of `order`) goes on a free list, merge it with its buddy for as
     * long as the buddy is a free block of the same order (state PAGE_FREE, that order):
     * take the buddy off its list (free_block_del), mark both heads PAGE_TAIL, and carry on
     * with the merged block, which starts at the lower of the two and is one order larger.
     * The buddy's frame number is this block's with bit `order` flipped; stop at MAX_ORDER. */
    uint64_t pfn = page_to_pfn(page);
    while (order < MAX_ORDER) {
        uint64_t buddy_pfn = pfn ^ (1ul << order);
        struct page *buddy = pfn_to_page(buddy_pfn);
        if (buddy->state != PAGE_FREE || buddy->order != order)
            break;
        free_block_del(buddy, order);
        buddy->state = PAGE_TAIL;
        page->state = PAGE_TAIL;
        pfn &= ~(1ul << order); /* the merged block starts at the lower of the two */
        page = pfn_to_page(pfn);
        order++;
    }
    /* LAB buddy: end merge */
    free_block_add(page, order);
}

void buddy_init(void)
{
    for (unsigned int order = 0; order <= MAX_ORDER; order++)
        zone.free_area[order] = (struct free_area){PFN_NONE, 0};
    zone.free_pages = 0;
}

uint64_t buddy_add_range(uint64_t start, uint64_t end)
{
    uint64_t pfn = start >> PAGE_SHIFT, end_pfn = end >> PAGE_SHIFT, added = 0;
    while (pfn < end_pfn) {
        unsigned int order = MAX_ORDER;
        while ((pfn & ((1ul << order) - 1)) || pfn + (1ul << order) > end_pfn)
            order--;
        for (uint64_t tail = pfn + 1; tail < pfn + (1ul << order); tail++)
            pfn_to_page(tail)->state = PAGE_TAIL;
        free_block_add(pfn_to_page(pfn), order);
        added += 1ul << order;
        pfn += 1ul << order;
    }
    return added;
}
