"""authwire's Python face against httpx-auth and google-auth, on one local token server.

    pip install 'authwire[bench]'      # httpx-auth, google-auth, requests, httpx
    python bench/bench_python.py       # about 30 s; --quick for a smoke run

What it measures (not part of the test suite's assertions):

1. The hot path: the cost per request of attaching the Authorization header while a valid
   token is cached, in microseconds per call (best of several runs of many calls, each call
   made from Python, so the figure includes Python's own call overhead):

   * ``authwire TokenManager.authorization()`` and ``await authorization_async()``: the
     Python-side cache (one clock read and a tuple lookup).
   * ``authwire raw uniffi call``: the generated binding's ``authorization()``, i.e. what every
     call would cost without the Python-side cache (ctypes call, handle clone, string lift).
   * ``authwire.httpx.TokenAuth`` / ``httpx-auth OAuth2ClientCredentials``: one HTTPX auth flow
     up to the request it yields (``next(auth.sync_auth_flow(request))``), as HTTPX runs it for
     every request.
   * ``authwire.requests.TokenAuth``: the ``requests`` auth call on a prepared request.
   * ``google-auth Credentials.before_request``: ``google.oauth2.credentials.Credentials``
     (the OAuth2 refresh-token grant, the google-auth credentials class whose token endpoint
     is configurable without signing keys) adding its header to a dict, as
     ``google.auth.transport.requests.AuthorizedSession`` does per request.
   * ``basic_auth``: authwire's validated builder against a plain-Python base64 reference
     (on the same arguments every call; ``bench_builders.py`` compares the builders on new
     arguments too, and against requests and httpx).

2. Fan-in: 32 threads released together ask for a header while nothing is cached; the token
   server answers after 50 ms. Reports the token requests the server received and the time
   until every thread had its header.

All token endpoints are on 127.0.0.1; nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import datetime
import importlib.metadata
import json
import os
import platform
import sys
import threading
import time
import timeit
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOKEN_DELAY_S = 0.05
FAN_IN_THREADS = 32


class TokenServer:
    """Answers every POST with a fresh OAuth2 token (``lifetime`` seconds, default 3600) after
    ``delay`` seconds, and counts requests per path."""

    def __init__(self, delay: float, lifetime: float = 3600) -> None:
        self.delay = delay
        self.lifetime = lifetime
        self.counts: dict[str, int] = {}
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                with server._lock:
                    n = server.counts.get(self.path, 0)
                    server.counts[self.path] = n + 1
                time.sleep(server.delay)
                token = {"access_token": f"tok-{n}", "token_type": "Bearer", "expires_in": server.lifetime}
                body = json.dumps({**token, "refresh_token": "r"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 128

        self._httpd = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}{path}"

    def count(self, path: str) -> int:
        with self._lock:
            return self.counts.get(path, 0)

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def per_call_us(stmt: str, env: dict[str, Any], number: int, repeat: int) -> float:
    """Best-of-``repeat`` microseconds per execution of ``stmt``."""
    timer = timeit.Timer(stmt, globals=env)
    return min(timer.repeat(repeat=repeat, number=number)) / number * 1e6


def async_per_call_us(call: Callable[[], Any], number: int, repeat: int) -> float:
    async def run() -> float:
        best = float("inf")
        for _ in range(repeat):
            started = time.perf_counter()
            for _ in range(number):
                await call()
            best = min(best, time.perf_counter() - started)
        return best / number * 1e6

    return asyncio.run(run())


def fan_in(ask: Callable[[], object], threads: int = FAN_IN_THREADS) -> float:
    """Releases ``threads`` threads together, each calling ``ask()``; returns the seconds until
    the last one finished."""
    barrier = threading.Barrier(threads + 1)
    errors: list[BaseException] = []

    def run() -> None:
        barrier.wait()
        try:
            ask()
        except BaseException as error:
            errors.append(error)

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    barrier.wait()
    started = time.perf_counter()
    for worker in workers:
        worker.join()
    if errors:
        raise errors[0]
    return time.perf_counter() - started


def version_of(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer iterations (a smoke run)")
    args = parser.parse_args(argv)
    scale = 10 if args.quick else 1
    repeat = 3 if args.quick else 7

    server = TokenServer(delay=TOKEN_DELAY_S)
    hot: list[tuple[str, float]] = []
    fan: list[tuple[str, str, str]] = []
    notes: list[str] = []

    # --- authwire ------------------------------------------------------------------------
    import httpx
    import requests

    import authwire.httpx
    import authwire.requests

    manager = authwire.TokenManager.client_credentials(server.url("/authwire/token"), "bench-client", "bench-secret")
    manager.authorization()
    native = manager._native  # the generated binding's object, for the raw call cost
    http_request = httpx.Request("GET", "https://api.example.com/v1/things")
    prepared = requests.Request("GET", "https://api.example.com/v1/things").prepare()
    env: dict[str, Any] = {
        "manager": manager,
        "native": native,
        "httpx_auth_flow": authwire.httpx.TokenAuth(manager),
        "requests_auth": authwire.requests.TokenAuth(manager),
        "request": http_request,
        "prepared": prepared,
        "authwire": authwire,
        "base64": base64,
    }
    hot.append(
        (
            "authwire `TokenManager.authorization()`",
            per_call_us("manager.authorization()", env, 1_000_000 // scale, repeat),
        )
    )
    hot.append(
        (
            "authwire `await TokenManager.authorization_async()`",
            async_per_call_us(manager.authorization_async, 200_000 // scale, repeat),
        )
    )
    hot.append(
        (
            "authwire raw uniffi call (`authorization()` of the generated binding)",
            per_call_us("native.authorization()", env, 50_000 // scale, repeat),
        )
    )
    hot.append(
        (
            "authwire.httpx.TokenAuth (one HTTPX auth flow step)",
            per_call_us("next(httpx_auth_flow.sync_auth_flow(request))", env, 200_000 // scale, repeat),
        )
    )
    hot.append(
        (
            "authwire.requests.TokenAuth (one requests auth call)",
            per_call_us("requests_auth(prepared); prepared.hooks['response'].clear()", env, 200_000 // scale, repeat),
        )
    )

    elapsed = fan_in(
        authwire.TokenManager.client_credentials(
            server.url("/authwire/fan-in"), "bench-client", "bench-secret"
        ).authorization
    )
    fan.append(("authwire TokenManager", str(server.count("/authwire/fan-in")), f"{elapsed * 1000:.0f} ms"))

    # --- httpx-auth ------------------------------------------------------------------------
    try:
        import httpx_auth
    except ImportError:
        notes.append("httpx-auth is not installed: pip install httpx-auth")
    else:
        competitor = httpx_auth.OAuth2ClientCredentials(server.url("/httpx-auth/token"), "bench-client", "bench-secret")
        next(competitor.sync_auth_flow(http_request))  # fetch and cache the token
        env["competitor"] = competitor
        hot.append(
            (
                "httpx-auth `OAuth2ClientCredentials` (one HTTPX auth flow step)",
                per_call_us("next(competitor.sync_auth_flow(request))", env, 100_000 // scale, repeat),
            )
        )
        httpx_auth.OAuth2.token_cache.clear()
        fan_in_auth = httpx_auth.OAuth2ClientCredentials(
            server.url("/httpx-auth/fan-in"), "bench-client", "bench-secret"
        )
        elapsed = fan_in(lambda: next(fan_in_auth.sync_auth_flow(httpx.Request("GET", "https://api.example.com/"))))
        fan.append(
            ("httpx-auth OAuth2ClientCredentials", str(server.count("/httpx-auth/fan-in")), f"{elapsed * 1000:.0f} ms")
        )

    # --- google-auth ---------------------------------------------------------------------
    try:
        import google.auth.transport.requests
        import google.oauth2.credentials
    except ImportError:
        notes.append("google-auth is not installed: pip install google-auth")
    else:

        def google_credentials(path: str) -> Any:
            return google.oauth2.credentials.Credentials(
                token=None,
                refresh_token="bench-refresh-token",
                token_uri=server.url(path),
                client_id="bench-client",
                client_secret="bench-secret",
            )

        credentials = google_credentials("/google-auth/token")
        google_request = google.auth.transport.requests.Request()
        headers: dict[str, str] = {}
        credentials.before_request(google_request, "GET", "https://api.example.com/v1/things", headers)
        env.update(credentials=credentials, google_request=google_request)
        hot.append(
            (
                "google-auth `Credentials.before_request` (header into a dict)",
                per_call_us(
                    # A fresh dict per call, as per request: google-auth appends to x-goog-api-client.
                    "credentials.before_request(google_request, 'GET', 'https://api.example.com/v1/things', {})",
                    env,
                    100_000 // scale,
                    repeat,
                ),
            )
        )
        fan_in_credentials = google_credentials("/google-auth/fan-in")

        def google_ask() -> None:
            fan_in_credentials.before_request(google.auth.transport.requests.Request(), "GET", "https://x/", {})

        elapsed = fan_in(google_ask)
        fan.append(
            (
                "google-auth Credentials (refresh-token grant)",
                str(server.count("/google-auth/fan-in")),
                f"{elapsed * 1000:.0f} ms",
            )
        )

    # --- basic_auth ----------------------------------------------------------------------
    hot.append(
        (
            "authwire `basic_auth(...)` (same arguments every call: the builders' memo answers)",
            per_call_us("authwire.basic_auth('Aladdin', 'open sesame')", env, 100_000 // scale, repeat),
        )
    )
    hot.append(
        (
            "plain Python `'Basic ' + b64encode(...)` (no validation), for reference",
            per_call_us(
                "'Basic ' + base64.b64encode('Aladdin:open sesame'.encode()).decode('ascii')",
                env,
                500_000 // scale,
                repeat,
            ),
        )
    )

    server.close()

    # --- The report ------------------------------------------------------------------------
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    print(f"authwire Python benchmark, {now}")
    print(
        f"machine: {platform.system()} {platform.release()} {platform.machine()}, {cpu_model()}, "
        f"{os.cpu_count()} CPUs; {platform.python_implementation()} {platform.python_version()}"
    )
    if hasattr(os, "getloadavg"):
        print(f"load average (1 min) at the end: {os.getloadavg()[0]:.2f}")
    print(
        "versions: "
        + ", ".join(
            f"{name} {version_of(name)}" for name in ("authwire", "httpx", "httpx-auth", "google-auth", "requests")
        )
    )
    print()
    print("Hot path with a valid cached token (microseconds per call, best of runs):")
    print()
    width = max(len(name) for name, _ in hot)
    print(f"| {'what':<{width}} | µs/call |")
    print(f"|{'-' * (width + 2)}|--------:|")
    for name, micros in hot:
        print(f"| {name:<{width}} | {micros:7.3f} |")
    print()
    delay_ms = TOKEN_DELAY_S * 1000
    print(f"{FAN_IN_THREADS} threads at once on an empty cache (the token server answers in {delay_ms:.0f} ms):")
    print()
    width = max(len(name) for name, _, _ in fan)
    print(f"| {'library':<{width}} | token requests | all threads served after |")
    print(f"|{'-' * (width + 2)}|---------------:|-------------------------:|")
    for name, count, took in fan:
        print(f"| {name:<{width}} | {count:>14} | {took:>24} |")
    for note in notes:
        print(f"note: {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
