"""A fleet of processes and their token requests: authwire with and without a token store,
next to google-auth and httpx-auth, all against one local token server.

    pip install 'authwire[bench]'        # httpx-auth, google-auth, requests, httpx
    python bench/bench_fleet.py          # about a minute; --quick for a smoke run

What it measures (printed, never asserted):

1. Token requests per token lifetime for 16 worker processes, each with its own client for
   the same OAuth2 client credentials, asking for a header every 10 ms for a few token
   lifetimes: authwire with ``FileStore``, with ``RedisStore`` (when a ``redis-server`` is
   installed or ``AUTHWIRE_TEST_REDIS_URL`` names one), without a store, google-auth
   (``google.oauth2.credentials.Credentials``, refresh-token grant) and httpx-auth
   (``OAuth2ClientCredentials``). Tokens live 3 s; google-auth's refresh threshold
   (3 min 45 s, longer than the token) and httpx-auth's ``early_expiry`` (30 s) are set to
   0.3 s, authwire's own refresh point for such a token, so that each refreshes once per
   lifetime per process rather than on every call.
2. The latency a store adds at the refresh point: a fresh manager's first ``authorization()``
   (median of many), without a store (one token request), as the one requester through a
   store (read, lock, read, request, write, unlock), and adopting a stored token (one read,
   no request).

All endpoints are on 127.0.0.1; nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import datetime
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_python import TokenServer, version_of

PROCESSES = 16
LIFETIME_S = 3.0
EARLY_S = 0.3
CLIENT_ID = "bench-client"
CLIENT_SECRET = "bench-secret-0123456789abcdef"


def worker(kind: str, url: str, seconds: float, store: str) -> None:
    """One process of the fleet: a header every 10 ms for ``seconds``."""
    ask: Any
    if kind.startswith("authwire"):
        import authwire

        token_store: authwire.TokenStore | None = None
        if store.startswith("file:"):
            token_store = authwire.FileStore(store[5:])
        elif store.startswith("redis"):
            token_store = authwire.RedisStore(store)
        manager = authwire.TokenManager.client_credentials(
            url, CLIENT_ID, CLIENT_SECRET, options=authwire.TokenOptions(store=token_store)
        )
        ask = manager.authorization
    elif kind == "google-auth":
        import google.auth._helpers
        import google.auth.transport.requests
        import google.oauth2.credentials

        google.auth._helpers.REFRESH_THRESHOLD = datetime.timedelta(seconds=EARLY_S)
        credentials = google.oauth2.credentials.Credentials(
            token=None, refresh_token="r", token_uri=url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET
        )
        transport = google.auth.transport.requests.Request()

        def ask() -> None:
            credentials.before_request(transport, "GET", "https://api.example.com/", {})

    elif kind == "httpx-auth":
        import httpx
        import httpx_auth

        auth = httpx_auth.OAuth2ClientCredentials(url, CLIENT_ID, CLIENT_SECRET, early_expiry=EARLY_S)

        def ask() -> None:
            next(auth.sync_auth_flow(httpx.Request("GET", "https://api.example.com/")))

    else:
        raise SystemExit(f"unknown kind {kind}")
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        ask()
        time.sleep(0.01)


def fleet(server: TokenServer, kind: str, seconds: float, store: str = "") -> float:
    """Token requests per token lifetime for ``PROCESSES`` processes of ``kind``."""
    path = f"/{kind}/{store.split(':')[0] or 'none'}"
    processes = [
        subprocess.Popen(
            [sys.executable, __file__, "--worker", kind, server.url(path), str(seconds), store],
            stdout=subprocess.DEVNULL,
        )
        for _ in range(PROCESSES)
    ]
    for process in processes:
        process.wait()
    return server.count(path) / (seconds / LIFETIME_S)


def refresh_latency(server: TokenServer, store_for: Any, rounds: int) -> dict[str, float]:
    """Median milliseconds of a fresh manager's first authorization()."""
    import authwire

    def first_call(store: authwire.TokenStore | None, path: str) -> float:
        manager = authwire.TokenManager.client_credentials(
            server.url(path), CLIENT_ID, CLIENT_SECRET, options=authwire.TokenOptions(store=store)
        )
        started = time.perf_counter()
        manager.authorization()
        return (time.perf_counter() - started) * 1000

    direct, requester, adopter = [], [], []
    for i in range(rounds):
        direct.append(first_call(None, f"/latency/none/{i}"))
        store = store_for(i)
        requester.append(first_call(store, f"/latency/store/{i}"))
        adopter.append(first_call(store, f"/latency/store/{i}"))
    return {
        "request, no store": statistics.median(direct),
        "request through the store (the one requester)": statistics.median(requester),
        "token adopted from the store (no request)": statistics.median(adopter),
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="shorter runs (a smoke test)")
    parser.add_argument("--worker", nargs=4, metavar=("KIND", "URL", "SECONDS", "STORE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        kind, url, seconds, store = args.worker
        worker(kind, url, float(seconds), store)
        return 0

    import authwire

    seconds = 6.0 if args.quick else 12.0
    rounds = 10 if args.quick else 50
    server = TokenServer(delay=0.0, lifetime=LIFETIME_S)
    scratch = Path(tempfile.mkdtemp(prefix="authwire-bench-"))
    redis_url = os.environ.get("AUTHWIRE_TEST_REDIS_URL", "")
    redis: subprocess.Popen[bytes] | None = None
    redis_binary = shutil.which("redis-server")
    if not redis_url and redis_binary:
        port = free_port()
        redis = subprocess.Popen(
            [redis_binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        redis_url = f"redis://127.0.0.1:{port}"
        time.sleep(0.3)
    try:
        rows: list[tuple[str, str]] = []
        rows.append(("authwire, FileStore", f"{fleet(server, 'authwire', seconds, f'file:{scratch}/tokens'):.1f}"))
        if redis_url:
            rows.append(("authwire, RedisStore", f"{fleet(server, 'authwire', seconds, redis_url):.1f}"))
        else:
            rows.append(("authwire, RedisStore", "skipped: no redis-server"))
        rows.append(("authwire, no store", f"{fleet(server, 'authwire', seconds):.1f}"))
        for kind in ("google-auth", "httpx-auth"):
            try:
                __import__({"google-auth": "google.oauth2.credentials", "httpx-auth": "httpx_auth"}[kind])
            except ImportError:
                rows.append((kind, "skipped: not installed (pip install 'authwire[bench]')"))
                continue
            rows.append((kind, f"{fleet(server, kind, seconds):.1f}"))

        latency = {
            "FileStore": refresh_latency(server, lambda i: authwire.FileStore(scratch / f"latency-{i}"), rounds),
        }
        if redis_url:
            latency["RedisStore"] = refresh_latency(
                server, lambda i: authwire.RedisStore(redis_url, key_prefix=f"bench-{os.getpid()}-{i}:"), rounds
            )
    finally:
        server.close()
        shutil.rmtree(scratch, ignore_errors=True)
        if redis is not None:
            redis.terminate()
            redis.wait()

    print(
        f"{PROCESSES} processes, {LIFETIME_S:.0f}-second tokens, {seconds:.0f} s per run; "
        + ", ".join(f"{name} {version_of(name)}" for name in ("authwire", "google-auth", "httpx-auth"))
    )
    print()
    width = max(len(name) for name, _ in rows)
    print(f"{'client':<{width}}  token requests per token lifetime (ideal: 1)")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    print()
    print(f"Latency at the refresh point, median of {rounds} first calls of a fresh manager, ms:")
    for store, figures in latency.items():
        for what, ms in figures.items():
            print(f"  {store:<10}  {what:<48} {ms:7.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
