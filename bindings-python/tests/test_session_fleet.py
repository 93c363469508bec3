"""A user session shared by a fleet of processes through a ``FileStore`` sealed with a
``KeyFileSealingKey`` (in a temporary directory), against the real servers of ``tests/scenarios/session_servers.py``
(2-second access tokens, every refresh rotates the refresh token, a reused one revokes the
whole family).

Each process is ``session_fleet_worker.py`` (a fresh interpreter): it continues the session
signed in here, and its threads call ``authorization()`` and the server's resource in a loop.

* The fleet: 8 processes x 16 threads for 20 s: no ``invalid_grant`` at the server, no
  sign-out, no caller error; the refreshes per access-token lifetime are printed (``pytest -s``).
* Sign-out in one process: the others raise ``AuthError.SignInRequired`` within 1.5 s.
* The server revokes everything: every process raises ``SignInRequired``, after at most one
  refused refresh for the whole fleet.
* A process killed (SIGKILL) while the server holds back its refresh answer (the rotation was
  committed, the new refresh token never reached the store): without a grace period the
  session ends everywhere after at most one refused refresh; with django-oauth-toolkit's
  5-second grace period the other processes carry on.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sessiontools import SERVER_NAMES, control, reset, session_servers, sign_in, stats

import authwire

Servers = dict[str, Any]
WORKER = Path(__file__).resolve().parent / "session_fleet_worker.py"
ACCESS_LIFETIME_S = 2


class Fleet:
    """Worker processes and what they print (read by one thread per process)."""

    def __init__(self) -> None:
        self.processes: list[subprocess.Popen[str]] = []
        self.lines: queue.Queue[tuple[float, str]] = queue.Queue()
        self.results: dict[int, dict[str, Any]] = {}
        self.signed_out: float | None = None
        self.readers: list[threading.Thread] = []

    def start(self, count: int, config: dict[str, Any], first: dict[str, Any] | None = None) -> None:
        for index in range(count):
            own = {**config, **(first or {})} if index == 0 else config
            process = subprocess.Popen(
                [sys.executable, str(WORKER), json.dumps(own)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            self.processes.append(process)
            reader = threading.Thread(target=self._read, args=(process,), daemon=True)
            reader.start()
            self.readers.append(reader)
        ready = 0
        deadline = time.monotonic() + 60
        while ready < count:
            _, line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            if line.startswith("READY"):
                ready += 1

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            line = line.strip()
            if line.startswith("RESULT "):
                result = json.loads(line[len("RESULT ") :])
                self.results[result["pid"]] = result
            elif line.startswith("SIGNED_OUT "):
                self.signed_out = float(line.split()[2])
            self.lines.put((time.time(), line))

    def next_request_after(self, moment: float, timeout: float = 30) -> int:
        """The pid of the first process that sends a refresh after ``moment`` (``time.time()``)."""
        deadline = time.monotonic() + timeout
        while True:
            _, line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            if line.startswith("REQUEST ") and float(line.split()[2]) > moment:
                return int(line.split()[1])

    def wait(self, timeout: float = 90) -> None:
        for process in self.processes:
            process.wait(timeout=timeout)
        for reader in self.readers:
            reader.join(timeout=10)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
            process.wait()

    def stderr_of(self, pid: int) -> str:
        for process in self.processes:
            if process.pid == pid and process.stderr is not None:
                return process.stderr.read()
        return ""

    def total(self, what: str, key: str) -> int:
        return sum(int(result[what].get(key, 0)) for result in self.results.values())


@pytest.fixture
def fleet() -> Iterator[Fleet]:
    running = Fleet()
    try:
        yield running
    finally:
        running.stop()


def seed_session(servers: Servers, name: str, directory: Path) -> dict[str, Any]:
    """Signs in here and stores the session in ``directory``; the workers' configuration."""
    server = servers[name]
    store, key = directory / "session", directory / "session.key"
    tokens = sign_in(servers, name)
    with authwire.TokenManager.user_session(
        server["token"],
        servers["public_client"]["client_id"],
        tokens=tokens,
        sealing_key=authwire.KeyFileSealingKey(key),
        options=authwire.TokenOptions(store=authwire.FileStore(store)),
    ) as seed:
        seed.authorization()
    reset(server)
    return {
        "token": server["token"],
        "resource": server["resource"],
        "client_id": servers["public_client"]["client_id"],
        "store": str(store),
        "key": str(key),
    }


