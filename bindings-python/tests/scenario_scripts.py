"""The scenario scripts that need third-party Python packages (``tests/scenarios/jwt_servers.py``,
``tests/scenarios/oauth_servers.py``, ``tests/scenarios/tls_servers.py``) as child processes: :func:`server_python` picks the
interpreter, :func:`run_scenario_script` starts a script, reads its one-line JSON ready line and
stops it (the scripts serve until their stdin closes).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent.parent
SCENARIOS = REPO / "tests" / "scenarios"
STARTUP_TIMEOUT_S = 60


def server_python(modules: Sequence[str]) -> str | None:
    """The interpreter for a script that imports ``modules``: ``AUTHWIRE_TEST_PYTHON`` when it is
    set, else this interpreter when it has them, else the repository's ``.venv/bin/python`` when
    it has them; ``None`` without any."""
    configured = os.environ.get("AUTHWIRE_TEST_PYTHON")
    if configured:
        return configured
    if all(importlib.util.find_spec(name) is not None for name in modules):
        return sys.executable
    venv = REPO / ".venv" / "bin" / "python"
    if venv.exists():
        check = subprocess.run(
            [str(venv), "-c", "import " + ", ".join(modules)], capture_output=True, timeout=120, check=False
        )
        if check.returncode == 0:
            return str(venv)
    return None


@contextmanager
def run_scenario_script(
    name: str, modules: Sequence[str], needs: str, args: Sequence[str] = ()
) -> Iterator[dict[str, Any]]:
    """``tests/scenarios/<name> [args]`` as a child process under :func:`server_python`: its ready line,
    parsed; the script stops when the block ends. The test is skipped when no interpreter has
    ``modules`` (``needs`` names them in the reason) and fails when the script does not start."""
    script = SCENARIOS / name
    python = server_python(modules)
    if python is None:
        pytest.skip(
            f"no Python with {needs} for tests/scenarios/{name}: "
            "set AUTHWIRE_TEST_PYTHON to one (pip install 'authwire[test]' under Python 3.10+)"
        )
    with tempfile.TemporaryFile("w+", encoding="utf-8") as stderr:
        process = subprocess.Popen(
            [python, str(script), *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, text=True
        )
        assert process.stdin is not None and process.stdout is not None
        watchdog = threading.Timer(STARTUP_TIMEOUT_S, process.kill)
        watchdog.start()
        try:
            line = process.stdout.readline()
            watchdog.cancel()
            if not line.strip():
                process.wait(timeout=10)
                stderr.seek(0)
                pytest.fail(f"{script.name} under {python} did not start (exit {process.returncode}):\n{stderr.read()}")
            yield dict(json.loads(line))
        finally:
            watchdog.cancel()
            process.stdin.close()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
