"""The generated uniffi module, loaded once, with its Python rough edges smoothed.

Everything else in the package imports the core through this module, never through
``authwire._native`` directly, so that the fixes below are always in place. The header
builders (``basic_auth``, ``bearer_auth``, ``scheme_auth``, ``scheme_auth_param_lists``) are
``_builders``' lean call path to the same core functions, with a bounded memo of recent
results. Its types are declared in ``_ffi.pyi`` (the generated module is not type-checked).

Fixes applied here:

* ``str(AuthError)`` is the core's one-line sentence, not uniffi's field dump.
* ``NetworkErrorKind.is_retried``: whether the core retries a network failure of that kind
  (asked of the core once per kind, at import).
* ``str()`` of an ``HttpTransportError`` is its reason; ``repr()`` of the transport records
  (``HttpRequest``, ``HttpHeader``, ``HttpResponse``) shows no header value and no body.
* ``str()`` of a ``SignerError`` is the core's sentence; ``repr()`` of a core signer
  (``pem_signer``) shows its algorithm and key id, and ``[redacted]`` for the key.
* ``repr()`` of records (``TokenOptions``, ``TokenStats``, ``DeviceCode``) and of ``AuthEvent`` variants shows
  their fields (uniffi decorates them with ``@dataclass`` without fields, so ``repr`` would
  print ``TokenStats()``), and ``AuthEvent`` variants support positional ``match`` patterns.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta
from typing import Any

from ._builders import basic_auth, bearer_auth, scheme_auth, scheme_auth_param_lists
from ._native import authwire as _generated
from ._native.authwire import (
    AccessToken,
    ApiKey,
    AuthError,
    AuthEvent,
    AuthListener,
    AuthorizationCodeFlow,
    BasicCredentials,
    BlockingHttpTransport,
    ClientAuthMethod,
    CsrfFetchMethod,
    CsrfHeaders,
    CsrfSession,
    DeviceAuthorizationFlow,
    DeviceCode,
    ExpiryFormat,
    HttpHeader,
    HttpRequest,
    HttpResponse,
    HttpTransport,
    HttpTransportError,
    InternalError,
    JwtAlgorithm,
    JwtSigner,
    JwtSignerImpl,
    KeyFileSealingKey,
    NetworkErrorKind,
    SealingKey,
    SealingKeyImpl,
    SessionTokens,
    SignerError,
    StoreError,
    TokenManager,
    TokenOptions,
    TokenStats,
    TokenStore,
    TokenStoreImpl,
    decode_basic,
    file_store,
    key_file_sealing_key,
    network_error_is_retried,
    open_connectors_auth,
    pem_signer,
    redis_store,
)

__all__ = [
    "AccessToken",
    "ApiKey",
    "AuthError",
    "AuthEvent",
    "AuthListener",
    "AuthorizationCodeFlow",
    "BasicCredentials",
    "BlockingHttpTransport",
    "ClientAuthMethod",
    "CsrfFetchMethod",
    "CsrfHeaders",
    "CsrfSession",
    "DeviceAuthorizationFlow",
    "DeviceCode",
    "ExpiryFormat",
    "HttpHeader",
    "HttpRequest",
    "HttpResponse",
    "HttpTransport",
    "HttpTransportError",
    "InternalError",
    "JwtAlgorithm",
    "JwtSigner",
    "JwtSignerImpl",
    "KeyFileSealingKey",
    "NetworkErrorKind",
    "SealingKey",
    "SealingKeyImpl",
    "SessionTokens",
    "SignerError",
    "StoreError",
    "TokenManager",
    "TokenOptions",
    "TokenStats",
    "TokenStore",
    "TokenStoreImpl",
    "basic_auth",
    "bearer_auth",
    "decode_basic",
    "file_store",
    "key_file_sealing_key",
    "network_error_is_retried",
    "open_connectors_auth",
    "pem_signer",
    "redis_store",
    "scheme_auth",
    "scheme_auth_param_lists",
]


def _auth_error_sentence(self: AuthError) -> str:
    # uniffi's Python errors carry their fields as the message ("reason='...'"); the Rust
    # `Display` sentence is what the caller should read, so the core is asked for it.
    lowered = _generated._UniffiFfiConverterTypeAuthError.lower(self)
    rendered = _generated._uniffi_rust_call_with_error(
        None, _generated._UniffiLib.uniffi_authwire_fn_method_autherror_uniffi_trait_display, lowered
    )
    return str(_generated._UniffiFfiConverterString.lift(rendered))


def _auth_error_repr(self: BaseException) -> str:
    return f"{type(self).__qualname__}({str(self)!r})"


def _server_message(self: AuthError) -> str:
    """The server's own text (its error body, shortened, without secrets); ``str(error)`` is
    the core's sentence."""
    return str(self._message)  # type: ignore[attr-defined]


