/* mm/memmap.c - sanitising the loader's memory map. The method: sweep the address space from
 * low to high, cutting it at every entry's start and end; each piece between two cuts gets
 * the most restrictive type of the entries covering it, and neighbours of one type merge.
 * The loader's entries are read where they lie, so their number has no limit; the sweep
 * costs count^2 steps, microseconds for the few hundred entries firmware gives, and a piece
 * is final once written, so a full table is dealt with knowing everything before it.
 */
#include "mm/memmap.h"

#include "lib/compiler.h"
#include "kernel/printk.h"
#include "lib/string.h"
#include "mm/layout.h"

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

/* Loader entry `index` as [start, end) within MEMMAP_PHYS_LIMIT, unknown types reserved.
 * Returns false when nothing of it is left. Silent: report_entry says what was wrong. */
static bool read_entry(const struct boot_memory_map *raw, size_t index, struct memmap_range *out)
{
    struct boot_memory_range entry = boot_memory_map_entry(raw, index);
    if (entry.length == 0 || entry.base >= MEMMAP_PHYS_LIMIT)
        return false;
    out->start = entry.base;
    out->end = entry.base + entry.length;
    if (out->end < out->start || out->end > MEMMAP_PHYS_LIMIT) /* wraps past 2^64, or too high */
        out->end = MEMMAP_PHYS_LIMIT;
    out->type = type_is_known(entry.type) ? entry.type : MEMMAP_RESERVED;
    return true;
}

/* One log line for each thing wrong with loader entry `index`. */
static void report_entry(struct memmap *map, const struct boot_memory_map *raw, size_t index)
{
    char name[16];
    struct boot_memory_range entry = boot_memory_map_entry(raw, index);
    if (entry.length == 0) {
        printk("mm: map entry %zu [mem %#lx] has zero length; dropped\n", index, entry.base);
        problem(map);
        return;
    }
    if (entry.base >= MEMMAP_PHYS_LIMIT) {
        printk("mm: map entry %zu starts above 16 TiB (%#lx); ignored\n", index, entry.base);
        problem(map);
        return;
    }
    uint64_t end = entry.base + entry.length;
    if (end < entry.base) {
        printk("mm: map entry %zu [mem %#lx, length %#lx] wraps past 2^64; clipped\n", index,
               entry.base, entry.length);
        problem(map);
    } else if (end > MEMMAP_PHYS_LIMIT) {
        printk("mm: map entry %zu reaches above 16 TiB; clipped\n", index);
        problem(map);
    }
    if (!type_is_known(entry.type)) {
        printk("mm: map entry %zu has %s; treated as reserved\n", index,
               boot_memory_type_name(entry.type, name));
        problem(map);
    }
}

/* Logs each pair of entries that overlap, and the type their overlap becomes. */
static void report_overlaps(struct memmap *map, const struct boot_memory_map *raw)
{
    char name[16];
    struct memmap_range a, b;
    for (size_t i = 0; i < raw->count; i++) {
        for (size_t j = i + 1; j < raw->count && read_entry(raw, i, &a); j++) {
            if (!read_entry(raw, j, &b) || a.start >= b.end || b.start >= a.end)
                continue;
            uint32_t winner = restrictiveness(a.type) >= restrictiveness(b.type) ? a.type : b.type;
            printk("mm: map entries overlap at [mem %#lx-%#lx]; resolved as %s\n",
                   MAX(a.start, b.start), MIN(a.end, b.end) - 1, memmap_type_name(winner, name));
            problem(map);
        }
    }
}

static void report_problems(struct memmap *map, const struct boot_memory_map *raw)
{
    bool sorted = true;
    for (size_t i = 0; i < raw->count; i++) {
        report_entry(map, raw, i);
        if (i > 0 && boot_memory_map_entry(raw, i).base < boot_memory_map_entry(raw, i - 1).base)
            sorted = false;
    }
    if (!sorted) {
        printk("mm: the memory map is not sorted by address; sorting it\n");
        problem(map);
    }
    report_overlaps(map, raw);
}

/* The first cut above `from`: the nearest entry start or end. False when there is none. */
static bool next_cut(const struct boot_memory_map *raw, uint64_t from, uint64_t *cut)
{
    uint64_t nearest = UINT64_MAX; /* above every cut: they all lie below MEMMAP_PHYS_LIMIT */
    struct memmap_range entry;
    for (size_t i = 0; i < raw->count; i++) {
        if (!read_entry(raw, i, &entry))
            continue;
        if (entry.start > from)
            nearest = MIN(nearest, entry.start);
        if (entry.end > from)
            nearest = MIN(nearest, entry.end);
    }
    *cut = nearest;
    return nearest != UINT64_MAX;
}

