"""tests/e2e/shell.py - the interactive kernel driven from outside, as a user would: commands
typed on the emulated PS/2 keyboard (QMP input-send-event, and the monitor's sendkey) and on
the serial line, their output read back on the serial console. Each test boots its own QEMU.
"""

import re
import time

PROMPT = "labyrinth> "

# Characters the tests type, as QEMU key codes (qcodes, which sendkey also accepts).
KEY_NAMES = {" ": "spc", ".": "dot", ",": "comma", "-": "minus", "/": "slash", "=": "equal",
             ";": "semicolon", "\n": "ret"}
SHIFTED = {"!": "1", "@": "2", "#": "3", "$": "4", "%": "5", "_": "minus", "+": "equal",
           ":": "semicolon", "?": "slash"}


def key_of(char):
    """(qcode, shifted) for a character."""
    if char.isupper():
        return char.lower(), True
    if char in SHIFTED:
        return SHIFTED[char], True
    return KEY_NAMES.get(char, char), False


def press(char):
    """The key events that type char: press and release, inside Shift when needed."""
    code, shifted = key_of(char)
    events = [(code, True), (code, False)]
    return [("shift", True)] + events + [("shift", False)] if shifted else events


def boot(context):
    session = context.session("")
    session.wait_for(re.escape(PROMPT), timeout=30)
    return session


def run_command(session, line, timeout=10):
    """Types line and Enter on the serial port; returns what the command printed."""
    start = session.position()
    session.send_serial(line + "\r")
    return command_output(session, start, timeout)


def command_output(session, start, timeout=10):
    """The lines after the echoed command line, up to the next prompt."""
    match = session.wait_for(r"\n((?:.*\n)*?)" + re.escape(PROMPT), timeout, start)
    return match.group(1)


def keyboard_interrupts(irqstat_output):
    match = re.search(r"^\s*1\s+(\d+)\s+\d+\s+\d+.*keyboard", irqstat_output, re.M)
    assert match, f"no keyboard row in irqstat's output:\n{irqstat_output}"
    return int(match.group(1))


def type_on_keyboard(session, text, window=3):
    """Types text through QMP, one key per command, as fast as the guest echoes: at most
    `window` keys are ahead of the echo, so QEMU's 16-byte keyboard queue never overflows.
    Returns the number of key events sent."""
    start = session.position()
    sent = 0
    for index, char in enumerate(text):
        if char != "\n" and index >= window:
            echoed = re.escape(text[:index - window + 1])
            session.wait_for(echoed, timeout=10, start=start)
        events = press(char)
        session.send_key_events(events)
        sent += len(events)
    return sent


def irqstat_typed_on_the_keyboard(context):
    session = boot(context)
    before = keyboard_interrupts(run_command(session, "irqstat"))
    start = session.position()
    sent = type_on_keyboard(session, "irqstat\n")
    output = command_output(session, start)
    assert session.output(start).startswith("irqstat\n"), \
        f"the keyboard echo is not the line typed: {session.output(start)[:80]!r}"
    assert output.startswith("IRQ"), f"irqstat printed no table:\n{output}"
    after = keyboard_interrupts(output)
    context.notes.append(f"keyboard interrupts {before} -> {after} for {sent} key events")
    assert after - before >= sent, \
        f"{sent} key events sent, but the keyboard count grew by {after - before} only"


def line_typed_on_the_serial_port(context):
    session = boot(context)
    output = run_command(session, "uptime")
    assert re.fullmatch(r"up \d+\.\d{3} s: \d+ ticks, now at 1000 Hz; TSC \d+ MHz\n", output), \
        f"uptime printed {output!r}"
    output = run_command(session, "help")
    for name in ("echo", "halt", "help", "irqstat", "reboot", "uptime"):
        assert re.search(rf"^  {name} ", output, re.M), f"help does not list {name}:\n{output}"
    output = run_command(session, "echo   spaced    words ")
    assert output == "spaced words\n", f"echo printed {output!r}"


