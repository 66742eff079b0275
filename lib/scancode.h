/* lib/scancode.h - turning the bytes a PC keyboard sends (scancode set 1, as the i8042
 * delivers them with translation on) into key events and characters, with Shift, Caps Lock
 * and Ctrl. Pure: the decoder's state is the caller's, so the keyboard driver and the host
 * tests use the same code.
 */
#ifndef LIB_SCANCODE_H
#define LIB_SCANCODE_H

#include <stdbool.h>
#include <stdint.h>

/* Modifier bits of struct key_event. */
#define KEY_SHIFT     0x01
#define KEY_CTRL      0x02
#define KEY_ALT       0x04
#define KEY_CAPS_LOCK 0x08 /* toggled by each press of Caps Lock */

#define KEY_EXTENDED 0xe000 /* added to the code of keys sent behind an 0xe0 prefix */
#define KEY_UP       (KEY_EXTENDED | 0x48) /* the arrow keys (which type nothing) */
#define KEY_LEFT     (KEY_EXTENDED | 0x4b)
#define KEY_RIGHT    (KEY_EXTENDED | 0x4d)
#define KEY_DOWN     (KEY_EXTENDED | 0x50)

struct key_event {
    uint16_t code;     /* make code of the key (set 1), plus KEY_EXTENDED for 0xe0 keys */
    bool pressed;      /* false: the key was released */
    uint8_t modifiers; /* KEY_* in force once this event is applied */
    char character;    /* what the key types (pressed only): '\n' for Enter, '\b' for
                        * Backspace, Ctrl+letter as 1-26; 0 when it types nothing */
};

/* The state that carries from one scancode to the next: modifiers and prefixes. */
struct scancode_decoder {
    uint8_t held;   /* which modifier keys are down, left and right apart */
    bool caps_lock; /* toggled by each press of Caps Lock */
    bool extended;  /* an 0xe0 prefix came */
    uint8_t skip;   /* bytes of a Pause sequence (0xe1 ...) still to ignore */
};

/* Feeds one scancode to a decoder. Returns true and fills *event when the scancode completed
 * a key event; false for prefixes, controller replies (0xfa, 0xfe) and unknown codes. Pure:
 * touches nothing but its arguments. */
bool scancode_decode(struct scancode_decoder *decoder, uint8_t scancode, struct key_event *event);

/* Brings `decoder` back in step after scancodes were lost on their way to it (a handler that
 * had no frame to land them in). `seen` is a decoder that was fed every scancode, up to the
 * one `decoder` is about to get: the keyboard's interrupt handler keeps one, which needs no
 * memory. Held modifier keys, Caps Lock and a prefix in progress are taken from it, so a
 * lost release leaves no key held. Returns true when `decoder` had drifted. Pure. */
bool scancode_resync(struct scancode_decoder *decoder, const struct scancode_decoder *seen);

#endif
