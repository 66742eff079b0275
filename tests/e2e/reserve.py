"""tests/e2e/reserve.py - the atomic reserve seen from outside. With ordinary memory taken
away by a shell command (memhog), key presses on the PS/2 keyboard still reach the shell,
because the keyboard's interrupt handler lands each scancode in a frame from the atomic
reserve; meminfo shows those takes, and the refill once memory is given back. With the
reserve drained too, keys are dropped and counted, and typing works again after release;
a modifier whose release was dropped is not left held.
"""

import re

import time

from e2e.shell import boot, command_output, keyboard_interrupts, run_command, type_on_keyboard


def reserve_figures(session):
    """Parses meminfo's reserve lines into a dict."""
    output = run_command(session, "meminfo")
    main = re.search(r"atomic reserve: target (\d+), level (\d+), lowest (\d+); taken (\d+), "
                     r"failed (\d+); (\d+) refills added (\d+) frames", output)
    assert main, f"no reserve figures in meminfo:\n{output}"
    names = ("target", "level", "lowest", "taken", "failed", "refills", "refilled")
    figures = dict(zip(names, map(int, main.groups())))
    line1 = re.search(r"taken by irq line:.*? 1:(\d+)", output)
    figures["keyboard"] = int(line1.group(1)) if line1 else 0
    return figures


def keys_reach_the_shell_with_memory_exhausted(context):
    session = boot(context)
    before = reserve_figures(session)
    assert before["level"] == before["target"], f"reserve not full at boot: {before}"
    output = run_command(session, "memhog kernel")
    assert "pool is at its min watermark" in output, output

    start = session.position()
    text = "echo typed-from-the-reserve-1234567890\n"
    sent = type_on_keyboard(session, text)
    output = command_output(session, start)
    assert "typed-from-the-reserve-1234567890" in output, f"echo did not arrive:\n{output}"

    during = reserve_figures(session)
    assert during["keyboard"] - before["keyboard"] >= sent // 2, \
        f"the keyboard took {during['keyboard'] - before['keyboard']} frames from the " \
        f"reserve for {sent} key events: {during}"
    assert during["refills"] > before["refills"], f"no refill while keys were consumed: {during}"

    run_command(session, "memhog release")
    after = reserve_figures(session)
    assert after["level"] == after["target"], f"reserve not refilled: {after}"


def keys_are_dropped_with_the_reserve_drained_and_typing_recovers(context):
    session = boot(context)
    output = run_command(session, "memhog atomic")
    assert "nothing is left" in output, output
    before = reserve_figures(session)
    assert before["level"] == 0, f"reserve not drained: {before}"
    interrupts = keyboard_interrupts(run_command(session, "irqstat"))
    for key in ("x", "y", "z"):
        session.send_key(key)  # lost: the handler has no frame to land them in
    # Wait until the handler has seen all six scancodes (QEMU queues them one by one).
    for _ in range(100):
        if keyboard_interrupts(run_command(session, "irqstat")) >= interrupts + 6:
            break
        time.sleep(0.05)
    start = session.position()
    session.send_serial("memhog release\r")
    command_output(session, start)
    after = reserve_figures(session)
    assert after["failed"] >= before["failed"] + 3, f"drops not counted: {before} {after}"
    assert after["level"] == after["target"], f"reserve not refilled: {after}"
    start = session.position()
    type_on_keyboard(session, "echo back-again\n")
    assert "back-again" in command_output(session, start), "typing did not recover"


def wait_for_keyboard_interrupts(session, count):
    """Waits until the keyboard's interrupt count reaches count (QEMU queues keys one by one)."""
    for _ in range(100):
        if keyboard_interrupts(run_command(session, "irqstat")) >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"the keyboard's interrupt count never reached {count}")


def a_dropped_key_release_leaves_no_modifier_stuck(context):
    """Shift (then Ctrl) pressed while the reserve has frames, released while it has none: the
    release is dropped, yet once memory is back the keys type plain letters, because the
    handler kept the modifiers' state and the decoder resynchronised from it."""
    session = boot(context)
    for modifier, word in (("shift", "abc"), ("ctrl", "def")):
        interrupts = keyboard_interrupts(run_command(session, "irqstat"))
        session.send_key_events([(modifier, True)])
        wait_for_keyboard_interrupts(session, interrupts + 1)
        assert "nothing is left" in run_command(session, "memhog atomic")
        session.send_key_events([(modifier, False)])  # no frame to land in: dropped
        wait_for_keyboard_interrupts(session, interrupts + 2)
        run_command(session, "memhog release")
        start = session.position()
        for key in ["e", "c", "h", "o", "spc"] + list(word) + ["ret"]:
            session.send_key(key)
        output = command_output(session, start)
        assert output == word + "\n", \
            f"{modifier} released while no frame was left; typing 'echo {word}' then gave " \
            f"{session.output(start)!r}"


TESTS = [
    ("a-dropped-key-release-leaves-no-modifier-stuck",
     a_dropped_key_release_leaves_no_modifier_stuck),
    ("keys-reach-the-shell-with-memory-exhausted", keys_reach_the_shell_with_memory_exhausted),
    ("keys-are-dropped-with-the-reserve-drained-and-typing-recovers",
     keys_are_dropped_with_the_reserve_drained_and_typing_recovers),
]
