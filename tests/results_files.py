"""tests/results_files.py - the runner's results for machines: build/test/results.json, in the
shape Linux's kunit_tool writes with --json (KernelCI's test-group layout: nested groups with
"sub_groups", "test_cases" of {"name", "status": PASS|FAIL|SKIP|ERROR}, and "misc" counts), and
build/test/junit.xml, the JUnit layout CI systems read (a <testsuite> per job, a <testcase>
per result, <failure> or <skipped> inside).

Each runner job is a group; a KTAP job (host, boot) holds one sub-group per suite with its
cases, as kunit_tool lays out a kernel's suites.
"""

import json
import os
import platform
import subprocess
import xml.etree.ElementTree as ElementTree

from qemu import TOP


def _git(*arguments):
    try:
        return subprocess.run(["git", *arguments], cwd=TOP, capture_output=True, text=True,
                              timeout=10).stdout.strip() or None
    except OSError:
        return None


def _counts(cases, groups):
    counts = {"tests": 0, "passed": 0, "failed": 0, "crashed": 0, "skipped": 0, "errors": 0}
    for case in cases:
        counts["tests"] += 1
        key = {"PASS": "passed", "FAIL": "failed", "SKIP": "skipped", "ERROR": "crashed"}
        counts[key[case["status"]]] += 1
    for group in groups:
        for key, value in group["misc"].items():
            counts[key] += value
    return counts


def _group(name, cases, groups, common):
    group = {"name": name, "sub_groups": groups, "test_cases": cases,
             "misc": _counts(cases, groups)}
    group.update(common)
    return group


def _job_group(job, results, status_of, common):
    """One job as a group: its KTAP suites as sub-groups, everything else as test cases."""
    cases, suites = [], {}
    for result in results:
        status = status_of(result.ok, result.skipped)
        if result.suite and result.case:
            suites.setdefault(result.suite, []).append({"name": result.case, "status": status})
        elif result.suite and result.cases:
            suites.setdefault(result.suite, []).extend(
                {"name": case, "status": case_status} for case, case_status in result.cases)
            if not result.ok and all(s != "FAIL" for _, s in result.cases):
                suites[result.suite].append({"name": "(suite)", "status": "FAIL"})
        elif result.suite:  # a suite that failed outside its cases (a leak check)
            suites.setdefault(result.suite, []).append({"name": "(suite)", "status": status})
        else:
            cases.append({"name": result.name, "status": status})
    groups = [_group(suite, suite_cases, [], common) for suite, suite_cases in suites.items()]
    return _group(job.name, cases, groups, common)


def _json(build, done, status_of):
    common = {"arch": platform.machine(), "defconfig": None, "build_environment": build,
              "lab_name": None, "kernel": _git("rev-parse", "HEAD"), "job": None,
              "git_branch": _git("rev-parse", "--abbrev-ref", "HEAD")}
    groups = [_job_group(job, results, status_of, common) for job, results, _ in done]
    return _group("Labyrinth", [], groups, common)


def _junit(done, status_of):
    root = ElementTree.Element("testsuites", name="Labyrinth")
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    elapsed = 0.0
    for job, results, seconds in done:
        suite = ElementTree.SubElement(root, "testsuite", name=job.name, time=f"{seconds:.3f}")
        counts = {"tests": 0, "failures": 0, "skipped": 0}
        for result in results:
            classname = f"{job.name}.{result.suite}" if result.suite else job.name
            name = result.case or (result.suite if result.suite else result.name)
            case = ElementTree.SubElement(suite, "testcase", classname=classname, name=name)
            status = status_of(result.ok, result.skipped)
            counts["tests"] += 1
            if status == "FAIL":
                counts["failures"] += 1
                failure = ElementTree.SubElement(
                    case, "failure", message=(result.details or ["failed"])[0][:200])
                failure.text = "\n".join(result.details)
            elif status == "SKIP":
                counts["skipped"] += 1
                ElementTree.SubElement(case, "skipped")
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("errors", "0")
        elapsed += seconds
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("errors", "0")
    root.set("time", f"{elapsed:.3f}")
    ElementTree.indent(root)
    return ElementTree.tostring(root, encoding="unicode", xml_declaration=True)


def write(directory, build, done, status_of):
    """Writes both files into directory from the runner's (job, results, seconds) list;
    returns their paths."""
    os.makedirs(directory, exist_ok=True)
    json_path = os.path.join(directory, "results.json")
    with open(json_path, "w", encoding="utf-8") as out:
        json.dump(_json(build, done, status_of), out, indent=4)
        out.write("\n")
    junit_path = os.path.join(directory, "junit.xml")
    with open(junit_path, "w", encoding="utf-8") as out:
        out.write(_junit(done, status_of) + "\n")
    return json_path, junit_path
