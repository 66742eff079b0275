/* kernel/console_input.c - console input: characters from every source the drivers added
 * (the PS/2 keyboard, the serial line) merged into one stream, and line input with echo and
 * editing on top of it. */
#include "kernel/console.h"

#include "kernel/spinlock.h"
#include "kernel/wait.h"

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

/* The reader waits here; the sources' interrupt handlers wake it. */
static struct wait_queue input_queue = WAIT_QUEUE_INIT("console input");

void console_input_arrived(void)
{
    wait_queue_wake_all(&input_queue);
}

int console_getchar(void)
{
    for (;;) {
        int c = console_read_char();
        if (c >= 0)
            return c;
        /* pending() may see a key release that types nothing: then read again and wait. */
        if (wait_event(&input_queue, console_input_pending()) != 0)
            return -1; /* not a thread that may sleep: reported by wait_event */
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
        int got = console_getchar();
        if (got < 0)
            break; /* we may not wait here: the line ends as it is */
        char c = (char)got;
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
