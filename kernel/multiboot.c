/* kernel/multiboot.c - walks the multiboot2 boot information: an 8-byte header (total size,
 * reserved), then tags of (type, size, payload), each starting on an 8-byte boundary, ending
 * with a tag of type 0. Every read is bounds-checked against the smaller of the total size
 * and what the caller says is readable; fields are read with memcpy so no access is unaligned.
 */
#include "kernel/multiboot.h"

#include "lib/errno.h"
#include "kernel/printk.h"
#include "lib/string.h"

enum tag_type {
    TAG_END = 0,
    TAG_CMDLINE = 1,
    TAG_LOADER_NAME = 2,
    TAG_MODULE = 3,
    TAG_BASIC_MEMINFO = 4,
    TAG_BOOTDEV = 5,
    TAG_MMAP = 6,
    TAG_VBE = 7,
    TAG_FRAMEBUFFER = 8,
    TAG_ELF_SECTIONS = 9,
    TAG_APM = 10,
    TAG_EFI32 = 11,
    TAG_EFI64 = 12,
    TAG_SMBIOS = 13,
    TAG_ACPI_OLD = 14,
    TAG_ACPI_NEW = 15,
    TAG_NETWORK = 16,
    TAG_EFI_MMAP = 17,
    TAG_EFI_BS = 18,
    TAG_EFI32_IH = 19,
    TAG_EFI64_IH = 20,
    TAG_LOAD_BASE_ADDR = 21,
};

#define TAG_HEADER_SIZE  8
#define MMAP_ENTRY_SIZE  24 /* base, length, type, reserved */
#define MMAP_HEADER_SIZE 16 /* tag header, entry size, entry version */

/* A tag as found: its type, and its payload (after the 8-byte header). */
struct tag {
    uint32_t type;
    const uint8_t *payload;
    uint32_t payload_size;
    size_t offset; /* from the start of the boot information, for log lines */
};

static uint32_t read_u32(const uint8_t *p)
{
    uint32_t value;
    memcpy(&value, p, sizeof(value));
    return value;
}

static uint64_t read_u64(const uint8_t *p)
{
    uint64_t value;
    memcpy(&value, p, sizeof(value));
    return value;
}

/* Copies a string field that may lack its NUL, always NUL-terminating the copy. */
static void copy_string(char *dest, size_t dest_size, const uint8_t *src, size_t src_size)
{
    size_t length = strnlen((const char *)src, src_size);
    if (length >= dest_size)
        length = dest_size - 1;
    memcpy(dest, src, length);
    dest[length] = '\0';
}

static void skip_tag(struct boot_info *boot, const struct tag *tag, const char *why)
{
    boot->tags_skipped++;
    printk("multiboot2: skipped tag type %u at offset %zu: %s\n", tag->type, tag->offset, why);
}

/* The entries stay where they are; only their place, size and number are noted. */
static void parse_mmap(struct boot_info *boot, const struct tag *tag)
{
    if (tag->payload_size < MMAP_HEADER_SIZE - TAG_HEADER_SIZE) {
        skip_tag(boot, tag, "memory map too short for its header");
        return;
    }
    uint32_t entry_size = read_u32(tag->payload);
    if (entry_size < MMAP_ENTRY_SIZE || entry_size % 8) {
        skip_tag(boot, tag, "memory map entry size is not a multiple of 8 of at least 24");
        return;
    }
    size_t bytes = tag->payload_size - (MMAP_HEADER_SIZE - TAG_HEADER_SIZE);
    boot->memory_map = (struct boot_memory_map){
            .entries = tag->payload + (MMAP_HEADER_SIZE - TAG_HEADER_SIZE),
            .count = bytes / entry_size,
            .entry_size = entry_size,
    };
}

struct boot_memory_range boot_memory_map_entry(const struct boot_memory_map *map, size_t index)
{
    const uint8_t *entry = map->entries + index * map->entry_size;
    return (struct boot_memory_range){read_u64(entry), read_u64(entry + 8), read_u32(entry + 16)};
}

