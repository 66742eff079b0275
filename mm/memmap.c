/* mm/memmap.c - sanitising the loader's memory map. The method: cut the address space at
 * every entry's start and end, give each piece between two cuts the most restrictive type of
 * the entries covering it, and merge neighbours of one type. With at most 128 entries the
 * quadratic loops cost microseconds, and they are easy to check by eye.
 */
#include "mm/memmap.h"

#include "lib/compiler.h"
#include "kernel/printk.h"
#include "lib/string.h"
#include "mm/layout.h"

#define MAX_POINTS (2 * BOOT_MMAP_MAX)

/* Scratch space for one sanitising pass (boot is single-threaded; tests call it in turn). */
static struct memmap_range entries[BOOT_MMAP_MAX];
static uint64_t points[MAX_POINTS];

static bool type_is_known(uint32_t type)
{
    return type >= MEMMAP_USABLE && type <= MEMMAP_BAD;
}

/* Higher wins an overlap. Kernel carve-outs never reach this function. */
static int restrictiveness(uint32_t type)
{
    switch (type) {
    case MEMMAP_USABLE:
        return 0;
    case MEMMAP_ACPI_RECLAIMABLE:
        return 1;
    case MEMMAP_ACPI_NVS:
        return 2;
    case MEMMAP_RESERVED:
        return 3;
    default:
        return 4; /* bad RAM */
    }
}

static void problem(struct memmap *map)
{
    map->problems++;
}

/* Turns one loader entry into [start, end) within MEMMAP_PHYS_LIMIT. Returns false (after a
 * log line) when nothing of it is left. */
static bool clip_entry(struct memmap *map, const struct boot_memory_range *raw, size_t index,
                       struct memmap_range *out)
{
    char name[16];
    if (raw->length == 0) {
        printk("mm: map entry %zu [mem %#lx] has zero length; dropped\n", index, raw->base);
        problem(map);
        return false;
    }
    if (raw->base >= MEMMAP_PHYS_LIMIT) {
        printk("mm: map entry %zu starts above 16 TiB (%#lx); ignored\n", index, raw->base);
        problem(map);
        return false;
    }
    out->start = raw->base;
    out->end = raw->base + raw->length;
    if (out->end < out->start) {
        printk("mm: map entry %zu [mem %#lx, length %#lx] wraps past 2^64; clipped\n", index,
               raw->base, raw->length);
        problem(map);
        out->end = MEMMAP_PHYS_LIMIT;
    }
    if (out->end > MEMMAP_PHYS_LIMIT) {
        printk("mm: map entry %zu reaches above 16 TiB; clipped\n", index);
        problem(map);
        out->end = MEMMAP_PHYS_LIMIT;
    }
    out->type = raw->type;
    if (!type_is_known(raw->type)) {
        printk("mm: map entry %zu has %s; treated as reserved\n", index,
               boot_memory_type_name(raw->type, name));
        problem(map);
        out->type = MEMMAP_RESERVED;
    }
    return true;
}

static void sort_points(uint64_t *values, size_t count)
{
    for (size_t i = 1; i < count; i++) {
        uint64_t value = values[i];
        size_t j = i;
        for (; j > 0 && values[j - 1] > value; j--)
            values[j] = values[j - 1];
        values[j] = value;
    }
}

static size_t unique_points(uint64_t *values, size_t count)
{
    size_t kept = 0;
    for (size_t i = 0; i < count; i++) {
        if (kept == 0 || values[kept - 1] != values[i])
            values[kept++] = values[i];
    }
    return kept;
}

/* Logs each pair of entries that overlap, and the type their overlap becomes. */
static void report_overlaps(struct memmap *map, size_t count)
{
    char name[16];
    for (size_t i = 0; i < count; i++) {
        for (size_t j = i + 1; j < count; j++) {
            const struct memmap_range *a = &entries[i], *b = &entries[j];
            if (a->start >= b->end || b->start >= a->end)
                continue;
            uint32_t winner =
                    restrictiveness(a->type) >= restrictiveness(b->type) ? a->type : b->type;
            printk("mm: map entries overlap at [mem %#lx-%#lx]; resolved as %s\n",
                   MAX(a->start, b->start), MIN(a->end, b->end) - 1,
                   memmap_type_name(winner, name));
            problem(map);
        }
    }
}

/* The most restrictive type among the entries covering [start, end), or 0 for a hole. */
static uint32_t type_of_piece(size_t count, uint64_t start, uint64_t end)
{
    uint32_t type = 0;
    for (size_t i = 0; i < count; i++) {
        if (entries[i].start <= start && entries[i].end >= end &&
            (type == 0 || restrictiveness(entries[i].type) > restrictiveness(type)))
            type = entries[i].type;
    }
    return type;
}

static void append_merged(struct memmap *map, uint64_t start, uint64_t end, uint32_t type)
{
    struct memmap_range *last = map->count ? &map->ranges[map->count - 1] : NULL;
    if (last && last->type == type && last->end == start) {
        last->end = end;
        return;
    }
    map->ranges[map->count++] = (struct memmap_range){start, end, type};
}

