/* tests/fuzz/fuzz_memmap.c - libFuzzer target: the memory-map sanitiser, the carve-outs and the
 * clipping on arbitrary loader maps of up to 128 entries (few enough that the table never
 * fills: the reference knows nothing of leaving ranges out), biased toward the small, overlapping
 * and boundary values real firmware gets wrong. The result is checked against a reference
 * computed another way (the type of every piece of the address space, read off the raw entries
 * directly); any difference aborts.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/compiler.h"
#include "kernel/console.h"
#include "kernel/multiboot.h"
#include "mm/memmap.h"

#define MiB        (1ull << 20)
#define PAGE       4096ull
#define LIMIT      MEMMAP_PHYS_LIMIT
#define CARVES     3
#define ENTRIES    128
#define MAX_POINTS (2 * ENTRIES + 2 * CARVES + 4)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static __attribute__((noreturn)) void violation(const char *what, uint64_t a, uint64_t b)
{
    fprintf(stderr, "fuzz_memmap: %s (%#llx, %#llx)\n", what, (unsigned long long)a,
            (unsigned long long)b);
    abort();
}

/* --- decoding the input -------------------------------------------------------------------------
 */

struct input {
    const uint8_t *data;
    size_t size, at;
};

static uint64_t take(struct input *in, unsigned int bytes)
{
    uint64_t value = 0;
    for (unsigned int i = 0; i < bytes && in->at < in->size; i++)
        value |= (uint64_t)in->data[in->at++] << (8 * i);
    return value;
}

static const uint64_t landmarks[] = {
        0,          0x9fc00,      0xa0000, MiB,          16 * MiB,   0x7fe0000,
        1ull << 32, LIMIT - PAGE, LIMIT,   LIMIT + PAGE, 1ull << 63, UINT64_MAX - PAGE + 1,
};
#define LANDMARKS (sizeof(landmarks) / sizeof(landmarks[0]))

/* Mostly near a landmark or the previous entry (overlaps), sometimes anything at all. */
static uint64_t decode_base(struct input *in, uint64_t previous)
{
    uint8_t mode = (uint8_t)take(in, 1);
    switch (mode & 3) {
    case 0:
        return landmarks[(mode >> 2) % LANDMARKS] + take(in, 1) * 0x800;
    case 1:
        return previous + (take(in, 2) << ((mode >> 2) % 24)) - (mode & 0x80 ? MiB : 0);
    case 2:
        return take(in, 8);
    default:
        return take(in, 2) << ((mode >> 2) % 40);
    }
}

static uint64_t decode_length(struct input *in, uint64_t base)
{
    uint8_t mode = (uint8_t)take(in, 1);
    switch (mode & 3) {
    case 0:
        return (mode & 4) ? 0 : take(in, 1) * 0x400; /* empty or tiny */
    case 1:
        return take(in, 2) << ((mode >> 2) % 32);
    case 2:
        return take(in, 8); /* may wrap past 2^64 */
    default:
        return 0 - base + take(in, 1) * PAGE; /* ends exactly at 2^64, or wraps a little */
    }
}

static uint32_t decode_type(struct input *in)
{
    static const uint32_t types[] = {1, 1, 1, 2, 3, 4, 5, 0, 20, 0xffffffff};
    uint8_t choice = (uint8_t)take(in, 1);
    if (choice == 0xff)
        return (uint32_t)take(in, 4);
    return types[choice % (sizeof(types) / sizeof(types[0]))];
}

/* --- the reference ------------------------------------------------------------------------------
 */

struct entry {
    uint64_t start, end;
    uint32_t type;
};

static int rank(uint32_t type)
{
    static const int ranks[] = {-1, 0, 3, 1, 2, 4}; /* usable < ACPI < NVS < reserved < bad */
    return ranks[type];
}

/* The loader's entry as the sanitiser must see it; false when nothing of it is left. */
static bool clip_raw(const struct boot_memory_range *raw, struct entry *out)
{
    if (raw->length == 0 || raw->base >= LIMIT)
        return false;
    uint64_t end = raw->base + raw->length;
    out->start = raw->base;
    out->end = end < raw->base || end > LIMIT ? LIMIT : end;
    out->type = raw->type >= 1 && raw->type <= 5 ? raw->type : MEMMAP_RESERVED;
    return true;
}

