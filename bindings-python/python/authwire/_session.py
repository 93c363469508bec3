"""User sessions: the tokens a session starts from, the key that seals it in a shared store,
and the two sign-in helpers (authorization code with PKCE, and the device authorization grant).

A user signs in once; the app then lives on a refresh token that the server rotates, through
``TokenManager.user_session``. Everything here is the core's, with Python's shapes: durations
in and out as seconds or ``timedelta``, properties, keyword-only options, and ``repr()`` with
every token, code and verifier shown as ``<redacted>``.
"""

from __future__ import annotations

import abc
import asyncio
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Union, final

from . import _ffi
from ._ffi import ClientAuthMethod
from ._options import TokenOptions, native_options
from ._values import Duration, whole_seconds_of

__all__ = [
    "AuthorizationCodeFlow",
    "DeviceAuthorizationFlow",
    "DeviceCode",
    "KeyFileSealingKey",
    "SealingKey",
    "SessionTokens",
    "native_sealing_key",
]

#: A path to a file: ``str`` or any ``os.PathLike[str]`` (``pathlib.Path``).
StrPath = Union[str, "os.PathLike[str]"]

_REDACTED = "<redacted>"


def _text(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type(value).__name__}")
    return value


def _optional_text(name: str, value: object) -> str | None:
    return None if value is None else _text(name, value)


def _scope_list(scopes: Iterable[str]) -> list[str]:
    if isinstance(scopes, str):
        raise TypeError('scopes must be a list of scope tokens, e.g. ["openid", "profile"], not a str')
    return [_text("each scope", scope) for scope in scopes]


# --- The tokens a session starts from ---------------------------------------------------------


