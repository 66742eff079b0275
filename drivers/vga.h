/* drivers/vga.h - the 80x25 VGA text console at physical 0xb8000, a mirror of the serial
 * console for whoever looks at QEMU's window.
 */
#ifndef DRIVERS_VGA_H
#define DRIVERS_VGA_H

#include <stddef.h>

/* Clears the screen, starts writing at the top left and adds the screen as a console sink.
 * Call once, where there is a VGA text screen (not under UEFI). */
void vga_init(void);

/* Writes text, handling newline, carriage return, backspace and tab, and scrolling at the
 * bottom. Callers serialise (the console lock does). Does nothing before vga_init. */
void vga_write(const char *text, size_t length);

#endif
