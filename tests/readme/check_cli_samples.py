"""Runs the command-line samples of the given Markdown files and checks their output.

A ```sh block is a list of commands (a line, with its `\\` continuations and here-documents).
The full-line `# ...` comments that follow a command are the output it must print (stdout
and stderr, in order); a comment after the command on its own line is its one line of
output. In an expected line, a word that ends with `...` matches any text in its place, and a
line that starts with a time (`12:00:01 `) matches any time and any figures.

Commands that are not samples of a single CLI call are skipped, and counted: building
(`cargo`, `mvn`, `pip`, `swift`, `git`), starting or stopping the demo server (`demo`, `kill`,
`sleep`, `SERVER_PID=`), `export`, and the repository's own scripts. `--8<-- "path"` lines
(the site's includes) are replaced by the file they name. The demo server must be
running on 127.0.0.1:8765 with its key in /tmp/authwire-demo-key.json (tests/run-all starts
it), and `authwire` must be on PATH.

Usage: python tests/readme/check_cli_samples.py FILE.md...
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

FENCE = re.compile(r"^(?P<indent>[ \t]*)```sh\n(?P<body>.*?)^(?P=indent)```", re.M | re.S)
SKIPPED = re.compile(
    r"^(cargo|mvn|pip|python|\.venv/|swift|git|export|kill|sleep|SERVER_PID=|tests/|fuzz/|bindings-|"
    r"\(cd|cd |authwire demo|authwire --help)|\bauthwire demo\b|-- demo\b"
)
TIME = re.compile(r"^\d\d:\d\d:\d\d ")


def commands(body: str) -> list[tuple[str, list[str]]]:
    """(command, expected output lines) in the order of the block."""
    result: list[tuple[str, list[str]]] = []
    lines = body.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        if not line.strip() or line.startswith("#"):
            if line.startswith("# ") and result:
                result[-1][1].append(line[2:])
            index += 1
            continue
        command = [line]
        heredoc = re.search(r"<<-?'?(\w+)'?", line)
        while command[-1].endswith("\\") and index + 1 < len(lines):
            index += 1
            command.append(lines[index])
        if heredoc:
            while index + 1 < len(lines) and lines[index].strip() != heredoc.group(1):
                index += 1
                command.append(lines[index])
            while index + 1 < len(lines) and lines[index + 1].endswith("\\"):
                index += 1
                command.append(lines[index])
            if index + 1 < len(lines) and command[-1].endswith("\\"):
                index += 1
                command.append(lines[index])
        text = "\n".join(command)
        expected: list[str] = []
        inline = re.search(r"  +# (.*)$", command[-1])
        if inline and "'" not in command[-1][inline.start() :]:
            expected.append(inline.group(1))
        result.append((text, expected))
        index += 1
    return result


def matches(line: str, expected: str) -> bool:
    if TIME.match(expected):
        return bool(TIME.match(line)) and re.sub(r"[\d.]+", "N", line) == re.sub(r"[\d.]+", "N", expected)
    # A word that ends with "..." stands for any text (a token, a cookie, a random id).
    pattern = ".*".join(re.escape(part) for part in re.split(r"\w*\.\.\.", expected))
    return re.fullmatch(pattern, line) is not None


def main() -> int:
    checked = skipped = 0
    failures: list[str] = []
    with tempfile.TemporaryDirectory() as scratch:
        for name in sys.argv[1:]:
            for block in FENCE.finditer(Path(name).read_text(encoding="utf-8")):
                body = textwrap.dedent(block.group("body"))
                # pymdownx.snippets includes, as the site shows them.
                body = re.sub(
                    r'^--8<-- "([^"]+)"$', lambda m: Path(m.group(1)).read_text(encoding="utf-8"), body, flags=re.M
                )
                for command, expected in commands(body):
                    if SKIPPED.search(command.split("\n")[0]) or "authwire" not in command:
                        skipped += 1
                        continue
                    run = subprocess.run(
                        ["bash", "-c", "exec 2>&1\n" + command], cwd=scratch, capture_output=True, text=True, timeout=120
                    )
                    printed = run.stdout.splitlines()
                    checked += 1
                    where = f"{name}: {command.splitlines()[0]}"
                    if not expected:
                        if run.returncode != 0:
                            failures.append(f"{where}\n  exit {run.returncode}: {run.stdout}")
                        continue
                    if len(printed) != len(expected) or not all(map(matches, printed, expected)):
                        failures.append(f"{where}\n  expected: {expected}\n  printed:  {printed}")
    for failure in failures:
        print("FAILED:", failure, file=sys.stderr)
    print(f"CLI samples: {checked} commands run and checked, {skipped} not samples of a CLI call (skipped)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
