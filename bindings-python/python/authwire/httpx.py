"""authwire for `HTTPX <https://www.python-httpx.org>`_: ``pip install authwire[httpx]``.

>>> import httpx
>>> import authwire
>>> from authwire.httpx import TokenAuth
>>> manager = authwire.TokenManager.static_token("mF_9.B5f-4.1JqM")
>>> client = httpx.Client(auth=TokenAuth(manager))

The same auth object works with ``httpx.Client`` (blocking calls into the token manager) and
``httpx.AsyncClient`` (``await``-ed calls, the event loop is never blocked).

:class:`TokenAuth` adds the ``Authorization`` header to every request. When the API answers
401, it passes the header that request carried to ``manager.invalidate`` and sends the
request once more with the fresh header: of many parallel 401s for the same token, only the
first causes a token request. A second 401 is returned to the caller, never retried.

:class:`CsrfAuth` does the same for SAP API Management style CSRF protection.

:class:`HttpxTransport` sends the token requests themselves through an ``httpx.Client``, so
that its proxy, CA and client-certificate settings apply:

>>> from authwire.httpx import HttpxTransport
>>> options = authwire.TokenOptions(transport=HttpxTransport(httpx.Client()))
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator

try:
    import httpx
except ImportError as error:  # pragma: no cover - depends on the installed extras
    raise ImportError("authwire.httpx needs httpx: pip install 'authwire[httpx]'") from error

from ._ffi import BlockingHttpTransport, HttpHeader, HttpRequest, HttpResponse, NetworkErrorKind
from ._http import AsyncHeaderSource, ResolvedSource, classified, csrf_required, is_write, merge_cookies, read_capped
from ._manager import CsrfSession
from ._values import CsrfHeaders

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["CsrfAuth", "HttpxTransport", "TokenAuth"]


class HttpxTransport(BlockingHttpTransport):
    """Sends a token manager's (or CSRF session's) token requests through ``client``, an
    ``httpx.Client`` (default: a new one), so that its proxy, CA (``verify=``) and
    client-certificate settings apply. Give it in the options::

        ca = ssl.create_default_context(cafile="/etc/corp-ca.pem")
        TokenOptions(transport=HttpxTransport(httpx.Client(verify=ca)))

    The core still decides everything else: its own timeout around each call (the client is
    also given ``request.timeout``), the body limit, HTTPS only, retries. Redirects are
    never followed, whatever the client's ``follow_redirects``. httpx errors reach the core as
    ``HttpTransportError.Classified`` with their :class:`authwire.NetworkErrorKind`, and the
    caller as ``AuthError.Network`` with that ``kind``: a certificate that does not verify
    (by OpenSSL's code: unknown issuer, expired or not yet valid, another name, revoked) or
    another TLS failure, a name that does not resolve (``EAI_NONAME``) or a resolver that
    failed (``EAI_AGAIN``), a refused connection, ``ConnectTimeout``, ``ReadTimeout``,
    ``WriteTimeout`` and ``PoolTimeout``, a connection reset or closed mid-answer
    (``ReadError``, ``WriteError``, ``RemoteProtocolError``), ``ProxyError``. The core retries
    the kinds that can recover and fails at once on the others.

    It is a blocking transport because uniffi 0.32 can call an async Python method only from
    a thread with a running event loop, and the core sends token requests from its own
    threads; ``authorization_async()`` still never blocks the event loop.
    """

    __slots__ = ("_client", "_owned")

    def __init__(self, client: httpx.Client | None = None) -> None:
        self._owned = client is None
        self._client = client if client is not None else httpx.Client()

    def send(self, request: HttpRequest) -> HttpResponse:
        """Sends ``request`` as given and returns the answer, any status included (called by
        the core; raises ``HttpTransportError.Classified`` for an httpx error)."""
        try:
            with self._client.stream(
                request.method,
                request.url,
                headers=[(header.name, header.value) for header in request.headers],
                content=request.body,
                timeout=request.timeout.total_seconds(),
                follow_redirects=False,
            ) as response:
                body = read_capped(response.iter_bytes(), request.max_body_bytes)
                headers = [HttpHeader(name=name, value=value) for name, value in response.headers.multi_items()]
                return HttpResponse(status=response.status_code, headers=headers, body=body)
        except httpx.HTTPError as error:
            raise classified(error, _library_kind, _fallback_kind) from None

    def close(self) -> None:
        """Closes the ``httpx.Client`` this transport created (one given to it is left to its owner)."""
        if self._owned:
            self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"HttpxTransport(client={self._client!r})"


def _library_kind(error: BaseException) -> NetworkErrorKind | None:
    """The kind that an httpx exception's type says for certain, whatever it wraps."""
    if isinstance(error, httpx.ProxyError):
        return NetworkErrorKind.PROXY
    if isinstance(error, httpx.ConnectTimeout):
        return NetworkErrorKind.CONNECT_TIMEOUT
    if isinstance(error, httpx.TimeoutException):  # ReadTimeout, WriteTimeout, PoolTimeout
        return NetworkErrorKind.READ_TIMEOUT
    return None


def _fallback_kind(error: BaseException) -> NetworkErrorKind | None:
    """The kind of an httpx exception whose causes said nothing: a connection that broke
    after it was opened is a reset."""
    if isinstance(error, (httpx.ReadError, httpx.WriteError, httpx.CloseError, httpx.RemoteProtocolError)):
        return NetworkErrorKind.CONNECTION_RESET
    return None


class TokenAuth(httpx.Auth):
    """Adds ``Authorization`` from a :class:`authwire.TokenManager` to every request, and
    answers a 401 by invalidating the token that request carried and retrying once.

    ``source`` may also be a callable returning the header value (with ``AsyncClient`` it may
    be an ``async`` function) or a fixed header value; neither can be refreshed, so for them a
    401 is returned as is.

    To retry after a 401, a streamed request body is read into memory before it is sent.
    """

    def __init__(self, source: AsyncHeaderSource) -> None:
        self._source = ResolvedSource(source)

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        sent = self._source.header()
        request.headers["Authorization"] = sent
        invalidate = self._source.invalidate
        if invalidate is None:
            yield request
            return
        request.read()  # a retry sends the body again
        response = yield request
        if response.status_code != 401:
            return
        invalidate(sent)
        fresh = self._source.header()
        if fresh != sent:
            request.headers["Authorization"] = fresh
            yield request

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        sent = await self._source.header_async()
        request.headers["Authorization"] = sent
        invalidate = self._source.invalidate
        if invalidate is None:
            yield request
            return
        await request.aread()
        response = yield request
        if response.status_code != 401:
            return
        invalidate(sent)  # no I/O: discards the token and starts the refresh in the core
        fresh = await self._source.header_async()
        if fresh != sent:
            request.headers["Authorization"] = fresh
            yield request

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        return self.sync_auth_flow(request)

    def __repr__(self) -> str:
        return "TokenAuth(source=<redacted>)"


class CsrfAuth(httpx.Auth):
    """Authenticates calls to an SAP API Management style API with a :class:`authwire.CsrfSession`.

    Write requests (every method but GET, HEAD, OPTIONS and TRACE) get ``X-CSRF-Token``,
    ``Cookie`` (merged with the client's cookies; the CSRF session's win) and
    ``Authorization``; safe requests (GET, HEAD, OPTIONS, TRACE) get ``Authorization`` (HTTP
    Basic) and the session's cookies, no CSRF token, and never cause a fetch. When a write answers 403
    with ``x-csrf-token: Required``, the token is invalidated, a new one fetched, and the
    request sent once more.
    """

    def __init__(self, session: CsrfSession) -> None:
        if not isinstance(session, CsrfSession):
            raise TypeError(f"CsrfAuth needs an authwire.CsrfSession, not {type(session).__name__}")
        self._session = session

    @staticmethod
    def _apply_map(request: httpx.Request, headers: dict[str, str]) -> None:
        for name, value in headers.items():
            if name == "Cookie":
                value = merge_cookies(request.headers.get("Cookie"), value) or value
            request.headers[name] = value

    @classmethod
    def _apply(cls, request: httpx.Request, headers: CsrfHeaders) -> str:
        cls._apply_map(request, headers.to_map())
        return headers.csrf_token

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if not is_write(request.method):
            self._apply_map(request, self._session.read_headers())
            yield request
            return
        sent = self._apply(request, self._session.headers())
        request.read()
        response = yield request
        if not csrf_required(response.status_code, response.headers.get("x-csrf-token")):
            return
        self._session.invalidate(sent)
        fresh = self._session.headers()
        if fresh.csrf_token != sent:
            self._apply(request, fresh)
            yield request

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        if not is_write(request.method):
            self._apply_map(request, self._session.read_headers())
            yield request
            return
        sent = self._apply(request, await self._session.headers_async())
        await request.aread()
        response = yield request
        if not csrf_required(response.status_code, response.headers.get("x-csrf-token")):
            return
        self._session.invalidate(sent)
        fresh = await self._session.headers_async()
        if fresh.csrf_token != sent:
            self._apply(request, fresh)
            yield request

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        return self.sync_auth_flow(request)

    def __repr__(self) -> str:
        return f"CsrfAuth(session={self._session!r})"
