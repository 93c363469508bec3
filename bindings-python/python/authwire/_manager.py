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
from typing import Any, NoReturn, Union

from . import _ffi
from ._ffi import (
    AccessToken,
    ApiKey,
    AuthEvent,
    AuthListener,
    ClientAuthMethod,
    CsrfFetchMethod,
    CsrfHeaders,
    ExpiryFormat,
    JwtSigner,
    TokenOptions,
    TokenStats,
)

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


class _SafeListener(AuthListener):
    """Adapts a listener or callable for the core: exceptions are logged, never raised into
    the core's threads (where they would surface as an unrelated Rust panic message)."""

    __slots__ = ("_target",)

    def __init__(self, target: Callable[[AuthEvent], object]) -> None:
        self._target = target

    def on_event(self, event: AuthEvent) -> None:
        try:
            self._target(event)
        except Exception:
            import logging  # only here: logging is a noticeable part of the import time

            logging.getLogger("authwire").exception(
                "an authwire listener raised while handling %s", type(event).__qualname__
            )

    def __repr__(self) -> str:
        return f"_SafeListener({self._target!r})"


def _adapt_listener(listener: ListenerLike) -> AuthListener | None:
    if listener is None:
        return None
    if isinstance(listener, AuthListener):
        return _SafeListener(listener.on_event)
    if callable(listener):
        return _SafeListener(listener)
    raise TypeError(f"a listener must be an AuthListener, a callable or None, not {type(listener).__name__}")


def _no_direct_construction(cls: type) -> NoReturn:
    raise TypeError(f"create a {cls.__name__} with one of its classmethod constructors")


