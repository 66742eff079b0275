/* drivers/serial.c - the 16550 UART at COM1: polled transmit, and receive either polled or,
 * once serial_enable_receive_interrupt ran, by interrupt (IRQ 4) into a buffer. */
#include "drivers/serial.h"

#include "arch/x86_64/cpu.h"
#include "kernel/console.h"
#include "kernel/irq.h"
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

/* Bytes the receive interrupt took from the UART, waiting for serial_read_byte. */
static struct byte_ring receive_ring;
static bool receive_by_interrupt; /* set once, before the interrupt is enabled */

static int read_uart(void)
{
    if (!(x86_inb(SERIAL_COM1 + UART_LINE_STATUS) & LSR_DATA_READY))
        return -1;
    return x86_inb(SERIAL_COM1 + UART_DATA);
}

int serial_read_byte(void)
{
    if (READ_ONCE(receive_by_interrupt))
        return byte_ring_get(&receive_ring);
    return read_uart();
}

bool serial_input_pending(void)
{
    return READ_ONCE(receive_by_interrupt) && !byte_ring_is_empty(&receive_ring);
}

/* IRQ 4: empty the UART's receive FIFO. Reading the last byte lowers the interrupt line,
 * which the edge-triggered PIC needs to see before it can signal the next one. */
static void serial_interrupt(int irq, void *dev_id)
{
    (void)irq;
    (void)dev_id;
    bool received = false;
    for (int byte; (byte = read_uart()) >= 0; received = true)
        byte_ring_put(&receive_ring, (uint8_t)byte);
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
