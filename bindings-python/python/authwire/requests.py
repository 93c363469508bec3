"""authwire for `requests <https://requests.readthedocs.io>`_: ``pip install authwire[requests]``.

>>> import requests
>>> import authwire
>>> from authwire.requests import TokenAuth
>>> manager = authwire.TokenManager.static_token("mF_9.B5f-4.1JqM")
>>> session = requests.Session()
>>> session.auth = TokenAuth(manager)

:class:`TokenAuth` adds the ``Authorization`` header to every request. When the API answers
401, it passes the header that request carried to ``manager.invalidate`` and sends the
request once more with the fresh header: of many parallel 401s for the same token, only the
first causes a token request. A second 401 is returned to the caller, never retried.

:class:`CsrfAuth` does the same for SAP API Management style CSRF protection.

:class:`RequestsTransport` sends the token requests themselves through a
``requests.Session``, so that its proxy, CA and client-certificate settings apply:

>>> from authwire.requests import RequestsTransport
>>> options = authwire.TokenOptions(transport=RequestsTransport(requests.Session()))
"""

from __future__ import annotations

import functools
from typing import Any

try:
    import requests
    import urllib3.exceptions
    from requests.auth import AuthBase
    from requests.cookies import extract_cookies_to_jar
    from requests.models import PreparedRequest, Response
except ImportError as error:  # pragma: no cover - depends on the installed extras
    raise ImportError("authwire.requests needs requests: pip install 'authwire[requests]'") from error

from ._ffi import BlockingHttpTransport, HttpHeader, HttpRequest, HttpResponse, NetworkErrorKind
from ._http import HeaderSource, ResolvedSource, classified, csrf_required, is_write, merge_cookies, read_capped
from ._manager import CsrfSession

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["CsrfAuth", "RequestsTransport", "TokenAuth"]


class RequestsTransport(BlockingHttpTransport):
    """Sends a token manager's (or CSRF session's) token requests through ``session``, a
    ``requests.Session`` (default: a new one), so that its proxy (including ``HTTPS_PROXY``),
    CA (``verify``) and client-certificate settings apply. A CA bundle set as
    ``session.verify = "/etc/corp-ca.pem"`` is used even where ``REQUESTS_CA_BUNDLE`` is set
    (requests itself would let the variable win). Give it in the options::

        TokenOptions(transport=RequestsTransport(session))

    The core still decides everything else: its own timeout around each call (requests is
    also given ``request.timeout``), the body limit, HTTPS only, retries. Redirects are
    never followed. requests' errors reach the core as ``HttpTransportError.Classified`` with
    their :class:`authwire.NetworkErrorKind`, and the caller as ``AuthError.Network`` with that
    ``kind``: ``SSLError`` by OpenSSL's verification code (unknown issuer, expired or not yet
    valid, another name, revoked) or as another TLS failure, ``ConnectionError`` by its cause
    (urllib3's ``NameResolutionError``: ``EAI_NONAME`` or ``EAI_AGAIN``; ``NewConnectionError``:
    refused or unreachable), ``ConnectTimeout``, ``ReadTimeout``, ``ProxyError``, a connection
    reset or cut mid-answer (``ChunkedEncodingError``, urllib3's ``ProtocolError``). The core
    retries the kinds that can recover and fails at once on the others.
    """

    __slots__ = ("_owned", "_session")

    def __init__(self, session: requests.Session | None = None) -> None:
        self._owned = session is None
        self._session = session if session is not None else requests.Session()

    def send(self, request: HttpRequest) -> HttpResponse:
        """Sends ``request`` as given and returns the answer, any status included (called by
        the core; raises ``HttpTransportError.Classified`` for a requests error)."""
        try:
            response = self._session.request(
                request.method,
                request.url,
                headers={header.name: header.value for header in request.headers},
                data=request.body,
                # requests lets REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE override `session.verify`;
                # a session's own CA bundle (or False) is what it was given for.
                verify=None if self._session.verify is True else self._session.verify,
                timeout=request.timeout.total_seconds(),
                allow_redirects=False,
                stream=True,
            )
            with response:
                body = read_capped(response.iter_content(65536), request.max_body_bytes)
                # urllib3's headers keep repeated fields (Set-Cookie) apart; requests' merge them.
                raw = response.raw.headers
                headers = [HttpHeader(name=name, value=value) for name in raw for value in raw.getlist(name)]
                return HttpResponse(status=response.status_code, headers=headers, body=body)
        except (requests.RequestException, urllib3.exceptions.HTTPError) as error:
            raise classified(error, _library_kind, _fallback_kind) from None

    def close(self) -> None:
        """Closes the ``requests.Session`` this transport created (one given to it is left to its owner)."""
        if self._owned:
            self._session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"RequestsTransport(session={self._session!r})"


def _library_kind(error: BaseException) -> NetworkErrorKind | None:
    """The kind that a requests or urllib3 exception's type says for certain, whatever it
    wraps."""
    if isinstance(error, (requests.exceptions.ProxyError, urllib3.exceptions.ProxyError)):
        return NetworkErrorKind.PROXY
    if isinstance(error, urllib3.exceptions.NewConnectionError):
        return None  # a subclass of ConnectTimeoutError in urllib3 2: its cause says what failed
    if isinstance(error, (requests.exceptions.ConnectTimeout, urllib3.exceptions.ConnectTimeoutError)):
        return NetworkErrorKind.CONNECT_TIMEOUT
    if isinstance(error, (requests.exceptions.Timeout, urllib3.exceptions.ReadTimeoutError)):
        return NetworkErrorKind.READ_TIMEOUT
    return None


