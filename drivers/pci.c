/* drivers/pci.c - PCI enumeration: configuration space through ECAM (where ACPI's MCFG table
 * places it) or port I/O, a depth-first walk
 * from each host bridge's bus through every PCI-to-PCI bridge (following the secondary bus
 * numbers the firmware assigned, so only buses that exist are scanned), BAR sizing, the boot
 * log, and binding the drivers registered with PCI_DRIVER. */
#include "drivers/pci.h"

#include <stdarg.h>

#include "arch/x86_64/cpu.h"
#include "lib/errno.h"
#include "kernel/acpi.h"
#include "kernel/printk.h"
#include "kernel/spinlock.h"
#include "mm/vm.h"

#define CONFIG_ADDRESS 0xcf8
#define CONFIG_DATA    0xcfc
#define CONFIG_ENABLE  0x80000000u

#define BUSES               256
#define PORT_IO_BYTES       256       /* what mechanism #1 reaches of each function */
#define ECAM_FUNCTION_BYTES 4096      /* what ECAM reaches */
#define ECAM_BUS_BYTES      (1 << 20) /* 32 slots x 8 functions x 4 KiB */

/* How configuration space is reached: port I/O, or ECAM (ACPI's MCFG). */
struct pci_config_access {
    const char *name;
    uint32_t (*read32)(uint8_t bus, uint8_t slot, uint8_t function, uint16_t offset);
    void (*write32)(uint8_t bus, uint8_t slot, uint8_t function, uint16_t offset, uint32_t value);
};

/* config_lock makes each address-then-data pair at 0xcf8/0xcfc one step: an interrupt
 * handler reading configuration space in between would otherwise move the address. */
static struct spinlock config_lock = SPINLOCK_INIT("pci config");

static uint32_t port_address(uint8_t bus, uint8_t slot, uint8_t function, uint16_t offset)
{
    return CONFIG_ENABLE | (uint32_t)bus << 16 | (uint32_t)(slot & 31) << 11 |
           (uint32_t)(function & 7) << 8 | (offset & 0xfc);
}

/* Beyond the first 256 bytes port I/O reaches nothing: the address would wrap to the start.
 * A read there gets all ones, as from a function that is not there; a write is dropped. */
static uint32_t port_read32(uint8_t bus, uint8_t slot, uint8_t function, uint16_t offset)
{
    if (offset >= PORT_IO_BYTES)
        return 0xffffffffu;
    unsigned long flags;
    spin_lock_irqsave(&config_lock, &flags);
    x86_outl(CONFIG_ADDRESS, port_address(bus, slot, function, offset));
    uint32_t value = x86_inl(CONFIG_DATA);
    spin_unlock_irqrestore(&config_lock, flags);
    return value;
}

static void port_write32(uint8_t bus, uint8_t slot, uint8_t function, uint16_t offset,
                         uint32_t value)
{
    if (offset >= PORT_IO_BYTES)
        return;
    unsigned long flags;
    spin_lock_irqsave(&config_lock, &flags);
    x86_outl(CONFIG_ADDRESS, port_address(bus, slot, function, offset));
    x86_outl(CONFIG_DATA, value);
    spin_unlock_irqrestore(&config_lock, flags);
}

static const struct pci_config_access port_io = {"port I/O", port_read32, port_write32};
static const struct pci_config_access *config = &port_io;

/* ECAM: configuration space is memory, 4 KiB per function, no lock needed. Each bus's 1 MiB
 * is mapped (uncached) when enumeration first reaches the bus, not the MCFG's whole 256 MiB
 * at once; an access to a bus never reached goes through port I/O, which reaches the same
 * first 256 bytes. */
static const struct acpi_mcfg_entry *ecam;
static volatile uint8_t *ecam_bus[BUSES];

static volatile uint32_t *ecam_address(uint8_t bus, uint8_t slot, uint8_t function, uint16_t offset)
{
    volatile uint8_t *window = ecam_bus[bus];
    if (!window || offset >= ECAM_FUNCTION_BYTES)
        return NULL;
    return (volatile uint32_t *)(window + ((uint32_t)(slot & 31) << 15 |
                                           (uint32_t)(function & 7) << 12 | (offset & ~3u)));
}

