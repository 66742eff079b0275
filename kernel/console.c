/* kernel/console.c - fans printk's output out to the serial port and the VGA screen. */
#include "kernel/console.h"

#include "drivers/serial.h"
#include "drivers/vga.h"
#include "kernel/panic.h"
#include "kernel/spinlock.h"

/* console_lock serialises writers of every console and of the capture buffer below. */
static struct spinlock console_lock = SPINLOCK_INIT("console");
static bool vga_enabled;
static char *capture_buffer;
static size_t capture_size, capture_length;

void console_init(void)
{
    serial_init();
}

void console_enable_vga(void)
{
    vga_init();
    vga_enabled = true;
}

static void capture(const char *text, size_t length)
{
    for (size_t i = 0; i < length && capture_length + 1 < capture_size; i++)
        capture_buffer[capture_length++] = text[i];
    capture_buffer[capture_length] = '\0';
}

static void write_all(const char *text, size_t length)
{
    serial_write(text, length);
    if (vga_enabled)
        vga_write(text, length);
    if (capture_buffer)
        capture(text, length);
}

void console_write(const char *text, size_t length)
{
    if (panic_in_progress) {
        /* The panicking code may hold the lock; the machine is stopping anyway. */
        write_all(text, length);
        return;
    }
    unsigned long flags;
    spin_lock_irqsave(&console_lock, &flags);
    write_all(text, length);
    spin_unlock_irqrestore(&console_lock, flags);
}

void console_capture(char *buffer, size_t size)
{
    unsigned long flags;
    spin_lock_irqsave(&console_lock, &flags);
    capture_buffer = size ? buffer : NULL;
    capture_size = size;
    capture_length = 0;
    if (capture_buffer)
        capture_buffer[0] = '\0';
    spin_unlock_irqrestore(&console_lock, flags);
}
