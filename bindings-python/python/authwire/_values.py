"""The core's plain values as small immutable Python classes, and the conversions of durations.

The generated bindings hand out native objects whose data are zero-argument methods
(``creds.user_id()``) and integer milliseconds with ``2**64 - 1`` for "never". The classes here
read those once and expose properties, ``datetime.timedelta`` durations and ``None`` for
"never"; their ``repr()`` is Python syntax with every secret shown as ``<redacted>``.

Durations given to authwire are ``float`` (or ``int``) seconds or a ``datetime.timedelta``; a
negative, NaN or infinite one raises ``ValueError`` with a sentence naming the argument, a value
of another type ``TypeError``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, ClassVar, Union, final

from . import _ffi

__all__ = [
    "AccessToken",
    "ApiKey",
    "AuthEvent",
    "AuthListener",
    "BasicCredentials",
    "CsrfHeaders",
    "Duration",
    "StrPath",
]

#: A duration argument: seconds as ``float`` or ``int``, or a ``datetime.timedelta``.
Duration = Union[float, int, timedelta]

#: A path to a file: ``str`` or any ``os.PathLike[str]`` (``pathlib.Path``).
StrPath = Union[str, "os.PathLike[str]"]

#: The core's "never" (``u64::MAX`` milliseconds).
_NEVER_MS = (1 << 64) - 1
_REDACTED = "<redacted>"


def seconds_of(name: str, value: object) -> float:
    """``value`` (float or int seconds, or a ``timedelta``) in seconds, checked: ``ValueError``
    when negative, NaN or infinite, ``TypeError`` for any other type."""
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    else:
        raise TypeError(
            f"{name} must be a number of seconds (float or int) or a datetime.timedelta, not {type(value).__name__}"
        )
    if math.isnan(seconds) or math.isinf(seconds):
        raise ValueError(f"{name} must be a finite number of seconds, not {value!r}")
    if seconds < 0:
        raise ValueError(f"{name} must be zero or more seconds, not {value!r}")
    if seconds * 1000 >= _NEVER_MS:
        raise ValueError(f"{name} is too long: {value!r}")
    return seconds


def ms_of(name: str, value: object) -> int:
    """``value`` as whole milliseconds for the core (rounded to the nearest), checked as
    :func:`seconds_of` checks it."""
    if isinstance(value, timedelta):
        seconds_of(name, value)
        return (value // timedelta(microseconds=500) + 1) // 2
    return round(seconds_of(name, value) * 1000)


def whole_seconds_of(name: str, value: object) -> int:
    """``value`` as whole seconds for the core (rounded to the nearest)."""
    return round(seconds_of(name, value))


def size_of(name: str, value: object) -> int:
    """A count or size for the core: a non-negative ``int``."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{name} must be zero or more, not {value}")
    if value >= _NEVER_MS:
        raise ValueError(f"{name} is too large: {value}")
    return value


def timedelta_of_ms(ms: int | None) -> timedelta | None:
    """The core's milliseconds as a ``timedelta``; ``None`` for "never" (``u64::MAX``) or absent."""
    if ms is None or ms >= _NEVER_MS:
        return None
    return timedelta(milliseconds=ms)


def _text(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type(value).__name__}")
    return value


@final
class BasicCredentials:
    """The user-id and password of a Basic ``Authorization`` value (``authwire.decode_basic``).

    Immutable; equal when both parts are equal. ``repr()`` shows the user-id and
    ``password=<redacted>``.
    """

    __slots__ = ("_password", "_user_id")

    def __init__(self, user_id: str, password: str) -> None:
        self._user_id = _text("user_id", user_id)
        self._password = _text("password", password)

    @property
    def user_id(self) -> str:
        """The user-id (the part before the first ``:``)."""
        return self._user_id

    @property
    def password(self) -> str:
        """The password, in clear: keep it out of logs."""
        return self._password

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BasicCredentials):
            return NotImplemented
        return (self._user_id, self._password) == (other._user_id, other._password)

    def __hash__(self) -> int:
        return hash((BasicCredentials, self._user_id, self._password))

    def __repr__(self) -> str:
        return f"BasicCredentials(user_id={self._user_id!r}, password={_REDACTED})"


