#!/usr/bin/env python3
"""tools/check_layout.py - keeps the tree's layers one way (docs/architecture.md).

Reads every #include in the production sources and fails, naming the file, the line and the
include, when one breaks a rule:
  1. nothing outside tests/ includes anything under tests/;
  2. lib/ includes only lib/ (and the freestanding C headers);
  3. arch/, mm/ and kernel/ include no driver and no service (the shell among them), except
     kernel/main.c, the composition root, which names everything in boot order;
  4. arch/ includes nothing of mm/ but mm/layout.h;
  5. drivers/ include nothing of services/ (the shell, the sensor, ...);
  6. only the shell (services/shell/) includes shell.h or registers commands (SHELL_COMMAND):
     no subsystem or driver knows the shell exists.
Usage: check_layout.py [TOP]   (exit status 1 when a rule is broken)
"""

import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)
FREESTANDING = {"stdarg.h", "stdbool.h", "stddef.h", "stdint.h", "limits.h", "stdalign.h",
                "stdnoreturn.h", "float.h", "iso646.h"}
PRODUCTION = ("arch", "boot", "drivers", "kernel", "lib", "mm", "services")
COMPOSITION_ROOT = "kernel/main.c"
SHELL = "services/shell/"
SHELL_COMMAND = re.compile(r"^\s*SHELL_COMMAND\(", re.M)


def top_of(path):
    return path.split("/", 1)[0]


def broken_rule(source, system, target):
    """The rule source breaks by including target, or None."""
    layer = top_of(source)
    if system:
        if layer == "lib" and target not in FREESTANDING:
            return "lib/ includes only lib/ and the freestanding C headers"
        return None
    if (os.path.basename(target) == "shell.h" and not source.startswith(SHELL)
            and source != COMPOSITION_ROOT):
        return "only the shell includes shell.h (commands live in services/shell/)"
    if top_of(target) == "tests":
        return "nothing outside tests/ includes tests/"
    if layer == "lib" and top_of(target) != "lib":
        return "lib/ includes only lib/"
    if layer in ("arch", "mm", "kernel") and source != COMPOSITION_ROOT:
        if top_of(target) == "drivers":
            return f"{layer}/ includes no driver (devices plug in through the core's interfaces)"
        if top_of(target) == "services":
            return f"{layer}/ includes no service and nothing of the shell"
    if layer == "arch" and top_of(target) == "mm" and target != "mm/layout.h":
        return "arch/ includes nothing of mm/ but mm/layout.h"
    if layer == "drivers" and top_of(target) == "services":
        return "drivers/ include nothing of the shell or other services"
    return None


def sources(top):
    for layer in PRODUCTION:
        for directory, _, files in os.walk(os.path.join(top, layer)):
            for name in sorted(files):
                if name.endswith((".c", ".h", ".asm", ".S")):
                    path = os.path.join(directory, name)
                    yield os.path.relpath(path, top).replace(os.sep, "/"), path


def check(top):
    problems = []
    for relative, path in sources(top):
        with open(path, encoding="utf-8", errors="replace") as source:
            text = source.read()
        for match in INCLUDE.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            system, target = match.group(1) == "<", match.group(2)
            rule = broken_rule(relative, system, target)
            if rule:
                problems.append(f"{relative}:{line}: #include {match.group(1)}{target}"
                                f"{'>' if system else chr(34)}: {rule}")
        if not relative.startswith(SHELL):
            for match in SHELL_COMMAND.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                problems.append(f"{relative}:{line}: SHELL_COMMAND: commands register only in "
                                f"{SHELL}, one file each")
    return problems


def main():
    top = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(
        os.path.dirname(os.path.abspath(__file__)))
    problems = check(top)
    for problem in problems:
        print(problem)
    print(f"check_layout: {len(problems)} broken rule{'s' if len(problems) != 1 else ''}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
