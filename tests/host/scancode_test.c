/* tests/host/scancode_test.c - scancode set 1 decoded into key events and characters:
 * Shift, Caps Lock, Ctrl, Enter, Backspace, releases, 0xe0 keys, controller bytes; and a
 * decoder resynchronised after scancodes were lost. */
#include "kernel/ktest.h"
#include "lib/scancode.h"

/* Feeds scancodes to a fresh decoder and collects the characters typed, NUL-terminated. */
static void type_scancodes(struct scancode_decoder *decoder, const uint8_t *codes, int count,
                           char *typed)
{
    int length = 0;
    for (int i = 0; i < count; i++) {
        struct key_event event;
        if (scancode_decode(decoder, codes[i], &event) && event.character)
            typed[length++] = event.character;
    }
    typed[length] = '\0';
}

static void letters_digits_and_releases(struct ktest *t)
{
    struct scancode_decoder decoder = {0};
    struct key_event event;
    KTEST_ASSERT_TRUE(t, scancode_decode(&decoder, 0x1e, &event)); /* a pressed */
    KTEST_EXPECT_EQ(t, event.code, 0x1e);
    KTEST_EXPECT_TRUE(t, event.pressed);
    KTEST_EXPECT_EQ(t, event.character, 'a');
    KTEST_ASSERT_TRUE(t, scancode_decode(&decoder, 0x9e, &event)); /* a released */
    KTEST_EXPECT_FALSE(t, event.pressed);
    KTEST_EXPECT_EQ(t, event.character, 0);
    static const uint8_t codes[] = {0x02, 0x82, 0x0b, 0x8b, 0x39, 0xb9, 0x1c, 0x9c, 0x0e, 0x8e};
    char typed[16];
    type_scancodes(&decoder, codes, sizeof(codes), typed);
    KTEST_EXPECT_STREQ(t, typed, "10 \n\b");
}

static void shift_and_caps_lock(struct ktest *t)
{
    struct scancode_decoder decoder = {0};
    static const uint8_t codes[] = {
            0x2a, 0x23, 0xa3, 0x02, 0x82, 0xaa, /* Shift held: H ! */
            0x17, 0x97,                         /* i */
            0x3a, 0xba, 0x1e, 0x9e, 0x02, 0x82, /* Caps Lock on: A 1 */
            0x36, 0x30, 0xb0, 0xb6,             /* right Shift + b under Caps Lock: b */
            0x3a, 0xba, 0x2e, 0xae,             /* Caps Lock off: c */
    };
    char typed[16];
    type_scancodes(&decoder, codes, sizeof(codes), typed);
    KTEST_EXPECT_STREQ(t, typed, "H!iA1bc");
    KTEST_EXPECT_EQ(t, decoder.held, 0);
    KTEST_EXPECT_FALSE(t, decoder.caps_lock);
}

static void one_shift_released_while_the_other_is_held(struct ktest *t)
{
    struct scancode_decoder decoder = {0};
    static const uint8_t codes[] = {0x2a, 0x36, 0xaa, 0x1e, 0x9e, 0xb6, 0x1e, 0x9e};
    char typed[8];
    type_scancodes(&decoder, codes, sizeof(codes), typed);
    KTEST_EXPECT_STREQ(t, typed, "Aa");
}

static void ctrl_makes_control_characters(struct ktest *t)
{
    struct scancode_decoder decoder = {0};
    struct key_event event;
    scancode_decode(&decoder, 0x1d, &event); /* left Ctrl */
    KTEST_EXPECT_EQ(t, event.modifiers, KEY_CTRL);
    KTEST_ASSERT_TRUE(t, scancode_decode(&decoder, 0x2e, &event)); /* c */
    KTEST_EXPECT_EQ(t, event.character, 3);
    scancode_decode(&decoder, 0xae, &event);
    scancode_decode(&decoder, 0x9d, &event);
    KTEST_EXPECT_EQ(t, event.modifiers, 0);
    /* Right Ctrl is 0xe0 0x1d. */
    KTEST_EXPECT_FALSE(t, scancode_decode(&decoder, 0xe0, &event));
    KTEST_ASSERT_TRUE(t, scancode_decode(&decoder, 0x1d, &event));
    KTEST_EXPECT_EQ(t, event.code, KEY_EXTENDED | 0x1d);
    KTEST_ASSERT_TRUE(t, scancode_decode(&decoder, 0x16, &event)); /* u */
    KTEST_EXPECT_EQ(t, event.character, 21);
}

