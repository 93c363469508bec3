"""The Python shape of the API (docs/api/conventions.md): properties, durations in seconds or
``timedelta`` with ``None`` for never, ``ValueError``/``TypeError`` for bad arguments, every
error an ``AuthError``, one ``transport`` option, ``close()`` and context managers, and CSRF
reads with Basic credentials and cookies but no token."""

from __future__ import annotations

import asyncio
import json
import math
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable

import httpx
import pytest
import requests

import authwire
import authwire.httpx
import authwire.requests
from localserver import Handler, Received, Reply, ScriptedServer

Serve = Callable[[Handler], ScriptedServer]

#: authwire without its types, for calls that are wrong on purpose.
untyped: Any = authwire


KEY_FILE = json.dumps({"appClientId": "app-1", "appClientSecret": "s3", "encodedKey": "k-9"})


def test_values_are_properties_and_compare_by_value() -> None:
    creds = authwire.decode_basic("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==")
    assert creds.user_id == "Aladdin" and creds.password == "open sesame"
    assert creds == authwire.BasicCredentials("Aladdin", "open sesame")
    assert hash(creds) == hash(authwire.BasicCredentials("Aladdin", "open sesame"))
    assert repr(creds) == "BasicCredentials(user_id='Aladdin', password=<redacted>)"
    with pytest.raises(AttributeError):
        creds.user_id = "mallory"  # type: ignore[misc]

    key = authwire.ApiKey.from_json(KEY_FILE)
    assert (key.app_client_id, key.app_client_secret, key.encoded_key) == ("app-1", "s3", "k-9")
    assert repr(key) == "ApiKey(app_client_id='app-1', app_client_secret=<redacted>, encoded_key=<redacted>)"
    assert key == authwire.ApiKey.from_json(KEY_FILE)


def test_api_key_from_file_takes_a_path(tmp_path: Path) -> None:
    path = tmp_path / "key.json"
    path.write_text(KEY_FILE, encoding="utf-8")
    assert authwire.ApiKey.from_file(path).encoded_key == "k-9"
    assert authwire.ApiKey.from_file(str(path)).encoded_key == "k-9"
    with pytest.raises(TypeError, match=r"os\.PathLike"):
        authwire.ApiKey.from_file(42)  # type: ignore[arg-type]
    with pytest.raises(authwire.AuthError.InvalidConfiguration):
        authwire.ApiKey.from_file(tmp_path / "missing.json")


def test_a_token_that_never_expires_says_none() -> None:
    forever = authwire.TokenManager.static_token("abc").token()
    assert forever.value == "abc" and forever.authorization == "Bearer abc"
    assert forever.expires_in is None and forever.refresh_in is None
    minute = authwire.TokenManager.static_token("abc", lifetime=timedelta(minutes=1)).token()
    assert minute.expires_in is not None and timedelta(seconds=58) < minute.expires_in <= timedelta(seconds=60)
    assert "abc" not in repr(minute) + str(minute)


def test_durations_are_seconds_or_timedelta_and_read_back_as_timedelta() -> None:
    options = authwire.TokenOptions(request_timeout=2.5, refresh_cap=timedelta(minutes=2), default_lifetime=60)
    assert options.request_timeout == timedelta(seconds=2.5)
    assert options.refresh_cap == timedelta(minutes=2)
    assert options.default_lifetime == timedelta(minutes=1)
    assert "request_timeout=2.5" in repr(options)
    assert authwire.TokenOptions(request_timeout=2.5) == authwire.TokenOptions(request_timeout=timedelta(seconds=2.5))


