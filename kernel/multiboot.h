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

#define BOOT_MMAP_MAX    128
#define BOOT_MODULES_MAX 16
#define BOOT_CMDLINE_MAX 1024
#define BOOT_NAME_MAX    64

struct boot_memory_range {
    uint64_t base;
    uint64_t length;
    uint32_t type; /* enum boot_memory_type, or whatever else the firmware said */
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
    uint64_t info_phys, info_size; /* where the boot information itself lies */
    char cmdline[BOOT_CMDLINE_MAX];
    char loader_name[BOOT_NAME_MAX];

    struct boot_memory_range memory_map[BOOT_MMAP_MAX];
    size_t memory_map_count;
    bool memory_map_truncated; /* the loader's map had more entries than we keep */

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

/* A short name for a memory map type: "usable", "reserved", "ACPI data", "ACPI NVS",
 * "bad RAM", or "type N" (written into the caller's buffer of at least 16 bytes). */
const char *boot_memory_type_name(uint32_t type, char buffer[16]);

#endif