def _retry_after(self: AuthError) -> timedelta | None:
    """How long the server asked to wait (``Retry-After``), or ``None`` when it did not say."""
    ms = self._retry_after_ms  # type: ignore[attr-defined]
    return None if ms is None else timedelta(milliseconds=ms)


def _window(self: AuthError) -> timedelta:
    """The window in which ``refreshes`` invalidations happened."""
    return timedelta(milliseconds=self._window_ms)  # type: ignore[attr-defined]


def _sentence_init(init: Any) -> Any:
    def __init__(  # noqa: N807 - it replaces the generated __init__
        self: AuthError, *args: Any, **kwargs: Any
    ) -> None:
        init(self, *args, **kwargs)
        # The exception's message (str(e), e.args[0]) is the core's sentence.
        self.args = (_auth_error_sentence(self),)
        # Fields whose generated names mislead (`message` is the server's text, not the
        # exception's) or carry a unit: read as `server_message`, `retry_after`, `window`.
        for name in ("message", "retry_after_ms", "window_ms"):
            if name in self.__dict__:
                self.__dict__["_" + name] = self.__dict__.pop(name)

    __init__.__doc__ = init.__doc__
    return __init__


for _variant in AuthError.__subclasses__():
    _variant.__init__ = _sentence_init(_variant.__init__)  # type: ignore[method-assign]
    _variant.__str__ = BaseException.__str__  # type: ignore[method-assign,assignment]
    _variant.__repr__ = _auth_error_repr  # type: ignore[method-assign,assignment]
AuthError.__repr__ = _auth_error_repr  # type: ignore[method-assign,assignment]
for _variant in (AuthError.Unauthorized, AuthError.Server, AuthError.HttpStatus):
    _variant.server_message = property(_server_message)  # type: ignore[attr-defined]
AuthError.RateLimited.retry_after = property(_retry_after)  # type: ignore[attr-defined]
AuthError.RefreshLoop.window = property(_window)  # type: ignore[attr-defined]


# The core's answer for every kind, asked once: `kind.is_retried` is then a dict lookup.
_RETRIED = {kind: network_error_is_retried(kind) for kind in NetworkErrorKind}


def _kind_is_retried(self: NetworkErrorKind) -> bool:
    """Whether authwire retries a network failure of this kind (with backoff, within the
    manager's attempts and time budget). A failure that waiting cannot fix (a host name that
    does not exist, every certificate and TLS handshake failure) fails at once."""
    return _RETRIED[self]


NetworkErrorKind.is_retried = property(_kind_is_retried)  # type: ignore[method-assign,assignment]


def _transport_error_str(self: HttpTransportError) -> str:
    return str(getattr(self, "reason", ""))


def _transport_error_repr(self: HttpTransportError) -> str:
    return f"{type(self).__qualname__}({str(self)!r})"


for _variant in [HttpTransportError, *HttpTransportError.__subclasses__()]:
    _variant.__str__ = _transport_error_str  # type: ignore[method-assign]
    _variant.__repr__ = _transport_error_repr  # type: ignore[method-assign]


# Request headers and bodies carry credentials: their reprs show names and sizes only.
def _header_repr(self: HttpHeader) -> str:
    return f"HttpHeader(name={self.name!r}, value=<redacted>)"


def _request_repr(self: HttpRequest) -> str:
    size = "None" if self.body is None else f"<{len(self.body)} bytes>"
    return f"HttpRequest(method={self.method!r}, url={self.url!r}, headers={self.headers!r}, body={size})"


def _response_repr(self: HttpResponse) -> str:
    return f"HttpResponse(status={self.status!r}, headers={self.headers!r}, body=<{len(self.body)} bytes>)"


def _request_init(init: Any) -> Any:
    def __init__(  # noqa: N807 - it replaces the generated __init__
        self: HttpRequest, **fields: Any
    ) -> None:
        init(self, **fields)
        # The core gives milliseconds; a transport reads `timeout`, a timedelta.
        self.__dict__["_timeout_ms"] = self.__dict__.pop("timeout_ms")

    return __init__


def _request_timeout(self: HttpRequest) -> timedelta:
    """The core's time limit for this request (give it to the HTTP client as its timeout)."""
    return timedelta(milliseconds=self._timeout_ms)  # type: ignore[attr-defined]


def _request_eq(self: HttpRequest, other: object) -> bool:
    if not isinstance(other, HttpRequest):
        return NotImplemented
    fields = ("method", "url", "headers", "body", "_timeout_ms", "max_body_bytes")
    return all(getattr(self, name) == getattr(other, name) for name in fields)


HttpRequest.__init__ = _request_init(HttpRequest.__init__)  # type: ignore[method-assign]
HttpRequest.__eq__ = _request_eq  # type: ignore[method-assign,assignment]
HttpRequest.timeout = property(_request_timeout)  # type: ignore[attr-defined]
HttpHeader.__repr__ = _header_repr  # type: ignore[method-assign,assignment]
HttpRequest.__repr__ = _request_repr  # type: ignore[method-assign,assignment]
HttpResponse.__repr__ = _response_repr  # type: ignore[method-assign,assignment]


