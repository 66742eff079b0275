#!/usr/bin/env python3
"""tools/lab.py - the labs of the course, cut from the living tree.

A lab is three things: solution regions marked in the real sources, a page labs/<name>.md,
and an entry in labs/labs.toml (its title and its graded tests). A region is C code between

    /* LAB <name>: begin <part>
     * What to write, for the student (the rest of this comment).
     */
    ... the solution ...
    /* LAB <name>: end <part> */

A region that must leave something behind (a function's closing `return`, when the region
holds the function's whole body) says so in its end marker:

    /* LAB <name>: end <part>, placeholder: return false; */

`tools/lab.py write <name> <dir>` (make lab LAB=<name>) copies the tree into <dir> with each
of that lab's regions replaced by its comment, reworded as the assignment, and a
LAB_UNWRITTEN("<name>", "<part>") line (kernel/lab.h), then the end marker's placeholder
statement if it has one: this compiles, and says on the console when it runs that the part is
not written yet. Other labs' regions are left solved. The
directory gets a file .lab naming the lab, so that `make grade` there grades that lab.

`tools/lab.py check` checks the markers and the table: every region well formed, every lab
with regions in the table and with its page, every lab in the table with regions.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tomllib

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TABLE = os.path.join("labs", "labs.toml")
SOURCE_SUFFIXES = (".c", ".h")
BEGIN = re.compile(r"^(\s*)/\* LAB (\w+): begin (\w[\w-]*)\s*(.*)$")
END = re.compile(r"^\s*/\* LAB (\w+): end(?: (\w[\w-]*))?(?:, placeholder: (.+?))? \*/\s*$")
LAB_HEADER = '#include "kernel/lab.h"\n'


class LabError(Exception):
    pass


def table(top=TOP):
    """{name: entry} from labs/labs.toml, in the order the table lists them."""
    with open(os.path.join(top, TABLE), "rb") as file:
        return tomllib.load(file)


def tree_files(top=TOP):
    """The tree's files, relative: what git tracks plus new files it does not ignore (so
    work not yet committed comes along), or every file outside build/ when there is no git."""
    try:
        listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"],
                                cwd=top, capture_output=True, check=True).stdout
        return sorted(name for name in listed.decode().split("\0")
                      if name and os.path.isfile(os.path.join(top, name)))
    except (OSError, subprocess.CalledProcessError):
        found = []
        for root, directories, files in os.walk(top):
            directories[:] = [d for d in directories if d not in (".git", "build")
                              and not d.startswith("build")]
            found += [os.path.relpath(os.path.join(root, name), top) for name in files]
        return sorted(found)


def parse_regions(path, lines):
    """The regions of one file: dicts with lab, part, indent, first and last line index (the
    markers included), and the assignment (the begin comment's text after the marker)."""
    regions, open_region = [], None
    for index, line in enumerate(lines):
        begin, end = BEGIN.match(line), END.match(line)
        if begin:
            if open_region:
                raise LabError(f"{path}:{index + 1}: LAB region inside another "
                               f"(from line {open_region['first'] + 1})")
            open_region = {"lab": begin.group(2), "part": begin.group(3),
                           "indent": begin.group(1), "first": index,
                           "comment": [begin.group(4)]}
            if "*/" in line:
                open_region["comment_end"] = index
            continue
        if open_region and "comment_end" not in open_region:
            open_region["comment"].append(line.strip())
            if "*/" in line:
                open_region["comment_end"] = index
            continue
        if end:
            if not open_region:
                raise LabError(f"{path}:{index + 1}: LAB end without a begin")
            if end.group(1) != open_region["lab"] or \
                    (end.group(2) and end.group(2) != open_region["part"]):
                raise LabError(f"{path}:{index + 1}: LAB end does not match the begin at line "
                               f"{open_region['first'] + 1}")
            open_region["last"] = index
            open_region["placeholder"] = end.group(3)
            regions.append(open_region)
            open_region = None
    if open_region:
        raise LabError(f"{path}:{open_region['first'] + 1}: LAB region never ends")
    for region in regions:
        if region["last"] == region["comment_end"] + 1:
            raise LabError(f"{path}:{region['first'] + 1}: LAB region holds no code")
    return regions


def all_regions(top=TOP):
    """{path: (lines, regions)} for every source file with LAB markers."""
    found = {}
    for path in tree_files(top):
        if not path.endswith(SOURCE_SUFFIXES):
            continue
        with open(os.path.join(top, path), encoding="utf-8") as file:
            lines = file.readlines()
        if not any("LAB " in line for line in lines):
            continue
        regions = parse_regions(path, lines)
        if regions:
            found[path] = (lines, regions)
    return found


def assignment(region, lab):
    """The placeholder that replaces a region: its comment, reworded, and LAB_UNWRITTEN."""
    indent = region["indent"]
    comment = [text.strip() for text in region["comment"]]
    comment[-1] = comment[-1][:-2].rstrip() if comment[-1].endswith("*/") else comment[-1]
    first = f"{indent}/* LAB {lab}: write the {region['part']} here (labs/{lab}.md)."
    body = [f"{indent} {text}" if text.startswith("*") else f"{indent} * {text}"
            for text in comment if text]
    lines = [first + "\n"] + [line.rstrip() + "\n" for line in body]
    lines[-1] = lines[-1].rstrip("\n") + " */\n"
    lines.append(f'{indent}LAB_UNWRITTEN("{lab}", "the {region["part"]}");\n')
    if region.get("placeholder"):
        lines.append(f"{indent}{region['placeholder']}\n")
    return lines


def with_lab_header(lines):
    """The file's lines with kernel/lab.h included among its "..." includes, in order."""
    if LAB_HEADER in lines:
        return lines
    includes = [i for i, line in enumerate(lines) if line.startswith('#include "')]
    if not includes:
        raise LabError("a file with LAB regions must have an #include \"...\" line")
    group = [includes[-1]]  # the last run of consecutive includes (after the file's own header)
    while group[0] - 1 in includes:
        group.insert(0, group[0] - 1)
    position = next((i for i in group if lines[i] > LAB_HEADER), group[-1] + 1)
    return lines[:position] + [LAB_HEADER] + lines[position:]


def student_lines(lines, regions, lab):
    out, cursor = [], 0
    for region in (r for r in regions if r["lab"] == lab):
        out += lines[cursor:region["first"]] + assignment(region, lab)
        cursor = region["last"] + 1
    return with_lab_header(out + lines[cursor:])


def check(top=TOP):
    """Problems with the markers and the table (a list of lines; empty when all is well)."""
    problems = []
    try:
        labs, regions = table(top), all_regions(top)
    except (LabError, OSError, tomllib.TOMLDecodeError) as error:
        return [str(error)]
    with_regions = {region["lab"] for _, found in regions.values() for region in found}
    for lab in sorted(with_regions - set(labs)):
        problems.append(f"lab {lab} has LAB regions but no entry in {TABLE}")
    for lab, entry in labs.items():
        if lab not in with_regions:
            problems.append(f"lab {lab} (in {TABLE}) has no LAB regions in the sources")
        if not os.path.exists(os.path.join(top, "labs", f"{lab}.md")):
            problems.append(f"lab {lab} has no page labs/{lab}.md")
        graded = entry.get("graded", [])
        if not graded:
            problems.append(f"lab {lab}: nothing graded")
        for item in graded:
            if set(item) - {"kernel", "host", "points"} or len(set(item) & {"kernel", "host"}) != 1:
                problems.append(f"lab {lab}: graded item {item} needs kernel= or host=, and "
                                f"points=")
    return problems


def write(lab, out, top=TOP):
    """Writes the student tree of `lab` into out (replaced if it exists); returns the files
    whose regions were cut."""
    labs, regions = table(top), all_regions(top)
    if lab not in labs:
        raise LabError(f"no lab '{lab}' in {TABLE} (labs: {', '.join(labs)})")
    if os.path.exists(out):
        shutil.rmtree(out)
    cut = []
    for path in tree_files(top):
        target = os.path.join(out, path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        lines, found = regions.get(path, (None, []))
        if any(region["lab"] == lab for region in found):
            with open(target, "w", encoding="utf-8") as file:
                file.writelines(student_lines(lines, found, lab))
            shutil.copymode(os.path.join(top, path), target)
            cut.append(path)
        else:
            shutil.copy2(os.path.join(top, path), target)  # times kept: see seed_build
    with open(os.path.join(out, ".lab"), "w", encoding="utf-8") as file:
        file.write(lab + "\n")
    return cut


def seed_build(source_build, out_build):
    """Copies a built tree's objects into a student tree's build directory, times kept, so
    that make there compiles only the files whose regions were cut (the test of every lab in
    make test does this; a student builds from scratch)."""
    for kind in ("kernel-objs", "host-objs"):
        source = os.path.join(source_build, kind)
        if os.path.isdir(source):
            shutil.copytree(source, os.path.join(out_build, kind), dirs_exist_ok=True)


def this_lab(top=TOP):
    """The lab a student tree was written for (its .lab file), or None in the full tree."""
    path = os.path.join(top, ".lab")
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as file:
        return file.read().strip()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    write_parser = commands.add_parser("write", help="write the student tree of a lab")
    write_parser.add_argument("lab")
    write_parser.add_argument("out")
    commands.add_parser("check", help="check the LAB markers and the lab table")
    commands.add_parser("list", help="list the labs")
    args = parser.parse_args()
    try:
        if args.command == "list":
            for lab, entry in table().items():
                print(f"{lab:12} {entry.get('title', '')}")
        elif args.command == "check":
            problems = check()
            for problem in problems:
                print(problem)
            print(f"lab check: {len(problems)} problem{'s' if len(problems) != 1 else ''}")
            return 1 if problems else 0
        else:
            if this_lab():
                raise LabError("this is a student tree already (.lab); run make lab in the "
                               "full tree")
            cut = write(args.lab, args.out)
            print(f"lab {args.lab}: student tree in {os.path.relpath(args.out)} "
                  f"({', '.join(cut)} cut; labs/{args.lab}.md says what to write)")
            print(f"  cd {os.path.relpath(args.out)} && make grade")
    except LabError as error:
        print(f"lab: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
