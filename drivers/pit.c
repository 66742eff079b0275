/* drivers/pit.c - programming the 8254's channel 0 as the periodic tick, and using channel 2
 * as a one-shot stopwatch against which the TSC is measured. */
#include "drivers/pit.h"

#include "arch/arch.h"
#include "lib/errno.h"
#include "kernel/spinlock.h"

#define PIT_CHANNEL0 0x40
#define PIT_CHANNEL2 0x42
#define PIT_COMMAND  0x43
#define PORT_B       0x61 /* the system control port: channel 2's gate and its output */

#define COMMAND_CHANNEL0_RATE    0x34 /* channel 0, low then high byte, mode 2, binary */
#define COMMAND_CHANNEL2_ONESHOT 0xb0 /* channel 2, low then high byte, mode 0, binary */
#define COMMAND_CHANNEL2_LATCH   0x80 /* channel 2: latch the count for reading */
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

/* Starts channel 2 counting down from `count` in mode 0, gate on and speaker off; returns
 * port B as it was. Called under pit_lock. Mode 0 drives the output low when the command is
 * written and counts from the moment the high byte is written; the output goes high at 0. */
static uint8_t start_channel2(uint16_t count)
{
    uint8_t port_b = x86_inb(PORT_B);
    x86_outb(PORT_B, (port_b & ~PORT_B_SPEAKER) | PORT_B_GATE2);
    x86_outb(PIT_COMMAND, COMMAND_CHANNEL2_ONESHOT);
    x86_outb(PIT_CHANNEL2, count & 0xff);
    x86_outb(PIT_CHANNEL2, count >> 8);
    return port_b;
}

/* Polls channel 2's output until it rises; returns the TSC at the last poll that saw it low
 * and at the first that saw it high (the rise lies between), or false after POLLS_MAX. */
static bool poll_for_rise(uint64_t *last_low, uint64_t *first_high)
{
    for (uint32_t polls = 0; polls < POLLS_MAX; polls++) {
        uint64_t before = arch_cycles();
        if (x86_inb(PORT_B) & PORT_B_OUT2) {
            *first_high = arch_cycles();
            return true;
        }
        *last_low = before;
    }
    return false;
}

int pit_measure_cycles(uint32_t pit_clocks, struct clock_measurement *measurement)
{
    if (pit_clocks > 0xffff)
        return -EINVAL;
    unsigned long flags;
    spin_lock_irqsave(&pit_lock, &flags);
    uint64_t before_start = arch_cycles();
    uint8_t port_b = start_channel2((uint16_t)pit_clocks);
    uint64_t after_start = arch_cycles(), last_low = after_start, first_high;
    /* A high output right away means there is no working channel 2; one that never rises
     * too. */
    bool counted = !(x86_inb(PORT_B) & PORT_B_OUT2) && poll_for_rise(&last_low, &first_high);
    x86_outb(PORT_B, port_b);
    spin_unlock_irqrestore(&pit_lock, flags);
    if (!counted)
        return -EIO;
    /* Midpoints of the two brackets; the error is at most half of each bracket. */
    measurement->cycles = (last_low + first_high) / 2 - (before_start + after_start) / 2;
    measurement->uncertainty = (first_high - last_low + after_start - before_start) / 2;
    return 0;
}

void pit_stopwatch_start(void)
{
    unsigned long flags;
    spin_lock_irqsave(&pit_lock, &flags);
    start_channel2(PIT_STOPWATCH_MAX);
    spin_unlock_irqrestore(&pit_lock, flags);
}

int32_t pit_stopwatch_read(void)
{
    unsigned long flags;
    spin_lock_irqsave(&pit_lock, &flags);
    x86_outb(PIT_COMMAND, COMMAND_CHANNEL2_LATCH); /* freeze a copy of the count to read */
    uint16_t count = x86_inb(PIT_CHANNEL2);
    count |= (uint16_t)(x86_inb(PIT_CHANNEL2) << 8);
    bool expired = x86_inb(PORT_B) & PORT_B_OUT2;
    spin_unlock_irqrestore(&pit_lock, flags);
    return expired ? -1 : PIT_STOPWATCH_MAX - count;
}

const struct tick_source pit_tick_source = {
        .name = "PIT",
        .irq = 0,
        .input_hz = PIT_INPUT_HZ,
        .min_hz = PIT_MIN_HZ,
        .max_hz = PIT_MAX_HZ,
        .default_hz = PIT_DEFAULT_HZ,
        .set_rate = pit_set_frequency,
        .rate = pit_frequency,
        .divisor = pit_divisor,
};

const struct clock_reference pit_clock_reference = {
        .name = "PIT channel 2",
        .hz = PIT_INPUT_HZ,
        .measure = pit_measure_cycles,
};
