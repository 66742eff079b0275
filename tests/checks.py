"""tests/checks.py - boots that check one behaviour of the kernel from the outside: the
report an exception prints, the line a bad option value gets, a command line cut at its
limit, a CPU without long mode or without NX, the VGA mirror of the console, `make debug`'s
gdb session, the tick rate pit_hz= sets and uptime at 100 kHz, memory maps of many entries,
with a hole over the kernel, or of a few dozen pages, the instructions of the keyboard
handler's alloc_page counted by gdb. Each test gets a runner Context and raises
AssertionError (with a reason) on failure."""

import os
import re
import socket
import subprocess
import time

import gdb_count
from qemu import EXIT_PASS, Machine, qemu_command

# What each crash=<kind> report must say, line fragments in order of appearance.
CRASH_REPORTS = {
    "null": ["Unexpected page fault (#PF), vector 14",
             "Page fault at address 0000000000000000: page not present, read, kernel mode",
             "present=0 write=0 user=0 reserved=0 fetch=0",
             "NULL pointer dereference", "RIP: ", "<crash_null+", "RAX: ", "R15: ",
             "CR2: 0000000000000000", "Backtrace:", "crash_null+", "crash_run+", "kmain+"],
    "write-text": ["Unexpected page fault (#PF)", "protection violation, write, kernel mode",
                   "present=1 write=1", "<crash_write_text+", "crash_run+", "kmain+"],
    "divide": ["Unexpected divide error (#DE), vector 0", "<crash_divide+", "crash_run+"],
    "opcode": ["Unexpected invalid opcode (#UD), vector 6", "<crash_opcode+", "crash_run+"],
    "stack-overflow": ["Unexpected double fault (#DF), vector 8",
                       "guard page of the boot stack: a kernel stack overflow", "<recurse"],
    "thread-stack-overflow": ["Unexpected double fault (#DF), vector 8",
                              "guard page of the stack of thread 'overflow' (id ",
                              "a kernel stack overflow", "<recurse"],
    "panic": ["Kernel panic: crash=panic asked for a panic", "Backtrace:", "crash_panic+",
              "kmain+"],
}


def check_in_order(text, fragments):
    position = 0
    for fragment in fragments:
        found = text.find(fragment, position)
        assert found >= 0, f"missing (in order): {fragment!r}"
        position = found + len(fragment)


def crash_report(kind):
    def test(context):
        session = context.session(f"crash={kind}")
        session.wait_for(r"Kernel stopped\.", timeout=30)
        check_in_order(session.output(), CRASH_REPORTS[kind])
        time.sleep(0.5)
        assert session.process.poll() is None, "QEMU exited: the kernel should halt, not reset"
    return test


def bad_values_are_reported_once(context):
    """Each bad value gets one line naming the option, and the boot goes on."""
    run = context.boot("selftest=no_such_suite page_poison=maybe crash=bogus mystery_option=1 "
                       "pit_hz= sample_every= bench=bogus", timeout=120)
    expected = [
        "cmdline: bad value '' for pit_hz (no value); using 1000",
        "cmdline: bad value '' for sample_every (no value); using 10",
        "cmdline: bad value 'bogus' for bench (expected quick, or no value for the full run); "
        "no benchmark",
        "cmdline: bad value 'maybe' for page_poison (expected on or off); using on",
        "cmdline: bad value 'bogus' for crash (expected null, write-text, divide, opcode, "
        "stack-overflow, thread-stack-overflow or panic); no crash",
        "cmdline: unknown option 'mystery_option' ignored",
        "cmdline: bad value 'no_such_suite' for selftest (no such suite); running all suites",
    ]
    for line in expected:
        assert run.output.count(line) == 1, f"expected exactly one line: {line!r}"
    assert run.status == 33, f"boot should go on and pass its tests; QEMU status {run.status}"