@pytest.mark.parametrize(
    ("call", "error", "says"),
    [
        (lambda: authwire.TokenOptions(request_timeout=-1), ValueError, "request_timeout must be zero or more seconds"),
        (lambda: authwire.TokenOptions(connect_timeout=math.nan), ValueError, "connect_timeout must be a finite"),
        (lambda: authwire.TokenOptions(retry_budget=math.inf), ValueError, "retry_budget must be a finite"),
        (lambda: authwire.TokenOptions(backoff_max=timedelta(seconds=-1)), ValueError, "backoff_max must be zero"),
        (lambda: authwire.TokenOptions(max_body_bytes=-5), ValueError, "max_body_bytes must be zero or more"),
        (lambda: untyped.TokenOptions(request_timeout="5"), TypeError, "request_timeout must be a number"),
        (lambda: untyped.TokenOptions(max_attempts=2.5), TypeError, "max_attempts must be an int"),
        (lambda: untyped.TokenOptions(transport=object()), TypeError, "transport must be"),
        (lambda: authwire.TokenManager.static_token("a", lifetime=-3), ValueError, "lifetime must be zero or more"),
        (lambda: authwire.RedisStore("redis://127.0.0.1:1", timeout=-1), ValueError, "timeout must be zero"),
        (lambda: untyped.TokenManager.static_token("a").set_listener(42), TypeError, "listener must be"),
    ],
)
def test_bad_arguments_are_value_or_type_errors_with_a_sentence(
    call: Callable[[], Any], error: type, says: str
) -> None:
    with pytest.raises(error, match=says) as raised:
        call()
    assert "u64" not in str(raised.value)


def test_stores_raise_auth_errors(tmp_path: Path) -> None:
    with pytest.raises(authwire.AuthError.InvalidConfiguration, match="does not exist"):
        authwire.FileStore(tmp_path / "missing" / "tokens")
    with pytest.raises(authwire.AuthError.InvalidConfiguration):
        authwire.RedisStore("http://not-redis")
    assert repr(authwire.RedisStore("redis://:pw-SECRET@127.0.0.1:1")) == "RedisStore(url=<redacted>)"


def test_every_option_is_keyword_only() -> None:
    with pytest.raises(TypeError):
        untyped.TokenManager.static_token("a", 60)
    with pytest.raises(TypeError):
        untyped.TokenManager.client_credentials("https://a.example/t", "id", "s", ["read"])
    with pytest.raises(TypeError):
        untyped.CsrfSession("https://a.example/x", "u", "p", authwire.TokenOptions())


def xtd(serve: Serve, lifetime: int = 300) -> ScriptedServer:
    def handle(request: Received, n: int) -> Reply:
        return Reply.json(200, {"token": f"t{n}", "expirationTime": lifetime})

    return serve(handle)


@pytest.mark.parametrize("kind", ["httpx", "requests"])
def test_the_transport_option_takes_a_blocking_transport_and_closes_its_client(serve: Serve, kind: str) -> None:
    server = xtd(serve)
    transport: authwire.BlockingHttpTransport
    with authwire.httpx.HttpxTransport() if kind == "httpx" else authwire.requests.RequestsTransport() as transport:
        options = authwire.TokenOptions(transport=transport)
        assert options.transport is transport
        key = authwire.ApiKey.from_encoded_key("k")
        with authwire.TokenManager.api_key_exchange(server.url("/v1/token"), key, options=options) as manager:
            assert manager.authorization() == "Bearer t0"
        assert len(server.requests) == 1
    if isinstance(transport, authwire.httpx.HttpxTransport):
        assert transport._client.is_closed


def test_a_given_client_is_left_open() -> None:
    client = httpx.Client()
    with authwire.httpx.HttpxTransport(client):
        pass
    assert not client.is_closed
    client.close()
    session = requests.Session()
    authwire.requests.RequestsTransport(session).close()
    session.close()


def test_a_closed_manager_or_session_refuses_use(serve: Serve) -> None:
    server = xtd(serve)
    manager = authwire.TokenManager.api_key_exchange(server.url("/v1/token"), authwire.ApiKey.from_encoded_key("k"))
    assert manager.authorization() == "Bearer t0"
    manager.close()
    manager.close()  # twice does nothing
    for use in (manager.authorization, manager.token, lambda: manager.stats, lambda: manager.invalidate("t0")):
        with pytest.raises(ValueError, match="this TokenManager is closed"):
            use()
    assert "closed" in repr(manager)

    async def main() -> str:
        async with authwire.TokenManager.static_token("abc") as tokens:
            return await tokens.authorization_async()

    assert asyncio.run(main()) == "Bearer abc"
    with authwire.CsrfSession("https://sap.example.com/x", "alice", "pw") as session:
        assert session.read_headers() == {"Authorization": authwire.basic_auth("alice", "pw")}
    with pytest.raises(ValueError, match="this CsrfSession is closed"):
        session.headers()


