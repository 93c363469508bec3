"""The package's types and lint, checked as part of the test suite.

* ``_ffi.pyi`` (the types of the generated bindings) matches the built module: mypy's
  ``stubtest`` imports it and compares every name, signature and field.
* ``mypy --strict`` passes on the package, these tests and the README samples
  (``[tool.mypy]`` in pyproject.toml lists the files).
* ``ruff check`` is clean.

Each check is skipped when its tool is not installed (``pip install 'authwire[lint]'``).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

import authwire

PROJECT = Path(__file__).resolve().parent.parent


def run_tool(module: str, *args: str) -> subprocess.CompletedProcess[str]:
    if importlib.util.find_spec(module.split(".")[0]) is None:
        pytest.skip(f"{module} is not installed (pip install 'authwire[lint]')")
    return subprocess.run(
        [sys.executable, "-m", module, *args], cwd=PROJECT, capture_output=True, text=True, timeout=600, check=False
    )


def test_the_stub_matches_the_built_bindings() -> None:
    # --ignore-unused-allowlist: some entries apply to newer Pythons only (dataclass __replace__).
    result = run_tool(
        "mypy.stubtest", "authwire._ffi", "--allowlist", "tests/stubtest-allowlist.txt", "--ignore-unused-allowlist"
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_passes() -> None:
    result = run_tool("mypy")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout


def test_ruff_check_is_clean() -> None:
    result = run_tool("ruff", "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_package_is_marked_typed() -> None:
    package = Path(authwire.__file__).parent
    assert (package / "py.typed").is_file()
    assert (package / "_ffi.pyi").is_file()


def test_every_public_name_has_a_docstring() -> None:
    for name in authwire.__all__:
        value = getattr(authwire, name)
        if callable(value):
            assert value.__doc__, f"authwire.{name} has no docstring"
    for method in (
        "api_key_exchange",
        "client_credentials",
        "custom_exchange",
        "static_token",
        "google_service_account",
        "google_service_account_jwt",
        "github_app",
        "app_store_connect",
        "client_credentials_private_key_jwt",
        "jwt_bearer",
        "self_signed_jwt",
        "user_session",
        "sign_out",
        "sign_out_async",
        "authorization",
    ):
        assert getattr(authwire.TokenManager, method).__doc__
