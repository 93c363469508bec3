"""TokenManager and CsrfSession from Python, against a real HTTP server on 127.0.0.1.

The same behaviour as core/tests/token_manager.rs, through the package's top-level names:
blocking calls from plain threads, async calls from asyncio, the Python-side fast path, and
no secret in any event, repr, str or error.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import unquote

import pytest

import authwire
from authwire import _manager
from localserver import Handler, Received, Reply, ScriptedServer, ms

Serve = Callable[[Handler], ScriptedServer]

KEY = "MmVlMmgwNTE2MjZsZnFzY2dsbGZjbXZxOWw6aG4zNXE3cjJzaG00OGI5NmtmYmIyc2xyZjllamRnMDlwbmpqOGZmM29iNDIwZDc4dmRm"

FAST_RETRIES = {"backoff_initial": 0.02, "backoff_max": 0.1}


def options(**overrides: Any) -> authwire.TokenOptions:
    return authwire.TokenOptions(**{**FAST_RETRIES, **overrides})


def xtd_handler(lifetime: float, delay: float = 0.0) -> Handler:
    """An XTD-shaped token server: token ``t<n>`` for the n-th request."""

    def handle(_: Received, n: int) -> Reply:
        return Reply.json(200, {"token": f"t{n}", "expirationTime": lifetime}).after(delay)

    return handle


def xtd(server: ScriptedServer, token_options: authwire.TokenOptions | None = None) -> authwire.TokenManager:
    key = authwire.ApiKey.from_encoded_key(KEY)
    return authwire.TokenManager.api_key_exchange(server.url("/v1/token"), key, options=token_options)


def run_threads(count: int, target: Callable[[int], Any]) -> list[Any]:
    """Runs ``target(i)`` in ``count`` threads released together; returns results in order
    (re-raising the first exception)."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count
    errors: list[BaseException] = []

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = target(i)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


# --- The happy paths with the shared vectors -------------------------------------------------


def test_xtd_exchange_sends_the_key_file_and_serves_the_vector_token(
    serve: Serve, vectors: dict[str, Any], api_key_file_case: dict[str, Any]
) -> None:
    case = vectors["token_responses"][0]
    server = serve(lambda _, __: Reply.json(200, case["body"]))
    key = authwire.ApiKey.from_json(json.dumps(api_key_file_case["json"]))
    manager = authwire.TokenManager.api_key_exchange(server.url("/v1/token"), key)

    assert manager.authorization() == f"Bearer {case['token']}"
    sent = server.requests[0]
    assert (sent.method, sent.path) == ("POST", "/v1/token")
    assert sent.header("content-type") == "application/json"
    assert sent.json() == api_key_file_case["token_request_body"]
    # Served for its 300 s lifetime (less 0.5 s skew), refreshed about 30 s before the end.
    token = manager.token()
    assert isinstance(token, authwire.AccessToken)
    assert token.value == case["token"]
    assert 299_000 <= ms(token.expires_in) <= 299_500
    assert 250_000 <= ms(token.refresh_in) < 275_000
    assert manager.authorization() == f"Bearer {case['token']}"
    assert server.count == 1


def test_oauth2_client_secret_basic_percent_encodes_before_basic(serve: Serve, vectors: dict[str, Any]) -> None:
    case = vectors["token_responses"][1]
    server = serve(lambda _, __: Reply.json(200, case["body"]))
    manager = authwire.TokenManager.client_credentials(
        server.url("/oauth/token"), "client id:1", "s3cr&t=+", scopes=["read", "write"]
    )
    token = manager.token()
    assert token.value == case["token"]
    # token_type "bearer" in lower case (as Dropbox and SAP XSUAA send it) is Bearer.
    assert case["body"]["token_type"] == "bearer"
    assert token.authorization == f"Bearer {case['token']}"
    assert manager.authorization() == f"Bearer {case['token']}"
    lifetime_ms = case["lifetime_s"] * 1000
    assert lifetime_ms - 1000 < ms(token.expires_in) <= lifetime_ms

    sent = server.requests[0]
    assert sent.header("content-type") == "application/x-www-form-urlencoded"
    assert sent.header("accept") == "application/json"
    assert sent.text == "grant_type=client_credentials&scope=read+write"
    credentials = authwire.decode_basic(sent.header("authorization") or "")
    # RFC 3986 percent-encoding (RFC 6749 section 2.3.1): a space is %20, never '+'.
    assert credentials.user_id == "client%20id%3A1"
    assert credentials.password == "s3cr%26t%3D%2B"
    assert unquote(credentials.user_id) == "client id:1"
    assert unquote(credentials.password) == "s3cr&t=+"


