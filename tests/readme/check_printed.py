"""Runs a sample file and checks that each of its `print(...)  # comment` lines prints the
comment (a comment ending in `...` matches any line that starts with what comes before).

Usage: python tests/readme/check_printed.py SAMPLE.py
"""

from __future__ import annotations

import re
import subprocess
import sys

sample = sys.argv[1]
expected = [m.group(1) for m in re.finditer(r"print\(.*\)  # (.*)", open(sample, encoding="utf-8").read())]
printed = subprocess.run([sys.executable, sample], capture_output=True, text=True, check=True).stdout.splitlines()
assert len(printed) == len(expected), (sample, printed, expected)
for line, comment in zip(printed, expected):
    assert line == comment or (comment.endswith("...") and line.startswith(comment[:-3])), (sample, line, comment)
print(f"{sample}: {len(printed)} lines as commented")
