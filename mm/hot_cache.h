/* mm/hot_cache.h - the per-CPU hot cache, private to mm/: a small stack of free order-0
 * frames in front of the buddy lists, so the common allocation and free are a pop and a
 * push with interrupts off, and frames freed recently (still in the CPU's cache) are handed
 * out first. It is refilled from and drained to the buddy lists in batches, each under one
 * taking of the zone lock. Only its CPU touches a cache, with interrupts off: that, not a
 * lock, protects it.
 */
#ifndef MM_HOT_CACHE_H
#define MM_HOT_CACHE_H

#include "lib/compiler.h"
#include "mm/page_alloc.h"

#define HOT_CACHE_SIZE  256 /* room: high plus a batch, with margin */
#define HOT_CACHE_BATCH 32  /* frames moved per refill or drain */

struct hot_cache {
    unsigned int count; /* frames in frames[] */
    unsigned int high;  /* drain a batch when count goes above this */
    unsigned int batch; /* frames moved per refill or drain */
    struct page *frames[HOT_CACHE_SIZE];
};

/* An empty cache with the default high mark and batch. */
void hot_cache_init(struct hot_cache *cache);

/* Takes a frame (state PAGE_HOT; the caller gives it its new state), refilling a batch
 * from the buddy lists when the cache is empty. NULL when both are. Interrupts off. */
struct page *hot_cache_take(struct hot_cache *cache);

/* Returns the oldest `count` frames of the cache to the buddy lists, where they merge.
 * Interrupts off. */
void hot_cache_drain(struct hot_cache *cache, unsigned int count);

/* Pushes a free frame; above the high mark a batch goes back to the buddy lists.
 * Interrupts off. */
static inline void hot_cache_put(struct hot_cache *cache, struct page *page)
{
    page->state = PAGE_HOT;
    cache->frames[cache->count++] = page;
    if (unlikely(cache->count > cache->high))
        hot_cache_drain(cache, cache->batch);
}

#endif
