"""The same token-manager behaviour through every transport: the core's built-in client,
``authwire.httpx.HttpxTransport`` and ``authwire.requests.RequestsTransport``, against real
HTTP servers on 127.0.0.1. Then the policy the core keeps whatever a transport does: a
transport that never answers, raises, returns 30 MB, or leaks secrets in its errors.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import requests
from test_token_manager import KEY, run_threads, sap_handler, two_second_token_request_range, xtd_handler

import authwire
from authwire.httpx import HttpxTransport
from authwire.requests import RequestsTransport
from localserver import Handler, Received, Reply, ScriptedServer

Serve = Callable[[Handler], ScriptedServer]

TRANSPORTS = ["builtin", "httpx", "requests"]


def make_options(kind: str, **overrides: Any) -> authwire.TokenOptions:
    values: dict[str, Any] = {"backoff_initial": 0.02, "backoff_max": 0.1, **overrides}
    if kind == "httpx":
        values["transport"] = HttpxTransport(httpx.Client())
    elif kind == "requests":
        values["transport"] = RequestsTransport(requests.Session())
    return authwire.TokenOptions(**values)


@pytest.fixture(params=TRANSPORTS)
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def xtd(server: ScriptedServer, kind: str, **overrides: Any) -> authwire.TokenManager:
    key = authwire.ApiKey.from_encoded_key(KEY)
    return authwire.TokenManager.api_key_exchange(server.url("/v1/token"), key, options=make_options(kind, **overrides))


# --- The scenarios, through each transport ---------------------------------------------------


def test_a_herd_of_callers_shares_one_request(serve: Serve, kind: str) -> None:
    server = serve(xtd_handler(300, delay=0.3))
    manager = xtd(server, kind)

    def call(i: int) -> str:
        if i % 2:
            return asyncio.run(manager.authorization_async())
        return manager.authorization()

    assert set(run_threads(48, call)) == {"Bearer t0"}
    assert server.count == 1


def test_two_second_tokens_are_refreshed_about_once_per_lifetime(serve: Serve, kind: str) -> None:
    server = serve(xtd_handler(2, delay=0.02))
    manager = xtd(server, kind)
    run_for = 4.5
    stop = time.monotonic() + run_for

    def loop(_: int) -> int:
        calls = 0
        while time.monotonic() < stop:
            assert manager.authorization().startswith("Bearer t")
            calls += 1
            time.sleep(0.002)
        return calls

    assert sum(run_threads(8, loop)) > 100
    low, high = two_second_token_request_range(run_for)
    assert low <= server.count <= high, server.count
    assert manager.stats.failures == 0


def test_503_and_429_with_retry_after_are_retried(serve: Serve, kind: str) -> None:
    def handle(_: Received, n: int) -> Reply:
        if n == 0:
            return Reply.text(503, "busy")
        if n == 1:
            return Reply.json(429, {"message": "slow down"}).with_header("Retry-After", "1")
        return Reply.json(200, {"token": "ok", "expirationTime": 300})

    server = serve(handle)
    started = time.monotonic()
    assert xtd(server, kind).authorization() == "Bearer ok"
    assert time.monotonic() - started >= 1.0
    assert server.count == 3


def test_a_401_carries_the_server_message(serve: Serve, kind: str) -> None:
    server = serve(lambda _, n: Reply.json(401, {"message": "organization inactive"}))
    with pytest.raises(authwire.AuthError.Unauthorized) as caught:
        xtd(server, kind).authorization()
    assert str(caught.value) == "unauthorized (HTTP 401): organization inactive; check the credentials"
    assert server.count == 1


def test_malformed_json_and_a_huge_body_are_invalid_responses(serve: Serve, kind: str) -> None:
    malformed = serve(lambda _, n: Reply.text(200, '{"token": '))
    with pytest.raises(authwire.AuthError.InvalidResponse):
        xtd(malformed, kind).authorization()
    huge = serve(lambda _, n: Reply.text(200, "x" * 200_000))
    with pytest.raises(authwire.AuthError.InvalidResponse) as caught:
        xtd(huge, kind).authorization()
    assert "65536" in str(caught.value)


def test_a_stalled_server_gives_a_network_error_in_time(serve: Serve, kind: str) -> None:
    server = serve(lambda _, n: Reply.text(200, "{}").after(30))
    started = time.monotonic()
    with pytest.raises(authwire.AuthError.Network) as caught:
        xtd(server, kind, request_timeout=0.3, max_attempts=2).authorization()
    assert time.monotonic() - started < 2.5
    assert caught.value.kind is authwire.NetworkErrorKind.READ_TIMEOUT, str(caught.value)
    assert server.count == 2


def test_an_invalidate_storm_causes_one_refresh(serve: Serve, kind: str) -> None:
    server = serve(xtd_handler(300, delay=0.05))
    manager = xtd(server, kind)
    first = manager.token().value

    def storm(_: int) -> bool:
        discarded = manager.invalidate(f"Bearer {first}")
        assert manager.authorization() == "Bearer t1"
        return discarded

    assert sum(run_threads(32, storm)) == 1
    assert server.count == 2


def test_the_csrf_cycle(serve: Serve, kind: str) -> None:
    current = [""]
    server = serve(sap_handler(current))
    session = authwire.CsrfSession(server.url("/sap/api"), "alice", "pw", options=make_options(kind))
    headers = session.headers()
    assert headers.csrf_token == "csrf-0"
    assert headers.cookie == "SAP_SESSIONID=s0; sap-usercontext=sap-client=100"
    assert server.requests[0].method == "HEAD"
    assert session.invalidate("csrf-0") is True
    assert session.headers().csrf_token == "csrf-1"
    assert server.count == 2


def test_a_302_is_an_error_and_never_followed(serve: Serve, kind: str) -> None:
    def handle(request: Received, _: int) -> Reply:
        if request.path == "/v1/token":
            return Reply.text(302).with_header("Location", "/elsewhere")
        return Reply.json(200, {"token": "followed", "expirationTime": 300})

    server = serve(handle)
    with pytest.raises(authwire.AuthError.HttpStatus) as caught:
        xtd(server, kind).authorization()
    assert caught.value.status == 302
    assert "never follows" in str(caught.value)
    assert [r.path for r in server.requests] == ["/v1/token"]


# --- The policy the core keeps, whatever a Python transport does ----------------------------


class Silent(authwire.BlockingHttpTransport):
    """Never answers (until released at the end of the test)."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.calls = 0

    def send(self, request: authwire.HttpRequest) -> authwire.HttpResponse:
        self.calls += 1
        self.release.wait(30)
        raise authwire.HttpTransportError.Network("released")


