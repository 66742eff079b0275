/* drivers/keyboard.h - the PS/2 keyboard behind the i8042 controller, on IRQ 1. The
 * interrupt handler only reads each scancode (set 1: the controller translates) and hands
 * it over; ordinary code decodes scancodes into key events and characters, with Shift,
 * Caps Lock and Ctrl.
 */
#ifndef DRIVERS_KEYBOARD_H
#define DRIVERS_KEYBOARD_H

#include <stdbool.h>
#include <stdint.h>

/* Modifier bits of struct key_event. */
#define KEY_SHIFT     0x01
#define KEY_CTRL      0x02
#define KEY_ALT       0x04
#define KEY_CAPS_LOCK 0x08 /* toggled by each press of Caps Lock */

#define KEY_EXTENDED 0xe000 /* added to the code of keys sent behind an 0xe0 prefix */

struct key_event {
    uint16_t code;     /* make code of the key (set 1), plus KEY_EXTENDED for 0xe0 keys */
    bool pressed;      /* false: the key was released */
    uint8_t modifiers; /* KEY_* in force once this event is applied */
    char character;    /* what the key types (pressed only): '\n' for Enter, '\b' for
                        * Backspace, Ctrl+letter as 1-26; 0 when it types nothing */
};

/* The state that carries from one scancode to the next: modifiers and prefixes. */
struct keyboard_decoder {
    uint8_t held;   /* which modifier keys are down, left and right apart */
    bool caps_lock; /* toggled by each press of Caps Lock */
    bool extended;  /* an 0xe0 prefix came */
    uint8_t skip;   /* bytes of a Pause sequence (0xe1 ...) still to ignore */
};

/* Initialises the i8042 (ports off, output buffer flushed, self tests, translation on),
 * puts the keyboard in its default state and scanning, then takes IRQ 1. Returns 0, -EIO
 * (no controller, or it or the keyboard failed to answer) or request_irq's error. Call once,
 * after irq_init, from ordinary context; it polls the controller for a few milliseconds. */
int keyboard_init(void);

/* Feeds one scancode to a decoder. Returns true and fills *event when the scancode completed
 * a key event; false for prefixes, controller replies (0xfa, 0xfe) and unknown codes. Pure:
 * touches nothing but its arguments. */
bool keyboard_decode(struct keyboard_decoder *decoder, uint8_t scancode, struct key_event *event);

/* Decodes the scancodes the interrupt handler handed over, until one makes a key event.
 * Returns false when none is left. Ordinary context, one reader at a time (the console);
 * never waits. */
bool keyboard_read_event(struct key_event *event);

/* True when scancodes are waiting for keyboard_read_event. Any context; never waits. */
bool keyboard_input_pending(void);

/* What the driver saw since keyboard_init. Any context. */
struct keyboard_stats {
    uint64_t scancodes;           /* read by the interrupt handler */
    uint64_t stale_interrupts;    /* IRQ 1 with nothing to read (a request latched earlier) */
    uint64_t dropped;             /* scancodes lost: no frame to write them into, or the
                                   * console fell behind */
    uint64_t frames;              /* frames the handler filled and handed over */
    uint64_t longest_delivery_ns; /* from the interrupt to the console taking the scancode */
};
void keyboard_stats_read(struct keyboard_stats *stats);

/* Asks the i8042 to pulse the CPU's reset line (how PCs have rebooted since the AT).
 * Returns only if nothing happened. Any context. */
void keyboard_reset_system(void);

#endif