static void extended_keys_and_controller_bytes(struct ktest *t)
{
    struct scancode_decoder decoder = {0};
    static const uint8_t codes[] = {
            0xe0, 0x1c, 0xe0, 0x9c,             /* keypad Enter */
            0xe0, 0x48, 0xe0, 0xc8,             /* up arrow: types nothing */
            0xe0, 0x2a, 0xe0, 0x35, 0xe0, 0xb5, /* fake shift, then keypad slash */
            0xfa, 0x4f, 0xcf,                   /* an ACK, then keypad 1 */
            0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5, /* Pause: six bytes, no key */
            0x1f, 0x9f,                         /* s */
    };
    char typed[16];
    type_scancodes(&decoder, codes, sizeof(codes), typed);
    KTEST_EXPECT_STREQ(t, typed, "\n/1s");
    KTEST_EXPECT_EQ(t, decoder.held, 0); /* the fake shift did not stick */
}

/* A consumer that lost scancodes (the handler had no frame for them) and a handler-side
 * decoder that saw them all: after the resync the consumer types as if nothing was lost. */
static void resync_after_lost_releases(struct ktest *t)
{
    static const uint8_t all[] = {0x2a, 0x1d, 0xaa, 0x9d}; /* Shift, Ctrl down; both up */
    struct scancode_decoder seen = {0}, consumer = {0};
    char typed[8];
    type_scancodes(&seen, all, 4, typed);
    type_scancodes(&consumer, all, 2, typed); /* the releases were lost */
    KTEST_EXPECT_EQ(t, consumer.held, 0x05);  /* left Shift and left Ctrl stuck */
    KTEST_EXPECT_TRUE(t, scancode_resync(&consumer, &seen));
    static const uint8_t abc[] = {0x1e, 0x9e, 0x30, 0xb0, 0x2e, 0xae};
    type_scancodes(&consumer, abc, 6, typed);
    KTEST_EXPECT_STREQ(t, typed, "abc"); /* not "ABC", nor Ctrl-A Ctrl-B Ctrl-C */
    KTEST_EXPECT_FALSE(t, scancode_resync(&consumer, &seen)); /* in step: nothing changes */
}

static void resync_after_lost_caps_lock_and_prefixes(struct ktest *t)
{
    struct scancode_decoder seen = {0}, consumer = {0};
    struct key_event event;
    char typed[8];
    static const uint8_t caps[] = {0x3a, 0xba}; /* Caps Lock pressed and released: lost */
    type_scancodes(&seen, caps, 2, typed);
    scancode_resync(&consumer, &seen);
    KTEST_ASSERT_TRUE(t, scancode_decode(&consumer, 0x1e, &event));
    KTEST_EXPECT_EQ(t, event.character, 'A');
    /* An 0xe0 prefix lost: the right Ctrl that follows is still the right Ctrl. */
    scancode_decode(&seen, 0x9e, &event);
    scancode_decode(&consumer, 0x9e, &event);
    scancode_decode(&seen, 0xe0, &event);
    KTEST_EXPECT_TRUE(t, scancode_resync(&consumer, &seen));
    KTEST_ASSERT_TRUE(t, scancode_decode(&consumer, 0x1d, &event));
    KTEST_EXPECT_EQ(t, event.code, KEY_EXTENDED | 0x1d);
    scancode_decode(&seen, 0x1d, &event);
    static const uint8_t right_ctrl_up[] = {0xe0, 0x9d};
    type_scancodes(&seen, right_ctrl_up, 2, typed);
    type_scancodes(&consumer, right_ctrl_up, 2, typed);
    KTEST_EXPECT_EQ(t, consumer.held, 0);
    /* The start of a Pause sequence lost: its last bytes are still no keys. */
    static const uint8_t pause_start[] = {0xe1, 0x1d, 0x45};
    type_scancodes(&seen, pause_start, 3, typed);
    scancode_resync(&consumer, &seen);
    static const uint8_t pause_end[] = {0xe1, 0x9d, 0xc5, 0x1f};
    type_scancodes(&consumer, pause_end, 4, typed);
    KTEST_EXPECT_STREQ(t, typed, "S"); /* Caps Lock is still on */
}

static const struct ktest_case scancode_cases[] = {
        KTEST_CASE(letters_digits_and_releases),
        KTEST_CASE(shift_and_caps_lock),
        KTEST_CASE(one_shift_released_while_the_other_is_held),
        KTEST_CASE(ctrl_makes_control_characters),
        KTEST_CASE(extended_keys_and_controller_bytes),
        KTEST_CASE(resync_after_lost_releases),
        KTEST_CASE(resync_after_lost_caps_lock_and_prefixes),
        {},
};
KTEST_SUITE(scancode, scancode_cases);
