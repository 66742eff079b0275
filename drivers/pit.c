/* drivers/pit.c - programming the 8254's channel 0 as the periodic tick, and using channel 2
 * as a one-shot stopwatch against which the TSC is measured. */
#include "drivers/pit.h"

#include "arch/arch.h"
#include "kernel/errno.h"
#include "kernel/spinlock.h"

#define PIT_CHANNEL0 0x40
#define PIT_CHANNEL2 0x42
#define PIT_COMMAND  0x43
#define PORT_B       0x61 /* the system control port: channel 2's gate and its output */

#define COMMAND_CHANNEL0_RATE    0x34 /* channel 0, low then high byte, mode 2, binary */
#define COMMAND_CHANNEL2_ONESHOT 0xb0 /* channel 2, low then high byte, mode 0, binary */
#define PORT_B_GATE2             0x01 /* channel 2 counts while this is set */
#define PORT_B_SPEAKER           0x02 /* channel 2's output drives the speaker: keep it off */
#define PORT_B_OUT2              0x20 /* channel 2's output, read back */

#define POLLS_MAX (1u << 24)

/* pit_lock keeps each programming sequence (command, then two count bytes) whole and
 * guards rate and divisor, which lock-free readers load whole. */
static struct spinlock pit_lock = SPINLOCK_INIT("pit");
static uint32_t rate, divisor;

int pit_set_frequency(uint32_t hz)
{
    if (hz < PIT_MIN_HZ || hz > PIT_MAX_HZ)
        return -EINVAL;
    uint32_t count = (PIT_INPUT_HZ + hz / 2) / hz;
    unsigned long flags;
    spin_lock_irqsave(&pit_lock, &flags);
    x86_outb(PIT_COMMAND, COMMAND_CHANNEL0_RATE);
    x86_outb(PIT_CHANNEL0, count & 0xff);
    x86_outb(PIT_CHANNEL0, count >> 8);
    WRITE_ONCE(rate, hz);
    WRITE_ONCE(divisor, count);
    spin_unlock_irqrestore(&pit_lock, flags);
    return 0;
}

uint32_t pit_frequency(void)
{
    return READ_ONCE(rate); /* pairs with the store in pit_set_frequency */
}

uint32_t pit_divisor(void)
{
    return READ_ONCE(divisor); /* pairs with the store in pit_set_frequency */
}

uint64_t pit_measure_cycles(uint16_t pit_clocks)
{
    unsigned long flags;
    spin_lock_irqsave(&pit_lock, &flags);
    uint8_t port_b = x86_inb(PORT_B);
    x86_outb(PORT_B, (port_b & ~PORT_B_SPEAKER) | PORT_B_GATE2);
    /* Mode 0 drives the output low when the command is written, and counts down from the
     * moment the high byte is written; the output goes high at zero. */
    x86_outb(PIT_COMMAND, COMMAND_CHANNEL2_ONESHOT);
    x86_outb(PIT_CHANNEL2, pit_clocks & 0xff);
    x86_outb(PIT_CHANNEL2, pit_clocks >> 8);
    uint64_t start = arch_cycles();
    uint64_t cycles = 0;
    /* A high output right away means there is no working channel 2; one that never rises
     * too. A port read takes about a microsecond, so the bound is many seconds. */
    bool started = !(x86_inb(PORT_B) & PORT_B_OUT2);
    for (uint32_t polls = 0; started && polls < POLLS_MAX; polls++) {
        if (x86_inb(PORT_B) & PORT_B_OUT2) {
            cycles = arch_cycles() - start;
            break;
        }
    }
    x86_outb(PORT_B, port_b);
    spin_unlock_irqrestore(&pit_lock, flags);
    return cycles;
}
