/* tests/fuzz/fuzz_acpi.c - libFuzzer target: the ACPI parser (lib/acpi.c) on arbitrary
 * firmware tables. The input is an RSDP and pieces of physical memory; each piece is served
 * from an exactly sized copy, so a read past a table's end lands in AddressSanitizer's
 * redzone. The parser must never read outside what it mapped, never loop, and keep every
 * count within its array.
 *
 * Encoding (tools/fuzz_seeds.py writes the seeds this way): one byte n, then n bytes of
 * RSDP; then pieces, each a 64-bit physical address, a 32-bit length and that many bytes
 * (little-endian; a last piece is cut to what is left). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/acpi.h"

#define PIECES_MAX 64

struct piece {
    uint64_t phys;
    uint32_t length;
    uint8_t *bytes;
};

struct memory {
    struct piece pieces[PIECES_MAX];
    int count;
};

static const void *map(void *context, uint64_t phys, uint64_t length)
{
    const struct memory *memory = context;
    for (int i = 0; i < memory->count; i++) {
        const struct piece *piece = &memory->pieces[i];
        if (phys >= piece->phys && phys - piece->phys <= piece->length &&
            length <= piece->length - (phys - piece->phys))
            return piece->bytes + (phys - piece->phys);
    }
    return NULL;
}

static void read_pieces(struct memory *memory, const uint8_t *data, size_t size)
{
    memory->count = 0;
    while (size >= 12 && memory->count < PIECES_MAX) {
        struct piece *piece = &memory->pieces[memory->count++];
        uint32_t length;
        memcpy(&piece->phys, data, 8);
        memcpy(&length, data + 8, 4);
        data += 12, size -= 12;
        piece->length = length < size ? length : (uint32_t)size;
        piece->bytes = malloc(piece->length ? piece->length : 1);
        memcpy(piece->bytes, data, piece->length);
        data += piece->length, size -= piece->length;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct acpi_info info;
    static struct memory memory;
    char why[ACPI_WHY_MAX];
    if (size < 1 || size - 1 < data[0])
        return 0;
    size_t rsdp_length = data[0];
    uint8_t *rsdp = malloc(rsdp_length ? rsdp_length : 1);
    memcpy(rsdp, data + 1, rsdp_length);
    read_pieces(&memory, data + 1 + rsdp_length, size - 1 - rsdp_length);
    int result = acpi_parse(rsdp, rsdp_length, map, &memory, &info, why);
    const struct acpi_madt *madt = &info.madt;
    if (madt->cpu_count > ACPI_CPUS_MAX || madt->ioapic_count > ACPI_IOAPICS_MAX ||
        madt->override_count > ACPI_OVERRIDES_MAX || madt->nmi_count > ACPI_NMIS_MAX ||
        info.mcfg_count > ACPI_MCFG_MAX || strnlen(why, ACPI_WHY_MAX) == ACPI_WHY_MAX ||
        (result != 0 && !why[0]) || (result == 0 && !info.has_madt))
        abort();
    uint16_t flags;
    for (unsigned int irq = 0; irq < 16; irq++)
        acpi_isa_gsi(madt, irq, &flags);
    for (int i = 0; i < memory.count; i++)
        free(memory.pieces[i].bytes);
    free(rsdp);
    return 0;
}
