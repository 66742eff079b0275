"""tests/suites.py - the test suites and cases the tree registers, read from their sources
(tests/kernel/*.c for the kernel, tests/host/*.c for the host program), and the selections
`selftest=` takes: "suite" or "suite.case", several separated by commas.

The kernel checks a selection too (kernel/ktest.c: ktest_selection_problem), and falls back to
every suite on a bad one; reading the sources here lets `make check` and the grader refuse a
typo at once instead of booting a kernel that runs everything.
"""

import os
import re

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CASE_ARRAY = re.compile(r"struct ktest_case (\w+)\[\]\s*=\s*\{(.*?)\};", re.S)
CASE = re.compile(r"KTEST_CASE\((\w+)\)")
SUITE = re.compile(r"^KTEST_SUITE(?:_FULL)?\((\w+),\s*(\w+)", re.M)


def registered(where, top=TOP):
    """{suite: [case, ...]} in registration order within each file, for where in ("kernel",
    "host")."""
    directory = os.path.join(top, "tests", where)
    found = {}
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".c"):
            continue
        with open(os.path.join(directory, name), encoding="utf-8") as source:
            text = source.read()
        arrays = {array: CASE.findall(body) for array, body in CASE_ARRAY.findall(text)}
        for suite, array in SUITE.findall(text):
            found[suite] = arrays.get(array, [])
    return found


def problem(selection, tests):
    """Why the selection names something that is not registered, or None."""
    for item in selection.split(","):
        suite, dot, case = item.partition(".")
        if not item:
            return "an empty name in the list"
        if suite not in tests:
            return f"no suite '{suite}' (suites: {', '.join(sorted(tests))})"
        if dot and case not in tests[suite]:
            return f"no case '{case}' in suite '{suite}' (cases: {', '.join(tests[suite])})"
    return None


def selected(selection, tests):
    """{suite: [case, ...]}: what the selection runs, in the order the kernel runs it."""
    items = selection.split(",") if selection else []
    result = {}
    for suite, cases in tests.items():
        chosen = [case for case in cases
                  if not items or suite in items or f"{suite}.{case}" in items]
        if chosen:
            result[suite] = chosen
    return result


def matching(pattern, prefix, tests):
    """The selection of the tests whose "<prefix> suite.case" matches the regex pattern (a
    whole suite by its name when all its cases match), or "" when none does."""
    regex = re.compile(pattern)
    items = []
    for suite, cases in tests.items():
        chosen = [case for case in cases if regex.search(f"{prefix} {suite}.{case}")]
        if chosen and len(chosen) == len(cases):
            items.append(suite)
        else:
            items += [f"{suite}.{case}" for case in chosen]
    return ",".join(items)
