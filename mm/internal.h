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

#endif
