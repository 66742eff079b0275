#!/usr/bin/env python3
"""tools/fuzz_seeds.py - regenerates the fuzzers' seed corpora, tests/fuzz/seeds/<target>/
(tests/fuzz/seeds/README.md says what each seed is).

  fuzz_multiboot  multiboot2 information blocks as GRUB hands them to the kernel, read at kmain
                  (QEMU: its gdb stub; Bochs: its debugger), under BIOS, UEFI and Bochs
  fuzz_memmap     the memory map of every capture (multiboot2 tag 6) with the carve-outs the
                  kernel makes (its image, the boot information), in fuzz_memmap.c's encoding
  fuzz_alloc      operation sequences written here (ALLOC_SEEDS), in fuzz_alloc.c's encoding
  fuzz_acpi       the ACPI tables of QEMU's pc and q35 machines (SeaBIOS and OVMF, several
                  CPUs): the RSDP GRUB copied into the boot information, the root table and
                  every table it lists, read at kmain, in fuzz_acpi.c's encoding

Usage: tools/fuzz_seeds.py [--build build] [--only multiboot,memmap,alloc,acpi]
The captures need a built kernel (`make iso`), qemu-system-x86, gdb, ovmf and bochs; they
take about a minute. The alloc seeds need nothing.
"""

import argparse
import os
import re
import socket
import struct
import subprocess
import sys
import tempfile
from dataclasses import dataclass

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "tests"))
import bochs  # noqa: E402
import qemu  # noqa: E402
from qemu import Machine  # noqa: E402

SEEDS = os.path.join(TOP, "tests", "fuzz", "seeds")
OVMF = ["-bios", "/usr/share/ovmf/OVMF.fd"]
KERNEL_VIRTUAL_BASE = 0xffffffff80000000  # linker.ld: the image at -2 GiB
MULTIBOOT2_MAGIC = 0x36d76289


@dataclass
class Capture:
    name: str
    machine: Machine  # machine "bochs": under Bochs (tests/bochsrc.in), with that memory
    preload: str = ""  # GRUB commands before the kernel is loaded (cutmem)
    multiboot_seed: bool = False  # also a fuzz_multiboot seed (all are fuzz_memmap seeds)


# The machines the tests boot (tests/runner.py BOOTS and the Bochs boot), and a UEFI cutmem.
CAPTURES = [
    Capture("bios-pc-64M", Machine("pc", "64M")),
    Capture("bios-pc-128M", Machine("pc", "128M"), multiboot_seed=True),
    Capture("bios-pc-1G", Machine("pc", "1G")),
    Capture("bios-pc-8G", Machine("pc", "8G")),
    Capture("bios-pc-1G-cutmem", Machine("pc", "1G"), "cutmem 256M 320M"),
    Capture("bios-q35-128M", Machine("q35", "128M")),
    Capture("bios-q35-8G", Machine("q35", "8G"), multiboot_seed=True),
    Capture("uefi-q35-512M", Machine("q35", "512M", extra=OVMF), multiboot_seed=True),
    Capture("uefi-q35-512M-cutmem", Machine("q35", "512M", extra=OVMF), "cutmem 256M 320M",
            multiboot_seed=True),
    Capture("bochs-128M", Machine("bochs", "128M"), multiboot_seed=True),
]


# --- capturing the boot information at kmain --------------------------------------------------

