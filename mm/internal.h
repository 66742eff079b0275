/* mm/internal.h - what the files of mm/ share with each other and with nobody else. */
#ifndef MM_INTERNAL_H
#define MM_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "mm/memmap.h"
#include "mm/page_alloc.h"

/* frame_db.c: builds the database for the usable ranges of map, all frames PAGE_RESERVED. */
void frame_db_init(const struct memmap *map);

/* Highest frame number the database covers, plus one. */
uint64_t frame_db_end_pfn(void);

/* page_alloc.c: one log line for a broken invariant (the function, the frame or descriptor,
 * what is wrong), and the counter it goes to. Any context. */
void mm_report(uint64_t *counter, const char *function, const struct page *page, const char *fmt,
               ...) __attribute__((format(printf, 4, 5)));

/* page_alloc.c, for the atomic reserve: an order-0 frame from the general pool, even below
 * min (NULL when there is none), left in transit; scrubbing (poison check, zeroing); and
 * giving a reserve frame back to the pool. Ordinary context. */
struct page *page_alloc_take_for_reserve(void);
void page_alloc_scrub(struct page *page);
void page_alloc_return_to_pool(struct page *page);

/* atomic_reserve.c: pops a scrubbed frame (NULL when empty, counted), counting it for IRQ
 * line `line` (-1: outside interrupts) and asking for a refill by deferred work when the
 * reserve falls below its target. Interrupts off. */
struct page *atomic_reserve_take(int line);

/* exclusive.c: may this context free this frame? 0, or -EPERM / -EBUSY (reported,
 * counted). Interrupts off. */
int exclusive_check_free(const struct page *page);

#endif
