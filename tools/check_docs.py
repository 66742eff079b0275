#!/usr/bin/env python3
"""tools/check_docs.py - keeps the docs true to the code.

Reads README.md, docs/*.md and labs/*.md and fails, naming the page and the line, when one
names something the tree does not have:
  - a file or directory (`kernel/irq.c`, `tests/host/`), which must exist;
  - `file.c: name, name` (as the "where to look" tables write it): each name must appear in
    that file;
  - an identifier in backticks that looks like code (`alloc_page`, `free_pages()`,
    `PG_EXCLUSIVE`): it must appear somewhere in the sources, tests, tools or Makefiles.
Usage: check_docs.py [TOP]   (exit status 1 when something is missing)
"""

import os
import re
import sys

CODE = re.compile(r"`([^`\n]+)`")
PATH = re.compile(r"^[\w.\-]+(/[\w.\-*]*)+$|^[\w\-]+\.(c|h|py|md|asm|ld|mk|sh|json|png|in)$")
FILE_AND_NAMES = re.compile(r"^([\w./\-]+\.(?:c|h|py|asm|ld)):\s*(.+)$")
IDENTIFIER = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(\(\))?$")
SOURCE_DIRS = ("arch", "boot", "drivers", "kernel", "lib", "mm", "services", "tests", "tools",
               "iso", "labs", ".ci")
SOURCE_FILES = ("Makefile", "linker.ld")
# Words in backticks that are prose, not code: C and shell vocabulary the tree need not hold.
NOT_CODE = {"make_iso"}


def pages(top):
    found = [os.path.join(top, "README.md")]
    for directory in ("docs", "labs"):
        path = os.path.join(top, directory)
        if os.path.isdir(path):
            found += [os.path.join(path, name) for name in sorted(os.listdir(path))
                      if name.endswith(".md")]
    return [page for page in found if os.path.exists(page)]


def corpus(top):
    """Every word of the code, and each file's text, for the lookups."""
    texts = {}
    paths = [os.path.join(top, name) for name in SOURCE_FILES]
    for directory in SOURCE_DIRS:
        for root, _, files in os.walk(os.path.join(top, directory)):
            if "/build" in root or "/seeds" in root:
                continue
            paths += [os.path.join(root, name) for name in files]
    for path in paths:
        if os.path.isfile(path) and not path.endswith((".iso", ".o", ".png", ".bin")):
            with open(path, encoding="utf-8", errors="replace") as source:
                texts[os.path.relpath(path, top)] = source.read()
    words = set()
    for text in texts.values():
        words.update(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text))
    return texts, words


def looks_like_code(name):
    """An identifier a reader would take for code: snake_case with an underscore, or an
    ALL_CAPS macro with one."""
    return "_" in name.strip("_") and name not in NOT_CODE


def check_token(top, token, texts, words):
    token = token.strip()
    match = FILE_AND_NAMES.match(token)
    if match:
        path, names = match.group(1), match.group(2)
        if path not in texts:
            return f"no file {path}"
        missing = [name for name in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", names)
                   if not re.search(rf"\b{re.escape(name)}\b", texts[path])]
        return f"{path} has no {', '.join(missing)}" if missing else None
    if PATH.match(token) and " " not in token and not token.startswith("-"):
        if token.endswith("/"):
            found = os.path.isdir(os.path.join(top, token))
            return None if found else f"no directory {token}"
        path = token.split(":")[0]
        if "*" in path or path.startswith(("build/", "/")):
            return None
        if "/" not in path:  # a file named alone: it must exist somewhere in the tree
            found = any(os.path.basename(known) == path for known in texts)
            return None if found or path in ("README.md",) else f"no file named {path}"
        return None if os.path.exists(os.path.join(top, path)) else f"no file or directory {path}"
    match = IDENTIFIER.match(token)
    if match and (match.group(2) or looks_like_code(match.group(1))):
        return None if match.group(1) in words else f"no {match.group(1)} anywhere in the code"
    return None


def check(top):
    texts, words = corpus(top)
    problems = []
    for page in pages(top):
        relative = os.path.relpath(page, top)
        with open(page, encoding="utf-8") as text:
            in_block = False
            for number, line in enumerate(text, 1):
                if line.lstrip().startswith("```"):
                    in_block = not in_block
                    continue
                if in_block:
                    continue
                for token in CODE.findall(line):
                    problem = check_token(top, token, texts, words)
                    if problem:
                        problems.append(f"{relative}:{number}: `{token}`: {problem}")
    return problems


def main():
    top = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(
        os.path.dirname(os.path.abspath(__file__)))
    problems = check(top)
    for problem in problems:
        print(problem)
    print(f"check_docs: {len(problems)} stale reference{'s' if len(problems) != 1 else ''}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