/* The most restrictive type of the entries covering address x; 0 for none. */
static uint32_t type_at(const struct entry *entries, size_t count, uint64_t x)
{
    uint32_t type = 0;
    for (size_t i = 0; i < count; i++) {
        if (entries[i].start <= x && x < entries[i].end &&
            (type == 0 || rank(entries[i].type) > rank(type)))
            type = entries[i].type;
    }
    return type;
}

static int compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static size_t sort_unique(uint64_t *points, size_t count)
{
    qsort(points, count, sizeof(points[0]), compare_u64);
    size_t kept = 0;
    for (size_t i = 0; i < count; i++) {
        if (kept == 0 || points[kept - 1] != points[i])
            points[kept++] = points[i];
    }
    return kept;
}

static bool is_point(const uint64_t *points, size_t count, uint64_t x)
{
    return bsearch(&x, points, count, sizeof(points[0]), compare_u64) != NULL;
}

/* The map's range containing x, or NULL. */
static const struct memmap_range *range_at(const struct memmap *map, uint64_t x)
{
    for (size_t i = 0; i < map->count; i++) {
        if (map->ranges[i].start <= x && x < map->ranges[i].end)
            return &map->ranges[i];
    }
    return NULL;
}

/* --- the checks ----------------------------------------------------------------------------------
 */

static void check_shape(const struct memmap *map)
{
    if (map->count > MEMMAP_MAX)
        violation("more ranges than the map holds", map->count, MEMMAP_MAX);
    for (size_t i = 0; i < map->count; i++) {
        const struct memmap_range *range = &map->ranges[i];
        if (range->start >= range->end)
            violation("empty or backwards range", range->start, range->end);
        if (range->end > LIMIT)
            violation("range beyond 16 TiB", range->start, range->end);
        if (i > 0 && map->ranges[i - 1].end > range->start)
            violation("ranges unsorted or overlapping", map->ranges[i - 1].end, range->start);
    }
}

/* The sanitised map, piece by piece, against the raw entries. */
static void check_sanitised(const struct memmap *map, const struct entry *entries, size_t count,
                            uint64_t *points, size_t npoints)
{
    check_shape(map);
    for (size_t i = 0; i < map->count; i++) {
        const struct memmap_range *range = &map->ranges[i];
        if (range->type < 1 || range->type > 5)
            violation("sanitised range of an unknown type", range->start, range->type);
        if (!is_point(points, npoints, range->start) || !is_point(points, npoints, range->end))
            violation("range boundary that no entry has", range->start, range->end);
        if (i > 0 && map->ranges[i - 1].end == range->start &&
            map->ranges[i - 1].type == range->type)
            violation("adjacent ranges of one type not merged", range->start, range->type);
    }
    for (size_t i = 0; i + 1 < npoints; i++) {
        uint32_t expected = type_at(entries, count, points[i]);
        const struct memmap_range *range = range_at(map, points[i]);
        if (!expected && range)
            violation("a hole became a range", points[i], range->type);
        if (expected && (!range || range->type != expected || range->end < points[i + 1]))
            violation("piece of the wrong type", points[i], expected);
    }
}

struct carve {
    uint64_t start, end;
    uint32_t type;
};

/* Whether x must still be usable after the carve-outs. */
static bool stays_usable(const struct entry *entries, size_t count, const struct carve *carves,
                         uint64_t x)
{
    if (type_at(entries, count, x) != MEMMAP_USABLE)
        return false;
    for (unsigned int i = 0; i <= CARVES; i++) {
        if (carves[i].start <= x && x < carves[i].end)
            return false;
    }
    return true;
}

/* After carving and clipping: the usable ranges are exactly the page-clipped maximal runs of
 * what is usable and not carved; the carved pieces lie inside their carve and in usable
 * memory; every other range is as the sanitiser left it. */
