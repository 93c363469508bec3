#!/usr/bin/env python3
"""Real TLS servers and broken-network endpoints on 127.0.0.1 for the transport tests of every
language: a server the client must trust, three it must refuse (unknown CA, expired, wrong
name), a connection reset mid-answer, a port where nothing listens, and counters that show what
reached each of them.

Usage: ``python tests/scenarios/tls_servers.py --out DIR`` with its stdin a pipe. ``DIR`` is
created if missing. The script makes a test CA with ``trustme``, writes its certificate as PEM
to ``DIR/ca.pem``, starts the servers below on free ports, prints ONE line of JSON on stdout and
serves until its stdin closes (or SIGTERM/SIGINT), then shuts every server down and exits.
Nothing else goes to stdout; stderr stays quiet (failed handshakes and dropped connections are
expected and never reported). Requires ``trustme`` (which brings ``cryptography``).

Ready line (one line; wrapped here; ``DIR`` made absolute)::

    {"ca_file": "<DIR>/ca.pem",
     "trusted": "https://127.0.0.1:P", "untrusted": "https://127.0.0.1:P",
     "expired": "https://127.0.0.1:P", "wrong_name": "https://127.0.0.1:P",
     "reset": "http://127.0.0.1:P", "closed": "http://127.0.0.1:P",
     "stats": "http://127.0.0.1:P/stats", "not_resolving": "https://no-such-host.invalid"}

The HTTPS servers (every leaf certificate is an ECDSA P-256 key, signed with SHA-256):

``trusted``
    Leaf from the CA of ``ca.pem`` for ``127.0.0.1`` (IP SAN) and ``localhost`` (DNS SAN),
    valid from now - 1 day to now + 90 days. A client trusting ``ca.pem`` connects to it.
``untrusted``
    Leaf for ``127.0.0.1`` and ``localhost`` from ANOTHER CA, which is never written out, same
    validity: verification fails with an unknown issuer ("unable to get local issuer
    certificate").
``expired``
    Leaf from the CA of ``ca.pem`` for ``127.0.0.1`` and ``localhost``, valid from now - 30 days
    to now - 1 day: verification fails with "certificate has expired".
``wrong_name``
    Leaf from the CA of ``ca.pem`` for the DNS name ``wrong-name.example`` only (no
    ``127.0.0.1``, no ``localhost``), same validity as ``trusted``: the chain verifies, the host
    name check fails.

Every HTTPS server speaks HTTP/1.1 (ALPN ``http/1.1``), answers with ``Content-Length`` and
``Connection: close``, ends each TLS session with a close_notify alert, and answers:

- any ``POST`` (any path; the body is read and ignored): 200 ``{"token": "tls-token-<n>",
  "expirationTime": 300}`` (``application/json``), ``n`` counting up from 1 across all servers;
- any ``GET``: 200 ``{"ok": true}``.

The TLS handshake runs in the thread of its connection, never in the accepting thread, so a
client that stalls or fails the handshake blocks nobody; sockets time out after 10 s idle.

The broken-network endpoints:

``reset``
    Plain TCP. For each connection: reads the request head and body (``Content-Length`` or
    chunked), writes the start of an answer, ``HTTP/1.1 200 OK\\r\\nContent-Type: application/json\\r\\n
    Content-Length: 100\\r\\n\\r\\n{"tok``, waits 50 ms so that the client has it, then closes
    with ``SO_LINGER`` on and 0 s, i.e. a TCP RST ("connection reset by peer"; curl exit 56).
``closed``
    A port with nothing listening: a socket was bound to port 0 of 127.0.0.1 and closed, its
    number kept. Connecting is refused (curl exit 7). Another program could take the port later,
    which is unlikely for the lifetime of a test run.
``not_resolving``
    A name under ``.invalid`` (RFC 6761), which never resolves; no server is involved.

``stats``, a plain HTTP server:

- ``GET /stats``: 200 ``{"trusted": {"accepts": n, "requests": m}, "untrusted": {...},
  "expired": {...}, "wrong_name": {...}, "reset": {...}, "closed": {...}}``. ``accepts``
  counts the TCP connections accepted, counted before the TLS handshake starts, so a connection
  whose handshake fails counts; ``requests`` counts the complete HTTP requests answered (for
  ``reset``: the request heads read and given the partial answer). Both are counted before the
  client can see the outcome (an accept before the handshake, a request before its answer is
  written), so a client that has seen a failure or an answer reads counts that include it. A
  client that refuses a certificate leaves ``accepts`` > 0 and ``requests`` = 0: it sent
  nothing. ``closed`` stays at zero.
- ``POST /reset-stats``: zeroes every counter; 200 with the zeroed counters.
- anything else: 404 ``{"error": "not found"}``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import socket
import socketserver
import ssl
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import trustme
from _serving import HOST, Servers, base_url, serve

# The names of the counted endpoints, in the order of the stats answer.
NAMES = ("trusted", "untrusted", "expired", "wrong_name", "reset", "closed")

# What `reset` writes before it resets the connection: an answer head promising 100 bytes of
# body, and the first 5 of them.
PARTIAL_ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n" + b'{"tok'

# Idle timeout of every accepted connection (handshake, request, answer).
SOCKET_TIMEOUT_S = 10.0

# The largest request head `reset` reads, and the largest body it drains.
MAX_HEAD = 64 * 1024
MAX_BODY = 1024 * 1024


class Counters:
    """``accepts`` and ``requests`` per endpoint name, shared by every server's threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: dict[str, dict[str, int]] = {}
        self.tokens = 0
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.counts = {name: {"accepts": 0, "requests": 0} for name in NAMES}

    def add(self, name: str, what: str) -> None:
        with self.lock:
            self.counts[name][what] += 1

    def next_token(self) -> str:
        with self.lock:
            self.tokens += 1
            return f"tls-token-{self.tokens}"

    def snapshot(self) -> dict[str, dict[str, int]]:
        with self.lock:
            return {name: dict(c) for name, c in self.counts.items()}


