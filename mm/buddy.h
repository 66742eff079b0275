/* mm/buddy.h - the buddy free lists, private to mm/: one list of free blocks per order, all
 * of them under one lock. mm/buddy.c splits and merges; the hot cache (mm/hot_cache.h) and
 * the allocator's policy (mm/page_alloc.c) take and give blocks through it.
 */
#ifndef MM_BUDDY_H
#define MM_BUDDY_H

#include <stdint.h>

#include "kernel/spinlock.h"
#include "mm/page_alloc.h"

struct free_area {
    uint32_t head;  /* frame number of the first free block, or PFN_NONE */
    uint64_t count; /* blocks on this list */
};

/* All of physical memory: Labyrinth has one zone. */
struct zone {
    struct spinlock lock; /* guards the fields below and the links of free frames */
    struct free_area free_area[MAX_ORDER + 1];
    uint64_t free_pages; /* frames on the free lists; read without the lock for a glance */
};

extern struct zone zone;

/* Empties the lists. Boot only. */
void buddy_init(void);

/* Hands [start, end) (page-aligned physical addresses) to the lists as the largest aligned
 * blocks that fit. Returns the frames added. Boot only. */
uint64_t buddy_add_range(uint64_t start, uint64_t end);

/* Takes a free block of exactly `order`, splitting a larger one if need be. Returns its
 * head (state PAGE_TAIL: the caller gives it its new state), or NULL when nothing large
 * enough is free. zone.lock held. */
struct page *buddy_take(unsigned int order);

/* Puts a block back, merging it with its buddy for as long as the buddy is a free block of
 * the same order. zone.lock held. */
void buddy_free(struct page *page, unsigned int order);

#endif
