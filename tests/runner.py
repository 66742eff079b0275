#!/usr/bin/env python3
"""tests/runner.py - runs every Labyrinth test and prints one line per test, then
"N passed, N failed". Exits 1 when anything failed, crashed, hung or went missing.

Jobs (run in parallel, reported in this order):
  tree     the layout check (tools/check_layout.py) and the docs check (tools/check_docs.py)
  host     the host-side suites (build/host/labyrinth-host-tests, ASan + UBSan), as KTAP
  fuzz     each libFuzzer target for a fixed time
  boot     the kernel under QEMU with `selftest`, on several machines and memory sizes, and
           once under Bochs (tests/bochs.py)
  check    boots that check one behaviour from the outside (tests/checks.py)
  e2e      interactive sessions over the serial port and the PS/2 keyboard (tests/e2e/)

Usage: runner.py --build build [--accel tcg] [--qemu qemu-system-x86_64] [--jobs N]
                 [--only REGEX] [--list] [--fuzz TARGET...] [--fuzz-seconds N]
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
import ktap  # noqa: E402
import qemu  # noqa: E402
from qemu import Machine  # noqa: E402


@dataclass
class Result:
    name: str
    ok: bool
    details: list = field(default_factory=list)
    skipped: bool = False


@dataclass
class Job:
    name: str
    run: object  # a function returning a list of Result
    alone: bool = False  # timing-sensitive: run by itself, before the parallel jobs
    heavy: bool = False  # makes the host back gigabytes: never two at once


# --- KTAP output to results -------------------------------------------------------------------

def expected_kernel_suites():
    """Suite names registered in tests/kernel/*.c: every one must report under selftest."""
    names = []
    directory = os.path.join(qemu.TOP, "tests", "kernel")
    pattern = re.compile(r"^KTEST_SUITE(?:_FULL)?\((\w+),", re.M)
    for file in sorted(os.listdir(directory)):
        if file.endswith(".c"):
            with open(os.path.join(directory, file), encoding="utf-8") as source:
                names += pattern.findall(source.read())
    return names


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
                                      case.diagnostics, case.skipped))
            if not suite.ok and all(case.ok for case in suite.cases):
                results.append(Result(f"{prefix}{suite.name}", False, suite.diagnostics))
        else:
            failed = [case for case in suite.cases if not case.ok]
            details = suite.diagnostics[:]
            for case in failed:
                details += [f"case {case.name} failed:"] + case.diagnostics
            results.append(Result(f"{prefix}{suite.name}", suite.ok, details))
    if report.errors:
        results.append(Result(f"{prefix}(output)", False, report.errors + [f"log: {log}"]))
    return results


def save_log(options, name, text):
    directory = os.path.join(options.build, "test", "logs")
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, name + ".log")
    with open(path, "w", encoding="utf-8") as log:
        log.write(text)
    return path


# --- host tests and fuzzers -------------------------------------------------------------------

def host_job(options):
    def run():
        binary = os.path.join(options.build, "host", "labyrinth-host-tests")
        process = subprocess.run([binary], capture_output=True, timeout=600)
        text = process.stdout.decode("utf-8", "replace")
        errors = process.stderr.decode("utf-8", "replace")
        log = save_log(options, "host", text + errors)
        results = ktap_results("host ", text, [], True, log)
        if process.returncode not in (0, 1) or errors.strip():
            results.append(Result("host (exit)", False,
                                  [f"exit status {process.returncode}", f"log: {log}"] +
                                  errors.strip().splitlines()[-15:]))
        return results
    return Job("host", run)


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
    Boot("q35-128M", Machine("q35", "128M"), "selftest_ram=128M"),
    Boot("pc-64M", Machine("pc", "64M"), "selftest_ram=64M"),
    Boot("pc-1G", Machine("pc", "1G"), "selftest_ram=1G"),
    Boot("pc-8G", Machine("pc", "8G"), "selftest_ram=8G", timeout=300),
    Boot("q35-8G-cpu-max", Machine("q35", "8G", cpu="max"), "selftest_ram=8G", timeout=300),
    Boot("pc-1G-cutmem", Machine("pc", "1G"), "selftest_ram=960M", preload="cutmem 256M 320M"),
    Boot("q35-uefi-512M-smp4", Machine("q35", "512M", cpus=4, extra=[
        "-bios", "/usr/share/ovmf/OVMF.fd"]), "selftest_ram=512M selftest_cpus=4", timeout=300),
    Boot("pc-128M-8259", Machine("pc", "128M"), "selftest_ram=128M acpi=off selftest_cpus=1"),
] + [
    # Every CPU count on both machines, each guest CPU a host thread (tcg,thread=multi).
    Boot(f"{machine}-128M-smp{cpus}", Machine(machine, "128M", cpus=cpus),
         f"selftest_ram=128M selftest_cpus={cpus}", timeout=400)
    for machine, cpus in (("pc", 2), ("q35", 2), ("pc", 4), ("q35", 4), ("pc", 8), ("q35", 8))
]


def boot_job(options, boot, expected_suites):
    def run():
        cmdline = ("selftest " + boot.cmdline).strip()
        iso = qemu.make_iso(options, "boot-" + boot.name, cmdline, boot.preload)
        result = qemu.run_to_exit(options, boot.machine, iso, boot.timeout)
        log = save_log(options, "boot-" + boot.name, result.output)
        prefix = f"boot {boot.name} "
        results = ktap_results(prefix, result.output, expected_suites, boot.per_case, log)
        results.append(exit_result(prefix, result, log))
        return results
    heavy = boot.machine.memory.endswith("G") and int(boot.machine.memory[:-1]) >= 8
    return Job("boot-" + boot.name, run, boot.alone, heavy)


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


# --- the benchmark, quickly: it must keep working; nothing is asserted about speed ------------

BENCH_CASES = ("pair", "burst_alloc", "burst_free", "mixed", "reserve_take", "reserve_return",
               "bare_list_pair", "bitmap_pair", "bitmap_burst_alloc", "bitmap_mixed")
KERNEL_BENCH_CASES = ("pair", "pair_irqs_on", "burst_alloc", "mixed", "reserve_take_in_irq",
                      "bare_list_pair", "bitmap_pair")


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
    """Jobs for each test a module lists in TESTS: (name, function(context) -> None)."""
    module = importlib.import_module(module_name)
    jobs = []
    for name, function in module.TESTS:
        def run(name=name, function=function):
            context = Context(options, f"{kind}-{name}")
            try:
                function(context)
                return [Result(f"{kind} {name}", True)]
            except Exception as error:  # noqa: BLE001 - a test failure of any kind
                return [Result(f"{kind} {name}", False,
                               [f"{type(error).__name__}: {error}"] + context.notes)]
            finally:
                context.close()
        jobs.append(Job(f"{kind}-{name}", run))
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

    def session(self, cmdline="", machine=None):
        log = os.path.join(self.options.build, "test", "logs", self.name + ".log")
        os.makedirs(os.path.dirname(log), exist_ok=True)
        session = qemu.Session(self.options, machine or Machine(), self.iso(cmdline), log)
        self.sessions.append(session)
        self.notes.append(f"log: {log}")
        return session

    def close(self):
        for session in self.sessions:
            session.close()


# --- running and reporting --------------------------------------------------------------------

def all_jobs(options, args):
    jobs = [tree_check_job("layout", "check_layout.py"), tree_check_job("docs", "check_docs.py"),
            host_job(options)]
    jobs += [fuzz_job(options, target, args.fuzz_seconds) for target in args.fuzz]
    expected = expected_kernel_suites()
    jobs += [boot_job(options, boot, expected) for boot in BOOTS]
    jobs.append(bochs_job(options, expected))
    jobs += module_jobs(options, "checks", "check")
    jobs.append(bench_job(options))
    for file in sorted(os.listdir(os.path.join(qemu.TOP, "tests", "e2e"))):
        if file.endswith(".py") and not file.startswith("_"):
            jobs += module_jobs(options, "e2e." + file[:-3], "e2e")
    return jobs


HEAVY = threading.Semaphore(1)


def run_job(job):
    try:
        if job.heavy:
            with HEAVY:
                return job.run()
        return job.run()
    except Exception as error:  # noqa: BLE001 - a broken job is a failed test, not a crash
        return [Result(job.name, False, [f"{type(error).__name__}: {error}"])]


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
    parser.add_argument("--only", help="run only jobs whose name matches this regex")
    parser.add_argument("--list", action="store_true", help="list the jobs and stop")
    parser.add_argument("--fuzz", nargs="*", default=[])
    parser.add_argument("--fuzz-seconds", type=int, default=20)
    args = parser.parse_args()
    options = qemu.Options(os.path.abspath(args.build), args.qemu, args.accel)

    jobs = all_jobs(options, args)
    if args.only:
        jobs = [job for job in jobs if re.search(args.only, job.name)]
    if args.list:
        print("\n".join(job.name for job in jobs))
        return 0

    started = time.monotonic()
    passed = failed = 0

    def report(results):
        nonlocal passed, failed
        for result in results:
            print_result(result)
            passed += result.ok
            failed += not result.ok

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
    print(f"({len(jobs)} jobs in {time.monotonic() - started:.0f} s)")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
