"""authwire: correct HTTP Authorization headers and self-refreshing API tokens.

One Rust core builds the headers and keeps tokens fresh; this package is its Python face.

>>> import authwire
>>> authwire.basic_auth("Aladdin", "open sesame")
'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=='

Every error raised is an instance of :class:`authwire.AuthError`; ``str(error)`` is a
sentence that says what went wrong and what to do, and never contains a secret.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from ._native import authwire as _ffi
from ._native.authwire import (
    ApiKey,
    AuthError,
    BasicCredentials,
    basic_auth,
    bearer_auth,
    decode_basic,
    open_connectors_auth,
    scheme_auth,
)

try:
    __version__ = version("authwire")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"


def _auth_error_str(self: AuthError) -> str:
    # uniffi's Python errors print their fields ("reason='...'"); the Rust `Display` sentence
    # is what the caller should read, so `str()` asks the core for it.
    lowered = _ffi._UniffiFfiConverterTypeAuthError.lower(self)
    rendered = _ffi._uniffi_rust_call_with_error(
        None, _ffi._UniffiLib.uniffi_authwire_fn_method_autherror_uniffi_trait_display, lowered
    )
    return _ffi._UniffiFfiConverterString.lift(rendered)


def _auth_error_repr(self: AuthError) -> str:
    return f"{type(self).__qualname__}({str(self)!r})"


for _variant in [AuthError, *AuthError.__subclasses__()]:
    _variant.__str__ = _auth_error_str  # type: ignore[method-assign]
    _variant.__repr__ = _auth_error_repr  # type: ignore[method-assign]
del _variant

#: The header name that every builder's value belongs in.
AUTHORIZATION = "Authorization"

__all__ = [
    "AUTHORIZATION",
    "ApiKey",
    "AuthError",
    "BasicCredentials",
    "basic_auth",
    "bearer_auth",
    "decode_basic",
    "open_connectors_auth",
    "scheme_auth",
]
