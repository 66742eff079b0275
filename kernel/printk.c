/* kernel/printk.c - printk: format a message on the stack, hand it to the consoles whole. */
#include "kernel/printk.h"

#include "kernel/console.h"
#include "lib/string.h"

void vprintk(const char *fmt, va_list args)
{
    char line[PRINTK_LINE_MAX];
    int length = kvsnprintf(line, sizeof(line), fmt, args);
    if (length >= (int)sizeof(line)) {
        length = sizeof(line) - 1;
        /* A cut line keeps its newline, or the next message would run into it. */
        size_t fmt_length = strlen(fmt);
        if (fmt_length && fmt[fmt_length - 1] == '\n')
            line[length - 1] = '\n';
    }
    console_write(line, (size_t)length);
}

void printk(const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    vprintk(fmt, args);
    va_end(args);
}
