/* lib/scancode.c - scancode set 1 (what the i8042 delivers with translation on) decoded
 * into key events and characters: modifiers held left and right apart, Caps Lock, the 0xe0
 * prefix, the Pause sequence and the keyboard's own replies; and a decoder brought back in
 * step after scancodes were lost. */
#include "lib/scancode.h"

#define DEVICE_ACK    0xfa /* the keyboard's replies to commands, not keys */
#define DEVICE_RESEND 0xfe

/* Scancode set 1: a key's make code, or the same with bit 7 set when it is released. What
 * the main keys (make codes 0x00-0x39) type, without and with Shift: */
#define MAIN_KEYS 0x3a
static const char plain_keys[MAIN_KEYS + 1] = "\0\x1b"
                                              "1234567890-=\b\t"
                                              "qwertyuiop[]\n\0"
                                              "asdfghjkl;'`\0\\"
                                              "zxcvbnm,./\0*\0 ";
static const char shifted_keys[MAIN_KEYS + 1] = "\0\x1b"
                                                "!@#$%^&*()_+\b\t"
                                                "QWERTYUIOP{}\n\0"
                                                "ASDFGHJKL:\"~\0|"
                                                "ZXCVBNM<>?\0*\0 ";
_Static_assert(sizeof(plain_keys) == MAIN_KEYS + 1 && sizeof(shifted_keys) == MAIN_KEYS + 1,
               "one character per main key");
/* The keypad, 0x47-0x53, as with Num Lock on. */
#define KEYPAD_FIRST 0x47
static const char keypad_keys[] = "789-456+1230.";

#define PREFIX_EXTENDED 0xe0
#define PREFIX_PAUSE    0xe1 /* Pause: 0xe1 and five more bytes, no release */
#define RELEASE_BIT     0x80

enum set1_code {
    CODE_ENTER = 0x1c,
    CODE_CTRL = 0x1d,
    CODE_LEFT_SHIFT = 0x2a,
    CODE_SLASH = 0x35,
    CODE_RIGHT_SHIFT = 0x36,
    CODE_ALT = 0x38,
    CODE_CAPS_LOCK = 0x3a,
};

/* Bits of scancode_decoder.held: each modifier key apart, so releasing one Shift while the
 * other is down keeps Shift in force. */
enum held_key {
    HELD_LEFT_SHIFT = 0x01,
    HELD_RIGHT_SHIFT = 0x02,
    HELD_LEFT_CTRL = 0x04,
    HELD_RIGHT_CTRL = 0x08,
    HELD_LEFT_ALT = 0x10,
    HELD_RIGHT_ALT = 0x20,
};

static uint8_t held_bit(uint16_t code)
{
    switch (code) {
    case CODE_LEFT_SHIFT:
        return HELD_LEFT_SHIFT;
    case CODE_RIGHT_SHIFT:
        return HELD_RIGHT_SHIFT;
    case CODE_CTRL:
        return HELD_LEFT_CTRL;
    case KEY_EXTENDED | CODE_CTRL:
        return HELD_RIGHT_CTRL;
    case CODE_ALT:
        return HELD_LEFT_ALT;
    case KEY_EXTENDED | CODE_ALT:
        return HELD_RIGHT_ALT;
    default:
        return 0;
    }
}

static uint8_t modifiers_of(const struct scancode_decoder *decoder)
{
    uint8_t held = decoder->held;
    return (held & (HELD_LEFT_SHIFT | HELD_RIGHT_SHIFT) ? KEY_SHIFT : 0) |
           (held & (HELD_LEFT_CTRL | HELD_RIGHT_CTRL) ? KEY_CTRL : 0) |
           (held & (HELD_LEFT_ALT | HELD_RIGHT_ALT) ? KEY_ALT : 0) |
           (decoder->caps_lock ? KEY_CAPS_LOCK : 0);
}

static char character_of(uint16_t code, uint8_t modifiers)
{
    if (code == (KEY_EXTENDED | CODE_ENTER)) /* the keypad's Enter */
        return '\n';
    if (code == (KEY_EXTENDED | CODE_SLASH)) /* the keypad's slash */
        return '/';
    if (code >= KEYPAD_FIRST && code < KEYPAD_FIRST + sizeof(keypad_keys) - 1)
        return keypad_keys[code - KEYPAD_FIRST];
    if (code >= MAIN_KEYS)
        return 0;
    char plain = plain_keys[code];
    bool letter = plain >= 'a' && plain <= 'z';
    if (letter && (modifiers & KEY_CTRL))
        return (char)(plain - 'a' + 1); /* Ctrl-A is 1 ... Ctrl-Z is 26 */
    bool shift = modifiers & KEY_SHIFT;
    if (letter && (modifiers & KEY_CAPS_LOCK))
        shift = !shift; /* Caps Lock shifts letters only, and Shift undoes it */
    return shift ? shifted_keys[code] : plain;
}

static void apply_modifier(struct scancode_decoder *decoder, uint16_t code, bool pressed)
{
    uint8_t bit = held_bit(code);
    if (bit && pressed)
        decoder->held |= bit;
    else if (bit)
        decoder->held &= ~bit;
    else if (code == CODE_CAPS_LOCK && pressed)
        decoder->caps_lock = !decoder->caps_lock;
}

/* Bytes that are not part of a key: prefixes, and the keyboard's replies and errors. */
static bool consume_non_key(struct scancode_decoder *decoder, uint8_t scancode)
{
    if (decoder->skip) {
        decoder->skip--;
        return true;
    }
    switch (scancode) {
    case PREFIX_EXTENDED:
        decoder->extended = true;
        return true;
    case PREFIX_PAUSE:
        decoder->skip = 5;
        return true;
    case DEVICE_ACK:
    case DEVICE_RESEND:
    case 0x00: /* key detection error */
    case 0xff: /* buffer overrun */
        decoder->extended = false;
        return true;
    default:
        return false;
    }
}

bool scancode_decode(struct scancode_decoder *decoder, uint8_t scancode, struct key_event *event)
{
    if (consume_non_key(decoder, scancode))
        return false;
    uint16_t code = (scancode & ~RELEASE_BIT) | (decoder->extended ? KEY_EXTENDED : 0);
    bool pressed = !(scancode & RELEASE_BIT);
    decoder->extended = false;
    /* 0xe0 0x2a and 0xe0 0x36 are "fake shifts" some keys send around themselves. */
    if (code == (KEY_EXTENDED | CODE_LEFT_SHIFT) || code == (KEY_EXTENDED | CODE_RIGHT_SHIFT))
        return false;
    apply_modifier(decoder, code, pressed);
    uint8_t modifiers = modifiers_of(decoder);
    *event = (struct key_event){
            .code = code,
            .pressed = pressed,
            .modifiers = modifiers,
            .character = pressed ? character_of(code, modifiers) : 0,
    };
    return true;
}

bool scancode_resync(struct scancode_decoder *decoder, const struct scancode_decoder *seen)
{
    bool drifted = decoder->held != seen->held || decoder->caps_lock != seen->caps_lock ||
                   decoder->extended != seen->extended || decoder->skip != seen->skip;
    *decoder = *seen;
    return drifted;
}