/* The most restrictive type among the entries covering address x, or 0 for a hole. */
static uint32_t type_at(const struct boot_memory_map *raw, uint64_t x)
{
    uint32_t type = 0;
    struct memmap_range entry;
    for (size_t i = 0; i < raw->count; i++) {
        if (read_entry(raw, i, &entry) && entry.start <= x && x < entry.end &&
            (type == 0 || restrictiveness(entry.type) > restrictiveness(type)))
            type = entry.type;
    }
    return type;
}

/* What a full table cost, for the one line that says so. */
struct overflow {
    unsigned int reserved_left_out, small_left_out;
    uint64_t usable_left_out; /* bytes */
};

static bool costs_nothing(uint32_t type)
{
    return type == MEMMAP_RESERVED || type == MEMMAP_BAD; /* the kernel treats both as holes */
}

static void remove_range(struct memmap *map, size_t index)
{
    memmove(&map->ranges[index], &map->ranges[index + 1],
            (map->count - index - 1) * sizeof(map->ranges[0]));
    map->count--;
}

/* The range to leave out of a full table, `piece` (standing at index map->count) included: a
 * reserved one if there is one, since the kernel never uses them and leaving one out loses
 * nothing; else the smallest. */
static size_t choose_left_out(const struct memmap *map, const struct memmap_range *piece)
{
    size_t chosen = map->count;
    uint64_t smallest = piece->end - piece->start;
    if (costs_nothing(piece->type))
        return chosen;
    for (size_t i = 0; i < map->count; i++) {
        const struct memmap_range *range = &map->ranges[i];
        if (costs_nothing(range->type))
            return i;
        if (range->end - range->start < smallest) {
            smallest = range->end - range->start;
            chosen = i;
        }
    }
    return chosen;
}

/* The table is full and `piece` comes next: leaves one range out, counting what that costs.
 * Returns whether `piece` is still to be added. */
static bool make_room(struct memmap *map, const struct memmap_range *piece, struct overflow *cost)
{
    size_t chosen = choose_left_out(map, piece);
    const struct memmap_range *range = chosen == map->count ? piece : &map->ranges[chosen];
    if (costs_nothing(range->type))
        cost->reserved_left_out++;
    else
        cost->small_left_out++;
    if (range->type == MEMMAP_USABLE)
        cost->usable_left_out += range->end - range->start;
    if (chosen == map->count)
        return false;
    remove_range(map, chosen);
    return true;
}

/* One line for everything a full table cost. */
static void report_overflow(struct memmap *map, const struct overflow *cost)
{
    char what[96];
    unsigned long kib = (unsigned long)(cost->usable_left_out >> 10);
    if (!cost->small_left_out)
        ksnprintf(what, sizeof(what), "%u reserved ranges left out, no usable memory lost",
                  cost->reserved_left_out);
    else if (!cost->reserved_left_out)
        ksnprintf(what, sizeof(what), "%u small ranges left out, with %lu KiB of usable memory",
                  cost->small_left_out, kib);
    else
        ksnprintf(what, sizeof(what),
                  "%u reserved and %u small ranges left out, with %lu KiB of usable memory",
                  cost->reserved_left_out, cost->small_left_out, kib);
    printk("mm: the memory map needs more than %d ranges: %s\n", MEMMAP_SANITISED_MAX, what);
    problem(map);
}

static void append_merged(struct memmap *map, uint64_t start, uint64_t end, uint32_t type,
                          struct overflow *cost)
{
    struct memmap_range *last = map->count ? &map->ranges[map->count - 1] : NULL;
    if (last && last->type == type && last->end == start) {
        last->end = end;
        return;
    }
    struct memmap_range piece = {start, end, type};
    if (map->count == MEMMAP_SANITISED_MAX && !make_room(map, &piece, cost))
        return;
    map->ranges[map->count++] = piece;
}

void memmap_sanitise(const struct boot_memory_map *raw, struct memmap *map)
{
    map->count = 0;
    map->problems = 0;
    report_problems(map, raw);
    struct overflow cost = {0};
    uint64_t at = 0, cut;
    while (next_cut(raw, at, &cut)) {
        uint32_t type = type_at(raw, at);
        if (type)
            append_merged(map, at, cut, type, &cost);
        at = cut;
    }
    if (cost.reserved_left_out || cost.small_left_out)
        report_overflow(map, &cost);
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

void memmap_log_raw(const struct boot_memory_map *raw)
{
    char name[16];
    for (size_t i = 0; i < raw->count; i++) {
        struct boot_memory_range entry = boot_memory_map_entry(raw, i);
        const char *type = boot_memory_type_name(entry.type, name);
        if (entry.length == 0)
            printk("mm: [mem 0x%016lx-(empty)] %s\n", entry.base, type);
        else
            printk("mm: [mem 0x%016lx-0x%016lx] %s\n", entry.base, entry.base + entry.length - 1,
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
