"""tests/ktap.py - parses KTAP version 1 as Labyrinth's test framework prints it (the layout
Linux KUnit uses): a top-level plan of suites, each suite an indented subtest with its own
plan and case results, then the suite's own result line.

The parser is strict about what a runner must not miss: no header, a plan that disagrees with
the results, numbers out of order, a suite cut off in the middle. Every such problem lands in
`Report.errors`. Lines that are not KTAP (the kernel's ordinary log lines, firmware escape
codes before the kernel starts) are ignored.
"""

import re
from dataclasses import dataclass, field

HEADER = "KTAP version 1"
PLAN = re.compile(r"^1\.\.(\d+)$")
RESULT = re.compile(r"^(not ok|ok) (\d+) (\S+)(?: # (SKIP|TODO)\b ?(.*))?$")
SUBTEST = re.compile(r"^# Subtest: (\S+)$")
INDENT = "    "


@dataclass
class Case:
    number: int
    name: str
    ok: bool
    skipped: bool = False
    diagnostics: list = field(default_factory=list)


@dataclass
class Suite:
    name: str
    plan: int = -1
    cases: list = field(default_factory=list)
    ok: bool = False
    finished: bool = False  # its own result line was seen
    diagnostics: list = field(default_factory=list)


@dataclass
class Report:
    plan: int = -1
    suites: list = field(default_factory=list)
    errors: list = field(default_factory=list)


def _clean(line):
    return line.rstrip("\r\n").replace("\r", "")


def _start(lines):
    """Index of the line after the first KTAP header, or None."""
    for index, line in enumerate(lines):
        if HEADER in line and not line.startswith(INDENT):
            return index + 1
    return None


def _case_line(suite, text, pending):
    match = RESULT.match(text)
    if not match:
        if text.startswith("#"):
            pending.append(text)
        return
    ok, number, name, directive, _reason = match.groups()
    case = Case(int(number), name, ok == "ok", directive == "SKIP", pending[:])
    pending.clear()
    suite.cases.append(case)


def _suite_line(report, suite, text):
    match = RESULT.match(text)
    if not match:
        return False
    ok, number, name, _directive, _reason = match.groups()
    if name != suite.name:
        report.errors.append(f"suite result '{name}' does not match subtest '{suite.name}'")
    if int(number) != len(report.suites):
        report.errors.append(f"suite '{name}' numbered {number}, expected {len(report.suites)}")
    suite.ok = ok == "ok"
    suite.finished = True
    return True


def parse(text):
    """Parses kernel or host output; returns a Report."""
    report = Report()
    lines = [_clean(line) for line in text.splitlines()]
    start = _start(lines)
    if start is None:
        report.errors.append("no 'KTAP version 1' header")
        return report
    suite, pending = None, []
    for line in lines[start:]:
        if report.plan < 0:
            match = PLAN.match(line)
            if match:
                report.plan = int(match.group(1))
            continue
        if line.startswith(INDENT):
            inner = line[len(INDENT):]
            match = SUBTEST.match(inner)
            if match:
                suite = Suite(match.group(1))
                report.suites.append(suite)
                pending = []
            elif suite is not None and not suite.finished:
                plan = PLAN.match(inner)
                if plan and suite.plan < 0:
                    suite.plan = int(plan.group(1))
                else:
                    _case_line(suite, inner, pending)
            continue
        if suite is not None and not suite.finished:
            if line.startswith("#"):
                suite.diagnostics.append(line)
            else:
                _suite_line(report, suite, line)
    _check(report)
    return report


def _check(report):
    if report.plan < 0:
        report.errors.append("no top-level plan (1..N)")
    elif report.plan != len(report.suites):
        report.errors.append(f"plan says {report.plan} suites, output has {len(report.suites)}")
    for suite in report.suites:
        if not suite.finished:
            report.errors.append(f"suite '{suite.name}' never finished (crash or hang inside it?)")
        if suite.plan != len(suite.cases):
            report.errors.append(
                f"suite '{suite.name}' planned {suite.plan} cases, reported {len(suite.cases)}")
        for index, case in enumerate(suite.cases, 1):
            if case.number != index:
                report.errors.append(
                    f"suite '{suite.name}': case '{case.name}' numbered {case.number}, "
                    f"expected {index}")
                break
