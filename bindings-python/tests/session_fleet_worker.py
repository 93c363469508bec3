"""One process of a user-session fleet (``tests/test_session_fleet.py``).

``python session_fleet_worker.py '<config JSON>'`` continues the session stored in a
``FileStore`` (sealed with a ``KeyFileSealingKey``) and runs ``threads`` threads for
``duration`` seconds, each calling ``authorization()`` and then the server's resource with the
header, in a loop. On a 401 from the resource the thread invalidates that header and tries
once more with a fresh one. A thread stops at its first ``AuthError.SignInRequired``.

Lines on stdout, each flushed at once:

* ``READY <pid>`` once the manager exists;
* ``REQUEST <pid> <time>`` when this process sends a refresh request (``AuthEvent.TokenRequested``:
  it holds the session's lock in the store);
* ``SIGNED_OUT <pid> <time>`` after ``sign_out()`` when ``sign_out_after`` is set;
* ``RESULT <JSON>`` at the end: calls, resource answers, errors by type, when each thread first
  got ``SignInRequired`` (``time.time()``), the events by type and the manager's stats.
"""

from __future__ import annotations

import collections
import json
import os
import sys
import threading
import time
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.request import Request, urlopen

import authwire

_print_lock = threading.Lock()


def say(line: str) -> None:
    with _print_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def resource(url: str, header: str) -> int:
    try:
        with urlopen(Request(url, headers={"Authorization": header}), timeout=30) as response:
            response.read()
            return int(response.status)
    except HTTPError as error:
        error.read()
        return int(error.code)
    except (URLError, OSError):
        return 0


def main() -> None:
    config: dict[str, Any] = json.loads(sys.argv[1])
    pid = os.getpid()
    events: collections.Counter[str] = collections.Counter()
    counts: collections.Counter[str] = collections.Counter()
    errors: collections.Counter[str] = collections.Counter()
    first_errors: dict[str, str] = {}
    sign_in_required: list[float] = []
    lock = threading.Lock()

    def on_event(event: authwire.AuthEvent) -> None:
        kind = type(event).__name__
        with lock:
            events[kind] += 1
        if isinstance(event, authwire.AuthEvent.TokenRequested):
            say(f"REQUEST {pid} {time.time():.3f}")

    manager = authwire.TokenManager.user_session(
        config["token"],
        config["client_id"],
        sealing_key=authwire.KeyFileSealingKey(config["key"]),
        options=authwire.TokenOptions(
            store=authwire.FileStore(config["store"]),
            request_timeout=config.get("request_timeout", 15.0),
            loop_max_invalidations=config.get("loop_max_invalidations", 10),
        ),
    )
    manager.set_listener(on_event)
    say(f"READY {pid}")
    deadline = time.monotonic() + config["duration"]
    pause = config.get("pause", 0.0)

    def run() -> None:
        while time.monotonic() < deadline:
            try:
                header = manager.authorization()
            except authwire.AuthError.SignInRequired:
                with lock:
                    sign_in_required.append(time.time())
                return
            except authwire.AuthError as error:
                with lock:
                    errors[type(error).__qualname__] += 1
                    first_errors.setdefault(type(error).__qualname__, str(error))
                time.sleep(0.05)
                continue
            status = resource(config["resource"], header)
            with lock:
                counts["calls"] += 1
                counts[f"resource_{status}"] += 1
            if status == 401:
                manager.invalidate(header)
                try:
                    retried = resource(config["resource"], manager.authorization())
                except authwire.AuthError.SignInRequired:
                    with lock:
                        sign_in_required.append(time.time())
                    return
                except authwire.AuthError as error:
                    with lock:
                        errors[type(error).__qualname__] += 1
                    continue
                with lock:
                    counts[f"retried_{retried}"] += 1
            if pause:
                time.sleep(pause)

    threads = [threading.Thread(target=run, daemon=True) for _ in range(config["threads"])]
    for thread in threads:
        thread.start()
    if config.get("sign_out_after") is not None:
        time.sleep(config["sign_out_after"])
        manager.sign_out()
        say(f"SIGNED_OUT {pid} {time.time():.3f}")
    for thread in threads:
        thread.join()
    stats = manager.stats
    result = {
        "pid": pid,
        "counts": dict(counts),
        "errors": dict(errors),
        "first_errors": first_errors,
        "sign_in_required": sign_in_required,
        "events": dict(events),
        "stats": {"token_requests": stats.token_requests, "refreshes": stats.refreshes, "failures": stats.failures},
    }
    say("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
