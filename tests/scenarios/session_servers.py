#!/usr/bin/env python3
"""Two real OAuth2 authorization servers on 127.0.0.1 for the USER-SESSION tests of every language
(authorization code + PKCE, refresh-token rotation with reuse detection, the device authorization
grant of RFC 8628, revocation of RFC 7009), started as one subprocess.

Usage: ``python tests/scenarios/session_servers.py [--access-lifetime SECONDS] [--grace SECONDS]``
with its stdin a pipe (defaults 2 and 0). ``--grace`` is django-oauth-toolkit's
``REFRESH_TOKEN_GRACE_PERIOD_SECONDS``; Django's settings are process-global, so a test that wants
a grace period starts a second process. It prints ONE line of JSON on stdout::

    {"authlib": {"base": "http://127.0.0.1:P1", "authorize": "<base>/oauth/authorize",
                 "token": "<base>/oauth/token", "device": "<base>/oauth/device",
                 "revoke": "<base>/oauth/revoke", "resource": "<base>/api/resource",
                 "control": "<base>/control"},
     "dot":     {"base": "http://127.0.0.1:P2", "authorize": "<base>/o/authorize/",
                 "token": "<base>/o/token/", "device": "<base>/o/device-authorization/",
                 "revoke": "<base>/o/revoke_token/", "resource": "<base>/api/resource",
                 "control": "<base>/control"},
     "public_client": {"client_id": "authwire-app", "redirect_uri": "com.example.app:/oauth2redirect",
                       "scope": "openid profile read"},
     "confidential_client": {"client_id": "authwire-desktop", "client_secret": "desktop-secret",
                             "redirect_uri": "http://127.0.0.1/callback", "scope": "read"},
     "user": "alice", "access_lifetime": 2, "grace": 0}

(every endpoint value is a full URL) and serves until its stdin closes (or SIGTERM/SIGINT), then
stops and removes its temporary directory. Nothing else goes to stdout; server errors go to stderr.
Requires Authlib, Flask, Django and django-oauth-toolkit (as ``oauth_servers.py``).

Both servers register both clients: the public one authenticates at the token, device and
revocation endpoints with ``client_id`` in the form and no secret (``none``), the confidential one
with ``client_secret_basic``. Both may use the authorization_code, refresh_token and device_code
grants. A single user, ``alice``, is always signed in and consents to everything.

Library code vs our hooks
-------------------------

``authlib``: Authlib's Flask ``AuthorizationServer`` with ``AuthorizationCodeGrant`` +
``CodeChallenge(required=True)`` (PKCE; its ``SUPPORTED_CODE_CHALLENGE_METHOD`` cut to S256),
``RefreshTokenGrant`` (``INCLUDE_NEW_REFRESH_TOKEN = True``: every refresh answers a new refresh
token), ``DeviceCodeGrant`` + ``DeviceAuthorizationEndpoint`` (``authlib.oauth2.rfc8628``),
``RevocationEndpoint`` and a ``ResourceProtector`` with a ``BearerTokenValidator``. We only write
the storage hooks the docs ask for (in memory). Refresh-token REUSE DETECTION lives in those
documented hooks: ``revoke_old_credential`` marks the used refresh token *rotated* (and revokes its
access token); ``authenticate_refresh_token`` given a rotated refresh token revokes the whole token
family (every access and refresh token descended from the same code or device grant, as Auth0 and
Okta do), counts ``reuse_detected`` and returns ``None``, which Authlib answers ``invalid_grant``.
So that concurrent requests with ONE refresh token cannot both rotate it, ``validate_token_request``
(Authlib's, then ours) claims the token under the store's lock: the first request rotates, every
other one is reuse (family revoked, ``invalid_grant``, and the winner's new tokens are revoked too).
``should_slow_down`` (a DeviceCodeGrant hook) answers from the ``slow_down`` script.

``dot``: django-oauth-toolkit's stock views (Django configured in-process, SQLite in a temporary
directory, MD5 password hasher for start-up speed): ``AuthorizationView``, ``TokenView``,
``DeviceAuthorizationView``, ``RevokeTokenView`` and ``ScopedProtectedResourceMetadataView``.
Settings: ``PKCE_REQUIRED=True``, ``COMPLIANT_BCP_RFC9700_PKCE_METHOD=True`` (S256 only),
``ROTATE_REFRESH_TOKEN=True``,
``REFRESH_TOKEN_REUSE_PROTECTION=True`` (DOT revokes the token family on reuse),
``REFRESH_TOKEN_GRACE_PERIOD_SECONDS=--grace``, ``ACCESS_TOKEN_EXPIRE_SECONDS=--access-lifetime``,
``ALLOWED_REDIRECT_URI_SCHEMES`` with ``com.example.app``, both applications
``skip_authorization=True`` and grant type ``authorization-code``. Our additions, each because DOT
3.4.1 lacks it: an ``OAUTH2_VALIDATOR_CLASS`` subclass that (1) lets the authorization-code
applications also use the device_code grant (a DOT application has ONE grant type), (2) implements
oauthlib's ``validate_device_code`` hook from DOT's ``DeviceGrant`` row (oauthlib 4 requires it;
DOT 3.4.1 does not define it), and (3) counts ``reuse_detected`` around DOT's own
``validate_refresh_token``. In front of ``TokenView``, for device_code polls only: DOT's own
``DeviceGrant.is_expired()`` is called first (DOT's token view never checks the deadline, so an
expired pending code would answer ``authorization_pending`` forever), and the ``slow_down`` script
answers oauthlib's ``SlowDownError`` (DOT has no slow_down: a TODO in its source). The device
authorization view is DOT's with its answer cut to the fields of DOT's ``DeviceCodeResponse``
(oauthlib 4 also echoes ``scope``, which DOT 3.4.1 turns into a 500). SQLite runs IMMEDIATE
transactions, so concurrent token requests queue instead of failing "database is locked".

``authorize`` stands in for the browser step: ``GET {authorize}?response_type=code&client_id
&redirect_uri&scope&state&code_challenge&code_challenge_method[&nonce]`` answers ``302`` to
``<redirect_uri>?code=...&state=...``, or the library's own error redirect
(``?error=...&state=...``). Our query parameter ``deny=1`` (removed before the library sees it)
makes the user refuse: the library's own ``access_denied`` redirect (Authlib:
``create_authorization_response(grant_user=None)``; DOT: ``AuthorizationView``'s POST without
``allow``). An unknown client or a redirect_uri that is not registered answers 400 (no redirect).

``token``: the library's token endpoint; ``device``: the library's device authorization endpoint
(``verification_uri`` ``https://example.com/device``, never visited; ``verification_uri_complete``
``<verification_uri>?user_code=<user_code>``; ``expires_in`` 1800 and ``interval`` 5 unless
scripted; DOT needs ``client_id`` in the form even with Basic credentials, else 400
``invalid_request``); ``revoke``: the library's RFC 7009 endpoint (200 even for an unknown token;
revoking either token of a pair revokes both, on both servers); ``resource``:
``GET`` with ``Authorization: Bearer <access token>`` answers 200 ``{"user": "alice", "scope":
"..."}``, else 401 with the library's own check (Authlib: a JSON body, ``missing_authorization``
without the header, ``invalid_token`` otherwise; DOT: an empty body and ``WWW-Authenticate``).

Control endpoints (ours; JSON in and out; ``POST`` unless said otherwise)
-------------------------------------------------------------------------

``{control}/device/approve`` ``{"user_code"}`` / ``{control}/device/deny`` ``{"user_code"}``
    The user approves/refuses the device (DOT: through its own ``DeviceUserCodeView`` and
    ``DeviceConfirmView``). 200 ``{"ok": true}``, 404 for an unknown or already decided code.
``{control}/device/script`` ``{"interval": N, "expires_in": N, "verification_uri": "...",
"slow_down": K, "count": C}``
    ``interval``/``expires_in``/``verification_uri`` (any subset) are used by the next ``C``
    (default 1) device authorization answers; ``expires_in`` is also the code's real lifetime.
    ``slow_down: K``: the next K polls of a still-PENDING device code answer ``slow_down`` (on both
    servers the library's order is kept: expired, denied and approved codes answer as such).
``{control}/revoke-all``
    Revokes every access and refresh token of the user (an admin action). 200 ``{"revoked": n}``.
``{control}/stall-next-refresh`` ``{"seconds": S}``
    The next refresh_token request is processed completely (rotation committed) and its answer is
    held back S seconds (so a test can kill the client meanwhile).
``{control}/token-answer`` ``{"extra": {...}, "drop": ["refresh_token"], "count": 1}``
    Rewrites the next ``count`` SUCCESSFUL token answers: fields of ``extra`` added or replaced,
    fields of ``drop`` removed (the tokens were still issued and stored).
``GET {control}/stats``
    ``{"refresh_requests", "refresh_ok", "invalid_grant", "reuse_detected", "code_exchanges",
    "device_polls", "revocations"}`` since start or the last reset: token requests by grant type
    (``code_exchanges``, ``device_polls`` and ``refresh_requests`` count every request,
    ``refresh_ok`` the 200 answers), token answers with ``invalid_grant`` (any grant),
    ``reuse_detected`` (a rotated refresh token presented again, family revoked) and revocation
    requests answered 200.
``{control}/reset-stats``
    Zeroes the counters (scripts are left alone).

Token answers: ``{"access_token", "token_type": "Bearer", "expires_in": --access-lifetime,
"refresh_token", "scope"}`` for all three grants (the device grant too); with ``openid`` in the
scope neither server adds an ``id_token`` (no OpenID Connect configured): ``openid`` is an ordinary
scope. Refresh tokens do not expire. Error answers (JSON ``{"error"}``):

===========================================  =====================  =====================
case                                         authlib                dot
===========================================  =====================  =====================
authorize without code_challenge             302 with a code (1)    302 invalid_request
authorize with code_challenge_method=plain   302 invalid_request    302 invalid_request
authorize with ``deny=1``                    302 access_denied      302 access_denied
authorize, scope outside the client's        302 invalid_scope      302 invalid_scope
authorize, unknown client / redirect_uri     400 JSON               400 HTML page
wrong code_verifier                          400 invalid_grant      400 invalid_grant
code used twice                              400 invalid_grant      400 invalid_grant
refresh token of another client              400 invalid_grant      400 invalid_grant
wrong client secret                          401 invalid_client     401 invalid_client
rotated refresh token reused (grace 0)       400 invalid_grant      400 invalid_grant
... the newest refresh token afterwards      400 invalid_grant      400 invalid_grant
rotated refresh token within ``--grace``     (no grace period)      200 (2)
refresh after ``revoke-all`` or revocation   400 invalid_grant      400 invalid_grant
device poll, user not done yet               400 authorization_pending (both)
device poll under a ``slow_down`` script     400 slow_down (both)
device poll after deny                       400 access_denied (both)
device poll after ``expires_in``             400 expired_token (both)
device poll, unknown device_code             400 invalid_request    404 device_not_found
device poll again after success              200, a new token pair (both: the device_code is
                                             not used up by either library)
===========================================  =====================  =====================

CONCURRENT refreshes with one refresh token (requests that overlap in time): Authlib answers one of
them 200 and the others ``invalid_grant`` as reuse, which revokes the family, the winner's new
tokens included; DOT answers all of them 200 with the SAME new tokens (its handling of concurrent
rotation) and the family lives on; a request that arrives after the rotation was committed is
reuse there too. Sequential reuse is ``invalid_grant`` on both.

(1) Authlib's ``CodeChallenge(required=True)`` lets an authorization request without a challenge
through; the exchange of that code by the PUBLIC client (no ``code_verifier``) answers 400
``invalid_request`` ("Missing 'code_verifier'"); a confidential client may redeem it without one.
(2) DOT's grace period is an idempotent retry: the rotated token, presented again within
``--grace`` seconds, answers the SAME access and refresh tokens as its first rotation (no new
family member, no reuse detection); after the grace period it is reuse (family revoked).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import hmac
import io
import itertools
import json
import logging
import os
import secrets
import shutil
import sys
import tempfile
import threading
import time
import types
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from _serving import HOST, Servers, base_url, serve

USER = "alice"
PUBLIC_CLIENT = {
    "client_id": "authwire-app",
    "redirect_uri": "com.example.app:/oauth2redirect",
    "scope": "openid profile read",
}
CONFIDENTIAL_CLIENT = {
    "client_id": "authwire-desktop",
    "client_secret": "desktop-secret",
    "redirect_uri": "http://127.0.0.1/callback",
    "scope": "read",
}
ALL_SCOPES = ["openid", "profile", "read"]
VERIFICATION_URI = "https://example.com/device"
DEVICE_EXPIRES_IN = 1800
DEVICE_INTERVAL = 5
DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
DOT_APP_MODULE = "authwire_session_servers_dot"
STAT_NAMES = (
    "refresh_requests",
    "refresh_ok",
    "invalid_grant",
    "reuse_detected",
    "code_exchanges",
    "device_polls",
    "revocations",
)


def scopes_of(scope: str | None) -> list[str]:
    return scope.split() if scope else []


# --------------------------------------------------------------------------------------------
# The test-control state of one server and the WSGI layer around its token endpoint
# --------------------------------------------------------------------------------------------


class Control:
    """Counters and scripts of one server (all under one lock)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.stats = dict.fromkeys(STAT_NAMES, 0)
        self.device_script: dict[str, Any] = {}
        self.device_script_count = 0
        self.slow_down = 0
        self.stall_seconds = 0.0
        self.answer_extra: dict[str, Any] = {}
        self.answer_drop: list[str] = []
        self.answer_count = 0

    def count(self, name: str, n: int = 1) -> None:
        with self.lock:
            self.stats[name] += n

    def take_device_script(self) -> dict[str, Any]:
        """The overrides for this device authorization answer (used up one at a time)."""
        with self.lock:
            if self.device_script_count <= 0:
                return {}
            self.device_script_count -= 1
            return dict(self.device_script)

    def take_slow_down(self) -> bool:
        with self.lock:
            if self.slow_down > 0:
                self.slow_down -= 1
                return True
            return False