def _store_error_str(self: StoreError) -> str:
    lowered = _generated._UniffiFfiConverterTypeStoreError.lower(self)
    rendered = _generated._uniffi_rust_call_with_error(
        None, _generated._UniffiLib.uniffi_authwire_fn_method_storeerror_uniffi_trait_display, lowered
    )
    return str(_generated._UniffiFfiConverterString.lift(rendered))


for _variant in [StoreError, *StoreError.__subclasses__()]:
    _variant.__str__ = _store_error_str  # type: ignore[method-assign]
    _variant.__repr__ = _auth_error_repr  # type: ignore[method-assign,assignment]


def _signer_error_str(self: SignerError) -> str:
    lowered = _generated._UniffiFfiConverterTypeSignerError.lower(self)
    rendered = _generated._uniffi_rust_call_with_error(
        None, _generated._UniffiLib.uniffi_authwire_fn_method_signererror_uniffi_trait_display, lowered
    )
    return str(_generated._UniffiFfiConverterString.lift(rendered))


for _variant in [SignerError, *SignerError.__subclasses__()]:
    _variant.__str__ = _signer_error_str  # type: ignore[method-assign]
    _variant.__repr__ = _auth_error_repr  # type: ignore[method-assign,assignment]


def _core_signer_repr(self: JwtSignerImpl) -> str:
    return f"JwtSigner(algorithm=JwtAlgorithm.{self.algorithm().name}, key_id={self.key_id()!r}, key=<redacted>)"


JwtSignerImpl.__repr__ = _core_signer_repr  # type: ignore[method-assign,assignment]


def _field_names(cls: type) -> tuple[str, ...]:
    """The keyword parameters of a generated record's ``__init__``: its fields, in order."""
    code = cls.__init__.__code__  # type: ignore[misc]
    names = code.co_varnames[1 : code.co_argcount + code.co_kwonlyargcount]
    return tuple(names)


def _fields_repr(self: Any) -> str:
    shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in type(self)._authwire_fields)
    return f"{type(self).__qualname__}({shown})"


_records: list[type] = [TokenOptions, TokenStats, DeviceCode]
_records += [cls for cls in vars(AuthEvent).values() if isinstance(cls, type) and issubclass(cls, AuthEvent)]
for _record in _records:
    _record._authwire_fields = _field_names(_record)  # type: ignore[attr-defined]
    _record.__repr__ = _fields_repr  # type: ignore[method-assign]
    if issubclass(_record, AuthEvent):
        _record.__match_args__ = _record._authwire_fields  # type: ignore[attr-defined]


def _record_eq(self: Any, other: object) -> bool:
    if type(other) is not type(self):
        return NotImplemented
    return all(getattr(self, name) == getattr(other, name) for name in self._authwire_fields)


TokenOptions.__eq__ = _record_eq  # type: ignore[method-assign,assignment]
TokenStats.__eq__ = _record_eq  # type: ignore[method-assign,assignment]
DeviceCode.__eq__ = _record_eq  # type: ignore[method-assign,assignment]

del _variant, _record, _records


def _docstrings_from_stub() -> None:
    """Gives the classes, functions, methods and properties above the docstrings of
    ``_ffi.pyi``, so that ``help()``, ``inspect.getdoc`` and IDEs that read the runtime objects
    show the same Python-worded documentation as the stub and the API reference (one source:
    the stub). Names the stub documents but the module lacks are skipped; a stub that cannot
    be read (an unusual install) leaves the generated docstrings in place."""
    import ast
    import pathlib  # imported here: needed once, at import

    try:
        tree = ast.parse(pathlib.Path(__file__).with_suffix(".pyi").read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return
    namespace = globals()
    for node in tree.body:
        if not isinstance(node, (ast.ClassDef, ast.FunctionDef)) or node.name not in __all__:
            continue
        target = namespace.get(node.name)
        doc = ast.get_docstring(node)
        if target is None:
            continue
        if doc:
            _set_doc(target, doc)
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                member_doc = ast.get_docstring(item) if isinstance(item, ast.FunctionDef) else None
                member = vars(target).get(item.name) if member_doc else None
                if isinstance(member, property) and member_doc:
                    setattr(target, item.name, property(member.fget, member.fset, member.fdel, member_doc))
                elif member is not None and member_doc:
                    _set_doc(member, member_doc)


def _set_doc(target: Any, doc: str) -> None:
    if isinstance(target, (staticmethod, classmethod)):
        target = target.__func__
    # A built-in or extension object may refuse a new __doc__: it keeps its own.
    with contextlib.suppress(AttributeError, TypeError):
        target.__doc__ = doc


_docstrings_from_stub()