@pytest.fixture
def silent() -> Iterator[Silent]:
    transport = Silent()
    yield transport
    transport.release.set()


def test_a_transport_that_never_answers_gets_the_cores_timeout(silent: Silent) -> None:
    options = authwire.TokenOptions(transport=silent, request_timeout=0.3, max_attempts=2)
    manager = authwire.TokenManager.api_key_exchange(
        "http://127.0.0.1:9/t", authwire.ApiKey.from_encoded_key(KEY), options=options
    )
    started = time.monotonic()
    with pytest.raises(authwire.AuthError.Network) as caught:
        manager.authorization()
    assert time.monotonic() - started < 2.0
    assert (
        str(caught.value)
        == "network error: http://127.0.0.1:9 did not answer in time (no answer within 300 ms): retry later"
    )
    assert caught.value.kind is authwire.NetworkErrorKind.READ_TIMEOUT
    assert silent.calls == 2


class Scripted(authwire.BlockingHttpTransport):
    """Raises or answers as ``script(n)`` says."""

    def __init__(self, script: Callable[[authwire.HttpRequest, int], authwire.HttpResponse]) -> None:
        self.script = script
        self.calls = 0

    def send(self, request: authwire.HttpRequest) -> authwire.HttpResponse:
        self.calls += 1
        return self.script(request, self.calls - 1)


