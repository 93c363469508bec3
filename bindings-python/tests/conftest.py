"""Shared fixtures: the vectors file ``tests/auth-vectors.json`` at the repository root, and
``serve``, which starts scripted HTTP servers on 127.0.0.1 (``localserver.py``).

A test that takes an argument named ``<section>_case`` (``basic_case``,
``api_key_file_invalid_case``, ...) runs once per case of that section of the vectors, with
the case's ``source`` (or ``why``) as its test id. A missing or empty section is a
collection error, never a silently skipped test.

A test that takes ``vector_secret`` runs once per secret value found in the vectors
(passwords, client secrets, encoded keys, tokens, Open Connectors secrets, the base64 of
Basic values, client secrets, scheme credentials); ``token_secret`` runs over those that are
also RFC 6750 b64tokens (the strictest token shape, valid in every builder).

``scenario_server`` is the shared scenario server, ``tests/scenarios/server.py``, started once
per test session (its base URL).

``session_servers`` is the ready line of ``tests/scenarios/session_servers.py`` (real Authlib and
django-oauth-toolkit servers for user sessions, 2-second access tokens), started once per test
session by the first test that uses it (``sessiontools.py`` has its helpers).

``tls_servers`` is the ready line of ``tests/scenarios/tls_servers.py`` (a test CA, TLS servers
the client must trust or refuse, a reset, a closed port): ONE instance per test process, started
when the collected tests use it, before any test runs, so that ``SSL_CERT_FILE`` (the way a user
makes the built-in client trust a private CA) is set before this process creates any client.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from scenario_scripts import run_scenario_script

from localserver import Handler, ScriptedServer

VECTORS_PATH = (Path(__file__).parent / "../../tests/auth-vectors.json").resolve()
SCENARIOS = (Path(__file__).parent / "../../tests/scenarios").resolve()

CASE_SUFFIX = "_case"


@functools.lru_cache(maxsize=None)
def _load_vectors() -> dict[str, Any]:
    with VECTORS_PATH.open(encoding="utf-8") as file:
        return json.load(file)


def load_vectors() -> dict[str, Any]:
    """A fresh copy of the vectors, so no test can change another test's data."""
    return json.loads(json.dumps(_load_vectors()))


def case_label(case: dict[str, Any]) -> str:
    """The case's name: its ``source``, its ``why`` for an invalid case, or its
    ``client_id`` for a ``client_auth`` case."""
    label = case.get("source", case.get("why", case.get("client_id")))
    if not isinstance(label, str):
        raise ValueError(f"a vectors case has neither 'source', 'why' nor 'client_id': {sorted(case)}")
    return label


def section(name: str) -> list[dict[str, Any]]:
    cases = load_vectors().get(name)
    if not isinstance(cases, list) or not cases:
        raise pytest.UsageError(f"{VECTORS_PATH}: the section {name!r} is missing or empty")
    return cases


# Values shorter than this ("x", "o") occur in any sentence by chance.
MIN_SECRET_CHARS = 4

B64TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")

# (section, field path) of every secret in the vectors.
SECRET_FIELDS = [
    ("basic", "password"),
    ("basic", "header_value"),
    ("basic_invalid", "password"),
    ("basic_decode_invalid", "header_value"),
    ("bearer", "token"),
    ("bearer_invalid", "token"),
    ("open_connectors", "user_secret"),
    ("open_connectors", "organization_secret"),
    ("open_connectors", "element_token"),
    ("open_connectors_invalid", "user_secret"),
    ("open_connectors_invalid", "organization_secret"),
    ("open_connectors_invalid", "element_token"),
    ("api_key_file", "json.appClientSecret"),
    ("api_key_file", "json.encodedKey"),
    ("api_key_file", "token_request_body.apiKey"),
    ("token_responses", "token"),
    ("token_responses", "body.token"),
    ("token_responses", "body.access_token"),
    ("scheme", "credentials"),
    ("scheme_invalid", "credentials"),
    ("client_auth", "client_secret"),
]


def vector_secrets() -> dict[str, str]:
    """Every secret of at least MIN_SECRET_CHARS characters in the vectors, by a label
    naming where it was found first. For a Basic value the secret is its base64 part."""
    found: dict[str, str] = {}
    for section_name, path in SECRET_FIELDS:
        for case in section(section_name):
            value: Any = case
            for key in path.split("."):
                value = value.get(key) if isinstance(value, dict) else None
            if not isinstance(value, str):
                continue
            if path == "header_value":
                value = value.partition(" ")[2]
            if len(value) >= MIN_SECRET_CHARS and value not in found.values():
                found[f"{section_name}[{case_label(case)}].{path}"] = value
    return found


