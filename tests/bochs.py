"""tests/bochs.py - running Labyrinth under Bochs, the second emulator, for tests/runner.py.

Bochs boots the same GRUB ISO as QEMU (tests/qemu.py make_iso) from its CD-ROM, with the
machine tests/bochsrc.in describes. It has no debug-exit device, so the kernel's last line
ends the run: `run_to_end` watches the serial file for the selftest's verdict (kernel/main.c)
or "Kernel stopped." (a panic or an unexpected exception), then stops Bochs by its PID.
"""

import os
import re
import subprocess
import time
from dataclasses import dataclass

import qemu

BOCHS = "bochs-bin"
TEMPLATE = os.path.join(qemu.TOP, "tests", "bochsrc.in")
# The lines that end a boot: the selftest's verdict, or the end of a crash report.
END = re.compile(r"selftest: (all suites passed|FAILED)|Kernel stopped\.")


@dataclass
class Run:
    output: str  # the serial port's output
    verdict: str  # "all suites passed", "FAILED", "Kernel stopped.", or "" (no end line)
    seconds: float
    exited: int  # Bochs' exit status if it ended by itself, else None (stopped by us)
    console: str  # what Bochs printed on its own console (its debugger, its messages)


def write_config(directory, name, iso, megs):
    """Writes DIRECTORY/NAME.bochsrc from the template and the debugger's command file;
    returns (bochsrc, commands, serial file, Bochs' log file)."""
    paths = {key: os.path.join(directory, f"{name}.{key}")
             for key in ("bochsrc", "commands", "serial", "bochs-log")}
    for path in (iso, *paths.values()):
        if re.search(r"[\s,\"]", path):  # bochsrc values end at a comma or a blank
            raise ValueError(f"Bochs cannot take the path {path!r}: no blanks or commas")
    with open(TEMPLATE, encoding="utf-8") as template:
        text = template.read()
    for key, value in (("MEGS", str(megs)), ("ISO", iso), ("SERIAL", paths["serial"]),
                       ("LOG", paths["bochs-log"])):
        text = text.replace(f"@{key}@", value)
    with open(paths["bochsrc"], "w", encoding="utf-8") as bochsrc:
        bochsrc.write(text)
    # Debian's Bochs is built with its debugger, which stops before the first instruction:
    # `c` runs the machine; `quit` leaves should the run ever return to the prompt.
    with open(paths["commands"], "w", encoding="utf-8") as commands:
        commands.write("c\nquit\n")
    if os.path.exists(paths["serial"]):
        os.unlink(paths["serial"])
    return paths["bochsrc"], paths["commands"], paths["serial"], paths["bochs-log"]


def read_text(path):
    try:
        with open(path, "rb") as file:
            return file.read().decode("utf-8", "replace")
    except FileNotFoundError:
        return ""


def run_to_end(options, name, iso, megs, timeout):
    """Boots iso under Bochs with megs MiB of RAM until the kernel's end line, Bochs'
    own exit, or the timeout; returns what the serial port printed and how it ended."""
    directory = os.path.join(options.build, "test")
    bochsrc, commands, serial, _ = write_config(directory, name, iso, megs)
    console_path = os.path.join(directory, f"{name}.console")
    started = time.monotonic()
    with open(console_path, "w", encoding="utf-8") as console:
        # cwd: Bochs may leave files of its own (bochsout.txt) where it runs.
        process = subprocess.Popen([BOCHS, "-q", "-f", bochsrc, "-rc", commands],
                                   stdin=subprocess.DEVNULL, stdout=console,
                                   stderr=subprocess.STDOUT, cwd=directory)
        match, exited = None, None
        try:
            while time.monotonic() < started + timeout:
                match = END.search(read_text(serial))
                exited = process.poll()
                if match or exited is not None:
                    break
                time.sleep(0.2)
        finally:
            if process.poll() is None:
                process.kill()
            process.wait()
    verdict = (match.group(1) or match.group(0)) if match else ""
    return Run(read_text(serial), verdict, time.monotonic() - started, exited,
               read_text(console_path))