@final
class SessionTokens:
    """The tokens a user session starts from: an access token, a refresh token, how long the
    access token lives, its scope, and the OpenID Connect ID token when there is one.

    Get them from :meth:`AuthorizationCodeFlow.finish`, :meth:`DeviceAuthorizationFlow.wait`, or
    any other sign-in (AppAuth, Auth0, a web login): ``SessionTokens(access_token,
    refresh_token, expires_in=3600)`` or :meth:`from_token_response` over the token endpoint's
    JSON. Give them to ``TokenManager.user_session(..., tokens=...)``.

    Immutable. ``repr()`` shows ``<redacted>`` for every token; the properties give them in
    clear: keep them out of logs.

    Raises ``AuthError.InvalidInput`` for an access token that cannot be sent as a Bearer token
    (empty, a space, a control character, non-ASCII), or an empty refresh token or one with a
    control character; ``ValueError``/``TypeError`` for a bad ``expires_in``.
    """

    __slots__ = ("_access_token", "_expires_in", "_id_token", "_native", "_refresh_token", "_scope")

    _native: _ffi.SessionTokens
    _access_token: str
    _refresh_token: str
    _expires_in: timedelta | None
    _scope: str | None
    _id_token: str | None

    def __init__(
        self,
        access_token: str,
        refresh_token: str,
        *,
        expires_in: Duration | None = None,
        scope: str | None = None,
        id_token: str | None = None,
    ) -> None:
        seconds = None if expires_in is None else whole_seconds_of("expires_in", expires_in)
        native = _ffi.SessionTokens(
            _text("access_token", access_token),
            _text("refresh_token", refresh_token),
            seconds,
            _optional_text("scope", scope),
            _optional_text("id_token", id_token),
        )
        self._adopt(native)

    def _adopt(self, native: _ffi.SessionTokens) -> None:
        self._native = native
        self._access_token = native.access_token()
        self._refresh_token = native.refresh_token()
        secs = native.expires_in_secs()
        self._expires_in = None if secs is None else timedelta(seconds=secs)
        self._scope = native.scope()
        self._id_token = native.id_token()

    @classmethod
    def _wrap(cls, native: _ffi.SessionTokens) -> SessionTokens:
        tokens = object.__new__(cls)
        tokens._adopt(native)
        return tokens

    @classmethod
    def from_token_response(cls, response: str | bytes | Mapping[str, Any]) -> SessionTokens:
        """Tokens from a token endpoint's successful answer (RFC 6749 section 5.1), as JSON
        text (``str`` or ``bytes``) or the parsed object (a mapping, e.g. what AppAuth or Auth0
        handed over): ``access_token``, ``token_type`` (Bearer, or absent), ``refresh_token``,
        and optionally ``expires_in``, ``scope`` and ``id_token``.

        Raises ``AuthError.InvalidResponse`` when it is not such an answer: not JSON, no
        ``access_token`` or ``refresh_token``, a ``token_type`` other than Bearer (naming what
        is wrong, never a token)."""
        if isinstance(response, Mapping):
            text = json.dumps(dict(response))
        elif isinstance(response, (bytes, bytearray, memoryview)):
            try:
                text = bytes(response).decode("utf-8")
            except UnicodeDecodeError:
                raise _ffi.AuthError.InvalidResponse("the token response is not UTF-8 text") from None
        elif isinstance(response, str):
            text = response
        else:
            raise TypeError(
                f"response must be the JSON text (str or bytes) or a mapping, not {type(response).__name__}"
            )
        return cls._wrap(_ffi.SessionTokens.from_token_response(text))

    @property
    def access_token(self) -> str:
        """The access token, in clear: keep it out of logs."""
        return self._access_token

    @property
    def refresh_token(self) -> str:
        """The refresh token, in clear: keep it out of logs (it is the user's session)."""
        return self._refresh_token

    @property
    def expires_in(self) -> timedelta | None:
        """The access token's lifetime as the server announced it (whole seconds), or ``None``
        when it did not say."""
        return self._expires_in

    @property
    def scope(self) -> str | None:
        """The granted scope, space-separated, or ``None`` when the server did not say."""
        return self._scope

    @property
    def id_token(self) -> str | None:
        """The OpenID Connect ID token, or ``None``. authwire does not validate it: check its
        signature, ``iss``, ``aud`` and ``nonce`` before trusting its claims."""
        return self._id_token

    def __repr__(self) -> str:
        id_token = "None" if self._id_token is None else _REDACTED
        return (
            f"SessionTokens(access_token={_REDACTED}, refresh_token={_REDACTED}, "
            f"expires_in={self._expires_in!r}, scope={self._scope!r}, id_token={id_token})"
        )


# --- The sealing key --------------------------------------------------------------------------


class SealingKey(abc.ABC):
    """The stable secret that seals a user session in a shared store: subclass it and give an
    instance as ``TokenManager.user_session(..., sealing_key=...)``.

    A rotating refresh token cannot be the key's source (the key would change with every
    refresh), so the host provides one: a key file (:class:`KeyFileSealingKey`), a secret
    from the OS keyring or a vault. Every process that shares the session must get the same
    key.

    :meth:`key` runs on authwire's threads whenever the session store is first used. When the
    key cannot be read right now (a locked keyring), raise ``authwire.StoreError.Unavailable``:
    a transient failure, the session stays and the key is asked again later. Raise
    ``StoreError.InvalidConfiguration`` when it never can. Any other exception counts as
    ``Unavailable``.
    """

    @abc.abstractmethod
    def key(self) -> bytes:
        """The key: at least 32 bytes of random data, the same on every call."""


class _SealingKeyAdapter(_ffi.SealingKey):
    """A Python :class:`SealingKey` as the core's callback interface."""

    __slots__ = ("_target",)

    def __init__(self, target: SealingKey) -> None:
        self._target = target

    def key(self) -> bytes:
        try:
            key = self._target.key()
        except _ffi.StoreError:
            raise
        except Exception as error:
            # The exception's text may hold key material: only its type is passed on.
            raise _ffi.StoreError.Unavailable(
                f"the sealing key {type(self._target).__name__}.key() raised {type(error).__name__}"
            ) from None
        if not isinstance(key, (bytes, bytearray, memoryview)):
            raise _ffi.StoreError.InvalidConfiguration(
                f"the sealing key {type(self._target).__name__}.key() returned {type(key).__name__}, not bytes"
            )
        return bytes(key)

    def __repr__(self) -> str:
        return repr(self._target)


