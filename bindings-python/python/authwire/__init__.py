"""authwire: correct HTTP Authorization headers and self-refreshing API tokens.

One Rust core builds the headers and keeps tokens fresh; this package is its Python face.

>>> import authwire
>>> authwire.basic_auth("Aladdin", "open sesame")
'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=='

Every error raised is an instance of :class:`authwire.AuthError`; ``str(error)`` is a
sentence that says what went wrong and what to do, and never contains a secret. A network
failure, ``AuthError.Network``, also has a typed ``kind`` (:class:`NetworkErrorKind`: an
untrusted or expired certificate, a refused connection, a name that does not resolve...),
and ``error.kind.is_retried`` says whether authwire retried it.

Short-lived tokens come from a :class:`TokenManager`, CSRF-protected write calls from a
:class:`CsrfSession`; ``authwire.requests`` and ``authwire.httpx`` plug both into those HTTP
clients (install the extras ``authwire[requests]`` or ``authwire[httpx]``). Token requests
go through the core's own HTTP client, or through httpx or requests with their proxy and CA
settings: ``TokenOptions(transport=authwire.httpx.HttpxTransport())``.

A signed-in user's session (a refresh token that the server rotates, shared safely between
threads and processes) is ``TokenManager.user_session``; :class:`AuthorizationCodeFlow`
(PKCE) and :class:`DeviceAuthorizationFlow` (RFC 8628) sign the user in. When the session is
over, calls raise ``AuthError.SignInRequired``.

Signed-JWT credentials (Google service accounts, GitHub Apps, App Store Connect,
``private_key_jwt``) sign with ``authwire.pem_signer(pem, key_id)``, a key the core reads,
or ``authwire.cryptography.CryptographySigner(private_key, key_id)`` over a ``cryptography``
key object, or any :class:`JwtSigner` subclass.

``import authwire`` is cheap: the native library is loaded on first use of any of its names.
"""

from __future__ import annotations

TYPE_CHECKING = False  # `typing` is not imported at run time: it is part of the import cost.
if TYPE_CHECKING:
    from ._ffi import (
        AuthError as AuthError,
    )
    from ._ffi import (
        BlockingHttpTransport as BlockingHttpTransport,
    )
    from ._ffi import (
        ClientAuthMethod as ClientAuthMethod,
    )
    from ._ffi import (
        CsrfFetchMethod as CsrfFetchMethod,
    )
    from ._ffi import (
        ExpiryFormat as ExpiryFormat,
    )
    from ._ffi import (
        HttpHeader as HttpHeader,
    )
    from ._ffi import (
        HttpRequest as HttpRequest,
    )
    from ._ffi import (
        HttpResponse as HttpResponse,
    )
    from ._ffi import (
        HttpTransport as HttpTransport,
    )
    from ._ffi import (
        HttpTransportError as HttpTransportError,
    )
    from ._ffi import (
        JwtAlgorithm as JwtAlgorithm,
    )
    from ._ffi import (
        JwtSigner as JwtSigner,
    )
    from ._ffi import (
        NetworkErrorKind as NetworkErrorKind,
    )
    from ._ffi import (
        SignerError as SignerError,
    )
    from ._ffi import (
        StoreError as StoreError,
    )
    from ._ffi import (
        TokenStats as TokenStats,
    )
    from ._ffi import (
        basic_auth as basic_auth,
    )
    from ._ffi import (
        bearer_auth as bearer_auth,
    )
    from ._ffi import (
        open_connectors_auth as open_connectors_auth,
    )
    from ._ffi import (
        scheme_auth as scheme_auth,
    )
    from ._headers import decode_basic as decode_basic
    from ._headers import scheme_auth_params as scheme_auth_params
    from ._manager import CsrfSession as CsrfSession
    from ._manager import TokenManager as TokenManager
    from ._manager import pem_signer as pem_signer
    from ._options import TokenOptions as TokenOptions
    from ._session import AuthorizationCodeFlow as AuthorizationCodeFlow
    from ._session import DeviceAuthorizationFlow as DeviceAuthorizationFlow
    from ._session import DeviceCode as DeviceCode
    from ._session import KeyFileSealingKey as KeyFileSealingKey
    from ._session import SealingKey as SealingKey
    from ._session import SessionTokens as SessionTokens
    from ._store import FileStore as FileStore
    from ._store import RedisStore as RedisStore
    from ._store import TokenStore as TokenStore
    from ._values import AccessToken as AccessToken
    from ._values import ApiKey as ApiKey
    from ._values import AuthEvent as AuthEvent
    from ._values import AuthListener as AuthListener
    from ._values import BasicCredentials as BasicCredentials
    from ._values import CsrfHeaders as CsrfHeaders
    from .cryptography import CryptographySigner as CryptographySigner

    __version__: str

