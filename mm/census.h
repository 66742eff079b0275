/* mm/census.h - counting every frame by walking the frame database, and checking the count
 * against the allocator's own figures: after a stress test, every frame must be somewhere
 * (free on a buddy list, in a hot cache, in an atomic reserve, or allocated), once.
 */
#ifndef MM_CENSUS_H
#define MM_CENSUS_H

#include <stdbool.h>
#include <stdint.h>

struct frame_census {
    /* By walking the descriptors: blocks counted in frames. */
    uint64_t free;      /* heads of free blocks on the buddy lists */
    uint64_t hot;       /* in a CPU's hot cache */
    uint64_t reserve;   /* in a CPU's atomic reserve */
    uint64_t allocated; /* heads of allocated blocks */
    uint64_t exclusive; /* of which EXCLUSIVE */
    uint64_t stray;     /* inside no block: a tail no head covers, a block cut short */
    /* The allocator's own figures, read in the same pass. */
    uint64_t managed, free_listed, hot_cached, reserved_level;
};

/* Walks every descriptor with the zone lock held and interrupts off, and reads the figures
 * it should agree with. Returns true when they do: no stray frame, free == free_listed, hot
 * == hot_cached, reserve == reserved_level, and the four add up to managed. Meaningful while
 * no other CPU allocates or frees (their hot caches and reserves change without the lock).
 * Ordinary context; takes time in proportion to memory. */
bool frame_census_take(struct frame_census *census);

#endif
