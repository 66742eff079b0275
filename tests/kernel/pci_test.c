/* tests/kernel/pci_test.c - PCI enumeration as the kernel sees it, on every machine: the host
 * bridge first, BARs that are powers of two and aligned, every bus behind a bridge, the
 * e1000 driver bound with bus mastering on, the one-line format; configuration space through
 * ECAM where ACPI has an MCFG (q35), agreeing with port I/O; and device memory mapped
 * uncached by vm_map_io. */
#include "drivers/pci.h"
#include "arch/arch_mm.h"
#include "kernel/acpi.h"
#include "kernel/ktest.h"
#include "lib/string.h"
#include "mm/layout.h"
#include "mm/vm.h"

static void finds_the_host_bridge(struct ktest *t)
{
    KTEST_ASSERT_GT(t, pci_device_count(), 0u);
    const struct pci_device *d = pci_device_get(0);
    KTEST_EXPECT_EQ(t, d->bus, 0);
    KTEST_EXPECT_EQ(t, d->slot, 0);
    KTEST_EXPECT_EQ(t, d->class_code, PCI_CLASS_BRIDGE);
    KTEST_EXPECT_EQ(t, d->subclass, PCI_SUBCLASS_HOST);
    KTEST_EXPECT_EQ(t, d->vendor_id, 0x8086); /* i440FX on pc, Q35 on q35 */
    KTEST_EXPECT_NULL(t, pci_device_get(pci_device_count()));
}

static bool power_of_two(uint64_t x)
{
    return x && !(x & (x - 1));
}

static void bars_are_powers_of_two_and_aligned(struct ktest *t)
{
    int bars = 0;
    for (size_t i = 0; i < pci_device_count(); i++) {
        const struct pci_device *d = pci_device_get(i);
        for (int b = 0; b < PCI_BARS; b++) {
            const struct pci_bar *bar = &d->bars[b];
            if (bar->kind == PCI_BAR_NONE)
                continue;
            bars++;
            KTEST_EXPECT_TRUE(t, power_of_two(bar->size));
            KTEST_EXPECT_EQ(t, bar->address & (bar->size - 1), 0u);
            KTEST_EXPECT_GE(t, bar->size, bar->kind == PCI_BAR_IO ? 4u : 16u);
            if (bar->kind == PCI_BAR_MEMORY64)
                KTEST_EXPECT_EQ(t, (int)d->bars[++b].kind, (int)PCI_BAR_NONE); /* upper half */
        }
    }
    KTEST_EXPECT_GT(t, bars, 0); /* the VGA card or the IDE controller has some */
}

/* Every device on a bus other than 0 sits behind a bridge whose range holds that bus. */
static void every_bus_is_behind_a_bridge(struct ktest *t)
{
    for (size_t i = 0; i < pci_device_count(); i++) {
        const struct pci_device *d = pci_device_get(i);
        if (d->bus == 0)
            continue;
        bool behind = false;
        for (size_t j = 0; j < pci_device_count(); j++) {
            const struct pci_device *b = pci_device_get(j);
            behind |= b->header_type == PCI_HEADER_BRIDGE && b->secondary_bus <= d->bus &&
                      d->bus <= b->subordinate_bus;
        }
        KTEST_EXPECT_TRUE(t, behind);
    }
}

static void e1000s_have_their_driver_and_bus_mastering(struct ktest *t)
{
    for (size_t i = 0; i < pci_device_count(); i++) {
        const struct pci_device *d = pci_device_get(i);
        if (d->vendor_id != 0x8086 || d->device_id != 0x100e)
            continue;
        KTEST_ASSERT_NOT_NULL(t, d->driver);
        KTEST_EXPECT_STREQ(t, d->driver->name, "e1000");
        uint16_t command = pci_read16(d, PCI_COMMAND);
        KTEST_EXPECT_TRUE(t, command & PCI_COMMAND_BUS_MASTER);
        KTEST_EXPECT_TRUE(t, command & PCI_COMMAND_MEMORY);
    }
}

static void lines_name_the_device(struct ktest *t)
{
    char line[160];
    int length = pci_format_device(pci_device_get(0), line, sizeof(line));
    KTEST_EXPECT_EQ(t, (size_t)length, strlen(line));
    KTEST_EXPECT_EQ(t, strncmp(line, "00:00.0 8086:", 13), 0);
    KTEST_EXPECT_NOT_NULL(t, strstr(line, "class 06:00 host bridge"));
    char cut[10];
    KTEST_EXPECT_EQ(t, pci_format_device(pci_device_get(0), cut, sizeof(cut)), length);
    KTEST_EXPECT_EQ(t, strlen(cut), sizeof(cut) - 1);
}