class Hooks:
    """What a server does for the user-side control endpoints."""

    def __init__(
        self,
        decide: Callable[[str, bool], bool],
        revoke_all: Callable[[], int],
    ) -> None:
        self.decide = decide  # (user_code, approve) -> found
        self.revoke_all = revoke_all


def json_answer(start_response: Any, status: int, body: Any) -> list[bytes]:
    data = json.dumps(body).encode()
    reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed"}[status]
    start_response(f"{status} {reason}", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


class ControlledApp:
    """WSGI layer around one server's app: the control endpoints, counting, stalling and rewriting
    token answers. Everything else goes to the library's app unchanged."""

    def __init__(self, app: Any, control: Control, hooks: Hooks, token_path: str, revoke_path: str) -> None:
        self.app = app
        self.control = control
        self.hooks = hooks
        self.token_path = token_path
        self.revoke_path = revoke_path

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/control/"):
            return self.handle_control(path[len("/control/") :], environ, start_response)
        if environ.get("REQUEST_METHOD") == "POST" and path in (self.token_path, self.revoke_path):
            return self.handle_token_or_revoke(path, environ, start_response)
        return self.app(environ, start_response)

    # -- control ------------------------------------------------------------------------------

    def handle_control(self, name: str, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        c = self.control
        if name == "stats":
            with c.lock:
                return json_answer(start_response, 200, dict(c.stats))
        if environ.get("REQUEST_METHOD") != "POST":
            return json_answer(start_response, 405, {"error": "POST expected"})
        body = read_body(environ)
        try:
            args = json.loads(body or b"{}")
        except ValueError:
            return json_answer(start_response, 400, {"error": "JSON body expected"})
        if name in ("device/approve", "device/deny"):
            found = self.hooks.decide(str(args.get("user_code", "")), name == "device/approve")
            return json_answer(start_response, 200 if found else 404, {"ok": found})
        if name == "device/script":
            with c.lock:
                if "slow_down" in args:
                    c.slow_down = int(args["slow_down"])
                script = {k: args[k] for k in ("interval", "expires_in", "verification_uri") if k in args}
                if script:
                    c.device_script = script
                    c.device_script_count = int(args.get("count", 1))
            return json_answer(start_response, 200, {"ok": True})
        if name == "revoke-all":
            return json_answer(start_response, 200, {"revoked": self.hooks.revoke_all()})
        if name == "stall-next-refresh":
            with c.lock:
                c.stall_seconds = float(args.get("seconds", 0))
            return json_answer(start_response, 200, {"ok": True})
        if name == "token-answer":
            with c.lock:
                c.answer_extra = dict(args.get("extra") or {})
                c.answer_drop = list(args.get("drop") or [])
                c.answer_count = int(args.get("count", 1))
            return json_answer(start_response, 200, {"ok": True})
        if name == "reset-stats":
            with c.lock:
                c.stats = dict.fromkeys(STAT_NAMES, 0)
            return json_answer(start_response, 200, {"ok": True})
        return json_answer(start_response, 404, {"error": f"no control endpoint {name!r}"})

    # -- token and revocation -----------------------------------------------------------------

    def handle_token_or_revoke(self, path: str, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        body = read_body(environ)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        form = parse_qs(body.decode("utf-8", "replace"))
        grant_type = (form.get("grant_type") or [""])[0]
        c = self.control
        if path == self.token_path:
            stat = {"refresh_token": "refresh_requests", "authorization_code": "code_exchanges"}.get(grant_type)
            if grant_type == DEVICE_CODE_GRANT:
                stat = "device_polls"
            if stat:
                c.count(stat)

        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured["status"], captured["headers"] = status, headers
            return lambda _data: None

        result = self.app(environ, capture)
        try:
            data = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        status: str = captured["status"]
        headers: list[tuple[str, str]] = captured["headers"]
        code = int(status.split()[0])

        stall = 0.0
        if path == self.revoke_path:
            if code == 200:
                c.count("revocations")
        else:
            answer = parse_json(data)
            if code == 200 and grant_type == "refresh_token":
                c.count("refresh_ok")
            if answer.get("error") == "invalid_grant":
                c.count("invalid_grant")
            with c.lock:
                if grant_type == "refresh_token" and c.stall_seconds > 0:
                    stall, c.stall_seconds = c.stall_seconds, 0.0
                rewrite = code == 200 and c.answer_count > 0
                if rewrite:
                    c.answer_count -= 1
                    extra, drop = dict(c.answer_extra), list(c.answer_drop)
            if rewrite:
                answer.update(extra)
                for name in drop:
                    answer.pop(name, None)
                data = json.dumps(answer).encode()
                headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
                headers.append(("Content-Length", str(len(data))))
        if stall:
            time.sleep(stall)
        start_response(status, headers)
        return [data]


def read_body(environ: dict[str, Any]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    return environ["wsgi.input"].read(length) if length > 0 else b""


def parse_json(data: bytes) -> dict[str, Any]:
    try:
        value = json.loads(data or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


# --------------------------------------------------------------------------------------------
# Authlib (Flask)
# --------------------------------------------------------------------------------------------


def make_authlib_app(control: Control, access_lifetime: int) -> Any:
    from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
    from authlib.oauth2 import OAuth2Error
    from authlib.oauth2.rfc6749 import ClientMixin, InvalidGrantError, TokenMixin, grants
    from authlib.oauth2.rfc6750 import BearerTokenValidator
    from authlib.oauth2.rfc7009 import RevocationEndpoint
    from authlib.oauth2.rfc7636 import CodeChallenge
    from authlib.oauth2.rfc8628 import DeviceAuthorizationEndpoint, DeviceCodeGrant, DeviceCredentialDict
    from flask import Flask, jsonify, request

    class User:
        def __init__(self, name: str) -> None:
            self.name = name

        def get_user_id(self) -> str:
            return self.name

    user = User(USER)

    class Client(ClientMixin):
        def __init__(self, spec: dict[str, Any]) -> None:
            self.client_id: str = spec["client_id"]
            self.client_secret: str | None = spec.get("client_secret")
            self.redirect_uri: str = spec["redirect_uri"]
            self.scope: str = spec["scope"]
            self.auth_method = "client_secret_basic" if self.client_secret else "none"

        def get_client_id(self) -> str:
            return self.client_id

        def get_default_redirect_uri(self) -> str:
            return self.redirect_uri

        def get_allowed_scope(self, scope: str) -> str:
            allowed = set(scopes_of(self.scope))
            return " ".join(s for s in scopes_of(scope) if s in allowed)

        def check_redirect_uri(self, redirect_uri: str) -> bool:
            return redirect_uri == self.redirect_uri

        def check_client_secret(self, client_secret: str) -> bool:
            return self.client_secret is not None and hmac.compare_digest(
                client_secret.encode("utf-8"), self.client_secret.encode("utf-8")
            )

        def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
            return method == self.auth_method

        def check_response_type(self, response_type: str) -> bool:
            return response_type == "code"

        def check_grant_type(self, grant_type: str) -> bool:
            return grant_type in ("authorization_code", "refresh_token", DEVICE_CODE_GRANT)

    clients = {c["client_id"]: Client(c) for c in (PUBLIC_CLIENT, CONFIDENTIAL_CLIENT)}

    class AuthorizationCode:
        def __init__(self, code: str, client_id: str, redirect_uri: str, scope: str, data: dict[str, Any]) -> None:
            self.code = code
            self.client_id = client_id
            self.redirect_uri = redirect_uri
            self.scope = scope
            self.code_challenge = data.get("code_challenge")
            self.code_challenge_method = data.get("code_challenge_method")
            self.nonce = data.get("nonce")
            self.auth_time = int(time.time())
            self.expires_at = time.time() + 300

        def get_redirect_uri(self) -> str:
            return self.redirect_uri

        def get_scope(self) -> str:
            return self.scope

        def get_nonce(self) -> str | None:
            return self.nonce

        def get_auth_time(self) -> int:
            return self.auth_time

        def is_expired(self) -> bool:
            return time.time() >= self.expires_at

    class Token(TokenMixin):
        def __init__(self, token: dict[str, Any], client_id: str, family: int) -> None:
            self.access_token: str = token["access_token"]
            self.refresh_token: str | None = token.get("refresh_token")
            self.client_id = client_id
            self.scope: str = token.get("scope", "")
            self.issued_at = time.time()
            self.expires_in = int(token["expires_in"])
            self.family = family
            self.access_revoked = False
            self.refresh_revoked = False
            self.rotated = False  # this refresh token was used up by a rotation

        def check_client(self, client: Client) -> bool:
            return client.client_id == self.client_id

        def get_scope(self) -> str:
            return self.scope

        def get_expires_in(self) -> int:
            return self.expires_in

        def is_expired(self) -> bool:
            return time.time() >= self.issued_at + self.expires_in

        def is_revoked(self) -> bool:
            return self.access_revoked

        def get_user(self) -> User:
            return user

        def get_client(self) -> Client:
            return clients[self.client_id]

    lock = threading.RLock()
    codes: dict[str, AuthorizationCode] = {}
    by_access: dict[str, Token] = {}
    by_refresh: dict[str, Token] = {}
    devices: dict[str, DeviceCredentialDict] = {}  # device_code -> credential
    decisions: dict[str, bool] = {}  # user_code -> approved
    families = itertools.count(1)

    revoked_families: set[int] = set()

    def revoke_family(family: int) -> None:
        revoked_families.add(family)
        for tok in by_access.values():
            if tok.family == family:
                tok.access_revoked = tok.refresh_revoked = True

    def save_token(token: dict[str, Any], req: Any) -> None:
        with lock:
            old = getattr(req, "refresh_token", None)
            family = old.family if isinstance(old, Token) else next(families)
            tok = Token(token, req.client.client_id, family)
            # A rotation that lost a race with a reuse: its answer's tokens are born revoked.
            tok.access_revoked = tok.refresh_revoked = family in revoked_families
            by_access[tok.access_token] = tok
            if tok.refresh_token:
                by_refresh[tok.refresh_token] = tok

    class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "none"]  # noqa: RUF012

        def save_authorization_code(self, code: str, req: Any) -> None:
            with lock:
                codes[code] = AuthorizationCode(
                    code, req.client.client_id, req.payload.redirect_uri, req.scope, dict(req.payload.data)
                )

        def query_authorization_code(self, code: str, client: Client) -> AuthorizationCode | None:
            with lock:
                item = codes.get(code)
            if item and item.client_id == client.client_id and not item.is_expired():
                return item
            return None

        def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
            with lock:
                codes.pop(authorization_code.code, None)

        def authenticate_user(self, authorization_code: AuthorizationCode) -> User:
            return user

    class S256Only(CodeChallenge):
        SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]  # noqa: RUF012  (Authlib's default adds "plain")

    class RefreshTokenGrant(grants.RefreshTokenGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "none"]  # noqa: RUF012
        INCLUDE_NEW_REFRESH_TOKEN = True

        def authenticate_refresh_token(self, refresh_token: str) -> Token | None:
            with lock:
                tok = by_refresh.get(refresh_token)
                if tok is None:
                    return None
                if tok.rotated:
                    # Reuse of a rotated refresh token: the whole family is revoked.
                    revoke_family(tok.family)
                    control.count("reuse_detected")
                    return None
                return None if tok.refresh_revoked else tok

        def validate_token_request(self) -> None:
            """Authlib's validation, then the refresh token is claimed for this rotation under
            the store's lock: of concurrent requests with one token, one rotates and the others
            are reuse (as if they came after it)."""
            super().validate_token_request()
            with lock:
                tok: Token = self.request.refresh_token
                if tok.rotated or tok.refresh_revoked:
                    if tok.rotated:
                        revoke_family(tok.family)
                        control.count("reuse_detected")
                    raise InvalidGrantError()
                tok.rotated = True  # revoke_old_credential completes the rotation

        def authenticate_user(self, refresh_token: Token) -> User:
            return user

        def revoke_old_credential(self, refresh_token: Token) -> None:
            with lock:
                refresh_token.rotated = True
                refresh_token.refresh_revoked = True
                refresh_token.access_revoked = True

    class DeviceGrant(DeviceCodeGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "none"]  # noqa: RUF012

        def query_device_credential(self, device_code: str) -> DeviceCredentialDict | None:
            with lock:
                return devices.get(device_code)

        def query_user_grant(self, user_code: str) -> tuple[User, bool] | None:
            with lock:
                if user_code not in decisions:
                    return None
                return user, decisions[user_code]

        def should_slow_down(self, credential: DeviceCredentialDict) -> bool:
            return control.take_slow_down()

    class DeviceEndpoint(DeviceAuthorizationEndpoint):
        CLIENT_AUTH_METHODS = ["client_secret_basic", "none"]  # noqa: RUF012
        script_lock = threading.Lock()

        def create_endpoint_response(self, req: Any) -> Any:
            script = control.take_device_script()
            with self.script_lock:  # the answer's values come from these attributes
                self.EXPIRES_IN = int(script.get("expires_in", DEVICE_EXPIRES_IN))
                self.INTERVAL = int(script.get("interval", DEVICE_INTERVAL))
                self.verification_uri = str(script.get("verification_uri", VERIFICATION_URI))
                return super().create_endpoint_response(req)

        def get_verification_uri(self) -> str:
            return self.verification_uri

        def save_device_credential(self, client_id: str, scope: str, data: dict[str, Any]) -> None:
            credential = DeviceCredentialDict(
                client_id=client_id, scope=scope, expires_at=time.time() + data["expires_in"], **data
            )
            with lock:
                devices[data["device_code"]] = credential

    class Revocation(RevocationEndpoint):
        CLIENT_AUTH_METHODS = ["client_secret_basic", "none"]  # noqa: RUF012

        def query_token(self, token_string: str, token_type_hint: str | None) -> Token | None:
            with lock:
                if token_type_hint == "refresh_token":
                    return by_refresh.get(token_string) or by_access.get(token_string)
                return by_access.get(token_string) or by_refresh.get(token_string)

        def revoke_token(self, token: Token, req: Any) -> None:
            with lock:
                token.access_revoked = token.refresh_revoked = True

    class Validator(BearerTokenValidator):
        def authenticate_token(self, token_string: str) -> Token | None:
            with lock:
                return by_access.get(token_string)

    app = Flask("authwire_authlib_sessions")
    app.config.update(
        OAUTH2_SCOPES_SUPPORTED=ALL_SCOPES,
        OAUTH2_REFRESH_TOKEN_GENERATOR=True,  # Authlib's default refresh-token generator
        OAUTH2_TOKEN_EXPIRES_IN={
            "authorization_code": access_lifetime,
            "refresh_token": access_lifetime,
            DEVICE_CODE_GRANT: access_lifetime,
        },
    )
    server = AuthorizationServer(app, query_client=clients.get, save_token=save_token)
    server.register_grant(AuthorizationCodeGrant, [S256Only(required=True)])
    server.register_grant(RefreshTokenGrant)
    server.register_grant(DeviceGrant)
    server.register_endpoint(DeviceEndpoint)
    server.register_endpoint(Revocation)
    require_oauth = ResourceProtector()
    require_oauth.register_token_validator(Validator())

    @app.get("/oauth/authorize")
    def authorize() -> Any:
        deny = request.args.get("deny") == "1"
        if "deny" in request.args:
            args = request.args.copy()
            args.pop("deny")
            request.args = args  # type: ignore[misc]
        req = server.create_oauth2_request(None)
        try:
            grant = server.get_authorization_grant(req)
        except OAuth2Error as error:  # e.g. unsupported_response_type
            error.state = req.payload.state
            return server.handle_error_response(req, error)
        return server.create_authorization_response(req, grant_user=None if deny else user, grant=grant)

    @app.post("/oauth/token")
    def token() -> Any:
        return server.create_token_response()

    @app.post("/oauth/device")
    def device() -> Any:
        return server.create_endpoint_response(DeviceEndpoint.ENDPOINT_NAME)

    @app.post("/oauth/revoke")
    def revoke() -> Any:
        return server.create_endpoint_response(Revocation.ENDPOINT_NAME)

    @app.get("/api/resource")
    def resource() -> Any:
        with require_oauth.acquire() as tok:
            return jsonify(user=tok.get_user().name, scope=tok.scope)

    def decide(user_code: str, approve: bool) -> bool:
        with lock:
            known = any(d["user_code"] == user_code for d in devices.values())
            if not known or user_code in decisions:
                return False
            decisions[user_code] = approve
            return True

    def revoke_all() -> int:
        with lock:
            live = [t for t in by_access.values() if not (t.access_revoked and t.refresh_revoked)]
            for t in live:
                t.access_revoked = t.refresh_revoked = True
            return len(live)

    return ControlledApp(app, control, Hooks(decide, revoke_all), "/oauth/token", "/oauth/revoke")


# --------------------------------------------------------------------------------------------
# django-oauth-toolkit
# --------------------------------------------------------------------------------------------


def make_dot_app(control: Control, access_lifetime: int, grace: int, tmpdir: str) -> Any:
    from django.conf import settings

    module = types.ModuleType(DOT_APP_MODULE)
    sys.modules[DOT_APP_MODULE] = module

    settings.configure(
        DEBUG=False,
        SECRET_KEY=secrets.token_hex(32),
        ALLOWED_HOSTS=[HOST, "localhost"],
        INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes", "oauth2_provider"],
        MIDDLEWARE=[],
        ROOT_URLCONF=DOT_APP_MODULE,
        DATABASES={
            "default": {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": os.path.join(tmpdir, "dot.sqlite3"),
                # IMMEDIATE: a transaction takes the write lock when it begins, so concurrent
                # token requests wait for each other (busy timeout) instead of failing with
                # "database is locked" when a reading transaction would upgrade to writing.
                "OPTIONS": {
                    "timeout": 30,
                    "init_command": "PRAGMA synchronous=OFF",
                    "transaction_mode": "IMMEDIATE",
                },
            }
        },
        # Tables straight from the models instead of replaying the migrations (seconds).
        MIGRATION_MODULES={"auth": None, "contenttypes": None, "oauth2_provider": None},
        USE_TZ=True,
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],  # start-up speed
        LOGGING_CONFIG=None,
        TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}],
        OAUTH2_PROVIDER={
            "SCOPES": {s: s for s in ALL_SCOPES},
            "DEFAULT_SCOPES": ["read"],
            "ACCESS_TOKEN_EXPIRE_SECONDS": access_lifetime,
            "PKCE_REQUIRED": True,
            "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,  # S256 only
            "ROTATE_REFRESH_TOKEN": True,
            "REFRESH_TOKEN_REUSE_PROTECTION": True,
            "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": grace,
            "ALLOWED_REDIRECT_URI_SCHEMES": ["http", "https", "com.example.app"],
            "OAUTH_DEVICE_VERIFICATION_URI": VERIFICATION_URI,
            "OAUTH_DEVICE_VERIFICATION_URI_COMPLETE": VERIFICATION_URI + "?user_code={user_code}",
            "DEVICE_FLOW_INTERVAL": DEVICE_INTERVAL,
            "OAUTH2_VALIDATOR_CLASS": f"{DOT_APP_MODULE}.SessionValidator",
        },
    )
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application
    from django.http import HttpResponse, JsonResponse
    from django.test import RequestFactory
    from django.urls import include, path
    from django.views.decorators.csrf import csrf_exempt
    from oauth2_provider.models import (
        DeviceCodeResponse,
        get_access_token_model,
        get_application_model,
        get_device_grant_model,
        get_refresh_token_model,
        revoke_access_token,
    )
    from oauth2_provider.oauth2_validators import OAuth2Validator
    from oauth2_provider.views import AuthorizationView, DeviceAuthorizationView, TokenView
    from oauth2_provider.views.device import DeviceConfirmView, DeviceUserCodeView
    from oauth2_provider.views.generic import ScopedProtectedResourceMetadataView
    from oauthlib.oauth2.rfc8628 import errors as rfc8628_errors
    from oauthlib.oauth2.rfc8628.grant_types import DeviceCodeGrant as OauthlibDeviceCodeGrant

    access_model = get_access_token_model()
    refresh_model = get_refresh_token_model()
    device_model = get_device_grant_model()

    class SessionValidator(OAuth2Validator):
        """DOT's validator plus what DOT 3.4.1 lacks for these tests (see the module docstring)."""

        def validate_grant_type(
            self, client_id: str, grant_type: str, client: Any, request: Any, *a: Any, **k: Any
        ) -> bool:
            if grant_type == DEVICE_CODE_GRANT and request.client.allows_grant_type(
                request.client.GRANT_AUTHORIZATION_CODE
            ):
                return True
            return super().validate_grant_type(client_id, grant_type, client, request, *a, **k)

        def validate_device_code(self, client_id: str, code: str, request: Any, *a: Any, **k: Any) -> str | None:
            grant = device_model.objects.filter(device_code=code, client_id=client_id).first()
            if grant is None:
                return None
            if grant.is_expired():
                return OauthlibDeviceCodeGrant.DEVICE_CODE_EXPIRED
            status = {
                grant.AUTHORIZED: OauthlibDeviceCodeGrant.DEVICE_CODE_AUTHORIZED,
                grant.AUTHORIZATION_PENDING: OauthlibDeviceCodeGrant.DEVICE_CODE_PENDING,
                grant.DENIED: OauthlibDeviceCodeGrant.DEVICE_CODE_DENIED,
            }.get(grant.status)
            if status == OauthlibDeviceCodeGrant.DEVICE_CODE_AUTHORIZED:
                request.user = grant.user
                request.scopes = scopes_of(grant.scope)
            return status

        def validate_refresh_token(self, refresh_token: str, client: Any, request: Any, *a: Any, **k: Any) -> bool:
            # Superseded = revoked by a rotation (an access token was minted from it), as DOT
            # tells it; looked up before DOT's check, which deletes the family's access tokens.
            checksum = hashlib.sha256(refresh_token.encode("utf-8")).hexdigest()
            rows = list(refresh_model.objects.filter(token_checksum=checksum))
            superseded = (
                bool(rows)
                and all(rt.revoked is not None for rt in rows)
                and any(access_model.objects.filter(source_refresh_token=rt).exists() for rt in rows)
            )
            ok = super().validate_refresh_token(refresh_token, client, request, *a, **k)
            if not ok and superseded:
                control.count("reuse_detected")
            return ok

    module.SessionValidator = SessionValidator  # type: ignore[attr-defined]

    call_command("migrate", run_syncdb=True, verbosity=0, interactive=False)
    test_user = get_user_model().objects.create_user(USER)
    application = get_application_model()
    for spec in (PUBLIC_CLIENT, CONFIDENTIAL_CLIENT):
        confidential = "client_secret" in spec
        application.objects.create(
            client_id=spec["client_id"],
            client_secret=spec.get("client_secret", ""),
            client_type=application.CLIENT_CONFIDENTIAL if confidential else application.CLIENT_PUBLIC,
            authorization_grant_type=application.GRANT_AUTHORIZATION_CODE,
            redirect_uris=spec["redirect_uri"],
            skip_authorization=True,
            name=spec["client_id"],
            algorithm="",
        )

    class DeviceAuthorization(DeviceAuthorizationView):
        """DOT's device authorization view; the answer's fields are cut to those of DOT's
        ``DeviceCodeResponse``: oauthlib 4 also echoes ``scope``, which DOT 3.4.1's
        ``DeviceCodeResponse(**response)`` refuses (a 500 on every request otherwise)."""

        def create_device_authorization_response(self, request: Any) -> Any:
            headers, response, status = super().create_device_authorization_response(request)
            if status == 200:
                known = {f.name for f in dataclasses.fields(DeviceCodeResponse)}
                response = {k: v for k, v in response.items() if k in known}
            return headers, response, status

    factory = RequestFactory()
    authorization_view = AuthorizationView.as_view()
    token_view = TokenView.as_view()
    device_view = DeviceAuthorization.as_view()
    script_lock = threading.Lock()

    @csrf_exempt
    def authorize(request: Any) -> Any:
        """DOT's AuthorizationView for the signed-in test user; ``deny=1`` posts its form refused."""
        params = request.GET.copy()
        deny = params.pop("deny", None) == ["1"]
        if deny:
            form = {
                k: params.get(k, "")
                for k in (
                    "redirect_uri",
                    "scope",
                    "nonce",
                    "client_id",
                    "state",
                    "response_type",
                    "code_challenge",
                    "code_challenge_method",
                    "claims",
                )
            }  # the consent form's fields, without "allow"
            inner = factory.post(request.path, form, HTTP_HOST=request.get_host())
        else:
            inner = factory.get(request.path, params, HTTP_HOST=request.get_host())
        inner.user = test_user
        return authorization_view(inner)

    @csrf_exempt
    def token(request: Any) -> Any:
        if request.POST.get("grant_type") == DEVICE_CODE_GRANT:
            grant = device_model.objects.filter(device_code=request.POST.get("device_code", "")).first()
            # is_expired() (DOT's) marks an expired grant EXPIRED, which TokenView then answers.
            if (
                grant is not None
                and not grant.is_expired()
                and grant.status == grant.AUTHORIZATION_PENDING
                and control.take_slow_down()
            ):
                error = rfc8628_errors.SlowDownError()
                return HttpResponse(error.json, status=error.status_code, content_type="application/json")
        return token_view(request)

    @csrf_exempt
    def device(request: Any) -> Any:
        script = control.take_device_script()
        if not script:
            return device_view(request)
        endpoint = DeviceAuthorization.get_oauthlib_core().server  # oauthlib's DeviceApplicationServer
        with script_lock:
            names = ("_expires_in", "_interval", "_verification_uri", "_verification_uri_complete")
            saved = [getattr(endpoint, name) for name in names]
            endpoint._expires_in = int(script.get("expires_in", endpoint._expires_in))
            endpoint._interval = int(script.get("interval", endpoint._interval))
            if "verification_uri" in script:
                endpoint._verification_uri = str(script["verification_uri"])
                endpoint._verification_uri_complete = endpoint._verification_uri + "?user_code={user_code}"
            try:
                return device_view(request)
            finally:
                for name, value in zip(names, saved):
                    setattr(endpoint, name, value)

    class Resource(ScopedProtectedResourceMetadataView):
        """``GET /api/resource``: DOT's own bearer check."""

        def get_scopes(self, *args: Any, **kwargs: Any) -> list[str]:
            return []

        def verify_request(self, request: Any) -> Any:
            valid, r = super().verify_request(request)
            if valid:
                request.authwire_access_token = r.access_token
            return valid, r

        def get(self, request: Any) -> Any:
            tok = request.authwire_access_token
            return JsonResponse({"user": tok.user.get_username(), "scope": tok.scope})

    module.urlpatterns = [  # type: ignore[attr-defined]
        path("o/authorize/", authorize),
        path("o/token/", token),
        path("o/device-authorization/", device),
        path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
        path("api/resource", Resource.as_view()),
    ]

    user_code_view = DeviceUserCodeView.as_view()
    confirm_view = DeviceConfirmView.as_view()

    def decide(user_code: str, approve: bool) -> bool:
        """The user enters the code and approves or denies, through DOT's own device views."""
        from django.db import connections

        try:
            grant = device_model.objects.filter(user_code=user_code).first()
            if grant is None or grant.status != grant.AUTHORIZATION_PENDING:
                return False
            req = factory.post("/o/device/", {"user_code": user_code}, HTTP_HOST=HOST)
            req.user = test_user
            if user_code_view(req).status_code != 302:
                return False
            req = factory.post("/", {"action": "accept" if approve else "deny"}, HTTP_HOST=HOST)
            req.user = test_user
            return bool(confirm_view(req, client_id=grant.client_id, user_code=user_code).status_code == 302)
        finally:
            connections.close_all()

    def revoke_all() -> int:
        from django.db import connections

        try:
            n = 0
            for tok in access_model.objects.filter(user=test_user):
                revoke_access_token(tok)
                n += 1
            for rt in refresh_model.objects.filter(user=test_user, revoked__isnull=True):
                rt.revoke()
                n += 1
            return n
        finally:
            connections.close_all()

    return ControlledApp(get_wsgi_application(), control, Hooks(decide, revoke_all), "/o/token/", "/o/revoke_token/")


