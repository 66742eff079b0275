#!/usr/bin/env python3
"""tools/check_docs.py - keeps the docs true to the code.

Reads README.md, docs/*.md and labs/*.md and fails, naming the page and the line, when one
names something the tree does not have:
  - a file or directory (`kernel/irq.c`, `tests/host/`), which must exist;
  - `file.c: name, name` (as the "where to look" tables write it): each name must appear in
    that file;
  - an identifier in backticks that looks like code (`alloc_page`, `free_pages()`,
    `PG_EXCLUSIVE`): it must appear somewhere in the sources, tests, tools or Makefiles;
  - a code block marked ```c from=<file>: each of its lines must be a line of that file, in
    the same order (a listing of real code, or the prototypes of a header).
The same module reads two more kinds of blocks, which need a built kernel and are checked by
make test (tests/checks.py, tests/tooling.py):
  - ```text transcript [MEMORY=..] [CMDLINE=..]: what the console shows, checked against a real
    boot: lines before the first prompt against the boot log, each `labyrinth> command` line
    against what the command prints. A word written ~like-this (~2596.285, ~129584) stands for
    a figure that depends on the host or the build (the TSC's rate, the kernel's size): any
    value of that shape matches it. Inline quotes of the kernel's bad-value lines (`cmdline:
    bad value ...`) are checked against a boot with those options too.
  - ```c compile [selftest=<suite>]: a whole C file, built into a throwaway kernel (and its
    suite run), as the how-to pages show code to add.
Usage: check_docs.py [TOP]   (exit status 1 when something is missing)
"""

import os
import re
import sys
from dataclasses import dataclass

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
        if token.startswith("build/"):
            return None  # made by the build: not there in a fresh tree
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


# --- code blocks ------------------------------------------------------------------------------

FENCE = re.compile(r"^\s*```(\S*)\s*(.*)$")


@dataclass
class Block:
    page: str  # relative to the top
    line: int  # of the opening fence
    language: str
    words: list  # the info string after the language
    lines: list  # the content

    def attribute(self, name, default=""):
        for word in self.words:
            if word.startswith(name + "="):
                return word[len(name) + 1:]
        return default


def blocks(top):
    """Every fenced code block of the README and the docs pages."""
    found = []
    for page in pages(top):
        relative = os.path.relpath(page, top)
        with open(page, encoding="utf-8") as text:
            current = None
            for number, line in enumerate(text, 1):
                fence = FENCE.match(line)
                if fence and current is None:
                    current = Block(relative, number, fence.group(1),
                                    fence.group(2).split(), [])
                elif fence:
                    found.append(current)
                    current = None
                elif current is not None:
                    current.lines.append(line.rstrip("\n"))
    return found


def declaration(line):
    """A line as a listing compares it: a header's `static inline int f(void)` reads as the
    prototype `int f(void);` a page shows."""
    line = line.strip()
    if line.startswith("static inline "):
        line = line[len("static inline "):]
    return line.rstrip(" ;{")


def listing_problems(block, texts):
    """A ```c from=<file> block: its lines are lines of the file, in order."""
    path = block.attribute("from")
    if path not in texts:
        return [f"{block.page}:{block.line}: from={path}: no such file"]
    lines = [declaration(line) for line in texts[path].splitlines()]
    position = 0
    for offset, line in enumerate(block.lines, 1):
        if not line.strip():
            continue
        try:
            position = lines.index(declaration(line), position) + 1
        except ValueError:
            return [f"{block.page}:{block.line + offset}: not in {path} (or not in this "
                    f"order): {line.strip()}"]
    return []


def transcripts(top):
    return [block for block in blocks(top) if "transcript" in block.words]


def snippets(top):
    return [block for block in blocks(top) if block.language == "c" and "compile" in block.words]


# --- transcripts against a boot -------------------------------------------------------------

PROMPT = "labyrinth> "
LOOSE = re.compile(r"^~([\w.+\-]+)([),;:]*)$")  # a closing mark may follow: (divisor ~62502)


def transcript_parts(block):
    """(lines before the first prompt, [(command, the lines it printed)])."""
    boot, commands = [], []
    for line in block.lines:
        if line.startswith(PROMPT.rstrip()):
            command = line[len(PROMPT.rstrip()):].strip()
            if command:
                commands.append((command, []))
            else:  # the bare prompt that ends a boot
                continue
        elif commands:
            commands[-1][1].append(line)
        else:
            boot.append(line)
    return boot, commands


def same_line(documented, real):
    """Word by word (spaces between words do not count); ~word matches any word of its shape."""
    words, real_words = documented.split(), real.split()
    if len(words) != len(real_words):
        return False
    for word, real_word in zip(words, real_words):
        loose = LOOSE.match(word)
        if loose:
            closing = loose.group(2)
            if not real_word.endswith(closing):
                return False
            real_word = real_word[:len(real_word) - len(closing)]
            if not re.fullmatch(r"[\w.+\-]+", real_word):
                return False
            numeric = re.fullmatch(r"[\d.]+", loose.group(1))
            if numeric and not re.fullmatch(r"[\d.]+", real_word):
                return False
        elif word != real_word:
            return False
    return True


def compare_lines(where, documented, real):
    """Problems, line by line, between documented lines and the real ones."""
    problems = []
    for index, line in enumerate(documented):
        actual = real[index] if index < len(real) else "(nothing)"
        if not same_line(line, actual):
            problems.append(f"{where}, line {index + 1}: the docs say\n    {line}\n"
                            f"  the kernel printed\n    {actual}")
    if len(real) > len(documented):
        problems.append(f"{where}: the kernel printed {len(real) - len(documented)} more "
                        f"line(s), from: {real[len(documented)]}")
    return problems


BAD_VALUE = re.compile(r"^cmdline: (?:bad value '([^']*)' for (\w+) |unknown option '(\w+)' "
                       r"ignored)")


def quoted_log_lines(top):
    """(page, line, text) of every inline quote of a bad-value or unknown-option line."""
    found = []
    for page in pages(top):
        with open(page, encoding="utf-8") as text:
            for number, line in enumerate(text, 1):
                found += [(os.path.relpath(page, top), number, quote)
                          for quote in CODE.findall(line) if BAD_VALUE.match(quote)]
    return found


def options_of(quotes):
    """The command line that makes the kernel print the quoted lines."""
    options = []
    for _, _, quote in quotes:
        value, name, unknown = BAD_VALUE.match(quote).groups()
        option = unknown or f"{name}={value}"
        if option not in options:
            options.append(option)
    return " ".join(options)


# --- the static check -------------------------------------------------------------------------

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
    for block in blocks(top):
        if block.attribute("from"):
            problems += listing_problems(block, texts)
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