#: The header name that every builder's value belongs in.
AUTHORIZATION = "Authorization"

__all__ = [
    "AUTHORIZATION",
    "AccessToken",
    "ApiKey",
    "AuthError",
    "AuthEvent",
    "AuthListener",
    "BasicCredentials",
    "BlockingHttpTransport",
    "ClientAuthMethod",
    "CsrfFetchMethod",
    "CsrfHeaders",
    "CsrfSession",
    "ExpiryFormat",
    "HttpHeader",
    "HttpRequest",
    "HttpResponse",
    "HttpTransport",
    "HttpTransportError",
    "JwtAlgorithm",
    "JwtSigner",
    "NetworkErrorKind",
    "SignerError",
    "TokenManager",
    "TokenOptions",
    "TokenStats",
    "TokenStore",
    "FileStore",
    "RedisStore",
    "StoreError",
    "SessionTokens",
    "SealingKey",
    "KeyFileSealingKey",
    "AuthorizationCodeFlow",
    "DeviceAuthorizationFlow",
    "DeviceCode",
    "basic_auth",
    "bearer_auth",
    "decode_basic",
    "open_connectors_auth",
    "pem_signer",
    "scheme_auth",
    "scheme_auth_params",
]

# Where each lazily loaded name lives. Loading `_ffi` loads the native library (and asyncio,
# which the generated bindings import): tens of milliseconds that a program which only
# imports authwire, or imports it at start-up, should not pay up front.
_LAZY = {name: "._ffi" for name in __all__ if name not in ("AUTHORIZATION", "CsrfSession", "TokenManager")}
_LAZY["scheme_auth_params"] = "._headers"
_LAZY["decode_basic"] = "._headers"
_LAZY["TokenOptions"] = "._options"
for _name in ("AccessToken", "ApiKey", "AuthEvent", "AuthListener", "BasicCredentials", "CsrfHeaders"):
    _LAZY[_name] = "._values"
del _name
_LAZY["CsrfSession"] = "._manager"
_LAZY["TokenManager"] = "._manager"
_LAZY["pem_signer"] = "._manager"
# Not in __all__: it needs the optional `cryptography` package, which `from authwire import *`
# must not require. `authwire.CryptographySigner` is `authwire.cryptography.CryptographySigner`.
_LAZY["CryptographySigner"] = ".cryptography"
_LAZY["FileStore"] = "._store"
_LAZY["RedisStore"] = "._store"
_LAZY["TokenStore"] = "._store"
for _name in (
    "SessionTokens",
    "SealingKey",
    "KeyFileSealingKey",
    "AuthorizationCodeFlow",
    "DeviceAuthorizationFlow",
    "DeviceCode",
):
    _LAZY[_name] = "._session"
del _name


if not TYPE_CHECKING:  # hidden from type checkers, so that a misspelt name is an error

    def __getattr__(name: str) -> object:
        if name == "__version__":
            from importlib.metadata import PackageNotFoundError, version

            try:
                value = version("authwire")
            except PackageNotFoundError:  # pragma: no cover - running from a source tree
                value = "0.0.0"
        elif name in _LAZY:
            from importlib import import_module

            value = getattr(import_module(_LAZY[name], __name__), name)
        else:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        globals()[name] = value  # later lookups skip this function
        return value

    def __dir__() -> list[str]:
        return sorted({*globals(), *__all__, "CryptographySigner", "__version__"})
