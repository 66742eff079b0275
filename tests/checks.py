"""tests/checks.py - boots that check one behaviour of the kernel from the outside: the
report an exception prints, the line a bad option value gets, a CPU without long mode, the
VGA mirror of the console, `make debug`'s gdb session, the tick rate pit_hz= sets, a panic
on one CPU while the others are busy (one report, every CPU stopped), a machine without
ACPI tables (one CPU). Each test gets a runner Context and raises AssertionError (with a
reason) on failure."""

import os
import re
import socket
import subprocess
import time

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
    "deadlock": ["Kernel panic: deadlock: CPU 0 takes spinlock 'crash' at crash_deadlock+",
                 "but holds it already (taken at crash_deadlock+", "Backtrace:",
                 "spin_report_retake+", "crash_run+"],
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
    run = context.boot("selftest=no_such_suite page_poison=maybe crash=bogus mystery_option=1",
                       timeout=120)
    expected = [
        "cmdline: bad value 'maybe' for page_poison (expected on or off); using on",
        "cmdline: bad value 'bogus' for crash (expected null, write-text, divide, opcode, "
        "stack-overflow, thread-stack-overflow, panic, deadlock or smp-panic); no crash",
        "cmdline: unknown option 'mystery_option' ignored",
        "cmdline: bad value 'no_such_suite' for selftest (no such suite); running all suites",
    ]
    for line in expected:
        assert run.output.count(line) == 1, f"expected exactly one line: {line!r}"
    assert run.status == 33, f"boot should go on and pass its tests; QEMU status {run.status}"


def cpu_without_long_mode_gets_a_message(context):
    run = context.boot("", machine=Machine("pc", "128M", cpu="qemu32"), timeout=8)
    message = "Labyrinth: boot failed: this CPU cannot run 64-bit code (no long mode)"
    assert message in run.output, f"no message; output was {run.output[-300:]!r}"
    assert run.status is None, f"QEMU exited with {run.status}: the CPU should halt, not reset"


def vga_mirrors_the_console(context):
    session = context.session("")
    session.wait_for(r"Labyrinth: command line", timeout=30)
    time.sleep(0.3)
    reply = session.monitor_command("xp /80hx 0xb8000")
    # Only the dump lines ("00000000000b8000: 0x074c ..."), not the echo of the command.
    rows = re.findall(r"^[0-9a-f]{16}: (.*)$", reply.replace("\r", ""), re.M)
    cells = [int(value, 16) for row in rows for value in row.split()]
    text = "".join(chr(cell & 0xff) for cell in cells)
    assert text.startswith("Labyrinth: x86-64 kernel, booted by"), f"VGA row 0: {text!r}"


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
    """Each CPU's local APIC timer, whose input clock the kernel measures (the divisor follows
    from it, to a count); and the PIT without ACPI, whose divisors are exact."""
    for hz in (19, 100, 100000):
        output = boot_passes(context, f"selftest=spinlock pit_hz={hz}")
        clock = re.search(r"clock: LAPIC timer runs at (\d+)\.(\d+) MHz", output)
        tick = re.search(rf"clock: tick at {hz} Hz \(LAPIC timer divisor (\d+)\)", output)
        assert clock and tick, f"pit_hz={hz}: no LAPIC timer lines"
        input_hz = int(clock.group(1)) * 1000000 + int(clock.group(2)) * 1000
        assert abs(int(tick.group(1)) - input_hz / hz) <= input_hz / hz / 1000 + 1, \
            f"pit_hz={hz}: divisor {tick.group(1)} for a {input_hz} Hz clock"
    for hz, divisor in ((19, 62799), (100000, 12)):
        output = boot_passes(context, f"selftest=spinlock acpi=off pit_hz={hz}")
        expected = f"clock: tick at {hz} Hz (PIT divisor {divisor})"
        assert expected in output, f"pit_hz={hz} acpi=off: no line '{expected}'"


def pit_hz_bad_values_are_reported(context):
    for value, why in (("18", "expected 19 to 100000"), ("100001", "expected 19 to 100000"),
                       ("fast", "not a number")):
        output = boot_passes(context, f"selftest=irq pit_hz={value}")
        line = f"cmdline: bad value '{value}' for pit_hz ({why}); using 1000"
        assert line in output, f"pit_hz={value}: no line '{line}'"
        assert "clock: tick at 1000 Hz" in output, f"pit_hz={value}: not at the default rate"


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
                       ("1T", "not a number")):
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


