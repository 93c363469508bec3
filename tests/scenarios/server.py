#!/usr/bin/env python3
"""The token-manager scenarios as one real HTTP/1.1 server on 127.0.0.1, for any language's
tests to drive (the Swift suite starts it; see tests/scenarios/README.md).

Usage: ``python3 tests/scenarios/server.py [--port N]``. It prints ``PORT <n>`` on its first
line once it listens, then serves until stdin closes or it is killed. Standard library only.

Every URL is ``/<scenario>/<namespace>/<endpoint>``. A namespace is any fresh string a test
picks (one per test), so tests share the server but never each other's counters or tokens.

Token endpoints (``POST /<scenario>/<ns>/token``, XTD shape: body ``{"apiKey": KEY}`` with
``KEY`` = :data:`API_KEY`; answer ``{"token": ..., "expirationTime": seconds}``):

=================  ==========================================================================
scenario           behaviour
=================  ==========================================================================
``ok``             a 300-second token at once
``herd``           a 300-second token after 200 ms (concurrent callers overlap)
``short``          a 2-second token
``flaky``          the first request of the namespace answers 503, the others succeed
``ratelimit``      the first answers 429 with ``Retry-After: 1``, the others succeed
``unauthorized``   401 with ``{"message": "API key revoked by the administrator"}``
``malformed``      200 with a body that is not JSON
``huge``           200 with a 1 MiB JSON body (over the default 64 KiB limit)
``stall``          accepts, then never answers (until the server stops)
``redirect``       302 to ``/ok/<ns>/token`` (a client must not follow it)
``scripted``       answers what ``PUT /scripted/<ns>/script`` set, e.g. a vector's reply
``provider``       answers a documented provider's token response from ``providers.json``
=================  ==========================================================================

``PUT /scripted/<ns>/script`` takes ``{"status": 200, "headers": {...}, "body_text": "..."}``;
``GET /scripted/<ns>/last`` returns the last token request as ``{"method", "headers" (lower-case
names), "body_text"}``. Scripted token requests are not checked for the API key.

``POST /provider/<ns>/token`` answers the fixture of ``providers.json`` (next to this file) whose
``id`` is ``<ns>`` up to its first ``.`` (``/provider/github.t1/token`` serves fixture ``github``):
its ``status``, ``Content-Type`` and ``body_text``, byte for byte. Credentials are not checked; an
unknown fixture answers 404. ``GET /provider/<ns>/last`` returns the last token request as for
``scripted``, and ``GET /provider/<ns>/resource`` accepts the fixture's ``expect.authorization``.

A wrong or missing API key always answers 401. Other endpoints:

- ``GET /<scenario>/<ns>/resource``: 200 ``{"ok": true}`` when ``Authorization`` is
  ``Bearer <t>`` for the namespace's newest token ``t``, else 401.
  Under scenario ``reject`` (tokens as ``ok``) it always answers 401.
- ``POST /<scenario>/<ns>/revoke``: the newest token stops being accepted by ``resource``
  (as an API does with a revoked token); the next token issued is accepted.
- ``HEAD|GET /csrf/<ns>/api`` with ``X-CSRF-Token: fetch`` and Basic ``CSRF_USER:CSRF_PASSWORD``:
  answers ``x-csrf-token: <token>`` and ``Set-Cookie: SESSION=<id>``; wrong credentials 401.
- ``GET|HEAD|OPTIONS /csrf/<ns>/api`` without ``X-CSRF-Token: fetch``: a read, which needs no
  CSRF token: 200 with Basic ``CSRF_USER:CSRF_PASSWORD``, else 401. Counted in ``reads``, and
  in ``reads_with_csrf_token`` when it carried an ``X-CSRF-Token`` header all the same, in
  ``reads_with_session_cookie`` when it carried the current ``SESSION`` cookie.
- ``POST|PUT|PATCH|DELETE /csrf/<ns>/api``: 201 when ``X-CSRF-Token`` and the ``SESSION``
  cookie are the namespace's current ones, else 403 with ``x-csrf-token: Required``.
- ``POST /csrf/<ns>/expire``: the CSRF session ends (the next write is refused).
- ``GET /<scenario>/<ns>/stats``: ``{"token_requests", "resource_requests", "resource_401",
  "csrf_fetches", "writes", "write_403", "reads", "read_401", "reads_with_csrf_token",
  "reads_with_session_cookie"}``.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
import threading
import time
from collections import defaultdict
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

API_KEY = "scenario-api-key-5f2b"
CSRF_USER = "csrf-user"
CSRF_PASSWORD = "csrf-password-91c3"
STALL_SECONDS = 600.0
PROVIDERS_PATH = Path(__file__).with_name("providers.json")


@cache
def provider_fixtures() -> dict[str, dict[str, Any]]:
    """The fixtures of ``providers.json`` by id (read once)."""
    document = json.loads(PROVIDERS_PATH.read_text(encoding="utf-8"))
    return {fixture["id"]: fixture for fixture in document["fixtures"]}


class Namespace:
    """The state of one test's namespace."""

    def __init__(self) -> None:
        self.token_requests = 0
        self.issued = 0
        self.accepted: str | None = None  # the token `resource` accepts
        self.resource_requests = 0
        self.resource_401 = 0
        self.csrf_fetches = 0
        self.csrf_token: str | None = None
        self.session: str | None = None
        self.writes = 0
        self.write_403 = 0
        self.reads = 0
        self.read_401 = 0
        self.reads_with_csrf_token = 0
        self.reads_with_session_cookie = 0
        self.script: dict[str, Any] = {"status": 500, "headers": {}, "body_text": ""}
        self.last: dict[str, Any] | None = None

    def stats(self) -> dict[str, int]:
        return {
            "token_requests": self.token_requests,
            "resource_requests": self.resource_requests,
            "resource_401": self.resource_401,
            "csrf_fetches": self.csrf_fetches,
            "writes": self.writes,
            "write_403": self.write_403,
            "reads": self.reads,
            "read_401": self.read_401,
            "reads_with_csrf_token": self.reads_with_csrf_token,
            "reads_with_session_cookie": self.reads_with_session_cookie,
        }


