"""``TokenManager`` and ``CsrfSession``: the core's objects with a Python-side fast path.

While the cached token is before its refresh point, ``TokenManager.authorization()`` returns
the header from a Python attribute without crossing into Rust (a crossing costs several
microseconds in uniffi's ctypes bindings; the fast path costs a clock read). The refresh
policy, single flight, retries and ``invalidate`` bookkeeping all stay in the core: Python only
remembers the last header and the moment, on the core's own clock, from which the core wants
to be asked again.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, NoReturn, Union

from . import _ffi
from ._ffi import ClientAuthMethod, CsrfFetchMethod, ExpiryFormat, JwtSigner, TokenStats
from ._options import _FIELDS as _OPTION_FIELDS
from ._options import TokenOptions, native_options
from ._session import SealingKey, SessionTokens, native_sealing_key
from ._store import TokenStore
from ._values import AccessToken, ApiKey, AuthEvent, AuthListener, CsrfHeaders, Duration, event_of, whole_seconds_of

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["CsrfSession", "ListenerLike", "TokenManager", "pem_signer"]

#: A path to a file: ``str`` or ``pathlib.Path`` (any ``os.PathLike[str]``).
StrPath = Union[str, "os.PathLike[str]"]

#: Extra JWT claims: a mapping (serialised with ``json.dumps``) or the JSON object text.
Claims = Union[Mapping[str, Any], str, None]

#: What ``set_listener`` accepts: an ``AuthListener`` subclass instance, any callable taking
#: an ``AuthEvent``, or ``None`` to remove the listener.
ListenerLike = Union[AuthListener, Callable[[AuthEvent], object], None]


def _clock() -> Callable[[], float]:
    """The core's deadline clock, read from Python.

    The core schedules refreshes on a monotonic clock that keeps counting while the machine
    sleeps: ``CLOCK_BOOTTIME`` on Linux and Android, ``CLOCK_MONOTONIC_RAW`` on Apple
    platforms (which Darwin counts across sleep). ``time.monotonic`` stops during suspend on
    those systems, so a laptop that slept past a token's refresh point would keep serving the
    cached header; reading the core's own clock makes it ask the core on wake-up. Elsewhere
    the core and ``time.monotonic`` both use the system's monotonic clock.

    Cost on the development machine (Linux 6.18, CPython 3.11): ``clock_gettime(BOOTTIME)``
    about 59 ns per call (54 ns through this ``functools.partial``), ``time.monotonic`` about
    39 ns; both are vDSO reads, the difference is argument passing. 20 ns buys correctness
    across suspend.
    """
    clock_id = getattr(time, "CLOCK_BOOTTIME", None)
    if clock_id is None and sys.platform in ("darwin", "ios"):  # pragma: no cover - Apple
        clock_id = getattr(time, "CLOCK_MONOTONIC_RAW", None)
    if clock_id is not None:
        try:
            time.clock_gettime(clock_id)
        except OSError:  # pragma: no cover - a kernel without the clock
            pass
        else:
            return functools.partial(time.clock_gettime, clock_id)
    return time.monotonic  # pragma: no cover - neither Linux nor Apple


_now = _clock()

# (header, deadline): the header may be served without asking the core while now < deadline.
_Cache = tuple[str, float]
_EMPTY: _Cache = ("", float("-inf"))

# Guards the slow path's store against `invalidate` (held for a few bytecodes, never across a
# call into the core). One lock for all managers; a forked child gets a fresh one, as the core
# gives it a fresh runtime, in case another thread held it at the fork.
_store_lock = threading.Lock()


def _reset_after_fork() -> None:
    global _store_lock
    _store_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)


class _SafeListener(_ffi.AuthListener):
    """Adapts a listener or callable for the core: the core's event becomes an
    :class:`AuthEvent`, and exceptions are logged, never raised into the core's threads (where
    they would surface as an unrelated Rust panic message)."""

    __slots__ = ("_target",)

    def __init__(self, target: Callable[[AuthEvent], object]) -> None:
        self._target = target

    def on_event(self, event: _ffi.AuthEvent) -> None:
        try:
            self._target(event_of(event))
        except Exception:
            import logging  # only here: logging is a noticeable part of the import time

            logging.getLogger("authwire").exception(
                "an authwire listener raised while handling %s", type(event).__qualname__
            )

    def __repr__(self) -> str:
        return f"_SafeListener({self._target!r})"


def _adapt_listener(listener: ListenerLike) -> _ffi.AuthListener | None:
    if listener is None:
        return None
    if isinstance(listener, AuthListener):
        return _SafeListener(listener.on_event)
    if callable(listener):
        return _SafeListener(listener)
    raise TypeError(f"a listener must be an AuthListener, a callable or None, not {type(listener).__name__}")


def _no_direct_construction(cls: type) -> NoReturn:
    raise TypeError(f"create a {cls.__name__} with one of its classmethod constructors")


class _Closed:
    """Stands in for the native object of a closed manager or session: every use raises."""

    __slots__ = ("_what",)

    def __init__(self, what: str) -> None:
        self._what = what

    def __getattr__(self, name: str) -> NoReturn:
        raise ValueError(f"this {self._what} is closed")

    def __repr__(self) -> str:
        return "<closed>"


class _ClosedOnExit:
    """``with`` and ``async with`` for a manager or session: both close it on exit."""

    __slots__ = ()

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.close()


def _options(options: TokenOptions | None) -> _ffi.TokenOptions | None:
    return native_options(options)


def _lifetime(name: str, value: Duration) -> int:
    return whole_seconds_of(name, value)


def pem_signer(pem: str | bytes, key_id: str | None = None) -> JwtSigner:
    """A JWT signer over a PEM private key, read and used by the core (no Python runs when
    it signs): PKCS#8 (``BEGIN PRIVATE KEY``: Google's key files, Apple's ``.p8``), PKCS#1
    (``BEGIN RSA PRIVATE KEY``: GitHub's download) or SEC1 (``BEGIN EC PRIVATE KEY``). An RSA
    key (2048 to 8192 bits) signs RS256, a P-256 key ES256. ``pem`` is the text (``str``, or
    ``bytes`` as read from the file); ``key_id`` becomes the JWT header's ``kid``::

        signer = authwire.pem_signer(Path("AuthKey_2X9R4HXF34.p8").read_text(), key_id="2X9R4HXF34")

    The signer prints as ``JwtSigner(algorithm=..., key_id=..., key=<redacted>)``. Raises
    ``AuthError.InvalidConfiguration`` naming what is wrong (no PEM private key found, a
    truncated block, a password-protected key, neither an RSA nor a P-256 key), never the key
    itself. For a ``cryptography`` key object use
    ``authwire.cryptography.CryptographySigner``.
    """
    if isinstance(pem, (bytes, bytearray, memoryview)):
        try:
            pem = bytes(pem).decode("ascii")
        except UnicodeDecodeError:
            raise _ffi.AuthError.InvalidConfiguration(
                "the private key: it is not PEM text (a DER key? convert it with openssl pkey -outform PEM)"
            ) from None
    if not isinstance(pem, str):
        raise TypeError(f"pem must be the PEM text as str or bytes, not {type(pem).__name__}")
    return _ffi.pem_signer(pem, key_id)


def _read_key(key_file: StrPath | None, key_json: str | None) -> str:
    """The text of a service-account key: exactly one of ``key_file`` (a path) and
    ``key_json`` (the file's text) is given; nothing is guessed from the text."""
    if (key_file is None) == (key_json is None):
        raise TypeError("give exactly one of key_file= (the key file's path) and key_json= (its JSON text)")
    if key_json is not None:
        if not isinstance(key_json, str):
            raise TypeError(f"key_json must be the key file's JSON text as str, not {type(key_json).__name__}")
        return key_json
    if not isinstance(key_file, (str, os.PathLike)):
        raise TypeError(f"key_file must be a path (str or os.PathLike), not {type(key_file).__name__}")
    path = os.fspath(key_file)
    try:
        with open(path, encoding="utf-8") as file:
            return file.read()
    except (OSError, UnicodeDecodeError) as error:
        why = error.strerror if isinstance(error, OSError) and error.strerror else type(error).__name__
        raise _ffi.AuthError.InvalidConfiguration(
            f"the service-account key file {path!r} cannot be read: {why}"
        ) from None


def _scope_list(scopes: Iterable[str]) -> list[str]:
    if isinstance(scopes, str):
        raise TypeError('scopes must be a list of scope tokens, e.g. ["read", "write"], not a str')
    return list(scopes)


def _claims_json(extra_claims: Claims) -> str | None:
    if extra_claims is None or isinstance(extra_claims, str):
        return extra_claims
    if not isinstance(extra_claims, Mapping):
        raise TypeError(f"extra_claims must be a mapping or JSON object text, not {type(extra_claims).__name__}")
    return json.dumps(dict(extra_claims))


def _with_store(options: TokenOptions | None, store: TokenStore) -> TokenOptions:
    """``options`` (or the defaults) with ``store``; ``TypeError`` when they name one already."""
    if options is None:
        return TokenOptions(store=store)
    if not isinstance(options, TokenOptions):
        raise TypeError(f"options must be an authwire.TokenOptions or None, not {type(options).__name__}")
    if options.store is not None:
        raise TypeError("give the store once: store= or options=TokenOptions(store=...), not both")
    fields: dict[str, Any] = {name: getattr(options, name) for name in _OPTION_FIELDS if name != "store"}
    return TokenOptions(**fields, store=store)


def _check_signer(signer: JwtSigner) -> JwtSigner:
    if not isinstance(signer, JwtSigner):
        raise TypeError(
            "signer must be an authwire.JwtSigner: authwire.pem_signer(pem, key_id), "
            f"authwire.cryptography.CryptographySigner(private_key, key_id) or a subclass, not {type(signer).__name__}"
        )
    return signer


class TokenManager(_ClosedOnExit):
    """Keeps a short-lived API token fresh and hands out its ``Authorization`` header.

    Create one per credential with a classmethod constructor and share it between every
    thread and task of the application:

    * :meth:`api_key_exchange`: XTD API keys (``{"apiKey": ...}`` for ``{"token", "expirationTime"}``)
    * :meth:`client_credentials`: the OAuth2 client credentials grant (RFC 6749 section 4.4)
    * :meth:`custom_exchange`: any other JSON token API, described by configuration
    * :meth:`static_token`: a token you already hold
    * :meth:`user_session`: a signed-in user's session, living on a refresh token that the
      server rotates (:class:`authwire.AuthorizationCodeFlow`,
      :class:`authwire.DeviceAuthorizationFlow`, or tokens from any other sign-in)

    and, with a signed JWT assertion instead of a secret (a ``signer`` is
    :func:`authwire.pem_signer`, :class:`authwire.cryptography.CryptographySigner` or your own
    :class:`authwire.JwtSigner`):

    * :meth:`google_service_account`: a Google service-account key file (JWT-bearer grant)
    * :meth:`google_service_account_jwt`: a self-signed Google JWT, with no token request
    * :meth:`github_app`: a GitHub App installation token
    * :meth:`app_store_connect`: App Store Connect API tokens (ES256)
    * :meth:`client_credentials_private_key_jwt`: client credentials with ``private_key_jwt``
    * :meth:`jwt_bearer`: any other RFC 7523 JWT-bearer grant (Salesforce, ...)
    * :meth:`self_signed_jwt`: a JWT signed here and sent as the token itself

    ``authorization()`` (blocking, for threads) and ``await authorization_async()`` (asyncio)
    return the header value. While the token is before its refresh point they return at once
    from a Python-side cache; past it they ask the core, which serves the still-valid token
    while one background refresh runs, or, when no valid token exists, makes every concurrent
    caller wait for one shared token request.

    After the API you call answers 401, pass the header (or token) that request carried to
    :meth:`invalidate`; only the first of many parallel 401s causes a refresh. The
    ``authwire.requests`` and ``authwire.httpx`` auth classes do this for you.
    """

    __slots__ = ("__weakref__", "_cache", "_epoch", "_kind", "_native", "_uncached")

    _native: _ffi.TokenManager
    _cache: _Cache
    _epoch: object
    _kind: str
    _uncached: bool

    def __init__(self) -> None:
        _no_direct_construction(type(self))

    @classmethod
    def _wrap(cls, native: _ffi.TokenManager, kind: str) -> TokenManager:
        self = cls.__new__(cls)
        self._native = native
        self._cache = _EMPTY
        self._epoch = object()
        self._kind = kind
        self._uncached = False
        return self

    # --- Constructors ---------------------------------------------------------------------

    @classmethod
    def api_key_exchange(cls, token_url: str, api_key: ApiKey, *, options: TokenOptions | None = None) -> TokenManager:
        """Exchanges an XTD API key for short-lived tokens: ``POST token_url`` with
        ``{"apiKey": <encodedKey>}``, answered by ``{"token": ..., "expirationTime": <seconds>}``.

        ``api_key`` comes from ``ApiKey.from_file(path)``, ``ApiKey.from_json(text)`` or
        ``ApiKey.from_encoded_key(key)``. No request is sent until a token is needed.

        Raises ``AuthError.InvalidConfiguration`` for a URL that is not HTTPS (plain HTTP is
        allowed only to loopback) or invalid options.
        """
        if not isinstance(api_key, ApiKey):
            raise TypeError(
                "api_key must be an authwire.ApiKey (ApiKey.from_file, ApiKey.from_json, ApiKey.from_encoded_key), "
                f"not {type(api_key).__name__}"
            )
        native = _ffi.TokenManager.api_key_exchange(token_url, api_key._native, _options(options))
        return cls._wrap(native, "api_key_exchange")

    @classmethod
    def client_credentials(
        cls,
        token_url: str,
        client_id: str,
        client_secret: str,
        *,
        scopes: Iterable[str] = (),
        auth_method: ClientAuthMethod | None = None,
        options: TokenOptions | None = None,
    ) -> TokenManager:
        """The OAuth2 client credentials grant (RFC 6749 section 4.4): ``POST token_url`` with
        ``grant_type=client_credentials`` (and ``scope``) and ``Accept: application/json``.

        ``auth_method`` says how the client id and secret are sent:

        * ``ClientAuthMethod.CLIENT_SECRET_BASIC`` (the default, ``None``): HTTP Basic over the
          id and secret percent-encoded as RFC 6749 section 2.3.1 asks (every UTF-8 byte
          outside ``A-Z a-z 0-9 - . _ ~``; a space is ``%20``). For Keycloak, Spring
          Authorization Server, ORY Hydra, node-oidc-provider, Duende IdentityServer,
          django-oauth-toolkit, Authlib, Okta, Auth0, Azure AD and most others.
        * ``ClientAuthMethod.CLIENT_SECRET_BASIC_UNENCODED``: HTTP Basic over the raw id and
          secret, for servers that do not percent-decode them (Doorkeeper, Cloud Foundry
          UAA). A client id containing ``:`` cannot be sent this way.
        * ``ClientAuthMethod.CLIENT_SECRET_POST``: ``client_id`` and ``client_secret`` as form
          fields of the body.

        ``scopes`` is a list of scope tokens (``["read", "write"]``), sent space-separated.
        The answer is read as JSON, or as a form when its ``Content-Type`` is
        ``application/x-www-form-urlencoded`` (GitHub); ``token_type`` must be ``Bearer`` in
        any case or absent, any other type (``DPoP``, ``mac``) raises
        ``AuthError.InvalidResponse`` naming it. ``expires_in`` may be a number or a string;
        without it the JWT's ``exp - iat`` is used, else ``options.default_lifetime``.

        Raises ``AuthError.InvalidConfiguration`` for a non-HTTPS URL, an empty client id, an
        invalid scope, invalid options, or a client id with ``:`` or a control character under
        ``CLIENT_SECRET_BASIC_UNENCODED``. Errors of the token request (e.g.
        ``AuthError.OAuth`` with ``error == "invalid_client"``) never show the secret.
        """
        native = _ffi.TokenManager.client_credentials(
            token_url, client_id, client_secret, _scope_list(scopes), _options(options), auth_method
        )
        return cls._wrap(native, "client_credentials")

    @classmethod
    def custom_exchange(
        cls,
        token_url: str,
        request_body: str,
        token_field: str,
        *,
        expiry_field: str | None = None,
        expiry_format: ExpiryFormat | None = None,
        headers: dict[str, str] | None = None,
        scheme: str | None = None,
        options: TokenOptions | None = None,
    ) -> TokenManager:
        """Any other JSON token API: ``POST token_url`` with ``request_body`` (JSON text, sent
        as is) and ``headers``; the token is read from ``token_field`` and the expiry from
        ``expiry_field`` (dotted paths such as ``data.token``), interpreted as
        ``expiry_format`` (default ``ExpiryFormat.SECONDS_FROM_NOW``). The header is
        ``<scheme> <token>`` (default scheme ``Bearer``).

        Raises ``AuthError.InvalidConfiguration`` for a non-HTTPS URL, a body that is not JSON,
        an invalid header, an invalid scheme or invalid options.
        """
        native = _ffi.TokenManager.custom_exchange(
            token_url,
            request_body,
            token_field,
            expiry_field,
            expiry_format,
            dict(headers) if headers is not None else None,
            scheme,
            _options(options),
        )
        return cls._wrap(native, "custom_exchange")

    @classmethod
    def static_token(cls, token: str, *, lifetime: Duration | None = None) -> TokenManager:
        """A token you already hold, served as ``Bearer <token>`` and never refreshed; with
        ``lifetime`` (seconds or a ``timedelta``; ``None``: forever) it stops being served when
        that time has passed. ``invalidate`` has
        no effect on it. Any non-empty visible-ASCII token (0x21-0x7E) is accepted, as providers
        issue them (``abc=d``, ``00D...!AR...``, ``123|abc``). Raises ``AuthError.InvalidInput`` for
        an empty token or one with a space, a control character, DEL or non-ASCII.
        """
        secs = None if lifetime is None else _lifetime("lifetime", lifetime)
        return cls._wrap(_ffi.TokenManager.static_token(token, secs), "static_token")

    @classmethod
    def user_session(
        cls,
        token_url: str,
        client_id: str,
        *,
        tokens: SessionTokens | None = None,
        client_secret: str | None = None,
        auth_method: ClientAuthMethod | None = None,
        revocation_url: str | None = None,
        sealing_key: SealingKey | None = None,
        store: TokenStore | None = None,
        options: TokenOptions | None = None,
    ) -> TokenManager:
        """A user session: the app signed a user in (:class:`authwire.AuthorizationCodeFlow`,
        :class:`authwire.DeviceAuthorizationFlow`, AppAuth, Auth0, a web login) and now lives on
        a refresh token that the server rotates (RFC 6749 section 6, ``grant_type=refresh_token``
        to ``token_url``). ``authorization()``, ``token()``, ``invalidate()``, ``stats`` and
        the listener work as for every manager.

        * ``tokens``: the sign-in's :class:`authwire.SessionTokens`; ``None`` to continue the
          session stored in ``options.store`` (the app's next start, or another process).
        * ``client_secret`` (with ``auth_method``, default HTTP Basic) only for a confidential
          client; a public client (the default) sends ``client_id`` in the form.
        * ``revocation_url``: the RFC 7009 endpoint where :meth:`sign_out` revokes the refresh
          token (best effort).
        * ``store``: where the session is shared (``authwire.FileStore``,
          ``authwire.RedisStore``, your own ``TokenStore``); the same as
          ``options=TokenOptions(store=...)``, which it completes (``TypeError`` when both
          name a store).
        * ``sealing_key``: seals the session in the store (required with a store):
          :class:`authwire.KeyFileSealingKey` or your own :class:`authwire.SealingKey`.

        With a store (``authwire.FileStore``, ``authwire.RedisStore``), every process that
        uses the same store, token URL, client id and sealing key shares the session: a refresh
        re-reads the store under its cross-process lock (a process that lost the race adopts
        the winner's tokens instead of spending a rotated refresh token), and the rotated
        refresh token is saved before the new access token is handed out. Each call looks at
        the store at most once a second, so a sign-out or rotation elsewhere is seen within
        about a second; such a manager therefore always asks the core (no Python-side header
        cache, a few microseconds per call).

        When the server refuses the refresh token (``invalid_grant``: revoked, expired,
        reused), or the user signs out anywhere, every call raises
        ``AuthError.SignInRequired``: show the sign-in. No session stored (``tokens=None``) is
        ``SignInRequired`` too, on the first call. Network failures, 5xx and 429 keep the
        session (``AuthError.Network``, ``Server``, ``RateLimited``).

        Raises ``AuthError.InvalidConfiguration`` for a non-HTTPS URL (plain HTTP only to
        loopback), an empty client id, a store without a sealing key, neither tokens nor a
        store, or invalid options.
        """
        if tokens is not None and not isinstance(tokens, SessionTokens):
            raise TypeError(
                "tokens must be an authwire.SessionTokens (SessionTokens(...), SessionTokens.from_token_response, "
                f"AuthorizationCodeFlow.finish, DeviceAuthorizationFlow.wait) or None, not {type(tokens).__name__}"
            )
        if store is not None:
            options = _with_store(options, store)
        native = _ffi.TokenManager.user_session(
            token_url,
            client_id,
            None if tokens is None else tokens._native,
            client_secret,
            auth_method,
            revocation_url,
            native_sealing_key(sealing_key),
            _options(options),
        )
        manager = cls._wrap(native, "user_session")
        # Another process may rotate or end a shared session at any time; the core notices on
        # a call (at most once a second), so every call must reach it.
        manager._uncached = options is not None and options.store is not None
        return manager

    # --- Constructors: signed JWT assertions ------------------------------------------------

    @classmethod
    def google_service_account(
        cls,
        *,
        key_file: StrPath | None = None,
        key_json: str | None = None,
        scopes: Iterable[str],
        options: TokenOptions | None = None,
    ) -> TokenManager:
        """A Google service account: the JWT-bearer grant (RFC 7523 section 2.1) to the key
        file's ``token_uri`` (``https://oauth2.googleapis.com/token``) with ``scopes``, e.g.
        ``["https://www.googleapis.com/auth/cloud-platform"]``.

        Give exactly one of ``key_file``, the path of the JSON key file downloaded from the
        Cloud console (``str`` or ``pathlib.Path``), and ``key_json``, the file's text (e.g.
        from a secret manager); ``TypeError`` for both or neither. The RS256 assertion carries the key's
        ``private_key_id`` as ``kid`` and lives one hour; the access token is refreshed like
        any other. When Google's clock (its ``Date`` header) is more than 5 s off the local
        one and the assertion is refused, it is signed once more on Google's time.

        Raises ``AuthError.InvalidConfiguration`` for a file that cannot be read, a key file
        that is not a service-account key (naming the missing or wrong field, never the
        key), an unreadable private key, no scope, a non-HTTPS ``token_uri`` or invalid
        options. Token request errors (``AuthError.OAuth`` with ``invalid_grant``) never
        show the key or the assertion.
        """
        native = _ffi.TokenManager.google_service_account(
            _read_key(key_file, key_json), _scope_list(scopes), _options(options)
        )
        return cls._wrap(native, "google_service_account")

    @classmethod
    def google_service_account_jwt(
        cls,
        *,
        key_file: StrPath | None = None,
        key_json: str | None = None,
        audience: str,
        options: TokenOptions | None = None,
    ) -> TokenManager:
        """A Google service account's self-signed JWT, sent as the bearer token with no token
        request: ``iss`` and ``sub`` the account's email, ``aud`` the API's ``audience``
        (e.g. ``https://pubsub.googleapis.com/``), RS256 with the key's ``private_key_id`` as
        ``kid``, one hour of life; a new one is signed before it expires.

        ``key_file`` or ``key_json`` is the key file's path or text, as for
        :meth:`google_service_account`. Raises ``AuthError.InvalidConfiguration`` like it, or
        for an empty audience.
        """
        native = _ffi.TokenManager.google_service_account_jwt(
            _read_key(key_file, key_json), audience, _options(options)
        )
        return cls._wrap(native, "google_service_account_jwt")

    @classmethod
    def github_app(
        cls,
        app_id: str | int,
        installation_id: int,
        signer: JwtSigner,
        *,
        api_url: str | None = None,
        options: TokenOptions | None = None,
    ) -> TokenManager:
        """A GitHub App installation token: ``POST {api_url}/app/installations/
        {installation_id}/access_tokens`` with an RS256 JWT (``iss`` the app id, ``iat`` 60 s
        in the past, nine minutes of life). The token's expiry is read from ``expires_at``
        (one hour); it is refreshed before then.

        ``signer`` signs with the app's private key, e.g.
        ``authwire.pem_signer(Path("my-app.private-key.pem").read_text())`` (GitHub's PKCS#1
        download). ``api_url`` defaults to ``https://api.github.com``; for GitHub Enterprise
        Server give ``https://<host>/api/v3``.

        Raises ``AuthError.InvalidConfiguration`` for an empty app id, a signer that is not
        RS256, a non-HTTPS API URL or invalid options.
        """
        native = _ffi.TokenManager.github_app(
            str(app_id), installation_id, _check_signer(signer), api_url, _options(options)
        )
        return cls._wrap(native, "github_app")

    @classmethod
    def app_store_connect(
        cls,
        issuer_id: str,
        signer: JwtSigner,
        *,
        lifetime: Duration = 1200,
        options: TokenOptions | None = None,
    ) -> TokenManager:
        """App Store Connect API tokens: an ES256 JWT (``iss`` the issuer id, ``aud``
        ``appstoreconnect-v1``, ``kid`` the key id) sent as the bearer token with no token
        request, signed again before it expires.

        ``signer`` holds the ``AuthKey_<key id>.p8`` key and its key id:
        ``authwire.pem_signer(p8_text, key_id="2X9R4HXF34")``. ``lifetime`` (seconds or a
        ``timedelta``) is at most 1200 s (20 minutes, App Store Connect's limit).

        Raises ``AuthError.InvalidConfiguration`` for an empty issuer id, a signer without a
        key id or that is not ES256 (an RSA key), or a lifetime outside 10..1200 s.
        """
        native = _ffi.TokenManager.app_store_connect(
            issuer_id, _check_signer(signer), _lifetime("lifetime", lifetime), _options(options)
        )
        return cls._wrap(native, "app_store_connect")

    @classmethod
    def client_credentials_private_key_jwt(
        cls,
        token_url: str,
        client_id: str,
        signer: JwtSigner,
        *,
        scopes: Iterable[str] = (),
        options: TokenOptions | None = None,
    ) -> TokenManager:
        """The OAuth2 client credentials grant with ``private_key_jwt`` client authentication
        (RFC 7523 section 2.2, OpenID Connect Core section 9), which Okta, Auth0, Keycloak and
        Azure AD recommend over client secrets: the form carries a signed
        ``client_assertion`` (``iss`` and ``sub`` the client id, ``aud`` the token URL, a
        fresh ``jti``, two minutes of life) instead of a secret. The answer is read as for
        :meth:`client_credentials`.

        Raises ``AuthError.InvalidConfiguration`` for a non-HTTPS URL, an empty client id, an
        invalid scope or invalid options.
        """
        native = _ffi.TokenManager.client_credentials_private_key_jwt(
            token_url, client_id, _check_signer(signer), _scope_list(scopes), _options(options)
        )
        return cls._wrap(native, "client_credentials_private_key_jwt")

    @classmethod
    def jwt_bearer(
        cls,
        token_url: str,
        signer: JwtSigner,
        issuer: str,
        audience: str,
        *,
        subject: str | None = None,
        scopes: Iterable[str] = (),
        extra_claims: Claims = None,
        lifetime: Duration = 180,
        options: TokenOptions | None = None,
    ) -> TokenManager:
        """Any RFC 7523 section 2.1 JWT-bearer grant: ``POST token_url`` with
        ``grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`` and an assertion with
        ``issuer``, ``audience``, ``subject`` and ``extra_claims`` (a mapping or JSON object
        text), a fresh ``jti``, living ``lifetime`` (seconds or a ``timedelta``); the form's ``scope`` when
        ``scopes`` are given. Salesforce: ``issuer`` the connected app's consumer key,
        ``subject`` the user name, ``audience`` ``https://login.salesforce.com``.

        Raises ``AuthError.InvalidConfiguration`` for a non-HTTPS URL, an empty issuer or
        audience, extra claims that are not an object or set a registered claim (``iss``,
        ``sub``, ``aud``, ``iat``, ``exp``, ``jti``), an invalid scope, a lifetime under 10 s or
        invalid options.
        """
        native = _ffi.TokenManager.jwt_bearer(
            token_url,
            _check_signer(signer),
            issuer,
            audience,
            subject,
            _scope_list(scopes),
            _claims_json(extra_claims),
            _lifetime("lifetime", lifetime),
            _options(options),
        )
        return cls._wrap(native, "jwt_bearer")

    @classmethod
    def self_signed_jwt(
        cls,
        signer: JwtSigner,
        issuer: str,
        audience: str,
        *,
        subject: str | None = None,
        lifetime: Duration = 3600,
        extra_claims: Claims = None,
        options: TokenOptions | None = None,
    ) -> TokenManager:
        """A JWT signed here and sent as the bearer token itself, with no token request:
        ``iss``, ``aud``, ``sub`` (when given), ``iat``, ``exp`` (``lifetime`` later, seconds or a ``timedelta``),
        the signer's key id as ``kid``, and ``extra_claims`` (a mapping or JSON object text).
        A new JWT is signed before the old one expires, and after :meth:`invalidate`.

        Raises ``AuthError.InvalidConfiguration`` for an empty issuer or audience, extra
        claims that are not an object or set a registered claim, or a lifetime under 10 s.
        """
        native = _ffi.TokenManager.self_signed_jwt(
            _check_signer(signer),
            issuer,
            audience,
            subject,
            _lifetime("lifetime", lifetime),
            _claims_json(extra_claims),
            _options(options),
        )
        return cls._wrap(native, "self_signed_jwt")

    # --- The header -----------------------------------------------------------------------

    def authorization(self) -> str:
        """The ``Authorization`` header value, e.g. ``Bearer eyJ...``.

        Returns at once while the cached token is valid; otherwise blocks the calling thread
        until the shared token request finishes. From asyncio use :meth:`authorization_async`.

        Raises the token request's ``AuthError``, the same for every caller that waited on it.
        """
        cache = self._cache
        if _now() < cache[1]:
            return cache[0]
        return self._ask_core()

    async def authorization_async(self) -> str:
        """The ``Authorization`` header value, awaited without blocking the event loop.

        Works on any running asyncio loop; the token request itself runs on the core's own
        I/O threads. Raises like :meth:`authorization`.
        """
        cache = self._cache
        if _now() < cache[1]:
            return cache[0]
        started, epoch = _now(), self._epoch
        token = await self._native.token_async()
        return self._remember(token, started, epoch)

    def token(self) -> AccessToken:
        """The current token with its deadlines (always asks the core). Blocks like
        :meth:`authorization`. ``AccessToken.value`` is the token in clear: keep it out of logs."""
        started, epoch = _now(), self._epoch
        return self._wrap_token(self._native.token(), started, epoch)

    async def token_async(self) -> AccessToken:
        """The current token with its deadlines, awaited without blocking the event loop."""
        started, epoch = _now(), self._epoch
        return self._wrap_token(await self._native.token_async(), started, epoch)

    def _wrap_token(self, native: _ffi.AccessToken, started: float, epoch: object) -> AccessToken:
        header = native.authorization()
        refresh_in_ms = native.refresh_in_ms()
        self._store(header, started, refresh_in_ms, epoch)
        return AccessToken._from_native(native, header, refresh_in_ms)

    def invalidate(self, token: str) -> bool:
        """Call after the API answered 401 to a request that carried ``token`` (the bare token
        or the whole header value, e.g. ``Bearer eyJ...``).

        Clears the Python-side cache at once, then lets the core discard the token and start
        one refresh, only if it is still the current token; returns whether it was. Too many
        discards in a short window make later calls fail with ``AuthError.RefreshLoop``
        instead of hammering the token server.
        """
        self._forget()
        try:
            return self._native.invalidate(token)
        finally:
            # A caller that fetched the old token before the core discarded it must not put it
            # back: the epoch changes again, after the core's discard.
            self._forget()

    def sign_out(self) -> None:
        """Ends a user session (:meth:`user_session`) everywhere, blocking: the stored session
        is marked ended (every process sharing it raises ``AuthError.SignInRequired`` from its
        next calls, within about a second), this manager's tokens are dropped (its calls raise
        ``SignInRequired`` from now on), and the refresh token is revoked at the
        ``revocation_url`` when one was given (best effort). From asyncio use
        :meth:`sign_out_async`.

        Raises ``AuthError.InvalidConfiguration`` when this manager is not a user session;
        ``AuthError.Network`` when the store could not be updated (this process is signed out
        all the same; the others when they next refresh: retry later).
        """
        self._forget()
        try:
            self._native.sign_out()
        finally:
            self._forget()

    async def sign_out_async(self) -> None:
        """:meth:`sign_out`, awaited without blocking the event loop."""
        self._forget()
        try:
            await self._native.sign_out_async()
        finally:
            self._forget()

    @property
    def stats(self) -> TokenStats:
        """Counters since the manager was created: token requests, refreshes, failures,
        retries, callers that had to wait, and invalidations (a new snapshot each read)."""
        return self._native.stats()

    def set_listener(self, listener: ListenerLike) -> None:
        """Sets (or with ``None`` removes) the receiver of this manager's :class:`AuthEvent` s:
        an :class:`AuthListener` subclass instance or any callable taking the event. It runs on
        the core's threads: return quickly. An exception it raises is logged to the
        ``authwire`` logger and otherwise ignored."""
        self._native.set_listener(_adapt_listener(listener))

    def close(self) -> None:
        """Releases the core's manager (its cached token and, once no other reference holds
        it, its connections). Later calls raise ``ValueError``; closing twice does nothing.
        ``with TokenManager.client_credentials(...) as tokens:`` closes it at the end."""
        self._native = _Closed("TokenManager")  # type: ignore[assignment]
        self._forget()

    def _closed(self) -> bool:
        native: object = self._native
        return isinstance(native, _Closed)

    def __repr__(self) -> str:
        closed = ", closed=True" if self._closed() else ""
        return f"TokenManager(kind={self._kind!r}, credentials=<redacted>{closed})"

    def __str__(self) -> str:
        if self._closed():
            return f"TokenManager({self._kind}, closed)"
        return str(self._native)

    # --- The Python-side cache --------------------------------------------------------------

    def _ask_core(self) -> str:
        started, epoch = _now(), self._epoch
        token = self._native.token()
        return self._remember(token, started, epoch)

    def _remember(self, token: _ffi.AccessToken, started: float, epoch: object) -> str:
        """Caches ``token``'s header until its refresh point, measured from ``started``, a
        clock reading taken before the core was asked: the core computed ``refresh_in_ms``
        later than that and rounds it down, so the cached deadline is never past the core's.
        Nothing is cached if ``invalidate`` ran since ``epoch`` was read."""
        header = token.authorization()
        self._store(header, started, token.refresh_in_ms(), epoch)
        return header

    def _store(self, header: str, started: float, refresh_in_ms: int, epoch: object) -> None:
        if self._uncached:
            return
        deadline = started + refresh_in_ms / 1000.0
        with _store_lock:
            if self._epoch is epoch:
                self._cache = (header, deadline)

    def _forget(self) -> None:
        with _store_lock:
            self._epoch = object()
            self._cache = _EMPTY


class CsrfSession(_ClosedOnExit):
    """Fetches a CSRF token for SAP API Management style write calls.

    ``CsrfSession(fetch_url, user_id, password)`` sends ``X-CSRF-Token: fetch`` (HEAD by
    default, ``fetch_method=CsrfFetchMethod.GET`` otherwise) with HTTP Basic credentials,
    keeps the token with the session cookies for ``options.default_lifetime`` (default one
    hour), and hands out the headers for write calls (:meth:`headers`). A safe call (GET,
    HEAD, OPTIONS) needs no token: :meth:`read_headers` gives its ``Authorization`` and the
    session's cookies without fetching anything. When a write answers 403 with
    ``x-csrf-token: Required``, pass the token that request carried to :meth:`invalidate`.
    Concurrent callers share one fetch. ``authwire.requests.CsrfAuth`` and
    ``authwire.httpx.CsrfAuth`` do all of this for you. ``close()`` (or ``with``) releases it.
    """

    __slots__ = ("__weakref__", "_basic", "_cookie", "_fetch_url", "_native", "_user_id")

    def __init__(
        self,
        fetch_url: str,
        user_id: str,
        password: str,
        *,
        fetch_method: CsrfFetchMethod | None = None,
        options: TokenOptions | None = None,
    ) -> None:
        self._native: _ffi.CsrfSession = _ffi.CsrfSession(fetch_url, user_id, password, _options(options), fetch_method)
        self._basic = _ffi.basic_auth(user_id, password)
        self._fetch_url = fetch_url
        self._user_id = user_id
        self._cookie: str | None = None

    def _wrap(self, native: _ffi.CsrfHeaders) -> CsrfHeaders:
        headers = CsrfHeaders._from_native(native)
        self._cookie = headers.cookie
        return headers

    def headers(self) -> CsrfHeaders:
        """The headers for a write call (``X-CSRF-Token``, ``Cookie`` when the server set
        cookies, ``Authorization``). Returns at once while a token is cached; otherwise blocks
        until the shared fetch finishes. From asyncio use :meth:`headers_async`."""
        return self._wrap(self._native.headers())

    async def headers_async(self) -> CsrfHeaders:
        """The headers for a write call, awaited without blocking the event loop."""
        return self._wrap(await self._native.headers_async())

    def read_headers(self) -> dict[str, str]:
        """The headers for a safe call (GET, HEAD, OPTIONS): ``Authorization`` (HTTP Basic) and,
        once a token was fetched, the session's ``Cookie``; never a CSRF token, and nothing
        is fetched."""
        headers = {"Authorization": self._basic}
        if self._cookie is not None:
            headers["Cookie"] = self._cookie
        return headers

    def invalidate(self, token: str) -> bool:
        """Call after a write answered 403 with ``x-csrf-token: Required``, with the CSRF token
        that request carried. Returns whether it was still the current token."""
        return self._native.invalidate(token)

    @property
    def stats(self) -> TokenStats:
        """Counters since the session was created (``token_requests`` counts fetches)."""
        return self._native.stats()

    def set_listener(self, listener: ListenerLike) -> None:
        """Sets (or with ``None`` removes) the receiver of this session's events; see
        :meth:`TokenManager.set_listener`."""
        self._native.set_listener(_adapt_listener(listener))

    def close(self) -> None:
        """Releases the core's session (its token and cookies). Later calls raise
        ``ValueError``; closing twice does nothing."""
        self._native = _Closed("CsrfSession")  # type: ignore[assignment]
        self._cookie = None

    def __repr__(self) -> str:
        return f"CsrfSession(fetch_url={self._fetch_url!r}, user_id={self._user_id!r}, password=<redacted>)"

    def __str__(self) -> str:
        return f"CSRF session of {self._user_id!r} at {self._fetch_url}"
