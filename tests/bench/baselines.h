/* tests/bench/baselines.h - the two allocators Labyrinth's is measured against, written for
 * the benchmarks and nothing else:
 * - a bare LIFO free list of frames, the link kept in the free frame itself (xv6's kalloc):
 *   the floor, nothing is cheaper; it has no orders, no checks, and must write every frame
 *   to build its list;
 * - a bitmap first-fit allocator, one bit per frame (most hobby kernels): finds a free run of
 *   2^order aligned frames by scanning from the start.
 * Both work on frame numbers and reach frames through phys_to_virt, so the same code runs in
 * the kernel and on the host's fake memory.
 */
#ifndef TESTS_BENCH_BASELINES_H
#define TESTS_BENCH_BASELINES_H

#include <stdbool.h>
#include <stdint.h>

#include "mm/page_alloc.h"

#define BASELINE_NONE UINT64_MAX

struct freelist {
    uint64_t head; /* frame number of the first free frame, or BASELINE_NONE */
};

void freelist_init(struct freelist *list);
void freelist_push(struct freelist *list, uint64_t pfn); /* writes the link into the frame */
uint64_t freelist_pop(struct freelist *list);            /* BASELINE_NONE when empty */

struct bitmap_allocator {
    uint64_t *bits;     /* bit set: frame in use (or not the allocator's) */
    uint64_t first_pfn; /* the frame bit 0 stands for (a multiple of 64) */
    uint64_t words;
};

/* Covers frames [first_pfn, first_pfn + 64 * words), all in use until bitmap_release. */
void bitmap_init(struct bitmap_allocator *bitmap, uint64_t *bits, uint64_t first_pfn,
                 uint64_t words);
void bitmap_release(struct bitmap_allocator *bitmap, uint64_t pfn, unsigned int order);

/* The first free, aligned run of 2^order frames (order <= 10), or BASELINE_NONE. */
uint64_t bitmap_alloc(struct bitmap_allocator *bitmap, unsigned int order);

/* --- the mixed-orders workload both benchmarks run, on Labyrinth's allocator and on the
 * bitmap: pick one of 256 slots at random; free what it holds, or allocate a random order
 * (0 ... 10) into it. Inline, so the timed region holds nothing else. */
#define MIXED_SLOTS 256

struct mixed_workload {
    uint64_t state; /* xorshift64 */
    struct page *pages[MIXED_SLOTS];
    uint64_t pfns[MIXED_SLOTS]; /* the bitmap's blocks, BASELINE_NONE when empty */
    uint8_t orders[MIXED_SLOTS];
    uint64_t refused; /* frees the allocator refused: 0 unless it is broken */
};

static inline uint64_t bench_random(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

void mixed_workload_init(struct mixed_workload *work);

/* Frees whatever the allocator's slots still hold (refusals are counted in `refused`). */
void mixed_workload_finish(struct mixed_workload *work);

static inline void mixed_step(struct mixed_workload *work)
{
    uint64_t r = bench_random(&work->state), slot = r % MIXED_SLOTS;
    if (work->pages[slot]) {
        work->refused += free_pages(work->pages[slot], work->orders[slot]) != 0;
        work->pages[slot] = NULL;
    } else {
        work->orders[slot] = (uint8_t)((r >> 32) % (MAX_ORDER + 1));
        work->pages[slot] = alloc_pages(GFP_NOWAIT, work->orders[slot]); /* NULL, never a wait */
    }
}

static inline void mixed_step_bitmap(struct mixed_workload *work, struct bitmap_allocator *bitmap)
{
    uint64_t r = bench_random(&work->state), slot = r % MIXED_SLOTS;
    if (work->pfns[slot] != BASELINE_NONE) {
        bitmap_release(bitmap, work->pfns[slot], work->orders[slot]);
        work->pfns[slot] = BASELINE_NONE;
    } else {
        work->orders[slot] = (uint8_t)((r >> 32) % (MAX_ORDER + 1));
        work->pfns[slot] = bitmap_alloc(bitmap, work->orders[slot]);
    }
}

/* Frames for the baselines, taken from Labyrinth's own allocator as 4 MiB blocks, so the
 * baselines write only into memory nobody else uses; bits is a bitmap covering them. */
struct baseline_pool {
    uint64_t blocks[256]; /* frame numbers of the order-10 blocks */
    uint64_t count, first_pfn, words;
    uint64_t *bits;
    struct page *bits_page;
    unsigned int bits_order;
};

/* Takes blocks until they hold `frames` (at most 256 blocks); false when none could be had.
 * Giving them back returns the number of frees the allocator refused (0 unless broken). */
bool baseline_pool_take(struct baseline_pool *pool, uint64_t frames);
uint64_t baseline_pool_give_back(struct baseline_pool *pool);

/* Fills a free list (or a bitmap) with every frame of the pool. */
void baseline_fill_freelist(struct freelist *list, const struct baseline_pool *pool);
void baseline_fill_bitmap(struct bitmap_allocator *bitmap, const struct baseline_pool *pool);

#endif
