/* drivers/keyboard.h - the PS/2 keyboard behind the i8042 controller, on IRQ 1. The
 * interrupt handler reads each scancode (set 1: the controller translates), tracks the
 * modifier keys and hands the scancode over; ordinary code decodes scancodes into key events
 * and characters, with Shift, Caps Lock and Ctrl, and stays in step with the handler when
 * scancodes had to be dropped.
 */
#ifndef DRIVERS_KEYBOARD_H
#define DRIVERS_KEYBOARD_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/context.h"

#include "lib/scancode.h"

/* Initialises the i8042 (ports off, output buffer flushed, self tests, translation on),
 * puts the keyboard in its default state and scanning, then takes IRQ 1, becomes a console source,
 * and the machine's restart hook (kernel/power.h). Returns 0, -EIO (no controller, or it or the
 * keyboard failed to answer) or request_irq's error. Call once, after the interrupt controller
 * (pic_init), from ordinary context; it polls the controller for a few milliseconds. */
int keyboard_init(void);

/* Decodes the scancodes the interrupt handler handed over, until one makes a key event.
 * Returns false when none is left. Ordinary context, one reader at a time (the console);
 * never waits. */
bool keyboard_read_event(struct key_event *event);

/* Makes `reader` (a thread's context) the console's one reader of the keyboard: the frames
 * of scancodes go to it from now on, those queued already included (the caller must be the
 * reader until now: the boot thread, handing over to the shell). Returns 0 or the errno of a
 * refused hand-over (reported). Ordinary context. */
int keyboard_set_reader(context_t reader);

/* True when scancodes are waiting for keyboard_read_event. Any context; never waits. */
bool keyboard_input_pending(void);

/* What the driver saw since keyboard_init. Any context. */
struct keyboard_stats {
    uint64_t scancodes;           /* read by the interrupt handler */
    uint64_t stale_interrupts;    /* IRQ 1 with nothing to read (a request latched earlier) */
    uint64_t dropped;             /* scancodes lost (no frame to write them into), and key
                                   * events lost (the console fell behind) */
    uint64_t resyncs;             /* drops after which the decoder had to be brought back in
                                   * step (a lost release left a modifier held) */
    uint64_t frames;              /* frames the handler filled and handed over */
    uint64_t longest_delivery_ns; /* from the interrupt to the console taking the scancode */
};
void keyboard_stats_read(struct keyboard_stats *stats);

/* Asks the i8042 to pulse the CPU's reset line (how PCs have rebooted since the AT).
 * Returns only if nothing happened. Any context. */
void keyboard_reset_system(void);

#endif