class State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.namespaces: dict[tuple[str, str], Namespace] = defaultdict(Namespace)
        self.stopping = threading.Event()

    def get(self, scenario: str, ns: str) -> Namespace:
        return self.namespaces[(scenario, ns)]


STATE = State()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: without TCP_NODELAY, a keep-alive client's
    # delayed ACK would stall every answer by about 40 ms.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        pass

    def reply(self, status: int, body: bytes = b"", headers: list[tuple[str, str]] | None = None) -> None:
        self.send_response(status)
        for name, value in headers or []:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def reply_json(self, status: int, document: Any, headers: list[tuple[str, str]] | None = None) -> None:
        self.reply(status, json.dumps(document).encode(), [("Content-Type", "application/json"), *(headers or [])])

    def body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def serve(self) -> None:
        parts = self.path.split("?")[0].strip("/").split("/")
        if len(parts) != 3:
            self.reply_json(404, {"message": "no such endpoint"})
            return
        scenario, ns, endpoint = parts
        body = self.body()
        if scenario == "csrf":
            self.csrf(ns, endpoint)
        elif scenario == "scripted" and endpoint == "script" and self.command == "PUT":
            with STATE.lock:
                STATE.get(scenario, ns).script = json.loads(body)
            self.reply(204)
        elif scenario in ("scripted", "provider") and endpoint == "last":
            with STATE.lock:
                self.reply_json(200, STATE.get(scenario, ns).last)
        elif scenario == "scripted" and endpoint == "token":
            self.scripted(ns, body)
        elif scenario == "provider" and endpoint == "token" and self.command == "POST":
            self.provider(ns, body)
        elif endpoint == "token" and self.command == "POST":
            self.token(scenario, ns, body)
        elif endpoint == "resource":
            self.resource(scenario, ns)
        elif endpoint == "revoke" and self.command == "POST":
            with STATE.lock:
                STATE.get(scenario, ns).accepted = None
            self.reply(204)
        elif endpoint == "stats":
            with STATE.lock:
                self.reply_json(200, STATE.get(scenario, ns).stats())
        else:
            self.reply_json(404, {"message": "no such endpoint"})

    def token(self, scenario: str, ns: str, body: bytes) -> None:
        with STATE.lock:
            state = STATE.get(scenario, ns)
            state.token_requests += 1
            n = state.token_requests
        try:
            key = json.loads(body).get("apiKey")
        except (ValueError, AttributeError):
            key = None
        if key != API_KEY:
            self.reply_json(401, {"message": "unknown API key"})
            return
        lifetime = 300
        if scenario == "herd":
            time.sleep(0.2)
        elif scenario == "short":
            lifetime = 2
        elif scenario == "flaky" and n == 1:
            self.reply_json(503, {"message": "maintenance"})
            return
        elif scenario == "ratelimit" and n == 1:
            self.reply_json(429, {"message": "slow down"}, [("Retry-After", "1")])
            return
        elif scenario == "unauthorized":
            self.reply_json(401, {"message": "API key revoked by the administrator"})
            return
        elif scenario == "malformed":
            self.reply(200, b'{"token": "abc", "expirationTime": ', [("Content-Type", "application/json")])
            return
        elif scenario == "huge":
            self.reply_json(200, {"token": "t", "expirationTime": 300, "padding": "x" * (1 << 20)})
            return
        elif scenario == "redirect":
            self.reply_json(302, {"message": "moved"}, [("Location", f"/ok/{ns}/token")])
            return
        elif scenario == "stall":
            STATE.stopping.wait(STALL_SECONDS)
            return
        with STATE.lock:
            state.issued += 1
            token = f"{scenario}.{ns}.t{state.issued}"
            state.accepted = token
        self.reply_json(200, {"token": token, "expirationTime": lifetime})

    def recorded(self, body: bytes) -> dict[str, Any]:
        """This request as ``GET /<scenario>/<ns>/last`` returns it."""
        return {
            "method": self.command,
            "headers": {name.lower(): value for name, value in self.headers.items()},
            "body_text": body.decode("utf-8", "replace"),
        }

    def scripted(self, ns: str, body: bytes) -> None:
        with STATE.lock:
            state = STATE.get("scripted", ns)
            state.token_requests += 1
            state.last = self.recorded(body)
            script = state.script
        self.reply(script["status"], script["body_text"].encode(), list(script.get("headers", {}).items()))

    def provider(self, ns: str, body: bytes) -> None:
        try:
            fixture = provider_fixtures().get(ns.split(".", 1)[0])
        except (OSError, ValueError, KeyError, TypeError) as error:
            self.reply_json(500, {"message": f"cannot read {PROVIDERS_PATH.name}: {error}"})
            return
        with STATE.lock:
            state = STATE.get("provider", ns)
            state.token_requests += 1
            state.last = self.recorded(body)
            if fixture is not None:
                authorization = fixture["expect"].get("authorization") or ""
                state.accepted = authorization.removeprefix("Bearer ") or None
        if fixture is None:
            self.reply_json(404, {"message": f"no provider fixture {ns.split('.', 1)[0]!r}"})
            return
        self.reply(fixture["status"], fixture["body_text"].encode(), [("Content-Type", fixture["content_type"])])

    def resource(self, scenario: str, ns: str) -> None:
        with STATE.lock:
            state = STATE.get(scenario, ns)
            state.resource_requests += 1
            ok = (
                scenario != "reject"
                and state.accepted is not None
                and self.headers.get("Authorization") == f"Bearer {state.accepted}"
            )
            if not ok:
                state.resource_401 += 1
        if ok:
            self.reply_json(200, {"ok": True})
        else:
            self.reply_json(401, {"message": "invalid token"}, [("WWW-Authenticate", 'Bearer error="invalid_token"')])

    def csrf(self, ns: str, endpoint: str) -> None:
        with STATE.lock:
            state = STATE.get("csrf", ns)
            if endpoint == "expire" and self.command == "POST":
                state.csrf_token = None
                state.session = None
                self.reply(204)
                return
            if endpoint == "stats":
                self.reply_json(200, state.stats())
                return
            if endpoint != "api":
                self.reply_json(404, {"message": "no such endpoint"})
                return
            if self.command in ("HEAD", "GET") and (self.headers.get("X-CSRF-Token") or "").lower() == "fetch":
                expected = "Basic " + base64.b64encode(f"{CSRF_USER}:{CSRF_PASSWORD}".encode()).decode()
                if self.headers.get("Authorization") != expected:
                    self.reply_json(401, {"message": "wrong user or password"})
                    return
                state.csrf_fetches += 1
                state.csrf_token = f"csrf-{ns}-{state.csrf_fetches}"
                state.session = f"s{state.csrf_fetches}"
                self.reply(
                    200,
                    b"",
                    [("x-csrf-token", state.csrf_token), ("Set-Cookie", f"SESSION={state.session}; Path=/; HttpOnly")],
                )
                return
            authorized: bool | None = None
            if self.command in ("GET", "HEAD", "OPTIONS"):
                expected = "Basic " + base64.b64encode(f"{CSRF_USER}:{CSRF_PASSWORD}".encode()).decode()
                state.reads += 1
                if self.headers.get("X-CSRF-Token") is not None:
                    state.reads_with_csrf_token += 1
                cookies = [c.strip() for c in (self.headers.get("Cookie") or "").split(";")]
                if state.session is not None and f"SESSION={state.session}" in cookies:
                    state.reads_with_session_cookie += 1
                authorized = self.headers.get("Authorization") == expected
                if not authorized:
                    state.read_401 += 1
        if authorized is not None:
            if authorized:
                self.reply_json(200, {"read": True})
            else:
                self.reply_json(401, {"message": "wrong user or password"})
            return
        with STATE.lock:
            state.writes += 1
            cookies = self.headers.get("Cookie") or ""
            ok = (
                state.csrf_token is not None
                and self.headers.get("X-CSRF-Token") == state.csrf_token
                and f"SESSION={state.session}" in [c.strip() for c in cookies.split(";")]
            )
            if not ok:
                state.write_403 += 1
        if ok:
            self.reply_json(201, {"created": True})
        else:
            self.reply_json(403, {"message": "CSRF token validation failed"}, [("x-csrf-token", "Required")])

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = serve


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    server = Server(("127.0.0.1", args.port), Handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    print(f"PORT {server.server_address[1]}", flush=True)
    try:
        sys.stdin.read()  # until the test process closes our stdin (or dies)
    except KeyboardInterrupt:
        pass
    STATE.stopping.set()
    server.shutdown()


if __name__ == "__main__":
    main()
