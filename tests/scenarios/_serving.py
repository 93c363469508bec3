"""The serving plumbing of the scenario scripts that run several servers as one subprocess
(``jwt_servers.py``, ``oauth_servers.py``): servers on free ports of 127.0.0.1, each served by a
thread of its own, ONE line of JSON on stdout once they listen, then serving until stdin closes
(or SIGTERM/SIGINT), and every server shut down and closed on the way out.

The scripts are run as ``python tests/scenarios/<script>.py``, so this module is imported from
the script's directory (``sys.path[0]``).
"""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any

HOST = "127.0.0.1"


def base_url(server: Any) -> str:
    """``http://127.0.0.1:<port>`` of a listening server."""
    return f"http://{HOST}:{server.server_address[1]}"


class Servers:
    """The servers of one script: added as they are made, started together, stopped together."""

    def __init__(self) -> None:
        self.all: list[Any] = []
        self.started: list[Any] = []

    def add(self, server: Any) -> Any:
        """Registers a server made on ``(HOST, 0)`` (e.g. a ``ThreadingHTTPServer``); returns it."""
        self.all.append(server)
        return server

    def wsgi(self, app: Any) -> Any:
        """A threaded werkzeug server for the WSGI ``app`` on a free port, registered."""
        from werkzeug.serving import make_server

        return self.add(make_server(HOST, 0, app, threaded=True))

    def start(self) -> None:
        for s in self.all:
            threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
            self.started.append(s)

    def close(self) -> None:
        stoppers = [threading.Thread(target=s.shutdown) for s in self.started]  # each waits for a poll
        for t in stoppers:
            t.start()
        for t in stoppers:
            t.join()
        for s in self.all:
            s.server_close()


def serve(make: Callable[[Servers], dict[str, Any]]) -> int:
    """Runs ``make``, which adds the servers and returns the ready line; starts the servers,
    prints the ready line as JSON and serves until stdin closes. Only the ready line goes to
    the real stdout: anything else printed meanwhile (by a library) goes to stderr."""
    stdout = sys.stdout
    sys.stdout = sys.stderr
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no request lines
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

    servers = Servers()
    try:
        ready = make(servers)
        servers.start()
        stdout.write(json.dumps(ready) + "\n")
        stdout.flush()
        sys.stdin.read()
        return 0
    finally:
        servers.close()
