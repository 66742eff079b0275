"""tests/tooling.py - checks of the tools around the kernel, the ones a course leans on: the
runner's result files (kunit_tool's JSON layout, JUnit XML), `make run`'s exit status, `make
check`, `make help` against the Makefile's targets, `make compile_commands.json`, the docs'
code built into a kernel. Each test gets a runner
Context and raises AssertionError (with a reason) on failure.
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "tests"))
import results_files  # noqa: E402
from runner import Job, Result, status_of  # noqa: E402

KUNIT_GROUP_KEYS = {"name", "sub_groups", "test_cases", "misc", "arch", "defconfig",
                    "build_environment", "lab_name", "kernel", "job", "git_branch"}


def make(context, *arguments, timeout=120):
    return subprocess.run(["make", "-s", "--no-print-directory", *arguments,
                           f"BUILD={context.options.build}"], cwd=TOP, capture_output=True,
                          text=True, timeout=timeout)


def check_group(group, path="top"):
    """Every group has kunit_tool's keys; its misc counts add up."""
    assert set(group) == KUNIT_GROUP_KEYS, f"{path}: keys {sorted(group)}"
    for case in group["test_cases"]:
        assert set(case) == {"name", "status"}, f"{path}: case {case}"
        assert case["status"] in ("PASS", "FAIL", "SKIP", "ERROR"), f"{path}: {case}"
    total = len(group["test_cases"])
    for sub in group["sub_groups"]:
        check_group(sub, f"{path}/{sub['name']}")
        total += sub["misc"]["tests"]
    assert group["misc"]["tests"] == total, f"{path}: misc says {group['misc']}, found {total}"


def result_files_have_kunit_and_junit_layouts(context):
    """A real run of the runner (the host suite of selections), then made-up results of every
    kind: the JSON nests job > suite > case as kunit_tool does, the JUnit XML counts right."""
    with tempfile.TemporaryDirectory() as out:
        process = subprocess.run(
            [sys.executable, os.path.join(TOP, "tests", "runner.py"), "--build",
             context.options.build, "--only", "^host ktest_selection", "--results", out],
            capture_output=True, text=True, timeout=300)
        assert process.returncode == 0, process.stdout[-1000:] + process.stderr[-1000:]
        with open(os.path.join(out, "results.json"), encoding="utf-8") as file:
            top = json.load(file)
        check_group(top)
        host = top["sub_groups"][0]
        assert host["name"] == "host", host["name"]
        suite = host["sub_groups"][0]
        assert suite["name"] == "ktest_selection" and suite["misc"]["passed"] == 2, suite
        junit = ElementTree.parse(os.path.join(out, "junit.xml")).getroot()
        assert junit.get("tests") == "2" and junit.get("failures") == "0", junit.attrib

        made_up = Job("made-up", None)
        results = [Result("made-up a/x", True, suite="a", case="x"),
                   Result("made-up a/y", False, ["# y: EXPECTATION FAILED"], suite="a",
                          case="y"),
                   Result("made-up a/z", True, skipped=True, suite="a", case="z"),
                   Result("made-up b", False, ["case w failed"], suite="b",
                          cases=[("v", "PASS"), ("w", "FAIL")]),
                   Result("made-up (exit, 1.0 s)", True)]
        results_files.write(out, context.options.build, [(made_up, results, 1.5)], status_of)
        with open(os.path.join(out, "results.json"), encoding="utf-8") as file:
            top = json.load(file)
        check_group(top)
        assert top["misc"] == {"tests": 6, "passed": 3, "failed": 2, "crashed": 0,
                               "skipped": 1, "errors": 0}, top["misc"]
        junit = ElementTree.parse(os.path.join(out, "junit.xml")).getroot()
        suite = junit.find("testsuite")
        assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == \
            ("5", "2", "1"), suite.attrib
        failure = suite.find("testcase[@name='y']/failure")
        assert failure is not None and "EXPECTATION FAILED" in failure.text


def make_run_fails_when_the_kernel_does(context):
    """make run: QEMU's status 33 (halt, tests passed) and 0 are success; 35 (the kernel
    reported failure through debug-exit) and anything else fail. QEMU is a stand-in here
    that exits with the status under test, so no boot is needed."""
    for status, expected in ((33, 0), (0, 0), (35, 35), (1, 1)):
        process = make(context, "run", f"QEMU=sh -c 'exit {status}' qemu", "CMDLINE=")
        assert process.returncode == (0 if expected == 0 else 2), \
            f"QEMU status {status}: make exited {process.returncode}\n{process.stderr}"
        if status == 35:
            assert "the kernel reported failure" in process.stderr, process.stderr


def make_check_runs_just_the_selection(context):
    """make check SUITE=<a case>,<a suite>: one boot, those tests only, the closing line, exit
    0; a name nothing registers is refused before any boot (exit 2 from make)."""
    process = make(context, "check", "SUITE=printk.snprintf_reports_full_length,spinlock")
    assert process.returncode == 0, process.stdout[-1500:] + process.stderr[-500:]
    lines = process.stdout.splitlines()
    assert lines[-1] == "4 passed, 0 failed", lines[-3:]
    ran = [line.split()[-1] for line in lines if re.match(r"^    ok \d+ ", line)]
    assert ran == ["snprintf_reports_full_length", "nested_irqsave_restores_outermost_state",
                   "irqsave_with_interrupts_off_leaves_them_off",
                   "tick_is_delivered_right_after_outermost_restore"], ran
    process = make(context, "check", "SUITE=printk.no_such_case")
    assert process.returncode == 2 and "no case 'no_such_case' in suite 'printk'" in \
        process.stderr, process.stderr


