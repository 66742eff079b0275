/* tests/host/multiboot_test.c - the multiboot2 parser on well-formed and malformed boot
 * information, built byte by byte as GRUB would (or as a broken loader might). */
#include <stdint.h>
#include <string.h>

#include "kernel/console.h"
#include "lib/errno.h"
#include "kernel/ktest.h"
#include "kernel/multiboot.h"

/* Builds boot information: an 8-byte header, then tags padded to 8 bytes. */
struct builder {
    _Alignas(8) uint8_t bytes[16384];
    size_t length;
};

static void begin(struct builder *b)
{
    memset(b, 0, sizeof(*b));
    b->length = 8;
}

static void put_u32(struct builder *b, size_t at, uint32_t value)
{
    memcpy(b->bytes + at, &value, 4);
}

/* Appends a tag whose size field says `size` (normally 8 + payload) and whose payload is
 * `payload_size` bytes. */
static void add_raw(struct builder *b, uint32_t type, uint32_t size, const void *payload,
                    size_t payload_size)
{
    put_u32(b, b->length, type);
    put_u32(b, b->length + 4, size);
    if (payload_size)
        memcpy(b->bytes + b->length + 8, payload, payload_size);
    b->length += (8 + payload_size + 7) & ~(size_t)7;
}

static void add(struct builder *b, uint32_t type, const void *payload, size_t payload_size)
{
    add_raw(b, type, (uint32_t)(8 + payload_size), payload, payload_size);
}

static size_t finish(struct builder *b)
{
    add(b, 0, NULL, 0);
    put_u32(b, 0, (uint32_t)b->length);
    return b->length;
}

struct mmap_entry {
    uint64_t base, length;
    uint32_t type, reserved;
};

static void add_mmap(struct builder *b, const struct mmap_entry *entries, size_t count,
                     uint32_t entry_size)
{
    static uint8_t payload[12288];
    memset(payload, 0, sizeof(payload));
    memcpy(payload, &entry_size, 4);
    uint32_t version = 0;
    memcpy(payload + 4, &version, 4);
    for (size_t i = 0; i < count; i++)
        memcpy(payload + 8 + i * entry_size, &entries[i], sizeof(entries[i]));
    add(b, 6, payload, 8 + count * entry_size);
}

static struct boot_info info;
static struct builder b;

static struct boot_memory_range entry(size_t index)
{
    return boot_memory_map_entry(&info.memory_map, index);
}

static void parses_what_grub_passes(struct ktest *t)
{
    begin(&b);
    add(&b, 1, "selftest pit_hz=100", 20);
    add(&b, 2, "GRUB 2.06", 10);
    uint32_t meminfo[2] = {639, 130048};
    add(&b, 4, meminfo, sizeof(meminfo));
    const struct mmap_entry map[] = {
            {0, 0x9fc00, 1, 0}, {0x9fc00, 0x400, 2, 0}, {0x100000, 0x7ee0000, 1, 0}};
    add_mmap(&b, map, 3, 24);
    uint8_t module[8 + 7] = {0};
    uint32_t range[2] = {0x200000, 0x201000};
    memcpy(module, range, 8);
    memcpy(module + 8, "initrd", 7);
    add(&b, 3, module, sizeof(module));
    uint8_t rsdp[20] = "RSD PTR ";
    add(&b, 14, rsdp, sizeof(rsdp));
    uint64_t efi = 0x7fe00000;
    add(&b, 12, &efi, sizeof(efi));
    size_t size = finish(&b);

    KTEST_ASSERT_EQ(t, multiboot_parse(b.bytes, size, 0x10000, &info), 0);
    KTEST_EXPECT_STREQ(t, info.cmdline, "selftest pit_hz=100");
    KTEST_EXPECT_STREQ(t, info.loader_name, "GRUB 2.06");
    KTEST_EXPECT_EQ(t, info.mem_upper_kib, 130048u);
    KTEST_ASSERT_EQ(t, info.memory_map.count, 3u);
    KTEST_EXPECT_EQ(t, entry(2).base, 0x100000u);
    KTEST_EXPECT_EQ(t, entry(2).length, 0x7ee0000u);
    KTEST_EXPECT_EQ(t, entry(1).type, 2u);
    KTEST_ASSERT_EQ(t, info.module_count, 1u);
    KTEST_EXPECT_EQ(t, info.modules[0].start, 0x200000u);
    KTEST_EXPECT_STREQ(t, info.modules[0].name, "initrd");
    KTEST_EXPECT_NE(t, info.acpi_rsdp, 0u);
    KTEST_EXPECT_EQ(t, info.acpi_rsdp_version, 1);
    KTEST_EXPECT_EQ(t, info.efi_system_table, 0x7fe00000u);
    KTEST_EXPECT_EQ(t, info.info_size, size);
    KTEST_EXPECT_EQ(t, info.tags_skipped, 0u);
}

