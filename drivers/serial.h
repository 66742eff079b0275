/* drivers/serial.h - the 16550 UART on COM1 (0x3f8), 115200 baud, 8N1: the kernel's main
 * console, and (with its receive interrupt) a source of console input.
 */
#ifndef DRIVERS_SERIAL_H
#define DRIVERS_SERIAL_H

#include <stdbool.h>
#include <stddef.h>

#define SERIAL_COM1 0x3f8

/* Programs COM1: 115200 8N1, FIFOs on, interrupts off, and adds it as a console sink.
 * Call once, first: everything after may log. */
void serial_init(void);

/* Writes bytes to COM1, turning "\n" into "\r\n" for terminals. Busy-waits on the
 * transmitter, never on anything else; callers serialise (the console lock does). */
void serial_write(const char *text, size_t length);

/* Returns the next received byte, or -1 when none is waiting. Once the receive interrupt is
 * on, bytes come from what its handler stored, in order; none is lost when the reader falls
 * behind (the handler stops taking bytes until this makes room). Ordinary context; one
 * reader; never waits. */
int serial_read_byte(void);

/* Takes IRQ 4 and turns on COM1's receive interrupt: from then on the handler moves each
 * received byte into a buffer that serial_read_byte empties, and the line is a console
 * source (line ends and DEL made into '\n' and '\b'). Returns 0 or request_irq's
 * error. Call once, after the interrupt controller (pic_init), from ordinary context. */
int serial_enable_receive_interrupt(void);

/* True when received bytes wait for serial_read_byte. Any context; never waits. */
bool serial_input_pending(void);

#endif
