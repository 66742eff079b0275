#!/usr/bin/env python3
"""tests/runner.py - runs every Labyrinth test and prints one line per test, then
"N passed, N failed" (and ", N skipped" when some were skipped: a skip is never counted as a
pass). Exits 1 when anything failed, crashed, hung or went missing.

Jobs (run in parallel, reported in this order):
  tree     the layout check (tools/check_layout.py), the docs check (tools/check_docs.py), the
           lab markers and table (tools/lab.py check)
  host     the host-side suites (build/host/labyrinth-host-tests, ASan + UBSan), as KTAP
  fuzz     each libFuzzer target for a fixed time
  boot     the kernel under QEMU with `selftest`, on several machines and memory sizes, and
           once under Bochs (tests/bochs.py)
  check    boots that check one behaviour from the outside (tests/checks.py)
  tooling  the tools around the kernel: result files, make run, make help (tests/tooling.py)
  ktap     Linux's kunit_tool reads a captured boot's KTAP as tests/ktap.py does
  lab      each lab (labs/labs.toml): full marks in this tree, less in its student tree
  bench    the benchmark, quickly (nothing asserted about speed)
  e2e      interactive sessions over the serial port and the PS/2 keyboard (tests/e2e/)

Usage: runner.py --build build [--accel tcg] [--qemu qemu-system-x86_64] [--jobs N]
                 [--only REGEX] [--list] [--fuzz TARGET...] [--fuzz-seconds N] [--results DIR]

--only keeps the jobs whose name matches, and narrows the KTAP jobs (host, boot-*) to the
suites and cases whose "<job> <suite>.<case>" matches: `--only page_alloc` runs that suite on
the host and in every boot. The results also go to BUILD/test/results.json (the layout of
kunit_tool's --json) and BUILD/test/junit.xml.
"""

import argparse
import concurrent.futures
import importlib
import json
import os
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bochs  # noqa: E402
from e2e import Skipped  # noqa: E402
import ktap  # noqa: E402
import kunit_compat  # noqa: E402
import qemu  # noqa: E402
import results_files  # noqa: E402
import suites  # noqa: E402

sys.path.insert(0, os.path.join(qemu.TOP, "tools"))
import lab as labs  # noqa: E402
from qemu import Machine  # noqa: E402


@dataclass
class Result:
    name: str
    ok: bool
    details: list = field(default_factory=list)
    skipped: bool = False
    suite: str = ""  # for KTAP results: the suite, and the case ("" for the suite itself)
    case: str = ""
    cases: list = field(default_factory=list)  # a suite's (case, status) when not per case


@dataclass
class Job:
    name: str
    run: object  # a function returning a list of Result
    alone: bool = False  # timing-sensitive: run by itself, before the parallel jobs
    heavy: bool = False  # makes the host back gigabytes: never two at once
    tests: dict = None  # KTAP jobs: {suite: [case]} they can run a part of (--only)
    narrow: object = None  # KTAP jobs: function(selection) -> the run function for that part
    selection: str = ""  # the part --only chose ("" for all of it)


# --- KTAP output to results -------------------------------------------------------------------

def ktap_results(prefix, text, expected_suites, per_case, log):
    """Turns KTAP output into results: one per case (per_case) or one per suite."""
    report = ktap.parse(text)
    results = []
    seen = {suite.name for suite in report.suites}
    for name in expected_suites:
        if name not in seen:
            report.errors.append(f"suite '{name}' is missing from the output")
    for suite in report.suites:
        if per_case:
            for case in suite.cases:
                results.append(Result(f"{prefix}{suite.name}/{case.name}", case.ok,
                                      case.diagnostics, case.skipped, suite.name, case.name))
            if not suite.ok and all(case.ok for case in suite.cases):
                results.append(Result(f"{prefix}{suite.name}", False, suite.diagnostics,
                                      suite=suite.name))
        else:
            failed = [case for case in suite.cases if not case.ok]
            skipped = [case for case in suite.cases if case.skipped]
            details = suite.diagnostics[:]
            for case in failed:
                details += [f"case {case.name} failed:"] + case.diagnostics
            every_case_skipped = bool(skipped) and len(skipped) == len(suite.cases)
            results.append(Result(f"{prefix}{suite.name}", suite.ok, details, every_case_skipped,
                                  suite=suite.name,
                                  cases=[(case.name, status_of(case.ok, case.skipped))
                                         for case in suite.cases]))
            if not every_case_skipped:  # a skip is reported as one, not hidden in a pass
                results += [Result(f"{prefix}{suite.name}/{case.name}", case.ok,
                                   case.diagnostics, True, suite.name, case.name)
                            for case in skipped]
    if report.errors:
        results.append(Result(f"{prefix}(output)", False, report.errors + [f"log: {log}"]))
    return results