def ok(status: int = 200, body: bytes = b'{"token": "t-ok", "expirationTime": 300}') -> authwire.HttpResponse:
    return authwire.HttpResponse(status=status, headers=[], body=body)


def manager_through(transport: authwire.BlockingHttpTransport, **overrides: Any) -> authwire.TokenManager:
    options = authwire.TokenOptions(transport=transport, backoff_initial=0.01, backoff_max=0.02, **overrides)
    return authwire.TokenManager.api_key_exchange(
        "http://127.0.0.1:9/t", authwire.ApiKey.from_encoded_key(KEY), options=options
    )


def test_a_transport_that_raises_gives_a_typed_error_and_keeps_working() -> None:
    def script(_: authwire.HttpRequest, n: int) -> authwire.HttpResponse:
        if n < 2:
            raise RuntimeError("the proxy is down")
        return ok()

    transport = Scripted(script)
    manager = manager_through(transport, max_attempts=2)
    with pytest.raises(authwire.AuthError.Network) as caught:
        manager.authorization()
    assert "the HTTP transport failed unexpectedly" in str(caught.value)
    assert "the proxy is down" in str(caught.value)
    deadline = time.monotonic() + 3
    while True:
        try:
            assert manager.authorization() == "Bearer t-ok"
            break
        except authwire.AuthError:
            assert time.monotonic() < deadline
            time.sleep(0.02)


def test_a_30_mb_body_is_an_invalid_response() -> None:
    manager = manager_through(Scripted(lambda _, n: ok(body=b" " * (30 << 20))))
    with pytest.raises(authwire.AuthError.InvalidResponse) as caught:
        manager.authorization()
    assert "65536" in str(caught.value)


def test_no_secret_in_any_transport_error() -> None:
    def echo(request: authwire.HttpRequest, _: int) -> authwire.HttpResponse:
        values = ",".join(header.value for header in request.headers)
        body = (request.body or b"").decode()
        raise authwire.HttpTransportError.Network(f"refused {request.url} {values} {body}")

    def raw_echo(request: authwire.HttpRequest, n: int) -> authwire.HttpResponse:
        try:
            return echo(request, n)
        except authwire.HttpTransportError as error:
            raise ValueError(str(error)) from None

    url = "http://127.0.0.1:9/t?tenant=acme-secret-tenant"
    for script in (echo, raw_echo):
        options = authwire.TokenOptions(transport=Scripted(script), max_attempts=1)
        key_manager = authwire.TokenManager.api_key_exchange(
            url, authwire.ApiKey.from_encoded_key(KEY), options=options
        )
        session = authwire.CsrfSession(url, "alice", "pa55word!", options=options)
        client = authwire.TokenManager.client_credentials(url, "my-client", "s3cr3t-value", options=options)
        errors: list[authwire.AuthError] = []
        for call in (key_manager.authorization, session.headers, client.authorization):
            with pytest.raises(authwire.AuthError.Network) as caught:
                call()
            errors.append(caught.value)
        basic = authwire.basic_auth("alice", "pa55word!").removeprefix("Basic ")
        for error in errors:
            for text in (str(error), repr(error), str(error.args)):
                assert "[redacted]" in text, text
                for secret in (KEY, "pa55word!", basic, "s3cr3t-value", "acme-secret-tenant"):
                    assert secret not in text, f"{secret} leaked: {text}"
    request = authwire.HttpRequest(
        method="POST",
        url="https://a.example/t",
        headers=[authwire.HttpHeader(name="authorization", value="Basic c2VjcmV0")],
        body=KEY.encode(),
        timeout_ms=1,
        max_body_bytes=1,
    )
    assert "c2VjcmV0" not in repr(request) and KEY not in repr(request), repr(request)


def test_the_transports_print_without_secrets() -> None:
    assert repr(HttpxTransport()).startswith("HttpxTransport(client=")
    assert repr(RequestsTransport()).startswith("RequestsTransport(session=")
    options = make_options("httpx")
    assert "transport=HttpxTransport(client=" in repr(options)
