"""What ``authwire.requests`` and ``authwire.httpx`` share. Imports neither HTTP client."""

from __future__ import annotations

import errno
import inspect
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterable, Iterator
from typing import Optional, Protocol, Union, runtime_checkable

from . import _ffi
from ._ffi import HttpTransportError, NetworkErrorKind

__all__ = [
    "AsyncHeaderSource",
    "HeaderSource",
    "TokenSource",
    "classified",
    "csrf_required",
    "is_write",
    "merge_cookies",
]

#: Methods that change nothing on the server and so carry no CSRF token. Every other method
#: (POST, PUT, PATCH, DELETE, and SAP OData's MERGE) is a write.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


@runtime_checkable
class TokenSource(Protocol):
    """What the auth classes need from a token manager: :class:`authwire.TokenManager` and
    anything shaped like it."""

    def authorization(self) -> str: ...

    def invalidate(self, token: str) -> bool: ...


#: A header for the auth classes: a :class:`TokenSource` (refreshed on 401), a callable that
#: returns the header value, or a fixed header value.
HeaderSource = Union[TokenSource, Callable[[], str], str]

#: As :data:`HeaderSource`; for HTTPX the callable may also be an ``async`` function.
AsyncHeaderSource = Union[TokenSource, Callable[[], Union[str, Awaitable[str]]], str]


class ResolvedSource:
    """A :data:`HeaderSource`, normalised: ``get()``/``get_async()`` give the header value and
    ``invalidate`` is ``None`` when the source cannot be refreshed (then a 401 is final)."""

    __slots__ = ("_async", "get", "invalidate")

    def __init__(self, source: AsyncHeaderSource) -> None:
        self.invalidate: Callable[[str], bool] | None = None
        self._async: Callable[[], Awaitable[str]] | None = None
        if isinstance(source, str):
            if not source or any(ord(c) < 0x20 or ord(c) == 0x7F for c in source):
                raise _ffi.AuthError.InvalidInput(
                    "a fixed header value must be non-empty and contain no control character"
                )
            self.get: Callable[[], object] = lambda: source
        elif isinstance(source, TokenSource):
            self.get = source.authorization
            self.invalidate = source.invalidate
            async_get = getattr(source, "authorization_async", None)
            if async_get is not None and inspect.iscoroutinefunction(async_get):
                self._async = async_get
        elif callable(source):
            self.get = source
        else:
            raise TypeError(
                "the header source must be a TokenManager, a callable returning the header value, or a str, "
                f"not {type(source).__name__}"
            )

    def header(self) -> str:
        value = self.get()
        if not isinstance(value, str):
            if inspect.iscoroutine(value):
                value.close()  # never awaited: close it quietly
            raise TypeError(
                f"the header source returned {type(value).__name__}, not str (an async callable needs an async client)"
            )
        return value

    async def header_async(self) -> str:
        if self._async is not None:
            return await self._async()
        value = self.get()
        if inspect.isawaitable(value):
            value = await value
        if not isinstance(value, str):
            raise TypeError(f"the header source returned {type(value).__name__}, not str")
        return value


def is_write(method: str) -> bool:
    """Whether a request with ``method`` needs a CSRF token."""
    return method.upper() not in SAFE_METHODS


def csrf_required(status: int, csrf_header: str | None) -> bool:
    """Whether a response says the CSRF token was rejected: 403 with ``x-csrf-token: Required``."""
    return status == 403 and csrf_header is not None and csrf_header.strip().lower() == "required"


def merge_cookies(existing: str | None, ours: str | None) -> str | None:
    """A ``Cookie`` value with the CSRF session's cookies, which win over same-named cookies the
    client already set (the CSRF token is bound to the session cookie it was fetched with)."""
    if not ours:
        return existing
    if not existing:
        return ours
    ours_names = {pair.split("=", 1)[0].strip() for pair in ours.split(";")}
    kept = [
        pair.strip() for pair in existing.split(";") if pair.strip() and pair.split("=", 1)[0].strip() not in ours_names
    ]
    return "; ".join([*kept, ours])


def read_capped(chunks: Iterable[bytes], max_body_bytes: int) -> bytes:
    """A response body for the core, read up to one byte past its limit: the core rejects
    anything longer with ``AuthError.InvalidResponse``, so reading on would only use memory."""
    limit = max_body_bytes + 1
    body = bytearray()
    for chunk in chunks:
        body += chunk[: limit - len(body)]
        if len(body) >= limit:
            break
    return bytes(body)


# --- What kind of network failure an HTTP client's exception is -----------------------------

#: OpenSSL's ``X509_V_ERR_*`` codes (``ssl.SSLCertVerificationError.verify_code``) that say
#: more than "not trusted"; every other verification failure is ``CERTIFICATE_UNTRUSTED``
#: (2, 18, 19, 20, 21: no trusted issuer; 7: bad signature; 24, 27, 28: refused CA).
_VERIFY_CODES = {
    9: NetworkErrorKind.CERTIFICATE_EXPIRED,  # CERT_NOT_YET_VALID
    10: NetworkErrorKind.CERTIFICATE_EXPIRED,  # CERT_HAS_EXPIRED
    23: NetworkErrorKind.CERTIFICATE_REVOKED,  # CERT_REVOKED
    62: NetworkErrorKind.CERTIFICATE_WRONG_NAME,  # HOSTNAME_MISMATCH
    63: NetworkErrorKind.CERTIFICATE_WRONG_NAME,  # EMAIL_MISMATCH
    64: NetworkErrorKind.CERTIFICATE_WRONG_NAME,  # IP_ADDRESS_MISMATCH
}

