"""The cost of one token request through each Python-visible transport, against the same
local keep-alive token server (below; one write per response, TCP_NODELAY, so that no
delayed-ACK stall hides the client's cost): the core's built-in client (reqwest),
``authwire.httpx.HttpxTransport`` and ``authwire.requests.RequestsTransport``.

Not a test: ``python bench/bench_transports.py [requests-per-transport]``. Each iteration
invalidates the current token and asks for the header again, so it measures one whole token
request as a caller sees it (the core's refresh machinery, the transport, the server).
"""

from __future__ import annotations

import itertools
import json
import socket
import socketserver
import statistics
import sys
import threading
import time

import httpx
import requests

import authwire
from authwire.httpx import HttpxTransport
from authwire.requests import RequestsTransport

_serial = itertools.count()


class _TokenHandler(socketserver.BaseRequestHandler):
    """HTTP/1.1 with keep-alive: answers every request with a fresh XTD-shaped token."""

    def handle(self) -> None:
        connection: socket.socket = self.request
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        pending = b""
        while True:
            while b"\r\n\r\n" not in pending:
                chunk = connection.recv(65536)
                if not chunk:
                    return
                pending += chunk
            head, _, pending = pending.partition(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            while len(pending) < length:
                pending += connection.recv(65536)
            pending = pending[length:]
            body = json.dumps({"token": f"t{next(_serial)}", "expirationTime": 3600}).encode()
            connection.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
            )


class TokenServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _TokenHandler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"

    def close(self) -> None:
        self.shutdown()
        self.server_close()


def measure(name: str, server: TokenServer, count: int, **transport: object) -> float:
    options = authwire.TokenOptions(loop_max_invalidations=1_000_000, **transport)  # type: ignore[arg-type]
    key = authwire.ApiKey.from_encoded_key("YmVuY2g6YmVuY2gtc2VjcmV0")
    manager = authwire.TokenManager.api_key_exchange(server.url("/v1/token"), key, options=options)
    header = manager.authorization()  # warm up: connection pool, first request
    samples = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(count // 5):
            manager.invalidate(header)
            header = manager.authorization()
        samples.append((time.perf_counter() - started) / (count // 5) * 1e6)
    median = statistics.median(samples)
    print(f"{name:<40} {median:8.0f} µs per token request (runs: {', '.join(f'{s:.0f}' for s in samples)})")
    return median


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    print(f"authwire transport benchmark: {count} token requests each, Python {sys.version.split()[0]}")
    server = TokenServer()
    try:
        base = measure("built-in (reqwest, rustls)", server, count)
        for name, transport in (
            ("authwire.httpx.HttpxTransport", HttpxTransport(httpx.Client())),
            ("authwire.requests.RequestsTransport", RequestsTransport(requests.Session())),
        ):
            cost = measure(name, server, count, transport=transport)
            print(f"{'':<40} {cost - base:+8.0f} µs vs built-in ({cost / base:.2f}x)")
    finally:
        server.close()


if __name__ == "__main__":
    main()