def status_of(ok, skipped):
    """A result's status as kunit_tool's JSON and JUnit name it."""
    return "SKIP" if skipped else "PASS" if ok else "FAIL"


def save_log(options, name, text):
    directory = os.path.join(options.build, "test", "logs")
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, name + ".log")
    with open(path, "w", encoding="utf-8") as log:
        log.write(text)
    return path


# --- host tests and fuzzers -------------------------------------------------------------------

def host_job(options, tests):
    def narrow(selection):
        return lambda: run(selection)

    def run(selection=""):
        binary = os.path.join(options.build, "host", "labyrinth-host-tests")
        process = subprocess.run([binary] + ([selection] if selection else []),
                                 capture_output=True, timeout=600)
        text = process.stdout.decode("utf-8", "replace")
        errors = process.stderr.decode("utf-8", "replace")
        log = save_log(options, "host", text + errors)
        results = ktap_results("host ", text, [], True, log)
        if process.returncode not in (0, 1) or errors.strip():
            results.append(Result("host (exit)", False,
                                  [f"exit status {process.returncode}", f"log: {log}"] +
                                  errors.strip().splitlines()[-15:]))
        return results
    return Job("host", run, tests=tests, narrow=narrow)


def seed_files(directory):
    """The seed inputs under directory (libFuzzer reads subdirectories too), or []."""
    return [os.path.join(root, name) for root, _, names in os.walk(directory) for name in names]


def fuzz_job(options, target, seconds):
    """Runs a fuzzer for `seconds` on its seeds (tests/fuzz/seeds/<target>, read-only) and the
    corpus it grew before (build/fuzz/corpus-<target>, where new inputs go)."""
    def run():
        seeds = os.path.join(qemu.TOP, "tests", "fuzz", "seeds", target)
        seed_count = len(seed_files(seeds))
        if not seed_count:
            return [Result(f"fuzz {target}", False,
                           [f"no seeds: {os.path.relpath(seeds, qemu.TOP)} is missing or empty",
                            "see tests/fuzz/seeds/README.md"])]
        binary = os.path.join(options.build, "fuzz", target)
        corpus = os.path.join(options.build, "fuzz", "corpus-" + target)
        artifacts = os.path.join(options.build, "fuzz", "artifacts-" + target) + os.sep
        os.makedirs(corpus, exist_ok=True)
        os.makedirs(artifacts, exist_ok=True)
        command = [binary, f"-max_total_time={seconds}", "-timeout=10", "-rss_limit_mb=2048",
                   "-print_final_stats=1", f"-artifact_prefix={artifacts}", corpus, seeds]
        process = subprocess.run(command, capture_output=True, timeout=seconds + 120)
        text = (process.stdout + process.stderr).decode("utf-8", "replace")
        log = save_log(options, "fuzz-" + target, text)
        return [fuzz_result(target, seconds, seeds, seed_count, process.returncode, text, log)]
    return Job("fuzz-" + target, run)


