/* tests/bench/baselines.c - the free list and the bitmap allocator of baselines.h. */
#include "tests/bench/baselines.h"

#include "mm/layout.h"

void freelist_init(struct freelist *list)
{
    list->head = BASELINE_NONE;
}

void freelist_push(struct freelist *list, uint64_t pfn)
{
    *(uint64_t *)phys_to_virt(pfn << PAGE_SHIFT) = list->head;
    list->head = pfn;
}

uint64_t freelist_pop(struct freelist *list)
{
    uint64_t pfn = list->head;
    if (pfn != BASELINE_NONE)
        list->head = *(const uint64_t *)phys_to_virt(pfn << PAGE_SHIFT);
    return pfn;
}

void bitmap_init(struct bitmap_allocator *bitmap, uint64_t *bits, uint64_t first_pfn,
                 uint64_t words)
{
    bitmap->bits = bits;
    bitmap->first_pfn = first_pfn;
    bitmap->words = words;
    for (uint64_t i = 0; i < words; i++)
        bits[i] = ~0ull;
}

/* Sets or clears the bits of [index, index + count): count is 2^order, aligned. */
static void set_run(struct bitmap_allocator *bitmap, uint64_t index, uint64_t count, bool used)
{
    if (count >= 64) {
        for (uint64_t word = index / 64; word < (index + count) / 64; word++)
            bitmap->bits[word] = used ? ~0ull : 0;
        return;
    }
    uint64_t mask = ((1ull << count) - 1) << (index % 64);
    if (used)
        bitmap->bits[index / 64] |= mask;
    else
        bitmap->bits[index / 64] &= ~mask;
}

void bitmap_release(struct bitmap_allocator *bitmap, uint64_t pfn, unsigned int order)
{
    set_run(bitmap, pfn - bitmap->first_pfn, 1ull << order, false);
}

/* Within one word: the first aligned run of `count` (< 64) zero bits, or -1. */
static int run_in_word(uint64_t word, uint64_t count)
{
    if (word == ~0ull)
        return -1;
    if (count == 1)
        return __builtin_ctzll(~word);
    uint64_t mask = (1ull << count) - 1;
    for (unsigned int shift = 0; shift < 64; shift += (unsigned int)count) {
        if (!(word & (mask << shift)))
            return (int)shift;
    }
    return -1;
}

uint64_t bitmap_alloc(struct bitmap_allocator *bitmap, unsigned int order)
{
    uint64_t count = 1ull << order;
    if (count < 64) {
        for (uint64_t word = 0; word < bitmap->words; word++) {
            int bit = run_in_word(bitmap->bits[word], count);
            if (bit >= 0) {
                set_run(bitmap, word * 64 + (uint64_t)bit, count, true);
                return bitmap->first_pfn + word * 64 + (uint64_t)bit;
            }
        }
        return BASELINE_NONE;
    }
    uint64_t span = count / 64;
    for (uint64_t word = 0; word + span <= bitmap->words; word += span) {
        uint64_t i = 0;
        while (i < span && bitmap->bits[word + i] == 0)
            i++;
        if (i == span) {
            set_run(bitmap, word * 64, count, true);
            return bitmap->first_pfn + word * 64;
        }
    }
    return BASELINE_NONE;
}

bool baseline_pool_take(struct baseline_pool *pool, uint64_t frames)
{
    uint64_t low = UINT64_MAX, high = 0;
    pool->count = 0;
    pool->bits_page = NULL;
    while (pool->count * MAX_ORDER_PAGES < frames && pool->count < 256) {
        struct page *block = alloc_pages(GFP_NOWAIT, MAX_ORDER); /* none left: stop, not wait */
        if (!block)
            break;
        uint64_t pfn = page_to_pfn(block);
        pool->blocks[pool->count++] = pfn;
        low = pfn < low ? pfn : low;
        high = pfn + MAX_ORDER_PAGES > high ? pfn + MAX_ORDER_PAGES : high;
    }
    if (!pool->count)
        return false;
    pool->first_pfn = low;
    pool->words = (high - low) / 64;
    pool->bits_order = 0;
    while ((PAGE_SIZE << pool->bits_order) < pool->words * 8)
        pool->bits_order++;
    pool->bits_page = alloc_pages(GFP_KERNEL, pool->bits_order);
    pool->bits = pool->bits_page ? page_address(pool->bits_page) : NULL;
    return pool->bits != NULL;
}

uint64_t baseline_pool_give_back(struct baseline_pool *pool)
{
    uint64_t refused = 0;
    for (uint64_t i = 0; i < pool->count; i++)
        refused += free_pages(pfn_to_page(pool->blocks[i]), MAX_ORDER) != 0;
    if (pool->bits_page)
        refused += free_pages(pool->bits_page, pool->bits_order) != 0;
    pool->count = 0;
    pool->bits_page = NULL;
    return refused;
}

void baseline_fill_freelist(struct freelist *list, const struct baseline_pool *pool)
{
    freelist_init(list);
    for (uint64_t i = pool->count; i-- > 0;) {
        for (uint64_t frame = MAX_ORDER_PAGES; frame-- > 0;)
            freelist_push(list, pool->blocks[i] + frame);
    }
}

void baseline_fill_bitmap(struct bitmap_allocator *bitmap, const struct baseline_pool *pool)
{
    bitmap_init(bitmap, pool->bits, pool->first_pfn, pool->words);
    for (uint64_t i = 0; i < pool->count; i++)
        bitmap_release(bitmap, pool->blocks[i], MAX_ORDER);
}

void mixed_workload_init(struct mixed_workload *work)
{
    work->state = 0x9e3779b97f4a7c15ull;
    work->refused = 0;
    for (int slot = 0; slot < MIXED_SLOTS; slot++) {
        work->pages[slot] = NULL;
        work->pfns[slot] = BASELINE_NONE;
    }
}

void mixed_workload_finish(struct mixed_workload *work)
{
    for (int slot = 0; slot < MIXED_SLOTS; slot++) {
        if (work->pages[slot])
            work->refused += free_pages(work->pages[slot], work->orders[slot]) != 0;
        work->pages[slot] = NULL;
    }
}
