/* mm/memmap.h - the physical memory map, made trustworthy. The loader's map (multiboot2
 * tag 6) may be unsorted, overlapping, zero-length or wrap past 2^64; memmap_sanitise turns it
 * into sorted, disjoint ranges, resolving each overlap toward the more restrictive type.
 * memmap_carve then takes out what must never be handed out (the first 1 MiB, the kernel,
 * the boot information, modules). Pure C: host tests and a fuzzer run this code.
 */
#ifndef MM_MEMMAP_H
#define MM_MEMMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/multiboot.h"

/* Physical addresses at or above this are ignored: the frame database links frames by 32-bit
 * frame numbers, and the largest one, 0xffffffff, marks the end of a list (PFN_NONE), so the
 * last frame below 16 TiB is never used. */
#define MEMMAP_PHYS_LIMIT    ((1ull << 44) - 4096)
#define MEMMAP_MAX           320
/* memmap_sanitise leaves room for the carve-outs to split ranges: two new ranges each for
 * the first MiB, the kernel, the boot information and every module. */
#define MEMMAP_SANITISED_MAX (MEMMAP_MAX - 2 * (3 + BOOT_MODULES_MAX))

/* Types beyond the loader's, for ranges the kernel itself takes out of usable memory. */
enum memmap_type {
    MEMMAP_USABLE = BOOT_MEMORY_USABLE,
    MEMMAP_RESERVED = BOOT_MEMORY_RESERVED,
    MEMMAP_ACPI_RECLAIMABLE = BOOT_MEMORY_ACPI_RECLAIMABLE,
    MEMMAP_ACPI_NVS = BOOT_MEMORY_ACPI_NVS,
    MEMMAP_BAD = BOOT_MEMORY_BAD,
    MEMMAP_FIRMWARE = 0x100, /* usable RAM below 1 MiB: BIOS data, real-mode leftovers */
    MEMMAP_KERNEL,           /* the kernel image */
    MEMMAP_BOOT_INFO,        /* the multiboot2 information */
    MEMMAP_MODULE,           /* a module GRUB loaded */
};

struct memmap_range {
    uint64_t start, end; /* [start, end), end exclusive */
    uint32_t type;       /* enum memmap_type; unknown loader types become MEMMAP_RESERVED */
};

struct memmap {
    struct memmap_range ranges[MEMMAP_MAX]; /* sorted by start, disjoint */
    size_t count;
    unsigned int problems; /* log lines written while sanitising: overlaps, wraps, ... */
};

/* Builds a sanitised map from the loader's entries, however many: zero-length entries
 * dropped; entries that wrap past 2^64 or reach beyond MEMMAP_PHYS_LIMIT clipped; unknown
 * types made reserved; overlaps resolved toward the more restrictive type (usable < ACPI data
 * < ACPI NVS < reserved < bad RAM); adjacent ranges of one type merged. Should that still be
 * more than MEMMAP_SANITISED_MAX ranges, reserved and bad-RAM ranges are left out first (the
 * kernel treats them as holes anyway), then the smallest ranges, and one line says what that
 * cost. Every problem gets one log line. Never fails: a hopeless map gives an empty one. */
void memmap_sanitise(const struct boot_memory_map *raw, struct memmap *map);

/* Marks [start, end) as `type` wherever it overlaps usable memory; other types are left as
 * they are. Used for the first 1 MiB, the kernel image, the boot information and modules.
 * If the map has no room to split a range, the whole overlapping range is taken (memory is
 * lost, never handed out twice), with a log line. */
void memmap_carve(struct memmap *map, uint64_t start, uint64_t end, uint32_t type);

/* Shrinks every usable range inward to whole 4 KiB pages, dropping those left empty. */
void memmap_clip_usable(struct memmap *map);

/* Bytes of usable memory in the map. */
uint64_t memmap_usable_bytes(const struct memmap *map);

/* True for the types that are RAM the kernel may read through the direct map: usable, ACPI
 * data and NVS, and the kernel's own carve-outs. */
bool memmap_type_is_ram(uint32_t type);

/* Logs the loader's map as given, one line a range, in the form
 * "mm: [mem 0x0000000000100000-0x0000000007fdffff] usable" (end inclusive). */
void memmap_log_raw(const struct boot_memory_map *raw);

/* A name for a sanitised type ("usable", "kernel", ...), as boot_memory_type_name. */
const char *memmap_type_name(uint32_t type, char buffer[16]);

#endif
