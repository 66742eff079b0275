"""tests/qemu.py - building test ISOs and running Labyrinth under QEMU, for tests/runner.py.

Two ways to run the kernel:
- `run_to_exit`: boot, collect everything the serial port prints until QEMU exits (the kernel
  leaves through the debug-exit device) or the timeout strikes.
- `Session`: an interactive boot. The serial port is a socket the test reads and writes; the
  QEMU monitor is another, for `sendkey` on the emulated PS/2 keyboard, and QMP a third, for
  `input-send-event` (key events delivered at once, in the order given).
"""

import json
import os
import re
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXIT_PASS = 33  # the kernel wrote 0x10 to the debug-exit port
EXIT_FAIL = 35  # the kernel wrote 0x11


@dataclass
class Machine:
    """How QEMU is started: machine type, memory size, extra arguments."""
    machine: str = "pc"
    memory: str = "128M"
    cpu: str = ""
    extra: list = field(default_factory=list)
    cpus: int = 1  # -smp; more than one runs each guest CPU on a host thread (thread=multi)


@dataclass
class Options:
    build: str
    qemu: str = "qemu-system-x86_64"
    accel: str = "tcg"


def make_iso(options, name, cmdline, preload=""):
    """Builds build/test/<name>.iso whose default GRUB entry boots with cmdline."""
    directory = os.path.join(options.build, "test")
    os.makedirs(directory, exist_ok=True)
    iso = os.path.join(directory, name + ".iso")
    subprocess.run([os.path.join(TOP, "tools", "mkiso.sh"),
                    os.path.join(options.build, "labyrinth.elf"), iso, cmdline, preload],
                   check=True, stdout=subprocess.DEVNULL)
    return iso


def accelerator(options, machine):
    """The -accel value: TCG runs several guest CPUs on threads of their own (thread=multi),
    but under -icount (which counts instructions on one virtual clock) one thread runs them
    all in turn (thread=single)."""
    if machine.cpus > 1 and options.accel == "tcg":
        return "tcg,thread=single" if "-icount" in machine.extra else "tcg,thread=multi"
    return options.accel


def qemu_command(options, machine, iso):
    command = [options.qemu, "-accel", accelerator(options, machine), "-machine",
               machine.machine, "-m", machine.memory, "-cdrom", iso, "-display", "none",
               "-no-reboot", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
    if machine.cpus > 1:
        command += ["-smp", str(machine.cpus)]
    if machine.cpu:
        command += ["-cpu", machine.cpu]
    return command + machine.extra


@dataclass
class Run:
    output: str
    status: int  # QEMU's exit status, or None on timeout
    seconds: float
    max_rss_kib: int = 0  # the most memory QEMU's process held, as the host counts it


def run_to_exit(options, machine, iso, timeout):
    """Boots and returns everything printed on the serial port, and how QEMU ended."""
    command = qemu_command(options, machine, iso) + ["-serial", "stdio", "-monitor", "none"]
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL)
    chunks = []
    reader = threading.Thread(target=lambda: chunks.append(process.stdout.read()), daemon=True)
    reader.start()
    status, usage = None, None
    deadline = started + timeout
    while usage is None and time.monotonic() < deadline:
        pid, wait_status, rusage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            status, usage = os.waitstatus_to_exitcode(wait_status), rusage
        else:
            time.sleep(0.05)
    if usage is None:  # timed out: stop it, and report no exit status
        process.kill()
        _, _, usage = os.wait4(process.pid, 0)
    process.returncode = status if status is not None else -9
    reader.join(timeout=10)
    output = b"".join(chunks)
    return Run(output.decode("utf-8", "replace"), status, time.monotonic() - started,
               usage.ru_maxrss)


