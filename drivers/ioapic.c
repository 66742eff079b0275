/* drivers/ioapic.c - programming the IOAPICs' redirection entries from the MADT (a pin per
 * line, the overrides honoured), and the local APICs as the rest of the interrupt controller:
 * end-of-interrupt, the per-CPU lines, IPIs. */
#include "drivers/ioapic.h"

#include "arch/arch.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/percpu.h"
#include "drivers/lapic_timer.h"
#include "drivers/pic.h"
#include "mm/vm.h"
#include "kernel/irq.h"
#include "kernel/printk.h"
#include "kernel/spinlock.h"
#include "lib/errno.h"

#define IOREGSEL                0x00 /* register select, then the window: 32-bit registers */
#define IOWIN                   0x10
#define IOAPIC_VERSION          0x01 /* bits 16-23: the highest redirection entry */
#define IOAPIC_REDIRECTION(pin) (0x10 + 2 * (pin))

/* Redirection entry bits (82093AA datasheet, 3.2.4). */
#define REDIRECT_NMI        (4u << 8)
#define REDIRECT_ACTIVE_LOW (1u << 13)
#define REDIRECT_LEVEL      (1u << 15)
#define REDIRECT_MASKED     (1u << 16)

#define CPUID_1_EDX_APIC (1u << 9)

struct ioapic {
    volatile uint32_t *registers;
    uint32_t gsi_base, pins;
};

/* ioapic_lock keeps each select-then-access pair whole and guards the entries' low words,
 * cached in low[]. Taken with interrupts off (mask and unmask run on the interrupt path). */
static struct spinlock ioapic_lock = SPINLOCK_INIT("ioapic");

/* Set at boot, read-only afterwards. */
static struct ioapic ioapics[ACPI_IOAPICS_MAX];
static unsigned int ioapic_count;
static int line_gsi[IOAPIC_LINES];     /* -1: no pin */
static uint32_t low[IOAPIC_LINES];     /* each line's entry, low word (guarded) */
static const struct acpi_madt *tables; /* for the LINT pins of the other CPUs */

static uint32_t read_register(struct ioapic *chip, uint32_t index)
{
    chip->registers[IOREGSEL / 4] = index;
    return chip->registers[IOWIN / 4];
}

static void write_register(struct ioapic *chip, uint32_t index, uint32_t value)
{
    chip->registers[IOREGSEL / 4] = index;
    chip->registers[IOWIN / 4] = value;
}

/* The IOAPIC a GSI belongs to, with *pin set, or NULL. */
static struct ioapic *chip_of(uint32_t gsi, uint32_t *pin)
{
    for (unsigned int i = 0; i < ioapic_count; i++) {
        if (gsi >= ioapics[i].gsi_base && gsi - ioapics[i].gsi_base < ioapics[i].pins) {
            *pin = gsi - ioapics[i].gsi_base;
            return &ioapics[i];
        }
    }
    return NULL;
}

/* Writes a GSI's redirection entry: the destination first, so the entry is never live
 * pointing elsewhere. Called under ioapic_lock, or at boot. */
static void write_entry(uint32_t gsi, uint32_t entry_low, uint32_t destination)
{
    uint32_t pin;
    struct ioapic *chip = chip_of(gsi, &pin);
    if (!chip)
        return;
    write_register(chip, IOAPIC_REDIRECTION(pin), REDIRECT_MASKED);
    write_register(chip, IOAPIC_REDIRECTION(pin) + 1, destination << 24);
    write_register(chip, IOAPIC_REDIRECTION(pin), entry_low);
}

static void set_masked(unsigned int line, bool masked)
{
    if (line >= IOAPIC_LINES || line_gsi[line] < 0)
        return; /* a per-CPU line, or no pin: nothing to mask */
    unsigned long flags;
    spin_lock_irqsave(&ioapic_lock, &flags);
    low[line] = masked ? low[line] | REDIRECT_MASKED : low[line] & ~REDIRECT_MASKED;
    write_entry((uint32_t)line_gsi[line], low[line], x86_cpu_areas[0].apic_id);
    spin_unlock_irqrestore(&ioapic_lock, flags);
}

static void ioapic_mask(unsigned int line)
{
    set_masked(line, true);
}

static void ioapic_unmask(unsigned int line)
{
    set_masked(line, false);
}

bool ioapic_is_masked(unsigned int line)
{
    if (line >= IOAPIC_LINES)
        return false;
    if (line_gsi[line] < 0)
        return true;
    return READ_ONCE(low[line]) & REDIRECT_MASKED; /* pairs with the store under the lock */
}

int ioapic_line_gsi(unsigned int line)
{
    return line < IOAPIC_LINES ? line_gsi[line] : -1;
}

static void apic_eoi(unsigned int line)
{
    if (line == IRQ_LINE_LOCAL_TIMER)
        lapic_timer_tick_ended();
    x86_lapic_eoi();
}

/* The local APIC's spurious vector is its own (0xff): no IRQ line is ever spurious. */
static bool never_spurious(unsigned int line)
{
    (void)line;
    return false;
}

static void raise_on(unsigned int line, unsigned int cpu)
{
    if (line >= IOAPIC_LINES)
        x86_lapic_send(x86_cpu_areas[cpu].apic_id,
                       X86_ICR_FIXED | X86_ICR_ASSERT | (IRQ_VECTOR_BASE + line));
}

static void init_cpu(void);

/* Requests wait in the local APIC's request register, by vector: a device line's on the boot
 * CPU's, a per-CPU line's on each CPU's. */
static bool is_pending(unsigned int line)
{
    return x86_lapic_is_pending(IRQ_VECTOR_BASE + line);
}

static bool is_masked(unsigned int line)
{
    return ioapic_is_masked(line);
}