def cpu_registers(session):
    """Each CPU's RIP, from the monitor (`info registers -a`)."""
    reply = session.monitor_command("info registers -a")
    return re.findall(r"RIP=([0-9a-f]{16})", reply)


def panic_stops_every_cpu_and_reports_once(context):
    """crash=smp-panic: three CPUs print and take a lock (half the time with interrupts off)
    when the fourth panics. Exactly one report, whole, nothing printed after it, QEMU still
    there, and every CPU halted: each one's RIP the same a moment later."""
    session = context.session("crash=smp-panic", machine=Machine("q35", "128M", cpus=4))
    session.wait_for(r"Kernel stopped\.", timeout=60)
    time.sleep(1)
    output = session.output()
    assert output.count("Kernel panic") == 1, "not exactly one 'Kernel panic'"
    report = output[output.index("Kernel panic"):]
    check_in_order(report, ["Kernel panic: crash=smp-panic: CPU ", "Backtrace:",
                            "crash_smp_panic+", "Kernel stopped."])
    assert "is busy" not in report, "a busy CPU printed after the panic began"
    assert output.count("is busy") > 0, "the other CPUs were not busy"
    assert report.rstrip().endswith("Kernel stopped."), "output after the report"
    assert session.process.poll() is None, "QEMU exited: the kernel should halt"
    first = cpu_registers(session)
    time.sleep(0.5)
    second = cpu_registers(session)
    context.notes.append(f"RIPs: {first} then {second}")
    assert len(first) == 4 and first == second, "not every CPU stands still"


def no_acpi_tables_means_one_cpu_and_the_8259(context):
    """QEMU without ACPI gives no RSDP: one line says so, and the kernel runs its tests on one
    CPU with the 8259 and the PIT, though QEMU has two."""
    run = context.boot("selftest=smp selftest_cpus=1",
                       machine=Machine("pc,acpi=off", "128M", cpus=2), timeout=120)
    assert run.status == EXIT_PASS, f"QEMU exited with {run.status}, expected {EXIT_PASS}"
    for line in ("acpi: the boot loader passed no RSDP; one CPU and the 8259",
                 "clock: tick at 1000 Hz (PIT divisor 1193)", "smp: 1 CPU online"):
        assert run.output.count(line) == 1, f"expected exactly one line: {line!r}"


def smp_line_says_how_many_cpus(context):
    for cpus in (1, 3):
        output = boot_passes(context, "selftest=printk") if cpus == 1 else \
            context.boot("selftest=printk", machine=Machine("pc", "128M", cpus=cpus)).output
        line = f"smp: {cpus} CPU{'s' if cpus > 1 else ''} online"
        assert output.count(line) == 1, f"-smp {cpus}: no line '{line}'"


TESTS = [(f"crash-report-{kind}", crash_report(kind)) for kind in CRASH_REPORTS] + [
    ("bad-values-are-reported-once", bad_values_are_reported_once),
    ("cpu-without-long-mode-gets-a-message", cpu_without_long_mode_gets_a_message),
    ("vga-mirrors-the-console", vga_mirrors_the_console),
    ("gdb-stops-at-kmain", gdb_stops_at_kmain),
    ("pit-hz-sets-the-tick-rate", pit_hz_sets_the_tick_rate),
    ("pit-hz-bad-values-are-reported", pit_hz_bad_values_are_reported),
    ("atomic-reserve-sets-the-reserve", atomic_reserve_sets_the_reserve),
    ("atomic-reserve-bad-values-fall-back", atomic_reserve_bad_values_fall_back),
    ("sample-every-bad-values-fall-back", sample_every_bad_values_fall_back),
    ("big-guest-boots-without-the-host-backing-it", big_guest_boots_without_the_host_backing_it),
    ("panic-stops-every-cpu-and-reports-once", panic_stops_every_cpu_and_reports_once),
    ("no-acpi-tables-means-one-cpu-and-the-8259", no_acpi_tables_means_one_cpu_and_the_8259),
    ("smp-line-says-how-many-cpus", smp_line_says_how_many_cpus),
]
