"""``TokenOptions``: how a token manager or CSRF session refreshes, retries and times out.

Durations are ``float`` seconds or ``datetime.timedelta`` in, ``timedelta`` out; the core's
record (integer milliseconds) is built once, when the options are first used.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from datetime import timedelta
from typing import Union, final

from . import _ffi
from ._store import TokenStore, native_store
from ._values import Duration, ms_of, size_of, whole_seconds_of

#: What ``TokenOptions(store=...)`` accepts: ``authwire.FileStore``, ``authwire.RedisStore``
#: or your own ``TokenStore`` subclass.
Store = TokenStore

__all__ = ["TokenOptions", "Transport", "native_options"]

#: What ``TokenOptions(transport=...)`` accepts: a blocking transport (``send`` returns the
#: response: ``authwire.httpx.HttpxTransport``, ``authwire.requests.RequestsTransport``) or an
#: async one (``async def send``).
Transport = Union[_ffi.BlockingHttpTransport, _ffi.HttpTransport]


class _AsyncTransport(_ffi.BlockingHttpTransport):
    """Runs an async transport (``async def send``) for the core, which calls transports from
    its own threads, where uniffi 0.32 cannot await a Python coroutine: every ``send`` runs on
    one event loop of this adapter's own (a daemon thread), so the transport's client (an
    ``httpx.AsyncClient``) always sees the same loop."""

    __slots__ = ("_lock", "_loop", "_target")

    def __init__(self, target: _ffi.HttpTransport) -> None:
        self._target = target
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or self._loop.is_closed():
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, name="authwire-async-transport", daemon=True).start()
                self._loop = loop
            return self._loop

    def send(self, request: _ffi.HttpRequest) -> _ffi.HttpResponse:
        future = asyncio.run_coroutine_threadsafe(self._target.send(request), self._running_loop())
        try:
            # The core gives up at its own timeout; the coroutine gets a moment more to answer.
            return future.result(timeout=request.timeout.total_seconds() + 1.0)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise _ffi.HttpTransportError.Classified(
                _ffi.NetworkErrorKind.READ_TIMEOUT, "the async transport did not answer in time"
            ) from None

    def __repr__(self) -> str:
        return repr(self._target)


def _fraction(name: str, value: object) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise TypeError(f"{name} must be a float, not {type(value).__name__}")
    value = float(value)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be between 0 and 1, not {value!r}")
    return value


@final
class TokenOptions:
    """How a token manager or CSRF session refreshes, retries and times out; every argument
    is keyword-only and optional.

    Durations are seconds (``float`` or ``int``) or a ``datetime.timedelta``; they read back
    as ``timedelta``. A negative, NaN or infinite duration raises ``ValueError``, a value of
    the wrong type ``TypeError``; the core checks the rest (``AuthError.InvalidConfiguration``
    when the options are used).

    * ``refresh_fraction`` (0.1), ``refresh_floor`` (0.25 s), ``refresh_cap`` (300 s),
      ``refresh_jitter`` (0.2): a token is refreshed when ``refresh_fraction`` of its lifetime
      remains, at least ``refresh_floor`` and at most ``refresh_cap`` before it expires (never
      more than half the lifetime), plus up to ``refresh_jitter`` of that;
    * ``expiry_skew`` (0.5 s): a token is treated as expired that much early;
    * ``default_lifetime`` (3600 s): the lifetime of a token whose answer says none;
    * ``connect_timeout`` (5 s), ``request_timeout`` (15 s): per token request;
    * ``max_attempts`` (4), ``backoff_initial`` (0.2 s), ``backoff_max`` (10 s),
      ``retry_budget`` (30 s): retries of a failed token request;
    * ``max_body_bytes`` (65536): the largest token response read;
    * ``loop_max_invalidations`` (10) within ``loop_window`` (60 s): more invalidations of the
      current token than that raise ``AuthError.RefreshLoop`` instead of refreshing;
    * ``transport``: send token requests through your HTTP client, a blocking transport
      (``authwire.httpx.HttpxTransport()``, ``authwire.requests.RequestsTransport()``, a
      ``BlockingHttpTransport`` subclass) or an async one (an ``HttpTransport`` subclass with
      ``async def send``, run on an event loop of its own);
    * ``store``: share tokens between processes (``authwire.FileStore``, ``authwire.RedisStore``,
      your own ``TokenStore``).
    """

    __slots__ = (
        "_default_lifetime",
        "_durations",
        "_loop_max_invalidations",
        "_max_attempts",
        "_max_body_bytes",
        "_native",
        "_native_store",
        "_refresh_fraction",
        "_refresh_jitter",
        "_store",
        "_transport",
    )

    def __init__(
        self,
        *,
        refresh_fraction: float = 0.1,
        refresh_floor: Duration = 0.25,
        refresh_cap: Duration = 300.0,
        refresh_jitter: float = 0.2,
        expiry_skew: Duration = 0.5,
        default_lifetime: Duration = 3600.0,
        connect_timeout: Duration = 5.0,
        request_timeout: Duration = 15.0,
        max_attempts: int = 4,
        backoff_initial: Duration = 0.2,
        backoff_max: Duration = 10.0,
        retry_budget: Duration = 30.0,
        max_body_bytes: int = 65536,
        loop_max_invalidations: int = 10,
        loop_window: Duration = 60.0,
        transport: Transport | None = None,
        store: Store | None = None,
    ) -> None:
        given = {
            "refresh_floor": refresh_floor,
            "refresh_cap": refresh_cap,
            "expiry_skew": expiry_skew,
            "connect_timeout": connect_timeout,
            "request_timeout": request_timeout,
            "backoff_initial": backoff_initial,
            "backoff_max": backoff_max,
            "retry_budget": retry_budget,
            "loop_window": loop_window,
        }
        self._durations = {name: ms_of(name, value) for name, value in given.items()}
        self._default_lifetime = whole_seconds_of("default_lifetime", default_lifetime)
        self._refresh_fraction = _fraction("refresh_fraction", refresh_fraction)
        self._refresh_jitter = _fraction("refresh_jitter", refresh_jitter)
        self._max_attempts = size_of("max_attempts", max_attempts)
        self._max_body_bytes = size_of("max_body_bytes", max_body_bytes)
        self._loop_max_invalidations = size_of("loop_max_invalidations", loop_max_invalidations)
        if transport is not None and not isinstance(transport, (_ffi.BlockingHttpTransport, _ffi.HttpTransport)):
            raise TypeError(
                "transport must be an authwire.BlockingHttpTransport (authwire.httpx.HttpxTransport, "
                "authwire.requests.RequestsTransport) or an authwire.HttpTransport, "
                f"not {type(transport).__name__}"
            )
        self._native_store = native_store(store)
        self._transport = transport
        self._store = store
        self._native: _ffi.TokenOptions | None = None

    def _duration(self, name: str) -> timedelta:
        return timedelta(milliseconds=self._durations[name])

    @property
    def refresh_fraction(self) -> float:
        """The part of a token's lifetime left when it is refreshed (default 0.1)."""
        return self._refresh_fraction

    @property
    def refresh_floor(self) -> timedelta:
        """A token is refreshed at least this long before it expires (default 0.25 s)."""
        return self._duration("refresh_floor")

    @property
    def refresh_cap(self) -> timedelta:
        """A token is refreshed at most this long before it expires (default 300 s)."""
        return self._duration("refresh_cap")

    @property
    def refresh_jitter(self) -> float:
        """Up to this part of the refresh margin is added at random (default 0.2)."""
        return self._refresh_jitter

    @property
    def expiry_skew(self) -> timedelta:
        """A token is treated as expired this much early (default 0.5 s)."""
        return self._duration("expiry_skew")

    @property
    def default_lifetime(self) -> timedelta:
        """The lifetime of a token whose answer gives none (default one hour)."""
        return timedelta(seconds=self._default_lifetime)

    @property
    def connect_timeout(self) -> timedelta:
        """The time allowed to open a connection to the token server (default 5 s)."""
        return self._duration("connect_timeout")

    @property
    def request_timeout(self) -> timedelta:
        """The time allowed for one token request, answer included (default 15 s)."""
        return self._duration("request_timeout")

    @property
    def max_attempts(self) -> int:
        """Token request attempts before failing (default 4)."""
        return self._max_attempts

    @property
    def backoff_initial(self) -> timedelta:
        """The first retry's backoff ceiling; it doubles per attempt (default 0.2 s)."""
        return self._duration("backoff_initial")

    @property
    def backoff_max(self) -> timedelta:
        """The largest backoff ceiling (default 10 s)."""
        return self._duration("backoff_max")

    @property
    def retry_budget(self) -> timedelta:
        """The total time a token request and its retries may take (default 30 s)."""
        return self._duration("retry_budget")

    @property
    def max_body_bytes(self) -> int:
        """The largest token response read, in bytes (default 65536)."""
        return self._max_body_bytes

    @property
    def loop_max_invalidations(self) -> int:
        """Invalidations of the current token allowed within ``loop_window`` (default 10)."""
        return self._loop_max_invalidations

    @property
    def loop_window(self) -> timedelta:
        """The window of ``loop_max_invalidations`` (default 60 s)."""
        return self._duration("loop_window")

    @property
    def transport(self) -> Transport | None:
        """The transport token requests go through, or ``None`` for the core's own HTTP client."""
        return self._transport

    @property
    def store(self) -> Store | None:
        """The store tokens are shared through, or ``None``."""
        return self._store

    def _to_native(self) -> _ffi.TokenOptions:
        if self._native is None:
            blocking: _ffi.BlockingHttpTransport | None = None
            if isinstance(self._transport, _ffi.BlockingHttpTransport):
                blocking = self._transport
            elif isinstance(self._transport, _ffi.HttpTransport):
                blocking = _AsyncTransport(self._transport)
            ms = self._durations
            self._native = _ffi.TokenOptions(
                refresh_fraction=self._refresh_fraction,
                refresh_floor_ms=ms["refresh_floor"],
                refresh_cap_ms=ms["refresh_cap"],
                refresh_jitter=self._refresh_jitter,
                expiry_skew_ms=ms["expiry_skew"],
                default_lifetime_secs=self._default_lifetime,
                connect_timeout_ms=ms["connect_timeout"],
                request_timeout_ms=ms["request_timeout"],
                max_attempts=self._max_attempts,
                backoff_initial_ms=ms["backoff_initial"],
                backoff_max_ms=ms["backoff_max"],
                retry_budget_ms=ms["retry_budget"],
                max_body_bytes=self._max_body_bytes,
                loop_max_invalidations=self._loop_max_invalidations,
                loop_window_ms=ms["loop_window"],
                transport=None,
                blocking_transport=blocking,
                store=self._native_store,
            )
        return self._native

    def _key(self) -> tuple[object, ...]:
        return (
            tuple(sorted(self._durations.items())),
            self._default_lifetime,
            self._refresh_fraction,
            self._refresh_jitter,
            self._max_attempts,
            self._max_body_bytes,
            self._loop_max_invalidations,
            id(self._transport),
            id(self._store),
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TokenOptions):
            return NotImplemented
        return (
            self._key()[:-2] == other._key()[:-2]
            and self._transport is other._transport
            and self._store is other._store
        )

    __hash__ = None  # type: ignore[assignment]  # holds a transport and a store, compared by identity

    def __repr__(self) -> str:
        values = {name: getattr(self, name) for name in _FIELDS}
        # Durations as the seconds the constructor takes: `TokenOptions(request_timeout=15.0, ...)`.
        shown = ", ".join(
            f"{name}={value.total_seconds() if isinstance(value, timedelta) else value!r}"
            for name, value in values.items()
        )
        return f"TokenOptions({shown})"


#: The fields in the order of the constructor's arguments (``repr`` shows them all).
_FIELDS = (
    "refresh_fraction",
    "refresh_floor",
    "refresh_cap",
    "refresh_jitter",
    "expiry_skew",
    "default_lifetime",
    "connect_timeout",
    "request_timeout",
    "max_attempts",
    "backoff_initial",
    "backoff_max",
    "retry_budget",
    "max_body_bytes",
    "loop_max_invalidations",
    "loop_window",
    "transport",
    "store",
)


def native_options(options: TokenOptions | None) -> _ffi.TokenOptions | None:
    """The core's record for ``options``; ``TypeError`` for anything but ``TokenOptions`` or ``None``."""
    if options is None:
        return None
    if not isinstance(options, TokenOptions):
        raise TypeError(f"options must be an authwire.TokenOptions or None, not {type(options).__name__}")
    return options._to_native()