class Session:
    """An interactive boot: read and write the serial console, press keys."""

    def __init__(self, options, machine, iso, log_path):
        directory = os.path.join(options.build, "test", "sockets")
        os.makedirs(directory, exist_ok=True)
        tag = f"{os.getpid()}-{threading.get_ident()}-{time.monotonic_ns()}"
        self.serial_path = os.path.join(directory, f"serial-{tag}")
        self.monitor_path = os.path.join(directory, f"monitor-{tag}")
        self.qmp_path = os.path.join(directory, f"qmp-{tag}")
        command = qemu_command(options, machine, iso) + [
            "-chardev", f"socket,id=serial0,path={self.serial_path},server=on,wait=on",
            "-serial", "chardev:serial0",
            "-monitor", f"unix:{self.monitor_path},server=on,wait=off",
            "-qmp", f"unix:{self.qmp_path},server=on,wait=off"]
        self.log = open(log_path, "w", encoding="utf-8")
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL)
        self.serial = self._connect(self.serial_path)
        self.monitor = None
        self.qmp = None
        self._qmp_pending = b""
        self._buffer = bytearray()
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read_serial, daemon=True)
        self._reader.start()

    def _connect(self, path, seconds=10):
        deadline = time.monotonic() + seconds
        while True:
            try:
                connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                connection.connect(path)
                return connection
            except OSError:
                connection.close()
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError(f"QEMU did not open {path}")
                time.sleep(0.02)

    def _read_serial(self):
        while True:
            try:
                data = self.serial.recv(4096)
            except OSError:
                return
            if not data:
                return
            with self._lock:
                self._buffer += data
            self.log.write(data.decode("utf-8", "replace"))
            self.log.flush()

    def output(self, start=0):
        """Serial output so far (from byte offset start), as text."""
        with self._lock:
            return self._buffer[start:].decode("utf-8", "replace").replace("\r", "")

    def position(self):
        with self._lock:
            return len(self._buffer)

    def wait_for(self, pattern, timeout=20, start=0):
        """Waits until the serial output (from start) matches pattern; returns the match."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = regex.search(self.output(start))
            if match:
                return match
            if self.process.poll() is not None:
                break
            time.sleep(0.02)
        raise TimeoutError(f"no match for {pattern!r} within {timeout} s")

    def send_serial(self, text):
        """Types text on the serial line, byte by byte (as a terminal would)."""
        for byte in text.encode():
            self.serial.sendall(bytes([byte]))
            time.sleep(0.002)

    def monitor_command(self, command):
        """Runs an HMP command on the QEMU monitor and returns its reply."""
        if self.monitor is None:
            self.monitor = self._connect(self.monitor_path)
            self._read_monitor()
        self.monitor.sendall(command.encode() + b"\n")
        return self._read_monitor()

    def _read_monitor(self):
        reply = b""
        self.monitor.settimeout(10)
        while not reply.endswith(b"(qemu) "):
            chunk = self.monitor.recv(4096)
            if not chunk:
                break
            reply += chunk
        return reply.decode("utf-8", "replace")

    def send_key(self, key):
        """Presses and releases a key on the PS/2 keyboard (HMP names: a, shift-b, ret, spc)."""
        self.monitor_command(f"sendkey {key}")

    def qmp_command(self, command, arguments=None):
        """Runs a QMP command and returns its "return" value; raises on an error reply."""
        if self.qmp is None:
            self.qmp = self._connect(self.qmp_path)
            self.qmp.settimeout(10)
            self._read_qmp_reply(greeting=True)
            self.qmp_command("qmp_capabilities")
        message = {"execute": command}
        if arguments is not None:
            message["arguments"] = arguments
        self.qmp.sendall(json.dumps(message).encode() + b"\n")
        reply = self._read_qmp_reply()
        if "error" in reply:
            raise RuntimeError(f"QMP {command}: {reply['error']}")
        return reply["return"]

    def _read_qmp_reply(self, greeting=False):
        """The next reply (or the greeting); asynchronous events in between are skipped."""
        while True:
            while b"\n" not in self._qmp_pending:
                chunk = self.qmp.recv(4096)
                if not chunk:
                    raise RuntimeError("QMP connection closed")
                self._qmp_pending += chunk
            line, self._qmp_pending = self._qmp_pending.split(b"\n", 1)
            reply = json.loads(line)
            if (greeting and "QMP" in reply) or "return" in reply or "error" in reply:
                return reply

    def send_key_events(self, events):
        """Sends key events through QMP in one command, so they reach the PS/2 keyboard
        together and in order: events is a list of (qcode, down), e.g. [("a", True),
        ("a", False)]. QEMU's keyboard holds 16 bytes: keep each command that small."""
        self.qmp_command("input-send-event", {"events": [
            {"type": "key", "data": {"down": down, "key": {"type": "qcode", "data": code}}}
            for code, down in events]})

    def interrupts_raised(self, line):
        """How many times QEMU's first interrupt controller (the IOAPIC when there is one,
        which counts rising edges) saw ISA line `line` raised, from the monitor's `info irq`."""
        reply = self.monitor_command("info irq")
        section = reply.split("IRQ statistics for", 2)[1] if "IRQ statistics for" in reply else ""
        found = re.search(rf"^\s*{line}: (\d+)", section, re.M)
        return int(found.group(1)) if found else 0

    def send_key_events_one_by_one(self, events, timeout=30):
        """Sends key events one at a time, each once the line has risen for it: the keyboard
        presents one byte at a time and raises its line again for the next only after the
        guest read the one before, so at most one byte waits. QEMU's 16-byte PS/2 queue never
        overflows, however slowly a loaded host runs the guest (QEMU drops what does not fit,
        without a word). Each key event here is one byte (scancode set 1)."""
        raised = self.interrupts_raised(1)
        for event in events:
            self.send_key_events([event])
            deadline = time.monotonic() + timeout
            while self.interrupts_raised(1) <= raised:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the guest took no scancode of {event} in {timeout} s")
                time.sleep(0.005)
            raised += 1

    def close(self):
        for connection in (self.serial, self.monitor, self.qmp):
            if connection is not None:
                connection.close()
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self._reader.join(timeout=2)
        self.log.close()
        for path in (self.serial_path, self.monitor_path, self.qmp_path):
            if os.path.exists(path):
                os.unlink(path)
