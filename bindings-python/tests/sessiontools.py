"""Helpers for the user-session tests against ``tests/scenarios/session_servers.py`` (real Authlib
and django-oauth-toolkit servers): its control endpoints, the browser's part of a sign-in, the
resource endpoint, and a transport that remembers what authwire sent (to collect the secrets
that must never show in a ``repr``).

The servers' ready line (``session_servers`` fixture of ``conftest.py``) names, for ``authlib``
and ``dot``: ``authorize``, ``token``, ``device``, ``revoke``, ``resource`` and ``control``.
"""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.error import HTTPError
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit
from urllib.request import Request, urlopen

from scenario_scripts import run_scenario_script

import authwire
from authwire.httpx import HttpxTransport

SERVER_MODULES = ("authlib", "flask", "django", "oauth2_provider")
SERVER_NAMES = ("authlib", "dot")
NEEDS = "Authlib, Flask, Django and django-oauth-toolkit"


@contextmanager
def session_servers(*args: str) -> Iterator[dict[str, Any]]:
    """``session_servers.py [args]`` as a child process: its ready line."""
    with run_scenario_script("session_servers.py", SERVER_MODULES, NEEDS, args=args) as ready:
        yield ready


def control(server: dict[str, Any], name: str, body: dict[str, Any] | None = None) -> Any:
    """``POST {control}/<name>`` with ``body`` as JSON; the JSON answer (an error answer raises)."""
    request = Request(
        f"{server['control']}/{name}",
        data=json.dumps(body or {}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def stats(server: dict[str, Any]) -> dict[str, int]:
    """The server's counters (``refresh_ok``, ``invalid_grant``, ``reuse_detected``...)."""
    with urlopen(f"{server['control']}/stats", timeout=30) as response:
        return dict(json.loads(response.read()))


def reset(server: dict[str, Any]) -> None:
    control(server, "reset-stats")


def browser(authorization_url: str, *, deny: bool = False) -> str:
    """The browser's part of a sign-in: ``GET`` the authorization URL (the test user is signed in
    and consents, or refuses with ``deny``) and return the redirect's ``Location``, never
    followed."""
    url = authorization_url + ("&deny=1" if deny else "")
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=30)
    try:
        connection.request("GET", urlunsplit(("", "", parts.path, parts.query, "")))
        response = connection.getresponse()
        response.read()
        location = response.getheader("Location")
        assert response.status in (302, 303) and location, f"the authorize endpoint answered {response.status}"
        return location
    finally:
        connection.close()


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query, keep_blank_values=True)


def with_query(url: str, **changes: str) -> str:
    """``url`` with the query parameters of ``changes`` replaced."""
    parts = urlsplit(url)
    query = {name: values[0] for name, values in parse_qs(parts.query, keep_blank_values=True).items()}
    query.update(changes)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


def resource(server: dict[str, Any], authorization: str) -> int:
    """The status of ``GET {resource}`` with that ``Authorization`` header."""
    try:
        with urlopen(Request(server["resource"], headers={"Authorization": authorization}), timeout=30) as response:
            response.read()
            return int(response.status)
    except HTTPError as error:
        error.read()
        return int(error.code)


def public_flow(
    servers: dict[str, Any], name: str, options: authwire.TokenOptions | None = None
) -> authwire.AuthorizationCodeFlow:
    server, client = servers[name], servers["public_client"]
    return authwire.AuthorizationCodeFlow(
        server["authorize"],
        server["token"],
        client["client_id"],
        client["redirect_uri"],
        scopes=client["scope"].split(),
        options=options,
    )


def sign_in(servers: dict[str, Any], name: str, options: authwire.TokenOptions | None = None) -> authwire.SessionTokens:
    """A PKCE sign-in of the public client at server ``name``: the session's tokens."""
    flow = public_flow(servers, name, options)
    return flow.finish(browser(flow.authorization_url))


def session(
    servers: dict[str, Any],
    name: str,
    tokens: authwire.SessionTokens | None,
    **kwargs: Any,
) -> authwire.TokenManager:
    """A user session of the public client at server ``name``."""
    server = servers[name]
    return authwire.TokenManager.user_session(
        server["token"], servers["public_client"]["client_id"], tokens=tokens, revocation_url=server["revoke"], **kwargs
    )


class SecretKey(authwire.SealingKey):
    """A sealing key of one's own: bytes from a secret store (here, given)."""

    def __init__(self, secret: bytes) -> None:
        self.secret = secret
        self.calls = 0

    def key(self) -> bytes:
        self.calls += 1
        return self.secret

    def __repr__(self) -> str:
        return "SecretKey(<redacted>)"


class RecordingTransport(HttpxTransport):
    """The httpx transport, remembering every form value authwire sent (codes, verifiers, device
    codes, refresh tokens) and every token it received."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self.sent: list[dict[str, list[str]]] = []
        self.received: list[Any] = []

    def send(self, request: authwire.HttpRequest) -> authwire.HttpResponse:
        if request.body:
            with self._lock:
                self.sent.append(parse_qs(request.body.decode("utf-8", "replace")))
        response = super().send(request)
        try:
            document = json.loads(response.body)
        except ValueError:
            document = None
        with self._lock:
            self.received.append(document)
        return response

    def secrets(self) -> set[str]:
        """Every code, verifier, device code, refresh and access token that went either way."""
        found: set[str] = set()
        with self._lock:
            for form in self.sent:
                for name in ("code", "code_verifier", "device_code", "refresh_token", "token"):
                    found.update(form.get(name, []))
            for document in self.received:
                if isinstance(document, dict):
                    for name in ("access_token", "refresh_token", "device_code", "id_token"):
                        if isinstance(document.get(name), str):
                            found.add(document[name])
        return {secret for secret in found if len(secret) >= 8}
