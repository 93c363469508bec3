"""Self-test of session_servers.py: every flow and control endpoint on both servers, with a
standard-library client (urllib). Run: ``.venv/bin/python -m pytest tests/scenarios/test_session_servers.py``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "session_servers.py")
SERVERS = ["authlib", "dot"]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def start(*args: str) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    proc = subprocess.Popen([sys.executable, SCRIPT, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line, "no ready line"
    return proc, json.loads(line)


def stop(proc: subprocess.Popen[str]) -> None:
    assert proc.stdin is not None
    proc.stdin.close()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def ready() -> Iterator[dict[str, Any]]:
    t0 = time.monotonic()
    proc, line = start()
    line["startup_s"] = time.monotonic() - t0
    yield line
    stop(proc)


def call(
    method: str,
    url: str,
    form: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
) -> tuple[int, dict[str, str], bytes]:
    data = body if body is not None else (urlencode(form).encode() if form is not None else None)
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if form is not None:
        req.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with OPENER.open(req, timeout=20) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def jcall(method: str, url: str, **kw: Any) -> tuple[int, dict[str, Any]]:
    status, _headers, body = call(method, url, **kw)
    return status, (json.loads(body) if body else {})


def control(ep: dict[str, str], name: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
    status, answer = jcall(
        "POST",
        f"{ep['control']}/{name}",
        body=json.dumps(args or {}).encode(),
        headers={"Content-Type": "application/json"},
    )
    assert status == 200, (name, answer)
    return answer


def stats(ep: dict[str, str]) -> dict[str, int]:
    return jcall("GET", f"{ep['control']}/stats")[1]


class Session:
    """One client of one server (public or confidential)."""

    def __init__(self, ready: dict[str, Any], server: str, confidential: bool = False) -> None:
        self.ep: dict[str, str] = ready[server]
        self.client = ready["confidential_client" if confidential else "public_client"]

    def auth(self, form: dict[str, str]) -> dict[str, str]:
        """Client authentication: Basic for the confidential client, client_id in the form otherwise."""
        if "client_secret" in self.client:
            cred = base64.b64encode(f"{self.client['client_id']}:{self.client['client_secret']}".encode()).decode()
            return {"Authorization": f"Basic {cred}"}
        form["client_id"] = self.client["client_id"]
        return {}

    def post(self, url: str, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        headers = self.auth(form)
        return jcall("POST", url, form=form, headers=headers)

    def authorize(self, verifier: str | None, **extra: str) -> dict[str, str]:
        """The browser step: the query of the redirect."""
        params = {
            "response_type": "code",
            "client_id": self.client["client_id"],
            "redirect_uri": self.client["redirect_uri"],
            "scope": self.client["scope"],
            "state": "st-" + secrets.token_hex(4),
        }
        if verifier is not None:
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            params.update(code_challenge=challenge, code_challenge_method="S256")
        params.update(extra)
        status, headers, _ = call("GET", self.ep["authorize"] + "?" + urlencode(params))
        assert status == 302, status
        location = headers["Location"]
        assert location.startswith(self.client["redirect_uri"] + "?"), location
        query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
        assert query.get("state") == params["state"]
        return query

    def code_flow(self) -> dict[str, Any]:
        verifier = secrets.token_urlsafe(48)
        code = self.authorize(verifier)["code"]
        status, tokens = self.exchange(code, verifier)
        assert status == 200, tokens
        return tokens

    def exchange(self, code: str, verifier: str) -> tuple[int, dict[str, Any]]:
        return self.post(
            self.ep["token"],
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": self.client["redirect_uri"],
                "code_verifier": verifier,
            },
        )

    def refresh(self, refresh_token: str) -> tuple[int, dict[str, Any]]:
        return self.post(self.ep["token"], {"grant_type": "refresh_token", "refresh_token": refresh_token})

    def device(self) -> dict[str, Any]:
        # client_id in the form also with Basic credentials: DOT requires it (see below).
        form = {"scope": "read", "client_id": self.client["client_id"]}
        status, answer = self.post(self.ep["device"], form)
        assert status == 200, answer
        return answer

    def poll(self, device_code: str) -> tuple[int, dict[str, Any]]:
        return self.post(
            self.ep["token"], {"grant_type": "urn:ietf:params:oauth:grant-type:device_code", "device_code": device_code}
        )

    def resource(self, access_token: str) -> int:
        return call("GET", self.ep["resource"], headers={"Authorization": f"Bearer {access_token}"})[0]


def test_ready_line(ready: dict[str, Any]) -> None:
    for server in SERVERS:
        assert set(ready[server]) == {"base", "authorize", "token", "device", "revoke", "resource", "control"}
        assert all(v.startswith("http://127.0.0.1:") for v in ready[server].values())
    assert ready["public_client"]["client_id"] == "authwire-app"
    assert ready["confidential_client"]["client_secret"] == "desktop-secret"
    assert (ready["access_lifetime"], ready["grace"]) == (2, 0)
    assert ready["startup_s"] < 10


@pytest.mark.parametrize("server", SERVERS)
@pytest.mark.parametrize("confidential", [False, True], ids=["public", "confidential"])
def test_code_flow_and_rotation(ready: dict[str, Any], server: str, confidential: bool) -> None:
    s = Session(ready, server, confidential)
    tokens = s.code_flow()
    assert tokens["token_type"].lower() == "bearer"
    assert tokens["expires_in"] == 2
    assert set(tokens["scope"].split()) == set(s.client["scope"].split())
    assert s.resource(tokens["access_token"]) == 200
    assert s.resource("not-a-token") == 401

    status, rotated = s.refresh(tokens["refresh_token"])
    assert status == 200, rotated
    assert rotated["refresh_token"] != tokens["refresh_token"]
    assert s.resource(rotated["access_token"]) == 200

    before = stats(s.ep)
    status, answer = s.refresh(tokens["refresh_token"])  # reuse of the rotated token
    assert (status, answer["error"]) == (400, "invalid_grant")
    status, answer = s.refresh(rotated["refresh_token"])  # the family is revoked
    assert (status, answer["error"]) == (400, "invalid_grant")
    assert s.resource(rotated["access_token"]) == 401
    after = stats(s.ep)
    assert after["reuse_detected"] - before["reuse_detected"] >= 1
    assert after["invalid_grant"] - before["invalid_grant"] == 2


@pytest.mark.parametrize("server", SERVERS)
def test_pkce_and_code_errors(ready: dict[str, Any], server: str) -> None:
    s = Session(ready, server)
    verifier = secrets.token_urlsafe(48)
    code = s.authorize(verifier)["code"]
    status, answer = s.exchange(code, secrets.token_urlsafe(48))  # wrong verifier
    assert (status, answer["error"]) == (400, "invalid_grant")

    code = s.authorize(verifier)["code"]
    assert s.exchange(code, verifier)[0] == 200
    status, answer = s.exchange(code, verifier)  # replayed code
    assert (status, answer["error"]) == (400, "invalid_grant")

    no_pkce = s.authorize(None)
    if server == "dot":  # PKCE_REQUIRED: refused at the authorization step
        assert no_pkce["error"] == "invalid_request"
    else:  # CodeChallenge(required=True): a code, refused at the exchange for a public client
        status, answer = s.post(
            s.ep["token"],
            {"grant_type": "authorization_code", "code": no_pkce["code"], "redirect_uri": s.client["redirect_uri"]},
        )
        assert (status, answer["error"]) == (400, "invalid_request")
    assert s.authorize(verifier, deny="1")["error"] == "access_denied"
    plain = s.authorize(None, code_challenge=verifier, code_challenge_method="plain")
    assert plain["error"] == "invalid_request"  # S256 only


@pytest.mark.parametrize("server", SERVERS)
def test_access_token_expires_then_refresh(ready: dict[str, Any], server: str) -> None:
    s = Session(ready, server)
    tokens = s.code_flow()
    time.sleep(2.2)  # --access-lifetime 2
    assert s.resource(tokens["access_token"]) == 401
    status, fresh = s.refresh(tokens["refresh_token"])
    assert status == 200, fresh
    assert s.resource(fresh["access_token"]) == 200


@pytest.mark.parametrize("server", SERVERS)
@pytest.mark.parametrize("confidential", [False, True], ids=["public", "confidential"])
def test_device_flow(ready: dict[str, Any], server: str, confidential: bool) -> None:
    s = Session(ready, server, confidential)
    d = s.device()
    assert d["verification_uri"] == "https://example.com/device"
    assert d["verification_uri_complete"] == "https://example.com/device?user_code=" + d["user_code"]
    assert (d["expires_in"], d["interval"]) == (1800, 5)
    status, answer = s.poll(d["device_code"])
    assert (status, answer["error"]) == (400, "authorization_pending")
    control(s.ep, "device/script", {"slow_down": 1})
    assert s.poll(d["device_code"])[1]["error"] == "slow_down"
    assert s.poll(d["device_code"])[1]["error"] == "authorization_pending"
    control(s.ep, "device/approve", {"user_code": d["user_code"]})
    status, tokens = s.poll(d["device_code"])
    assert status == 200, tokens
    assert tokens["expires_in"] == 2
    assert s.resource(tokens["access_token"]) == 200
    assert s.refresh(tokens["refresh_token"])[0] == 200
    # Neither library uses the device_code up: a poll after success gets another token pair.
    status, again = s.poll(d["device_code"])
    assert status == 200 and again["access_token"] != tokens["access_token"]


@pytest.mark.parametrize("server", SERVERS)
def test_device_deny_expire_script(ready: dict[str, Any], server: str) -> None:
    s = Session(ready, server)
    d = s.device()
    control(s.ep, "device/deny", {"user_code": d["user_code"]})
    status, answer = s.poll(d["device_code"])
    assert (status, answer["error"]) == (400, "access_denied")

    control(s.ep, "device/script", {"expires_in": 1, "interval": 0, "verification_uri": "http://evil.example/d"})
    d = s.device()
    assert (d["expires_in"], d["interval"], d["verification_uri"]) == (1, 0, "http://evil.example/d")
    assert s.device()["interval"] == 5  # the script was for one answer
    time.sleep(1.2)
    status, answer = s.poll(d["device_code"])
    assert (status, answer["error"]) == (400, "expired_token")

    control(s.ep, "device/script", {"interval": 1000000000})
    assert s.device()["interval"] == 1000000000


@pytest.mark.parametrize("server", SERVERS)
def test_revocation_and_revoke_all(ready: dict[str, Any], server: str) -> None:
    s = Session(ready, server)
    tokens = s.code_flow()
    before = stats(s.ep)
    status, _ = s.post(s.ep["revoke"], {"token": tokens["refresh_token"], "token_type_hint": "refresh_token"})
    assert status == 200
    assert stats(s.ep)["revocations"] == before["revocations"] + 1
    status, answer = s.refresh(tokens["refresh_token"])
    assert (status, answer["error"]) == (400, "invalid_grant")

    tokens = s.code_flow()
    assert s.post(s.ep["revoke"], {"token": tokens["access_token"]})[0] == 200
    assert s.resource(tokens["access_token"]) == 401

    tokens = s.code_flow()
    assert control(s.ep, "revoke-all")["revoked"] >= 1
    assert s.resource(tokens["access_token"]) == 401
    status, answer = s.refresh(tokens["refresh_token"])
    assert (status, answer["error"]) == (400, "invalid_grant")


@pytest.mark.parametrize("server", SERVERS)
def test_stall_rewrite_and_stats(ready: dict[str, Any], server: str) -> None:
    s = Session(ready, server)
    tokens = s.code_flow()
    control(s.ep, "reset-stats")
    control(s.ep, "stall-next-refresh", {"seconds": 1.5})
    result: dict[str, Any] = {}
    t0 = time.monotonic()
    thread = threading.Thread(target=lambda: result.update(answer=s.refresh(tokens["refresh_token"])))
    thread.start()
    time.sleep(0.7)
    assert thread.is_alive()  # the answer is held back ...
    during = stats(s.ep)  # ... after the request was processed (the rotation is committed)
    assert (during["refresh_requests"], during["refresh_ok"]) == (1, 1)
    thread.join()
    assert time.monotonic() - t0 >= 1.5
    status, rotated = result["answer"]
    assert status == 200

    control(s.ep, "token-answer", {"extra": {"token_type": "mac"}, "drop": ["refresh_token"], "count": 1})
    status, odd = s.refresh(rotated["refresh_token"])
    assert status == 200 and odd["token_type"] == "mac" and "refresh_token" not in odd
    tokens = s.code_flow()  # count 1: back to normal
    assert tokens["token_type"].lower() == "bearer" and "refresh_token" in tokens

    st = stats(s.ep)
    assert st == {
        "refresh_requests": 2,
        "refresh_ok": 2,
        "invalid_grant": 0,
        "reuse_detected": 0,
        "code_exchanges": 1,
        "device_polls": 0,
        "revocations": 0,
    }
    assert control(s.ep, "reset-stats") and set(stats(s.ep).values()) == {0}


def test_dot_grace_period() -> None:
    proc, line = start("--grace", "5", "--access-lifetime", "60")
    try:
        assert line["grace"] == 5
        s = Session(line, "dot")
        tokens = s.code_flow()
        status, first = s.refresh(tokens["refresh_token"])
        assert status == 200
        status, again = s.refresh(tokens["refresh_token"])  # within the grace period
        assert status == 200, again
        # DOT answers the tokens of the first rotation again (an idempotent retry).
        assert again["access_token"] == first["access_token"]
        assert again["refresh_token"] == first["refresh_token"]
        assert stats(s.ep)["reuse_detected"] == 0
        status, second = s.refresh(first["refresh_token"])  # the family is alive
        assert status == 200
        time.sleep(5.2)  # past the grace period: reuse, the family is revoked
        status, answer = s.refresh(first["refresh_token"])
        assert (status, answer["error"]) == (400, "invalid_grant")
        assert stats(s.ep)["reuse_detected"] == 1
        assert s.refresh(second["refresh_token"])[1]["error"] == "invalid_grant"
    finally:
        stop(proc)


def test_dot_device_authorization_needs_client_id_in_form(ready: dict[str, Any]) -> None:
    s = Session(ready, "dot", confidential=True)
    status, answer = s.post(s.ep["device"], {"scope": "read"})  # Basic credentials only
    assert (status, answer["error"]) == (400, "invalid_request")
    s = Session(ready, "authlib", confidential=True)
    assert s.post(s.ep["device"], {"scope": "read"})[0] == 200


@pytest.mark.parametrize("server", SERVERS)
def test_concurrent_refreshes_with_one_token(ready: dict[str, Any], server: str) -> None:
    s = Session(ready, server)
    tokens = s.code_flow()
    barrier = threading.Barrier(4)
    results: list[tuple[int, dict[str, Any]]] = []

    def refresh() -> None:
        barrier.wait()
        results.append(s.refresh(tokens["refresh_token"]))

    threads = [threading.Thread(target=refresh) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ok = [answer for status, answer in results if status == 200]
    if server == "authlib":  # one rotation; the others are reuse and revoke the family
        assert len(ok) == 1
        assert sorted(answer.get("error") for status, answer in results if status != 200) == ["invalid_grant"] * 3
        assert s.refresh(ok[0]["refresh_token"])[1]["error"] == "invalid_grant"
    else:  # DOT: the overlapping requests answer the same new tokens (one that arrives after
        # the rotation was committed is reuse, which this run's timing may produce)
        assert ok and len({answer["refresh_token"] for answer in ok}) == 1
        assert all(status == 200 or answer["error"] == "invalid_grant" for status, answer in results)
        if len(ok) == 4:  # the family lives on
            assert s.refresh(ok[0]["refresh_token"])[0] == 200