static uint32_t ecam_read32(uint8_t bus, uint8_t slot, uint8_t function, uint16_t offset)
{
    volatile uint32_t *address = ecam_address(bus, slot, function, offset);
    return address ? *address : port_read32(bus, slot, function, offset);
}

static void ecam_write32(uint8_t bus, uint8_t slot, uint8_t function, uint16_t offset,
                         uint32_t value)
{
    volatile uint32_t *address = ecam_address(bus, slot, function, offset);
    if (address)
        *address = value;
    else
        port_write32(bus, slot, function, offset, value);
}

static const struct pci_config_access ecam_access = {"ECAM", ecam_read32, ecam_write32};

/* Maps the bus's window when the MCFG covers it. Boot (enumeration), ordinary context. */
static void ecam_map_bus(uint8_t bus)
{
    if (!ecam || ecam_bus[bus] || bus < ecam->bus_start || bus > ecam->bus_end)
        return;
    uint64_t phys = ecam->base + ((uint64_t)(bus - ecam->bus_start) << 20);
    ecam_bus[bus] = vm_map_io(phys, ECAM_BUS_BYTES, VM_WRITE | VM_UNCACHED);
    if (!ecam_bus[bus])
        printk("pci: no address space to map bus %u's configuration space; port I/O there\n", bus);
}

/* ECAM when ACPI found an MCFG entry for segment 0 that starts at bus 0 (the buses this walk
 * numbers); port I/O otherwise. Returns whether ECAM is used. */
static bool ecam_choose(void)
{
    const struct acpi_info *acpi = acpi_tables();
    for (unsigned int i = 0; acpi && i < acpi->mcfg_count; i++) {
        const struct acpi_mcfg_entry *entry = &acpi->mcfg[i];
        if (entry->segment == 0 && entry->bus_start == 0 && entry->base) {
            ecam = entry;
            config = &ecam_access;
            ecam_map_bus(0);
            return true;
        }
    }
    return false;
}

/* Enumeration runs once at boot; afterwards the table is read-only. */
static struct pci_device devices[PCI_DEVICES_MAX];
static size_t device_count, devices_left_out;
static uint8_t bus_scanned[BUSES / 8];

static uint32_t read32(uint8_t bus, uint8_t slot, uint8_t function, uint16_t offset)
{
    return config->read32(bus, slot, function, offset);
}

static uint16_t read16(uint8_t bus, uint8_t slot, uint8_t function, uint16_t offset)
{
    return (uint16_t)(read32(bus, slot, function, offset) >> ((offset & 2) * 8));
}

static uint8_t read8(uint8_t bus, uint8_t slot, uint8_t function, uint16_t offset)
{
    return (uint8_t)(read32(bus, slot, function, offset) >> ((offset & 3) * 8));
}

uint32_t pci_read32(const struct pci_device *d, uint16_t offset)
{
    return read32(d->bus, d->slot, d->function, offset);
}

uint16_t pci_read16(const struct pci_device *d, uint16_t offset)
{
    return read16(d->bus, d->slot, d->function, offset);
}

static void pci_write32(const struct pci_device *d, uint16_t offset, uint32_t value)
{
    config->write32(d->bus, d->slot, d->function, offset, value);
}

void pci_write16(const struct pci_device *d, uint16_t offset, uint16_t value)
{
    uint32_t word = pci_read32(d, offset & ~3);
    unsigned int shift = (offset & 2) * 8;
    word = (word & ~(0xffffu << shift)) | (uint32_t)value << shift;
    pci_write32(d, offset & ~3, word);
}

/* --- BARs ------------------------------------------------------------------------------- */

/* Writes all ones, reads which bits stuck (the address bits the BAR decodes), puts the
 * original back. */
static uint32_t probe_bits(const struct pci_device *d, uint16_t offset, uint32_t original)
{
    pci_write32(d, offset, 0xffffffffu);
    uint32_t bits = pci_read32(d, offset);
    pci_write32(d, offset, original);
    return bits;
}

