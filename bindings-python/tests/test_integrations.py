"""authwire.requests and authwire.httpx against real local servers: a token server and an
API that accepts only the current token (or CSRF token)."""

from __future__ import annotations

import asyncio
import contextlib
import io
import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import requests

import authwire
import authwire.httpx
import authwire.requests
from localserver import Handler, Received, Reply, ScriptedServer

Serve = Callable[[Handler], ScriptedServer]

KEY = "MmVlMmgwNTE2MjZsZnFzY2dsbGZjbXZxOWw6aG4zNXE3cjJzaG00OGI5NmtmYmIyc2xyZjllamRnMDlwbmpqOGZmM29iNDIwZDc4dmRm"


def token_server(serve: Serve, delay: float = 0.0) -> ScriptedServer:
    return serve(lambda _, n: Reply.json(200, {"token": f"t{n}", "expirationTime": 300}).after(delay))


def api_server(serve: Serve, valid: list[str], hold_401s: int = 0) -> ScriptedServer:
    """Answers 200 (echoing the body) to requests carrying ``valid[0]``, 401 otherwise. With
    ``hold_401s``, the first that many 401s are held back until all of them have arrived, so
    that every one of those requests was sent before any client saw a 401."""
    held = threading.Barrier(hold_401s) if hold_401s else None

    def handle(request: Received, _: int) -> Reply:
        if request.header("authorization") == valid[0]:
            return Reply.json(200, {"ok": True, "body": request.text})
        if held is not None and not held.broken:
            with contextlib.suppress(threading.BrokenBarrierError):
                held.wait(timeout=10)
        return Reply.json(401, {"message": "token expired"}).with_header(
            "WWW-Authenticate", 'Bearer error="invalid_token"'
        )

    return serve(handle)


def manager_for(server: ScriptedServer) -> authwire.TokenManager:
    return authwire.TokenManager.api_key_exchange(server.url("/v1/token"), authwire.ApiKey.from_encoded_key(KEY))


Setup = tuple[ScriptedServer, ScriptedServer, authwire.TokenManager]


def make_setup(serve: Serve, hold_401s: int = 0) -> Setup:
    """A token server (``t0``, ``t1``, ...), an API accepting only ``Bearer t1``, and a manager
    whose cache already holds ``t0``."""
    tokens = token_server(serve, delay=0.2)
    api = api_server(serve, ["Bearer t1"], hold_401s)
    manager = manager_for(tokens)
    assert manager.authorization() == "Bearer t0"
    return tokens, api, manager


@pytest.fixture
def setup(serve: Serve) -> Setup:
    return make_setup(serve)


@pytest.fixture
def setup32(serve: Serve) -> Setup:
    """As ``setup``, with the API holding back its 401s until 32 requests with t0 arrived."""
    return make_setup(serve, hold_401s=32)


def in_threads(count: int, target: Callable[[], Any]) -> list[Any]:
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(i: int) -> None:
        barrier.wait()
        results[i] = target()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


# --- requests --------------------------------------------------------------------------------


def test_requests_adds_the_header(serve: Serve) -> None:
    tokens = token_server(serve)
    api = api_server(serve, ["Bearer t0"])
    with requests.Session() as session:
        session.auth = authwire.requests.TokenAuth(manager_for(tokens))
        response = session.get(api.url("/v1/things"), timeout=5)
    assert response.status_code == 200
    assert api.requests[0].header("authorization") == "Bearer t0"


def test_requests_401_invalidates_the_token_it_sent_and_retries_once(setup: Setup) -> None:
    tokens, api, manager = setup
    response = requests.post(api.url("/v1/things"), json={"a": 1}, auth=authwire.requests.TokenAuth(manager), timeout=5)
    assert response.status_code == 200
    assert response.json()["body"] == '{"a": 1}'
    assert [r.status_code for r in response.history] == [401]
    assert [r.header("authorization") for r in api.requests] == ["Bearer t0", "Bearer t1"]
    assert tokens.count == 2
    assert manager.stats.invalidations == 1