class KeyFileSealingKey(SealingKey):
    """A :class:`SealingKey` kept in a file of 32 random bytes (mode 0600), created on first
    use: for desktop apps, CLIs and servers. Put it where only the user can read it, next to
    (not inside) the session store; its directory must exist. Every process that opens the
    same path shares the session (a Rust, Kotlin or Swift process included: the file's format
    is the core's ``KeyFileSealingKey``).

    Nothing is read or created until the key is needed. ``repr()`` shows the path, never the
    key. Raises ``TypeError`` when ``path`` is neither a ``str`` nor an ``os.PathLike``.
    """

    __slots__ = ("_native", "_path", "_sealing")

    def __init__(self, path: StrPath) -> None:
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"path must be a str or an os.PathLike, not {type(path).__name__}")
        self._path = os.fspath(path)
        self._native = _ffi.KeyFileSealingKey(self._path)
        # The same key as the core's own SealingKey: user_session reads it without Python.
        self._sealing = _ffi.key_file_sealing_key(self._path)

    @property
    def path(self) -> str:
        """The key file's path."""
        return self._path

    def key(self) -> bytes:
        """The key file's bytes, the file created first with 32 random bytes when it does not
        exist (two processes creating it at once end up with the same key). Raises
        ``StoreError.InvalidConfiguration`` for a file of fewer than 32 bytes,
        ``StoreError.Unavailable`` when it cannot be read or created now."""
        return bytes(self._native.key())

    def __repr__(self) -> str:
        return f"KeyFileSealingKey(path={self._path!r})"


def native_sealing_key(key: object) -> _ffi.SealingKey | None:
    """The core's view of ``key``: a :class:`KeyFileSealingKey` as the core's own sealing key,
    any other :class:`SealingKey` through an adapter; ``TypeError`` for anything else."""
    if key is None:
        return None
    if isinstance(key, KeyFileSealingKey):
        return key._sealing
    if isinstance(key, SealingKey):
        return _SealingKeyAdapter(key)
    raise TypeError(
        "sealing_key must be an authwire.SealingKey (authwire.KeyFileSealingKey or a subclass), "
        f"not {type(key).__name__}"
    )


# --- Sign-in: authorization code with PKCE ----------------------------------------------------