/* Decodes BAR i; returns how many BAR slots it took (2 for a 64-bit BAR). */
static int size_bar(struct pci_device *d, int i, int count)
{
    uint16_t offset = (uint16_t)(PCI_BAR0 + 4 * i);
    struct pci_bar *bar = &d->bars[i];
    uint32_t original = pci_read32(d, offset);
    uint32_t bits = probe_bits(d, offset, original);
    if (bits == 0)
        return 1; /* no BAR in this slot: it reads as zero whatever is written */
    if (original & 1) {
        uint32_t mask = bits & ~3u;
        if (!(mask & 0xffff0000u))
            mask |= 0xffff0000u; /* 16-bit I/O decoders leave the upper half zero */
        *bar = (struct pci_bar){PCI_BAR_IO, false, original & ~3u, (uint32_t)(~mask + 1)};
        return 1;
    }
    bool prefetchable = original & 8;
    if (((original >> 1) & 3) == 2 && i + 1 < count) {
        uint16_t high = (uint16_t)(offset + 4);
        uint32_t original_high = pci_read32(d, high);
        uint64_t mask = (uint64_t)probe_bits(d, high, original_high) << 32 | (bits & ~0xfu);
        *bar = (struct pci_bar){PCI_BAR_MEMORY64, prefetchable,
                                (uint64_t)original_high << 32 | (original & ~0xfu), ~mask + 1};
        return 2;
    }
    *bar = (struct pci_bar){PCI_BAR_MEMORY32, prefetchable, original & ~0xfu,
                            (uint32_t)(~(bits & ~0xfu) + 1)};
    return 1;
}

/* Decoding is turned off while a BAR holds all ones, so the device never answers at that
 * bogus address; host bridges are left alone (their decoding is the path to everything). */
