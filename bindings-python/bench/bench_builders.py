"""authwire's header builders against requests, httpx and plain Python, side by side in one run.

    pip install 'authwire[bench]'       # requests, httpx
    python bench/bench_builders.py      # about 30 s; --quick for a smoke run

Prints microseconds per call (best of several runs), for each builder:

* **repeated input**: the same argument objects on every call, as when a program builds the
  header for one credential per request;
* **new input**: arguments never seen before on every call (each run builds its own fresh
  strings, outside the timed loop), as when every call carries a different credential.

The indented rows call uniffi's generated functions (``authwire._native.authwire``), the
call path authwire's builders took before ``authwire/_builders.py``: the same core functions.

Every row is timed the same way: one loop over a prepared list of argument tuples, so the
loop's own cost (given as the first row) is in every figure alike. The competitors do no
validation: requests' ``_basic_auth_str`` and ``httpx.BasicAuth`` encode whatever they get,
and the plain-Python rows are what a caller would write by hand.

Not part of the test suite's assertions: speed is printed, never asserted.
"""

from __future__ import annotations

import argparse
import base64
import datetime
import importlib.metadata
import os
import platform
import sys
import time
from collections.abc import Callable
from typing import Any

Args = list[tuple[Any, ...]]
MakeArgs = Callable[[int, int], Args]


def _plain_basic(user_id: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user_id}:{password}".encode()).decode("ascii")


def _plain_bearer(token: str) -> str:
    return f"Bearer {token}"


def _plain_params(scheme: str, params: dict[str, str]) -> str:
    quoted = ", ".join(
        '{}="{}"'.format(name, value.replace("\\", "\\\\").replace('"', '\\"')) for name, value in params.items()
    )
    return f"{scheme} {quoted}"


def best_us(call: Callable[..., object], make_args: MakeArgs, calls: int, repeat: int) -> float:
    """Best-of-``repeat`` microseconds per ``call(*args)``; ``make_args(run, calls)`` gives each
    run's argument tuples (built before the run's clock starts)."""
    best = float("inf")
    for run in range(repeat):
        arguments = make_args(run, calls)
        started = time.perf_counter()
        for args in arguments:
            call(*args)
        best = min(best, time.perf_counter() - started)
    return best / calls * 1e6


# Argument lists. "Repeated" is one tuple of the same objects, `calls` times; "new" gives every
# call strings of its own, unique across runs and across the rows of this process.
_fresh = [0]


def _unique() -> str:
    _fresh[0] += 1
    return f"{_fresh[0]:x}"


def basic_same(_run: int, calls: int) -> Args:
    return [("Aladdin", "open sesame")] * calls


def basic_new(_run: int, calls: int) -> Args:
    prefix = _unique()
    return [(f"user-{prefix}-{i}", f"pass-{i}-{prefix}") for i in range(calls)]


def bearer_same(_run: int, calls: int) -> Args:
    return [("mF_9.B5f-4.1JqM",)] * calls


def bearer_new(_run: int, calls: int) -> Args:
    prefix = _unique()
    return [(f"mF_9.B5f-4.1JqM-{prefix}-{i}",) for i in range(calls)]


def params_same(_run: int, calls: int) -> Args:
    params = {"token": 'abc"def', "realm": "example"}
    return [("Token", params)] * calls


def params_new(_run: int, calls: int) -> Args:
    prefix = _unique()
    return [("Token", {"token": f'abc"{prefix}-{i}', "realm": "example"}) for i in range(calls)]


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
    parser.add_argument("--quick", action="store_true", help="fewer calls and runs (a smoke run)")
    args = parser.parse_args(argv)
    calls = 2_000 if args.quick else 20_000
    repeat = 3 if args.quick else 7

    import authwire
    from authwire._native import authwire as generated

    def generated_params(scheme: str, params: dict[str, str]) -> str:
        return generated.scheme_auth_param_lists(scheme, list(params), list(params.values()))  # type: ignore[no-any-return]

    rows: list[tuple[str, Callable[..., object], MakeArgs, MakeArgs]] = [
        ("(the timing loop alone)", lambda *_args: None, basic_same, basic_new),
        ("authwire `basic_auth(user, password)`", authwire.basic_auth, basic_same, basic_new),
        (
            "  uniffi's generated `basic_auth` (authwire before the lean path)",
            generated.basic_auth,
            basic_same,
            basic_new,
        ),
    ]
    notes: list[str] = []
    try:
        from requests.auth import _basic_auth_str
    except ImportError:
        notes.append("requests is not installed: pip install requests")
    else:
        rows.append(("requests `_basic_auth_str(user, password)`", _basic_auth_str, basic_same, basic_new))
    try:
        import httpx
    except ImportError:
        notes.append("httpx is not installed: pip install httpx")
    else:
        rows.append(("httpx `BasicAuth(user, password)` (builds its header)", httpx.BasicAuth, basic_same, basic_new))
    rows += [
        ("plain Python `'Basic ' + b64encode(f'{u}:{p}'...)`", _plain_basic, basic_same, basic_new),
        ("authwire `bearer_auth(token)`", authwire.bearer_auth, bearer_same, bearer_new),
        ("  uniffi's generated `bearer_auth`", generated.bearer_auth, bearer_same, bearer_new),
        ("plain Python `f'Bearer {token}'`", _plain_bearer, bearer_same, bearer_new),
        ("authwire `scheme_auth_params('Token', {2 params})`", authwire.scheme_auth_params, params_same, params_new),
        ("  uniffi's generated `scheme_auth_param_lists`", generated_params, params_same, params_new),
        ("plain Python auth-params (escape, join, f-string)", _plain_params, params_same, params_new),
    ]
    # Every call is made once first: the rows measure calls, not first-use imports.
    for _name, call, same, _new in rows:
        call(*same(0, 1)[0])

    results = [
        (name, best_us(call, same, calls, repeat), best_us(call, new, calls, repeat)) for name, call, same, new in rows
    ]

    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    print(f"authwire Python header-builder benchmark, {now}")
    print(
        f"machine: {platform.system()} {platform.release()} {platform.machine()}, {cpu_model()}, "
        f"{os.cpu_count()} CPUs; {platform.python_implementation()} {platform.python_version()}"
    )
    if hasattr(os, "getloadavg"):
        print(f"load average (1 min) at the end: {os.getloadavg()[0]:.2f}")
    print("versions: " + ", ".join(f"{name} {version_of(name)}" for name in ("authwire", "requests", "httpx")))
    print(f"{calls} calls per run, best of {repeat} runs; microseconds per call")
    print()
    width = max(len(name) for name, _, _ in results)
    print(f"| {'call':<{width}} | repeated input | new input |")
    print(f"|{'-' * (width + 2)}|---------------:|----------:|")
    for name, same_us, new_us in results:
        print(f"| {name:<{width}} | {same_us:14.3f} | {new_us:9.3f} |")
    for note in notes:
        print(f"note: {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