def bench_typo_runs_no_benchmark(context):
    """bench=bogus is a typo: one line, and the shell comes up instead of a long run."""
    session = context.session("bench=bogus")
    session.wait_for(r"labyrinth> ", timeout=30)
    line = ("cmdline: bad value 'bogus' for bench (expected quick, or no value for the full "
            "run); no benchmark")
    assert session.output().count(line) == 1, f"expected exactly one line: {line!r}"
    assert "bench: case=" not in session.output(), "a benchmark ran"


def long_command_line_never_acts_on_a_cut_option(context):
    """The issue's line: pit_hz=5000 straddles the kernel's 1023-character limit, and what fits
    of it (pit_hz=50) must not be acted on: one line says so, and the tick stays at 1000 Hz.
    The line's full length in that message shows GRUB passed all 4026 characters."""
    session = context.session("pad=" + "A" * 1009 + " pit_hz=5000 " + "B" * 3000)
    session.wait_for(r"labyrinth> ", timeout=30)
    output = session.output()
    cut = ("cmdline: longer than 1023 characters (4026); option 'pit_hz' was cut short and is "
           "ignored, as is the rest")
    assert output.count(cut) == 1, f"expected exactly one line: {cut!r}"
    assert "clock: tick at 1000 Hz" in output, \
        f"the cut option was acted on: {re.findall(r'clock: tick at .*', output)}"


def cpu_without_long_mode_gets_a_message(context):
    run = context.boot("", machine=Machine("pc", "128M", cpu="qemu32"), timeout=8)
    message = "Labyrinth: boot failed: this CPU cannot run 64-bit code (no long mode)"
    assert message in run.output, f"no message; output was {run.output[-300:]!r}"
    assert run.status is None, f"QEMU exited with {run.status}: the CPU should halt, not reset"


def vga_screen(text, columns=80, rows=25):
    """The rows drivers/vga.c shows after writing text on a cleared screen: a new line at
    '\n' and after the last column, tabs to the next multiple of 8, scrolling at the bottom."""
    screen, row, column = [[" "] * columns for _ in range(rows)], 0, 0
    for char in text.replace("\t", "\0"):
        for piece in (" " * (8 - column % 8) if char == "\0" else char):
            if piece == "\n":
                row, column = row + 1, 0
            else:
                screen[row][column] = piece
                column += 1
                if column == columns:
                    row, column = row + 1, 0
            if row == rows:
                screen, row = screen[1:] + [[" "] * columns], rows - 1
    return ["".join(cells) for cells in screen]


def boot_line_claims_w_xor_x_only_with_nx(context):
    """Without NX the kernel's data is executable: the paging line must not claim W^X."""
    for cpu, expected in (("qemu64", "kernel W^X, NX on"),
                          ("qemu64,-nx", "kernel text read-only, data executable (no NX)")):
        run = context.boot("selftest=printk", machine=Machine("pc", "128M", cpu=cpu))
        line = re.search(r"paging: .*", run.output)
        assert line and expected in line.group(0), f"-cpu {cpu}: paging line {line and line.group(0)!r}"
        assert cpu == "qemu64" or "W^X" not in line.group(0), f"-cpu {cpu}: claims W^X"


def vga_mirrors_the_console(context):
    """Once the shell prompts, the text screen holds exactly what the serial console printed
    from the kernel's first line on, as the VGA driver lays it out."""
    session = context.session("")
    session.wait_for(r"labyrinth> $", timeout=30)
    time.sleep(0.3)
    reply = session.monitor_command("xp /2000hx 0xb8000")
    # Only the dump lines ("00000000000b8000: 0x074c ..."), not the echo of the command.
    lines = re.findall(r"^[0-9a-f]{16}: (.*)$", reply.replace("\r", ""), re.M)
    cells = [int(value, 16) for line in lines for value in line.split()]
    text = "".join(chr(cell & 0xff) for cell in cells)
    shown = [text[i:i + 80] for i in range(0, 2000, 80)]
    printed = session.output()
    printed = printed[printed.index("Labyrinth: x86-64 kernel, booted by"):]
    expected = vga_screen(printed)
    for number, (got, want) in enumerate(zip(shown, expected)):
        assert got == want, f"VGA row {number}: {got.rstrip()!r}, expected {want.rstrip()!r}"
    assert len(shown) == 25, f"read {len(shown)} rows of the screen"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def gdb_stops_at_kmain(context):
    """What `make debug` does: QEMU halted with its GDB stub, gdb with tools/gdbinit."""
    port = free_port()
    command = qemu_command(context.options, Machine(), context.iso("")) + [
        "-serial", "null", "-monitor", "none", "-gdb", f"tcp:127.0.0.1:{port}", "-S"]
    qemu = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        gdb = subprocess.run(
            ["gdb", "-batch", "-nx", "-ex", f"target remote 127.0.0.1:{port}",
             "-x", os.path.join(top, "tools", "gdbinit"), "-ex", "info symbol $pc",
             "-ex", "backtrace 1", os.path.join(context.options.build, "labyrinth.elf")],
            capture_output=True, timeout=60, text=True)
        assert "kmain in section .text" in gdb.stdout, \
            f"gdb did not stop in kmain: {gdb.stdout[-400:]!r} {gdb.stderr[-200:]!r}"
    finally:
        qemu.kill()
        qemu.wait()