static void unknown_tags_are_skipped_with_a_log_line(struct ktest *t)
{
    char log[256];
    begin(&b);
    add(&b, 99, "xyz", 3);
    add(&b, 1, "after", 6);
    size_t size = finish(&b);
    console_capture(log, sizeof(log));
    KTEST_ASSERT_EQ(t, multiboot_parse(b.bytes, size, 0, &info), 0);
    console_capture(NULL, 0);
    KTEST_EXPECT_STREQ(t, info.cmdline, "after");
    KTEST_EXPECT_EQ(t, info.tags_skipped, 1u);
    KTEST_EXPECT_STREQ(t, log, "multiboot2: skipped tag type 99 at offset 8: unknown type\n");
}

static void a_tag_running_off_the_end_stops_parsing(struct ktest *t)
{
    begin(&b);
    add(&b, 1, "kept", 5);
    add_raw(&b, 2, 4000, "x", 1); /* claims far more than there is */
    size_t size = finish(&b);
    KTEST_ASSERT_EQ(t, multiboot_parse(b.bytes, size, 0, &info), 0);
    KTEST_EXPECT_STREQ(t, info.cmdline, "kept");
    KTEST_EXPECT_STREQ(t, info.loader_name, "");
}

static void zero_and_tiny_sizes_do_not_loop(struct ktest *t)
{
    for (uint32_t bad_size = 0; bad_size < 8; bad_size++) {
        begin(&b);
        add_raw(&b, 1, bad_size, "", 0);
        add(&b, 2, "never", 6);
        size_t size = finish(&b);
        KTEST_EXPECT_EQ(t, multiboot_parse(b.bytes, size, 0, &info), 0);
        KTEST_EXPECT_STREQ(t, info.loader_name, "");
    }
}

static void truncated_information_is_read_only_as_far_as_available(struct ktest *t)
{
    begin(&b);
    add(&b, 1, "first", 6);
    add(&b, 2, "second-tag-name", 16);
    size_t size = finish(&b);
    /* Claim the full size, but make only the first tag and half the second readable. */
    KTEST_ASSERT_EQ(t, multiboot_parse(b.bytes, 8 + 16 + 12, 0, &info), 0);
    KTEST_EXPECT_STREQ(t, info.cmdline, "first");
    KTEST_EXPECT_STREQ(t, info.loader_name, "");
    KTEST_EXPECT_EQ(t, info.info_size, size);
}

static void missing_end_tag_is_tolerated(struct ktest *t)
{
    begin(&b);
    add(&b, 1, "no end", 7);
    put_u32(&b, 0, (uint32_t)b.length); /* no end tag appended */
    KTEST_ASSERT_EQ(t, multiboot_parse(b.bytes, b.length, 0, &info), 0);
    KTEST_EXPECT_STREQ(t, info.cmdline, "no end");
}

static void unusable_header_is_an_error(struct ktest *t)
{
    uint8_t tiny[8] = {4, 0, 0, 0, 0, 0, 0, 0};
    KTEST_EXPECT_EQ(t, multiboot_parse(tiny, sizeof(tiny), 0, &info), -EINVAL);
    KTEST_EXPECT_EQ(t, multiboot_parse(tiny, 7, 0, &info), -EINVAL);
}

static void strings_without_terminator_are_cut_safely(struct ktest *t)
{
    begin(&b);
    add(&b, 1, "abcdefgh", 8); /* no NUL inside the tag */
    char long_name[200];
    memset(long_name, 'n', sizeof(long_name));
    add(&b, 2, long_name, sizeof(long_name));
    size_t size = finish(&b);
    KTEST_ASSERT_EQ(t, multiboot_parse(b.bytes, size, 0, &info), 0);
    KTEST_EXPECT_STREQ(t, info.cmdline, "abcdefgh");
    KTEST_EXPECT_EQ(t, strlen(info.loader_name), (size_t)BOOT_NAME_MAX - 1);
}

/* A line longer than the copy keeps: the copy is cut, and the full length is kept for
 * kernel/cmdline.c, which must know the line was cut. */
