/* tests/fuzz/fuzz_multiboot.c - libFuzzer target: the multiboot2 parser on arbitrary bytes.
 * The parser must never read outside the buffer (AddressSanitizer watches), never loop, and
 * always leave NUL-terminated strings, counts within their arrays and a memory map inside
 * the buffer. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/multiboot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct boot_info info;
    /* A private, exactly sized copy: any read past `size` lands in ASan's redzone. */
    uint8_t *copy = malloc(size ? size : 1);
    if (size)
        memcpy(copy, data, size);
    multiboot_parse(copy, size, 0x10000, &info);
    const struct boot_memory_map *map = &info.memory_map;
    if (map->count && (map->entries < copy || map->entry_size < 24 ||
                       map->entries + map->count * map->entry_size > copy + size))
        abort(); /* the map must lie inside the information */
    for (size_t i = 0; i < map->count; i++)
        (void)boot_memory_map_entry(map, i); /* and every entry be readable (ASan) */
    if (info.module_count > BOOT_MODULES_MAX || strlen(info.cmdline) >= sizeof(info.cmdline) ||
        strlen(info.loader_name) >= sizeof(info.loader_name))
        abort();
    free(copy);
    return 0;
}
