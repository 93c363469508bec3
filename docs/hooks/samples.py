"""Samples on the site are the files that run, never copies.

A code block in python, kotlin, swift or rust may contain only include lines:

* ``--8<-- "path"`` (pymdownx.snippets): a whole file, e.g. ``tests/readme/token_sample.py``;
* ``#sample path::name``: one function of a sample file, as its test checks it
  (Python: the body of ``def name()``, dedented; Kotlin/Swift: ``fun``/``func name(`` to the
  closing brace at column 0; ``@imports``: the file from its first import to the end).

A block titled ``build.gradle.kts``, ``Package.swift`` or ``Cargo.toml`` is a build-file
fragment (a dependency line), not a program, and is left as it is. Any other line in such a
block fails the build (``mkdocs build --strict`` in tests/run-all),
so a sample on the site is always one that ``tests/run-all`` runs or checks.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHECKED = {"python", "kotlin", "swift", "rust"}
FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<lang>[\w+-]*)(?P<info>[^\n]*)\n(?P<body>.*?)^(?P=indent)```[ \t]*$", re.M | re.S)
SAMPLE = re.compile(r'^(?P<indent>[ \t]*)#sample (?P<path>[^:\s]+)::(?P<name>[@\w]+)[ \t]*$', re.M)
SNIPPET = re.compile(r'^[ \t]*--8<-- "[^"]+"[ \t]*$')


# Build-file fragments (a dependency line) are configuration, not programs: they are shown with
# their file's name as the block's title and are not checked.
CONFIG = re.compile(r'title="(build\.gradle\.kts|Package\.swift|Cargo\.toml)"')


class SampleError(Exception):
    pass


def extract(path: str, name: str) -> str:
    file = ROOT / path
    if not file.is_file():
        raise SampleError(f"sample file not found: {path}")
    text = file.read_text(encoding="utf-8")
    if name == "@imports":
        match = re.search(r"^import .*", text, re.M | re.S)
        if not match:
            raise SampleError(f"{path} has no import")
        return match.group(0)
    if path.endswith(".py"):
        match = re.search(rf"^def {name}\(.*?\n(?P<body>(?:[ \t]+.*\n|\n)+)", text, re.M)
        if not match:
            raise SampleError(f"{path} has no function {name}")
        return textwrap.dedent(match.group("body")).rstrip("\n") + "\n"
    keyword = "fun" if path.endswith(".kt") else "func"
    match = re.search(rf"^(?:(?:public|private|internal|suspend) )*{keyword} {name}\(.*?\n}}\n", text, re.M | re.S)
    if not match:
        raise SampleError(f"{path} has no {keyword} {name}")
    return match.group(0)


def on_page_markdown(markdown: str, page, config, files) -> str:  # noqa: ANN001
    def check(block: re.Match[str]) -> str:
        if block.group("lang") not in CHECKED or CONFIG.search(block.group("info")):
            return block.group(0)
        for line in block.group("body").splitlines():
            if line.strip() and not SNIPPET.match(line) and not SAMPLE.match(line):
                raise SampleError(
                    f"{page.file.src_path}: a {block.group('lang')} block must include a sample file "
                    f"(--8<-- or #sample), not show code of its own: {line.strip()!r}"
                )

        def include(sample: re.Match[str]) -> str:
            code = extract(sample.group("path"), sample.group("name"))
            indent = sample.group("indent")
            return "".join(indent + line if line.strip() else line for line in code.rstrip("\n").splitlines(True))

        return SAMPLE.sub(include, block.group(0))

    return FENCE.sub(check, markdown)
