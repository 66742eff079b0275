/* kernel/console_input.c - console input: characters from every source the drivers added
 * (the PS/2 keyboard, the serial line) merged into one stream, and line input with echo and
 * editing on top of it. */
#include "kernel/console.h"

#include "kernel/idle.h"
#include "kernel/spinlock.h"

#define CTRL(letter) ((letter) - 'a' + 1)
#define DELETE       0x7f

/* source_lock serialises additions to the list of sources. Sources are only ever added, and
 * each is published by the one store that links it in, so readers walk the list without
 * the lock. */
static struct spinlock source_lock = SPINLOCK_INIT("console sources");
static struct console_source *sources;

void console_add_source(struct console_source *source)
{
    unsigned long flags;
    spin_lock_irqsave(&source_lock, &flags);
    struct console_source **link = &sources;
    while (*link)
        link = &(*link)->next;
    source->next = NULL;
    WRITE_ONCE(*link, source);
    spin_unlock_irqrestore(&source_lock, flags);
}

static struct console_source *first_source(void)
{
    return READ_ONCE(sources); /* pairs with the store in console_add_source */
}

int console_read_char(void)
{
    for (struct console_source *source = first_source(); source; source = source->next) {
        int c = source->read_char();
        if (c >= 0)
            return c;
    }
    return -1;
}

bool console_input_pending(void)
{
    for (struct console_source *source = first_source(); source; source = source->next) {
        if (source->pending())
            return true;
    }
    return false;
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