def fuzz_result(target, seconds, seeds, seed_count, status, text, log):
    """One line: seeds read, inputs run, exit status, the crash file if any."""
    runs = re.search(r"stat::number_of_executed_units:\s*(\d+)", text)
    read = re.search(r"INFO:\s+(\d+) files found in " + re.escape(seeds), text)
    crash = re.search(r"Test unit written to (\S+)", text)
    summary = f"{read.group(1) if read else '?'} seeds, " \
        f"{runs.group(1) if runs else '?'} inputs in {seconds} s, exit {status}"
    if crash:
        summary += f", crash {os.path.relpath(crash.group(1))}"
    problems = [] if status == 0 else [f"exit status {status}"]
    if not read or int(read.group(1)) != seed_count:
        problems.append(f"libFuzzer did not read the {seed_count} seeds in {seeds}")
    details = [] if not problems else problems + [f"log: {log}"] + \
        text.strip().splitlines()[-20:]
    return Result(f"fuzz {target} ({summary})", not problems, details)


# --- checks of the tree itself: the layers point one way, the docs name what exists ----------

def tree_check_job(name, script):
    def run():
        path = os.path.join(qemu.TOP, "tools", script)
        process = subprocess.run([sys.executable, path, qemu.TOP], capture_output=True,
                                 text=True, timeout=120)
        lines = (process.stdout + process.stderr).strip().splitlines()
        return [Result(f"tree {name} ({lines[-1] if lines else 'no output'})",
                       process.returncode == 0, lines[-30:])]
    return Job("tree-" + name, run)


# --- kernel boots with selftest ---------------------------------------------------------------

@dataclass
class Boot:
    name: str
    machine: Machine
    cmdline: str = ""
    preload: str = ""
    timeout: int = 120
    per_case: bool = False
    alone: bool = False


# selftest_ram tells the memory-map test how much RAM QEMU was given (minus a cutmem hole),
# selftest_cpus the SMP test how many CPUs (-smp); acpi=off runs the 8259 and the PIT.
BOOTS = [
    Boot("pc-128M", Machine("pc", "128M"), "selftest_ram=128M", per_case=True, alone=True),
    # q35's own card is an e1000e: this boot adds an e1000, for the e1000 suite on q35.
    Boot("q35-128M", Machine("q35", "128M", extra=["-nic", "user,model=e1000"]),
         "selftest_ram=128M"),
    Boot("pc-64M", Machine("pc", "64M"), "selftest_ram=64M"),
    # The smallest guest the test ISOs boot: at 4 MiB GRUB never starts the kernel (make run's
    # ISO, with its menu on the serial line, still does), at 3 MiB it runs out of memory.
    Boot("pc-5M", Machine("pc", "5M"), "selftest_ram=5M"),
    Boot("pc-1G", Machine("pc", "1G"), "selftest_ram=1G"),
    Boot("pc-8G", Machine("pc", "8G"), "selftest_ram=8G", timeout=300),
    Boot("q35-8G-cpu-max", Machine("q35", "8G", cpu="max"), "selftest_ram=8G", timeout=300),
    Boot("pc-1G-cutmem", Machine("pc", "1G"), "selftest_ram=960M", preload="cutmem 256M 320M"),
    # UEFI firmware (OVMF) and 4 CPUs together.
    Boot("q35-uefi-512M-smp4", Machine("q35", "512M", cpus=4, extra=[
        "-bios", "/usr/share/ovmf/OVMF.fd"]), "selftest_ram=512M selftest_cpus=4", timeout=300),
    # OVMF keeps ~5.5 MiB for itself: at 128 MiB that is over 4 % of memory.
    Boot("q35-uefi-128M", Machine("q35", "128M", extra=["-bios", "/usr/share/ovmf/OVMF.fd"]),
         "selftest_ram=128M"),
    # A CPU without NX: data is executable there, and the tests must expect what it can do.
    Boot("pc-128M-no-nx", Machine("pc", "128M", cpu="qemu64,-nx"), "selftest_ram=128M"),
    Boot("pc-128M-8259", Machine("pc", "128M"), "selftest_ram=128M acpi=off selftest_cpus=1"),
] + [
    # Every CPU count on both machines, each guest CPU a host thread (tcg,thread=multi); q35
    # with an e1000 too, so the card's level-triggered PCI interrupt goes through the IOAPIC.
    Boot(f"{machine}-128M-smp{cpus}",
         Machine(machine, "128M", cpus=cpus,
                 extra=["-nic", "user,model=e1000"] if machine == "q35" else []),
         f"selftest_ram=128M selftest_cpus={cpus}", timeout=400)
    for machine, cpus in (("pc", 2), ("q35", 2), ("pc", 4), ("q35", 4), ("pc", 8), ("q35", 8))
]