static void read_bars(struct pci_device *d)
{
    int count = d->header_type == PCI_HEADER_DEVICE   ? 6
                : d->header_type == PCI_HEADER_BRIDGE ? 2
                                                      : 0;
    bool host = d->class_code == PCI_CLASS_BRIDGE && d->subclass == PCI_SUBCLASS_HOST;
    uint16_t command = pci_read16(d, PCI_COMMAND);
    if (!host)
        pci_write16(d, PCI_COMMAND, command & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
    for (int i = 0; i < count;)
        i += size_bar(d, i, count);
    if (!host)
        pci_write16(d, PCI_COMMAND, command);
}

/* --- enumeration ------------------------------------------------------------------------ */

static void scan_bus(uint8_t bus);

static bool is_pci_bridge(const struct pci_device *d)
{
    return d->header_type == PCI_HEADER_BRIDGE && d->class_code == PCI_CLASS_BRIDGE &&
           d->subclass == PCI_SUBCLASS_PCI_PCI;
}

static struct pci_device *record(uint8_t bus, uint8_t slot, uint8_t function)
{
    if (device_count == PCI_DEVICES_MAX) {
        devices_left_out++;
        return NULL;
    }
    struct pci_device *d = &devices[device_count++];
    uint32_t class_word = read32(bus, slot, function, PCI_REVISION);
    *d = (struct pci_device){
            .bus = bus,
            .slot = slot,
            .function = function,
            .vendor_id = read16(bus, slot, function, PCI_VENDOR_ID),
            .device_id = read16(bus, slot, function, PCI_DEVICE_ID),
            .revision = (uint8_t)class_word,
            .prog_if = (uint8_t)(class_word >> 8),
            .subclass = (uint8_t)(class_word >> 16),
            .class_code = (uint8_t)(class_word >> 24),
            .header_type = read8(bus, slot, function, PCI_HEADER_TYPE) & 0x7f,
            .interrupt_line = read8(bus, slot, function, PCI_INTERRUPT_LINE),
            .interrupt_pin = read8(bus, slot, function, PCI_INTERRUPT_PIN),
    };
    return d;
}

static void scan_function(uint8_t bus, uint8_t slot, uint8_t function)
{
    struct pci_device *d = record(bus, slot, function);
    if (!d)
        return;
    read_bars(d);
    if (!is_pci_bridge(d))
        return;
    d->secondary_bus = read8(bus, slot, function, PCI_SECONDARY_BUS);
    d->subordinate_bus = read8(bus, slot, function, PCI_SUBORDINATE_BUS);
    /* A bridge the firmware gave no bus number leads nowhere we could address; a number
     * already scanned is not scanned again (scan_bus), which also ends any loop. */
    if (d->secondary_bus == 0)
        printk("pci: bridge %02x:%02x.%u has no bus number assigned; not followed\n", bus, slot,
               function);
    else
        scan_bus(d->secondary_bus);
}

static bool present(uint8_t bus, uint8_t slot, uint8_t function)
{
    return read16(bus, slot, function, PCI_VENDOR_ID) != 0xffff;
}

static void scan_slot(uint8_t bus, uint8_t slot)
{
    if (!present(bus, slot, 0))
        return;
    scan_function(bus, slot, 0);
    if (!(read8(bus, slot, 0, PCI_HEADER_TYPE) & PCI_HEADER_MULTI_FUNCTION))
        return;
    for (uint8_t function = 1; function < 8; function++) {
        if (present(bus, slot, function))
            scan_function(bus, slot, function);
    }
}

static void scan_bus(uint8_t bus)
{
    if (bus_scanned[bus / 8] & (1u << (bus % 8)))
        return;
    bus_scanned[bus / 8] |= (uint8_t)(1u << (bus % 8));
    ecam_map_bus(bus);
    for (uint8_t slot = 0; slot < 32; slot++)
        scan_slot(bus, slot);
}

/* Mechanism #1 is there when the address register keeps what is written to it. */
static bool port_io_present(void)
{
    uint32_t saved = x86_inl(CONFIG_ADDRESS);
    x86_outl(CONFIG_ADDRESS, CONFIG_ENABLE);
    bool present = x86_inl(CONFIG_ADDRESS) == CONFIG_ENABLE;
    x86_outl(CONFIG_ADDRESS, saved);
    return present;
}

/* Bus 0 holds the host bridge; a multi-function host bridge is several host bridges, and
 * function n's root bus is bus n. */
static void enumerate(void)
{
    if (!(read8(0, 0, 0, PCI_HEADER_TYPE) & PCI_HEADER_MULTI_FUNCTION)) {
        scan_bus(0);
        return;
    }
    for (uint8_t function = 0; function < 8; function++) {
        if (present(0, 0, function))
            scan_bus(function);
    }
}

/* --- what the log and lspci show ----------------------------------------------------------- */

struct class_name {
    uint8_t class_code;
    int16_t subclass; /* -1: any */
    const char *name;
};

static const struct class_name class_names[] = {
        {0x01, 0x01, "ide controller"},      {0x01, 0x06, "sata controller"},
        {0x01, 0x08, "nvme controller"},     {0x01, -1, "storage controller"},
        {0x02, 0x00, "ethernet controller"}, {0x02, -1, "network controller"},
        {0x03, 0x00, "vga controller"},      {0x03, -1, "display controller"},
        {0x04, -1, "multimedia device"},     {0x05, -1, "memory controller"},
        {0x06, 0x00, "host bridge"},         {0x06, 0x01, "isa bridge"},
        {0x06, 0x04, "pci bridge"},          {0x06, -1, "bridge"},
        {0x07, -1, "communication device"},  {0x08, -1, "system peripheral"},
        {0x0c, 0x03, "usb controller"},      {0x0c, 0x05, "smbus controller"},
        {0x0c, -1, "serial bus controller"},
};

const char *pci_class_name(uint8_t class_code, uint8_t subclass)
{
    for (size_t i = 0; i < ARRAY_SIZE(class_names); i++) {
        const struct class_name *c = &class_names[i];
        if (c->class_code == class_code && (c->subclass < 0 || c->subclass == subclass))
            return c->name;
    }
    return "device";
}

/* "128 KiB", "16 MiB", "64 B": sizes are powers of two, so whole units. */
static int format_size(char *buffer, size_t size, uint64_t bytes)
{
    if (bytes >= (1ull << 20) && !(bytes & ((1ull << 20) - 1)))
        return ksnprintf(buffer, size, "%lu MiB", bytes >> 20);
    if (bytes >= 1024 && !(bytes & 1023))
        return ksnprintf(buffer, size, "%lu KiB", bytes >> 10);
    return ksnprintf(buffer, size, "%lu B", bytes);
}

/* A line being formatted: length counts what the whole line would take, as ksnprintf does. */
struct line {
    char *buffer;
    size_t size;
    int length;
};

static void __printf(2, 3) append(struct line *line, const char *fmt, ...)
{
    size_t used = MIN((size_t)line->length, line->size);
    va_list args;
    va_start(args, fmt);
    line->length += kvsnprintf(line->buffer + used, line->size - used, fmt, args);
    va_end(args);
}

static void format_bars(const struct pci_device *d, struct line *line)
{
    for (int i = 0; i < PCI_BARS; i++) {
        const struct pci_bar *bar = &d->bars[i];
        if (bar->kind == PCI_BAR_NONE)
            continue;
        char amount[16];
        format_size(amount, sizeof(amount), bar->size);
        append(line, ", %s%s %#lx (%s)", bar->kind == PCI_BAR_IO ? "io" : "mem",
               bar->prefetchable ? " prefetchable" : "", bar->address, amount);
    }
}

int pci_format_device(const struct pci_device *d, char *buffer, size_t size)
{
    struct line line = {buffer, size, 0};
    append(&line, "%02x:%02x.%u %04x:%04x class %02x:%02x %s", d->bus, d->slot, d->function,
           d->vendor_id, d->device_id, d->class_code, d->subclass,
           pci_class_name(d->class_code, d->subclass));
    if (d->interrupt_pin && d->interrupt_line != PCI_INTERRUPT_NO_LINE)
        append(&line, ", irq %u (INT%c)", d->interrupt_line, 'A' + d->interrupt_pin - 1);
    if (is_pci_bridge(d))
        append(&line, ", buses %02x-%02x", d->secondary_bus, d->subordinate_bus);
    format_bars(d, &line);
    if (d->driver)
        append(&line, ", driver %s", d->driver->name);
    return line.length;
}

/* --- drivers ------------------------------------------------------------------------------- */

/* Gathered by the linker from every PCI_DRIVER (linker.ld). */
extern const struct pci_driver *const __start_pci_drivers[], *const __stop_pci_drivers[];

static bool matches(const struct pci_driver *driver, const struct pci_device *d)
{
    for (const struct pci_id *id = driver->ids; id->vendor_id || id->device_id; id++) {
        if (id->vendor_id == d->vendor_id && id->device_id == d->device_id)
            return true;
    }
    return false;
}

static void bind(struct pci_device *d)
{
    for (const struct pci_driver *const *driver = __start_pci_drivers; driver < __stop_pci_drivers;
         driver++) {
        if (!matches(*driver, d))
            continue;
        int error = (*driver)->probe(d);
        if (!error) {
            d->driver = *driver;
            return;
        }
        printk("pci: %02x:%02x.%u: driver %s did not start (%s)\n", d->bus, d->slot, d->function,
               (*driver)->name, errno_name(error));
    }
}

void pci_enable(const struct pci_device *d, unsigned int what)
{
    uint16_t command = pci_read16(d, PCI_COMMAND);
    if (what & PCI_ENABLE_IO)
        command |= PCI_COMMAND_IO;
    if (what & PCI_ENABLE_MEMORY)
        command |= PCI_COMMAND_MEMORY;
    if (what & PCI_ENABLE_BUS_MASTER)
        command |= PCI_COMMAND_BUS_MASTER;
    if (what & PCI_ENABLE_INTX)
        command &= (uint16_t)~PCI_COMMAND_INTERRUPT_DISABLE;
    pci_write16(d, PCI_COMMAND, command);
}

uint32_t pci_read32_port_io(const struct pci_device *d, uint16_t offset)
{
    return port_read32(d->bus, d->slot, d->function, offset);
}

const char *pci_config_mechanism(void)
{
    return config->name;
}

size_t pci_device_count(void)
{
    return device_count;
}

const struct pci_device *pci_device_get(size_t index)
{
    return index < device_count ? &devices[index] : NULL;
}

void pci_init(void)
{
    if (!ecam_choose() && !port_io_present()) {
        printk("pci: no configuration mechanism at 0xcf8 and no MCFG; no PCI devices\n");
        return;
    }
    enumerate();
    char line[160];
    for (size_t i = 0; i < device_count; i++) {
        pci_format_device(&devices[i], line, sizeof(line));
        printk("pci: %s\n", line);
    }
    if (devices_left_out)
        printk("pci: %lu more functions not listed (the table holds %d)\n", devices_left_out,
               PCI_DEVICES_MAX);
    printk("pci: %lu functions found through %s configuration access\n", device_count,
           config->name);
    for (size_t i = 0; i < device_count; i++)
        bind(&devices[i]);
}