def boot_passes(context, cmdline):
    """Boots with cmdline (a selftest run) and returns its output; the run must pass."""
    run = context.boot(cmdline)
    assert run.status == EXIT_PASS, f"QEMU exited with {run.status}, expected {EXIT_PASS}"
    return run.output


def pit_hz_sets_the_tick_rate(context):
    for hz, divisor in ((19, 62799), (100, 11932), (100000, 12)):
        output = boot_passes(context, f"selftest=spinlock pit_hz={hz}")
        expected = f"clock: tick at {hz} Hz (PIT divisor {divisor})"
        assert expected in output, f"pit_hz={hz}: no line '{expected}'"


def pit_hz_bad_values_are_reported(context):
    for option, value, why in (("pit_hz=18", "18", "expected 19 to 100000"),
                               ("pit_hz=100001", "100001", "expected 19 to 100000"),
                               ("pit_hz=fast", "fast", "not a number"),
                               ("pit_hz=", "", "no value"), ("pit_hz", "", "no value")):
        output = boot_passes(context, f"selftest=irq {option}")
        line = f"cmdline: bad value '{value}' for pit_hz ({why}); using 1000"
        assert output.count(line) == 1, f"{option}: not exactly one line '{line}'"
        assert "clock: tick at 1000 Hz" in output, f"{option}: not at the default rate"


def uptime_seconds(session):
    """Runs `uptime` on the serial line; returns (host time before, uptime, host time after)."""
    start, before = session.position(), time.monotonic()
    session.send_serial("uptime\r")
    match = session.wait_for(r"up (\d+\.\d+) s:", timeout=60, start=start)
    return before, float(match.group(1)), time.monotonic()


def uptime_keeps_to_the_wall_clock_at_100_khz(context):
    """At pit_hz=100000 under TCG most ticks are lost (uptime once showed 2.9 s after 45 s):
    uptime comes from the calibrated TSC, and keeps to the host's clock within 5 %."""
    session = context.session("pit_hz=100000")
    session.wait_for(r"labyrinth> ", timeout=60)
    before_first, first, after_first = uptime_seconds(session)
    time.sleep(8)
    before_second, second, after_second = uptime_seconds(session)
    elapsed, low, high = second - first, before_second - after_first, after_second - before_first
    context.notes.append(f"uptime {first:.3f} s -> {second:.3f} s: {elapsed:.3f} s; the host "
                         f"saw {low:.3f} to {high:.3f} s")
    assert low * 0.95 <= elapsed <= high * 1.05, \
        f"uptime went {elapsed:.3f} s while the host clock went {low:.3f} to {high:.3f} s"


def reserve_size(output):
    match = re.search(r"mm: managed (\d+) pages, free \d+ pages, atomic reserve (\d+) pages",
                      output)
    assert match, "no summary line"
    return int(match.group(1)), int(match.group(2))


def atomic_reserve_sets_the_reserve(context):
    for value, pages in (("2M", 512), ("100", 100), ("1", 1)):
        output = boot_passes(context, f"selftest=printk atomic_reserve={value}")
        assert reserve_size(output)[1] == pages, f"atomic_reserve={value}: {reserve_size(output)}"


