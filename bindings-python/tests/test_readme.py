"""The README's first example works as printed, in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys

README_COMMAND = "import authwire; print(authwire.basic_auth('Aladdin', 'open sesame'))"
README_OUTPUT = "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="  # RFC 7617 section 2


def test_readme_one_liner_prints_the_rfc_7617_value(vectors: dict) -> None:
    assert README_OUTPUT in [case["header_value"] for case in vectors["basic"]]
    result = subprocess.run(
        [sys.executable, "-c", README_COMMAND],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == README_OUTPUT + "\n"
    assert result.stderr == ""


def test_doctest_in_the_package_docstring() -> None:
    import doctest

    import authwire

    failures, tried = doctest.testmod(authwire, verbose=False, report=True)
    assert tried >= 2
    assert failures == 0
