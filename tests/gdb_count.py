"""tests/gdb_count.py - counts, from outside the guest, the instructions of every alloc_page
call the keyboard's interrupt handler makes, as a student with gdb would: QEMU's GDB stub, gdb
in batch mode running the script below, keys typed on the emulated PS/2 keyboard through QMP.
Once with memory plentiful, once after `memhog kernel` has taken all ordinary memory.

The script stops at the first instruction of keyboard_interrupt, arms a breakpoint on the first
instruction of alloc_page and a temporary one where the handler returns; when alloc_page is
reached it single-steps (QEMU keeps interrupts and timers quiet while stepping) until the
`ret` that leaves it, counting every instruction executed, the ones of the functions it calls
included. Used by tests/checks.py (make test) and tests/bench/run_bench.py (make bench).
"""

import os
import re
import socket
import subprocess
import threading
import time

from e2e.shell import KEY_NAMES, PROMPT, run_command

# Runs inside gdb (gdb -batch -x this): LABYRINTH_GDB_PORT and LABYRINTH_TAKES come from the
# environment. Prints "gdb-count: ready", then "gdb-count: take <n> <instructions>" per call.
GDB_SCRIPT = r'''
import os
import gdb

TAKES = int(os.environ["LABYRINTH_TAKES"])


def register(name):
    return int(gdb.parse_and_eval("(unsigned long)$" + name))


def word_at(address):
    return int.from_bytes(gdb.selected_inferior().read_memory(address, 8).tobytes(), "little")


def address_of(symbol):
    return int(gdb.parse_and_eval("(unsigned long)&" + symbol))


def repeats(address):
    """True for a rep-prefixed string instruction, which steps once per iteration in place."""
    return gdb.selected_inferior().read_memory(address, 1).tobytes()[0] in (0xf2, 0xf3)


def instructions_to_return():
    """Single-steps from a function's first instruction through its ret, counting what
    executed, as -icount does: a rep-prefixed instruction once per iteration. A step that
    leaves the pc on any other instruction executed nothing (QEMU stops now and then for an
    event it holds back while stepping) and is not counted."""
    sp, back, pc, count = register("sp"), word_at(register("sp")), register("pc"), 0
    for _ in range(10000000):
        gdb.execute("stepi", to_string=True)
        now = register("pc")
        count += now != pc or repeats(pc)
        pc = now
        if pc == back and register("sp") == sp + 8:
            break
    return count


gdb.execute("set pagination off")
gdb.execute("set confirm off")
gdb.execute("target remote 127.0.0.1:" + os.environ["LABYRINTH_GDB_PORT"])
handler, alloc = address_of("keyboard_interrupt"), address_of("alloc_page")
gdb.Breakpoint("*%#x" % handler, internal=True)
in_handler = gdb.Breakpoint("*%#x" % alloc, internal=True)
in_handler.enabled = False
print("gdb-count: ready", flush=True)
counted = 0
while counted < TAKES:
    gdb.execute("continue", to_string=True)
    pc = register("pc")
    if pc == handler:  # armed until the handler returns (interrupts are off until then)
        in_handler.enabled = True
        gdb.Breakpoint("*%#x" % word_at(register("sp")), internal=True, temporary=True)
    elif pc == alloc:
        counted += 1
        print("gdb-count: take %d %d" % (counted, instructions_to_return()), flush=True)
    else:  # the handler returned
        in_handler.enabled = False
gdb.execute("detach")
print("gdb-count: done", flush=True)
'''

TAKE = re.compile(r"gdb-count: take (\d+) (\d+)")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def key_events(text):
    """Scancodes a line of lower-case letters, spaces and Enter makes: a press and a release
    each, and one interrupt (one alloc_page) each."""
    return 2 * len(text)


def type_keys(session, text):
    """Types text with the monitor's sendkey, one key at a time, each after the echo of the
    one before: QMP refuses input while gdb holds the machine stopped, sendkey queues it."""
    start = session.position()
    for index, char in enumerate(text):
        session.send_key(KEY_NAMES.get(char, char))
        if char == "\n":  # the command ran: on to its output and the next prompt
            pattern = re.escape(text) + r"(?:.*\n)*?" + re.escape(PROMPT)
        else:
            pattern = re.escape(text[:index + 1])
        session.wait_for(pattern, timeout=60, start=start)


class GdbCounter:
    """gdb attached to a running QEMU, counting in the background."""

    def __init__(self, build, port, takes):
        script = os.path.join(build, "test", f"gdb-count-{port}.py")
        os.makedirs(os.path.dirname(script), exist_ok=True)
        with open(script, "w", encoding="utf-8") as out:
            out.write(GDB_SCRIPT)
        environment = dict(os.environ, LABYRINTH_GDB_PORT=str(port), LABYRINTH_TAKES=str(takes))
        self.process = subprocess.Popen(
            ["gdb", "-batch", "-nx", "-x", script, os.path.join(build, "labyrinth.elf")],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=environment)
        self.lines, self.counts = [], []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))
            match = TAKE.search(line)
            if match:
                self.counts.append(int(match.group(2)))

    def wait_for(self, predicate, timeout, what):
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline or self.process.poll() is not None and not predicate():
                raise TimeoutError(f"gdb: {what} did not happen; its output:\n" +
                                   "\n".join(self.lines[-15:]))
            time.sleep(0.05)

    def close(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


def count_keyboard_allocations(session, build, port, timeout=300):
    """Types a line with memory plentiful, runs `memhog kernel`, types another; returns
    {"plentiful": [...], "exhausted": [...]}: the instructions of each alloc_page call made in
    the keyboard's handler. session: a qemu.Session started with -gdb tcp:127.0.0.1:port."""
    first, second = "echo one\n", "echo two\n"
    session.wait_for(re.escape(PROMPT), timeout=60)
    counter = GdbCounter(build, port, key_events(first) + key_events(second))
    try:
        counter.wait_for(lambda: any("gdb-count: ready" in line for line in counter.lines),
                         60, "attaching")
        type_keys(session, first)
        counter.wait_for(lambda: len(counter.counts) >= key_events(first), timeout,
                         "counting the takes of the first line")
        plentiful = counter.counts[:]
        output = run_command(session, "memhog kernel", timeout=120)
        assert "pool is at its min watermark" in output, f"memhog kernel printed {output!r}"
        type_keys(session, second)
        counter.wait_for(lambda: any("gdb-count: done" in line for line in counter.lines),
                         timeout, "counting the takes of the second line")
        return {"plentiful": plentiful, "exhausted": counter.counts[len(plentiful):]}
    finally:
        counter.close()


def summary(counts):
    """"n=16 min=39 max=45 all=[...]" for a list of counts."""
    if not counts:
        return "n=0"
    return f"n={len(counts)} min={min(counts)} max={max(counts)} all={counts}"
