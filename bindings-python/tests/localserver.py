"""A real HTTP/1.1 server on 127.0.0.1 for the tests: a scripted handler and a request log.

``ScriptedServer(handler)`` starts a ``ThreadingHTTPServer`` on a free port in a daemon
thread. Every request is logged as a :class:`Received` and answered with the :class:`Reply`
that ``handler(received, n)`` returns, ``n`` being the request's 0-based sequence number.
A reply may be delayed (a slow or stalled server); closing the server wakes delayed replies.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Received:
    """A request as the server saw it."""

    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass
class Reply:
    """What the handler answers."""

    status: int = 200
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    delay: float = 0.0

    @classmethod
    def json(cls, status: int, document: Any, **kwargs: Any) -> Reply:
        reply = cls(status, json.dumps(document).encode(), [("Content-Type", "application/json")], **kwargs)
        return reply

    @classmethod
    def text(cls, status: int, text: str = "", **kwargs: Any) -> Reply:
        return cls(status, text.encode(), [("Content-Type", "text/plain")], **kwargs)

    def with_header(self, name: str, value: str) -> Reply:
        self.headers.append((name, value))
        return self

    def after(self, seconds: float) -> Reply:
        self.delay = seconds
        return self


Handler = Callable[[Received, int], Reply]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # 64 clients connect at once in the concurrency tests

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that went away (a timeout test, a closed pool) is not a server error.
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


class ScriptedServer:
    """A running server; use as a context manager or call :meth:`close`."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self._log: list[Received] = []
        self._lock = threading.Lock()
        self._closed = threading.Event()
        server = self

        class RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real token servers do

            def _serve(self) -> None:
                if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                    body = self._read_chunked()
                else:
                    length = int(self.headers.get("Content-Length") or 0)
                    body = self.rfile.read(length) if length else b""
                received = Received(
                    method=self.command,
                    path=self.path,
                    headers={name.lower(): value for name, value in self.headers.items()},
                    body=body,
                )
                with server._lock:
                    n = len(server._log)
                    server._log.append(received)
                reply = server.handler(received, n)
                if reply.delay and server._closed.wait(reply.delay):
                    return  # closed while stalling: drop the connection
                self.send_response(reply.status)
                for name, value in reply.headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(reply.body)

            def _read_chunked(self) -> bytes:
                body = b""
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                    if size == 0:
                        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                            pass  # trailers
                        return body
                    body += self.rfile.read(size)
                    self.rfile.readline()  # the CRLF after each chunk

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_MERGE = _serve

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
                pass  # keep the test output clean

        self._httpd = _Server(("127.0.0.1", 0), RequestHandler)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.02,), name=f"server-{self.port}", daemon=True
        )
        self._thread.start()

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    @property
    def requests(self) -> list[Received]:
        with self._lock:
            return list(self._log)

    @property
    def count(self) -> int:
        with self._lock:
            return len(self._log)

    def close(self) -> None:
        self._closed.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> ScriptedServer:  # noqa: PYI034 - Self needs Python 3.11
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def ms(duration: timedelta | None) -> int:
    """A token's ``expires_in`` or ``refresh_in`` in whole milliseconds (``None``, never, fails)."""
    assert duration is not None, "the token never expires"
    return duration // timedelta(milliseconds=1)