def test_requests_a_second_401_is_returned_not_retried(serve: Serve) -> None:
    tokens = token_server(serve)
    api = api_server(serve, ["never valid"])
    manager = manager_for(tokens)
    response = requests.get(api.url("/x"), auth=authwire.requests.TokenAuth(manager), timeout=5)
    assert response.status_code == 401
    assert api.count == 2, "one retry, never a loop"
    assert tokens.count == 2


def test_requests_32_parallel_401s_cause_exactly_one_refresh(setup32: Setup) -> None:
    tokens, api, manager = setup32
    auth = authwire.requests.TokenAuth(manager)

    def call() -> int:
        with requests.Session() as session:
            return session.get(api.url("/v1/things"), auth=auth, timeout=10).status_code

    assert in_threads(32, call) == [200] * 32
    assert tokens.count == 2, "t0 at setup, then one refresh"
    sent = [r.header("authorization") for r in api.requests]
    assert sent.count("Bearer t0") == 32 and sent.count("Bearer t1") == 32
    assert manager.stats.invalidations == 1


def test_requests_replays_a_file_body_but_not_a_generator(setup: Setup) -> None:
    _, api, manager = setup
    auth = authwire.requests.TokenAuth(manager)
    response = requests.put(api.url("/file"), data=io.BytesIO(b"file content"), auth=auth, timeout=5)
    assert response.status_code == 200
    assert response.json()["body"] == "file content"

    valid_before = manager.authorization()
    manager.invalidate(valid_before)  # the API still accepts only t1: the next token is rejected
    response = requests.put(api.url("/gen"), data=iter([b"chunk"]), auth=auth, timeout=5)
    assert response.status_code == 401, "a generator body cannot be sent twice"


def test_requests_with_a_callable_or_a_fixed_value(serve: Serve) -> None:
    api = api_server(serve, ["Token abc"])
    calls: list[int] = []

    def header() -> str:
        calls.append(1)
        return "Token abc"

    assert requests.get(api.url("/a"), auth=authwire.requests.TokenAuth(header), timeout=5).status_code == 200
    assert requests.get(api.url("/b"), auth=authwire.requests.TokenAuth("Token abc"), timeout=5).status_code == 200
    response = requests.get(api.url("/c"), auth=authwire.requests.TokenAuth("Token other"), timeout=5)
    assert response.status_code == 401, "a fixed value cannot be refreshed: no retry"
    assert api.count == 3 and len(calls) == 1
    with pytest.raises(authwire.AuthError.InvalidInput):
        authwire.requests.TokenAuth("Bearer x\r\nX-Injected: 1")
    with pytest.raises(TypeError):
        authwire.requests.TokenAuth(42)  # type: ignore[arg-type]


def test_requests_a_failing_refresh_raises_the_auth_error(serve: Serve) -> None:
    def tokens_handler(_: Received, n: int) -> Reply:
        if n == 0:
            return Reply.json(200, {"token": "t0", "expirationTime": 300})
        return Reply.json(401, {"message": "organization inactive"})

    tokens = serve(tokens_handler)
    api = api_server(serve, ["never valid"])
    manager = manager_for(tokens)
    with pytest.raises(authwire.AuthError.Unauthorized, match="organization inactive"):
        requests.get(api.url("/x"), auth=authwire.requests.TokenAuth(manager), timeout=5)


# --- httpx -----------------------------------------------------------------------------------


def test_httpx_sync_401_invalidates_and_retries_once(setup: Setup) -> None:
    tokens, api, manager = setup
    with httpx.Client(auth=authwire.httpx.TokenAuth(manager), timeout=5) as client:
        response = client.post(api.url("/v1/things"), content=b"payload")
        assert response.status_code == 200
        assert response.json()["body"] == "payload"
        assert [r.status_code for r in response.history] == [401]
        assert client.get(api.url("/again")).status_code == 200
    assert [r.header("authorization") for r in api.requests] == ["Bearer t0", "Bearer t1", "Bearer t1"]
    assert tokens.count == 2