#: getaddrinfo's answers that the name does not exist; any other ``socket.gaierror``
#: (``EAI_AGAIN``: no DNS server answered, ``EAI_FAIL``...) may recover.
_NO_SUCH_NAME = {
    code for code in (getattr(socket, "EAI_NONAME", None), getattr(socket, "EAI_NODATA", None)) if code is not None
}

#: ``OSError.errno`` values of a connection that nothing accepted.
_UNREACHABLE = {
    code
    for code in (
        getattr(errno, name, None)
        for name in ("ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "EHOSTDOWN", "ENETDOWN", "EADDRNOTAVAIL")
    )
    if code is not None
}

#: Classifies one exception of an HTTP client's cause chain, or says nothing (``None``).
LibraryKinds = Callable[[BaseException], Optional[NetworkErrorKind]]


def _causes(error: BaseException) -> Iterator[BaseException]:
    """``error`` and what it wraps, nearest first: ``__cause__``, a ``reason`` attribute
    (urllib3's ``MaxRetryError``), exceptions among ``args`` (requests wraps urllib3's errors
    there), then ``__context__``."""
    seen: set[int] = set()
    queue = [error]
    while queue and len(seen) < 64:
        current = queue.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        linked = [current.__cause__, getattr(current, "reason", None), *current.args, current.__context__]
        queue.extend(item for item in linked if isinstance(item, BaseException))


def _os_kind(cause: BaseException) -> NetworkErrorKind | None:
    """The kind that a standard-library exception (``ssl``, ``socket``, ``OSError``) says."""
    if isinstance(cause, ssl.SSLCertVerificationError):
        return _VERIFY_CODES.get(cause.verify_code, NetworkErrorKind.CERTIFICATE_UNTRUSTED)
    if isinstance(cause, (ssl.SSLEOFError, ssl.SSLZeroReturnError)):
        return NetworkErrorKind.CONNECTION_RESET  # the peer closed the connection mid-TLS
    if isinstance(cause, ssl.SSLError):
        return NetworkErrorKind.TLS_HANDSHAKE
    if isinstance(cause, socket.gaierror):
        if cause.errno in _NO_SUCH_NAME:
            return NetworkErrorKind.NAME_NOT_RESOLVED
        return NetworkErrorKind.NAME_RESOLUTION_TEMPORARY
    if isinstance(cause, ConnectionRefusedError):
        return NetworkErrorKind.CONNECTION_REFUSED
    if isinstance(cause, (ConnectionResetError, ConnectionAbortedError, BrokenPipeError)):
        return NetworkErrorKind.CONNECTION_RESET
    if isinstance(cause, (TimeoutError, socket.timeout)):
        return NetworkErrorKind.READ_TIMEOUT
    if isinstance(cause, OSError) and cause.errno in _UNREACHABLE:
        return NetworkErrorKind.CONNECTION_REFUSED
    return None


def _deepest(cause: BaseException) -> BaseException:
    """The innermost exception that ``cause`` wraps (``__cause__``, ``reason``, ``args``): the
    client's own words about what failed, without the layers that quote the URL."""
    seen = {id(cause)}
    while True:
        linked = [cause.__cause__, getattr(cause, "reason", None), *cause.args]
        inner = next((item for item in linked if isinstance(item, BaseException) and id(item) not in seen), None)
        if inner is None or len(seen) >= 64:
            return cause
        seen.add(id(inner))
        cause = inner


def _words(cause: BaseException) -> str:
    """What ``cause`` says about itself, on one line."""
    cause = _deepest(cause)
    if isinstance(cause, ssl.SSLCertVerificationError) and cause.verify_message:
        return f"certificate verify failed: {cause.verify_message}"
    text = str(cause) or type(cause).__name__
    if not isinstance(cause, OSError) or type(cause).__module__ not in ("builtins", "ssl", "socket"):
        text = f"{type(cause).__name__}: {text}"
    return " ".join(text.split())


def classified(error: BaseException, library: LibraryKinds, fallback: LibraryKinds) -> HttpTransportError.Classified:
    """``error`` of an HTTP client as the core's ``HttpTransportError.Classified``: the first
    exception of its cause chain that ``library`` (the client's own exception types: a proxy
    failure, a timeout) or the standard library (an ``ssl`` verification code, a
    ``socket.gaierror``, a refused or reset connection) classifies; else the first that
    ``fallback`` classifies; else ``NetworkErrorKind.OTHER``. The reason is the words of the
    innermost exception below the one that decided; the core removes credentials and the
    URL's path and query."""
    causes = list(_causes(error))
    for cause in causes:
        kind = library(cause) or _os_kind(cause)
        if kind is not None:
            return HttpTransportError.Classified(kind, _words(cause))
    for cause in causes:
        kind = fallback(cause)
        if kind is not None:
            return HttpTransportError.Classified(kind, _words(cause))
    return HttpTransportError.Classified(NetworkErrorKind.OTHER, _words(error))