static void check_carved(const struct memmap *map, const struct memmap *sanitised,
                         const struct entry *entries, size_t count, const struct carve *carves,
                         uint64_t *points, size_t npoints)
{
    check_shape(map);
    size_t next_usable = 0;
    for (size_t i = 0; i + 1 < npoints;) {
        if (!stays_usable(entries, count, carves, points[i])) {
            i++;
            continue;
        }
        size_t j = i + 1;
        while (j + 1 < npoints && stays_usable(entries, count, carves, points[j]))
            j++;
        uint64_t start = (points[i] + PAGE - 1) & ~(PAGE - 1), end = points[j] & ~(PAGE - 1);
        i = j;
        if (start >= end)
            continue;
        while (next_usable < map->count && map->ranges[next_usable].type != MEMMAP_USABLE)
            next_usable++;
        if (next_usable == map->count || map->ranges[next_usable].start != start ||
            map->ranges[next_usable].end != end)
            violation("usable memory lost or misplaced", start, end);
        next_usable++;
    }
    uint64_t usable = 0;
    size_t others = 0;
    for (size_t i = 0; i < map->count; i++) {
        const struct memmap_range *range = &map->ranges[i];
        if (range->type == MEMMAP_USABLE) {
            if (i >= next_usable)
                violation("usable range that should not be", range->start, range->end);
            if (range->start < MiB)
                violation("usable memory below 1 MiB", range->start, range->end);
            usable += range->end - range->start;
        } else if (range->type >= MEMMAP_FIRMWARE) {
            if (range->type > MEMMAP_FIRMWARE + CARVES)
                violation("range of a type nobody gave", range->start, range->type);
            const struct carve *carve = &carves[range->type - MEMMAP_FIRMWARE];
            const struct memmap_range *was = range_at(sanitised, range->start);
            if (range->start < carve->start || range->end > carve->end || !was ||
                was->type != MEMMAP_USABLE || was->end < range->end)
                violation("carved piece outside its carve or outside usable memory", range->start,
                          range->type);
        } else {
            while (others < sanitised->count && sanitised->ranges[others].type == MEMMAP_USABLE)
                others++;
            if (others == sanitised->count ||
                memcmp(&sanitised->ranges[others], range, sizeof(*range)) != 0)
                violation("carving changed a range that was not usable", range->start, range->type);
            others++;
        }
    }
    while (others < sanitised->count && sanitised->ranges[others].type == MEMMAP_USABLE)
        others++;
    if (others != sanitised->count)
        violation("carving lost a range that was not usable", sanitised->ranges[others].start,
                  sanitised->ranges[others].type);
    if (usable != memmap_usable_bytes(map))
        violation("memmap_usable_bytes disagrees", usable, memmap_usable_bytes(map));
}

static unsigned int count_lines(const char *text)
{
    unsigned int lines = 0;
    for (; *text; text++)
        lines += *text == '\n';
    return lines;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct boot_memory_range raw[ENTRIES];
    static struct entry entries[ENTRIES];
    static struct memmap map, sanitised;
    static char log[1 << 20];
    struct input in = {data, size, 0};

    size_t count = take(&in, 1) % (ENTRIES + 1), kept = 0;
    uint64_t previous = MiB;
    for (size_t i = 0; i < count; i++) {
        raw[i].base = previous = decode_base(&in, previous);
        raw[i].length = decode_length(&in, raw[i].base);
        raw[i].type = decode_type(&in);
        kept += clip_raw(&raw[i], &entries[kept]);
    }
    /* The first MiB, then the kernel, the boot information and a module. */
    struct carve carves[CARVES + 1] = {{0, MiB, MEMMAP_FIRMWARE}};
    for (unsigned int i = 1; i <= CARVES; i++) {
        uint64_t start = decode_base(&in, previous);
        carves[i] = (struct carve){start, start + take(&in, 3) * 0x100, MEMMAP_FIRMWARE + i};
        if (carves[i].end < carves[i].start)
            carves[i].end = UINT64_MAX;
    }

    uint64_t points[MAX_POINTS];
    size_t npoints = 0;
    for (size_t i = 0; i < kept; i++) {
        points[npoints++] = entries[i].start;
        points[npoints++] = entries[i].end;
    }
    npoints = sort_unique(points, npoints);

    console_capture(log, sizeof(log));
    struct boot_memory_map loader_map = boot_memory_map_of(raw, count);
    memmap_sanitise(&loader_map, &map);
    console_capture(NULL, 0);
    if (map.problems != count_lines(log))
        violation("problems counted differ from lines logged", map.problems, count_lines(log));
    check_sanitised(&map, entries, kept, points, npoints);
    sanitised = map;

    for (unsigned int i = 0; i <= CARVES; i++)
        memmap_carve(&map, carves[i].start, carves[i].end, carves[i].type);
    memmap_clip_usable(&map);
    for (unsigned int i = 0; i <= CARVES; i++) {
        points[npoints++] = MIN(carves[i].start, LIMIT);
        points[npoints++] = MIN(carves[i].end, LIMIT);
    }
    npoints = sort_unique(points, npoints);
    check_carved(&map, &sanitised, entries, kept, carves, points, npoints);
    return 0;
}