static void parse_module(struct boot_info *boot, const struct tag *tag)
{
    if (tag->payload_size < 8) {
        skip_tag(boot, tag, "module tag too short");
        return;
    }
    if (boot->module_count == BOOT_MODULES_MAX) {
        skip_tag(boot, tag, "too many modules");
        return;
    }
    struct boot_module *module = &boot->modules[boot->module_count++];
    module->start = read_u32(tag->payload);
    module->end = read_u32(tag->payload + 4);
    copy_string(module->name, sizeof(module->name), tag->payload + 8, tag->payload_size - 8);
    if (module->end < module->start) {
        printk("multiboot2: module '%s' ends before it starts; treating it as empty\n",
               module->name);
        module->end = module->start;
    }
}

static void parse_framebuffer(struct boot_info *boot, const struct tag *tag)
{
    if (tag->payload_size < 22) {
        skip_tag(boot, tag, "framebuffer tag too short");
        return;
    }
    struct boot_framebuffer *fb = &boot->framebuffer;
    fb->present = true;
    fb->address = read_u64(tag->payload);
    fb->pitch = read_u32(tag->payload + 8);
    fb->width = read_u32(tag->payload + 12);
    fb->height = read_u32(tag->payload + 16);
    fb->bits_per_pixel = tag->payload[20];
    fb->type = tag->payload[21];
}

static void parse_efi_mmap(struct boot_info *boot, const struct tag *tag)
{
    if (tag->payload_size < 8) {
        skip_tag(boot, tag, "EFI memory map too short for its header");
        return;
    }
    uint32_t descriptor_size = read_u32(tag->payload);
    if (descriptor_size < 40) { /* the UEFI spec's descriptor is at least 40 bytes */
        skip_tag(boot, tag, "EFI memory descriptor size below 40");
        return;
    }
    boot->efi_descriptor_size = descriptor_size;
    boot->efi_memory_map = boot->info_phys + tag->offset + TAG_HEADER_SIZE + 8;
    boot->efi_memory_map_size = tag->payload_size - 8;
}

static void parse_acpi(struct boot_info *boot, const struct tag *tag, uint8_t version)
{
    if (tag->payload_size < 20) { /* an ACPI 1.0 RSDP is 20 bytes */
        skip_tag(boot, tag, "ACPI RSDP tag too short");
        return;
    }
    if (boot->acpi_rsdp && boot->acpi_rsdp_version > version)
        return; /* keep the newer RSDP when GRUB passes both */
    boot->acpi_rsdp = boot->info_phys + tag->offset + TAG_HEADER_SIZE;
    boot->acpi_rsdp_length = tag->payload_size;
    boot->acpi_rsdp_version = version;
}

static void parse_small_tag(struct boot_info *boot, const struct tag *tag, size_t need,
                            const char *what)
{
    if (tag->payload_size < need) {
        skip_tag(boot, tag, what);
        return;
    }
    switch (tag->type) {
    case TAG_BASIC_MEMINFO:
        boot->mem_lower_kib = read_u32(tag->payload);
        boot->mem_upper_kib = read_u32(tag->payload + 4);
        break;
    case TAG_EFI32:
        boot->efi_system_table = read_u32(tag->payload);
        break;
    case TAG_EFI64:
        boot->efi_system_table = read_u64(tag->payload);
        break;
    }
}

/* Handles one tag. Tags the kernel has no use for are accepted silently; only unknown
 * types and malformed known ones are logged. */