def atomic_reserve_bad_values_fall_back(context):
    default = reserve_size(boot_passes(context, "selftest=printk"))[1]
    for value, why in (("0", "expected 1 to "), ("64M", "expected 1 to "), ("lots", "not a number"),
                       ("1T", "not a number"), ("", "no value")):
        output = boot_passes(context, f"selftest=printk atomic_reserve={value}")
        line = re.search(rf"cmdline: bad value '{value}' for atomic_reserve \(([^)]*)\); "
                         rf"using (\d+)", output)
        assert line and line.group(1).startswith(why), f"atomic_reserve={value}: no bad-value line"
        assert int(line.group(2)) == default == reserve_size(output)[1], \
            f"atomic_reserve={value}: not the default {default}"


def sample_every_bad_values_fall_back(context):
    output = boot_passes(context, "selftest=printk sample_every=0")
    assert "cmdline: bad value '0' for sample_every (expected 1 to 100000); using 10" in output
    assert "sensor: a sample every 10 ticks" in output


def memory_map_of_150_holes_keeps_all_memory(context):
    """150 small holes cut by GRUB (over 300 map entries) lose no memory: a table limit once
    dropped every entry past 128, and with them most of a 1 GiB guest."""
    holes = 150
    preload = "; ".join(f"cutmem {0x1000000 + i * 0x400000:#x} {0x1010000 + i * 0x400000:#x}"
                        for i in range(holes))
    given_kib = 1024 * 1024 - holes * 64
    run = context.boot(f"selftest=memmap selftest_ram={given_kib}K", preload=preload,
                       machine=Machine("pc", "1G"), timeout=120)
    assert run.status == EXIT_PASS, f"QEMU exited with {run.status}, expected {EXIT_PASS}"
    for word in ("ignored", "only the first", "left out"):
        assert word not in run.output, f"a line says map entries were {word}"
    managed = reserve_size(run.output)[0]
    context.notes.append(f"managed {managed} pages of {given_kib // 4} given")
    assert managed * 4 >= given_kib - 8 * 1024, f"managed {managed} pages of {given_kib // 4}"


def hole_over_the_kernel_image_is_understood(context):
    """GRUB loads the kernel at 1 MiB whatever the map says; a loader's map with a hole over
    the image (cutmem) must leave the memory-map suite passing: the image is carved where the
    map has RAM, and the hole stays a hole."""
    run = context.boot("selftest=memmap selftest_ram=131068K",
                       preload="cutmem 0x120000 0x121000", timeout=60)
    assert run.status == EXIT_PASS, f"QEMU exited with {run.status}, expected {EXIT_PASS}"


