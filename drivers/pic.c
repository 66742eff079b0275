/* drivers/pic.c - programming the 8259A pair: the initialisation words that remap them, the
 * interrupt masks, end-of-interrupt, and telling a spurious IRQ 7 or 15 from a real one. */
#include "drivers/pic.h"

#include <stdint.h>

#include "arch/x86_64/cpu.h"
#include "kernel/irq.h"
#include "kernel/spinlock.h"

#define MASTER_COMMAND 0x20
#define MASTER_DATA    0x21
#define SLAVE_COMMAND  0xa0
#define SLAVE_DATA     0xa1
#define ELCR_MASTER    0x4d0 /* edge/level control (PIIX and ICH chipsets): bit n, line n */
#define ELCR_SLAVE     0x4d1

#define ICW1_INIT       0x10 /* start the initialisation sequence */
#define ICW1_NEEDS_ICW4 0x01
#define ICW4_8086_MODE  0x01
#define OCW2_EOI        0x20 /* non-specific end of interrupt */
#define OCW3_READ_IRR   0x0a /* the next read of the command port returns the request bits */
#define OCW3_READ_ISR   0x0b /* ... the in-service bits */

/* pic_lock protects the cached masks below and keeps each mask update's port writes whole.
 * Taken with interrupts off (it is used from the interrupt path too). */
static struct spinlock pic_lock = SPINLOCK_INIT("pic");
static uint16_t masks = 0xffff; /* bit n set: line n masked. Guarded by pic_lock. */

static void write_masks(void)
{
    x86_outb(MASTER_DATA, masks & 0xff);
    x86_outb(SLAVE_DATA, masks >> 8);
}

static void pic_reset(void)
{
    unsigned long flags;
    spin_lock_irqsave(&pic_lock, &flags);
    /* The four initialisation words, in the order the 8259A demands; old controllers need a
     * pause between writes. */
    x86_outb(MASTER_COMMAND, ICW1_INIT | ICW1_NEEDS_ICW4);
    x86_io_wait();
    x86_outb(SLAVE_COMMAND, ICW1_INIT | ICW1_NEEDS_ICW4);
    x86_io_wait();
    x86_outb(MASTER_DATA, PIC_VECTOR_BASE); /* ICW2: vector of line 0 */
    x86_io_wait();
    x86_outb(SLAVE_DATA, PIC_VECTOR_BASE + 8);
    x86_io_wait();
    x86_outb(MASTER_DATA, 1u << PIC_CASCADE_IRQ); /* ICW3: which line has a slave */
    x86_io_wait();
    x86_outb(SLAVE_DATA, PIC_CASCADE_IRQ); /* ICW3: the slave's identity on that line */
    x86_io_wait();
    x86_outb(MASTER_DATA, ICW4_8086_MODE);
    x86_io_wait();
    x86_outb(SLAVE_DATA, ICW4_8086_MODE);
    x86_io_wait();
    masks = 0xffff;
    write_masks();
    spin_unlock_irqrestore(&pic_lock, flags);
}

void pic_unmask(unsigned int irq)
{
    if (irq >= PIC_LINES)
        return;
    unsigned long flags;
    spin_lock_irqsave(&pic_lock, &flags);
    masks &= ~(1u << irq);
    if (irq >= 8) /* a slave line reaches the CPU only through the cascade line */
        masks &= ~(1u << PIC_CASCADE_IRQ);
    write_masks();
    spin_unlock_irqrestore(&pic_lock, flags);
}

void pic_mask(unsigned int irq)
{
    if (irq >= PIC_LINES)
        return;
    unsigned long flags;
    spin_lock_irqsave(&pic_lock, &flags);
    masks |= 1u << irq;
    if ((masks & 0xff00) == 0xff00) /* no slave line left: close the cascade too */
        masks |= 1u << PIC_CASCADE_IRQ;
    write_masks();
    spin_unlock_irqrestore(&pic_lock, flags);
}

bool pic_is_masked(unsigned int irq)
{
    if (irq >= PIC_LINES)
        return true;
    return (READ_ONCE(masks) >> irq) & 1; /* pairs with the stores under pic_lock */
}

void pic_send_eoi(unsigned int irq)
{
    assert_irqs_disabled(); /* an EOI with interrupts on could let the next one nest */
    if (irq >= 8)
        x86_outb(SLAVE_COMMAND, OCW2_EOI);
    x86_outb(MASTER_COMMAND, OCW2_EOI);
}

static uint8_t read_register(uint16_t command_port, uint8_t which)
{
    x86_outb(command_port, which);
    return x86_inb(command_port);
}

bool pic_is_pending(unsigned int irq)
{
    if (irq >= PIC_LINES)
        return false;
    unsigned long flags;
    spin_lock_irqsave(&pic_lock, &flags); /* the select-then-read pair must stay whole */
    uint8_t requests = read_register(irq < 8 ? MASTER_COMMAND : SLAVE_COMMAND, OCW3_READ_IRR);
    spin_unlock_irqrestore(&pic_lock, flags);
    return (requests >> (irq & 7)) & 1;
}

bool pic_is_spurious(unsigned int irq)
{
    assert_irqs_disabled(); /* reads the in-service bits: only meaningful on the interrupt path */
    if (irq == 7)
        return !(read_register(MASTER_COMMAND, OCW3_READ_ISR) & 0x80);
    if (irq == 15 && !(read_register(SLAVE_COMMAND, OCW3_READ_ISR) & 0x80)) {
        x86_outb(MASTER_COMMAND, OCW2_EOI);
        return true;
    }
    return false;
}

/* The 8259A pair as the IRQ layer's interrupt controller. */
static const struct irq_controller pic_controller = {
        .name = "8259A",
        .lines = PIC_LINES,
        .vector_base = PIC_VECTOR_BASE,
        .mask = pic_mask,
        .unmask = pic_unmask,
        .eoi = pic_send_eoi,
        .is_spurious = pic_is_spurious,
        .is_level_triggered = pic_is_level_triggered,
        .is_masked = pic_is_masked,
        .is_pending = pic_is_pending,
};

int pic_init(void)
{
    pic_reset();
    return irq_set_controller(&pic_controller);
}

bool pic_is_level_triggered(unsigned int irq)
{
    if (irq >= PIC_LINES)
        return false;
    uint8_t bits = x86_inb(irq < 8 ? ELCR_MASTER : ELCR_SLAVE);
    return (bits >> (irq % 8)) & 1;
}

void pic_disable(void)
{
    pic_reset(); /* remapped away from the exceptions, every line masked */
}
