/* kernel/multiboot.h - the boot information a multiboot2 loader (GRUB) hands the kernel,
 * parsed once into a plain structure the rest of the kernel reads. The parser trusts nothing:
 * a truncated, overlong or zero-sized tag is logged and parsing stops or skips, never reads
 * past the end. Pure C: the host tests and a fuzzer run this very code.
 */
#ifndef KERNEL_MULTIBOOT_H
#define KERNEL_MULTIBOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MULTIBOOT2_BOOT_MAGIC 0x36d76289u

/* Memory map entry types (multiboot2 spec 3.6.8; GRUB adds 20 for EFI runtime code). */
enum boot_memory_type {
    BOOT_MEMORY_USABLE = 1,
    BOOT_MEMORY_RESERVED = 2,
    BOOT_MEMORY_ACPI_RECLAIMABLE = 3,
    BOOT_MEMORY_ACPI_NVS = 4,
    BOOT_MEMORY_BAD = 5,
};

#define BOOT_MODULES_MAX 16
#define BOOT_CMDLINE_MAX 1024
#define BOOT_NAME_MAX    64

struct boot_memory_range {
    uint64_t base;
    uint64_t length;
    uint32_t type; /* enum boot_memory_type, or whatever else the firmware said */
};
/* The layout of an entry in the tag (its last 4 bytes reserved), so an array of these is a
 * map as a loader would pass it. */
_Static_assert(sizeof(struct boot_memory_range) == 24, "a multiboot2 memory map entry");

/* The loader's memory map, left where the loader put it: `count` entries, each `entry_size`
 * bytes apart (24, or more for a loader with longer entries). Read in place rather than
 * copied, so it has no limit on its length: firmware maps of hundreds of entries exist. */
struct boot_memory_map {
    const uint8_t *entries;
    size_t count;
    size_t entry_size;
};

struct boot_module {
    uint64_t start, end; /* physical, end exclusive */
    char name[BOOT_NAME_MAX];
};

struct boot_framebuffer {
    bool present;
    uint64_t address;
    uint32_t pitch, width, height;
    uint8_t bits_per_pixel;
    uint8_t type; /* 0 indexed, 1 RGB, 2 EGA text */
};

struct boot_info {
    uint64_t info_phys, info_size;  /* where the boot information itself lies */
    char cmdline[BOOT_CMDLINE_MAX]; /* the first BOOT_CMDLINE_MAX - 1 characters of it... */
    size_t cmdline_length;          /* ...of the line the loader gave, this long */
    char loader_name[BOOT_NAME_MAX];

    struct boot_memory_map memory_map; /* inside the boot information: it must stay mapped */

    struct boot_module modules[BOOT_MODULES_MAX];
    size_t module_count;

    struct boot_framebuffer framebuffer;
    uint32_t mem_lower_kib, mem_upper_kib; /* basic memory information, 0 when absent */

    uint64_t efi_system_table; /* physical address, 0 when not booted from UEFI */
    uint64_t efi_memory_map;   /* physical address of the first EFI descriptor, or 0 */
    uint32_t efi_memory_map_size, efi_descriptor_size;
    uint64_t acpi_rsdp;        /* physical address of the RSDP copy GRUB made, or 0 */
    uint32_t acpi_rsdp_length; /* its size: the tag's payload */
    uint8_t acpi_rsdp_version; /* 1 (ACPI 1.0 RSDP) or 2 (XSDP) */

    uint32_t tags_seen, tags_skipped; /* skipped: unknown or malformed */
};

/* Parses the boot information at `info` (at physical address info_phys), reading at most
 * `available` bytes of it. Fills *boot and returns 0, or -EINVAL when the header itself is
 * unusable (then *boot holds only what could be read). Every tag that is skipped gets a log
 * line saying why. */
int multiboot_parse(const void *info, size_t available, uint64_t info_phys, struct boot_info *boot);

/* Entry `index` (below map->count) of a loader's memory map. Pure. */
struct boot_memory_range boot_memory_map_entry(const struct boot_memory_map *map, size_t index);

/* An array of ranges seen as a loader's map (for tests, and code that builds a map). */
static inline struct boot_memory_map boot_memory_map_of(const struct boot_memory_range *ranges,
                                                        size_t count)
{
    return (struct boot_memory_map){(const uint8_t *)ranges, count, sizeof(*ranges)};
}

/* A short name for a memory map type: "usable", "reserved", "ACPI data", "ACPI NVS",
 * "bad RAM", or "type N" (written into the caller's buffer of at least 16 bytes). */
const char *boot_memory_type_name(uint32_t type, char buffer[16]);

#endif