def boot_job(options, boot, tests):
    def narrow(selection):
        return lambda: run(selection)

    def run(selection=""):
        expected_suites = list(suites.selected(selection, tests))
        cmdline = (("selftest=" + selection if selection else "selftest") + " " +
                   boot.cmdline).strip()
        iso = qemu.make_iso(options, "boot-" + boot.name, cmdline, boot.preload)
        result = qemu.run_to_exit(options, boot.machine, iso, boot.timeout)
        log = save_log(options, "boot-" + boot.name, result.output)
        prefix = f"boot {boot.name} "
        results = ktap_results(prefix, result.output, expected_suites, boot.per_case, log)
        results.append(exit_result(prefix, result, log))
        return results
    heavy = boot.machine.memory.endswith("G") and int(boot.machine.memory[:-1]) >= 8
    return Job("boot-" + boot.name, run, boot.alone, heavy, tests, narrow)


def exit_result(prefix, run, log):
    """Checks how the boot ended: the debug-exit code, no panic, no unexpected exception."""
    problems = []
    if run.status is None:
        problems.append(f"timed out after {run.seconds:.0f} s")
    elif run.status not in (qemu.EXIT_PASS, qemu.EXIT_FAIL):
        problems.append(f"QEMU exited with status {run.status} (not via debug-exit)")
    elif run.status == qemu.EXIT_FAIL:
        problems.append("the kernel reported failures (debug-exit 0x11)")
    for marker in ("Kernel panic", "*** Unexpected"):
        if marker in run.output:
            problems.append(f"'{marker}' in the output")
    details = problems + [f"log: {log}"] + \
        (run.output.strip().splitlines()[-25:] if problems else [])
    return Result(f"{prefix}(exit, {run.seconds:.1f} s)", not problems, details)


# Bochs: 128 MiB keeps it to about 20 s (it emulates each instruction); selftest_ram as above.
BOCHS_MEGS = 128
BOCHS_TIMEOUT = 240


def bochs_job(options, expected_suites):
    def run():
        iso = qemu.make_iso(options, "boot-bochs", f"selftest selftest_ram={BOCHS_MEGS}M")
        result = bochs.run_to_end(options, "boot-bochs", iso, BOCHS_MEGS, BOCHS_TIMEOUT)
        log = save_log(options, "boot-bochs", result.output)
        results = ktap_results("boot bochs ", result.output, expected_suites, False, log)
        results.append(bochs_end_result(result, log))
        return results
    return Job("boot-bochs", run)


def bochs_end_result(run, log):
    """Checks how the Bochs boot ended: the selftest's verdict line, no panic, no timeout."""
    problems = []
    if run.verdict == "FAILED":
        problems.append("the kernel reported failures ('selftest: FAILED')")
    elif run.verdict != "all suites passed":
        problems.append("Bochs exited by itself (status {})".format(run.exited)
                        if run.exited is not None else
                        f"no end line within {run.seconds:.0f} s")
    for marker in ("Kernel panic", "*** Unexpected", "Kernel stopped."):
        if marker in run.output:
            problems.append(f"'{marker}' in the output")
    details = problems + [f"log: {log}"]
    if problems:
        details += run.output.strip().splitlines()[-25:]
        details += ["Bochs' console:"] + run.console.strip().splitlines()[-10:]
    return Result(f"boot bochs (end, {run.seconds:.1f} s)", not problems, details)

