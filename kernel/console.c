/* kernel/console.c - fans printk's output out to every console sink the drivers added. */
#include "kernel/console.h"

#include "kernel/panic.h"
#include "kernel/spinlock.h"

/* console_lock serialises writers of every sink and of the capture buffer below, and guards
 * the list of sinks. */
static struct spinlock console_lock = SPINLOCK_INIT("console");
static struct console_sink *sinks;
static char *capture_buffer;
static size_t capture_size, capture_length;

void console_add_sink(struct console_sink *sink)
{
    unsigned long flags;
    spin_lock_irqsave(&console_lock, &flags);
    struct console_sink **link = &sinks;
    while (*link) /* at the end: sinks are written in the order they came */
        link = &(*link)->next;
    sink->next = NULL;
    *link = sink;
    spin_unlock_irqrestore(&console_lock, flags);
}

static void capture(const char *text, size_t length)
{
    for (size_t i = 0; i < length && capture_length + 1 < capture_size; i++)
        capture_buffer[capture_length++] = text[i];
    capture_buffer[capture_length] = '\0';
}

static void write_all(const char *text, size_t length)
{
    for (struct console_sink *sink = sinks; sink; sink = sink->next)
        sink->write(text, length);
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
