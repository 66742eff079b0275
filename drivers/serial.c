/* drivers/serial.c - the 16550 UART at COM1: polled transmit, and receive either polled or,
 * once serial_enable_receive_interrupt ran, by interrupt (IRQ 4) into a buffer. When the
 * buffer is full the receive interrupt is turned off until the reader has made room, so the
 * sender waits instead of losing bytes (the UART's FIFO fills; QEMU then stops taking bytes
 * from its end of the line). */
#include "drivers/serial.h"

#include "arch/x86_64/cpu.h"
#include "kernel/console.h"
#include "kernel/irq.h"
#include "kernel/spinlock.h"
#include "lib/byte_ring.h"

/* 16550 registers, as offsets from the base port. */
enum {
    UART_DATA = 0,          /* receive buffer / transmit holding (divisor low with DLAB) */
    UART_INTERRUPTS = 1,    /* interrupt enable (divisor high with DLAB) */
    UART_FIFO = 2,          /* FIFO control (write) */
    UART_LINE_CONTROL = 3,  /* data bits, parity, stop bits, DLAB */
    UART_MODEM_CONTROL = 4, /* DTR, RTS, OUT2 (gates the IRQ line on PCs) */
    UART_LINE_STATUS = 5,
};

#define IRQ_COM1           4
#define IER_RECEIVED_DATA  0x01 /* interrupt when a byte (or the FIFO's trigger level) came */
#define LSR_DATA_READY     0x01
#define LSR_TRANSMIT_EMPTY 0x20
#define LCR_DLAB           0x80
#define LCR_8N1            0x03

#define DELETE 0x7f

static struct console_sink serial_sink = {.name = "serial", .write = serial_write};

void serial_init(void)
{
    x86_outb(SERIAL_COM1 + UART_INTERRUPTS, 0);
    x86_outb(SERIAL_COM1 + UART_LINE_CONTROL, LCR_DLAB);
    x86_outb(SERIAL_COM1 + UART_DATA, 1); /* divisor 1: 115200 baud */
    x86_outb(SERIAL_COM1 + UART_INTERRUPTS, 0);
    x86_outb(SERIAL_COM1 + UART_LINE_CONTROL, LCR_8N1);
    x86_outb(SERIAL_COM1 + UART_FIFO, 0xc7);          /* enable and clear FIFOs */
    x86_outb(SERIAL_COM1 + UART_MODEM_CONTROL, 0x0b); /* DTR, RTS, OUT2 */
    console_add_sink(&serial_sink);
}

static void serial_put_byte(char c)
{
    while (!(x86_inb(SERIAL_COM1 + UART_LINE_STATUS) & LSR_TRANSMIT_EMPTY))
        ;
    x86_outb(SERIAL_COM1 + UART_DATA, (unsigned char)c);
}

void serial_write(const char *text, size_t length)
{
    for (size_t i = 0; i < length; i++) {
        if (text[i] == '\n')
            serial_put_byte('\r');
        serial_put_byte(text[i]);
    }
}

/* Bytes the receive interrupt took from the UART, waiting for serial_read_byte. The handler
 * fills it and the reader empties it (a byte ring needs no lock for that); the lock is for
 * the throttle: while `throttled`, the reader also fills it, from the UART. */
static struct byte_ring receive_ring;
static bool receive_by_interrupt; /* set once, before the interrupt is enabled */
static struct spinlock receive_lock = SPINLOCK_INIT("serial receive");
static bool throttled; /* the ring was full: the receive interrupt is off */

static int read_uart(void)
{
    if (!(x86_inb(SERIAL_COM1 + UART_LINE_STATUS) & LSR_DATA_READY))
        return -1;
    return x86_inb(SERIAL_COM1 + UART_DATA);
}

/* Moves what the UART holds into the ring, as far as it fits; true when the ring took
 * anything. With the ring full, stops taking the UART's bytes: its interrupt off, until
 * unthrottle. receive_lock held. */
static bool take_from_uart(void)
{
    bool received = false;
    int byte;
    while (!byte_ring_is_full(&receive_ring) && (byte = read_uart()) >= 0) {
        byte_ring_put(&receive_ring, (uint8_t)byte);
        received = true;
    }
    bool waiting = x86_inb(SERIAL_COM1 + UART_LINE_STATUS) & LSR_DATA_READY;
    if (waiting && !throttled) {
        throttled = true;
        x86_outb(SERIAL_COM1 + UART_INTERRUPTS, 0);
    }
    return received;
}

/* The reader made room: take what waited in the UART, and turn its interrupt back on once
 * it is empty (a byte arriving meanwhile raises it at once). */
static void unthrottle(void)
{
    unsigned long flags;
    spin_lock_irqsave(&receive_lock, &flags);
    if (throttled) {
        throttled = false;
        take_from_uart(); /* full again before the UART was empty: throttled again */
        if (!throttled)
            x86_outb(SERIAL_COM1 + UART_INTERRUPTS, IER_RECEIVED_DATA);
    }
    spin_unlock_irqrestore(&receive_lock, flags);
}

int serial_read_byte(void)
{
    if (!READ_ONCE(receive_by_interrupt))
        return read_uart();
    int byte = byte_ring_get(&receive_ring);
    if (READ_ONCE(throttled))
        unthrottle();
    return byte;
}

bool serial_input_pending(void)
{
    return READ_ONCE(receive_by_interrupt) && !byte_ring_is_empty(&receive_ring);
}

/* IRQ 4: empty the UART's receive FIFO. Reading the last byte lowers the interrupt line,
 * which the edge-triggered PIC needs to see before it can signal the next one; a full ring
 * turns the interrupt off instead (take_from_uart). */
static void serial_interrupt(int irq, void *dev_id)
{
    (void)irq;
    (void)dev_id;
    spin_lock(&receive_lock);
    bool received = take_from_uart();
    spin_unlock(&receive_lock);
    if (received)
        console_input_arrived();
}

/* Used only by the console's one reader. */
static bool after_carriage_return;

/* Terminals end a line with "\r", "\r\n" or "\n", and erase with DEL: make them one. */
static int serial_read_char(void)
{
    for (int byte; (byte = serial_read_byte()) >= 0;) {
        bool newline_after_return = byte == '\n' && after_carriage_return;
        after_carriage_return = byte == '\r';
        if (newline_after_return)
            continue;
        if (byte == '\r')
            return '\n';
        return byte == DELETE ? '\b' : byte;
    }
    return -1;
}

static struct console_source serial_source = {
        .name = "serial", .read_char = serial_read_char, .pending = serial_input_pending};

int serial_enable_receive_interrupt(void)
{
    int error = request_irq(IRQ_COM1, serial_interrupt, "serial", NULL);
    if (error)
        return error;
    WRITE_ONCE(receive_by_interrupt, true);
    x86_outb(SERIAL_COM1 + UART_INTERRUPTS, IER_RECEIVED_DATA);
    console_add_source(&serial_source);
    return 0;
}
