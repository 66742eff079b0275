/* kernel/console_input.c - console input: characters from every source the drivers added
 * (the PS/2 keyboard, the serial line) merged into one stream, and line input on top of it:
 * echo, editing, history on the arrow keys, and escape sequences swallowed, never typed. */
#include "kernel/console.h"

#include "kernel/printk.h"
#include "kernel/spinlock.h"
#include "kernel/wait.h"
#include "lib/compiler.h"
#include "lib/string.h"

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

/* --- reading a line -------------------------------------------------------------------- */

#define ESCAPE           0x1b
#define ESCAPE_LENGTH    16 /* bytes of a CSI sequence after ESC [, at most, before giving up */
#define HISTORY_LINES    16
#define HISTORY_LINE_MAX 256 /* longer lines are not kept */

/* The lines read before, newest at (history_count - 1) % HISTORY_LINES. Only the console's
 * one reader touches them. */
static char history[HISTORY_LINES][HISTORY_LINE_MAX];
static unsigned int history_count;

/* A line being read: the caller's buffer, and where editing stands. */
struct line_edit {
    char *line;
    size_t size, length;
    bool discarded;        /* too long, or abandoned: comes back empty, stays out of history */
    unsigned int recalled; /* 0: a line of its own; n: the n-th newest line of history */
    int pending;           /* a character read after ESC that was not part of a sequence */
};

static void echo(const char *text, size_t length)
{
    console_write(text, length);
}

static void erase(size_t count)
{
    for (size_t i = 0; i < count; i++)
        echo("\b \b", 3);
}

/* Keeps a line read, unless it is empty, too long to keep, or the newest line again. */
static void history_add(const char *line, size_t length)
{
    if (length == 0 || length >= HISTORY_LINE_MAX)
        return;
    if (history_count && strcmp(history[(history_count - 1) % HISTORY_LINES], line) == 0)
        return;
    memcpy(history[history_count % HISTORY_LINES], line, length + 1);
    history_count++;
}

/* Up (older, +1) or down (newer, -1) through history: the line on screen becomes the
 * recalled one, or an empty line below the newest. Past either end, or to a line too long
 * for the caller's buffer, the key does nothing. */
static void history_step(struct line_edit *edit, int step)
{
    unsigned int kept = MIN(history_count, (unsigned int)HISTORY_LINES);
    unsigned int to = edit->recalled + step;
    if ((step < 0 && edit->recalled == 0) || to > kept)
        return;
    const char *text = to ? history[(history_count - to) % HISTORY_LINES] : "";
    size_t length = strlen(text);
    if (length >= edit->size)
        return;
    erase(edit->length);
    memcpy(edit->line, text, length);
    edit->length = length;
    edit->recalled = to;
    echo(text, length);
}

/* The last byte of an escape sequence: up and down arrows walk the history; nothing else
 * does anything. */
static void escape_final(struct line_edit *edit, int c, bool parameters)
{
    if (parameters || edit->discarded)
        return;
    if (c == 'A')
        history_step(edit, 1);
    else if (c == 'B')
        history_step(edit, -1);
}

/* After ESC: ESC [ <parameters> <final byte> (CSI), ESC O <byte> (SS3), or ESC and one byte
 * (Alt+key). Sequences are swallowed, never typed. Returns a control character that came
 * where the sequence should have gone on (Enter right after a lone Escape), to be handled as
 * typed, or -1. */
static int read_escape(struct line_edit *edit)
{
    int c = console_getchar();
    bool parameters = false;
    if (c == 'O') {
        c = console_getchar();
    } else if (c == '[') {
        c = console_getchar();
        for (int i = 0; i < ESCAPE_LENGTH && c >= 0x20 && c < 0x40; i++) {
            parameters = true; /* parameter and intermediate bytes */
            c = console_getchar();
        }
    } else {
        return c < ' ' ? c : -1;
    }
    if (c < ' ')
        return c;
    escape_final(edit, c, parameters);
    return -1;
}

/* A character that goes into the line. The first one that does not fit discards the line,
 * with one line to say so: a command must never run with what fitted of it. */
static void type_char(struct line_edit *edit, char c)
{
    if (edit->discarded)
        return;
    if (edit->length + 1 >= edit->size) {
        printk("\nconsole: line too long (at most %zu characters); discarded\n",
               edit->size ? edit->size - 1 : 0);
        edit->discarded = true;
        edit->length = 0;
        return;
    }
    echo(&c, 1);
    edit->line[edit->length++] = c;
}

/* Handles one character; returns true when the line is finished. */
static bool edit_char(struct line_edit *edit, char c)
{
    if (c == '\n') {
        if (!edit->discarded)
            echo("\n", 1);
        return true;
    } else if (c == CTRL('c')) {
        echo("^C\n", 3);
        edit->length = 0;
        edit->discarded = true; /* nothing of it goes to history */
        return true;
    } else if (c == ESCAPE) {
        edit->pending = read_escape(edit);
    } else if (edit->discarded) {
        return false;
    } else if (c == '\b' && edit->length > 0) {
        erase(1);
        edit->length--;
    } else if (c == CTRL('u')) {
        erase(edit->length);
        edit->length = 0;
    } else if (c >= ' ' && c < DELETE) {
        type_char(edit, c);
    }
    return false;
}

size_t console_read_line(char *line, size_t size)
{
    struct line_edit edit = {.line = line, .size = size, .pending = -1};
    for (bool done = false; !done;) {
        int c = edit.pending >= 0 ? edit.pending : console_getchar();
        edit.pending = -1;
        if (c < 0) { /* we may not wait here: the line ends, empty */
            edit.length = 0;
            edit.discarded = true;
            break;
        }
        done = edit_char(&edit, (char)c);
    }
    if (size)
        line[edit.length] = '\0';
    if (!edit.discarded)
        history_add(line, edit.length);
    return edit.length;
}