@final
class ApiKey:
    """An XTD API key: the downloaded key file, or the encoded key alone.

    Create one with :meth:`from_file`, :meth:`from_json` or :meth:`from_encoded_key` and give
    it to ``TokenManager.api_key_exchange``. Immutable; equal when all three fields are equal.
    ``repr()`` shows the app client id and ``<redacted>`` for the secret and the key.
    """

    __slots__ = ("_app_client_id", "_app_client_secret", "_encoded_key", "_native")

    _native: _ffi.ApiKey
    _app_client_id: str | None
    _app_client_secret: str | None
    _encoded_key: str

    def __init__(self) -> None:
        raise TypeError("create an ApiKey with ApiKey.from_file, ApiKey.from_json or ApiKey.from_encoded_key")

    @classmethod
    def _wrap(cls, native: _ffi.ApiKey) -> ApiKey:
        key = object.__new__(cls)
        key._native = native
        key._app_client_id = native.app_client_id()
        key._app_client_secret = native.app_client_secret()
        key._encoded_key = native.encoded_key()
        return key

    @classmethod
    def from_file(cls, path: StrPath) -> ApiKey:
        """Reads the key file at ``path`` (``str`` or ``pathlib.Path``).

        Raises ``AuthError.InvalidConfiguration`` when the file cannot be read or is not an
        API-key file (naming what is missing, never a secret); ``TypeError`` when ``path`` is
        neither a ``str`` nor an ``os.PathLike``."""
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"path must be a str or an os.PathLike, not {type(path).__name__}")
        return cls._wrap(_ffi.ApiKey.from_file(os.fspath(path)))

    @classmethod
    def from_json(cls, text: str) -> ApiKey:
        """Reads the key file's JSON text (e.g. from a secret manager). Raises
        ``AuthError.InvalidConfiguration`` like :meth:`from_file`."""
        return cls._wrap(_ffi.ApiKey.from_json(_text("text", text)))

    @classmethod
    def from_encoded_key(cls, encoded_key: str) -> ApiKey:
        """An API key from its encoded key alone (no app client id or secret). Raises
        ``AuthError.InvalidConfiguration`` for an empty key."""
        return cls._wrap(_ffi.ApiKey.from_encoded_key(_text("encoded_key", encoded_key)))

    @property
    def app_client_id(self) -> str | None:
        """The app client id, when the key file has one."""
        return self._app_client_id

    @property
    def app_client_secret(self) -> str | None:
        """The app client secret, in clear, when the key file has one: keep it out of logs."""
        return self._app_client_secret

    @property
    def encoded_key(self) -> str:
        """The encoded key sent to the token endpoint, in clear: keep it out of logs."""
        return self._encoded_key

    def _fields(self) -> tuple[str | None, str | None, str]:
        return (self._app_client_id, self._app_client_secret, self._encoded_key)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ApiKey):
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash((ApiKey, *self._fields()))

    def __repr__(self) -> str:
        secret = "None" if self._app_client_secret is None else _REDACTED
        return f"ApiKey(app_client_id={self._app_client_id!r}, app_client_secret={secret}, encoded_key={_REDACTED})"


@final
class AccessToken:
    """A token with its deadlines as of when it was handed out (``TokenManager.token()``).

    ``value`` and ``authorization`` are secrets (``repr()`` shows ``<redacted>``);
    ``expires_in`` and ``refresh_in`` are ``timedelta`` s, ``None`` for a token that never
    expires."""

    __slots__ = ("_authorization", "_expires_in", "_refresh_in", "_value")

    def __init__(
        self, *, value: str, authorization: str, expires_in: timedelta | None, refresh_in: timedelta | None
    ) -> None:
        self._value = _text("value", value)
        self._authorization = _text("authorization", authorization)
        self._expires_in = expires_in
        self._refresh_in = refresh_in

    @classmethod
    def _from_native(cls, native: _ffi.AccessToken, authorization: str, refresh_in_ms: int) -> AccessToken:
        return cls(
            value=native.value(),
            authorization=authorization,
            expires_in=timedelta_of_ms(native.expires_in_ms()),
            refresh_in=timedelta_of_ms(refresh_in_ms),
        )

    @property
    def value(self) -> str:
        """The token in clear: keep it out of logs."""
        return self._value

    @property
    def authorization(self) -> str:
        """The ``Authorization`` header value, e.g. ``Bearer eyJ...``."""
        return self._authorization

    @property
    def expires_in(self) -> timedelta | None:
        """How long the token stayed valid from when it was handed out; ``None``: never expires."""
        return self._expires_in

    @property
    def refresh_in(self) -> timedelta | None:
        """When the manager wanted a fresh token, from when this one was handed out; ``None``: never."""
        return self._refresh_in

    def __repr__(self) -> str:
        return (
            f"AccessToken(value={_REDACTED}, authorization={_REDACTED}, "
            f"expires_in={self._expires_in!r}, refresh_in={self._refresh_in!r})"
        )

    def __str__(self) -> str:
        if self._expires_in is None:
            return "access token (redacted), never expires"
        return f"access token (redacted), expires in {self._expires_in}"


