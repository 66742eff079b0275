#!/usr/bin/env python3
"""tests/grade.py - `make grade [LAB=<name>]`: scores a lab, as xv6's gradelib does.

Builds the tree (a build that fails scores nothing and says why), then runs the lab's graded
tests (labs/labs.toml): the kernel ones in one boot with `selftest=<them>`, the host ones one
process each. Prints a line per test with its points, what a failed test printed, and
"Score: N/M". A kernel that panics, hangs or resets in the middle loses the case it was in,
and is booted again for the cases after it, so one crash costs one case. Exits 0 with full
marks, 1 below them, 2 when the grader itself cannot run (no such lab).

With no LAB: the lab a student tree was written for (its .lab file), else every lab.
Usage: grade.py --build build [--lab NAME] [--qemu QEMU] [--accel tcg] [--timeout 60]
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "tools"))
import ktap  # noqa: E402
import lab as labs  # noqa: E402
import qemu  # noqa: E402

TOP = qemu.TOP
DETAIL_LINES = 8


class Item:
    """One graded test: where it runs, its name ("suite.case" or "suite"), its points."""

    def __init__(self, entry):
        self.where = "kernel" if "kernel" in entry else "host"
        self.name = entry[self.where]
        self.points = int(entry["points"])
        self.ok, self.details, self.seconds = False, [], 0.0

    def label(self):
        return f"{self.where} {self.name}"


def build(build_dir, needs_host):
    """Runs make for what the grade needs; returns (ok, the end of make's output)."""
    targets = [f"{build_dir}/labyrinth.elf"] + (["host-tests"] if needs_host else [])
    process = subprocess.run(["make", "-s", "--no-print-directory", f"BUILD={build_dir}"] +
                             targets, cwd=TOP, capture_output=True, text=True, timeout=900)
    output = (process.stdout + process.stderr).strip().splitlines()
    return process.returncode == 0, output[-25:]


def case_verdicts(report, item):
    """(ok, details) for an item from a KTAP report, or None when it did not report."""
    suite_name, _, case_name = item.name.partition(".")
    suite = next((s for s in report.suites if s.name == suite_name), None)
    if suite is None:
        return None
    cases = [c for c in suite.cases if not case_name or c.name == case_name]
    if case_name and not cases:
        return None
    if not case_name and not suite.finished:
        return None
    details = [line for case in cases if not case.ok for line in case.diagnostics]
    ok = all(case.ok and not case.skipped for case in cases)
    if not case_name:
        ok = ok and suite.ok
        details += [] if suite.ok else suite.diagnostics
    return ok, details


def lab_lines(output):
    """What the placeholders said ("lab buddy: the split is not written yet ...")."""
    return sorted(set(re.findall(r"lab \w+: .* is not written yet \(labs/\w+\.md\)", output)))


def grade_kernel(options, lab, items, timeout, notes):
    """Boots with the remaining cases until each has a verdict: a boot that stops before a
    case reports fails that case, and the next boot starts after it."""
    remaining = list(items)
    boots = 0
    while remaining:
        boots += 1
        selection = ",".join(item.name for item in remaining)
        iso = qemu.make_iso(options, f"grade-{lab}", f"selftest={selection} selftest_ram=128M")
        run = qemu.run_to_exit(options, qemu.Machine("pc", "128M"), iso, timeout)
        log = os.path.join(options.build, "test", f"grade-{lab}-{boots}.log")
        with open(log, "w", encoding="utf-8") as file:
            file.write(run.output)
        notes += [f"kernel said: {line}" for line in lab_lines(run.output)
                  if f"kernel said: {line}" not in notes]
        report = ktap.parse(run.output)
        unreported = []
        for item in remaining:
            verdict = case_verdicts(report, item)
            if verdict is None:
                unreported.append(item)
            else:
                item.ok, item.details = verdict
                item.seconds = run.seconds
        if not unreported:
            break
        why = "timed out" if run.status is None else \
            "panicked" if "Kernel panic" in run.output or "*** Unexpected" in run.output else \
            f"stopped (QEMU status {run.status})"
        crashed = unreported[0]
        crashed.details = [f"the kernel {why} before this test reported (log: "
                           f"{os.path.relpath(log)})"] + tail_of_crash(run.output)
        remaining = unreported[1:]
        if "KTAP version 1" not in run.output:  # it never reached the tests: nothing will
            for item in remaining:
                item.details = [f"the kernel {why} before the tests started (log: "
                                f"{os.path.relpath(log)})"]
            break


def tail_of_crash(output):
    lines = [line for line in output.replace("\r", "").splitlines() if line.strip()]
    for index, line in enumerate(lines):
        if "Kernel panic" in line or "*** Unexpected" in line:
            return lines[index:index + 4]
    return lines[-3:]


def grade_host(options, items, timeout):
    binary = os.path.join(options.build, "host", "labyrinth-host-tests")
    for item in items:
        started = time.monotonic()
        try:
            process = subprocess.run([binary, item.name], capture_output=True, text=True,
                                     timeout=timeout)
            output, status = process.stdout + process.stderr, process.returncode
        except subprocess.TimeoutExpired as expired:
            output, status = (expired.stdout or b"").decode(errors="replace"), None
        item.seconds = time.monotonic() - started
        verdict = case_verdicts(ktap.parse(output), item)
        if verdict is None:
            item.ok = False
            item.details = ["timed out" if status is None else f"the host test program "
                            f"stopped (exit {status}) before this test reported"] + \
                [line for line in output.splitlines() if "ERROR" in line or "SUMMARY" in line][:4]
        else:
            item.ok, item.details = verdict


def grade(options, build_dir, name, entry, timeout):
    """Grades one lab; prints its lines; returns (score, possible, items). build_dir is the
    build directory as make knows it (relative to the tree, like the Makefile's BUILD)."""
    items = [Item(graded) for graded in entry["graded"]]
    print(f"== Lab {name}: {entry.get('title', name)} (labs/{name}.md) ==")
    notes = []
    ok, output = build(build_dir, any(item.where == "host" for item in items))
    if not ok:
        for item in items:
            item.details = ["the tree does not build"]
        print("build failed:")
        print("\n".join("    " + line for line in output))
    else:
        grade_kernel(options, name, [i for i in items if i.where == "kernel"], timeout, notes)
        grade_host(options, [i for i in items if i.where == "host"], timeout)
    width = max(len(item.label()) for item in items)
    for item in items:
        verdict = "OK  " if item.ok else "FAIL"
        print(f"{item.label() + ':':{width + 1}} {verdict} {item.points if item.ok else 0:>3}/"
              f"{item.points}")
        if not item.ok:
            for line in item.details[:DETAIL_LINES]:
                print(f"    {line.strip()}")
            if len(item.details) > DETAIL_LINES:
                print(f"    ... ({len(item.details) - DETAIL_LINES} more lines)")
    for note in notes:
        print(note)
    score = sum(item.points for item in items if item.ok)
    possible = sum(item.points for item in items)
    print(f"Score: {score}/{possible}")
    return score, possible, items


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default="build")
    parser.add_argument("--lab", default="")
    parser.add_argument("--qemu", default="qemu-system-x86_64")
    parser.add_argument("--accel", default="tcg")
    parser.add_argument("--timeout", type=int, default=60)
    args = parser.parse_args()
    table = labs.table()
    chosen = [args.lab] if args.lab else [labs.this_lab()] if labs.this_lab() else list(table)
    unknown = [name for name in chosen if name not in table]
    if unknown:
        print(f"grade: no lab '{unknown[0]}' in labs/labs.toml (labs: {', '.join(table)})",
              file=sys.stderr)
        return 2
    options = qemu.Options(os.path.abspath(args.build), args.qemu, args.accel)
    os.makedirs(os.path.join(options.build, "test"), exist_ok=True)
    total = possible = 0
    record = {}
    for name in chosen:
        score, out_of, items = grade(options, args.build, name, table[name], args.timeout)
        total, possible = total + score, possible + out_of
        record[name] = {"score": score, "possible": out_of,
                        "tests": [{"test": item.label(), "points": item.points,
                                   "ok": item.ok} for item in items]}
    if len(chosen) > 1:
        print(f"Total: {total}/{possible}")
    with open(os.path.join(options.build, "test", "grade.json"), "w", encoding="utf-8") as out:
        json.dump(record, out, indent=1)
    return 0 if total == possible else 1


if __name__ == "__main__":
    sys.exit(main())