def errors_take_one_line(context):
    session = boot(context)
    cases = {"frobnicate": "unknown command 'frobnicate'",
             "uptime now": "uptime: bad arguments",
             "help nothing": "help: no command 'nothing'",
             " ".join(["echo"] * 17): "too many words",
             "irqstat -a": "irqstat: bad arguments"}
    for line, expected in cases.items():
        output = run_command(session, line)
        assert output.count("\n") == 1 and expected in output, \
            f"{line!r} printed {output!r}, expected one line with {expected!r}"


def serial_line_editing(context):
    session = boot(context)
    # DEL (what terminals send for Backspace) twice erases "lo"; BS (0x08) works too.
    output = run_command(session, "echo helo\x7f\x7fllo wordd\x08")
    assert output == "hello word\n", f"edited line printed {output!r}"
    start = session.position()
    session.send_serial("echo abandoned\x03")  # Ctrl-C: the line is dropped
    session.wait_for(r"\^C\n" + re.escape(PROMPT), start=start)
    output = run_command(session, "echo after\x15echo kept")  # Ctrl-U: erase the line
    assert output == "kept\n", f"after Ctrl-U the line printed {output!r}"


def a_line_too_long_is_discarded_with_one_line(context):
    """5000 characters pasted at once: one line says the line is too long, and the command is
    not run with what fitted of it; the next line works."""
    session = boot(context)
    start = session.position()
    session.serial.sendall(("echo " + "x" * 4995 + "\r").encode())
    output = command_output(session, start, timeout=30)
    message = "console: line too long (at most 255 characters); discarded"
    assert output.count(message) == 1, f"expected one line {message!r}, got {output[-300:]!r}"
    assert "xxxxx\n" not in output, "the command ran with the cut line"
    output = run_command(session, "echo after")
    assert output == "after\n", f"the next line printed {output!r}"


def a_paste_while_the_shell_sleeps_loses_nothing(context):
    """40 lines (2,800 bytes) pasted on the serial line while the shell sleeps: the kernel's
    receive buffer holds 512 bytes, so the handler must stop taking bytes from the UART when
    it is full, and the sender wait, rather than drop them. Every line then runs, in order."""
    session = boot(context)
    start = session.position()
    session.send_serial("sleep 1000\r")
    session.wait_for(r"sleep 1000\n", start=start)
    lines = [f"echo pasted-{n:02d}-" + "y" * 50 for n in range(40)]
    start = session.position()
    session.serial.sendall(("\r".join(lines) + "\r").encode())
    session.wait_for(re.escape(lines[-1][5:]) + r"\n" + re.escape(PROMPT), timeout=60,
                     start=start)
    echoed = re.findall(r"^(pasted-\d\d-y+)$", session.output(start), re.M)
    assert echoed == [line[5:] for line in lines], \
        f"{len(echoed)} of {len(lines)} lines ran: {echoed[:3]} ... {echoed[-3:]}"


def escape_sequences_are_not_typed(context):
    """Arrow keys and other keys a terminal sends as escape sequences type nothing: right,
    left, Delete, Ctrl+right, Home in its two forms, F1."""
    session = boot(context)
    line = "echo a\x1b[Cb\x1b[Dc\x1b[3~d\x1b[1;5Ce\x1b[Hf\x1bOHg\x1bOPh"
    output = run_command(session, line)
    assert output == "abcdefgh\n", f"typed {line!r}; echo printed {output!r}"


def history_on_up_and_down_arrows(context):
    """Up recalls the lines typed before, newest first; down goes back toward the newest and
    then to an empty line. On the serial line (ESC [ A, ESC O A) and the PS/2 keyboard."""
    session = boot(context)
    for word in ("one", "two", "three"):
        run_command(session, f"echo {word}")
    output = run_command(session, "\x1b[A\x1b[A\x1b[A\x1b[B")
    assert output == "two\n", f"up, up, up, down ran a line that printed {output!r}"
    output = run_command(session, "\x1bOA")
    assert output == "two\n", f"up (ESC O A) after 'echo two' printed {output!r}"
    output = run_command(session, "\x1b[A\x1b[Becho new")
    assert output == "new\n", f"up, down, then typing printed {output!r}"
    start = session.position()
    for key in ("up", "up", "ret"):
        session.send_key(key)
    output = command_output(session, start)
    assert output == "two\n", f"up, up on the keyboard ran a line that printed {output!r}"