def phony_targets():
    with open(os.path.join(TOP, "Makefile"), encoding="utf-8") as file:
        text = file.read()
    phony = re.search(r"^\.PHONY:((?:.*\\\n)*.*)$", text, re.M)
    return phony.group(1).replace("\\\n", " ").split()


def make_help_lists_every_target_and_variable(context):
    """Every .PHONY target and every variable the Makefile lets a user set (NAME ?= ...)
    has its line in `make help`, one line each."""
    process = make(context, "help")
    assert process.returncode == 0, process.stderr
    listed = {line.split()[0] for line in process.stdout.splitlines()
              if line.startswith("  ") and line.split()}
    missing = [target for target in phony_targets() if target not in listed]
    assert not missing, f"targets missing from make help: {missing}"
    with open(os.path.join(TOP, "Makefile"), encoding="utf-8") as file:
        variables = re.findall(r"^([A-Z_]+)\s*\?=", file.read(), re.M)
    missing = [name for name in variables if name not in listed]
    assert not missing, f"variables missing from make help: {missing}"
    long_lines = [line for line in process.stdout.splitlines() if len(line) > 100]
    assert not long_lines, f"lines longer than 100 characters: {long_lines[:2]}"
    continued = [line for line in process.stdout.splitlines() if line.startswith("   ")]
    assert not continued, f"an entry takes more than one line: {continued[:2]}"


def compile_commands_cover_every_source(context):
    """make compile_commands.json: one entry per kernel C source, with the kernel's flags,
    and each command compiles as written (checked on one file)."""
    process = make(context, "compile_commands.json", timeout=300)
    assert process.returncode == 0, process.stderr[-1000:]
    with open(os.path.join(TOP, "compile_commands.json"), encoding="utf-8") as file:
        entries = json.load(file)
    files = {os.path.relpath(entry["file"], TOP) for entry in entries}
    for wanted in ("kernel/main.c", "mm/buddy.c", "services/shell/commands/uptime.c",
                   "tests/kernel/page_alloc_test.c"):
        assert wanted in files, f"{wanted} has no entry"
    entry = next(e for e in entries if e["file"].endswith("mm/buddy.c"))
    command = entry.get("arguments") or entry["command"].split()
    assert "-mcmodel=kernel" in command and "-ffreestanding" in command, command
    with tempfile.TemporaryDirectory() as out:
        arguments = list(command)
        arguments[arguments.index("-o") + 1] = os.path.join(out, "buddy.o")
        compiled = subprocess.run(arguments, cwd=entry["directory"], capture_output=True,
                                  text=True, timeout=120)
        assert compiled.returncode == 0, compiled.stderr[-1000:]


def docs_snippets_build_and_run(context):
    """Every ```c compile block of the README and the docs (the how-to pages' code) is built
    into a throwaway kernel, next to everything else; a block with selftest=<suite> has its
    suite run in that kernel, and it must pass."""
    sys.path.insert(0, os.path.join(TOP, "tools"))
    import check_docs
    import lab
    found = check_docs.snippets(TOP)
    assert found, "no ```c compile blocks in the docs"
    build = os.path.join(context.options.build, "docs-snippets")
    directory = os.path.join(build, "snippets")
    os.makedirs(directory, exist_ok=True)
    lab.seed_build(context.options.build, build)  # only the snippets and the link are new
    sources = []
    for block in found:
        name = re.sub(r"\W", "_", f"{block.page}_{block.line}") + ".c"
        path = os.path.join(directory, name)
        text = "\n".join(block.lines) + "\n"
        if not os.path.exists(path) or open(path, encoding="utf-8").read() != text:
            with open(path, "w", encoding="utf-8") as file:
                file.write(text)
        sources.append(os.path.relpath(path, TOP))
    process = subprocess.run(
        ["make", "-s", "--no-print-directory", f"BUILD={os.path.relpath(build, TOP)}",
         f"EXTRA_SOURCES={' '.join(sources)}", f"{os.path.relpath(build, TOP)}/labyrinth.elf"],
        cwd=TOP, capture_output=True, text=True, timeout=600)
    where = {source: f"{block.page}:{block.line}" for source, block in zip(sources, found)}
    message = process.stdout + process.stderr
    for source, page in where.items():
        message = message.replace(source + ":", f"{page} (as {source}):")
    assert process.returncode == 0, "the docs' code does not build:\n" + message[-3000:]
    suites = [block.attribute("selftest") for block in found if block.attribute("selftest")]
    if suites:
        options = context.options
        iso = os.path.join(build, "snippets.iso")
        subprocess.run([os.path.join(TOP, "tools", "mkiso.sh"),
                        os.path.join(build, "labyrinth.elf"), iso,
                        f"selftest={','.join(suites)}"], check=True, stdout=subprocess.DEVNULL)
        import qemu
        run = qemu.run_to_exit(options, qemu.Machine(), iso, 60)
        report = __import__("ktap").parse(run.output)
        ran = {suite.name: suite.ok for suite in report.suites}
        for block in found:
            suite = block.attribute("selftest")
            if suite:
                assert ran.get(suite), f"{block.page}:{block.line}: suite {suite} " + \
                    ("failed" if suite in ran else "did not run") + ":\n" + run.output[-1500:]


TESTS = [
    ("result-files-have-kunit-and-junit-layouts", result_files_have_kunit_and_junit_layouts),
    ("make-run-fails-when-the-kernel-does", make_run_fails_when_the_kernel_does),
    ("make-check-runs-just-the-selection", make_check_runs_just_the_selection),
    ("make-help-lists-every-target-and-variable", make_help_lists_every_target_and_variable),
    ("compile-commands-cover-every-source", compile_commands_cover_every_source),
    ("docs-snippets-build-and-run", docs_snippets_build_and_run),
]
