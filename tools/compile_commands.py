#!/usr/bin/env python3
"""tools/compile_commands.py - writes compile_commands.json (for clangd and other editors'
language servers) from what make would run: `make -Bn` lists every compile command without
running one, so nothing is rebuilt. Kernel sources come first, with the kernel's flags; files
only the host tests build (tests/host/) follow, with the host flags.

Usage: compile_commands.py [--build build] [--output compile_commands.json]
"""

import argparse
import json
import os
import shlex
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def commands(build, target):
    """(source, arguments, output) of each C compile make would run for target."""
    dry = subprocess.run(["make", "-Bn", "--no-print-directory", f"BUILD={build}", target],
                         cwd=TOP, capture_output=True, text=True, check=True).stdout
    found = []
    for line in dry.splitlines():
        words = shlex.split(line) if line.startswith(("gcc ", "clang ", "cc ")) else []
        if "-c" not in words or "-o" not in words:
            continue
        source = words[words.index("-c") + 1]
        if source.endswith(".c"):
            found.append((source, words, words[words.index("-o") + 1]))
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default="build")
    parser.add_argument("--output", default=os.path.join(TOP, "compile_commands.json"))
    args = parser.parse_args()
    entries, seen = [], set()
    for target in (f"{args.build}/labyrinth.elf", "host-tests"):
        for source, arguments, output in commands(args.build, target):
            if source in seen:
                continue
            seen.add(source)
            entries.append({"directory": TOP, "file": os.path.join(TOP, source),
                            "arguments": arguments, "output": os.path.join(TOP, output)})
    with open(args.output, "w", encoding="utf-8") as out:
        json.dump(entries, out, indent=1)
        out.write("\n")
    print(f"{os.path.relpath(args.output)}: {len(entries)} files")
    return 0 if entries else 1


if __name__ == "__main__":
    sys.exit(main())