class CountingMixIn:
    """Counts every accepted connection under ``self.name``, in the accepting thread, before any
    handshake; and keeps the errors of dropped connections off stderr."""

    name: str
    counters: Counters

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, addr = super().get_request()  # type: ignore[misc]
        self.counters.add(self.name, "accepts")
        return sock, addr

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], OSError):  # a reset, a timeout, a refused certificate
            return
        super().handle_error(request, client_address)  # type: ignore[misc]


# --------------------------------------------------------------------------------------------
# HTTPS
# --------------------------------------------------------------------------------------------


class TLSServer(CountingMixIn, ThreadingHTTPServer):
    """An HTTPS server whose TLS handshake runs in the per-connection thread."""

    daemon_threads = True

    def __init__(self, name: str, counters: Counters, leaf: trustme.LeafCert) -> None:
        self.name = name
        self.counters = counters
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.set_alpn_protocols(["http/1.1"])
        leaf.configure_cert(self.context)
        super().__init__((HOST, 0), TLSHandler)

    def url(self) -> str:
        return f"https://{HOST}:{self.server_address[1]}"

    def finish_request(self, request: Any, client_address: Any) -> None:
        # Runs in the connection's thread (ThreadingMixIn.process_request_thread).
        request.settimeout(SOCKET_TIMEOUT_S)
        try:
            tls = self.context.wrap_socket(request, server_side=True)  # handshakes; detaches `request`
        except OSError:  # ssl.SSLError included: the client refused the certificate, or left
            request.close()
            return
        try:
            super().finish_request(tls, client_address)
            send_close_notify(tls)
        except OSError:
            pass
        finally:
            self.shutdown_request(tls)


def send_close_notify(tls: ssl.SSLSocket) -> None:
    """Ends the TLS session with a close_notify alert without waiting for the client's: a
    non-blocking ``unwrap`` sends the alert, then stops where it would wait (SSLWantReadError)."""
    tls.setblocking(False)
    with contextlib.suppress(ssl.SSLWantReadError, ssl.SSLWantWriteError):
        tls.unwrap()


class TLSHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = SOCKET_TIMEOUT_S
    server: TLSServer

    def log_message(self, fmt: str, *args: Any) -> None:
        pass

    def answer(self, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.server.counters.add(self.server.name, "requests")  # before the client can see it
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def read_body(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > 0:
            self.rfile.read(min(length, MAX_BODY))

    def do_POST(self) -> None:
        self.read_body()
        self.answer({"token": self.server.counters.next_token(), "expirationTime": 300})

    def do_GET(self) -> None:
        self.answer({"ok": True})


# --------------------------------------------------------------------------------------------
# Connection reset
# --------------------------------------------------------------------------------------------


class ResetServer(CountingMixIn, socketserver.ThreadingTCPServer):
    """Answers the start of a response, then resets the connection."""

    daemon_threads = True

    def __init__(self, counters: Counters) -> None:
        self.name = "reset"
        self.counters = counters
        super().__init__((HOST, 0), ResetHandler)

    def shutdown_request(self, request: Any) -> None:
        # No shutdown(SHUT_WR): a FIN before the RST would read as a clean end of stream.
        self.close_request(request)


class ResetHandler(socketserver.BaseRequestHandler):
    server: ResetServer

    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.settimeout(SOCKET_TIMEOUT_S)
        try:
            read_request(sock)
            self.server.counters.add("reset", "requests")
            sock.sendall(PARTIAL_ANSWER)
            time.sleep(0.05)  # the partial answer reaches the client before the reset
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()  # with SO_LINGER 0 s: RST


def read_request(sock: socket.socket) -> None:
    """Reads a request head and its ``Content-Length`` or chunked body (bounded); OSError if the
    client goes away first."""
    data = b""
    while b"\r\n\r\n" not in data:
        if len(data) > MAX_HEAD:
            return
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("the client closed before the end of the request head")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    chunked = False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length" and value.strip().isdigit():
            length = min(int(value.strip()), MAX_BODY)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if chunked:
        while not body.endswith(b"0\r\n\r\n") and len(body) < MAX_BODY:
            chunk = sock.recv(4096)
            if not chunk:
                return
            body += chunk
        return
    while len(body) < length:
        chunk = sock.recv(min(4096, length - len(body)))
        if not chunk:
            return
        body += chunk


# --------------------------------------------------------------------------------------------
# Stats
# --------------------------------------------------------------------------------------------


class StatsServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, counters: Counters) -> None:
        self.counters = counters
        super().__init__((HOST, 0), StatsHandler)


class StatsHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = SOCKET_TIMEOUT_S
    server: StatsServer

    def log_message(self, fmt: str, *args: Any) -> None:
        pass

    def reply(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def path_only(self) -> str:
        return self.path.split("?", 1)[0]

    def do_GET(self) -> None:
        if self.path_only() == "/stats":
            self.reply(200, self.server.counters.snapshot())
        else:
            self.reply(404, {"error": "not found"})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > 0:
            self.rfile.read(min(length, MAX_BODY))
        if self.path_only() == "/reset-stats":
            self.server.counters.reset()
            self.reply(200, self.server.counters.snapshot())
        else:
            self.reply(404, {"error": "not found"})


# --------------------------------------------------------------------------------------------


def closed_port() -> int:
    """A port of 127.0.0.1 that was free a moment ago and has nothing listening."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def start(servers: Servers, out_dir: str) -> dict[str, Any]:
    """Writes ``ca.pem``, adds the servers to ``servers``; returns the ready line."""
    now = datetime.datetime.now(datetime.timezone.utc)
    day = datetime.timedelta(days=1)
    names = ("127.0.0.1", "localhost")

    ca = trustme.CA()
    other_ca = trustme.CA()
    ca_file = os.path.join(out_dir, "ca.pem")
    ca.cert_pem.write_to_path(ca_file)

    leaves = {
        "trusted": ca.issue_cert(*names, not_before=now - day, not_after=now + 90 * day),
        "untrusted": other_ca.issue_cert(*names, not_before=now - day, not_after=now + 90 * day),
        "expired": ca.issue_cert(*names, not_before=now - 30 * day, not_after=now - day),
        "wrong_name": ca.issue_cert("wrong-name.example", not_before=now - day, not_after=now + 90 * day),
    }

    counters = Counters()
    ready: dict[str, Any] = {"ca_file": ca_file}
    for name, leaf in leaves.items():
        ready[name] = servers.add(TLSServer(name, counters, leaf)).url()
    ready["reset"] = base_url(servers.add(ResetServer(counters)))
    ready["closed"] = f"http://{HOST}:{closed_port()}"
    ready["stats"] = base_url(servers.add(StatsServer(counters))) + "/stats"
    ready["not_resolving"] = "https://no-such-host.invalid"
    return ready


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--out", required=True, metavar="DIR", help="where ca.pem is written (created if missing)")
    args = parser.parse_args()
    out_dir = os.path.abspath(args.out)
    os.makedirs(out_dir, exist_ok=True)
    return serve(lambda servers: start(servers, out_dir))


if __name__ == "__main__":
    sys.exit(main())
