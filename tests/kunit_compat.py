"""tests/kunit_compat.py - does Linux's own KTAP reader, kunit_tool's parser, read Labyrinth's
output as our strict parser (tests/ktap.py) does?

Debian ships Linux's sources, kunit_tool included, in the linux-source package (make test's
dependencies install it): /usr/src/linux-source-<version>.tar.xz. The kunit_tool files are
taken out of it once per build directory (build/kunit/, some 20 s) and run as they are, with
`kunit.py parse --json`, on a captured log. Nothing of Linux is kept in this tree.
"""

import glob
import json
import os
import re
import subprocess
import sys
import threading

_LOCK = threading.Lock()


def tarball():
    """The newest /usr/src/linux-source-*.tar.xz, or None."""
    found = sorted(glob.glob("/usr/src/linux-source-*.tar.xz"))
    return found[-1] if found else None


def kunit_tool(build):
    """The directory holding kunit.py, taken from the tarball once; None when the linux-source
    package is not installed."""
    source = tarball()
    if not source:
        return None
    version = os.path.basename(source)[:-len(".tar.xz")]
    directory = os.path.join(build, "kunit", version)
    tool = os.path.join(directory, version, "tools", "testing", "kunit")
    with _LOCK:
        if not os.path.exists(os.path.join(tool, "kunit.py")):
            os.makedirs(directory, exist_ok=True)
            subprocess.run(["tar", "-xJf", source, "-C", directory, "--wildcards",
                            f"{version}/tools/testing/kunit/*"], check=True, timeout=600)
    return tool


def parse(tool, log_path):
    """Runs `kunit.py parse --json` on a log; returns ({suite: {case: status}}, errors, the
    summary line kunit_tool printed)."""
    json_path = log_path + ".kunit.json"
    process = subprocess.run([sys.executable, os.path.join(tool, "kunit.py"), "parse",
                              f"--json={json_path}", log_path],
                             capture_output=True, text=True, timeout=120)
    output = process.stdout + process.stderr
    summary = re.findall(r"Ran \d+ tests?:.*", output)
    errors = re.findall(r"\[ERROR\].*", output)
    counted = re.search(r"errors: (\d+)", summary[-1]) if summary else None
    if not os.path.exists(json_path):
        return {}, [f"kunit.py parse wrote no JSON (exit {process.returncode}): "
                    f"{output.strip()[-300:]}"], ""
    with open(json_path, encoding="utf-8") as file:
        top = json.load(file)
    statuses = {group["name"]: {case["name"]: case["status"] for case in group["test_cases"]}
                for group in top["sub_groups"]}
    if counted and int(counted.group(1)) and not errors:
        errors = [summary[-1]]
    return statuses, errors, summary[-1] if summary else ""


def compare(report, statuses):
    """Where kunit_tool's reading differs from ours (tests/ktap.py's report)."""
    differences = []
    ours = {suite.name: {case.name: "SKIP" if case.skipped else "PASS" if case.ok else "FAIL"
                         for case in suite.cases} for suite in report.suites}
    for suite in sorted(set(ours) | set(statuses)):
        if suite not in statuses or suite not in ours:
            differences.append(f"suite {suite}: only {'ours' if suite in ours else 'kunit'} "
                               f"has it")
            continue
        for case in sorted(set(ours[suite]) | set(statuses[suite])):
            mine, theirs = ours[suite].get(case), statuses[suite].get(case)
            if mine != theirs:
                differences.append(f"{suite}.{case}: ours {mine}, kunit_tool {theirs}")
    return differences
