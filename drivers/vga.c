/* drivers/vga.c - writes characters into the VGA text buffer and moves the hardware cursor. */
#include "drivers/vga.h"

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/cpu.h"
#include "kernel/console.h"
#include "mm/layout.h"

#define VGA_BUFFER_PHYS 0xb8000
#define VGA_COLUMNS     80
#define VGA_ROWS        25
#define VGA_ATTRIBUTE   0x07 /* light grey on black */
#define CRTC_INDEX      0x3d4
#define CRTC_DATA       0x3d5

static volatile uint16_t *screen; /* NULL until vga_init */
static int row, column;

static uint16_t cell(char c)
{
    return (uint16_t)(VGA_ATTRIBUTE << 8) | (uint8_t)c;
}

static void move_cursor(void)
{
    uint16_t position = (uint16_t)(row * VGA_COLUMNS + column);
    x86_outb(CRTC_INDEX, 0x0f);
    x86_outb(CRTC_DATA, position & 0xff);
    x86_outb(CRTC_INDEX, 0x0e);
    x86_outb(CRTC_DATA, position >> 8);
}

static void scroll_up(void)
{
    for (int i = 0; i < (VGA_ROWS - 1) * VGA_COLUMNS; i++)
        screen[i] = screen[i + VGA_COLUMNS];
    for (int i = (VGA_ROWS - 1) * VGA_COLUMNS; i < VGA_ROWS * VGA_COLUMNS; i++)
        screen[i] = cell(' ');
    row = VGA_ROWS - 1;
}

static void new_line(void)
{
    column = 0;
    if (++row == VGA_ROWS)
        scroll_up();
}

static void put_char(char c)
{
    switch (c) {
    case '\n':
        new_line();
        break;
    case '\r':
        column = 0;
        break;
    case '\b':
        if (column > 0)
            column--;
        break;
    case '\t':
        do
            put_char(' ');
        while (column % 8);
        break;
    default:
        screen[row * VGA_COLUMNS + column] = cell(c);
        if (++column == VGA_COLUMNS)
            new_line();
    }
}

static struct console_sink vga_sink = {.name = "vga", .write = vga_write};

void vga_init(void)
{
    screen = phys_to_virt(VGA_BUFFER_PHYS);
    for (int i = 0; i < VGA_ROWS * VGA_COLUMNS; i++)
        screen[i] = cell(' ');
    row = column = 0;
    move_cursor();
    console_add_sink(&vga_sink);
}

void vga_write(const char *text, size_t length)
{
    if (!screen)
        return;
    for (size_t i = 0; i < length; i++)
        put_char(text[i]);
    move_cursor();
}