static void parse_tag(struct boot_info *boot, const struct tag *tag)
{
    switch (tag->type) {
    case TAG_CMDLINE:
        /* Cut here, the line is not read here: kernel/cmdline.c must know how long it was, so
         * that it never acts on an option the cut fell inside. */
        copy_string(boot->cmdline, sizeof(boot->cmdline), tag->payload, tag->payload_size);
        boot->cmdline_length = strnlen((const char *)tag->payload, tag->payload_size);
        break;
    case TAG_LOADER_NAME:
        copy_string(boot->loader_name, sizeof(boot->loader_name), tag->payload, tag->payload_size);
        break;
    case TAG_MODULE:
        parse_module(boot, tag);
        break;
    case TAG_MMAP:
        parse_mmap(boot, tag);
        break;
    case TAG_FRAMEBUFFER:
        parse_framebuffer(boot, tag);
        break;
    case TAG_EFI_MMAP:
        parse_efi_mmap(boot, tag);
        break;
    case TAG_ACPI_OLD:
    case TAG_ACPI_NEW:
        parse_acpi(boot, tag, tag->type == TAG_ACPI_OLD ? 1 : 2);
        break;
    case TAG_BASIC_MEMINFO:
        parse_small_tag(boot, tag, 8, "basic memory information too short");
        break;
    case TAG_EFI32:
        parse_small_tag(boot, tag, 4, "EFI32 system table tag too short");
        break;
    case TAG_EFI64:
        parse_small_tag(boot, tag, 8, "EFI64 system table tag too short");
        break;
    case TAG_BOOTDEV:
    case TAG_VBE:
    case TAG_ELF_SECTIONS:
    case TAG_APM:
    case TAG_SMBIOS:
    case TAG_NETWORK:
    case TAG_EFI_BS:
    case TAG_EFI32_IH:
    case TAG_EFI64_IH:
    case TAG_LOAD_BASE_ADDR:
        break;
    default:
        skip_tag(boot, tag, "unknown type");
    }
}

/* Reads the tag header at offset. Returns false (after a log line) when it cannot be a tag:
 * past the end, or a size below the header's or running off the end of the information. */
static bool read_tag(const uint8_t *info, size_t limit, size_t offset, struct tag *tag)
{
    if (limit - offset < TAG_HEADER_SIZE) {
        printk("multiboot2: no end tag (information ends at offset %zu)\n", offset);
        return false;
    }
    uint32_t size = read_u32(info + offset + 4);
    tag->type = read_u32(info + offset);
    tag->offset = offset;
    if (size < TAG_HEADER_SIZE || size > limit - offset) {
        printk("multiboot2: tag type %u at offset %zu has bad size %u (%zu bytes left); "
               "ignoring it and the rest\n",
               tag->type, offset, size, limit - offset);
        return false;
    }
    tag->payload = info + offset + TAG_HEADER_SIZE;
    tag->payload_size = size - TAG_HEADER_SIZE;
    return true;
}

int multiboot_parse(const void *info, size_t available, uint64_t info_phys, struct boot_info *boot)
{
    const uint8_t *bytes = info;
    memset(boot, 0, sizeof(*boot));
    boot->info_phys = info_phys;
    if (available < TAG_HEADER_SIZE) {
        printk("multiboot2: boot information shorter than its header\n");
        return -EINVAL;
    }
    uint32_t total_size = read_u32(bytes);
    boot->info_size = total_size;
    if (total_size < TAG_HEADER_SIZE) {
        printk("multiboot2: boot information size %u is too small\n", total_size);
        return -EINVAL;
    }
    size_t limit = total_size < available ? total_size : available;
    if (limit < total_size)
        printk("multiboot2: boot information claims %u bytes; reading only %zu\n", total_size,
               limit);

    struct tag tag;
    for (size_t offset = TAG_HEADER_SIZE; read_tag(bytes, limit, offset, &tag);) {
        if (tag.type == TAG_END)
            break;
        boot->tags_seen++;
        parse_tag(boot, &tag);
        /* The next tag starts at the next 8-byte boundary. */
        size_t next = offset + TAG_HEADER_SIZE + tag.payload_size;
        next = (next + 7) & ~(size_t)7;
        if (next > limit) {
            printk("multiboot2: no end tag (information ends at offset %zu)\n", limit);
            break;
        }
        offset = next;
    }
    return 0;
}

const char *boot_memory_type_name(uint32_t type, char buffer[16])
{
    switch (type) {
    case BOOT_MEMORY_USABLE:
        return "usable";
    case BOOT_MEMORY_RESERVED:
        return "reserved";
    case BOOT_MEMORY_ACPI_RECLAIMABLE:
        return "ACPI data";
    case BOOT_MEMORY_ACPI_NVS:
        return "ACPI NVS";
    case BOOT_MEMORY_BAD:
        return "bad RAM";
    default:
        ksnprintf(buffer, 16, "type %u", type);
        return buffer;
    }
}
