/* drivers/serial.c - polled transmit and receive on the 16550 UART at COM1. */
#include "drivers/serial.h"

#include "arch/x86_64/cpu.h"

/* 16550 registers, as offsets from the base port. */
enum {
    UART_DATA = 0,          /* receive buffer / transmit holding (divisor low with DLAB) */
    UART_INTERRUPTS = 1,    /* interrupt enable (divisor high with DLAB) */
    UART_FIFO = 2,          /* FIFO control (write) */
    UART_LINE_CONTROL = 3,  /* data bits, parity, stop bits, DLAB */
    UART_MODEM_CONTROL = 4, /* DTR, RTS, OUT2 (gates the IRQ line on PCs) */
    UART_LINE_STATUS = 5,
};

#define LSR_DATA_READY     0x01
#define LSR_TRANSMIT_EMPTY 0x20
#define LCR_DLAB           0x80
#define LCR_8N1            0x03

void serial_init(void)
{
    x86_outb(SERIAL_COM1 + UART_INTERRUPTS, 0);
    x86_outb(SERIAL_COM1 + UART_LINE_CONTROL, LCR_DLAB);
    x86_outb(SERIAL_COM1 + UART_DATA, 1); /* divisor 1: 115200 baud */
    x86_outb(SERIAL_COM1 + UART_INTERRUPTS, 0);
    x86_outb(SERIAL_COM1 + UART_LINE_CONTROL, LCR_8N1);
    x86_outb(SERIAL_COM1 + UART_FIFO, 0xc7);          /* enable and clear FIFOs */
    x86_outb(SERIAL_COM1 + UART_MODEM_CONTROL, 0x0b); /* DTR, RTS, OUT2 */
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

int serial_read_byte(void)
{
    if (!(x86_inb(SERIAL_COM1 + UART_LINE_STATUS) & LSR_DATA_READY))
        return -1;
    return x86_inb(SERIAL_COM1 + UART_DATA);
}