@pytest.fixture(scope="session")
def vectors() -> dict[str, Any]:
    """The whole vectors file."""
    return load_vectors()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    for argname in metafunc.fixturenames:
        if argname.endswith(CASE_SUFFIX):
            cases = section(argname[: -len(CASE_SUFFIX)])
            metafunc.parametrize(argname, cases, ids=[case_label(case) for case in cases])
    if "vector_secret" in metafunc.fixturenames:
        secrets = vector_secrets()
        metafunc.parametrize("vector_secret", list(secrets.values()), ids=list(secrets))
    if "token_secret" in metafunc.fixturenames:
        tokens = {label: value for label, value in vector_secrets().items() if B64TOKEN.fullmatch(value)}
        if len(tokens) < 10:
            raise pytest.UsageError(f"too few token-like secrets in the vectors: {sorted(tokens)}")
        metafunc.parametrize("token_secret", list(tokens.values()), ids=list(tokens))


# --- A local HTTP server ------------------------------------------------------------------


@pytest.fixture
def serve() -> Iterator[Callable[[Handler], ScriptedServer]]:
    """Starts a :class:`localserver.ScriptedServer` per call on 127.0.0.1; all are closed when
    the test ends."""
    servers: list[ScriptedServer] = []

    def start(handler: Handler) -> ScriptedServer:
        server = ScriptedServer(handler)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


# --- The shared scenario server (tests/scenarios/server.py) -----------------------------------


@pytest.fixture(scope="session")
def scenario_server() -> Iterator[str]:
    """``tests/scenarios/server.py`` (standard library only) as a child process, once per
    session: its base URL, ``http://127.0.0.1:<port>``. It stops when its stdin closes."""
    process = subprocess.Popen(
        [sys.executable, str(SCENARIOS / "server.py")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdin is not None
    try:
        line = process.stdout.readline()
        if not line.startswith("PORT "):
            raise RuntimeError(f"tests/scenarios/server.py did not start: {line!r}")
        yield f"http://127.0.0.1:{int(line.split()[1])}"
    finally:
        process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- The user-session servers (tests/scenarios/session_servers.py) ----------------------------


@pytest.fixture(scope="session")
def session_servers() -> Iterator[dict[str, Any]]:
    """``tests/scenarios/session_servers.py`` (2-second access tokens, no grace period), once per
    session: its ready line. Skipped when no Python has Authlib, Flask, Django and
    django-oauth-toolkit."""
    from sessiontools import session_servers as start

    with start() as ready:
        yield ready


# --- The TLS servers (tests/scenarios/tls_servers.py), one per process ------------------------


class _TlsServers:
    """The running ``tls_servers.py`` of this process: its ready line, or why there is none."""

    def __init__(self) -> None:
        self.stack = contextlib.ExitStack()
        self.ready: dict[str, Any] | None = None
        self.skipped = ""
        self.failed = ""


_TLS = _TlsServers()


def pytest_collection_finish(session: pytest.Session) -> None:
    if not any("tls_servers" in getattr(item, "fixturenames", ()) for item in session.items):
        return
    out = tempfile.mkdtemp(prefix="authwire-tls-")
    _TLS.stack.callback(shutil.rmtree, out, ignore_errors=True)
    try:
        _TLS.ready = _TLS.stack.enter_context(
            run_scenario_script("tls_servers.py", ("trustme",), "trustme", args=("--out", out))
        )
    except pytest.skip.Exception as skipped:
        _TLS.skipped = str(skipped)
    except pytest.fail.Exception as failed:
        _TLS.failed = str(failed)
    else:
        # Before any test runs, so before this process makes any HTTP client or thread.
        os.environ["SSL_CERT_FILE"] = _TLS.ready["ca_file"]


def pytest_sessionfinish(session: pytest.Session) -> None:
    _TLS.stack.close()


@pytest.fixture(scope="session")
def tls_servers() -> dict[str, Any]:
    """The ready line of this process's ``tests/scenarios/tls_servers.py`` (``ca_file``,
    ``trusted``, ``untrusted``, ``expired``, ``wrong_name``, ``reset``, ``closed``, ``stats``,
    ``not_resolving``); ``SSL_CERT_FILE`` names its CA. Skipped, with the reason, when no
    Python has ``trustme``."""
    if _TLS.failed:
        pytest.fail(_TLS.failed)
    if _TLS.ready is None:
        pytest.skip(_TLS.skipped or "tests/scenarios/tls_servers.py was not started")
    return _TLS.ready