# --------------------------------------------------------------------------------------------


def endpoints(base: str, paths: dict[str, str]) -> dict[str, str]:
    return {"base": base, **{name: base + p for name, p in paths.items()}}


def start(servers: Servers, access_lifetime: int, grace: int, tmpdir: str) -> dict[str, Any]:
    """The two servers, added to ``servers``; the ready line."""
    authlib_server = servers.wsgi(make_authlib_app(Control(), access_lifetime))
    dot_server = servers.wsgi(make_dot_app(Control(), access_lifetime, grace, tmpdir))
    return {
        "authlib": endpoints(
            base_url(authlib_server),
            {
                "authorize": "/oauth/authorize",
                "token": "/oauth/token",
                "device": "/oauth/device",
                "revoke": "/oauth/revoke",
                "resource": "/api/resource",
                "control": "/control",
            },
        ),
        "dot": endpoints(
            base_url(dot_server),
            {
                "authorize": "/o/authorize/",
                "token": "/o/token/",
                "device": "/o/device-authorization/",
                "revoke": "/o/revoke_token/",
                "resource": "/api/resource",
                "control": "/control",
            },
        ),
        "public_client": dict(PUBLIC_CLIENT),
        "confidential_client": dict(CONFIDENTIAL_CLIENT),
        "user": USER,
        "access_lifetime": access_lifetime,
        "grace": grace,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--access-lifetime", type=int, default=2, help="access token lifetime in seconds (2)")
    parser.add_argument("--grace", type=int, default=0, help="DOT's REFRESH_TOKEN_GRACE_PERIOD_SECONDS (0)")
    args = parser.parse_args()

    logging.getLogger("django.request").setLevel(logging.ERROR)  # no 4xx warnings, 5xx kept
    tmpdir = tempfile.mkdtemp(prefix="authwire-sessions-")
    try:
        return serve(lambda servers: start(servers, args.access_lifetime, args.grace, tmpdir))
    finally:
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # Django not configured (start-up failed before it)
            pass
        shutil.rmtree(tmpdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