static void a_long_command_line_keeps_its_full_length(struct ktest *t)
{
    static char line[3001];
    memset(line, 'c', sizeof(line) - 1);
    begin(&b);
    add(&b, 1, line, sizeof(line));
    size_t size = finish(&b);
    KTEST_ASSERT_EQ(t, multiboot_parse(b.bytes, size, 0, &info), 0);
    KTEST_EXPECT_EQ(t, strlen(info.cmdline), (size_t)BOOT_CMDLINE_MAX - 1);
    KTEST_EXPECT_EQ(t, info.cmdline_length, 3000u);
}

static void bad_memory_map_entry_sizes_are_skipped(struct ktest *t)
{
    const struct mmap_entry map[] = {{0x100000, 0x100000, 1, 0}};
    const uint32_t bad_sizes[] = {0, 8, 20, 28};
    for (size_t i = 0; i < 4; i++) {
        begin(&b);
        add_mmap(&b, map, 1, 24);
        /* Overwrite the entry size of the tag just added. */
        put_u32(&b, 8 + 8, bad_sizes[i]);
        size_t size = finish(&b);
        KTEST_EXPECT_EQ(t, multiboot_parse(b.bytes, size, 0, &info), 0);
        KTEST_EXPECT_EQ(t, info.memory_map.count, 0u);
        KTEST_EXPECT_EQ(t, info.tags_skipped, 1u);
    }
}

static void larger_map_entries_are_stepped_over(struct ktest *t)
{
    /* A future loader may use 32-byte entries: the first 24 bytes keep their meaning. */
    const struct mmap_entry map[] = {{0x100000, 0x1000, 1, 0}, {0x200000, 0x2000, 2, 0}};
    begin(&b);
    add_mmap(&b, map, 2, 32);
    size_t size = finish(&b);
    KTEST_ASSERT_EQ(t, multiboot_parse(b.bytes, size, 0, &info), 0);
    KTEST_ASSERT_EQ(t, info.memory_map.count, 2u);
    KTEST_EXPECT_EQ(t, entry(1).base, 0x200000u);
    KTEST_EXPECT_EQ(t, entry(1).type, 2u);
}

/* Firmware maps of hundreds of entries exist (UEFI's especially, and GRUB's cutmem makes
 * two of one): every entry is read, whatever the count. */
static void a_map_of_300_entries_is_read_whole(struct ktest *t)
{
    static struct mmap_entry map[300];
    for (int i = 0; i < 300; i++)
        map[i] = (struct mmap_entry){(uint64_t)i << 20, 1 << 20, 1 + i % 2, 0};
    begin(&b);
    add_mmap(&b, map, 300, 24);
    size_t size = finish(&b);
    char log[256];
    console_capture(log, sizeof(log));
    KTEST_ASSERT_EQ(t, multiboot_parse(b.bytes, size, 0, &info), 0);
    console_capture(NULL, 0);
    KTEST_EXPECT_STREQ(t, log, "");
    KTEST_ASSERT_EQ(t, info.memory_map.count, 300u);
    KTEST_EXPECT_EQ(t, entry(299).base, 299ull << 20);
    KTEST_EXPECT_EQ(t, entry(299).type, 2u);
}

static void type_names(struct ktest *t)
{
    char buffer[16];
    KTEST_EXPECT_STREQ(t, boot_memory_type_name(1, buffer), "usable");
    KTEST_EXPECT_STREQ(t, boot_memory_type_name(3, buffer), "ACPI data");
    KTEST_EXPECT_STREQ(t, boot_memory_type_name(20, buffer), "type 20");
}

static const struct ktest_case multiboot_cases[] = {
        KTEST_CASE(parses_what_grub_passes),
        KTEST_CASE(unknown_tags_are_skipped_with_a_log_line),
        KTEST_CASE(a_tag_running_off_the_end_stops_parsing),
        KTEST_CASE(zero_and_tiny_sizes_do_not_loop),
        KTEST_CASE(truncated_information_is_read_only_as_far_as_available),
        KTEST_CASE(missing_end_tag_is_tolerated),
        KTEST_CASE(unusable_header_is_an_error),
        KTEST_CASE(strings_without_terminator_are_cut_safely),
        KTEST_CASE(a_long_command_line_keeps_its_full_length),
        KTEST_CASE(bad_memory_map_entry_sizes_are_skipped),
        KTEST_CASE(larger_map_entries_are_stepped_over),
        KTEST_CASE(a_map_of_300_entries_is_read_whole),
        KTEST_CASE(type_names),
        {},
};
KTEST_SUITE(multiboot, multiboot_cases);