def pem_signer(pem: str | bytes, key_id: str | None = None) -> JwtSigner:
    """A JWT signer over a PEM private key, read and used by the core (no Python runs when
    it signs): PKCS#8 (``BEGIN PRIVATE KEY``: Google's key files, Apple's ``.p8``), PKCS#1
    (``BEGIN RSA PRIVATE KEY``: GitHub's download) or SEC1 (``BEGIN EC PRIVATE KEY``). An RSA
    key (2048 to 8192 bits) signs RS256, a P-256 key ES256. ``pem`` is the text (``str``, or
    ``bytes`` as read from the file); ``key_id`` becomes the JWT header's ``kid``::

        signer = authwire.pem_signer(Path("AuthKey_2X9R4HXF34.p8").read_text(), key_id="2X9R4HXF34")

    The signer prints as ``[redacted]``. Raises ``AuthError.InvalidConfiguration`` naming what
    is wrong (no PEM private key found, a truncated block, a password-protected key, neither
    an RSA nor a P-256 key), never the key itself. For a ``cryptography`` key object use
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


def _read_key_file(key_file_or_json: StrPath) -> str:
    """The text of a service-account key: ``key_file_or_json`` itself when it is JSON text,
    else the file it names."""
    if isinstance(key_file_or_json, str) and key_file_or_json.lstrip().startswith("{"):
        return key_file_or_json
    if not isinstance(key_file_or_json, (str, os.PathLike)):
        raise TypeError(
            "key_file_or_json must be the key file's path (str or os.PathLike) or its JSON text, "
            f"not {type(key_file_or_json).__name__}"
        )
    path = os.fspath(key_file_or_json)
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


def _check_signer(signer: JwtSigner) -> JwtSigner:
    if not isinstance(signer, JwtSigner):
        raise TypeError(
            "signer must be an authwire.JwtSigner: authwire.pem_signer(pem, key_id), "
            f"authwire.cryptography.CryptographySigner(private_key, key_id) or a subclass, not {type(signer).__name__}"
        )
    return signer


class TokenManager:
    """Keeps a short-lived API token fresh and hands out its ``Authorization`` header.

    Create one per credential with a classmethod constructor and share it between every
    thread and task of the application:

    * :meth:`api_key_exchange`: XTD API keys (``{"apiKey": ...}`` for ``{"token", "expirationTime"}``)
    * :meth:`client_credentials`: the OAuth2 client credentials grant (RFC 6749 section 4.4)
    * :meth:`custom_exchange`: any other JSON token API, described by configuration
    * :meth:`static_token`: a token you already hold

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

    __slots__ = ("__weakref__", "_cache", "_epoch", "_native")

    _native: _ffi.TokenManager
    _cache: _Cache
    _epoch: object

    def __init__(self) -> None:
        _no_direct_construction(type(self))

    @classmethod
    def _wrap(cls, native: _ffi.TokenManager) -> TokenManager:
        self = cls.__new__(cls)
        self._native = native
        self._cache = _EMPTY
        self._epoch = object()
        return self

    # --- Constructors ---------------------------------------------------------------------

    @classmethod
    def api_key_exchange(cls, token_url: str, api_key: ApiKey, options: TokenOptions | None = None) -> TokenManager:
        """Exchanges an XTD API key for short-lived tokens: ``POST token_url`` with
        ``{"apiKey": <encodedKey>}``, answered by ``{"token": ..., "expirationTime": <seconds>}``.

        ``api_key`` comes from ``ApiKey.from_file(path)``, ``ApiKey.from_json(text)`` or
        ``ApiKey.from_encoded_key(key)``. No request is sent until a token is needed.

        Raises ``AuthError.InvalidConfiguration`` for a URL that is not HTTPS (plain HTTP is
        allowed only to loopback) or invalid options.
        """
        return cls._wrap(_ffi.TokenManager.api_key_exchange(token_url, api_key, options))

    @classmethod
    def client_credentials(
        cls,
        token_url: str,
        client_id: str,
        client_secret: str,
        scopes: Iterable[str] = (),
        options: TokenOptions | None = None,
        auth_method: ClientAuthMethod | None = None,
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
        without it the JWT's ``exp - iat`` is used, else ``options.default_lifetime_secs``.

        Raises ``AuthError.InvalidConfiguration`` for a non-HTTPS URL, an empty client id, an
        invalid scope, invalid options, or a client id with ``:`` or a control character under
        ``CLIENT_SECRET_BASIC_UNENCODED``. Errors of the token request (e.g.
        ``AuthError.OAuth`` with ``error == "invalid_client"``) never show the secret.
        """
        if isinstance(scopes, str):
            raise TypeError('scopes must be a list of scope tokens, e.g. ["read", "write"], not a str')
        native = _ffi.TokenManager.client_credentials(
            token_url, client_id, client_secret, list(scopes), options, auth_method
        )
        return cls._wrap(native)

    @classmethod
    def custom_exchange(
        cls,
        token_url: str,
        request_body: str,
        token_field: str,
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
            options,
        )
        return cls._wrap(native)

    @classmethod
    def static_token(cls, token: str, lifetime_secs: int | None = None) -> TokenManager:
        """A token you already hold, served as ``Bearer <token>`` and never refreshed; with
        ``lifetime_secs`` it stops being served when that time has passed. ``invalidate`` has
        no effect on it. Any non-empty visible-ASCII token (0x21-0x7E) is accepted, as providers
        issue them (``abc=d``, ``00D...!AR...``, ``123|abc``). Raises ``AuthError.InvalidInput`` for
        an empty token or one with a space, a control character, DEL or non-ASCII.
        """
        return cls._wrap(_ffi.TokenManager.static_token(token, lifetime_secs))

    # --- Constructors: signed JWT assertions ------------------------------------------------

    @classmethod
    def google_service_account(
        cls, key_file_or_json: StrPath, scopes: Iterable[str], *, options: TokenOptions | None = None
    ) -> TokenManager:
        """A Google service account: the JWT-bearer grant (RFC 7523 section 2.1) to the key
        file's ``token_uri`` (``https://oauth2.googleapis.com/token``) with ``scopes``, e.g.
        ``["https://www.googleapis.com/auth/cloud-platform"]``.

        ``key_file_or_json`` is the path of the JSON key file downloaded from the Cloud
        console (``str`` or ``pathlib.Path``), or the file's text (a ``str`` starting with
        ``{``, e.g. from a secret manager). The RS256 assertion carries the key's
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
            _read_key_file(key_file_or_json), _scope_list(scopes), options
        )
        return cls._wrap(native)

    @classmethod
    def google_service_account_jwt(
        cls, key_file_or_json: StrPath, audience: str, *, options: TokenOptions | None = None
    ) -> TokenManager:
        """A Google service account's self-signed JWT, sent as the bearer token with no token
        request: ``iss`` and ``sub`` the account's email, ``aud`` the API's ``audience``
        (e.g. ``https://pubsub.googleapis.com/``), RS256 with the key's ``private_key_id`` as
        ``kid``, one hour of life; a new one is signed before it expires.

        ``key_file_or_json`` is the key file's path or text, as for
        :meth:`google_service_account`. Raises ``AuthError.InvalidConfiguration`` like it, or
        for an empty audience.
        """
        native = _ffi.TokenManager.google_service_account_jwt(_read_key_file(key_file_or_json), audience, options)
        return cls._wrap(native)

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
            str(app_id), installation_id, _check_signer(signer), api_url, options
        )
        return cls._wrap(native)

    @classmethod
    def app_store_connect(
        cls,
        issuer_id: str,
        signer: JwtSigner,
        *,
        lifetime_secs: int = 1200,
        options: TokenOptions | None = None,
    ) -> TokenManager:
        """App Store Connect API tokens: an ES256 JWT (``iss`` the issuer id, ``aud``
        ``appstoreconnect-v1``, ``kid`` the key id) sent as the bearer token with no token
        request, signed again before it expires.

        ``signer`` holds the ``AuthKey_<key id>.p8`` key and its key id:
        ``authwire.pem_signer(p8_text, key_id="2X9R4HXF34")``. ``lifetime_secs`` is at most
        1200 (20 minutes, App Store Connect's limit).

        Raises ``AuthError.InvalidConfiguration`` for an empty issuer id, a signer without a
        key id or that is not ES256 (an RSA key), or a lifetime outside 10..1200 s.
        """
        native = _ffi.TokenManager.app_store_connect(issuer_id, _check_signer(signer), lifetime_secs, options)
        return cls._wrap(native)

    @classmethod
    def client_credentials_private_key_jwt(
        cls,
        token_url: str,
        client_id: str,
        signer: JwtSigner,
        scopes: Iterable[str] = (),
        *,
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
            token_url, client_id, _check_signer(signer), _scope_list(scopes), options
        )
        return cls._wrap(native)

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
        lifetime_secs: int = 180,
        options: TokenOptions | None = None,
    ) -> TokenManager:
        """Any RFC 7523 section 2.1 JWT-bearer grant: ``POST token_url`` with
        ``grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`` and an assertion with
        ``issuer``, ``audience``, ``subject`` and ``extra_claims`` (a mapping or JSON object
        text), a fresh ``jti``, living ``lifetime_secs``; the form's ``scope`` when
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
            lifetime_secs,
            options,
        )
        return cls._wrap(native)

    @classmethod
    def self_signed_jwt(
        cls,
        signer: JwtSigner,
        issuer: str,
        audience: str,
        *,
        subject: str | None = None,
        lifetime_secs: int = 3600,
        extra_claims: Claims = None,
        options: TokenOptions | None = None,
    ) -> TokenManager:
        """A JWT signed here and sent as the bearer token itself, with no token request:
        ``iss``, ``aud``, ``sub`` (when given), ``iat``, ``exp`` (``lifetime_secs`` later),
        the signer's key id as ``kid``, and ``extra_claims`` (a mapping or JSON object text).
        A new JWT is signed before the old one expires, and after :meth:`invalidate`.

        Raises ``AuthError.InvalidConfiguration`` for an empty issuer or audience, extra
        claims that are not an object or set a registered claim, or a lifetime under 10 s.
        """
        native = _ffi.TokenManager.self_signed_jwt(
            _check_signer(signer), issuer, audience, subject, lifetime_secs, _claims_json(extra_claims), options
        )
        return cls._wrap(native)

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
        :meth:`authorization`. ``AccessToken.value()`` is the token in clear: keep it out of logs."""
        started, epoch = _now(), self._epoch
        token = self._native.token()
        self._remember(token, started, epoch)
        return token

    async def token_async(self) -> AccessToken:
        """The current token with its deadlines, awaited without blocking the event loop."""
        started, epoch = _now(), self._epoch
        token = await self._native.token_async()
        self._remember(token, started, epoch)
        return token

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

    def stats(self) -> TokenStats:
        """Counters since the manager was created: token requests, refreshes, failures,
        retries, callers that had to wait, and invalidations."""
        return self._native.stats()

    def set_listener(self, listener: ListenerLike) -> None:
        """Sets (or with ``None`` removes) the receiver of this manager's :class:`AuthEvent` s:
        an :class:`AuthListener` subclass instance or any callable taking the event. It runs on
        the core's threads: return quickly. An exception it raises is logged to the
        ``authwire`` logger and otherwise ignored."""
        self._native.set_listener(_adapt_listener(listener))

    def __repr__(self) -> str:
        return repr(self._native)

    def __str__(self) -> str:
        return str(self._native)

    # --- The Python-side cache --------------------------------------------------------------

    def _ask_core(self) -> str:
        started, epoch = _now(), self._epoch
        token = self._native.token()
        return self._remember(token, started, epoch)

    def _remember(self, token: AccessToken, started: float, epoch: object) -> str:
        """Caches ``token``'s header until its refresh point, measured from ``started``, a
        clock reading taken before the core was asked: the core computed ``refresh_in_ms``
        later than that and rounds it down, so the cached deadline is never past the core's.
        Nothing is cached if ``invalidate`` ran since ``epoch`` was read."""
        header = token.authorization()
        deadline = started + token.refresh_in_ms() / 1000.0
        with _store_lock:
            if self._epoch is epoch:
                self._cache = (header, deadline)
        return header

    def _forget(self) -> None:
        with _store_lock:
            self._epoch = object()
            self._cache = _EMPTY