def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def capture_qemu(options, capture, iso, out):
    """Runs QEMU halted under its gdb stub, to kmain; dumps the boot information to out and
    returns its physical address."""
    port = free_port()
    command = qemu.qemu_command(options, capture.machine, iso) + [
        "-serial", "null", "-monitor", "none", "-gdb", f"tcp:127.0.0.1:{port}", "-S"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # kmain(magic, info_phys): rdi and rsi. The boot page tables still identity-map the
        # low 4 GiB there, so the physical address reads as it is.
        gdb = subprocess.run(
            ["gdb", "-batch", "-nx", "-ex", f"target remote 127.0.0.1:{port}",
             "-ex", "hbreak kmain", "-ex", "continue",
             "-ex", 'printf "magic=%#x info=%#lx\\n", $rdi, $rsi',
             "-ex", f"dump binary memory {out} $rsi $rsi + *(unsigned int *)$rsi",
             os.path.join(options.build, "labyrinth.elf")],
            capture_output=True, text=True, timeout=180)
    finally:
        process.kill()
        process.wait()
    found = re.search(r"magic=(\w+) info=(\w+)", gdb.stdout)
    if not found or int(found.group(1), 16) != MULTIBOOT2_MAGIC or not os.path.exists(out):
        raise RuntimeError(f"{capture.name}: no boot information at kmain:\n{gdb.stdout}"
                           f"{gdb.stderr}")
    return int(found.group(2), 16)


def kmain_physical(options):
    symbols = subprocess.run(["nm", os.path.join(options.build, "labyrinth.elf")],
                             capture_output=True, text=True, check=True).stdout
    address = int(re.search(r"^([0-9a-f]+) T kmain$", symbols, re.M).group(1), 16)
    return address - KERNEL_VIRTUAL_BASE


def run_bochs_debugger(options, iso, megs, commands, name):
    """Runs Bochs on the tests' machine with the debugger commands given; returns its
    console output. Bochs' emulated clock follows the instructions: two runs are alike."""
    directory = os.path.join(options.build, "test")
    bochsrc, command_file, _, _ = bochs.write_config(directory, name, iso, megs)
    with open(command_file, "w", encoding="utf-8") as file:
        file.write("".join(line + "\n" for line in commands))
    run = subprocess.run([bochs.BOCHS, "-q", "-f", bochsrc, "-rc", command_file],
                         stdin=subprocess.DEVNULL, capture_output=True, text=True,
                         errors="replace", cwd=directory, timeout=300)
    return run.stdout + run.stderr


def capture_bochs(options, capture, iso, out):
    """Twice to kmain under Bochs' debugger: once to read rsi, once to write the memory."""
    stop = [f"pb {kmain_physical(options):#x}", "c"]
    megs = int(capture.machine.memory.rstrip("M"))
    console = run_bochs_debugger(options, iso, megs, stop + ["r", "quit"], "seed-bochs")
    registers = dict(re.findall(r"\b(rdi|rsi): (?:0x)?([0-9a-f_]+)", console))
    if int(registers.get("rdi", "0").replace("_", ""), 16) != MULTIBOOT2_MAGIC:
        raise RuntimeError(f"{capture.name}: Bochs did not stop at kmain:\n{console[-2000:]}")
    info = int(registers["rsi"].replace("_", ""), 16)
    run_bochs_debugger(options, iso, megs,
                       stop + [f'writemem "{out}" {info:#x} 65536', "quit"], "seed-bochs")
    with open(out, "rb") as file:
        data = file.read()
    with open(out, "wb") as file:
        file.write(data[:struct.unpack_from("<I", data)[0]])
    return info


def capture_boot_information(options, capture, directory):
    """Boots the capture's machine to kmain; returns the boot information's physical address
    and its bytes."""
    cmdline = f"selftest selftest_ram={capture.machine.memory}"
    iso = qemu.make_iso(options, "seed-" + capture.name, cmdline, capture.preload)
    out = os.path.join(directory, capture.name + ".mbi")
    under_bochs = capture.machine.machine == "bochs"
    address = (capture_bochs if under_bochs else capture_qemu)(options, capture, iso, out)
    with open(out, "rb") as file:
        return address, file.read()


# --- fuzz_acpi: the firmware's ACPI tables, read at kmain -------------------------------------

ACPI_CAPTURES = [
    Capture("bios-pc-2cpus", Machine("pc", "128M", extra=["-smp", "2"])),
    Capture("bios-pc-8cpus", Machine("pc", "128M", extra=["-smp", "8"])),
    Capture("bios-q35-4cpus", Machine("q35", "128M", extra=["-smp", "4"])),
    Capture("uefi-q35-4cpus", Machine("q35", "512M", extra=["-smp", "4"] + OVMF)),
]

# Runs inside gdb (its Python), stopped at kmain: finds the ACPI tag in the boot information
# (the boot page tables identity-map the low 4 GiB, where firmware keeps its tables) and
# writes fuzz_acpi.c's encoding: the RSDP, then the root table and each table it lists as
# (address, length, bytes) pieces.
ACPI_GDB_SCRIPT = r"""
import struct
import gdb

memory = gdb.selected_inferior()
def read(address, length):
    return bytes(memory.read_memory(address, length))

info = int(gdb.parse_and_eval("$rsi"))
total = struct.unpack("<I", read(info, 4))[0]
block, offset, rsdp = read(info, total), 8, None
while offset + 8 <= total:
    kind, size = struct.unpack_from("<II", block, offset)
    if kind == 0:
        break
    if kind in (14, 15) and (rsdp is None or kind == 15):
        rsdp = block[offset + 8:offset + size]
    offset += (size + 7) & ~7
revision = rsdp[15]
xsdt = struct.unpack_from("<Q", rsdp, 24)[0] if revision >= 2 else 0
root = xsdt or struct.unpack_from("<I", rsdp, 16)[0]
def table(address):
    length = struct.unpack("<I", read(address + 4, 4))[0]
    return read(address, length)
root_table = table(root)
width = 8 if xsdt else 4
entries = [struct.unpack_from("<Q" if xsdt else "<I", root_table, at)[0]
           for at in range(36, len(root_table) - width + 1, width)]
out = bytes([len(rsdp)]) + rsdp
for address, data in [(root, root_table)] + [(entry, table(entry)) for entry in entries]:
    out += struct.pack("<QI", address, len(data)) + data
with open(OUT, "wb") as file:
    file.write(out)
print("acpi tables:", len(entries))
"""


def capture_acpi(options, capture, directory):
    """Boots the machine to kmain under gdb and returns the encoded ACPI tables."""
    iso = qemu.make_iso(options, "seed-acpi-" + capture.name, "selftest")
    out = os.path.join(directory, capture.name + ".acpi")
    script = os.path.join(directory, "acpi.py")
    with open(script, "w", encoding="utf-8") as file:
        file.write(f"OUT = {out!r}\n" + ACPI_GDB_SCRIPT)
    port = free_port()
    command = qemu.qemu_command(options, capture.machine, iso) + [
        "-serial", "null", "-monitor", "none", "-gdb", f"tcp:127.0.0.1:{port}", "-S"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        gdb = subprocess.run(
            ["gdb", "-batch", "-nx", "-ex", f"target remote 127.0.0.1:{port}",
             "-ex", "hbreak kmain", "-ex", "continue", "-x", script,
             os.path.join(options.build, "labyrinth.elf")],
            capture_output=True, text=True, timeout=180)
    finally:
        process.kill()
        process.wait()
    if "acpi tables:" not in gdb.stdout or not os.path.exists(out):
        raise RuntimeError(f"{capture.name}: no ACPI tables at kmain:\n{gdb.stdout}{gdb.stderr}")
    with open(out, "rb") as file:
        return file.read()


def write_acpi_seeds(options):
    with tempfile.TemporaryDirectory() as directory:
        for capture in ACPI_CAPTURES:
            write_seed("fuzz_acpi", capture.name + ".acpi", capture_acpi(options, capture,
                                                                          directory))


# --- fuzz_memmap's encoding of a memory map ---------------------------------------------------

def memory_map(info):
    """The (base, length, type) entries of tag 6 in a multiboot2 information block."""
    offset, total = 8, struct.unpack_from("<I", info)[0]
    while offset + 8 <= total:
        tag_type, size = struct.unpack_from("<II", info, offset)
        if tag_type == 0:
            break
        if tag_type == 6:
            entry_size = struct.unpack_from("<I", info, offset + 8)[0]
            return [struct.unpack_from("<QQI", info, at)
                    for at in range(offset + 16, offset + size - entry_size + 1, entry_size)]
        offset += (size + 7) & ~7
    raise ValueError("no memory map tag")


def kernel_extent(options):
    """The physical range of the kernel image, from the ELF program headers."""
    with open(os.path.join(options.build, "labyrinth.elf"), "rb") as file:
        elf = file.read()
    phoff, = struct.unpack_from("<Q", elf, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", elf, 0x36)
    loads = [struct.unpack_from("<IIQQQQQ", elf, phoff + i * phentsize) for i in range(phnum)]
    ranges = [(paddr, paddr + memsz) for kind, _, _, _, paddr, _, memsz in loads if kind == 1]
    return min(start for start, _ in ranges), max(end for _, end in ranges)


def encode_memmap(entries, carves):
    """fuzz_memmap.c's input: a count, then each entry's base and length as raw 8-byte values
    (mode byte 2) and its type as a raw 4-byte value (0xff); then three carves, each a raw
    base and a length in 256-byte units (3 bytes)."""
    entries = entries[:128]  # BOOT_MMAP_MAX
    out = bytes([len(entries)])
    for base, length, kind in entries:
        out += b"\x02" + struct.pack("<Q", base) + b"\x02" + struct.pack("<Q", length)
        out += b"\xff" + struct.pack("<I", kind)
    for start, end in carves:
        out += b"\x02" + struct.pack("<Q", start) + ((end - start + 255) // 256).to_bytes(3, "little")
    return out


# --- fuzz_alloc's operation sequences ---------------------------------------------------------

ATOMIC, ZERO, EXCLUSIVE, IRQS_OFF = 0x10, 0x20, 0x40, 0x80
ALLOC, FREE, DRAIN, POISON_TOGGLE, BAD_FREE, BURST, FREE_MANY, SCRIBBLE, CONTEXT, CHECK = \
    0, 5, 8, 9, 10, 11, 12, 13, 14, 15
ORDER = 0x80  # an alloc's argument with this bit: order = argument % 11


def irq_context(line):
    return (CONTEXT, line << 2)


BOOT_CONTEXT, RUN_DEFERRED = (CONTEXT, 1), (CONTEXT, 2)


def reserve_target(step):
    return (CONTEXT, 3 | step << 2)  # target 1 + 4 * step frames


# Each: (name, poison on, [(code, argument), ...]); fuzz_alloc.c says what a code does.
ALLOC_SEEDS = [
    ("orders", True, [(ALLOC, 0), (ALLOC, 1), (ALLOC, 2), (ALLOC, ORDER | 5),
                      (ALLOC, ORDER | 10), (ALLOC, 0xff), (FREE, 1), (FREE, 0), (DRAIN, 0),
                      (ALLOC | ZERO, ORDER | 3), (CHECK, 0), (FREE_MANY, 63)]),
    ("exhaustion-then-handlers", True,
     [(BURST, 255)] * 30 + [irq_context(3)] + [(ALLOC | ATOMIC | EXCLUSIVE, 0)] * 8 +
     [irq_context(0), (ALLOC | ATOMIC, 0), (ALLOC | ATOMIC, 1), BOOT_CONTEXT, RUN_DEFERRED,
      (FREE_MANY, 63), (FREE_MANY, 63), RUN_DEFERRED, (CHECK, 0)]),
    ("bad-frees", True, [(ALLOC, ORDER | 2), (ALLOC, ORDER | 3), (ALLOC, 0)] +
     [(BAD_FREE, variant | index << 3) for index in range(3) for variant in range(6)]),
    # Large blocks freed leave thousands of poisoned frames for the scribbles to hit; the
    # bursts hand them out again, which checks (and reports) the damaged poison.
    ("use-after-free", True,
     [(ALLOC, ORDER | 10)] * 5 + [(FREE, 0)] * 5 + [(SCRIBBLE, 1), (SCRIBBLE, 7), (SCRIBBLE, 200)] +
     [(BURST, 255)] * 30 + [(DRAIN, 0), (POISON_TOGGLE, 0), (FREE_MANY, 63), (POISON_TOGGLE, 0)]),
    ("contexts-irqs-off", True,
     [reserve_target(10), irq_context(1), (ALLOC | IRQS_OFF | EXCLUSIVE, 0),
      (ALLOC | ATOMIC, 2), irq_context(15), (FREE | IRQS_OFF, 0), BOOT_CONTEXT,
      (ALLOC | IRQS_OFF | ZERO, 1), reserve_target(1), RUN_DEFERRED, (DRAIN | IRQS_OFF, 0),
      reserve_target(60), RUN_DEFERRED, (CHECK, 0)]),
    ("poison-off", False, [(BURST, 100), (FREE_MANY, 30), (SCRIBBLE, 3), (ALLOC, ORDER | 4),
                           (BAD_FREE, 0), (FREE, 5), (CHECK, 0)]),
]


def encode_alloc(poison, operations):
    return bytes([1 if poison else 0]) + bytes(b for pair in operations for b in pair)


# --- writing the corpora ----------------------------------------------------------------------

def write_seed(target, name, data):
    directory = os.path.join(SEEDS, target)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), "wb") as file:
        file.write(data)
    print(f"  {target}/{name}: {len(data)} bytes")


def write_captures(options, wanted):
    kernel = kernel_extent(options)
    with tempfile.TemporaryDirectory() as directory:
        for capture in CAPTURES:
            address, info = capture_boot_information(options, capture, directory)
            if "multiboot" in wanted and capture.multiboot_seed:
                write_seed("fuzz_multiboot", capture.name + ".mbi", info)
            if "memmap" in wanted:
                # As mm/mm.c carves: the kernel's image, the boot information, no module.
                carves = [kernel, (address, address + len(info)), (0, 0)]
                write_seed("fuzz_memmap", capture.name + ".map",
                           encode_memmap(memory_map(info), carves))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default="build")
    parser.add_argument("--only", default="multiboot,memmap,alloc,acpi")
    args = parser.parse_args()
    wanted = set(args.only.split(","))
    options = qemu.Options(os.path.abspath(args.build))
    if "alloc" in wanted:
        for name, poison, operations in ALLOC_SEEDS:
            write_seed("fuzz_alloc", name + ".ops", encode_alloc(poison, operations))
    if wanted & {"multiboot", "memmap"}:
        write_captures(options, wanted)
    if "acpi" in wanted:
        write_acpi_seeds(options)
    return 0


if __name__ == "__main__":
    sys.exit(main())