@final
class AuthorizationCodeFlow:
    """One sign-in with the authorization code grant and PKCE (RFC 6749 section 4.1, RFC 7636
    with ``S256``): the protocol half. The browser step belongs to the app (the system browser
    with a loopback or private-use redirect URI, RFC 8252).

    1. Open :attr:`authorization_url` in the browser. It carries a fresh ``state``, the PKCE
       challenge and, when the ``openid`` scope is asked, a :attr:`nonce`.
    2. When the browser comes back to ``redirect_uri``, pass the whole URL to :meth:`finish`
       (or ``await`` :meth:`finish_async`): it checks ``state``, turns an ``error`` into
       ``AuthError.OAuth``, exchanges the code with the verifier and returns the
       :class:`SessionTokens` that start a ``TokenManager.user_session``.

    ``redirect_uri`` is registered for the client: a private-use scheme
    (``com.example.app:/oauth2redirect``) or a loopback URL. ``scopes`` is a list of scope
    tokens; ``client_secret`` (with ``auth_method``, default HTTP Basic) only for a
    confidential client. The verifier never leaves the core; ``repr()`` shows the client id
    and redirect URI and ``<redacted>`` for the state and verifier.

    Raises ``AuthError.InvalidConfiguration`` for a non-HTTPS endpoint (plain HTTP only to
    loopback), an empty client id, a redirect URI that is not an absolute URI, an invalid scope
    or invalid options.
    """

    __slots__ = ("__weakref__", "_authorization_url", "_client_id", "_native", "_nonce", "_redirect_uri")

    def __init__(
        self,
        authorization_url: str,
        token_url: str,
        client_id: str,
        redirect_uri: str,
        *,
        scopes: Iterable[str] = (),
        client_secret: str | None = None,
        auth_method: ClientAuthMethod | None = None,
        options: TokenOptions | None = None,
    ) -> None:
        self._native: _ffi.AuthorizationCodeFlow = _ffi.AuthorizationCodeFlow(
            _text("authorization_url", authorization_url),
            _text("token_url", token_url),
            _text("client_id", client_id),
            _text("redirect_uri", redirect_uri),
            _scope_list(scopes),
            _optional_text("client_secret", client_secret),
            auth_method,
            native_options(options),
        )
        self._client_id = client_id
        self._redirect_uri = redirect_uri
        self._authorization_url = self._native.authorization_url()
        self._nonce = self._native.nonce()

    @property
    def authorization_url(self) -> str:
        """The URL to open in the browser: ``response_type=code``, ``client_id``,
        ``redirect_uri``, ``scope``, ``state``, ``code_challenge`` (S256) and, with the
        ``openid`` scope, ``nonce``."""
        return self._authorization_url

    @property
    def nonce(self) -> str | None:
        """The ``nonce`` sent with the ``openid`` scope, to compare with the ID token's
        ``nonce`` claim when you validate it; ``None`` without ``openid``."""
        return self._nonce

    def finish(self, redirect_url: str) -> SessionTokens:
        """The sign-in's end, blocking: checks ``redirect_url`` (the whole URL the browser came
        back with) and exchanges its code with the PKCE verifier, in one attempt (a code is
        single-use). From asyncio use :meth:`finish_async`.

        Raises ``AuthError.InvalidResponse`` when the redirect is not for this sign-in (another
        redirect URI, a ``state`` that does not match, a repeated parameter, no code) or the
        answer is not a Bearer token answer with a refresh token; ``AuthError.OAuth`` for an
        ``error`` in the redirect (``status`` 302, e.g. ``access_denied``: the user refused) or
        from the token endpoint (e.g. ``invalid_grant`` for a replayed code); network errors
        as ``AuthError.Network``."""
        return SessionTokens._wrap(self._native.finish(_text("redirect_url", redirect_url)))

    async def finish_async(self, redirect_url: str) -> SessionTokens:
        """The sign-in's end, awaited without blocking the event loop; raises like
        :meth:`finish`."""
        return SessionTokens._wrap(await self._native.finish_async(_text("redirect_url", redirect_url)))

    def __repr__(self) -> str:
        return (
            f"AuthorizationCodeFlow(client_id={self._client_id!r}, redirect_uri={self._redirect_uri!r}, "
            f"state={_REDACTED}, verifier={_REDACTED})"
        )


# --- Sign-in: the device authorization grant --------------------------------------------------


@final
@dataclass(frozen=True)
class DeviceCode:
    """What to show the user while a :class:`DeviceAuthorizationFlow` waits: "go to
    ``verification_uri`` and type ``user_code``". None of it is secret (the device code stays
    inside the flow)."""

    user_code: str
    """The code the user types at the verification URI, e.g. ``WDJB-MJHT``."""
    verification_uri: str
    """Where the user goes, on another device: always ``https``."""
    verification_uri_complete: str | None
    """The verification URI with the code in it (for a QR code), when the server gives one."""
    expires_in: timedelta
    """How long the code is valid, from when the server answered."""
    interval: timedelta
    """How often the flow polls (the server's ``interval``, 5 s when it names none)."""

    @classmethod
    def _from_native(cls, native: _ffi.DeviceCode) -> DeviceCode:
        return cls(
            user_code=native.user_code,
            verification_uri=native.verification_uri,
            verification_uri_complete=native.verification_uri_complete,
            expires_in=timedelta(seconds=native.expires_in_secs),
            interval=timedelta(seconds=native.interval_secs),
        )