def kernel_end(context):
    """Where the kernel image ends in physical memory, from the ELF's symbol table."""
    symbols = subprocess.run(["nm", os.path.join(context.options.build, "labyrinth.elf")],
                             capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^([0-9a-f]+) \S __kernel_phys_end$", symbols, re.M).group(1), 16)


def tiny_memory_still_allocates(context):
    """The smallest guest QEMU and GRUB boot here is 5 MiB; a cutmem leaves it 192 KiB above
    the kernel image, about 30 pages to manage. An ordinary allocation still gets memory (the
    watermarks scale down to it), and the boot says memory is that small."""
    cut = (kernel_end(context) + 0x30000 + 0xfff) & ~0xfff
    session = context.session("", machine=Machine("pc", "5M"), preload=f"cutmem {cut:#x} 5M")
    session.wait_for(r"labyrinth> ", timeout=30)
    managed = reserve_size(session.output())[0]
    context.notes.append(f"managed {managed} pages")
    session.send_serial("memhog kernel\r")
    taken = session.wait_for(r"memhog: took (\d+) frames with GFP_KERNEL", timeout=10)
    assert int(taken.group(1)) > 0, f"with {managed} pages managed, GFP_KERNEL got no frame"
    session.send_serial("memhog release\r")
    session.wait_for(r"memhog: released", timeout=10)
    line = re.search(r"mm: only \d+ pages \(\d+ KiB\) to manage: .*", session.output())
    assert line, "no boot line says memory is small"


def big_guest_boots_without_the_host_backing_it(context):
    """Nothing at boot writes to every free frame: a 64 GiB guest (RAM reserved lazily by the
    host) boots and runs its memory-map suite while QEMU holds far less than 64 GiB."""
    machine = Machine("pc", "64G", extra=[
        "-object", "memory-backend-ram,id=ram0,size=64G,reserve=off",
        "-machine", "memory-backend=ram0"])
    run = context.boot("selftest=memmap selftest_ram=64G", machine=machine, timeout=300)
    assert run.status == EXIT_PASS, f"QEMU exited with {run.status}"
    # The frame database alone is 256 MiB (16 bytes a frame); QEMU itself ~200 MiB.
    limit_kib = 1536 * 1024
    context.notes.append(f"QEMU peak memory: {run.max_rss_kib // 1024} MiB")
    assert run.max_rss_kib < limit_kib, \
        f"QEMU held {run.max_rss_kib // 1024} MiB: something wrote to free memory at boot"


# The promise of the landing pads, checked from outside: every alloc_page(GFP_ATOMIC |
# EXCLUSIVE) in the keyboard's handler, instructions counted by gdb (tests/gdb_count.py).
KEYBOARD_TAKE_LIMIT = 50


def keyboard_takes_counted_by_gdb(context):
    port = free_port()
    session = context.session("", machine=Machine(extra=["-gdb", f"tcp:127.0.0.1:{port}"]))
    counts = gdb_count.count_keyboard_allocations(session, context.options.build, port)
    for level, values in counts.items():
        line = f"alloc_page in the keyboard handler, memory {level}: {gdb_count.summary(values)}"
        context.notes.append(line)
        session.log.write("\n" + line + "\n")
    for level, values in counts.items():
        assert values, f"memory {level}: no alloc_page counted in the keyboard handler"
        assert max(values) <= KEYBOARD_TAKE_LIMIT, \
            f"memory {level}: {max(values)} instructions, above {KEYBOARD_TAKE_LIMIT}: {values}"


TESTS = [(f"crash-report-{kind}", crash_report(kind)) for kind in CRASH_REPORTS] + [
    ("bad-values-are-reported-once", bad_values_are_reported_once),
    ("bench-typo-runs-no-benchmark", bench_typo_runs_no_benchmark),
    ("long-command-line-never-acts-on-a-cut-option",
     long_command_line_never_acts_on_a_cut_option),
    ("cpu-without-long-mode-gets-a-message", cpu_without_long_mode_gets_a_message),
    ("boot-line-claims-w-xor-x-only-with-nx", boot_line_claims_w_xor_x_only_with_nx),
    ("vga-mirrors-the-console", vga_mirrors_the_console),
    ("gdb-stops-at-kmain", gdb_stops_at_kmain),
    ("keyboard-takes-counted-by-gdb", keyboard_takes_counted_by_gdb),
    ("pit-hz-sets-the-tick-rate", pit_hz_sets_the_tick_rate),
    ("pit-hz-bad-values-are-reported", pit_hz_bad_values_are_reported),
    ("uptime-keeps-to-the-wall-clock-at-100-khz", uptime_keeps_to_the_wall_clock_at_100_khz),
    ("atomic-reserve-sets-the-reserve", atomic_reserve_sets_the_reserve),
    ("atomic-reserve-bad-values-fall-back", atomic_reserve_bad_values_fall_back),
    ("sample-every-bad-values-fall-back", sample_every_bad_values_fall_back),
    ("memory-map-of-150-holes-keeps-all-memory", memory_map_of_150_holes_keeps_all_memory),
    ("hole-over-the-kernel-image-is-understood", hole_over_the_kernel_image_is_understood),
    ("tiny-memory-still-allocates", tiny_memory_still_allocates),
    ("big-guest-boots-without-the-host-backing-it", big_guest_boots_without_the_host_backing_it),
]
