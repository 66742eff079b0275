/* tests/kernel/keyboard_test.c - the PS/2 keyboard driver: a controller brought up without
 * a stale byte arriving as a phantom key. (The decoder's tests run on the host:
 * tests/host/scancode_test.c.) */
#include "drivers/keyboard.h"
#include "kernel/ktest.h"

/* Under selftest nobody types: any scancode read since boot was a phantom. */
static void no_phantom_scancode_after_init(struct ktest *t)
{
    struct keyboard_stats stats;
    keyboard_stats_read(&stats);
    ktest_log(t, "%llu scancodes, %llu stale interrupts ignored",
              (unsigned long long)stats.scancodes, (unsigned long long)stats.stale_interrupts);
    KTEST_EXPECT_EQ(t, stats.scancodes, 0u);
    KTEST_EXPECT_EQ(t, stats.dropped, 0u);
    KTEST_EXPECT_FALSE(t, keyboard_input_pending());
}

static const struct ktest_case keyboard_cases[] = {
        KTEST_CASE(no_phantom_scancode_after_init),
        {},
};
KTEST_SUITE(keyboard, keyboard_cases);
