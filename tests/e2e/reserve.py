"""tests/e2e/reserve.py - the landing pads seen from outside. With ordinary memory taken
away by a shell command (memhog), key presses on the PS/2 keyboard still reach the shell,
because the keyboard's interrupt handler lands each scancode in a frame from its landing
pads; meminfo shows those takes, and the refill once memory is given back. With everything
taken by GFP_ATOMIC too, the keyboard's claimed pads, its alone, still carry every key.
When even the claim runs out (keys typed while the shell sleeps, every frame taken) keys
are dropped and counted, and a modifier whose release was dropped is not left held.
"""

import re
import time

from e2e.shell import PROMPT, boot, command_output, run_command, type_on_keyboard

SHELL_SLEEP_MS = 3000  # long enough to deliver 66 key events one by one on a loaded host


def reserve_figures(session):
    """Parses meminfo's landing-pad lines into a dict; "keyboard" and "keyboard_failed": the
    keyboard handler's takes from pads (its own and the shared stock), and its NULLs."""
    output = run_command(session, "meminfo")
    main = re.search(r"atomic reserve: target (\d+) \(claimed (\d+)\), level (\d+) \(in claims "
                     r"(\d+)\), lowest (\d+); (\d+) refills added (\d+) frames", output)
    assert main, f"no reserve figures in meminfo:\n{output}"
    names = ("target", "claimed", "level", "claimed_level", "lowest", "refills", "refilled")
    figures = dict(zip(names, map(int, main.groups())))
    taken = re.search(r"atomic reserve: taken (\d+) .*; scrubbed in handlers (\d+), below min "
                      r"(\d+), failed (\d+)", output)
    assert taken, f"no takes in meminfo:\n{output}"
    names = ("taken", "scrubbed", "below_min", "failed")
    figures.update(zip(names, map(int, taken.groups())))
    keyboard = re.search(r"atomic reserve: irq 1 keyboard: claim (\d+), level (\d+); own pads "
                         r"(\d+), shared (\d+), pool \d+, below min \d+, failed (\d+)", output)
    assert keyboard, f"no keyboard line in meminfo:\n{output}"
    claim, level, own, shared, failed = map(int, keyboard.groups())
    figures.update(keyboard_claim=claim, keyboard_level=level, keyboard=own + shared,
                   keyboard_failed=failed)
    return figures


def keys_reach_the_shell_with_memory_exhausted(context):
    session = boot(context)
    before = reserve_figures(session)
    assert before["level"] == before["target"], f"reserve not full at boot: {before}"
    assert before["keyboard_claim"] == before["keyboard_level"] > 0, f"no claim: {before}"
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
        f"pads for {sent} key events: {during}"
    assert during["scrubbed"] == before["scrubbed"], f"a handler scrubbed a frame: {during}"
    assert during["refills"] > before["refills"], f"no refill while keys were consumed: {during}"

    run_command(session, "memhog release")
    after = reserve_figures(session)
    assert after["level"] == after["target"], f"reserve not refilled: {after}"


def keys_reach_the_shell_from_the_keyboards_claim_with_everything_taken(context):
    """memhog atomic takes the pool, the shared pads and the headroom below min; the
    keyboard's claimed pads are its alone, and they come back as the console frees the
    frames: the keys still arrive, none dropped."""
    session = boot(context)
    output = run_command(session, "memhog atomic")
    assert "nothing is left" in output, output
    before = reserve_figures(session)
    assert before["level"] == before["claimed_level"], f"shared pads not drained: {before}"
    start = session.position()
    sent = type_on_keyboard(session, "echo still-typing\n")
    assert "still-typing" in command_output(session, start), "the keys did not arrive"
    during = reserve_figures(session)
    assert during["keyboard"] - before["keyboard"] >= sent // 2, \
        f"{sent} key events, {during['keyboard'] - before['keyboard']} pads taken: {during}"
    assert during["keyboard_failed"] == before["keyboard_failed"], f"keys dropped: {during}"
    start = session.position()
    session.send_serial("memhog release\r")
    command_output(session, start)
    after = reserve_figures(session)
    assert after["level"] == after["target"], f"reserve not refilled: {after}"
    start = session.position()
    type_on_keyboard(session, "echo back-again\n")
    assert "back-again" in command_output(session, start), "typing did not go on"


