"""``TokenManager.client_credentials`` against real OAuth2 authorization servers: Authlib (Flask),
django-oauth-toolkit, and a "literal" server that compares Basic credentials without
percent-decoding them (as Doorkeeper and Cloud Foundry UAA do).

``tests/scenarios/oauth_servers.py`` runs the three, once for this module. Every client of
``tests/scenarios/oauth_clients.json`` (ids and secrets with spaces, ``+``, ``%``, ``:``, ``/``,
``@``, ``=``, non-ASCII) gets a token with ``CLIENT_SECRET_BASIC`` and with
``CLIENT_SECRET_POST``, and the server's own resource protection accepts the header for the
scope ``read``; the literal server does with ``CLIENT_SECRET_BASIC_UNENCODED``. Refusals are
typed ``AuthError.OAuth`` errors that never show the client secret.

The servers need Authlib, Flask, Django and django-oauth-toolkit (the ``test`` extra, Python
3.10+). They run under ``AUTHWIRE_TEST_PYTHON`` when it is set, else under this interpreter
when it has them, else under the repository's ``.venv/bin/python``; without any, these tests
are skipped.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.error import HTTPError
from urllib.parse import quote
from urllib.request import Request, urlopen

import httpx
import pytest
import requests
from scenario_scripts import run_scenario_script

import authwire
from authwire import ClientAuthMethod
from authwire.httpx import HttpxTransport
from authwire.requests import RequestsTransport

REPO = Path(__file__).resolve().parent.parent.parent
CLIENTS: list[dict[str, Any]] = json.loads((REPO / "tests/scenarios/oauth_clients.json").read_text("utf-8"))["clients"]
SERVER_MODULES = ("authlib", "flask", "django", "oauth2_provider")

BASIC = ClientAuthMethod.CLIENT_SECRET_BASIC
POST = ClientAuthMethod.CLIENT_SECRET_POST
UNENCODED = ClientAuthMethod.CLIENT_SECRET_BASIC_UNENCODED

# The client whose id and secret hold every awkward character at once (not "literal": its id
# has a ':'), and one that the literal server knows.
EVERYTHING = next(c for c in CLIENTS if ":" in c["client_id"] and " " in c["client_secret"])
LITERAL_SPACE = next(c for c in CLIENTS if c["literal"] and " " in c["client_secret"])


def client_label(client: dict[str, Any]) -> str:
    return str(client["client_id"])


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, Any]]:
    """oauth_servers.py, started once for the module: its ready line (base URLs, endpoints)."""
    with run_scenario_script(
        "oauth_servers.py", SERVER_MODULES, "Authlib, Flask, Django and django-oauth-toolkit"
    ) as ready:
        yield ready


def token_url(servers: dict[str, Any], server: str, endpoint: str = "token") -> str:
    return str(servers[server]) + str(servers["endpoints"][server][endpoint])


def get_resource(servers: dict[str, Any], server: str, authorization: str) -> tuple[int, Any]:
    url = f"{token_url(servers, server, 'resource')}?scope=read"
    try:
        with urlopen(Request(url, headers={"Authorization": authorization}), timeout=10) as response:
            return response.status, json.loads(response.read())
    except HTTPError as error:
        return error.code, error.read()


def manager_for(
    servers: dict[str, Any],
    server: str,
    client: dict[str, Any],
    method: ClientAuthMethod,
    *,
    secret: str | None = None,
    scopes: list[str] | None = None,
    endpoint: str = "token",
    options: authwire.TokenOptions | None = None,
) -> authwire.TokenManager:
    return authwire.TokenManager.client_credentials(
        token_url(servers, server, endpoint),
        client["client_id"],
        client["client_secret"] if secret is None else secret,
        scopes=["read"] if scopes is None else scopes,
        options=options,
        auth_method=method,
    )


def assert_token_accepted(servers: dict[str, Any], server: str, client: dict[str, Any], header: str) -> None:
    assert header.startswith("Bearer ")
    status, answer = get_resource(servers, server, header)
    assert status == 200, (status, answer)
    assert answer["client_id"] == client["client_id"]
    assert "read" in answer["scope"].split()


def secret_forms(client_id: str, secret: str) -> list[str]:
    """The client secret in every form it travels in, as long as they are worth searching."""
    pct = quote(secret, safe="")
    basic = base64.b64encode(f"{quote(client_id, safe='')}:{pct}".encode()).decode()
    raw_basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    forms = {secret, pct, pct.replace("%20", "+"), basic, raw_basic}
    return [form for form in forms if len(form) >= 4]


def assert_oauth_error(
    error: BaseException, status: int, code: str, client_id: str, secrets: list[str]
) -> authwire.AuthError.OAuth:
    assert isinstance(error, authwire.AuthError.OAuth), repr(error)
    assert (error.status, error.error) == (status, code), repr(error)
    assert str(error).startswith(f"OAuth2 error {code} (HTTP {status})"), str(error)
    rendered = [str(error), repr(error), repr(error.args), error.description]
    for secret in secrets:
        for form in secret_forms(client_id, secret):
            for text in rendered:
                assert form not in text, f"the client secret shows ({form!r}): {text}"
    return error


# --- Every client gets a token that the server's own resource protection accepts ----------------


@pytest.mark.parametrize("method", [BASIC, POST], ids=["basic", "post"])
@pytest.mark.parametrize("server", ["authlib", "dot"])
@pytest.mark.parametrize("client", CLIENTS, ids=client_label)
def test_every_client_gets_an_accepted_token(
    servers: dict[str, Any], server: str, client: dict[str, Any], method: ClientAuthMethod
) -> None:
    manager = manager_for(servers, server, client, method)
    header = manager.authorization()
    assert_token_accepted(servers, server, client, header)
    assert manager.authorization() == header
    assert manager.stats.token_requests == 1


@pytest.mark.parametrize("client", [c for c in CLIENTS if c["literal"]], ids=client_label)
def test_the_literal_server_accepts_unencoded_basic(servers: dict[str, Any], client: dict[str, Any]) -> None:
    header = manager_for(servers, "literal", client, UNENCODED).authorization()
    assert_token_accepted(servers, "literal", client, header)


@pytest.mark.parametrize(
    "client",
    [c for c in CLIENTS if c["literal"] and quote(c["client_secret"], safe="") != c["client_secret"]],
    ids=client_label,
)
def test_the_literal_server_refuses_percent_encoded_basic(servers: dict[str, Any], client: dict[str, Any]) -> None:
    """Why CLIENT_SECRET_BASIC_UNENCODED exists: a server that does not percent-decode sees
    another secret when it is encoded."""
    with pytest.raises(authwire.AuthError) as caught:
        manager_for(servers, "literal", client, BASIC).authorization()
    assert_oauth_error(caught.value, 401, "invalid_client", client["client_id"], [client["client_secret"]])


@pytest.mark.parametrize("kind", ["httpx", "requests"])
@pytest.mark.parametrize("server", ["authlib", "dot"])
def test_through_the_host_transports(servers: dict[str, Any], server: str, kind: str) -> None:
    transport: authwire.BlockingHttpTransport = (
        HttpxTransport(httpx.Client()) if kind == "httpx" else RequestsTransport(requests.Session())
    )
    options = authwire.TokenOptions(transport=transport)
    for method in (BASIC, POST):
        header = manager_for(servers, server, EVERYTHING, method, options=options).authorization()
        assert_token_accepted(servers, server, EVERYTHING, header)


# --- Refusals: typed OAuth errors without the secret ----------------------------------------


@pytest.mark.parametrize(
    ("server", "client", "method"),
    [
        ("authlib", EVERYTHING, BASIC),
        ("authlib", EVERYTHING, POST),
        ("dot", EVERYTHING, BASIC),
        ("dot", EVERYTHING, POST),
        ("literal", LITERAL_SPACE, UNENCODED),
        ("literal", LITERAL_SPACE, POST),
    ],
    ids=["authlib-basic", "authlib-post", "dot-basic", "dot-post", "literal-unencoded", "literal-post"],
)
def test_a_wrong_secret_is_invalid_client(
    servers: dict[str, Any], server: str, client: dict[str, Any], method: ClientAuthMethod
) -> None:
    wrong = client["client_secret"] + "-Wr0ng"
    manager = manager_for(servers, server, client, method, secret=wrong)
    with pytest.raises(authwire.AuthError) as caught:
        manager.authorization()
    assert_oauth_error(caught.value, 401, "invalid_client", client["client_id"], [wrong, client["client_secret"]])
    assert manager.stats.token_requests == 1, "a 4xx is not retried"


@pytest.mark.parametrize(
    ("server", "client", "method"),
    [
        ("authlib", EVERYTHING, BASIC),
        ("dot", EVERYTHING, POST),
        ("literal", LITERAL_SPACE, UNENCODED),
    ],
    ids=["authlib", "dot", "literal"],
)
def test_a_scope_outside_the_clients_is_invalid_scope(
    servers: dict[str, Any], server: str, client: dict[str, Any], method: ClientAuthMethod
) -> None:
    with pytest.raises(authwire.AuthError) as caught:
        manager_for(servers, server, client, method, scopes=["admin"]).authorization()
    assert_oauth_error(caught.value, 400, "invalid_scope", client["client_id"], [client["client_secret"]])


@pytest.mark.parametrize("method", [BASIC, POST], ids=["basic", "post"])
@pytest.mark.parametrize("server", ["authlib", "dot"])
def test_an_endpoint_without_client_credentials_is_unsupported_grant_type(
    servers: dict[str, Any], server: str, method: ClientAuthMethod
) -> None:
    with pytest.raises(authwire.AuthError) as caught:
        manager_for(servers, server, EVERYTHING, method, endpoint="no_cc").authorization()
    assert_oauth_error(
        caught.value, 400, "unsupported_grant_type", EVERYTHING["client_id"], [EVERYTHING["client_secret"]]
    )


@pytest.mark.parametrize("server", ["authlib", "dot"])
def test_a_client_without_the_grant_is_unauthorized_client(servers: dict[str, Any], server: str) -> None:
    client = servers["unauthorized_client"]
    assert server in client["servers"]
    with pytest.raises(authwire.AuthError) as caught:
        manager_for(servers, server, client, BASIC).authorization()
    assert_oauth_error(caught.value, 400, "unauthorized_client", client["client_id"], [client["client_secret"]])


@pytest.mark.parametrize("client", [c for c in CLIENTS if ":" in c["client_id"]], ids=client_label)
def test_a_colon_in_the_client_id_cannot_be_sent_unencoded(servers: dict[str, Any], client: dict[str, Any]) -> None:
    assert not client["literal"]
    with pytest.raises(authwire.AuthError.InvalidConfiguration) as caught:
        manager_for(servers, "literal", client, UNENCODED)
    text = str(caught.value)
    assert text.startswith("invalid configuration: ") and "':'" in text, text
    for form in secret_forms(client["client_id"], client["client_secret"]):
        assert form not in text and form not in repr(caught.value)