# --- Linux's KTAP reader on our output ---------------------------------------------------------

def mutated(text):
    """The log with its first case failed (with a diagnostic) and its second skipped, so the
    two readers are compared on every kind of result, not only on passes."""
    lines, changed = text.splitlines(), 0
    for index, line in enumerate(lines):
        match = re.match(r"^    ok (\d+) (\S+)$", line)
        if match and changed == 0:
            lines[index:index + 1] = [f"    # {match.group(2)}: EXPECTATION FAILED at x.c:1",
                                      f"    not ok {match.group(1)} {match.group(2)}"]
            changed = 1
        elif match and changed == 1:
            lines[index] = f"{line} # SKIP made up for the comparison"
            changed = 2
        elif changed == 2 and re.match(r"^ok \d+ ", line):
            lines[index] = "not " + line
            break
    return "\n".join(lines) + "\n"


def kunit_job(options):
    """A full selftest boot, captured, read by Linux's kunit_tool (from the linux-source
    package) and by tests/ktap.py: kunit_tool must find no error and agree on every case."""
    def run():
        tool = kunit_compat.kunit_tool(options.build)
        if not tool:
            return [Result("ktap Linux kunit_tool reads the kernel's KTAP", True,
                           ["the linux-source package is not installed (make deps-test)"],
                           skipped=True)]
        iso = qemu.make_iso(options, "kunit", "selftest selftest_ram=128M")
        boot = qemu.run_to_exit(options, Machine("pc", "128M"), iso, 120)
        results = []
        for name, text in (("kunit-selftest", boot.output),
                           ("kunit-selftest-mutated", mutated(boot.output))):
            log = save_log(options, name, text)
            statuses, errors, summary = kunit_compat.parse(tool, log)
            differences = kunit_compat.compare(ktap.parse(text), statuses)
            tests = sum(len(cases) for cases in statuses.values())
            results.append(Result(
                f"ktap Linux kunit_tool reads {'a failing copy of ' if 'mutated' in name else ''}"
                f"the kernel's KTAP ({tests} tests in {len(statuses)} suites, {len(errors)} "
                f"errors, {len(differences)} differences)",
                bool(statuses) and not errors and not differences,
                errors + differences + [f"kunit_tool: {summary}", f"log: {log}"]))
        return results
    return Job("ktap-kunit", run)


# --- the labs: each checked both ways -----------------------------------------------------------

def lab_markers_job():
    def run():
        process = subprocess.run([sys.executable, os.path.join(qemu.TOP, "tools", "lab.py"),
                                  "check"], capture_output=True, text=True, timeout=120)
        lines = (process.stdout + process.stderr).strip().splitlines()
        return [Result(f"tree labs ({lines[-1] if lines else 'no output'})",
                       process.returncode == 0, lines[-30:])]
    return Job("tree-labs", run)


def run_grader(options, top, build, name):
    """Runs tests/grade.py in a tree; returns (exit status, output, score, possible)."""
    process = subprocess.run([sys.executable, os.path.join(top, "tests", "grade.py"),
                              "--build", build, "--lab", name, "--qemu", options.qemu,
                              "--accel", options.accel], cwd=top, capture_output=True,
                             text=True, timeout=900)
    output = process.stdout + process.stderr
    score = re.search(r"^Score: (\d+)/(\d+)$", output, re.M)
    return (process.returncode, output, int(score.group(1)) if score else None,
            int(score.group(2)) if score else None)