@pytest.fixture(params=SERVER_NAMES)
def name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def summary(fleet: Fleet, counters: dict[str, int]) -> str:
    return (
        f"processes {len(fleet.results)}, calls {fleet.total('counts', 'calls')}, "
        f"resource 200 {fleet.total('counts', 'resource_200')}, 401 {fleet.total('counts', 'resource_401')} "
        f"(retried: 200 {fleet.total('counts', 'retried_200')}, 401 {fleet.total('counts', 'retried_401')}), "
        f"errors {[(r['errors'], r['first_errors']) for r in fleet.results.values() if r['errors']]}, "
        f"adopted {fleet.total('events', 'StoreTokenAdopted')}, "
        f"refresh requests {fleet.total('events', 'TokenRequested')}, "
        f"retried {fleet.total('events', 'RefreshRetrying')}, failed {fleet.total('events', 'RefreshFailed')}, "
        f"ended {fleet.total('events', 'SessionEnded')}; server {counters}"
    )


def test_eight_processes_share_one_session(session_servers: Servers, name: str, fleet: Fleet, tmp_path: Path) -> None:
    duration, processes, threads = 20, 8, 16
    config = seed_session(session_servers, name, tmp_path)
    # A pause per call keeps the server answering a refresh within the 2-second lifetime on a
    # 2-core machine (django-oauth-toolkit on SQLite, in one process, serves ~150 calls/s: at
    # full speed the refresh queues behind 128 threads' calls, arrives after the token expired,
    # and the caller gets AuthError.Network).
    pause = 0.05 if name == "authlib" else 0.5
    fleet.start(processes, {**config, "threads": threads, "duration": duration, "pause": pause})
    fleet.wait()
    counters = stats(session_servers[name])
    assert len(fleet.results) == processes, [p.returncode for p in fleet.processes]
    per_lifetime = counters["refresh_ok"] / (duration / ACCESS_LIFETIME_S)
    figures = f"{name}: {per_lifetime:.2f} refreshes per access-token lifetime; " + summary(fleet, counters)
    print("\n" + figures)
    assert counters["invalid_grant"] == 0 and counters["reuse_detected"] == 0, figures
    assert not [r for r in fleet.results.values() if r["sign_in_required"]], figures
    assert not [r for r in fleet.results.values() if r["errors"]], figures
    assert fleet.total("counts", "resource_200") > processes * threads, figures
    # Both servers revoke the previous access token at each rotation: a process that has not
    # yet looked at the store (at most once a second) gets 401, invalidates the token and
    # adopts the stored one; the retry then succeeds (almost always: a second rotation may
    # fall between the two requests).
    assert fleet.total("counts", "retried_401") <= max(2, fleet.total("counts", "resource_401") // 100), figures
    # Refreshed by one process at a time, never by each: 8 processes refreshing on their own
    # would be 8 per lifetime (and invalid_grant, as each would spend a rotated token).
    assert per_lifetime <= 4, figures


def test_a_sign_out_in_one_process_ends_the_session_in_all(
    session_servers: Servers, name: str, fleet: Fleet, tmp_path: Path
) -> None:
    config = seed_session(session_servers, name, tmp_path)
    fleet.start(8, {**config, "threads": 4, "duration": 8}, first={"sign_out_after": 2.5})
    fleet.wait()
    assert fleet.signed_out is not None
    lags = [at - fleet.signed_out for result in fleet.results.values() for at in result["sign_in_required"]]
    counters = stats(session_servers[name])
    figures = f"{name}: SignInRequired {max(lags):.2f} s after the sign-out at the latest; " + summary(fleet, counters)
    print("\n" + figures)
    assert len(lags) == 8 * 4, figures
    assert min(lags) >= -0.05, figures
    assert max(lags) <= 1.5 + 0.5, figures
    assert counters["invalid_grant"] == 0, figures


def test_a_server_side_revocation_ends_the_session_everywhere(
    session_servers: Servers, name: str, fleet: Fleet, tmp_path: Path
) -> None:
    config = seed_session(session_servers, name, tmp_path)
    fleet.start(8, {**config, "threads": 4, "duration": 12})
    time.sleep(3)
    revoked_at = time.time()
    control(session_servers[name], "revoke-all")
    # Once more when the refresh that may have been under way meanwhile is done: revoke-all
    # does not stop a refresh the server is processing (django-oauth-toolkit under this load
    # takes about a second per request), whose new tokens would outlive the first one.
    time.sleep(1.5)
    control(session_servers[name], "revoke-all")
    fleet.wait()
    counters = stats(session_servers[name])
    lags = [at - revoked_at for result in fleet.results.values() for at in result["sign_in_required"]]
    figures = f"{name}: SignInRequired {max(lags, default=-1):.2f} s after revoke-all at the latest; " + summary(
        fleet, counters
    )
    print("\n" + figures)
    assert len(lags) == 8 * 4, figures
    assert counters["invalid_grant"] <= 1, figures
    assert not [r for r in fleet.results.values() if r["errors"]], figures


def kill_mid_refresh(servers: Servers, name: str, fleet: Fleet, tmp_path: Path) -> tuple[dict[str, int], str]:
    """Starts 4 processes, holds back the server's answer to the next refresh, SIGKILLs the
    process that sent it; returns the server's counters and the figures."""
    server = servers[name]
    config = seed_session(servers, name, tmp_path)
    # The lock wait (the request timeout) outlasts the held answer, so that the others wait for
    # the lock rather than fail while the victim holds it (it is released when it dies).
    fleet.start(4, {**config, "threads": 4, "duration": 12, "request_timeout": 10.0})
    time.sleep(2.5)
    stalled_at = time.time()
    control(server, "stall-next-refresh", {"seconds": 5})
    victim = fleet.next_request_after(stalled_at)
    time.sleep(0.3)  # the request reaches the server, which commits the rotation
    os.kill(victim, signal.SIGKILL)
    fleet.wait()
    counters = stats(server)
    survivors = [r for r in fleet.results.values() if r["pid"] != victim]
    ended = sum(1 for r in survivors if r["sign_in_required"])
    outcome = "ended everywhere (SignInRequired)" if ended == len(survivors) else f"{ended}/{len(survivors)} ended"
    if ended == 0:
        outcome = "the others recovered"
    figures = f"{name}: killed {victim} mid-refresh: {outcome}; " + summary(fleet, counters)
    print("\n" + figures)
    assert victim not in fleet.results and len(survivors) == 3, figures
    return counters, figures


def test_a_process_killed_mid_refresh_ends_the_session_without_a_retry_loop(
    session_servers: Servers, name: str, fleet: Fleet, tmp_path: Path
) -> None:
    counters, figures = kill_mid_refresh(session_servers, name, fleet, tmp_path)
    survivors = list(fleet.results.values())
    assert all(len(r["sign_in_required"]) == 4 for r in survivors), figures
    assert counters["invalid_grant"] <= 1, figures


@pytest.fixture(scope="module")
def grace_servers() -> Iterator[Servers]:
    """A second session_servers.py, with django-oauth-toolkit's 5-second grace period."""
    with session_servers("--grace", "5") as ready:
        yield ready


def test_with_a_grace_period_the_others_recover_from_a_process_killed_mid_refresh(
    grace_servers: Servers, fleet: Fleet, tmp_path: Path
) -> None:
    counters, figures = kill_mid_refresh(grace_servers, "dot", fleet, tmp_path)
    survivors = list(fleet.results.values())
    assert not [r for r in survivors if r["sign_in_required"]], figures
    assert not [r for r in survivors if r["errors"]], figures
    assert counters["invalid_grant"] == 0 and counters["refresh_ok"] >= 3, figures


def test_with_a_grace_period_a_hostile_refresh_answer_does_not_lose_the_session(grace_servers: Servers) -> None:
    """With django-oauth-toolkit's grace period as well: after a refused refresh answer, the
    next refresh works."""
    from sessiontools import resource, session

    server = grace_servers["dot"]
    manager = session(
        grace_servers, "dot", sign_in(grace_servers, "dot"), options=authwire.TokenOptions(max_attempts=1)
    )
    control(server, "token-answer", {"drop": ["access_token"], "count": 1})
    time.sleep(ACCESS_LIFETIME_S + 0.3)
    with pytest.raises(authwire.AuthError.InvalidResponse):
        manager.authorization()
    time.sleep(ACCESS_LIFETIME_S + 0.3)
    header = manager.authorization()
    # The grace answer repeats the first rotation's tokens: that access token may have expired
    # meanwhile (2-second tokens). The refresh token it carries is good: one more refresh.
    if resource(server, header) == 401:
        manager.invalidate(header)
        header = manager.authorization()
    assert resource(server, header) == 200
    assert stats(server)["invalid_grant"] == 0
