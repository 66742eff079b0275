#!/usr/bin/env python3
"""tests/check.py - `make check SUITE=...`: the fast loop. Boots the kernel once with
`selftest=<selection>` ("suite", "suite.case", several separated by commas; empty for every
suite), prints the KTAP as it comes, then "N passed, N failed" over the cases, and exits 1 when
a case failed, the output is not sound KTAP, or the kernel did not leave through debug-exit
with success (status 33). A name that no tests/kernel/ source registers is refused before
anything boots (exit 2).

Usage: check.py --build build [--machine pc] [--memory 128M] [--accel tcg] [--qemu QEMU]
                [--timeout 120] [SELECTION]
"""

import argparse
import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ktap  # noqa: E402
import qemu  # noqa: E402
import suites  # noqa: E402


def boot_and_echo(options, machine, iso, timeout):
    """Boots; echoes the serial output from the KTAP header on (all of it if the header never
    comes) and returns (output, QEMU's status or None on timeout)."""
    command = qemu.qemu_command(options, machine, iso) + ["-serial", "stdio", "-monitor", "none"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL)
    lines, echoing = [], False
    timer = threading.Timer(timeout, process.kill)
    timer.start()
    for raw in process.stdout:
        line = raw.decode("utf-8", "replace").replace("\r", "")
        lines.append(line)
        echoing = echoing or (ktap.HEADER in line and not line.startswith(ktap.INDENT))
        if echoing:
            sys.stdout.write(line)
            sys.stdout.flush()
    status = process.wait()
    timed_out = not timer.is_alive()
    timer.cancel()
    output = "".join(lines)
    if not echoing:
        sys.stdout.write(output)
    return output, None if timed_out else status


def summary(report, expected):
    """(passed, failed, skipped, problems) over the cases the selection should have run."""
    passed = failed = skipped = 0
    problems = list(report.errors)
    seen = {suite.name: suite for suite in report.suites}
    for name, cases in expected.items():
        suite = seen.get(name)
        if suite is None:
            problems.append(f"suite '{name}' is missing from the output")
            failed += len(cases)
            continue
        ran = {case.name for case in suite.cases}
        missing = [case for case in cases if case not in ran]
        problems += [f"case '{name}.{case}' is missing from the output" for case in missing]
        failed += len(missing)
        for case in suite.cases:
            skipped += case.skipped
            passed += case.ok and not case.skipped
            failed += not case.ok
        if not suite.ok and all(case.ok for case in suite.cases):
            problems.append(f"suite '{name}' failed outside its cases (leak check?)")
            failed += 1
    return passed, failed, skipped, problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default="build")
    parser.add_argument("--machine", default="pc")
    parser.add_argument("--memory", default="128M")
    parser.add_argument("--accel", default="tcg")
    parser.add_argument("--qemu", default="qemu-system-x86_64")
    parser.add_argument("--timeout", type=int, default=120)
    parser.add_argument("--cpus", type=int, default=1)
    parser.add_argument("selection", nargs="?", default="")
    args = parser.parse_args()

    tests = suites.registered("kernel")
    selection = args.selection.strip()
    why = suites.problem(selection, tests) if selection else None
    if why:
        print(f"check: bad SUITE '{selection}': {why}", file=sys.stderr)
        return 2
    options = qemu.Options(os.path.abspath(args.build), args.qemu, args.accel)
    if args.cpus < 1:
        print(f"check: bad CPUS '{args.cpus}': at least 1", file=sys.stderr)
        return 2
    cmdline = f"selftest={selection} selftest_ram={args.memory}" if selection else \
        f"selftest selftest_ram={args.memory}"
    if args.cpus > 1:
        cmdline += f" selftest_cpus={args.cpus}"
    started = time.monotonic()
    iso = qemu.make_iso(options, "check", cmdline)
    machine = qemu.Machine(args.machine, args.memory, cpus=args.cpus)
    output, status = boot_and_echo(options, machine, iso, args.timeout)
    with open(os.path.join(options.build, "test", "check.log"), "w", encoding="utf-8") as log:
        log.write(output)

    passed, failed, skipped, problems = summary(ktap.parse(output),
                                                suites.selected(selection, tests))
    if status is None:
        problems.append(f"no exit within {args.timeout} s (TIMEOUT=... to wait longer)")
    elif status != qemu.EXIT_PASS and not failed:
        problems.append(f"QEMU exited with status {status}, not 33 (debug-exit, all passed)")
    for problem in problems:
        print(f"check: {problem}")
    if problems and not failed:
        failed = 1
    print(f"(booted and ran in {time.monotonic() - started:.1f} s; log: "
          f"{os.path.relpath(os.path.join(options.build, 'test', 'check.log'))})")
    print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