def test_a_form_encoded_answer_is_read_when_its_content_type_says_so(serve: Serve) -> None:
    body = "access_token=gho_16C7e42F292c6912E7710c838347Ae178B4a&scope=repo%2Cgist&token_type=bearer&expires_in=28800"
    form = [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")]
    server = serve(lambda _, __: Reply(200, body.encode(), form))
    token = authwire.TokenManager.client_credentials(server.url("/oauth/token"), "id", "secret").token()
    assert token.authorization == "Bearer gho_16C7e42F292c6912E7710c838347Ae178B4a"
    assert 28_799_000 <= ms(token.expires_in) <= 28_800_000
    assert server.requests[0].header("accept") == "application/json"


@pytest.mark.parametrize("token_type", ["DPoP", "mac", "example"])
def test_a_token_type_other_than_bearer_is_refused_and_named(serve: Serve, token_type: str) -> None:
    secret_token = "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"
    server = serve(
        lambda _, __: Reply.json(200, {"access_token": secret_token, "token_type": token_type, "expires_in": 300})
    )
    manager = authwire.TokenManager.client_credentials(server.url("/oauth/token"), "id", "secret")
    with pytest.raises(authwire.AuthError.InvalidResponse) as caught:
        manager.authorization()
    assert f'"{token_type}"' in str(caught.value), str(caught.value)
    for shown in (str(caught.value), repr(caught.value)):
        assert "Kz~8mXK1" not in shown, shown
    assert server.count == 1, "not retried"


@pytest.mark.parametrize("token_type", ["Bearer", "BEARER", "bearer", None])
def test_bearer_in_any_case_or_no_token_type_is_bearer(serve: Serve, token_type: str | None) -> None:
    body: dict[str, Any] = {"access_token": "a!b%2F|c=d", "expires_in": "120"}
    if token_type is not None:
        body["token_type"] = token_type
    server = serve(lambda _, __: Reply.json(200, body))
    token = authwire.TokenManager.client_credentials(server.url("/oauth/token"), "id", "secret").token()
    assert token.authorization == "Bearer a!b%2F|c=d"
    assert 119_000 <= ms(token.expires_in) <= 120_000  # expires_in as a string


def test_oauth2_client_secret_post_and_the_jwt_expiry_fallback(serve: Serve, vectors: dict[str, Any]) -> None:
    case = vectors["token_responses"][2]
    server = serve(lambda _, __: Reply.json(200, case["body"]))
    manager = authwire.TokenManager.client_credentials(
        server.url("/oauth/token"), "cid", "csecret", auth_method=authwire.ClientAuthMethod.CLIENT_SECRET_POST
    )
    token = manager.token()
    assert token.authorization == f"Bearer {case['token']}"
    lifetime_ms = (case["jwt_exp"] - case["jwt_iat"]) * 1000  # no expires_in: exp - iat
    assert lifetime_ms - 1000 < ms(token.expires_in) <= lifetime_ms
    sent = server.requests[0]
    assert sent.header("authorization") is None
    assert sent.text == "grant_type=client_credentials&client_id=cid&client_secret=csecret"


def test_custom_exchange_reads_configured_fields_and_epoch_expiry(serve: Serve) -> None:
    expires_at = int(time.time()) + 120
    server = serve(lambda _, __: Reply.json(200, {"data": {"jwt": "abc.def.ghi", "validUntil": expires_at}}))
    manager = authwire.TokenManager.custom_exchange(
        server.url("/auth"),
        '{"user": "u", "key": "k-secret"}',
        "data.jwt",
        expiry_field="data.validUntil",
        expiry_format=authwire.ExpiryFormat.EPOCH_SECONDS,
        headers={"X-Api-Version": "2"},
        scheme="Token",
    )
    token = manager.token()
    assert token.authorization == "Token abc.def.ghi"
    assert 117_000 <= ms(token.expires_in) <= 120_000
    sent = server.requests[0]
    assert sent.header("x-api-version") == "2"
    assert sent.text == '{"user": "u", "key": "k-secret"}'


def test_static_token_is_served_without_requests_and_ignores_invalidate() -> None:
    manager = authwire.TokenManager.static_token("mF_9.B5f-4.1JqM")
    assert manager.authorization() == "Bearer mF_9.B5f-4.1JqM"
    assert manager.invalidate("mF_9.B5f-4.1JqM") is False
    assert manager.authorization() == "Bearer mF_9.B5f-4.1JqM"
    assert manager.stats.token_requests == 0
    with pytest.raises(authwire.AuthError.InvalidInput):
        authwire.TokenManager.static_token("a b")


def test_constructors_check_their_configuration() -> None:
    key = authwire.ApiKey.from_encoded_key(KEY)
    with pytest.raises(authwire.AuthError.InvalidConfiguration) as caught:
        authwire.TokenManager.api_key_exchange("http://example.com/v1/token", key)
    assert str(caught.value).startswith("invalid configuration: plain http:// is only allowed to loopback")
    with pytest.raises(authwire.AuthError.InvalidConfiguration):
        authwire.CsrfSession("http://example.com/", "u", "p")
    with pytest.raises(authwire.AuthError.InvalidConfiguration):
        authwire.TokenManager.client_credentials("https://a.example/t", "", "secret")
    with pytest.raises(authwire.AuthError.InvalidConfiguration):
        authwire.TokenManager.client_credentials(
            "https://a.example/t", "id", "secret", options=authwire.TokenOptions(max_attempts=0)
        )
    with pytest.raises(TypeError, match="not a str"):
        authwire.TokenManager.client_credentials("https://a.example/t", "id", "secret", scopes="read write")
    with pytest.raises(TypeError, match="classmethod constructors"):
        authwire.TokenManager()


# --- Errors ------------------------------------------------------------------------------------

ERROR_KINDS: dict[type[authwire.AuthError], str] = {
    authwire.AuthError.Unauthorized: "unauthorized",
    authwire.AuthError.RateLimited: "rate limited",
    authwire.AuthError.Server: "server",
    authwire.AuthError.InvalidResponse: "invalid response",
}


def error_kind(error: authwire.AuthError) -> str:
    if isinstance(error, authwire.AuthError.OAuth):
        return f"oauth error {error.error}"
    return ERROR_KINDS[type(error)]


def test_every_token_error_vector_maps_to_its_kind_and_retry_rule(
    serve: Serve, token_errors_case: dict[str, Any]
) -> None:
    status = token_errors_case["status"]
    if "body_text" in token_errors_case:
        reply = Reply.text(status, token_errors_case["body_text"])
    elif token_errors_case["body"] is None:
        reply = Reply.text(status, "")
    else:
        reply = Reply.json(status, token_errors_case["body"])
    for name, value in (token_errors_case.get("headers") or {}).items():
        # Keep the rate-limit case quick; waiting for Retry-After has its own test.
        reply.with_header(name, "0" if name == "Retry-After" else value)
    server = serve(lambda _, __: reply)
    manager = xtd(server, options(max_attempts=2))
    with pytest.raises(authwire.AuthError) as caught:
        manager.authorization()
    assert error_kind(caught.value) == token_errors_case["kind"]
    assert (server.count > 1) == token_errors_case["retry"]
    assert "\n" not in str(caught.value)


def test_a_401_is_not_retried_and_carries_the_server_message(serve: Serve, vectors: dict[str, Any]) -> None:
    case = vectors["token_errors"][0]
    server = serve(lambda _, __: Reply.json(401, case["body"]))
    manager = xtd(server, options())
    with pytest.raises(authwire.AuthError.Unauthorized) as caught:
        manager.authorization()
    error = caught.value
    assert (error.status, error.server_message) == (401, "Unauthorized")
    assert str(error) == "unauthorized (HTTP 401): Unauthorized; check the credentials"
    assert repr(error) == f"AuthError.Unauthorized({str(error)!r})"
    assert server.count == 1
    # Every waiting caller gets the same error; the cool-down keeps the server quiet.
    with pytest.raises(authwire.AuthError.Unauthorized):
        manager.authorization()
    assert manager.stats.failures == 1


def test_oauth_error_body_becomes_a_typed_error(serve: Serve) -> None:
    body = {"error": "invalid_client", "error_description": "Client authentication failed"}
    server = serve(lambda _, __: Reply.json(400, body))
    manager = authwire.TokenManager.client_credentials(server.url("/oauth/token"), "id", "secret")
    with pytest.raises(authwire.AuthError.OAuth) as caught:
        manager.authorization()
    assert (caught.value.status, caught.value.error, caught.value.description) == (
        400,
        "invalid_client",
        "Client authentication failed",
    )
    assert server.count == 1


def test_a_503_is_retried_then_succeeds(serve: Serve) -> None:
    def handle(_: Received, n: int) -> Reply:
        return Reply.text(503, "busy") if n == 0 else Reply.json(200, {"token": "ok", "expirationTime": 300})

    server = serve(handle)
    manager = xtd(server, options())
    assert manager.authorization() == "Bearer ok"
    stats = manager.stats
    assert (stats.token_requests, stats.retries, stats.failures, stats.refreshes) == (2, 1, 0, 1)
    assert server.count == 2


def test_a_429_waits_for_retry_after(serve: Serve) -> None:
    def handle(_: Received, n: int) -> Reply:
        if n == 0:
            return Reply.json(429, {"message": "slow down"}).with_header("Retry-After", "1")
        return Reply.json(200, {"token": "ok", "expirationTime": 300})

    server = serve(handle)
    manager = xtd(server, options())
    started = time.monotonic()
    assert manager.authorization() == "Bearer ok"
    assert time.monotonic() - started >= 1.0
    assert server.count == 2
    assert [r.method for r in server.requests] == ["POST", "POST"]


def test_a_retry_after_beyond_the_budget_fails_at_once_with_rate_limited(serve: Serve) -> None:
    server = serve(lambda _, __: Reply.text(429).with_header("Retry-After", "120"))
    manager = xtd(server, options())
    started = time.monotonic()
    with pytest.raises(authwire.AuthError.RateLimited) as caught:
        manager.authorization()
    assert caught.value.retry_after == timedelta(seconds=120)
    assert str(caught.value) == "rate limited (HTTP 429), retry after 120000 ms; retry later"
    assert time.monotonic() - started < 5
    assert server.count == 1


def test_malformed_json_gives_invalid_response(serve: Serve) -> None:
    server = serve(lambda _, __: Reply.text(200, '{"token": '))
    with pytest.raises(authwire.AuthError.InvalidResponse) as caught:
        xtd(server, options()).authorization()
    assert "not valid JSON" in str(caught.value)
    assert server.count == 1


def test_a_huge_body_gives_invalid_response(serve: Serve) -> None:
    server = serve(lambda _, __: Reply.text(200, "x" * 200_000))
    with pytest.raises(authwire.AuthError.InvalidResponse) as caught:
        xtd(server, options(max_body_bytes=65_536)).authorization()
    assert "65536" in str(caught.value)


def test_a_stalled_server_gives_a_network_error_within_the_timeout(serve: Serve) -> None:
    server = serve(lambda _, __: Reply.text(200, "{}").after(30))
    manager = xtd(server, options(request_timeout=0.3, max_attempts=2))
    started = time.monotonic()
    with pytest.raises(authwire.AuthError.Network) as caught:
        manager.authorization()
    elapsed = time.monotonic() - started
    assert elapsed < 2.0, elapsed  # two attempts of 300 ms and one short backoff
    # The built-in client's own timeout or the core's, whichever fires first: the same kind.
    assert caught.value.kind is authwire.NetworkErrorKind.READ_TIMEOUT
    assert str(caught.value).startswith(f"network error: {server.url('')} did not answer in time ("), caught.value
    assert server.count == 2, "a timeout is retried"


def test_the_async_api_gives_the_same_typed_errors(serve: Serve) -> None:
    server = serve(lambda _, __: Reply.json(401, {"message": "organization inactive"}))
    manager = xtd(server, options())

    async def main() -> str:
        with pytest.raises(authwire.AuthError.Unauthorized) as caught:
            await manager.authorization_async()
        return str(caught.value)

    assert asyncio.run(main()) == "unauthorized (HTTP 401): organization inactive; check the credentials"


def test_nothing_listening_gives_a_network_error_after_every_attempt() -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    key = authwire.ApiKey.from_encoded_key(KEY)
    manager = authwire.TokenManager.api_key_exchange(f"http://127.0.0.1:{port}/t", key, options=options())
    with pytest.raises(authwire.AuthError.Network):
        manager.authorization()
    assert manager.stats.token_requests == 4


# --- Concurrency -------------------------------------------------------------------------------


def test_sixty_four_concurrent_callers_on_an_empty_cache_share_one_request(serve: Serve) -> None:
    """32 plain threads call authorization() while 32 asyncio tasks await
    authorization_async() on one event loop; all are released together."""
    server = serve(xtd_handler(300, delay=0.5))
    manager = xtd(server)
    barrier = threading.Barrier(33)
    async_results: list[str] = []

    async def tasks() -> list[str]:
        return list(await asyncio.gather(*(manager.authorization_async() for _ in range(32))))

    def event_loop_thread() -> None:
        barrier.wait()
        async_results.extend(asyncio.run(tasks()))

    loop_thread = threading.Thread(target=event_loop_thread)
    loop_thread.start()

    def blocking(_: int) -> str:
        barrier.wait()
        return manager.authorization()

    thread_results = run_threads_without_barrier(32, blocking)
    loop_thread.join()
    headers = thread_results + async_results
    assert len(headers) == 64
    assert set(headers) == {"Bearer t0"}
    assert server.count == 1
    stats = manager.stats
    assert (stats.token_requests, stats.refreshes) == (1, 1)
    assert stats.waits == 64, "every caller waited on the one shared request"


def run_threads_without_barrier(count: int, target: Callable[[int], Any]) -> list[Any]:
    results: list[Any] = [None] * count

    def run(i: int) -> None:
        results[i] = target(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def two_second_token_request_range(run_for: float) -> tuple[int, int]:
    """How many token requests ``run_for`` seconds of 2-second tokens take under the default
    policy: a token is handed out until 1.8 s (2 s less a skew of min(500 ms, 10 %)) and
    refreshed once 0.25 s to 0.3 s of that remain (the 250 ms floor plus up to 20 % jitter),
    i.e. from about 1.5 s. So a new token is requested every 1.5 s to 1.8 s (the refresh must
    land before the old token stops being handed out, or callers would wait)."""
    usable = 2.0 - min(0.5, 0.2)
    earliest_period = usable - 0.25 * 1.2
    latest_period = usable
    return 1 + math.floor(run_for / latest_period), 1 + math.ceil(run_for / earliest_period)


def test_two_second_tokens_are_refreshed_about_once_per_lifetime_under_load(serve: Serve) -> None:
    arrivals: list[float] = []

    def handle(_: Received, n: int) -> Reply:
        arrivals.append(time.monotonic())
        return Reply.json(200, {"token": f"t{n}", "expirationTime": 2}).after(0.02)

    server = serve(handle)
    manager = xtd(server)
    run_for = 7.0
    start = time.monotonic()
    calls: list[list[tuple[float, str]]] = [[] for _ in range(16)]
    longest = [0.0] * 16

    def caller(i: int) -> None:
        while time.monotonic() - start < run_for:
            before = time.monotonic()
            header = manager.authorization()
            longest[i] = max(longest[i], time.monotonic() - before)
            calls[i].append((before, header))
            time.sleep(0.002)

    run_threads(16, caller)
    low, high = two_second_token_request_range(run_for)
    assert (low, high) == (4, 6)
    assert low <= server.count <= high, f"{server.count} token requests in {run_for} s"
    stats = manager.stats
    assert stats.failures == 0
    assert stats.waits <= 16, f"{stats.waits} callers waited: refreshes should run in the background"
    # No header was ever handed out after its token stopped being usable (1.8 s after its
    # request arrived), Python-side cache included.
    total = 0
    for per_thread in calls:
        total += len(per_thread)
        for called_at, header in per_thread:
            n = int(header.removeprefix("Bearer t"))
            assert called_at < arrivals[n] + 1.8, f"t{n} served {called_at - arrivals[n]:.3f} s after it was issued"
    assert total > 1000


def test_parallel_invalidate_of_the_same_token_causes_one_refresh(serve: Serve) -> None:
    server = serve(xtd_handler(300, delay=0.05))
    manager = xtd(server)
    first = manager.token().value
    assert first == "t0"

    def invalidate_then_get(_: int) -> tuple[bool, str]:
        return manager.invalidate(f"Bearer {first}"), manager.authorization()

    results = run_threads(50, invalidate_then_get)
    assert sum(discarded for discarded, _ in results) == 1
    assert {header for _, header in results} == {"Bearer t1"}
    assert server.count == 2
    # A late 401 for the old token changes nothing.
    assert manager.invalidate(first) is False
    assert manager.authorization() == "Bearer t1"
    assert server.count == 2
    assert manager.stats.invalidations == 1


def test_a_refresh_loop_fails_clearly_instead_of_hammering_the_server(serve: Serve) -> None:
    server = serve(xtd_handler(300))
    manager = xtd(server, options(loop_max_invalidations=3))
    for _ in range(4):
        assert manager.invalidate(manager.token().value)
    with pytest.raises(authwire.AuthError.RefreshLoop) as caught:
        manager.authorization()
    assert caught.value.refreshes == 4
    assert server.count == 4, "no request after the loop was detected"


def test_async_calls_work_on_a_plain_asyncio_loop(serve: Serve) -> None:
    server = serve(xtd_handler(300, delay=0.05))
    manager = xtd(server)

    async def main() -> tuple[str, str, int]:
        header = await manager.authorization_async()
        token = await manager.token_async()
        return header, token.value, ms(token.expires_in)

    header, value, expires_in_ms = asyncio.run(main())
    assert (header, value) == ("Bearer t0", "t0")
    assert expires_in_ms > 290_000
    # The same manager, afterwards, from a blocking caller.
    assert manager.authorization() == "Bearer t0"
    assert server.count == 1


def test_a_forked_child_refreshes_on_its_own(serve: Serve) -> None:
    """The child inherits the Python-side cache (a valid token) and gets its own core runtime
    for the refresh after an invalidate; the parent is unaffected."""
    import subprocess
    import sys

    server = serve(xtd_handler(300))
    code = f"""
import os, authwire
manager = authwire.TokenManager.api_key_exchange({server.url("/v1/token")!r}, authwire.ApiKey.from_encoded_key({KEY!r}))
print(manager.authorization())
pid = os.fork()
if pid == 0:
    ok = manager.authorization() == "Bearer t0" and manager.invalidate("Bearer t0")
    os._exit(0 if ok and manager.authorization() == "Bearer t1" else 1)
print(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
print(manager.authorization())
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert result.stdout.split() == ["Bearer", "t0", "0", "Bearer", "t0"], result.stdout + result.stderr
    assert server.count == 2


def test_an_expired_static_token_fails_clearly() -> None:
    manager = authwire.TokenManager.static_token("mF_9.B5f-4.1JqM", lifetime=1)
    assert manager.authorization() == "Bearer mF_9.B5f-4.1JqM"
    time.sleep(1.1)
    with pytest.raises(authwire.AuthError.InvalidConfiguration) as caught:
        manager.authorization()
    assert "static token's lifetime has ended" in str(caught.value)
    assert manager.stats.token_requests == 0


# --- The Python-side fast path ---------------------------------------------------------------


class CountingNative:
    """Stands in for the core's TokenManager and counts the calls that reach it."""

    def __init__(self, native: Any) -> None:
        self.native = native
        self.calls = 0

    def token(self) -> Any:
        self.calls += 1
        return self.native.token()

    async def token_async(self) -> Any:
        self.calls += 1
        return await self.native.token_async()

    def invalidate(self, token: str) -> bool:
        return bool(self.native.invalidate(token))


@pytest.fixture
def fake_clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Replaces the fast path's clock; set ``fake_clock[0]`` to move time."""
    now = [_manager._now()]
    monkeypatch.setattr(_manager, "_now", lambda: now[0])
    return now


def counted(manager: authwire.TokenManager) -> CountingNative:
    counter = CountingNative(manager._native)
    manager._native = counter  # type: ignore[assignment]
    return counter


def test_the_cache_serves_until_the_refresh_point_and_not_a_moment_later(serve: Serve, fake_clock: list[float]) -> None:
    server = serve(xtd_handler(300))
    manager = xtd(server)
    counter = counted(manager)
    asked_at = fake_clock[0]
    assert manager.authorization() == "Bearer t0"
    assert counter.calls == 1
    refresh_in = manager._native.native.token().refresh_in_ms() / 1000  # type: ignore[attr-defined]
    for _ in range(1000):
        assert manager.authorization() == "Bearer t0"
    assert counter.calls == 1, "served from the Python-side cache"
    _, deadline = manager._cache
    assert asked_at < deadline <= asked_at + refresh_in + 0.01
    fake_clock[0] = deadline - 1e-6
    manager.authorization()
    assert counter.calls == 1
    fake_clock[0] = deadline
    manager.authorization()
    assert counter.calls == 2, "at the refresh point the core is asked again"


def test_the_async_fast_path_uses_the_same_cache(serve: Serve, fake_clock: list[float]) -> None:
    server = serve(xtd_handler(300))
    manager = xtd(server)
    counter = counted(manager)

    async def main() -> list[str]:
        return [await manager.authorization_async() for _ in range(100)]

    assert set(asyncio.run(main())) == {"Bearer t0"}
    assert counter.calls == 1
    assert manager.authorization() == "Bearer t0"
    assert counter.calls == 1
    fake_clock[0] = manager._cache[1]
    assert asyncio.run(main())[0] == "Bearer t0"
    assert counter.calls == 2


def test_a_due_refresh_is_never_served_from_the_python_cache(serve: Serve, fake_clock: list[float]) -> None:
    """Past the refresh point the core serves the old token while it refreshes; the Python
    cache then holds it with a deadline that has already passed, so every call asks the core."""
    server = serve(xtd_handler(2, delay=0.3))
    manager = xtd(server)
    counter = counted(manager)
    assert manager.authorization() == "Bearer t0"
    refresh_in = ms(manager.token().refresh_in)
    time.sleep(refresh_in / 1000 + 0.01)
    fake_clock[0] = _manager._clock()()
    calls = counter.calls
    assert manager.authorization() == "Bearer t0"  # stale-while-revalidate, in the core
    assert manager._cache[1] <= fake_clock[0]
    assert manager.authorization() == "Bearer t0"
    assert counter.calls == calls + 2


def test_invalidate_clears_the_python_cache_at_once(serve: Serve) -> None:
    server = serve(xtd_handler(300))
    manager = xtd(server)
    counter = counted(manager)
    assert manager.authorization() == "Bearer t0"
    assert manager.invalidate("Bearer t0") is True
    assert manager._cache[1] == float("-inf")
    assert manager.authorization() == "Bearer t1"
    assert counter.calls == 2
    # Even an invalidate the core ignores (an old token) clears the Python side.
    assert manager.invalidate("Bearer t0") is False
    assert manager.authorization() == "Bearer t1"
    assert counter.calls == 3


def test_no_invalidated_token_comes_back_under_concurrent_load(serve: Serve) -> None:
    """While 8 threads keep calling, another invalidates the current token 20 times; after
    each invalidate returns, that token is never handed out again (by the Python cache or
    the core)."""
    server = serve(xtd_handler(300, delay=0.005))
    manager = xtd(server, options(loop_max_invalidations=1000))
    stop = threading.Event()
    invalidated: set[str] = set()
    lock = threading.Lock()
    violations: list[str] = []

    def reader() -> None:
        while not stop.is_set():
            with lock:
                dead = set(invalidated)
            header = manager.authorization()
            if header in dead:
                violations.append(header)

    readers = [threading.Thread(target=reader) for _ in range(8)]
    for thread in readers:
        thread.start()
    try:
        for _ in range(20):
            header = manager.authorization()
            manager.invalidate(header)
            with lock:
                invalidated.add(header)
            time.sleep(0.01)
    finally:
        stop.set()
        for thread in readers:
            thread.join()
    assert violations == []
    assert manager.stats.invalidations == 20


def test_the_fast_path_costs_well_under_a_microsecond() -> None:
    manager = authwire.TokenManager.static_token("mF_9.B5f-4.1JqM")
    manager.authorization()
    n = 20_000
    best = math.inf
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(n):
            manager.authorization()
        best = min(best, (time.perf_counter() - started) / n)
    assert best < 1e-6, f"{best * 1e9:.0f} ns per call"


# --- CSRF sessions -------------------------------------------------------------------------


def sap_handler(current: list[str]) -> Handler:
    """An SAP API Management-like service: HEAD with ``X-CSRF-Token: fetch`` hands out
    ``csrf-<n>`` with session cookies; a POST must carry the token in ``current[0]``."""

    def handle(request: Received, n: int) -> Reply:
        if request.method in ("HEAD", "GET") and request.header("x-csrf-token") == "fetch":
            current[0] = f"csrf-{n}"
            return (
                Reply.text(200)
                .with_header("x-csrf-token", current[0])
                .with_header("Set-Cookie", f"SAP_SESSIONID=s{n}; Path=/; HttpOnly; Secure")
                .with_header("Set-Cookie", "sap-usercontext=sap-client=100; path=/")
            )
        if request.method == "POST":
            if request.header("x-csrf-token") != current[0]:
                return Reply.text(403, "CSRF token validation failed").with_header("x-csrf-token", "Required")
            return Reply.json(201, {"created": True})
        return Reply.text(400, "unexpected")

    return handle


def test_csrf_fetch_write_403_refetch_cycle(serve: Serve, vectors: dict[str, Any]) -> None:
    csrf = vectors["csrf"]
    assert csrf["fetch_request_headers"]["X-CSRF-Token"] == "fetch"
    current = [""]
    server = serve(sap_handler(current))
    session = authwire.CsrfSession(server.url("/sap/api"), "alice", "pw")
    headers = session.headers()
    assert isinstance(headers, authwire.CsrfHeaders)
    assert headers.csrf_token == "csrf-0"
    assert headers.cookie == "SAP_SESSIONID=s0; sap-usercontext=sap-client=100"
    assert headers.authorization == authwire.basic_auth("alice", "pw")
    assert set(headers.to_map()) == set(csrf["write_request_headers"])
    fetch = server.requests[0]
    assert fetch.method == "HEAD"
    assert fetch.header("authorization") == headers.authorization

    import urllib.error
    import urllib.request

    def write(values: dict[str, str]) -> int:
        request = urllib.request.Request(server.url("/sap/api/items"), data=b"{}", method="POST", headers=values)
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            assert error.headers["x-csrf-token"] == csrf["expired_token_response"]["headers"]["x-csrf-token"]
            return int(error.code)

    assert write(headers.to_map()) == 201
    current[0] = "expired-on-the-server"
    assert write(session.headers().to_map()) == csrf["expired_token_response"]["status"]
    assert session.invalidate("csrf-0") is True
    assert session.invalidate("csrf-0") is False
    fresh = session.headers()
    assert fresh.csrf_token == f"csrf-{server.count - 1}"
    assert write(fresh.to_map()) == 201
    assert session.stats.token_requests == 2

    printed = f"{headers!r} {headers} {session!r} {session}"
    assert "csrf-0" not in printed and "s0" not in printed and "<redacted>" in printed


def test_csrf_async_and_get_fetch(serve: Serve) -> None:
    current = [""]
    server = serve(sap_handler(current))
    session = authwire.CsrfSession(server.url("/x"), "u", "p", fetch_method=authwire.CsrfFetchMethod.GET)

    async def main() -> list[str]:
        results = await asyncio.gather(*(session.headers_async() for _ in range(16)))
        return [h.csrf_token for h in results]

    assert set(asyncio.run(main())) == {"csrf-0"}
    assert [r.method for r in server.requests] == ["GET"]


def test_csrf_missing_token_header_is_an_invalid_response(serve: Serve) -> None:
    server = serve(lambda _, __: Reply.text(200, "no token here"))
    session = authwire.CsrfSession(server.url("/x"), "u", "p")
    with pytest.raises(authwire.AuthError.InvalidResponse):
        session.headers()


# --- Listener events and redaction -----------------------------------------------------------

event_log = logging.getLogger("tests.authwire.events")


class LoggingListener(authwire.AuthListener):
    """Logs every event, as an application would."""

    def on_event(self, event: authwire.AuthEvent) -> None:
        event_log.info("authwire event: %r", event)


def secret_renderings(*values: object) -> list[str]:
    return [text for value in values for text in (repr(value), str(value))]


def test_no_secret_in_any_event_repr_str_or_error(serve: Serve, caplog: pytest.LogCaptureFixture) -> None:
    # The server echoes the request body (which holds the API key) in its error messages.
    def handle(request: Received, n: int) -> Reply:
        if n == 0:
            return Reply.json(200, {"token": "tok-SECRET-0", "expirationTime": 300})
        if n == 1:
            return Reply.json(503, {"message": f"echo {request.text}"})
        return Reply.json(401, {"message": f"bad key {request.text}"})

    server = serve(handle)
    manager = xtd(server, options())
    manager.set_listener(LoggingListener())
    caplog.set_level(logging.INFO, logger="tests.authwire.events")
    token = manager.token()
    header = manager.authorization()
    assert manager.invalidate(token.value)
    with pytest.raises(authwire.AuthError.Unauthorized) as caught:
        manager.authorization()
    error = caught.value
    assert "[redacted]" in str(error)

    events = [record.getMessage() for record in caplog.records]
    for name in ("TokenRequested", "TokenRefreshed", "TokenInvalidated", "RefreshRetrying", "RefreshFailed"):
        assert any(f"AuthEvent.{name}(" in text for text in events), f"no {name} in {events}"
    session = authwire.CsrfSession(server.url("/sap"), "alice", "pw-SECRET")
    rendered = [
        caplog.text,
        *secret_renderings(error, manager, token, manager.stats, session),
        repr(error.args),
        *secret_renderings(authwire.ApiKey.from_encoded_key(KEY), authwire.TokenOptions()),
    ]
    secrets = [KEY, "tok-SECRET-0", header, "pw-SECRET", authwire.basic_auth("alice", "pw-SECRET").split()[1]]
    for text in rendered:
        for secret in secrets:
            assert secret not in text, f"a secret leaked: {text!r}"
    manager.set_listener(None)


def test_a_callable_listener_and_a_raising_listener(serve: Serve, caplog: pytest.LogCaptureFixture) -> None:
    server = serve(xtd_handler(300))
    manager = xtd(server)
    seen: list[authwire.AuthEvent] = []
    manager.set_listener(seen.append)
    manager.authorization()
    assert isinstance(seen[0], authwire.AuthEvent.TokenRequested)
    assert seen[0] == authwire.AuthEvent.TokenRequested(attempt=1)
    assert isinstance(seen[1], authwire.AuthEvent.TokenRefreshed)
    assert seen[1].lifetime == timedelta(seconds=300)
    assert repr(seen[0]) == "AuthEvent.TokenRequested(attempt=1)"

    def broken(event: authwire.AuthEvent) -> None:
        raise RuntimeError("listener bug")

    manager.set_listener(broken)
    caplog.set_level(logging.ERROR, logger="authwire")
    assert manager.invalidate("t0")
    assert manager.authorization() == "Bearer t1"
    assert "an authwire listener raised" in caplog.text
    assert "listener bug" in caplog.text
    with pytest.raises(TypeError):
        manager.set_listener(42)  # type: ignore[arg-type]


def test_wrappers_and_records_print_without_secrets() -> None:
    manager = authwire.TokenManager.static_token("tok-SECRET-1")
    assert repr(manager) == "TokenManager(kind='static_token', credentials=<redacted>)"
    assert str(manager) == "TokenManager(static_token, credentials=[redacted])"
    manager.authorization()  # the header is now in the Python-side cache
    for text in secret_renderings(manager, manager.token(), manager.stats):
        assert "tok-SECRET-1" not in text
    assert repr(manager.stats).startswith("TokenStats(token_requests=0, ")
    assert authwire.TokenOptions(max_attempts=2) == authwire.TokenOptions(max_attempts=2)
    assert authwire.TokenOptions(max_attempts=2) != authwire.TokenOptions()
    assert "max_attempts=2" in repr(authwire.TokenOptions(max_attempts=2))


# --- The package's face ------------------------------------------------------------------------


def test_top_level_names() -> None:
    for name in (
        "TokenManager",
        "CsrfSession",
        "TokenOptions",
        "AccessToken",
        "TokenStats",
        "AuthListener",
        "AuthEvent",
        "ExpiryFormat",
        "ClientAuthMethod",
        "CsrfFetchMethod",
        "AuthError",
    ):
        assert name in authwire.__all__
        assert getattr(authwire, name).__name__ == name
    for constructor in ("api_key_exchange", "client_credentials", "custom_exchange", "static_token"):
        assert callable(getattr(authwire.TokenManager, constructor))
    assert set(authwire.__all__) <= set(dir(authwire))
    with pytest.raises(AttributeError):
        authwire.NoSuchName  # type: ignore[attr-defined]  # noqa: B018


def test_import_authwire_loads_neither_http_client_nor_the_native_library() -> None:
    import subprocess
    import sys

    code = (
        "import sys, authwire\n"
        "loaded = sorted(m for m in ('requests', 'httpx', 'authwire._native', 'asyncio') if m in sys.modules)\n"
        "print(loaded)\n"
        "authwire.basic_auth('a', 'b')\n"
        "print('authwire._native' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.split("\n")[:2] == ["[]", "True"]
