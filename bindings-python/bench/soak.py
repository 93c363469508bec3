"""Soak and lifecycle figures for authwire's Python face: threads, open file descriptors and
resident memory of this process before, during and after each phase. Prints figures; asserts
nothing about speed. Linux only (it reads ``/proc/self``).

    pip install ./bindings-python      # into a virtual environment, from the repository root
    python bindings-python/bench/soak.py [--managers N] [--calls N]

It starts ``tests/scenarios/server.py`` with ``python3`` (or ``AUTHWIRE_SOAK_PYTHON``), then:

1. creates ``--managers`` (default 10 000) API-key-exchange managers, each on a namespace of
   its own, has each fetch its token (one ``authorization()``), then drops them all (``del``
   and ``gc.collect()``); twice, so that a leak shows apart from the allocator's high-water
   mark;
2. makes ``--calls`` (default 10 000 000) header-builder calls, ``basic_auth`` and
   ``bearer_auth`` alternating: half on the same arguments (answered by the builders' memo),
   half (phase 2b) on new arguments every call (built by the core every time);
3. makes ``--calls`` cached ``authorization()`` calls on one manager;
4. drops a manager while its token request waits on the server's ``stall`` scenario (the
   awaiting task was cancelled by a timeout; the refresh goes on in the core until the drop).

``start`` is measured once the server runs and before any manager exists; ``warm`` after one
manager has fetched a token and been dropped (the core's I/O threads have started). The verdict
compares the end with both.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import subprocess
import sys
import time
from pathlib import Path

import authwire

#: The API key ``tests/scenarios/server.py`` accepts.
API_KEY = "scenario-api-key-5f2b"
SERVER = Path(__file__).resolve().parents[2] / "tests" / "scenarios" / "server.py"


def sample() -> tuple[int, int, int]:
    """Threads, open file descriptors and resident memory (KiB) of this process."""
    threads = rss = -1
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("Threads:"):
                threads = int(line.split()[1])
            elif line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    return threads, len(os.listdir("/proc/self/fd")), rss


def report(phase: str, when: str) -> tuple[int, int, int]:
    s = sample()
    print(f"{phase:<28} {when:<7} threads {s[0]:>4}  fds {s[1]:>5}  rss {s[2] / 1024:>8.1f} MiB", flush=True)
    return s


def delta(label: str, end: tuple[int, int, int], base: tuple[int, int, int]) -> str:
    return (
        f"threads {end[0] - base[0]:+d}, fds {end[1] - base[1]:+d}, RSS {(end[2] - base[2]) / 1024:+.1f} MiB ({label})"
    )


def rate(calls: int, seconds: float) -> str:
    return f"{calls / seconds / 1e6:.2f} M calls/s ({seconds / calls * 1e9:.0f} ns/call)"


def manager(
    port: int, scenario: str, namespace: str, options: authwire.TokenOptions | None = None
) -> authwire.TokenManager:
    return authwire.TokenManager.api_key_exchange(
        f"http://127.0.0.1:{port}/{scenario}/{namespace}/token",
        authwire.ApiKey.from_encoded_key(API_KEY),
        options=options,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--managers", type=int, default=10_000)
    parser.add_argument("--calls", type=int, default=10_000_000)
    args = parser.parse_args()
    managers, calls = args.managers, args.calls

    python = os.environ.get("AUTHWIRE_SOAK_PYTHON", "python3")
    server = subprocess.Popen([python, str(SERVER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None and server.stdin is not None
    line = server.stdout.readline()
    if not line.startswith("PORT "):
        sys.exit(f"{SERVER} printed {line!r}, not 'PORT <n>'")
    port = int(line.split()[1])
    print(
        f"authwire soak: Python {sys.version.split()[0]}, authwire {authwire.__version__}, "
        f"{managers} managers, {calls} calls per call phase",
        flush=True,
    )

    start = report("0 process", "start")
    warm_up = manager(port, "ok", "warm-up")
    warm_up.authorization()
    del warm_up
    gc.collect()
    time.sleep(0.2)
    warm = report("0 process", "warm")

    # Phase 1: many managers, each fetching its token, then all dropped; twice, so that a
    # leak (growth in each round) shows apart from the allocator's high-water mark.
    for round_ in (1, 2):
        phase = f"1 managers, round {round_}"
        report(phase, "start")
        began = time.perf_counter()
        alive = []
        for i in range(managers):
            m = manager(port, "ok", f"soak-{round_}-{i}")
            m.authorization()
            alive.append(m)
        del m
        created = time.perf_counter() - began
        report(phase, "middle")
        del alive
        gc.collect()
        time.sleep(0.5)
        report(phase, "end")
        per_second = managers / created
        print(
            f"  phase 1: {managers} managers created with a token each in {created:.1f} s ({per_second:.0f} managers/s)"
        )

    # Phase 2: header builders, basic_auth and bearer_auth alternating. Half the calls on the
    # same arguments (the builders' memo answers), half on new arguments every call (the core
    # builds each value; the memo takes it in and lets an older one go).
    basic_auth, bearer_auth = authwire.basic_auth, authwire.bearer_auth
    quarter = calls // 8
    report("2 header builders", "start")
    elapsed = 0.0
    for when in ("middle", "end"):
        began = time.perf_counter()
        for _ in range(quarter):
            basic_auth("soak-user", "soak-password")
            bearer_auth("mF_9.B5f-4.1JqM")
        elapsed += time.perf_counter() - began
        report("2 header builders", when)
    builders_rate = rate(4 * quarter, elapsed)
    print(f"  phase 2: repeated input: {builders_rate}")
    report("2b builders, new input", "start")
    elapsed = 0.0
    for when, first in (("middle", 0), ("end", quarter)):
        began = time.perf_counter()
        for i in range(first, first + quarter):
            basic_auth(f"soak-user-{i}", "soak-password")
            bearer_auth(f"mF_9.B5f-4.1JqM-{i}")
        elapsed += time.perf_counter() - began
        report("2b builders, new input", when)
    new_input_rate = rate(4 * quarter, elapsed)
    print(f"  phase 2b: new input every call (includes formatting the arguments): {new_input_rate}")

    # Phase 3: cached authorization() on one manager.
    one = manager(port, "ok", "soak-cached")
    one.authorization()
    authorization = one.authorization
    half = calls // 2
    report("3 cached authorization()", "start")
    elapsed = 0.0
    for when in ("middle", "end"):
        began = time.perf_counter()
        for _ in range(half):
            authorization()
        elapsed += time.perf_counter() - began
        report("3 cached authorization()", when)
    cached_rate = rate(2 * half, elapsed)
    print(f"  phase 3: {cached_rate}")
    print(f"  phase 3: token requests of that manager: {one.stats.token_requests}")
    del authorization, one
    gc.collect()

    # Phase 4: a manager dropped while its token request is in flight.
    before_stall = report("4 drop in flight", "start")
    stalled = manager(port, "stall", "soak-in-flight", authwire.TokenOptions(request_timeout=60.0))

    async def give_up(m: authwire.TokenManager) -> None:
        try:
            await asyncio.wait_for(m.authorization_async(), 0.3)
        except asyncio.TimeoutError:
            return
        raise AssertionError("the stall scenario never answers")

    asyncio.run(give_up(stalled))
    report("4 drop in flight", "middle")
    dropped = time.perf_counter()
    del stalled
    gc.collect()
    time.sleep(1.0)
    after_drop = report("4 drop in flight", "end")
    print(
        f"  phase 4: dropped with its request in flight; no crash; "
        f"{time.perf_counter() - dropped:.1f} s later {delta('vs phase start', after_drop, before_stall)}"
    )

    end = report("0 process", "end")
    print(f"rate: phase 2 header builders, repeated input {builders_rate}")
    print(f"rate: phase 2b header builders, new input {new_input_rate}")
    print(f"rate: phase 3 cached authorization() {cached_rate}")
    print(f"verdict: {delta('end vs start', end, start)}; {delta('end vs warm', end, warm)}", flush=True)

    server.stdin.close()
    server.wait(timeout=10)


if __name__ == "__main__":
    main()