def test_httpx_sync_a_second_401_is_returned_not_retried(serve: Serve) -> None:
    tokens = token_server(serve)
    api = api_server(serve, ["never valid"])
    with httpx.Client(auth=authwire.httpx.TokenAuth(manager_for(tokens)), timeout=5) as client:
        assert client.get(api.url("/x")).status_code == 401
    assert api.count == 2


def test_httpx_sync_32_parallel_401s_cause_exactly_one_refresh(setup32: Setup) -> None:
    tokens, api, manager = setup32
    with httpx.Client(auth=authwire.httpx.TokenAuth(manager), timeout=10) as client:
        statuses = in_threads(32, lambda: client.get(api.url("/v1/things")).status_code)
    assert statuses == [200] * 32
    assert tokens.count == 2
    sent = [r.header("authorization") for r in api.requests]
    assert sent.count("Bearer t0") == 32 and sent.count("Bearer t1") == 32
    assert manager.stats.invalidations == 1


def test_httpx_async_32_parallel_401s_cause_exactly_one_refresh(setup32: Setup) -> None:
    tokens, api, manager = setup32

    async def main() -> list[int]:
        async with httpx.AsyncClient(auth=authwire.httpx.TokenAuth(manager), timeout=10) as client:
            responses = await asyncio.gather(*(client.get(api.url(f"/v1/things/{i}")) for i in range(32)))
            return [r.status_code for r in responses]

    assert asyncio.run(main()) == [200] * 32
    assert tokens.count == 2
    sent = [r.header("authorization") for r in api.requests]
    assert sent.count("Bearer t0") == 32 and sent.count("Bearer t1") == 32
    assert manager.stats.invalidations == 1


def test_httpx_async_streamed_body_is_replayed(setup: Setup) -> None:
    _, api, manager = setup

    async def body() -> Any:
        yield b"streamed "
        yield b"body"

    async def main() -> httpx.Response:
        async with httpx.AsyncClient(auth=authwire.httpx.TokenAuth(manager), timeout=5) as client:
            return await client.post(api.url("/stream"), content=body())

    response = asyncio.run(main())
    assert response.status_code == 200
    assert response.json()["body"] == "streamed body"


def test_httpx_with_callables_and_fixed_values(serve: Serve) -> None:
    api = api_server(serve, ["Token abc"])

    async def async_header() -> str:
        return "Token abc"

    async def main() -> list[int]:
        statuses = []
        for auth in (authwire.httpx.TokenAuth(async_header), authwire.httpx.TokenAuth(lambda: "Token abc")):
            async with httpx.AsyncClient(auth=auth, timeout=5) as client:
                statuses.append((await client.get(api.url("/a"))).status_code)
        return statuses

    assert asyncio.run(main()) == [200, 200]
    with httpx.Client(auth=authwire.httpx.TokenAuth("Token abc"), timeout=5) as client:
        assert client.get(api.url("/b")).status_code == 200
    with httpx.Client(auth=authwire.httpx.TokenAuth(async_header), timeout=5) as client, pytest.raises(TypeError):
        client.get(api.url("/c"))
    assert repr(authwire.httpx.TokenAuth("Token abc")) == "TokenAuth(source=<redacted>)"


# --- CSRF (SAP API Management) ---------------------------------------------------------------


def sap_server(serve: Serve, current: list[str]) -> ScriptedServer:
    """HEAD + ``X-CSRF-Token: fetch`` hands out ``csrf-<n>`` and a session cookie; writes must
    carry the current token and its session cookie; reads need only Basic credentials."""
    basic = authwire.basic_auth("alice", "pw")

    def handle(request: Received, n: int) -> Reply:
        if request.header("authorization") != basic:
            return Reply.json(401, {"message": "bad credentials"})
        if request.header("x-csrf-token") == "fetch":
            current[0] = f"csrf-{n}"
            return (
                Reply.text(200)
                .with_header("x-csrf-token", current[0])
                .with_header("Set-Cookie", f"SAP_SESSIONID=s{n}; Path=/; HttpOnly")
            )
        if request.method in ("GET", "HEAD"):
            return Reply.json(200, {"read": True, "csrf": request.header("x-csrf-token")})
        cookie = request.header("cookie") or ""
        if request.header("x-csrf-token") != current[0] or f"SAP_SESSIONID=s{current[0][5:]}" not in cookie:
            return Reply.text(403, "CSRF token validation failed").with_header("x-csrf-token", "Required")
        return Reply.json(201, {"cookie": cookie, "body": request.text})

    return serve(handle)


