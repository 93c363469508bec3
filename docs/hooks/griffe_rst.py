"""A griffe extension for the Python API page: the package's docstrings are written for
Sphinx, so Sphinx cross-reference roles (``:class:`X```) become code spans and ``>>>``
examples become ``pycon`` code blocks before mkdocstrings renders them as Markdown."""

from __future__ import annotations

import re
from typing import Any

import griffe

ROLE = re.compile(r":(?:py:)?(?:class|func|meth|attr|exc|mod|data|obj|const):`~?([^`]+)`")


def convert(text: str) -> str:
    text = ROLE.sub(r"`\1`", text)
    out: list[str] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.lstrip().startswith(">>> "):
            indent = line[: len(line) - len(line.lstrip())]
            block = []
            while index < len(lines) and lines[index].strip():
                block.append(lines[index][len(indent) :])
                index += 1
            out += [indent + "```pycon", *(indent + b for b in block), indent + "```"]
            continue
        # reST literal blocks ("::" then an indented block) as code blocks.
        if line.rstrip().endswith("::") and not line.strip().startswith(".."):
            out.append(line.rstrip()[:-1] if not line.rstrip().endswith(" ::") else line.rstrip()[:-3])
            index += 1
            while index < len(lines) and not lines[index].strip():
                index += 1
            base = len(line) - len(line.lstrip())
            block = []
            while index < len(lines) and (not lines[index].strip() or len(lines[index]) - len(lines[index].lstrip()) > base):
                block.append(lines[index])
                index += 1
            while block and not block[-1].strip():
                block.pop()
            if block:
                depth = min(len(b) - len(b.lstrip()) for b in block if b.strip())
                out += ["", " " * base + "```python", *(" " * base + b[depth:] for b in block), " " * base + "```", ""]
            continue
        out.append(line)
        index += 1
    return "\n".join(out)


class SphinxDocstrings(griffe.Extension):
    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = convert(obj.docstring.value)