@final
class DeviceAuthorizationFlow:
    """One sign-in with the device authorization grant (RFC 8628): for CLIs, TVs and devices
    without a browser.

    1. :meth:`start` (or ``await`` :meth:`start_async`) asks the server for a code and returns
       the :class:`DeviceCode` to show.
    2. :meth:`wait` (or ``await`` :meth:`wait_async`) polls the token endpoint at the server's
       interval, keeps waiting on ``authorization_pending``, adds 5 s on each ``slow_down``,
       and returns the :class:`SessionTokens` once the user approves.
    3. :meth:`cancel` (from another thread or task) stops a wait: it raises
       ``AuthError.Cancelled``. Cancelling the asyncio task of :meth:`wait_async` cancels the
       flow as well.

    ``scopes`` is a list of scope tokens; ``client_secret`` (with ``auth_method``) only for a
    confidential client. No request is sent until :meth:`start`. ``repr()`` shows the client
    id and ``<redacted>`` for the device code.

    Raises ``AuthError.InvalidConfiguration`` for a non-HTTPS endpoint (plain HTTP only to
    loopback), an empty client id, an invalid scope or invalid options.
    """

    __slots__ = ("__weakref__", "_client_id", "_native")

    def __init__(
        self,
        device_authorization_url: str,
        token_url: str,
        client_id: str,
        *,
        scopes: Iterable[str] = (),
        client_secret: str | None = None,
        auth_method: ClientAuthMethod | None = None,
        options: TokenOptions | None = None,
    ) -> None:
        self._native: _ffi.DeviceAuthorizationFlow = _ffi.DeviceAuthorizationFlow(
            _text("device_authorization_url", device_authorization_url),
            _text("token_url", token_url),
            _text("client_id", client_id),
            _scope_list(scopes),
            _optional_text("client_secret", client_secret),
            auth_method,
            native_options(options),
        )
        self._client_id = client_id

    def start(self) -> DeviceCode:
        """Asks the server for a code (RFC 8628 section 3.1), blocking; returns what to show
        the user.

        Raises ``AuthError.InvalidResponse`` for an answer without a device or user code, a
        verification URI that is not ``https``, an ``interval`` of 0 or over an hour, or an
        ``expires_in`` outside 1 s to 1 day; ``AuthError.OAuth`` for the server's error;
        network errors as ``AuthError.Network``."""
        return DeviceCode._from_native(self._native.start())

    async def start_async(self) -> DeviceCode:
        """Asks the server for a code, awaited without blocking the event loop; raises like
        :meth:`start`."""
        return DeviceCode._from_native(await self._native.start_async())

    def wait(self) -> SessionTokens:
        """Polls until the user approves, blocking the calling thread; returns the session's
        tokens. From asyncio use :meth:`wait_async`.

        Raises ``AuthError.OAuth`` with ``error`` ``access_denied`` (the user refused) or
        ``expired_token`` (the code expired, also when its lifetime ran out here);
        ``AuthError.Cancelled`` after :meth:`cancel`; ``AuthError.InvalidResponse`` for an
        answer without a refresh token or not a Bearer token answer;
        ``AuthError.InvalidConfiguration`` before :meth:`start`."""
        return SessionTokens._wrap(self._native.wait())

    async def wait_async(self) -> SessionTokens:
        """Polls until the user approves, awaited without blocking the event loop; raises like
        :meth:`wait`. Cancelling the awaiting task also cancels the flow (as :meth:`cancel`)."""
        try:
            native = await self._native.wait_async()
        except asyncio.CancelledError:
            self._native.cancel()
            raise
        return SessionTokens._wrap(native)

    def cancel(self) -> None:
        """Stops a wait under way (it raises ``AuthError.Cancelled``) and any later one; from
        any thread."""
        self._native.cancel()

    def __repr__(self) -> str:
        return f"DeviceAuthorizationFlow(client_id={self._client_id!r}, device_code={_REDACTED})"