def student_tree_fails_loudly(options, tree, name):
    """In the student tree, whose kernel fails its lab's tests: `make check` exits 1 and `make
    run` with selftest exits non-zero (the kernel left QEMU through debug-exit with 35)."""
    suite = next(item["kernel"] for item in labs.table()[name]["graded"] if "kernel" in item)
    suite = suite.split(".")[0]
    common = ["make", "-s", "--no-print-directory", f"QEMU={options.qemu}",
              f"ACCEL={options.accel}"]
    check = subprocess.run(common + ["check", f"SUITE={suite}"], cwd=tree, capture_output=True,
                           text=True, timeout=300)
    run = subprocess.run(common + ["run", f"CMDLINE=selftest={suite}"], cwd=tree,
                         capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    closing = (check.stdout.strip().splitlines() or [""])[-1]
    problems = []
    if check.returncode != 2 or not re.match(r"^\d+ passed, [1-9]\d* failed", closing):
        problems.append(f"make check SUITE={suite}: exit {check.returncode}, closing line "
                        f"'{closing}' (expected make's 2 and failures)")
    if run.returncode == 0 or "the kernel reported failure" not in run.stderr:
        problems.append(f"make run CMDLINE=selftest={suite}: exit {run.returncode}, "
                        f"{run.stderr.strip()[-200:]!r}")
    return Result(f"lab {name}: in the student tree make check and make run fail", not problems,
                  problems)


def lab_job(options, name):
    """The full tree scores full marks; the student tree (tools/lab.py write) builds, boots and
    scores less, and the grader gets through it."""
    def run():
        if labs.this_lab(qemu.TOP):
            return [Result(f"lab {name} (a student tree: make grade scores it)", True,
                           skipped=True)]
        status, output, score, possible = run_grader(
            options, qemu.TOP, os.path.relpath(options.build, qemu.TOP), name)
        log = save_log(options, f"lab-{name}-full", output)
        results = [Result(f"lab {name}: the full tree scores {score}/{possible}",
                          status == 0 and score is not None and score == possible,
                          [f"grader exit status {status}", f"log: {log}"] +
                          output.strip().splitlines()[-30:])]
        tree = os.path.join(options.build, "labs", name)
        labs.write(name, tree)
        labs.seed_build(options.build, os.path.join(tree, "build"))
        status, output, score, possible = run_grader(options, tree, "build", name)
        log = save_log(options, f"lab-{name}-student", output)
        problems = []
        if status != 1 or score is None:
            problems.append(f"the grader ended with status {status} and no score below full "
                            f"marks (expected status 1)")
        elif score >= possible:
            problems.append("the placeholders alone score full marks")
        for marker, why in (("build failed", "the student tree does not build"),
                            ("before the tests started", "the student kernel did not boot to "
                             "its tests")):
            if marker in output:
                problems.append(why)
        results.append(Result(f"lab {name}: the student tree builds, boots and scores "
                              f"{score}/{possible}", not problems,
                              problems + [f"log: {log}"] + output.strip().splitlines()[-30:]))
        return results
    return Job("lab-" + name, run)


def lab_commands_job(options, name):
    """make check and make run in a student tree of its own (a job apart, so that it runs
    beside the grading instead of after it)."""
    def run():
        if labs.this_lab(qemu.TOP):
            return [Result(f"lab {name} commands (a student tree)", True, skipped=True)]
        tree = os.path.join(options.build, "labs", name + "-commands")
        labs.write(name, tree)
        labs.seed_build(options.build, os.path.join(tree, "build"))
        return [student_tree_fails_loudly(options, tree, name)]
    return Job(f"lab-{name}-commands", run)


# --- the benchmark, quickly: it must keep working; nothing is asserted about speed ------------

BENCH_CASES = ("pair", "burst_alloc", "burst_free", "mixed", "reserve_take", "reserve_return",
               "bare_list_pair", "bitmap_pair", "bitmap_burst_alloc", "bitmap_mixed")
KERNEL_BENCH_CASES = ("pair", "pair_irqs_on", "burst_alloc", "mixed", "take_in_irq_plentiful",
                      "take_in_irq_exhausted", "bare_list_pair", "bitmap_pair",
                      "rx_handler_plentiful", "rx_refill_take_plentiful", "rx_handler_exhausted",
                      "rx_refill_take_exhausted")


def bench_job(options):
    def run():
        script = os.path.join(qemu.TOP, "tests", "bench", "run_bench.py")
        process = subprocess.run([sys.executable, script, "--build", options.build,
                                  "--qemu", options.qemu, "--quick"],
                                 capture_output=True, text=True, timeout=600)
        log = save_log(options, "bench-quick", process.stdout + process.stderr)
        problems = [] if process.returncode == 0 else [f"exit status {process.returncode}"]
        results_path = os.path.join(options.build, "bench-quick", "results.json")
        if not problems:
            with open(results_path, encoding="utf-8") as results_file:
                results = json.load(results_file)
            host = next(iter(results["host"].values()))["cases"]
            kernel = next(iter(results["kernel"].values()))
            problems += [f"host case {c} missing" for c in BENCH_CASES if c not in host]
            problems += [f"kernel case {c} missing" for c in KERNEL_BENCH_CASES
                         if c not in kernel["cases"]]
            problems += [f"{where} CDF of {case} has {len(values)} points, not 101"
                         for where, result in (("host", next(iter(results["host"].values()))),
                                               ("kernel", kernel))
                         for case, values in result["cdf"].items() if len(values) != 101]
            if kernel.get("tsc_unit") != "instructions":
                problems.append("under -icount shift=0 the TSC did not count instructions")
        details = problems + [f"log: {log}"] + (process.stdout.splitlines()[-15:] +
                                                process.stderr.splitlines()[-15:]
                                                if problems else [])
        return [Result("bench quick (host and kernel; no speed asserted)", not problems,
                       details)]
    return Job("bench-quick", run)


# --- checks and interactive tests -------------------------------------------------------------

def module_jobs(options, module_name, kind):
    """Jobs for each test a module lists in TESTS: (name, function(context) -> None); those
    it names in ALONE are timing-sensitive and run by themselves."""
    module = importlib.import_module(module_name)
    alone = getattr(module, "ALONE", ())
    jobs = []
    for name, function in module.TESTS:
        def run(name=name, function=function):
            context = Context(options, f"{kind}-{name}")
            try:
                function(context)
                return [Result(f"{kind} {name}", True)]
            except Skipped as skip:  # a skip is reported as one, never as a pass
                return [Result(f"{kind} {name}", True, [f"skipped: {skip}"] + context.notes,
                               True)]
            except Exception as error:  # noqa: BLE001 - a test failure of any kind
                return [Result(f"{kind} {name}", False,
                               [f"{type(error).__name__}: {error}"] + context.notes)]
            finally:
                context.close()
        jobs.append(Job(f"{kind}-{name}", run, alone=name in alone))
    return jobs


class Context:
    """What a check or e2e test gets: ISOs, boots, sessions, and a place for notes."""

    def __init__(self, options, name):
        self.options, self.name, self.notes, self.sessions = options, name, [], []

    def iso(self, cmdline, preload=""):
        return qemu.make_iso(self.options, self.name, cmdline, preload)

    def boot(self, cmdline, machine=None, preload="", timeout=60):
        machine = machine or Machine()
        run = qemu.run_to_exit(self.options, machine, self.iso(cmdline, preload), timeout)
        self.notes.append(f"log: {save_log(self.options, self.name, run.output)}")
        return run

    def session(self, cmdline="", machine=None, preload=""):
        log = os.path.join(self.options.build, "test", "logs", self.name + ".log")
        os.makedirs(os.path.dirname(log), exist_ok=True)
        session = qemu.Session(self.options, machine or Machine(), self.iso(cmdline, preload),
                               log)
        self.sessions.append(session)
        self.notes.append(f"log: {log}")
        return session

    def close(self):
        for session in self.sessions:
            session.close()


# --- running and reporting --------------------------------------------------------------------

def all_jobs(options, args):
    jobs = [tree_check_job("layout", "check_layout.py"), tree_check_job("docs", "check_docs.py"),
            lab_markers_job(), host_job(options, suites.registered("host"))]
    jobs += [fuzz_job(options, target, args.fuzz_seconds) for target in args.fuzz]
    kernel_tests = suites.registered("kernel")
    jobs += [boot_job(options, boot, kernel_tests) for boot in BOOTS]
    jobs.append(bochs_job(options, kernel_tests))
    jobs += module_jobs(options, "checks", "check")
    jobs += module_jobs(options, "tooling", "tooling")
    jobs.append(kunit_job(options))
    for name in labs.table():
        jobs += [lab_job(options, name), lab_commands_job(options, name)]
    jobs.append(bench_job(options))
    for file in sorted(os.listdir(os.path.join(qemu.TOP, "tests", "e2e"))):
        if file.endswith(".py") and not file.startswith("_"):
            jobs += module_jobs(options, "e2e." + file[:-3], "e2e")
    return jobs


HEAVY = threading.Semaphore(1)


def run_job(job):
    """Runs a job; returns (job, its results, seconds)."""
    started = time.monotonic()
    try:
        if job.heavy:
            with HEAVY:
                results = job.run()
        else:
            results = job.run()
    except Exception as error:  # noqa: BLE001 - a broken job is a failed test, not a crash
        results = [Result(job.name, False, [f"{type(error).__name__}: {error}"])]
    return job, results, time.monotonic() - started


def select(jobs, pattern):
    """The jobs --only keeps: those whose name matches, whole; of the others, the KTAP jobs
    with suites or cases that match ("<job> <suite>.<case>", so "page_alloc" or
    "boot-pc-128M page_alloc.zeroed"), narrowed to those."""
    kept = []
    for job in jobs:
        if re.search(pattern, job.name):
            kept.append(job)
        elif job.tests:
            selection = suites.matching(pattern, job.name, job.tests)
            if selection:
                job.run, job.selection = job.narrow(selection), selection
                kept.append(job)
    return kept


def print_result(result):
    status = "SKIP" if result.skipped else "PASS" if result.ok else "FAIL"
    print(f"{status}  {result.name}", flush=True)
    if not result.ok:
        for line in result.details:
            print(f"      {line}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default="build")
    parser.add_argument("--accel", default="tcg")
    parser.add_argument("--qemu", default="qemu-system-x86_64")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--only", help="run only the jobs, suites and cases that match this "
                        "regex ('<job>' or '<job> <suite>.<case>')")
    parser.add_argument("--list", action="store_true", help="list the jobs and stop")
    parser.add_argument("--fuzz", nargs="*", default=[])
    parser.add_argument("--fuzz-seconds", type=int, default=20)
    parser.add_argument("--results", help="where results.json and junit.xml go "
                        "(default: BUILD/test)")
    args = parser.parse_args()
    options = qemu.Options(os.path.abspath(args.build), args.qemu, args.accel)

    jobs = all_jobs(options, args)
    if args.only:
        jobs = select(jobs, args.only)
    if args.list:
        print("\n".join(job.name + (f" ({job.selection})" if job.selection else "")
                        for job in jobs))
        return 0

    started = time.monotonic()
    done = []
    passed = failed = skipped = 0

    def report(outcome):
        nonlocal passed, failed, skipped
        done.append(outcome)
        for result in outcome[1]:
            print_result(result)
            skipped += result.skipped
            passed += result.ok and not result.skipped
            failed += not result.ok and not result.skipped

    # Timing-sensitive jobs first, one at a time, while nothing else loads the machine.
    for job in (job for job in jobs if job.alone):
        report(run_job(job))
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = [pool.submit(run_job, job) for job in jobs if not job.alone]
        for future in futures:
            report(future.result())
    if not jobs:
        print("no tests matched")
        failed += 1
    written = results_files.write(args.results or os.path.join(options.build, "test"),
                                  options.build, done, status_of)
    print(f"({len(jobs)} jobs in {time.monotonic() - started:.0f} s; results in "
          f"{', '.join(os.path.relpath(path) for path in written)})")
    print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
