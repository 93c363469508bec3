"""Token stores from Python: the built-in FileStore and RedisStore, and a store written in
Python, which proves that the TokenStore trait works across the FFI in both directions.

The fleet tests with many processes, a killed lock holder and a Redis restart are in
core/tests/store_fleet.rs; here, separate Python processes share one token through a file.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

import authwire
from localserver import Handler, Received, Reply, ScriptedServer

Serve = Callable[[Handler], ScriptedServer]

KEY = "c3RvcmUta2V5LTAxMjM0NTY3ODk6c3RvcmUtc2VjcmV0LTk4NzY1NDMyMTA"


def xtd_handler(lifetime: float = 300) -> Handler:
    def handle(_: Received, n: int) -> Reply:
        return Reply.json(200, {"token": f"tok-{n}-abcdef", "expirationTime": lifetime})

    return handle


def manager(server: ScriptedServer, store: authwire.TokenStore | None) -> authwire.TokenManager:
    options = authwire.TokenOptions(store=store, request_timeout=2.0)
    return authwire.TokenManager.api_key_exchange(
        server.url("/v1/token"), authwire.ApiKey.from_encoded_key(KEY), options=options
    )


class DictStore(authwire.TokenStore):
    """A token store in a Python dict: what a store over any shared storage looks like."""

    def __init__(self) -> None:
        self.values: dict[str, tuple[bytes, float]] = {}
        self.locks: dict[str, tuple[str, float]] = {}
        self.guard = threading.Lock()
        self.calls: list[str] = []

    def read(self, key: str) -> bytes | None:
        with self.guard:
            self.calls.append("read")
            value = self.values.get(key)
            return value[0] if value and value[1] > time.monotonic() else None

    def write(self, key: str, value: bytes, ttl: timedelta) -> None:
        with self.guard:
            self.calls.append("write")
            self.values[key] = (value, time.monotonic() + ttl.total_seconds())

    def compare_and_delete(self, key: str, expected: bytes) -> bool:
        with self.guard:
            self.calls.append("compare_and_delete")
            if key in self.values and self.values[key][0] == expected:
                del self.values[key]
                return True
            return False

    def try_lock(self, key: str, owner: str, ttl: timedelta) -> bool:
        with self.guard:
            self.calls.append("try_lock")
            held = self.locks.get(key)
            if held and held[1] > time.monotonic():
                return False
            self.locks[key] = (owner, time.monotonic() + ttl.total_seconds())
            return True

    def unlock(self, key: str, owner: str) -> None:
        with self.guard:
            self.calls.append("unlock")
            if self.locks.get(key, ("", 0.0))[0] == owner:
                del self.locks[key]


def test_a_store_written_in_python_shares_one_token_and_sees_no_secret(serve: Serve) -> None:
    server = serve(xtd_handler())
    store = DictStore()
    first = manager(server, store)
    second = manager(server, store)
    assert first.authorization() == "Bearer tok-0-abcdef"
    assert second.authorization() == "Bearer tok-0-abcdef"
    assert server.count == 1
    assert {"read", "try_lock", "write", "unlock"} <= set(store.calls)
    for key, (value, _) in store.values.items():
        assert b"tok-0-abcdef" not in value and KEY.encode() not in value
        assert KEY not in key
    # A 401 on the shared token: one manager invalidates it; the other, holding the same
    # token, invalidates it too and adopts the replacement instead of requesting again.
    assert first.invalidate("Bearer tok-0-abcdef")
    assert first.authorization() == "Bearer tok-1-abcdef"
    assert second.invalidate("Bearer tok-0-abcdef")
    assert second.authorization() == "Bearer tok-1-abcdef"
    assert server.count == 2


class BrokenStore(authwire.TokenStore):
    def __init__(self, error: BaseException) -> None:
        self.error = error

    def read(self, key: str) -> bytes | None:
        raise self.error

    def write(self, key: str, value: bytes, ttl: timedelta) -> None:
        raise self.error

    def compare_and_delete(self, key: str, expected: bytes) -> bool:
        raise self.error

    def try_lock(self, key: str, owner: str, ttl: timedelta) -> bool:
        raise self.error

    def unlock(self, key: str, owner: str) -> None:
        raise self.error


@pytest.mark.parametrize(
    "error", [authwire.StoreError.Unavailable("down for maintenance"), RuntimeError("a bug in the store")]
)
def test_a_failing_python_store_never_fails_a_caller(serve: Serve, error: BaseException) -> None:
    server = serve(xtd_handler())
    events: list[authwire.AuthEvent] = []
    tokens = manager(server, BrokenStore(error))
    tokens.set_listener(events.append)
    assert tokens.authorization() == "Bearer tok-0-abcdef"
    unavailable = [e for e in events if isinstance(e, authwire.AuthEvent.StoreUnavailable)]
    assert unavailable, events
    assert unavailable[0].retry_in > timedelta(0)


def test_processes_share_one_token_through_a_file_store(serve: Serve, tmp_path: Path) -> None:
    server = serve(xtd_handler())
    path = tmp_path / "tokens"
    script = f"""