/* As the line's entry says: the MADT's trigger mode for an ISA line (QEMU's pc machine marks
 * the PCI lines 5, 9, 10 and 11 level-triggered), level for the PCI pins 16-23. */
static bool is_level_triggered(unsigned int line)
{
    return line < IOAPIC_LINES && line_gsi[line] >= 0 && (READ_ONCE(low[line]) & REDIRECT_LEVEL);
}

static const struct irq_controller apic_controller = {
        .name = "IOAPIC",
        .lines = IOAPIC_CONTROLLER_LINES,
        .vector_base = IRQ_VECTOR_BASE,
        .mask = ioapic_mask,
        .unmask = ioapic_unmask,
        .eoi = apic_eoi,
        .is_spurious = never_spurious,
        .raise_on = raise_on,
        .is_masked = is_masked,
        .is_pending = is_pending,
        .is_level_triggered = is_level_triggered,
        .init_cpu = init_cpu,
};

/* --- boot ------------------------------------------------------------------------------- */

/* The entry a line gets: its vector, the MADT's polarity and trigger mode, masked. */
static uint32_t line_entry(unsigned int line, uint16_t inti)
{
    uint32_t entry = (IRQ_VECTOR_BASE + line) | REDIRECT_MASKED;
    if ((inti & ACPI_INTI_POLARITY_MASK) == ACPI_INTI_ACTIVE_LOW)
        entry |= REDIRECT_ACTIVE_LOW;
    if ((inti & ACPI_INTI_TRIGGER_MASK) == ACPI_INTI_LEVEL)
        entry |= REDIRECT_LEVEL;
    return entry;
}

/* True when an ISA IRQ other than `line` was moved onto GSI `gsi` by an override. */
static bool gsi_taken(const struct acpi_madt *madt, unsigned int line, uint32_t gsi)
{
    for (unsigned int i = 0; i < madt->override_count; i++) {
        const struct acpi_override *o = &madt->overrides[i];
        if (o->bus == 0 && o->gsi == gsi && o->irq != line)
            return true;
    }
    return false;
}

/* Gives every line its pin (the overrides honoured) and a masked entry. */
static void route_lines(const struct acpi_madt *madt)
{
    for (unsigned int line = 0; line < IOAPIC_LINES; line++) {
        uint16_t inti = ACPI_INTI_ACTIVE_LOW | ACPI_INTI_LEVEL; /* PCI: level, active low */
        uint32_t gsi = line < 16 ? acpi_isa_gsi(madt, line, &inti) : line, pin;
        bool has_pin = chip_of(gsi, &pin) && !gsi_taken(madt, line, gsi);
        line_gsi[line] = has_pin ? (int)gsi : -1;
        low[line] = line_entry(line, inti);
        if (has_pin)
            write_entry(gsi, low[line], x86_cpu_areas[0].apic_id);
    }
}

/* GSIs the MADT wires to NMI (type 3 entries) get an unmasked NMI entry. */
static void route_nmis(const struct acpi_madt *madt)
{
    for (unsigned int i = 0; i < madt->nmi_count; i++) {
        const struct acpi_nmi *nmi = &madt->nmis[i];
        uint32_t polarity_and_trigger =
                line_entry(0, nmi->flags) & (REDIRECT_ACTIVE_LOW | REDIRECT_LEVEL);
        if (!nmi->local)
            write_entry(nmi->gsi, REDIRECT_NMI | polarity_and_trigger, x86_cpu_areas[0].apic_id);
    }
}

static int map_ioapics(const struct acpi_madt *madt)
{
    for (unsigned int i = 0; i < madt->ioapic_count; i++) {
        volatile uint32_t *registers =
                vm_map_io(madt->ioapics[i].address, 0x20, VM_WRITE | VM_UNCACHED);
        if (!registers)
            return -ENOMEM;
        ioapics[i] = (struct ioapic){registers, madt->ioapics[i].gsi_base, 0};
        ioapics[i].pins = ((read_register(&ioapics[i], IOAPIC_VERSION) >> 16) & 0xff) + 1;
    }
    ioapic_count = madt->ioapic_count;
    return 0;
}

/* LINT pins the MADT wires to NMI for the processor whose APIC id is apic_id: bit n, LINTn. */
static unsigned int lint_nmi_of(const struct acpi_madt *madt, uint32_t apic_id)
{
    uint32_t uid = ACPI_UID_ALL;
    for (unsigned int i = 0; i < madt->cpu_count; i++) {
        if (madt->cpus[i].apic_id == apic_id)
            uid = madt->cpus[i].uid;
    }
    unsigned int pins = 0;
    for (unsigned int i = 0; i < madt->nmi_count; i++) {
        const struct acpi_nmi *nmi = &madt->nmis[i];
        if (nmi->local && nmi->lint < 2 && (nmi->uid == ACPI_UID_ALL || nmi->uid == uid))
            pins |= 1u << nmi->lint;
    }
    return pins;
}

static void init_cpu(void)
{
    x86_lapic_init_cpu(lint_nmi_of(tables, x86_lapic_id()));
}

int ioapic_init(const struct acpi_madt *madt)
{
    if (!madt->ioapic_count || !(x86_cpuid(1, 0).edx & CPUID_1_EDX_APIC) || !madt->lapic_address)
        return -ENODEV;
    volatile void *lapic = vm_map_io(madt->lapic_address, 0x1000, VM_WRITE | VM_UNCACHED);
    if (!lapic)
        return -ENOMEM;
    int error = map_ioapics(madt);
    if (error)
        return error;
    tables = madt;
    pic_disable();
    x86_lapic_init(lapic);
    init_cpu();
    route_lines(madt);
    route_nmis(madt);
    return irq_set_controller(&apic_controller);
}