def keyboard_modifiers_and_editing(context):
    """Shift, Caps Lock, Ctrl-C and Backspace, through the monitor's sendkey."""
    session = boot(context)
    start = session.position()
    keys = ["e", "c", "h", "o", "spc", "shift-h", "i", "spc", "caps_lock", "a", "b",
            "shift-c", "caps_lock", "d", "x", "backspace", "spc", "shift-1", "ret"]
    for key in keys:
        session.send_key(key)
    output = command_output(session, start)
    assert output == "Hi ABcd !\n", f"typed line printed {output!r}"
    start = session.position()
    for key in ["e", "c", "h", "o", "spc", "z", "ctrl-c"]:
        session.send_key(key)
    session.wait_for(r"\^C\n" + re.escape(PROMPT), start=start)


def keyboard_burst_of_200_keys(context):
    """200 keys (over 400 key events) typed as fast as the guest takes them: every
    character arrives, in order, and every event was an interrupt."""
    session = boot(context)
    before = keyboard_interrupts(run_command(session, "irqstat"))
    # Few spaces: the shell takes at most 16 words.
    pattern = "The_quick_brown_fox,1+2=3;Jumps-OVER_lazy.dogs!?/% "
    payload = (pattern * 4)[:200 - len("echo ") - 2] + "."
    line = "echo " + payload
    assert len(line) + 1 == 200  # with Enter
    started = time.monotonic()
    start = session.position()
    sent = type_on_keyboard(session, line + "\n")
    output = command_output(session, start, timeout=30)
    seconds = time.monotonic() - started
    expected = " ".join(payload.split()) + "\n"
    assert output == expected, f"sent {len(line) + 1} keys; the echo command printed " \
        f"{output!r}, expected {expected!r}"
    after = keyboard_interrupts(run_command(session, "irqstat"))
    context.notes.append(f"{len(line) + 1} keys, {sent} events in {seconds:.2f} s")
    assert after - before >= sent, f"{sent} key events, {after - before} interrupts"


def halt_leaves_qemu(context):
    session = boot(context)
    session.send_serial("halt\r")
    status = session.process.wait(timeout=10)
    assert "Halting." in session.output(), "halt did not say so"
    assert status == 33, f"QEMU exited with {status}, expected 33 (debug-exit success)"


def reboot_resets_the_machine(context):
    session = boot(context)
    session.send_serial("reboot\r")
    status = session.process.wait(timeout=10)  # -no-reboot: a reset ends QEMU
    assert "Rebooting." in session.output(), "reboot did not say so"
    assert status == 0, f"QEMU exited with {status}, expected 0 (a reset under -no-reboot)"


TESTS = [
    ("irqstat-typed-on-keyboard", irqstat_typed_on_the_keyboard),
    ("line-typed-on-serial", line_typed_on_the_serial_port),
    ("errors-take-one-line", errors_take_one_line),
    ("serial-line-editing", serial_line_editing),
    ("line-too-long-is-discarded", a_line_too_long_is_discarded_with_one_line),
    ("a-paste-while-the-shell-sleeps-loses-nothing", a_paste_while_the_shell_sleeps_loses_nothing),
    ("escape-sequences-are-not-typed", escape_sequences_are_not_typed),
    ("history-on-up-and-down-arrows", history_on_up_and_down_arrows),
    ("keyboard-modifiers-and-editing", keyboard_modifiers_and_editing),
    ("keyboard-burst-200-keys", keyboard_burst_of_200_keys),
    ("halt", halt_leaves_qemu),
    ("reboot", reboot_resets_the_machine),
]
