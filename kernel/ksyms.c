/* kernel/ksyms.c - looking up the symbol table that tools/ksyms.sh generates. */
#include "kernel/ksyms.h"

#include "lib/format.h"
#include "lib/string.h"

/* Generated (build/ksyms.asm): count, sorted addresses, name offsets, then the names. */
extern const uint64_t ksym_table_count;
extern const uint64_t ksym_table_addresses[];
extern const uint32_t ksym_table_name_offsets[];
extern const char ksym_table_names[];
extern const char __text_end[];

static uint64_t symbol_end(uint64_t index)
{
    if (index + 1 < ksym_table_count)
        return ksym_table_addresses[index + 1];
    return (uint64_t)(uintptr_t)__text_end;
}

bool ksym_lookup(uint64_t address, struct ksym *symbol)
{
    uint64_t count = ksym_table_count;
    if (count == 0 || address < ksym_table_addresses[0])
        return false;
    /* Binary search for the last symbol starting at or below address. */
    uint64_t low = 0, high = count;
    while (high - low > 1) {
        uint64_t middle = low + (high - low) / 2;
        if (ksym_table_addresses[middle] <= address)
            low = middle;
        else
            high = middle;
    }
    if (address >= symbol_end(low))
        return false;
    symbol->name = ksym_table_names + ksym_table_name_offsets[low];
    symbol->address = ksym_table_addresses[low];
    symbol->size = symbol_end(low) - symbol->address;
    return true;
}

uint64_t ksym_address(const char *name)
{
    for (uint64_t i = 0; i < ksym_table_count; i++) {
        if (strcmp(ksym_table_names + ksym_table_name_offsets[i], name) == 0)
            return ksym_table_addresses[i];
    }
    return 0;
}

const char *ksym_describe(uint64_t address, char *buffer, unsigned int size)
{
    struct ksym symbol;
    if (ksym_lookup(address - 1, &symbol))
        ksnprintf(buffer, size, "%s+%#lx", symbol.name, address - symbol.address);
    else
        ksnprintf(buffer, size, "%#lx", address);
    return buffer;
}