void memmap_sanitise(const struct boot_memory_range *raw, size_t count, struct memmap *map)
{
    map->count = 0;
    map->problems = 0;
    size_t kept = 0, npoints = 0;
    bool sorted = true;
    for (size_t i = 0; i < count && i < BOOT_MMAP_MAX; i++) {
        if (i > 0 && raw[i].base < raw[i - 1].base)
            sorted = false;
        if (!clip_entry(map, &raw[i], i, &entries[kept]))
            continue;
        points[npoints++] = entries[kept].start;
        points[npoints++] = entries[kept].end;
        kept++;
    }
    if (count > BOOT_MMAP_MAX) {
        printk("mm: the memory map has %zu entries; only the first %d are used\n", count,
               BOOT_MMAP_MAX);
        problem(map);
    }
    if (!sorted) {
        printk("mm: the memory map is not sorted by address; sorting it\n");
        problem(map);
    }
    report_overlaps(map, kept);
    sort_points(points, npoints);
    npoints = unique_points(points, npoints);
    for (size_t i = 0; i + 1 < npoints; i++) {
        uint32_t type = type_of_piece(kept, points[i], points[i + 1]);
        if (type)
            append_merged(map, points[i], points[i + 1], type);
    }
}

static bool insert_range(struct memmap *map, size_t index, struct memmap_range range)
{
    if (map->count == MEMMAP_MAX)
        return false;
    memmove(&map->ranges[index + 1], &map->ranges[index],
            (map->count - index) * sizeof(map->ranges[0]));
    map->ranges[index] = range;
    map->count++;
    return true;
}

/* Splits usable range i around [start, end), which overlaps it; returns the index of the
 * carved piece. */
static size_t split_range(struct memmap *map, size_t i, uint64_t start, uint64_t end, uint32_t type)
{
    struct memmap_range original = map->ranges[i];
    uint64_t cut_start = MAX(original.start, start), cut_end = MIN(original.end, end);
    size_t at = i;
    map->ranges[at] = (struct memmap_range){cut_start, cut_end, type};
    if (cut_start > original.start) {
        map->ranges[at] = (struct memmap_range){original.start, cut_start, MEMMAP_USABLE};
        insert_range(map, ++at, (struct memmap_range){cut_start, cut_end, type});
    }
    if (cut_end < original.end)
        insert_range(map, at + 1, (struct memmap_range){cut_end, original.end, MEMMAP_USABLE});
    return at;
}

void memmap_carve(struct memmap *map, uint64_t start, uint64_t end, uint32_t type)
{
    char name[16];
    for (size_t i = 0; i < map->count && start < end; i++) {
        struct memmap_range *range = &map->ranges[i];
        if (range->type != MEMMAP_USABLE || range->end <= start || range->start >= end)
            continue;
        size_t needed = (start > range->start) + (end < range->end);
        if (map->count + needed > MEMMAP_MAX) {
            printk("mm: memory map full; all of [mem %#lx-%#lx] becomes %s\n", range->start,
                   range->end - 1, memmap_type_name(type, name));
            range->type = type;
            continue;
        }
        i = split_range(map, i, start, end, type);
    }
}

void memmap_clip_usable(struct memmap *map)
{
    size_t kept = 0;
    for (size_t i = 0; i < map->count; i++) {
        struct memmap_range range = map->ranges[i];
        if (range.type == MEMMAP_USABLE) {
            range.start = ALIGN_UP(range.start, PAGE_SIZE);
            range.end = ALIGN_DOWN(range.end, PAGE_SIZE);
            if (range.end <= range.start)
                continue;
        }
        map->ranges[kept++] = range;
    }
    map->count = kept;
}

uint64_t memmap_usable_bytes(const struct memmap *map)
{
    uint64_t total = 0;
    for (size_t i = 0; i < map->count; i++) {
        if (map->ranges[i].type == MEMMAP_USABLE)
            total += map->ranges[i].end - map->ranges[i].start;
    }
    return total;
}

bool memmap_type_is_ram(uint32_t type)
{
    return type == MEMMAP_USABLE || type == MEMMAP_ACPI_RECLAIMABLE || type == MEMMAP_ACPI_NVS ||
           type >= MEMMAP_FIRMWARE;
}

void memmap_log_raw(const struct boot_memory_range *raw, size_t count)
{
    char name[16];
    for (size_t i = 0; i < count; i++) {
        const char *type = boot_memory_type_name(raw[i].type, name);
        if (raw[i].length == 0)
            printk("mm: [mem 0x%016lx-(empty)] %s\n", raw[i].base, type);
        else
            printk("mm: [mem 0x%016lx-0x%016lx] %s\n", raw[i].base, raw[i].base + raw[i].length - 1,
                   type);
    }
}

const char *memmap_type_name(uint32_t type, char buffer[16])
{
    switch (type) {
    case MEMMAP_FIRMWARE:
        return "firmware";
    case MEMMAP_KERNEL:
        return "kernel";
    case MEMMAP_BOOT_INFO:
        return "boot info";
    case MEMMAP_MODULE:
        return "module";
    default:
        return boot_memory_type_name(type, buffer);
    }
}