@final
class CsrfHeaders:
    """The headers for one write call (``CsrfSession.headers()``): ``X-CSRF-Token``,
    ``Cookie`` (when the server set cookies) and ``Authorization``. Every value is a secret:
    ``repr()`` shows ``<redacted>``."""

    __slots__ = ("_authorization", "_cookie", "_csrf_token")

    def __init__(self, *, csrf_token: str, cookie: str | None, authorization: str) -> None:
        self._csrf_token = _text("csrf_token", csrf_token)
        self._cookie = cookie
        self._authorization = _text("authorization", authorization)

    @classmethod
    def _from_native(cls, native: _ffi.CsrfHeaders) -> CsrfHeaders:
        return cls(csrf_token=native.csrf_token(), cookie=native.cookie(), authorization=native.authorization())

    @property
    def csrf_token(self) -> str:
        """The ``X-CSRF-Token`` value."""
        return self._csrf_token

    @property
    def cookie(self) -> str | None:
        """The ``Cookie`` value of the session the token belongs to, or ``None`` without cookies."""
        return self._cookie

    @property
    def authorization(self) -> str:
        """The ``Authorization`` value (HTTP Basic)."""
        return self._authorization

    def to_map(self) -> dict[str, str]:
        """The headers as a new ``dict`` of name to value (``Cookie`` only when there are cookies)."""
        headers = {"X-CSRF-Token": self._csrf_token, "Authorization": self._authorization}
        if self._cookie is not None:
            headers["Cookie"] = self._cookie
        return headers

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CsrfHeaders):
            return NotImplemented
        mine = (self._csrf_token, self._cookie, self._authorization)
        return mine == (other._csrf_token, other._cookie, other._authorization)

    def __hash__(self) -> int:
        return hash((CsrfHeaders, self._csrf_token, self._cookie, self._authorization))

    def __repr__(self) -> str:
        cookie = "None" if self._cookie is None else _REDACTED
        return f"CsrfHeaders(csrf_token={_REDACTED}, cookie={cookie}, authorization={_REDACTED})"


# --- Events -----------------------------------------------------------------------------------


class AuthEvent:
    """Something that happened inside a token manager or CSRF session (never a secret).

    Each kind is a subclass, an immutable dataclass: branch with ``isinstance`` or ``match``::

        match event:
            case authwire.AuthEvent.TokenRefreshed(lifetime=lifetime):
                ...
            case authwire.AuthEvent.RefreshFailed(reason=reason, serving_stale=stale):
                ...
    """

    __slots__ = ()

    if TYPE_CHECKING:
        TokenRequested: ClassVar[type[_TokenRequested]]
        TokenRefreshed: ClassVar[type[_TokenRefreshed]]
        RefreshRetrying: ClassVar[type[_RefreshRetrying]]
        RefreshFailed: ClassVar[type[_RefreshFailed]]
        TokenInvalidated: ClassVar[type[_TokenInvalidated]]
        StoreTokenAdopted: ClassVar[type[_StoreTokenAdopted]]
        StoreUnavailable: ClassVar[type[_StoreUnavailable]]
        StoreRecovered: ClassVar[type[_StoreRecovered]]
        StoreEntryRejected: ClassVar[type[_StoreEntryRejected]]
        StoreWaitTimedOut: ClassVar[type[_StoreWaitTimedOut]]
        SessionEnded: ClassVar[type[_SessionEnded]]


@final
@dataclass(frozen=True)
class _TokenRequested(AuthEvent):
    """A token request is about to be sent; ``attempt`` counts from 1."""

    attempt: int


@final
@dataclass(frozen=True)
class _TokenRefreshed(AuthEvent):
    """A new token arrived: it lives ``lifetime`` and is refreshed after ``refresh_in``
    (``None``: never)."""

    lifetime: timedelta | None
    refresh_in: timedelta | None