def a_dropped_key_release_leaves_no_modifier_stuck(context):
    """Everything taken, the keyboard's own pads the only frames left; Shift (then Ctrl)
    pressed and more keys typed than the pads hold while the shell sleeps, so the pads run
    out and the release is dropped. Once memory is back, the keys type plain letters:
    the handler kept the modifiers' state and the decoder resynchronised from it."""
    session = boot(context)
    for modifier, word in (("shift", "abc"), ("ctrl", "def")):
        figures = reserve_figures(session)
        assert "nothing is left" in run_command(session, "memhog atomic")
        start = session.position()
        session.send_serial(f"sleep {SHELL_SLEEP_MS}\r")  # the shell reads nothing meanwhile
        session.wait_for(rf"sleep {SHELL_SLEEP_MS}\n", start=start)
        slept_from = session.position()
        began = time.monotonic()
        events = [(modifier, True)]
        for _ in range(figures["keyboard_claim"]):  # a frame each: more than the pads hold
            events += [("x", True), ("x", False)]
        events.append((modifier, False))  # no frame left: dropped
        session.send_key_events_one_by_one(events)
        seconds = time.monotonic() - began
        assert PROMPT not in session.output(slept_from), \
            f"the host took {seconds:.1f} s to deliver {len(events)} key events, longer than " \
            f"the shell's {SHELL_SLEEP_MS} ms sleep: the test could not run"
        context.notes.append(f"{modifier}: {len(events)} key events delivered in {seconds:.2f} s")
        session.wait_for(PROMPT, timeout=30, start=slept_from)
        typed = session.position()
        session.send_serial("\x03")  # Ctrl-C: abandon the line the piled-up keys made
        session.wait_for(r"\^C\n" + re.escape(PROMPT), start=typed)  # before the next command
        run_command(session, "memhog release")
        after = reserve_figures(session)
        assert after["keyboard_failed"] > figures["keyboard_failed"], \
            f"no key was dropped: {figures} then {after}"
        start = session.position()
        for key in ["e", "c", "h", "o", "spc"] + list(word) + ["ret"]:
            session.send_key(key)
        output = command_output(session, start)
        assert output == word + "\n", \
            f"{modifier} released while no frame was left; typing 'echo {word}' then gave " \
            f"{session.output(start)!r}"


def memhog_kernel_waits_for_memory_while_typing_goes_on(context):
    """The demo of GFP_KERNEL's wait: `memhog kernel` starts a thread that takes memory down
    to the min watermark and then sleeps waiting for more - ps shows it blocked on "memory" -
    while keys still reach the shell (from the keyboard's landing pads, which meminfo shows
    taken and refilled); `memhog release` frees the frames, and the free wakes the thread,
    which ends."""
    session = boot(context)
    before = reserve_figures(session)
    output = run_command(session, "memhog kernel", timeout=30)
    assert "pool is at its min watermark" in output and "waits for more" in output, output
    ps = run_command(session, "ps")
    hog = re.search(r"^\s*\d+ memhog\s+(\S+)\s.*\s(\S+)$", ps, re.M)
    assert hog and hog.groups() == ("blocked", "memory"), f"memhog is not waiting:\n{ps}"

    start = session.position()
    sent = type_on_keyboard(session, "echo typing-while-memhog-waits\n")
    assert "typing-while-memhog-waits" in command_output(session, start), "the keys did not arrive"
    output = run_command(session, "meminfo")
    waiting = re.search(r"waiting for memory: (\d+) now; (\d+) waits", output)
    assert waiting and int(waiting.group(1)) == 1, f"meminfo shows no waiter:\n{output}"
    during = reserve_figures(session)
    assert during["keyboard"] - before["keyboard"] >= sent // 2, \
        f"{sent} key events, {during['keyboard'] - before['keyboard']} pads taken: {during}"
    assert during["refills"] > before["refills"], f"no refill while keys were consumed: {during}"

    output = run_command(session, "memhog release", timeout=30)
    assert "thread woke with a frame, and ends" in output, output
    assert "memhog: holding 0 frames" in output, output
    ps = run_command(session, "ps")
    assert " memhog " not in ps, f"the thread did not end:\n{ps}"
    output = run_command(session, "meminfo")
    served = re.search(r"waiting for memory: 0 now; (\d+) waits \((\d+) served", output)
    assert served and served.groups() == ("1", "1"), f"the wait was not served:\n{output}"
    after = reserve_figures(session)
    assert after["level"] == after["target"], f"reserve not refilled: {after}"


TESTS = [
    ("memhog-kernel-waits-for-memory-while-typing-goes-on",
     memhog_kernel_waits_for_memory_while_typing_goes_on),
    ("a-dropped-key-release-leaves-no-modifier-stuck",
     a_dropped_key_release_leaves_no_modifier_stuck),
    ("keys-reach-the-shell-with-memory-exhausted", keys_reach_the_shell_with_memory_exhausted),
    ("keys-reach-the-shell-from-the-keyboards-claim-with-everything-taken",
     keys_reach_the_shell_from_the_keyboards_claim_with_everything_taken),
]