def _fallback_kind(error: BaseException) -> NetworkErrorKind | None:
    """The kind of a requests exception whose causes said nothing: an answer cut short is a
    reset."""
    if isinstance(error, (requests.exceptions.ChunkedEncodingError, urllib3.exceptions.ProtocolError)):
        return NetworkErrorKind.CONNECTION_RESET
    return None


_NOT_REPLAYABLE = object()


def _body_position(request: PreparedRequest) -> object:
    """Where a file-like body starts, so it can be sent again; ``_NOT_REPLAYABLE`` for a
    generator (it can be read only once); ``None`` when the body is in memory."""
    body: object = request.body
    if body is None or isinstance(body, (bytes, str)):
        return None
    tell = getattr(body, "tell", None)
    if tell is not None and getattr(body, "seek", None) is not None:
        try:
            return tell()
        except OSError:
            return _NOT_REPLAYABLE
    return _NOT_REPLAYABLE


def _resend(response: Response, update: dict[str, str], body_position: object, **kwargs: Any) -> Response:
    """Sends ``response.request`` once more with ``update`` applied to its headers, the way
    ``requests.auth.HTTPDigestAuth`` answers a challenge."""
    original = response.request
    if body_position is not None and not isinstance(body_position, int):
        return response
    if isinstance(body_position, int):
        original.body.seek(body_position)  # type: ignore[union-attr]
    # Consume the content and release the connection, so the retry may reuse it.
    _ = response.content
    response.close()
    retry = original.copy()
    retry.hooks = {"response": []}  # the retry's own response is final: no second retry
    extract_cookies_to_jar(retry._cookies, original, response.raw)  # type: ignore[attr-defined,no-untyped-call]
    retry.prepare_cookies(retry._cookies)  # type: ignore[attr-defined]
    for name, value in update.items():
        retry.headers[name] = value
    adapter = response.connection
    new_response: Response = adapter.send(retry, **kwargs)
    new_response.history.append(response)
    new_response.request = retry
    return new_response


class TokenAuth(AuthBase):
    """Adds ``Authorization`` from a :class:`authwire.TokenManager` to every request, and
    answers a 401 by invalidating the token that request carried and retrying once.

    ``source`` may also be a callable returning the header value (called per request) or a
    fixed header value; neither can be refreshed, so for them a 401 is returned as is.
    """

    def __init__(self, source: HeaderSource) -> None:
        self._source = ResolvedSource(source)

    def __call__(self, request: PreparedRequest) -> PreparedRequest:
        sent = self._source.header()
        request.headers["Authorization"] = sent
        if self._source.invalidate is not None:
            hook = functools.partial(self._on_response, sent=sent, body_position=_body_position(request))
            request.register_hook("response", hook)  # type: ignore[no-untyped-call]
        return request

    def _on_response(self, response: Response, *, sent: str, body_position: object, **kwargs: Any) -> Response:
        if response.status_code != 401:
            return response
        invalidate = self._source.invalidate
        assert invalidate is not None
        invalidate(sent)
        fresh = self._source.header()
        if fresh == sent:  # nothing new to try (a static token, or the refresh gave the same)
            return response
        return _resend(response, {"Authorization": fresh}, body_position, **kwargs)

    def __repr__(self) -> str:
        return "TokenAuth(source=<redacted>)"


class CsrfAuth(AuthBase):
    """Authenticates calls to an SAP API Management style API with a :class:`authwire.CsrfSession`.

    Write requests (every method but GET, HEAD, OPTIONS and TRACE) get ``X-CSRF-Token``,
    ``Cookie`` (merged with cookies the session already sends; the CSRF session's win) and
    ``Authorization``; safe requests (GET, HEAD, OPTIONS, TRACE) get ``Authorization`` (HTTP
    Basic) and the session's cookies, no CSRF token, and never cause a fetch. When a write answers 403
    with ``x-csrf-token: Required``, the token is invalidated, a new one fetched, and the
    request sent once more.
    """

    def __init__(self, session: CsrfSession) -> None:
        if not isinstance(session, CsrfSession):
            raise TypeError(f"CsrfAuth needs an authwire.CsrfSession, not {type(session).__name__}")
        self._session = session

    def __call__(self, request: PreparedRequest) -> PreparedRequest:
        if not is_write(request.method or "GET"):
            self._apply(request.headers, self._session.read_headers())
            return request
        headers = self._session.headers()
        self._apply(request.headers, headers.to_map())
        hook = functools.partial(self._on_response, sent=headers.csrf_token, body_position=_body_position(request))
        request.register_hook("response", hook)  # type: ignore[no-untyped-call]
        return request

    @staticmethod
    def _apply(target: Any, values: dict[str, str]) -> None:
        for name, value in values.items():
            if name == "Cookie":
                value = merge_cookies(target.get("Cookie"), value) or value
            target[name] = value

    def _on_response(self, response: Response, *, sent: str, body_position: object, **kwargs: Any) -> Response:
        if not csrf_required(response.status_code, response.headers.get("x-csrf-token")):
            return response
        self._session.invalidate(sent)
        fresh = self._session.headers()
        if fresh.csrf_token == sent:
            return response
        update = fresh.to_map()
        if "Cookie" in update:
            update["Cookie"] = merge_cookies(response.request.headers.get("Cookie"), update["Cookie"]) or ""
        return _resend(response, update, body_position, **kwargs)

    def __repr__(self) -> str:
        return f"CsrfAuth(session={self._session!r})"
