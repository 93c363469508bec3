"""What ``authwire.requests`` and ``authwire.httpx`` share. Imports neither HTTP client."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable
from typing import Protocol, Union, runtime_checkable

from . import _ffi

__all__ = ["AsyncHeaderSource", "HeaderSource", "TokenSource", "csrf_required", "is_write", "merge_cookies"]

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
