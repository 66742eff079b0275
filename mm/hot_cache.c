/* mm/hot_cache.c - refilling the per-CPU hot cache from the buddy lists and draining it back,
 * a batch at a time. */
#include "mm/hot_cache.h"

#include "lib/string.h"
#include "mm/buddy.h"

void hot_cache_init(struct hot_cache *cache)
{
    *cache = (struct hot_cache){.high = PAGE_ALLOC_HOT_CACHE_HIGH, .batch = HOT_CACHE_BATCH};
}

static void refill(struct hot_cache *cache)
{
    spin_lock(&zone.lock);
    while (cache->count < cache->batch) {
        struct page *page = buddy_take(0);
        if (!page)
            break;
        page->state = PAGE_HOT;
        cache->frames[cache->count++] = page;
    }
    spin_unlock(&zone.lock);
}

struct page *hot_cache_take(struct hot_cache *cache)
{
    if (cache->count == 0)
        refill(cache);
    if (cache->count == 0)
        return NULL;
    return cache->frames[--cache->count];
}

void hot_cache_drain(struct hot_cache *cache, unsigned int count)
{
    count = MIN(count, cache->count);
    spin_lock(&zone.lock);
    for (unsigned int i = 0; i < count; i++)
        buddy_free(cache->frames[i], 0);
    spin_unlock(&zone.lock);
    memmove(&cache->frames[0], &cache->frames[count],
            (cache->count - count) * sizeof(cache->frames[0]));
    cache->count -= count;
}