def sap(serve: Serve) -> ScriptedServer:
    basic = authwire.basic_auth("alice", "pw")

    def handle(request: Received, n: int) -> Reply:
        if request.header("authorization") != basic:
            return Reply.json(401, {"message": "bad credentials"})
        if request.header("x-csrf-token") == "fetch":
            return Reply.text(200).with_header("x-csrf-token", f"csrf-{n}").with_header("Set-Cookie", f"SID=s{n}")
        return Reply.json(200, {"csrf": request.header("x-csrf-token"), "cookie": request.header("cookie")})

    return serve(handle)


def test_a_safe_method_gets_basic_and_the_session_cookies_but_no_token(serve: Serve) -> None:
    server = sap(serve)
    csrf = authwire.CsrfSession(server.url("/sap"), "alice", "pw")
    with httpx.Client(auth=authwire.httpx.CsrfAuth(csrf), timeout=5) as client:
        first = client.get(server.url("/sap/items")).json()
        assert first == {"csrf": None, "cookie": None}
        assert csrf.stats.token_requests == 0, "a read never fetches a token"
        assert client.post(server.url("/sap/items"), content=b"x").json()["csrf"] == "csrf-1"
        for method in ("GET", "HEAD", "OPTIONS"):
            answer = client.request(method, server.url("/sap/items"))
            assert answer.status_code == 200
            if method != "HEAD":
                assert answer.json() == {"csrf": None, "cookie": "SID=s1"}, method
    with requests.Session() as session:
        session.auth = authwire.requests.CsrfAuth(csrf)
        assert session.get(server.url("/sap/items"), timeout=5).json() == {"csrf": None, "cookie": "SID=s1"}
    assert csrf.stats.token_requests == 1
    headers = csrf.headers()
    assert headers.csrf_token == "csrf-1" and headers.cookie == "SID=s1"
    assert headers.authorization == authwire.basic_auth("alice", "pw")
    assert repr(headers) == "CsrfHeaders(csrf_token=<redacted>, cookie=<redacted>, authorization=<redacted>)"


def test_events_are_capwords_dataclasses_with_timedelta_fields(serve: Serve) -> None:
    server = xtd(serve, lifetime=300)
    seen: list[authwire.AuthEvent] = []
    manager = authwire.TokenManager.api_key_exchange(server.url("/v1/token"), authwire.ApiKey.from_encoded_key("k"))
    manager.set_listener(seen.append)
    manager.authorization()
    refreshed = [event for event in seen if isinstance(event, authwire.AuthEvent.TokenRefreshed)]
    assert refreshed and refreshed[0].lifetime == timedelta(seconds=300)
    assert refreshed[0].refresh_in is not None and refreshed[0].refresh_in < timedelta(seconds=300)
    assert type(seen[0]).__qualname__ == "AuthEvent.TokenRequested"
    assert not hasattr(authwire.AuthEvent, "TOKEN_REFRESHED")
    assert not [name for name in dir(seen[0]) if name.startswith("is_")]


class AsyncHttpxTransport(authwire.HttpTransport):
    """An async transport of one's own: ``async def send`` over an ``httpx.AsyncClient``."""

    def __init__(self) -> None:
        self.client: httpx.AsyncClient | None = None
        self.loops: set[int] = set()

    async def send(self, request: authwire.HttpRequest) -> authwire.HttpResponse:
        self.loops.add(id(asyncio.get_running_loop()))
        if self.client is None:
            self.client = httpx.AsyncClient()
        response = await self.client.request(
            request.method,
            request.url,
            headers=[(header.name, header.value) for header in request.headers],
            content=request.body,
            timeout=request.timeout.total_seconds(),
        )
        headers = [authwire.HttpHeader(name=name, value=value) for name, value in response.headers.multi_items()]
        return authwire.HttpResponse(status=response.status_code, headers=headers, body=response.content)


def test_the_transport_option_takes_an_async_transport(serve: Serve) -> None:
    server = xtd(serve, lifetime=300)
    transport = AsyncHttpxTransport()
    options = authwire.TokenOptions(transport=transport)
    key = authwire.ApiKey.from_encoded_key("k")
    blocking = authwire.TokenManager.api_key_exchange(server.url("/v1/token"), key, options=options)
    assert blocking.authorization() == "Bearer t0"

    async def main() -> str:
        manager = authwire.TokenManager.api_key_exchange(server.url("/v1/token"), key, options=options)
        return await manager.authorization_async()

    assert asyncio.run(main()) == "Bearer t1"
    assert len(server.requests) == 2
    assert len(transport.loops) == 1, "every send runs on the transport's one event loop"
