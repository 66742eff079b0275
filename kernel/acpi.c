/* kernel/acpi.c - reading the firmware's tables at boot: the RSDP from the boot information,
 * each table mapped read-only where it lies (ACPI tables sit in reserved or ACPI ranges the
 * direct map may not cover), the parsing left to lib/acpi.c. */
#include "kernel/acpi.h"

#include "kernel/cmdline.h"
#include "mm/vm.h"
#include "kernel/printk.h"
#include "lib/compiler.h"
#include "lib/string.h"
#include "mm/layout.h"

#define MAPPINGS_MAX 16

/* Boot is one thread: nothing here needs a lock. The ranges mapped so far, so that reading a
 * table's header and then the whole table maps its pages once. */
static struct {
    uint64_t start, end; /* physical, page-aligned */
    const uint8_t *virt;
} mappings[MAPPINGS_MAX];
static unsigned int mapping_count;

static struct acpi_info info;
static bool found;

static const void *map_tables(void *context, uint64_t phys, uint64_t length)
{
    (void)context;
    if (length == 0 || phys + length < phys)
        return NULL;
    for (unsigned int i = 0; i < mapping_count; i++) {
        if (phys >= mappings[i].start && phys + length <= mappings[i].end)
            return mappings[i].virt + (phys - mappings[i].start);
    }
    uint64_t start = ALIGN_DOWN(phys, PAGE_SIZE), end = ALIGN_UP(phys + length, PAGE_SIZE);
    const uint8_t *virt = vm_map_io(start, end - start, 0);
    if (!virt)
        return NULL;
    if (mapping_count < MAPPINGS_MAX)
        mappings[mapping_count++] = (typeof(mappings[0])){start, end, virt};
    return virt + (phys - start);
}

static unsigned int enabled_cpus(const struct acpi_madt *madt)
{
    unsigned int count = 0;
    for (unsigned int i = 0; i < madt->cpu_count; i++)
        count += madt->cpus[i].enabled;
    return count;
}

/* The OEM id without the spaces that pad it to six characters. */
static int oem_length(void)
{
    int length = (int)strnlen(info.oem_id, sizeof(info.oem_id));
    while (length > 0 && info.oem_id[length - 1] == ' ')
        length--;
    return length;
}

static void log_found(void)
{
    const struct acpi_madt *madt = &info.madt;
    unsigned int cpus = enabled_cpus(madt);
    char mcfg[64] = "";
    if (info.mcfg_count)
        ksnprintf(mcfg, sizeof(mcfg), ", PCI config space at %#lx", info.mcfg[0].base);
    printk("acpi: %u CPU%s, %u IOAPIC%s, %u interrupt override%s%s (%s, OEM %.*s)\n", cpus,
           cpus == 1 ? "" : "s", madt->ioapic_count, madt->ioapic_count == 1 ? "" : "s",
           madt->override_count, madt->override_count == 1 ? "" : "s", mcfg,
           info.xsdt ? "XSDT" : "RSDT", oem_length(), info.oem_id);
}

const struct acpi_info *acpi_init(const struct boot_info *boot)
{
    if (!cmdline_bool("acpi", true)) {
        printk("acpi: off (acpi=off); one CPU and the 8259\n");
        return NULL;
    }
    if (!boot->acpi_rsdp) {
        printk("acpi: the boot loader passed no RSDP; one CPU and the 8259\n");
        return NULL;
    }
    char why[ACPI_WHY_MAX];
    int error = acpi_parse(phys_to_virt(boot->acpi_rsdp), boot->acpi_rsdp_length, map_tables, NULL,
                           &info, why);
    if (error) {
        printk("%s; one CPU and the 8259\n", why);
        return NULL;
    }
    if (why[0])
        printk("%s\n", why); /* a problem the tables survived */
    log_found();
    found = true;
    return &info;
}

const struct acpi_info *acpi_tables(void)
{
    return found ? &info : NULL;
}