import authwire
store = authwire.FileStore({str(path)!r})
options = authwire.TokenOptions(store=store)
key = authwire.ApiKey.from_encoded_key({KEY!r})
tokens = authwire.TokenManager.api_key_exchange({server.url("/v1/token")!r}, key, options=options)
print(tokens.authorization())
"""
    processes = [subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True) for _ in range(4)]
    outputs = [process.communicate(timeout=60)[0].strip() for process in processes]
    assert all(process.returncode == 0 for process in processes)
    assert outputs == ["Bearer tok-0-abcdef"] * 4
    assert server.count == 1
    raw = path.read_bytes()
    assert b"tok-0-abcdef" not in raw and KEY.encode() not in raw
    if os.name == "posix":
        assert path.stat().st_mode & 0o777 == 0o600


def test_file_store_refuses_a_missing_directory_and_prints_its_path(tmp_path: Path) -> None:
    with pytest.raises(authwire.AuthError.InvalidConfiguration) as raised:
        authwire.FileStore(tmp_path / "missing" / "tokens")
    assert "does not exist" in str(raised.value)
    store = authwire.FileStore(tmp_path / "tokens")
    assert repr(store) == f"FileStore(path={str(tmp_path / 'tokens')!r})"
    assert isinstance(store, authwire.TokenStore)


def test_redis_store_hides_its_url_and_refuses_other_schemes() -> None:
    store = authwire.RedisStore("redis://:hunter2@127.0.0.1:1/0")
    assert "hunter2" not in repr(store) and "hunter2" not in str(store)
    with pytest.raises(authwire.AuthError.InvalidConfiguration):
        authwire.RedisStore("http://127.0.0.1:6379")


def test_managers_share_one_token_through_redis(serve: Serve) -> None:
    url = os.environ.get("AUTHWIRE_TEST_REDIS_URL")
    if not url:
        pytest.skip("AUTHWIRE_TEST_REDIS_URL is not set (tests/run-all sets it when redis-server is installed)")
    server = serve(xtd_handler())
    prefix = f"authwire-pytest-{os.getpid()}:"
    first = manager(server, authwire.RedisStore(url, key_prefix=prefix))
    second = manager(server, authwire.RedisStore(url, key_prefix=prefix, timeout=0.5))
    assert first.authorization() == second.authorization() == "Bearer tok-0-abcdef"
    assert server.count == 1


def test_a_redis_store_that_cannot_be_reached_costs_no_caller_anything(serve: Serve) -> None:
    server = serve(xtd_handler())
    events: list[authwire.AuthEvent] = []
    tokens = manager(server, authwire.RedisStore("redis://127.0.0.1:1", timeout=0.2))
    tokens.set_listener(events.append)
    assert tokens.authorization() == "Bearer tok-0-abcdef"
    assert any(isinstance(e, authwire.AuthEvent.StoreUnavailable) for e in events), events
