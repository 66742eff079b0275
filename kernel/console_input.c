/* kernel/console_input.c - console input: characters from the PS/2 keyboard and the serial
 * line merged into one stream, and line input with echo and editing on top of it. */
#include "kernel/console.h"

#include "drivers/keyboard.h"
#include "drivers/serial.h"
#include "kernel/idle.h"

#define CTRL(letter) ((letter) - 'a' + 1)
#define DELETE       0x7f

/* Used only by console_read_char's single reader. */
static bool after_carriage_return;

static int keyboard_char(void)
{
    struct key_event event;
    while (keyboard_read_event(&event)) {
        if (event.pressed && event.character)
            return (unsigned char)event.character;
    }
    return -1;
}

/* Terminals end a line with "\r", "\r\n" or "\n", and erase with DEL: make them one. */
static int serial_char(void)
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

int console_read_char(void)
{
    int c = keyboard_char();
    return c >= 0 ? c : serial_char();
}

bool console_input_pending(void)
{
    return keyboard_input_pending() || serial_input_pending();
}

int console_getchar(void)
{
    for (;;) {
        int c = console_read_char();
        if (c >= 0)
            return c;
        idle_wait(console_input_pending);
    }
}

static void echo(const char *text, size_t length)
{
    console_write(text, length);
}

static void erase(size_t count)
{
    for (size_t i = 0; i < count; i++)
        echo("\b \b", 3);
}

size_t console_read_line(char *line, size_t size)
{
    size_t length = 0;
    for (;;) {
        char c = (char)console_getchar();
        if (c == '\n') {
            echo("\n", 1);
            break;
        } else if (c == '\b' && length > 0) {
            erase(1);
            length--;
        } else if (c == CTRL('u')) {
            erase(length);
            length = 0;
        } else if (c == CTRL('c')) {
            echo("^C\n", 3);
            length = 0;
            break;
        } else if (c >= ' ' && c < DELETE && length + 1 < size) {
            echo(&c, 1);
            line[length++] = c;
        }
    }
    if (size)
        line[length] = '\0';
    return length;
}