def test_requests_csrf_writes_reads_and_refetch_on_403(serve: Serve) -> None:
    current = [""]
    server = sap_server(serve, current)
    csrf = authwire.CsrfSession(server.url("/sap/api"), "alice", "pw")
    with requests.Session() as session:
        session.auth = authwire.requests.CsrfAuth(csrf)
        session.cookies.set("other", "1")
        read = session.get(server.url("/sap/api/items"), timeout=5)
        assert read.status_code == 200 and read.json()["csrf"] is None
        assert csrf.stats.token_requests == 0, "a read needs no CSRF token"

        created = session.post(server.url("/sap/api/items"), json={"n": 1}, timeout=5)
        assert created.status_code == 201
        assert created.json()["cookie"] == "other=1; SAP_SESSIONID=s1"
        assert created.json()["body"] == '{"n": 1}'

        current[0] = "expired-on-the-server"
        updated = session.put(server.url("/sap/api/items/1"), json={"n": 2}, timeout=5)
        assert updated.status_code == 201
        assert [r.status_code for r in updated.history] == [403]
        assert "SAP_SESSIONID=s4" in updated.json()["cookie"]
        assert csrf.stats.token_requests == 2

        current[0] = "always-rejected"
        server.handler = rejecting(server.handler)
        assert session.delete(server.url("/sap/api/items/1"), timeout=5).status_code == 403
    assert [r.method for r in server.requests].count("HEAD") == 3


def rejecting(handler: Handler) -> Handler:
    """Rejects every write, even right after a fetch."""

    def handle(request: Received, n: int) -> Reply:
        reply = handler(request, n)
        if request.header("x-csrf-token") not in (None, "fetch"):
            return Reply.text(403).with_header("x-csrf-token", "Required")
        return reply

    return handle


def test_httpx_csrf_sync_and_async(serve: Serve) -> None:
    current = [""]
    server = sap_server(serve, current)
    csrf = authwire.CsrfSession(server.url("/sap/api"), "alice", "pw")
    auth = authwire.httpx.CsrfAuth(csrf)
    with httpx.Client(auth=auth, timeout=5) as client:
        assert client.get(server.url("/sap/api/items")).status_code == 200
        assert client.post(server.url("/sap/api/items"), json={"n": 1}).status_code == 201
        current[0] = "expired"
        retried = client.request("MERGE", server.url("/sap/api/items/1"), content=b"x")
        assert retried.status_code == 201
        assert [r.status_code for r in retried.history] == [403]

    async def main() -> list[int]:
        async with httpx.AsyncClient(auth=auth, timeout=5) as client:
            current[0] = "expired again"
            responses = await asyncio.gather(
                *(client.patch(server.url(f"/sap/api/items/{i}"), content=b"y") for i in range(16))
            )
            return [r.status_code for r in responses]

    assert asyncio.run(main()) == [201] * 16
    assert csrf.stats.token_requests == 3, "16 parallel 403s for one token: one refetch"
    with pytest.raises(TypeError):
        authwire.httpx.CsrfAuth(authwire.TokenManager.static_token("x"))  # type: ignore[arg-type]


def test_auth_objects_print_without_secrets() -> None:
    manager = authwire.TokenManager.static_token("tok-SECRET-7")
    manager.authorization()
    csrf = authwire.CsrfSession("https://sap.example.com/x", "alice", "pw-SECRET-7")
    auths: list[object] = [
        authwire.requests.TokenAuth(manager),
        authwire.requests.TokenAuth("Bearer tok-SECRET-7"),
        authwire.httpx.TokenAuth(manager),
        authwire.requests.CsrfAuth(csrf),
        authwire.httpx.CsrfAuth(csrf),
    ]
    for auth in auths:
        for text in (repr(auth), str(auth)):
            assert "SECRET" not in text, text
            assert "redacted" in text, text