class CsrfSession:
    """Fetches a CSRF token for SAP API Management style write calls.

    ``CsrfSession(fetch_url, user_id, password)`` sends ``X-CSRF-Token: fetch`` (HEAD by
    default, ``fetch_method=CsrfFetchMethod.GET`` otherwise) with HTTP Basic credentials,
    keeps the token with the session cookies for ``options.default_lifetime_secs`` (default
    one hour), and hands out the headers for write calls. When a write answers 403 with
    ``x-csrf-token: Required``, pass the token that request carried to :meth:`invalidate`.
    Concurrent callers share one fetch. ``authwire.requests.CsrfAuth`` and
    ``authwire.httpx.CsrfAuth`` do all of this for you.
    """

    __slots__ = ("__weakref__", "_basic", "_native")

    def __init__(
        self,
        fetch_url: str,
        user_id: str,
        password: str,
        options: TokenOptions | None = None,
        fetch_method: CsrfFetchMethod | None = None,
    ) -> None:
        self._native = _ffi.CsrfSession(fetch_url, user_id, password, options, fetch_method)
        self._basic = _ffi.basic_auth(user_id, password)

    def headers(self) -> CsrfHeaders:
        """The headers for a write call (``X-CSRF-Token``, ``Cookie`` when the server set
        cookies, ``Authorization``). Returns at once while a token is cached; otherwise blocks
        until the shared fetch finishes. From asyncio use :meth:`headers_async`."""
        return self._native.headers()

    async def headers_async(self) -> CsrfHeaders:
        """The headers for a write call, awaited without blocking the event loop."""
        return await self._native.headers_async()

    def basic_authorization(self) -> str:
        """The ``Authorization`` value (HTTP Basic) for read calls, which need no CSRF token."""
        return self._basic

    def invalidate(self, token: str) -> bool:
        """Call after a write answered 403 with ``x-csrf-token: Required``, with the CSRF token
        that request carried. Returns whether it was still the current token."""
        return self._native.invalidate(token)

    def stats(self) -> TokenStats:
        """Counters since the session was created (``token_requests`` counts fetches)."""
        return self._native.stats()

    def set_listener(self, listener: ListenerLike) -> None:
        """Sets (or with ``None`` removes) the receiver of this session's events; see
        :meth:`TokenManager.set_listener`."""
        self._native.set_listener(_adapt_listener(listener))

    def __repr__(self) -> str:
        return repr(self._native)

    def __str__(self) -> str:
        return str(self._native)
