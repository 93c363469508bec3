"""Every documented provider answer of ``tests/scenarios/providers.json``, through
``TokenManager.client_credentials``, with the core's built-in client and through the httpx and
requests transports.

The shared scenario server (``tests/scenarios/server.py``, the ``scenario_server`` fixture of
conftest.py) answers ``POST /provider/<fixture-id>.<unique>/token`` with the fixture's status,
Content-Type and body, byte for byte. Each test checks the header the caller gets (``Bearer`` +
the token verbatim), the token's lifetime, what the request carried (``GET .../last``) and that
the provider's API accepts the header (``GET .../resource``); a refused answer (a ``DPoP`` or
``mac`` token type) must raise ``AuthError.InvalidResponse`` naming the type and no token.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any
from urllib.error import HTTPError
from urllib.parse import parse_qs
from urllib.request import Request, urlopen

import httpx
import pytest
import requests

import authwire
from authwire.httpx import HttpxTransport
from authwire.requests import RequestsTransport
from localserver import ms

PROVIDERS_PATH = (Path(__file__).parent / "../../tests/scenarios/providers.json").resolve()
FIXTURES: list[dict[str, Any]] = json.loads(PROVIDERS_PATH.read_text(encoding="utf-8"))["fixtures"]
TRANSPORTS = ["builtin", "httpx", "requests"]
DEFAULT_LIFETIME_S = 3600  # TokenOptions.default_lifetime_secs
TOLERANCE_MS = 2000


def test_the_fixtures_are_all_here() -> None:
    ids = [fixture["id"] for fixture in FIXTURES]
    assert len(ids) >= 22 and len(set(ids)) == len(ids), ids
    refused = [fixture["id"] for fixture in FIXTURES if "error" in fixture["expect"]]
    assert {"dpop-refused", "mac-refused"} <= set(refused)


def options(kind: str) -> authwire.TokenOptions:
    if kind == "httpx":
        return authwire.TokenOptions(transport=HttpxTransport(httpx.Client()))
    if kind == "requests":
        return authwire.TokenOptions(transport=RequestsTransport(requests.Session()))
    return authwire.TokenOptions()


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    try:
        with urlopen(Request(url, headers=headers or {}), timeout=10) as response:
            return response.status, response.read()
    except HTTPError as error:
        return error.code, error.read()


def issued_token(fixture: dict[str, Any]) -> str:
    """The ``access_token`` of the fixture's body (JSON, or a form for GitHub)."""
    body = fixture["body_text"]
    if fixture["content_type"].startswith("application/x-www-form-urlencoded"):
        return str(parse_qs(body)["access_token"][0])
    return str(json.loads(body)["access_token"])


@pytest.mark.parametrize("kind", TRANSPORTS)
@pytest.mark.parametrize("fixture", FIXTURES, ids=[fixture["id"] for fixture in FIXTURES])
def test_provider_answer(scenario_server: str, fixture: dict[str, Any], kind: str) -> None:
    namespace = f"{scenario_server}/provider/{fixture['id']}.{kind}-{uuid.uuid4().hex}"
    manager = authwire.TokenManager.client_credentials(
        f"{namespace}/token", "client-id", "client-secret", options=options(kind)
    )
    expect = fixture["expect"]

    if "error" in expect:
        assert expect["error"] == "invalid_response"
        with pytest.raises(authwire.AuthError.InvalidResponse) as caught:
            manager.authorization()
        refused = issued_token(fixture)
        for shown in (str(caught.value), repr(caught.value), repr(caught.value.args)):
            assert expect["names"] in shown, shown
            assert refused not in shown, f"the refused token shows: {shown}"
            assert "client-secret" not in shown
        status, body = get(f"{namespace}/stats")
        assert status == 200 and json.loads(body)["token_requests"] == 1, "a refused answer is not retried"
    else:
        token = manager.token()
        assert token.authorization == expect["authorization"]
        assert token.value == expect["authorization"].removeprefix("Bearer ")
        assert manager.authorization() == expect["authorization"]
        lifetime_s = expect["lifetime_s"] if expect["lifetime_s"] is not None else DEFAULT_LIFETIME_S
        assert abs(ms(token.expires_in) - lifetime_s * 1000) <= TOLERANCE_MS, (ms(token.expires_in), lifetime_s)
        # The provider's API accepts the header as the caller sends it.
        status, _ = get(f"{namespace}/resource", {"Authorization": manager.authorization()})
        assert status == 200

    status, body = get(f"{namespace}/last")
    assert status == 200
    last = json.loads(body)
    assert last["method"] == "POST"
    assert last["headers"]["accept"] == "application/json"
    assert last["headers"]["content-type"] == "application/x-www-form-urlencoded"
    assert last["headers"]["authorization"] == authwire.basic_auth("client-id", "client-secret")
    assert last["body_text"] == "grant_type=client_credentials"
