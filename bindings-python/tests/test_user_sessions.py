"""User sessions against real authorization servers: Authlib and django-oauth-toolkit
(``tests/scenarios/session_servers.py``, 2-second access tokens, refresh tokens rotated on every
refresh with reuse detection).

* Sign-in with the authorization code and PKCE (blocking and asyncio), then
  ``TokenManager.user_session`` refreshing past the access token's lifetime; a forged state, a
  code exchanged with another sign-in's verifier, a replayed code, a user who refuses and a
  redirect with repeated parameters, each a typed error.
* The device authorization grant: pending then approved, ``slow_down`` (+5 s), denied, expired,
  cancelled, and hostile answers (interval 0 or 10^9 s, a plain-HTTP verification URI).
* Hostile token answers on refresh, damaged or foreign session stores.
* No token, code, verifier or device code in any ``repr``/``str`` of what authwire hands out.

Every case runs against both servers where both apply.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sessiontools import (
    SERVER_NAMES,
    RecordingTransport,
    SecretKey,
    browser,
    control,
    public_flow,
    query_of,
    reset,
    resource,
    session,
    sign_in,
    stats,
    with_query,
)

import authwire

Servers = dict[str, Any]

#: A little more than the servers' 2-second access lifetime.
PAST_LIFETIME_S = 2.3


@pytest.fixture(params=SERVER_NAMES)
def name(request: pytest.FixtureRequest, session_servers: Servers) -> str:
    """Each test runs against Authlib and django-oauth-toolkit, counters reset."""
    server_name = str(request.param)
    reset(session_servers[server_name])
    return server_name


def wait_for(condition: Any, timeout: float = 30.0, what: str = "the condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


# --- Sign-in with PKCE, then the session ------------------------------------------------------


def test_pkce_sign_in_then_the_session_refreshes_with_rotation(session_servers: Servers, name: str) -> None:
    server = session_servers[name]
    flow = public_flow(session_servers, name)
    assert flow.nonce is not None, "the openid scope asks for a nonce"
    query = query_of(flow.authorization_url)
    assert query["code_challenge_method"] == ["S256"] and query["response_type"] == ["code"]
    assert query["nonce"] == [flow.nonce]

    tokens = flow.finish(browser(flow.authorization_url))
    assert tokens.expires_in == timedelta(seconds=2)
    assert tokens.refresh_token and tokens.access_token
    assert set((tokens.scope or "").split()) == {"openid", "profile", "read"}
    assert stats(server)["code_exchanges"] == 1

    events: list[authwire.AuthEvent] = []
    manager = session(session_servers, name, tokens)
    manager.set_listener(events.append)
    first = manager.authorization()
    assert first == f"Bearer {tokens.access_token}", "the sign-in's access token is used first"
    assert manager.stats.token_requests == 0
    assert resource(server, first) == 200

    time.sleep(PAST_LIFETIME_S)
    second = manager.authorization()
    assert second != first
    assert resource(server, second) == 200
    time.sleep(PAST_LIFETIME_S)
    third = manager.authorization()
    assert third not in (first, second)
    assert resource(server, third) == 200

    counters = stats(server)
    assert counters["refresh_ok"] >= 2 and counters["invalid_grant"] == 0 and counters["reuse_detected"] == 0
    assert manager.stats.refreshes >= 1
    assert any(isinstance(event, authwire.AuthEvent.TokenRefreshed) for event in events)

    # The refresh token was rotated: the sign-in's own one is now a reused token. A thief who
    # presents it makes the server revoke the family, and the session ends with a typed error.
    thief = authwire.TokenManager.user_session(
        server["token"], session_servers["public_client"]["client_id"], tokens=tokens
    )
    time.sleep(PAST_LIFETIME_S)
    with pytest.raises(authwire.AuthError.SignInRequired):
        thief.authorization()
    # (django-oauth-toolkit revokes the family too, without its reuse hook counting it.)
    assert stats(server)["reuse_detected"] == (1 if name == "authlib" else 0)
    time.sleep(PAST_LIFETIME_S)
    with pytest.raises(authwire.AuthError.SignInRequired) as ended:
        manager.authorization()
    assert "invalid_grant" in str(ended.value) or "refused" in str(ended.value)
    assert any(isinstance(event, authwire.AuthEvent.SessionEnded) for event in events)
    with pytest.raises(authwire.AuthError.SignInRequired):
        manager.authorization()  # and stays ended, without a request
    assert stats(server)["invalid_grant"] == 2


def test_pkce_sign_in_and_the_session_under_asyncio(session_servers: Servers, name: str) -> None:
    server = session_servers[name]

    async def main() -> tuple[str, str, str]:
        flow = public_flow(session_servers, name)
        redirect = await asyncio.to_thread(browser, flow.authorization_url)
        tokens = await flow.finish_async(redirect)
        async with session(session_servers, name, tokens) as manager:
            first = await manager.authorization_async()
            await asyncio.sleep(PAST_LIFETIME_S)
            # Many tasks past the refresh point: one refresh.
            headers = await asyncio.gather(*(manager.authorization_async() for _ in range(50)))
            assert len(set(headers)) == 1
            await manager.sign_out_async()
            with pytest.raises(authwire.AuthError.SignInRequired):
                await manager.authorization_async()
            return first, headers[0], tokens.refresh_token

    first, second, _ = asyncio.run(main())
    assert first != second
    assert resource(server, second) == 401, "sign-out revoked the session's tokens"
    counters = stats(server)
    assert counters["refresh_ok"] == 1 and counters["revocations"] >= 1 and counters["invalid_grant"] == 0


def test_a_forged_state_is_refused(session_servers: Servers, name: str) -> None:
    flow = public_flow(session_servers, name)
    redirect = browser(flow.authorization_url)
    forged = with_query(redirect, state="forged-" + query_of(redirect)["state"][0][:8])
    with pytest.raises(authwire.AuthError.InvalidResponse, match="state does not match"):
        flow.finish(forged)
    assert stats(session_servers[name])["code_exchanges"] == 0, "nothing is sent for a forged redirect"
    # The genuine redirect still finishes the sign-in.
    assert flow.finish(redirect).refresh_token


def test_a_code_exchanged_with_another_sign_ins_verifier_is_refused(session_servers: Servers, name: str) -> None:
    first = public_flow(session_servers, name)
    second = public_flow(session_servers, name)
    redirect = browser(first.authorization_url)
    # The first sign-in's code, carried to the second one (whose state it then bears): the
    # server sees the second sign-in's verifier, which does not match the code's challenge.
    moved = with_query(redirect, state=query_of(second.authorization_url)["state"][0])
    with pytest.raises(authwire.AuthError.OAuth) as refused:
        second.finish(moved)
    assert (refused.value.status, refused.value.error) == (400, "invalid_grant")
    assert stats(session_servers[name])["invalid_grant"] == 1


def test_a_replayed_code_is_refused(session_servers: Servers, name: str) -> None:
    flow = public_flow(session_servers, name)
    redirect = browser(flow.authorization_url)
    assert flow.finish(redirect).access_token
    with pytest.raises(authwire.AuthError.OAuth) as replayed:
        flow.finish(redirect)
    assert (replayed.value.status, replayed.value.error) == (400, "invalid_grant")


def test_a_user_who_refuses_is_access_denied(session_servers: Servers, name: str) -> None:
    flow = public_flow(session_servers, name)
    with pytest.raises(authwire.AuthError.OAuth) as denied:
        flow.finish(browser(flow.authorization_url, deny=True))
    assert (denied.value.status, denied.value.error) == (302, "access_denied")
    assert stats(session_servers[name])["code_exchanges"] == 0


@pytest.mark.parametrize("repeated", ["code", "state", "error", "iss"])
def test_a_redirect_with_a_repeated_parameter_is_refused(session_servers: Servers, name: str, repeated: str) -> None:
    flow = public_flow(session_servers, name)
    redirect = browser(flow.authorization_url)
    with pytest.raises(authwire.AuthError.InvalidResponse, match="repeats the parameter"):
        flow.finish(f"{redirect}&{repeated}=x&{repeated}=y")
    with pytest.raises(authwire.AuthError.InvalidResponse, match="not to this sign-in's redirect URI"):
        flow.finish(redirect.replace("oauth2redirect", "elsewhere"))
    assert stats(session_servers[name])["code_exchanges"] == 0


# --- The device authorization grant -----------------------------------------------------------


def device_flow(session_servers: Servers, name: str, **script: Any) -> authwire.DeviceAuthorizationFlow:
    """A device sign-in of the public client; ``script`` (interval, expires_in, ...) applies to
    its device authorization answer."""
    server = session_servers[name]
    if script:
        control(server, "device/script", script)
    return authwire.DeviceAuthorizationFlow(
        server["device"],
        server["token"],
        session_servers["public_client"]["client_id"],
        scopes=["profile", "read"],
    )


def decide_after_polls(server: dict[str, Any], user_code: str, polls: int, verb: str = "approve") -> threading.Thread:
    """The user approves (or denies) on another device once the flow has polled ``polls`` times."""

    def run() -> None:
        wait_for(lambda: stats(server)["device_polls"] >= polls, what=f"{polls} polls")
        control(server, f"device/{verb}", {"user_code": user_code})

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_device_flow_pending_then_approved(session_servers: Servers, name: str) -> None:
    server = session_servers[name]
    flow = device_flow(session_servers, name, interval=1)
    code = flow.start()
    assert code.interval == timedelta(seconds=1) and code.expires_in == timedelta(seconds=1800)
    assert code.verification_uri == "https://example.com/device" and code.user_code
    assert code.verification_uri_complete is not None and code.user_code in code.verification_uri_complete
    approver = decide_after_polls(server, code.user_code, polls=2)
    started = time.monotonic()
    tokens = flow.wait()
    approver.join()
    assert time.monotonic() - started >= 2.5, "two pending polls, one second apart, then the approved one"
    assert stats(server)["device_polls"] == 3
    manager = session(session_servers, name, tokens)
    assert resource(server, manager.authorization()) == 200


def test_device_flow_under_asyncio(session_servers: Servers, name: str) -> None:
    server = session_servers[name]
    flow = device_flow(session_servers, name, interval=1)

    async def main() -> authwire.SessionTokens:
        code = await flow.start_async()
        decide_after_polls(server, code.user_code, polls=1)
        return await flow.wait_async()

    tokens = asyncio.run(main())
    assert resource(server, f"Bearer {tokens.access_token}") == 200


def test_device_flow_slow_down_adds_five_seconds(session_servers: Servers, name: str) -> None:
    server = session_servers[name]
    flow = device_flow(session_servers, name, interval=1)
    code = flow.start()
    control(server, "device/script", {"slow_down": 1})
    approver = decide_after_polls(server, code.user_code, polls=1)
    started = time.monotonic()
    flow.wait()
    elapsed = time.monotonic() - started
    approver.join()
    # Poll 1 at 1 s answers slow_down: the interval becomes 6 s, so poll 2 (approved) is at 7 s.
    assert 6.5 <= elapsed < 10, f"{elapsed:.1f} s"
    assert stats(server)["device_polls"] == 2


def test_device_flow_denied(session_servers: Servers, name: str) -> None:
    server = session_servers[name]
    flow = device_flow(session_servers, name, interval=1)
    code = flow.start()
    decide_after_polls(server, code.user_code, polls=1, verb="deny")
    with pytest.raises(authwire.AuthError.OAuth) as denied:
        flow.wait()
    assert denied.value.error == "access_denied"


def test_device_flow_expired(session_servers: Servers, name: str) -> None:
    flow = device_flow(session_servers, name, interval=1, expires_in=3)
    code = flow.start()
    assert code.expires_in == timedelta(seconds=3)
    started = time.monotonic()
    with pytest.raises(authwire.AuthError.OAuth) as expired:
        flow.wait()
    assert expired.value.error == "expired_token"
    assert time.monotonic() - started < 6


def test_device_flow_cancelled_from_another_thread(session_servers: Servers, name: str) -> None:
    flow = device_flow(session_servers, name, interval=1)
    flow.start()
    timer = threading.Timer(1.5, flow.cancel)
    timer.start()
    started = time.monotonic()
    with pytest.raises(authwire.AuthError.Cancelled):
        flow.wait()
    assert time.monotonic() - started < 3, "cancel wakes the wait at once"
    with pytest.raises(authwire.AuthError.Cancelled):
        flow.wait()  # and any later wait


def test_cancelling_the_asyncio_task_cancels_the_flow(session_servers: Servers, name: str) -> None:
    server = session_servers[name]
    flow = device_flow(session_servers, name, interval=1)

    async def main() -> None:
        await flow.start_async()
        task = asyncio.ensure_future(flow.wait_async())
        await asyncio.sleep(1.5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    polls = stats(server)["device_polls"]
    time.sleep(2.5)
    assert stats(server)["device_polls"] == polls, "the flow stopped polling"
    with pytest.raises(authwire.AuthError.Cancelled):
        flow.wait()


@pytest.mark.parametrize(
    ("script", "says"),
    [
        ({"interval": 0}, "interval"),
        ({"interval": 1_000_000_000}, "interval"),
        ({"verification_uri": "http://example.com/device"}, "not an https URL"),
    ],
    ids=["interval-0", "interval-1e9", "plain-http-verification-uri"],
)
def test_device_flow_refuses_hostile_answers(
    session_servers: Servers, name: str, script: dict[str, Any], says: str
) -> None:
    flow = device_flow(session_servers, name, **script)
    with pytest.raises(authwire.AuthError.InvalidResponse, match=says):
        flow.start()
    with pytest.raises(authwire.AuthError.InvalidConfiguration, match="start"):
        flow.wait()


# --- Hostile token answers on refresh --------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [{"extra": {"token_type": "mac"}}, {"drop": ["access_token"]}],
    ids=["token-type-mac", "no-access-token"],
)
def test_a_hostile_refresh_answer_is_a_typed_error(session_servers: Servers, name: str, answer: dict[str, Any]) -> None:
    server = session_servers[name]
    tokens = sign_in(session_servers, name)
    manager = session(session_servers, name, tokens, options=authwire.TokenOptions(max_attempts=1))
    control(server, "token-answer", {**answer, "count": 1})
    time.sleep(PAST_LIFETIME_S)
    with pytest.raises(authwire.AuthError.InvalidResponse) as hostile:
        manager.authorization()
    for secret in (tokens.refresh_token, tokens.access_token):
        assert secret not in str(hostile.value) + repr(hostile.value)


@pytest.mark.parametrize(
    "answer",
    [{"extra": {"token_type": "mac"}}, {"drop": ["access_token"]}],
    ids=["token-type-mac", "no-access-token"],
)
def test_a_hostile_refresh_answer_does_not_lose_the_session(
    session_servers: Servers, name: str, answer: dict[str, Any]
) -> None:
    server = session_servers[name]
    manager = session(
        session_servers, name, sign_in(session_servers, name), options=authwire.TokenOptions(max_attempts=1)
    )
    control(server, "token-answer", {**answer, "count": 1})
    time.sleep(PAST_LIFETIME_S)
    with pytest.raises(authwire.AuthError.InvalidResponse):
        manager.authorization()
    # The rotated refresh token that the refused answer carried was kept: the server has
    # rotated, and the next (normal) refresh presents the new one.
    time.sleep(PAST_LIFETIME_S)
    assert resource(server, manager.authorization()) == 200
    counters = stats(server)
    assert counters["invalid_grant"] == 0 and counters["reuse_detected"] == 0


# --- Damaged and foreign session stores --------------------------------------------------------


#: The sealing key of the stores below (every process of a session reads the same key).
KEY = os.urandom(32)


def stored_session(
    session_servers: Servers, name: str, directory: Path, client_id: str | None = None, key: bytes = KEY
) -> authwire.TokenManager:
    """A user session continued from the store in ``directory`` (no tokens given)."""
    server = session_servers[name]
    return authwire.TokenManager.user_session(
        server["token"],
        client_id or session_servers["public_client"]["client_id"],
        sealing_key=SecretKey(key),
        options=authwire.TokenOptions(store=authwire.FileStore(directory / "session")),
    )


def test_a_session_is_continued_from_the_store(session_servers: Servers, name: str, tmp_path: Path) -> None:
    server = session_servers[name]
    tokens = sign_in(session_servers, name)
    first = session(
        session_servers,
        name,
        tokens,
        sealing_key=SecretKey(KEY),
        options=authwire.TokenOptions(store=authwire.FileStore(tmp_path / "session")),
    )
    header = first.authorization()
    later = stored_session(session_servers, name, tmp_path)
    assert later.authorization() == header, "the stored, still fresh access token is adopted"
    assert later.stats.token_requests == 0
    time.sleep(PAST_LIFETIME_S)
    assert resource(server, later.authorization()) == 200
    assert resource(server, first.authorization()) == 200
    counters = stats(server)
    assert counters["invalid_grant"] == 0 and counters["reuse_detected"] == 0


def test_no_stored_session_is_sign_in_required(session_servers: Servers, name: str, tmp_path: Path) -> None:
    events: list[authwire.AuthEvent] = []
    manager = stored_session(session_servers, name, tmp_path)
    manager.set_listener(events.append)
    with pytest.raises(authwire.AuthError.SignInRequired, match="no session is stored"):
        manager.authorization()
    assert any(isinstance(event, authwire.AuthEvent.SessionEnded) for event in events)


def test_a_damaged_or_foreign_store_is_a_typed_error(session_servers: Servers, name: str, tmp_path: Path) -> None:
    tokens = sign_in(session_servers, name)
    first = session(
        session_servers,
        name,
        tokens,
        sealing_key=SecretKey(KEY),
        options=authwire.TokenOptions(store=authwire.FileStore(tmp_path / "session")),
    )
    first.authorization()
    outcomes: dict[str, str] = {}

    # Another client id, or another sealing key, over the same store.
    for label, manager in (
        ("another client id", stored_session(session_servers, name, tmp_path, client_id="authwire-desktop")),
        ("another sealing key", stored_session(session_servers, name, tmp_path, key=os.urandom(32))),
    ):
        with pytest.raises(authwire.AuthError) as foreign:
            manager.authorization()
        outcomes[label] = f"{type(foreign.value).__qualname__}: {foreign.value}"
        assert isinstance(foreign.value, authwire.AuthError.SignInRequired), outcomes[label]

    # The store file cut in half.
    store_files = [path for path in tmp_path.iterdir() if path.name.startswith("session")]
    damaged = 0
    for path in store_files:
        size = path.stat().st_size
        if size and not path.name.endswith(".lock"):
            with open(path, "r+b") as file:
                file.truncate(size // 2)
            damaged += 1
    assert damaged >= 1, sorted(p.name for p in tmp_path.iterdir())
    truncated = stored_session(session_servers, name, tmp_path)
    with pytest.raises(authwire.AuthError) as cut:
        truncated.authorization()
    outcomes["a truncated store file"] = f"{type(cut.value).__qualname__}: {cut.value}"
    assert isinstance(cut.value, (authwire.AuthError.SignInRequired, authwire.AuthError.Network)), outcomes

    # A sealing key that is too short.
    short = stored_session(session_servers, name, tmp_path, key=b"0123456789")
    with pytest.raises(authwire.AuthError) as short_key:
        short.authorization()
    outcomes["a 10-byte sealing key"] = f"{type(short_key.value).__qualname__}: {short_key.value}"
    print("\n" + "\n".join(f"{name}, {label}: {outcome}" for label, outcome in outcomes.items()))
    for outcome in outcomes.values():
        assert tokens.refresh_token not in outcome and tokens.access_token not in outcome


# --- Sealing keys --------------------------------------------------------------------------------


class LockedKey(authwire.SealingKey):
    """A key that cannot be read now (a locked keyring)."""

    def key(self) -> bytes:
        raise authwire.StoreError.Unavailable("the keyring is locked")


def test_a_sealing_key_of_ones_own_shares_the_session(session_servers: Servers, name: str, tmp_path: Path) -> None:
    key = SecretKey(os.urandom(32))
    options = authwire.TokenOptions(store=authwire.FileStore(tmp_path / "session"), request_timeout=5)
    first = session(session_servers, name, sign_in(session_servers, name), sealing_key=key, options=options)
    header = first.authorization()
    # store= is options=TokenOptions(store=...), completing the options given.
    store = authwire.FileStore(tmp_path / "session")
    second = session(session_servers, name, None, sealing_key=SecretKey(key.secret), store=store)
    third = session(
        session_servers,
        name,
        None,
        sealing_key=SecretKey(key.secret),
        store=store,
        options=authwire.TokenOptions(request_timeout=5),
    )
    assert second.authorization() == header == third.authorization()
    assert key.calls >= 1
    with pytest.raises(TypeError, match="give the store once"):
        session(session_servers, name, None, sealing_key=key, store=store, options=options)


def test_a_key_file_sealing_key_seals_a_shared_session(session_servers: Servers, name: str, tmp_path: Path) -> None:
    key = authwire.KeyFileSealingKey(tmp_path / "session.key")
    assert repr(key) == f"KeyFileSealingKey(path={str(tmp_path / 'session.key')!r})" and key.path.endswith(
        "session.key"
    )
    options = authwire.TokenOptions(store=authwire.FileStore(tmp_path / "session"), max_attempts=1)
    first = session(session_servers, name, sign_in(session_servers, name), sealing_key=key, options=options)
    header = first.authorization()
    second = session(
        session_servers, name, None, sealing_key=authwire.KeyFileSealingKey(tmp_path / "session.key"), options=options
    )
    assert second.authorization() == header
    assert (tmp_path / "session.key").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "session.key").stat().st_size == 32
    assert key.key() == (tmp_path / "session.key").read_bytes()
    (tmp_path / "short.key").write_bytes(b"0123456789")
    with pytest.raises(authwire.StoreError.InvalidConfiguration, match="fewer than 32 bytes"):
        authwire.KeyFileSealingKey(tmp_path / "short.key").key()


def test_a_sealing_key_that_cannot_be_read_keeps_the_session(
    session_servers: Servers, name: str, tmp_path: Path
) -> None:
    options = authwire.TokenOptions(store=authwire.FileStore(tmp_path / "session"), max_attempts=1, retry_budget=2)
    manager = session(session_servers, name, None, sealing_key=LockedKey(), options=options)
    with pytest.raises(authwire.AuthError.Network, match="keyring is locked"):
        manager.authorization()


class BrokenKey(authwire.SealingKey):
    """A key that never can be read (misconfigured)."""

    def key(self) -> bytes:
        raise authwire.StoreError.InvalidConfiguration("no key is configured for this app")


@pytest.mark.parametrize("key", [BrokenKey(), SecretKey(b"0123456789")], ids=["invalid-configuration", "short-key"])
def test_a_sealing_key_that_never_can_be_read_is_a_configuration_error(
    session_servers: Servers, key: authwire.SealingKey, tmp_path: Path
) -> None:
    options = authwire.TokenOptions(store=authwire.FileStore(tmp_path / "session"), max_attempts=1, retry_budget=2)
    manager = session(session_servers, "authlib", None, sealing_key=key, options=options)
    with pytest.raises(authwire.AuthError.InvalidConfiguration, match="sealing key"):
        manager.authorization()


def test_the_session_arguments_are_checked(session_servers: Servers, tmp_path: Path) -> None:
    server = session_servers["authlib"]
    untyped: Any = authwire
    with pytest.raises(authwire.AuthError.InvalidConfiguration, match="sealing key"):
        authwire.TokenManager.user_session(
            server["token"], "authwire-app", options=authwire.TokenOptions(store=authwire.FileStore(tmp_path / "s"))
        )
    with pytest.raises(authwire.AuthError.InvalidConfiguration, match="tokens"):
        authwire.TokenManager.user_session(server["token"], "authwire-app")
    with pytest.raises(TypeError, match="tokens must be"):
        untyped.TokenManager.user_session(server["token"], "authwire-app", tokens="at")
    with pytest.raises(TypeError, match="sealing_key must be"):
        untyped.TokenManager.user_session(server["token"], "authwire-app", tokens=None, sealing_key=b"k" * 32)
    with pytest.raises(TypeError):
        untyped.TokenManager.user_session(server["token"], "authwire-app", None)  # keyword-only
    with pytest.raises(authwire.AuthError.InvalidConfiguration, match=r"not a user session|not one"):
        authwire.TokenManager.static_token("abc").sign_out()
    with pytest.raises(authwire.AuthError.InvalidConfiguration):
        authwire.AuthorizationCodeFlow(
            "http://auth.example.com/authorize", server["token"], "authwire-app", "com.example.app:/cb"
        )
    with pytest.raises(TypeError, match="scopes must be a list"):
        untyped.AuthorizationCodeFlow(server["authorize"], server["token"], "authwire-app", "x:/cb", scopes="openid")
    with pytest.raises(authwire.AuthError.InvalidConfiguration, match="redirect URI"):
        authwire.AuthorizationCodeFlow(server["authorize"], server["token"], "authwire-app", "no scheme")
    with pytest.raises(authwire.AuthError.InvalidConfiguration, match="client id"):
        authwire.DeviceAuthorizationFlow(server["device"], server["token"], "")


def test_session_tokens_take_seconds_or_timedelta_and_json() -> None:
    tokens = authwire.SessionTokens("at-1", "rt-1", expires_in=timedelta(minutes=5), scope="read")
    assert (tokens.access_token, tokens.refresh_token, tokens.scope, tokens.id_token) == ("at-1", "rt-1", "read", None)
    assert tokens.expires_in == timedelta(minutes=5)
    assert authwire.SessionTokens("at", "rt", expires_in=90.4).expires_in == timedelta(seconds=90)
    assert authwire.SessionTokens("at", "rt").expires_in is None
    document = {"access_token": "at-2", "token_type": "bearer", "refresh_token": "rt-2", "expires_in": 3600}
    for given in (document, str(document).replace("'", '"'), str(document).replace("'", '"').encode()):
        parsed = authwire.SessionTokens.from_token_response(given)
        assert (parsed.access_token, parsed.refresh_token, parsed.expires_in) == ("at-2", "rt-2", timedelta(hours=1))
    with pytest.raises(authwire.AuthError.InvalidResponse, match="refresh_token"):
        authwire.SessionTokens.from_token_response({"access_token": "at", "token_type": "Bearer"})
    with pytest.raises(authwire.AuthError.InvalidResponse, match="not Bearer"):
        authwire.SessionTokens.from_token_response({"access_token": "at", "refresh_token": "rt", "token_type": "DPoP"})
    with pytest.raises(authwire.AuthError.InvalidInput):
        authwire.SessionTokens("a t", "rt")
    with pytest.raises(authwire.AuthError.InvalidInput):
        authwire.SessionTokens("at", "")
    with pytest.raises(ValueError, match="expires_in must be zero or more"):
        authwire.SessionTokens("at", "rt", expires_in=-1)
    untyped: Any = authwire
    with pytest.raises(TypeError):
        untyped.SessionTokens("at", "rt", 3600)  # keyword-only


# --- Redaction ---------------------------------------------------------------------------------


def raised(call: Any) -> authwire.AuthError:
    """The ``AuthError`` that ``call()`` raises."""
    with pytest.raises(authwire.AuthError) as caught:
        call()
    return caught.value


def test_no_secret_shows_in_any_rendering(session_servers: Servers, name: str, tmp_path: Path) -> None:
    server = session_servers[name]
    transport = RecordingTransport()
    options = authwire.TokenOptions(transport=transport)
    renderings: list[str] = []
    events: list[authwire.AuthEvent] = []

    def render(*values: object) -> None:
        for value in values:
            renderings.extend([repr(value), str(value), f"{value!r:}"])
            if isinstance(value, BaseException):
                renderings.extend([repr(value.args), str(getattr(value, "reason", ""))])

    flow = public_flow(session_servers, name, options)
    redirect = browser(flow.authorization_url)
    code = query_of(redirect)["code"][0]
    tokens = flow.finish(redirect)
    render(flow, tokens)
    render(raised(lambda: flow.finish(redirect)), raised(lambda: flow.finish(with_query(redirect, state="x"))))

    store_options = authwire.TokenOptions(
        transport=transport, store=authwire.FileStore(tmp_path / "session"), max_attempts=1
    )
    key = SecretKey(KEY)
    manager = session(session_servers, name, tokens, sealing_key=key, options=store_options)
    manager.set_listener(events.append)
    header = manager.authorization()
    time.sleep(PAST_LIFETIME_S)
    refreshed = manager.token()
    render(manager, refreshed, key, manager.stats, authwire.KeyFileSealingKey(tmp_path / "session.key"))
    control(server, "token-answer", {"extra": {"token_type": "mac"}, "count": 1})
    time.sleep(PAST_LIFETIME_S)
    for _ in range(2):
        render(raised(manager.authorization))
    manager.sign_out()
    render(raised(manager.authorization))

    control(server, "device/script", {"interval": 1})
    device = authwire.DeviceAuthorizationFlow(
        server["device"], server["token"], session_servers["public_client"]["client_id"], options=options
    )
    device_code = device.start()
    decide_after_polls(server, device_code.user_code, polls=1)
    device_tokens = device.wait()
    render(device, device_code, device_tokens)
    render(*events)

    secrets = transport.secrets() | {code, header.split()[1], refreshed.value, tokens.refresh_token}
    secrets |= {device_tokens.access_token, device_tokens.refresh_token}
    sent_names = {name for form in transport.sent for name in form}
    assert {"code", "code_verifier", "device_code", "refresh_token"} <= sent_names, sent_names
    assert len(secrets) >= 8
    assert any(isinstance(event, authwire.AuthEvent.SessionEnded) for event in events)
    for rendered in renderings:
        for secret in secrets:
            assert secret not in rendered, f"a secret of {len(secret)} characters shows in {rendered!r}"
    assert "<redacted>" in repr(tokens) and "<redacted>" in repr(flow) and "<redacted>" in repr(device)


def test_the_new_errors_and_event_read_like_the_others() -> None:
    ended = authwire.AuthError.SignInRequired("the user signed out")
    cancelled = authwire.AuthError.Cancelled("the device sign-in was cancelled")
    assert str(ended) == "sign-in required: the user signed out" and ended.args == (str(ended),)
    assert repr(ended) == "AuthError.SignInRequired('sign-in required: the user signed out')"
    assert str(cancelled) == "cancelled: the device sign-in was cancelled"
    assert isinstance(ended, authwire.AuthError) and isinstance(cancelled, authwire.AuthError)
    event = authwire.AuthEvent.SessionEnded(reason="signed out")
    assert repr(event) == "AuthEvent.SessionEnded(reason='signed out')"
    assert isinstance(event, authwire.AuthEvent) and event.reason == "signed out"
    assert type(event).__match_args__ == ("reason",)