/* Device memory is mapped uncached, writable, not executable, at the offset asked for. */
static void device_memory_is_mapped_uncached(struct ktest *t)
{
    uint64_t phys = 0xfec00000ull + 0x20; /* the IOAPIC's page on both machines */
    uint8_t *a = vm_map_io(phys, 0x20, VM_WRITE | VM_UNCACHED);
    uint8_t *b = vm_map_io(phys, 0x1000, VM_WRITE | VM_UNCACHED);
    KTEST_ASSERT_NOT_NULL(t, a);
    KTEST_ASSERT_NOT_NULL(t, b);
    KTEST_EXPECT_NE(t, (uintptr_t)a, (uintptr_t)b);
    KTEST_EXPECT_EQ(t, (uintptr_t)a & 0xfff, 0x20u);
    KTEST_EXPECT_GE(t, (uintptr_t)a, VM_IO_BASE);
    struct page_translation where;
    KTEST_ASSERT_EQ(t, vm_translate((uintptr_t)a, &where), 0);
    KTEST_EXPECT_EQ(t, where.phys, phys);
    KTEST_EXPECT_TRUE(t, where.uncached);
    KTEST_EXPECT_TRUE(t, where.writable);
    KTEST_EXPECT_EQ(t, where.executable, !arch_has_no_execute()); /* NX where the CPU has it */
    KTEST_ASSERT_EQ(t, vm_translate((uintptr_t)b + 0x1000, &where), 0); /* it spans two pages */
    KTEST_EXPECT_EQ(t, where.phys, phys + 0x1000);
    KTEST_EXPECT_NULL(t, vm_map_io(phys, 0, VM_WRITE | VM_UNCACHED));
    vm_unmap_io(a, 0x20);
    vm_unmap_io(b, 0x1000);
    KTEST_EXPECT_NE(t, vm_translate((uintptr_t)a, &where), 0);
    KTEST_EXPECT_NE(t, vm_translate((uintptr_t)b, &where), 0);
}

static bool has_mcfg_for_bus_0(void)
{
    const struct acpi_info *acpi = acpi_tables();
    for (unsigned int i = 0; acpi && i < acpi->mcfg_count; i++) {
        if (acpi->mcfg[i].segment == 0 && acpi->mcfg[i].bus_start == 0 && acpi->mcfg[i].base)
            return true;
    }
    return false;
}

/* Registers that do not change by themselves (the status register does: its interrupt bit). */
static const uint16_t stable_registers[] = {0x00, 0x08, 0x10, 0x14, 0x18,
                                            0x1c, 0x20, 0x24, 0x2c, 0x3c};

static void ecam_where_acpi_has_an_mcfg_and_it_agrees_with_port_io(struct ktest *t)
{
    KTEST_EXPECT_STREQ(t, pci_config_mechanism(), has_mcfg_for_bus_0() ? "ECAM" : "port I/O");
    for (size_t i = 0; i < pci_device_count(); i++) {
        const struct pci_device *d = pci_device_get(i);
        for (size_t r = 0; r < sizeof(stable_registers) / sizeof(stable_registers[0]); r++)
            KTEST_EXPECT_EQ(t, pci_read32(d, stable_registers[r]),
                            pci_read32_port_io(d, stable_registers[r]));
    }
}

/* Past the first 256 bytes port I/O reaches nothing (all ones, not the start again); ECAM
 * reaches each function's extended space: never the first bytes again either. */
static void only_ecam_reaches_past_256_bytes(struct ktest *t)
{
    bool ecam = has_mcfg_for_bus_0();
    size_t extended = 0;
    for (size_t i = 0; i < pci_device_count(); i++) {
        const struct pci_device *d = pci_device_get(i);
        KTEST_EXPECT_EQ(t, pci_read32_port_io(d, 0x100), 0xffffffffu);
        uint32_t header = pci_read32(d, 0x100);
        if (!ecam)
            KTEST_EXPECT_EQ(t, header, 0xffffffffu);
        else
            KTEST_EXPECT_NE(t, header, pci_read32(d, PCI_VENDOR_ID));
        extended += ecam && header != 0 && header != 0xffffffffu;
    }
    ktest_log(t, "%s; %zu functions with extended capabilities", pci_config_mechanism(), extended);
}

static const struct ktest_case pci_cases[] = {
        KTEST_CASE(finds_the_host_bridge),
        KTEST_CASE(bars_are_powers_of_two_and_aligned),
        KTEST_CASE(every_bus_is_behind_a_bridge),
        KTEST_CASE(e1000s_have_their_driver_and_bus_mastering),
        KTEST_CASE(lines_name_the_device),
        KTEST_CASE(device_memory_is_mapped_uncached),
        KTEST_CASE(ecam_where_acpi_has_an_mcfg_and_it_agrees_with_port_io),
        KTEST_CASE(only_ecam_reaches_past_256_bytes),
        {},
};
KTEST_SUITE(pci, pci_cases);