@final
@dataclass(frozen=True)
class _RefreshRetrying(AuthEvent):
    """An attempt failed and another follows after ``delay``; ``network_kind`` is the kind
    when the attempt failed on the network, else ``None``."""

    attempt: int
    delay: timedelta
    network_kind: _ffi.NetworkErrorKind | None
    reason: str


@final
@dataclass(frozen=True)
class _RefreshFailed(AuthEvent):
    """A refresh failed for good; ``serving_stale`` is true while a still-valid token keeps
    being served."""

    network_kind: _ffi.NetworkErrorKind | None
    reason: str
    serving_stale: bool


@final
@dataclass(frozen=True)
class _TokenInvalidated(AuthEvent):
    """The current token was discarded (``invalidate``)."""


@final
@dataclass(frozen=True)
class _StoreTokenAdopted(AuthEvent):
    """A token another process had put in the store was adopted; it was ``age`` old."""

    age: timedelta


@final
@dataclass(frozen=True)
class _StoreUnavailable(AuthEvent):
    """The store failed; the manager requests its own tokens and tries the store again after
    ``retry_in``."""

    reason: str
    retry_in: timedelta


@final
@dataclass(frozen=True)
class _StoreRecovered(AuthEvent):
    """The store answers again."""


@final
@dataclass(frozen=True)
class _StoreEntryRejected(AuthEvent):
    """An entry of the store could not be used (it was not sealed with this credential's key,
    or is damaged); it is ignored."""

    reason: str


@final
@dataclass(frozen=True)
class _StoreWaitTimedOut(AuthEvent):
    """Waiting for another process's token request took ``waited``; this one requests its own."""

    waited: timedelta


@final
@dataclass(frozen=True)
class _SessionEnded(AuthEvent):
    """A user session ended: the server refused its refresh token (``invalid_grant``), the user
    signed out (in this process or another), or no session is stored. Every call now raises
    ``AuthError.SignInRequired`` until the user signs in again; ``reason`` says why (never a
    token)."""

    reason: str


_EVENTS: dict[str, type[AuthEvent]] = {
    "TOKEN_REQUESTED": _TokenRequested,
    "TOKEN_REFRESHED": _TokenRefreshed,
    "REFRESH_RETRYING": _RefreshRetrying,
    "REFRESH_FAILED": _RefreshFailed,
    "TOKEN_INVALIDATED": _TokenInvalidated,
    "STORE_TOKEN_ADOPTED": _StoreTokenAdopted,
    "STORE_UNAVAILABLE": _StoreUnavailable,
    "STORE_RECOVERED": _StoreRecovered,
    "STORE_ENTRY_REJECTED": _StoreEntryRejected,
    "STORE_WAIT_TIMED_OUT": _StoreWaitTimedOut,
    "SESSION_ENDED": _SessionEnded,
}
for _upper, _event in _EVENTS.items():
    _name = _event.__name__[1:]
    _event.__name__ = _name
    _event.__qualname__ = f"AuthEvent.{_name}"
    setattr(AuthEvent, _name, _event)
del _upper, _event, _name


#: The core's (generated) event classes to these.
_BY_GENERATED: dict[type, type[AuthEvent]] = {getattr(_ffi.AuthEvent, upper): cls for upper, cls in _EVENTS.items()}


def _event_fields(generated: object) -> Iterator[tuple[str, object]]:
    for name in type(generated)._authwire_fields:  # type: ignore[attr-defined]
        value = getattr(generated, name)
        if name.endswith("_ms"):
            yield name[:-3], timedelta_of_ms(value)
        else:
            yield name, value


def event_of(generated: _ffi.AuthEvent) -> AuthEvent:
    """The Python event for one of the core's (generated) events."""
    cls = _BY_GENERATED[type(generated)]
    fields: Mapping[str, object] = dict(_event_fields(generated))
    return cls(**fields)


class AuthListener:
    """Subclass and override :meth:`on_event` to receive a manager's events, or pass any
    callable taking an :class:`AuthEvent` to ``set_listener``."""

    def on_event(self, event: AuthEvent) -> None:
        """Called on authwire's threads for each event: return quickly. An exception is logged
        to the ``authwire`` logger and otherwise ignored."""
