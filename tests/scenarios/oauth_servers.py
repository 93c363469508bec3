#!/usr/bin/env python3
"""Three real OAuth2 authorization servers on 127.0.0.1 for the client-credentials tests of every
language (RFC 6749 section 4.4), started as one subprocess.

Usage: ``python tests/scenarios/oauth_servers.py [--clients FILE]`` with its stdin a pipe. It
registers every client of ``FILE`` (default: ``oauth_clients.json`` next to this script), starts
the three servers below on free ports, then prints ONE line of JSON on stdout::

    {"authlib": "http://127.0.0.1:P1", "dot": "http://127.0.0.1:P2", "literal": "http://127.0.0.1:P3",
     "endpoints": {"authlib": {"token": "/oauth/token", "resource": "/api/resource", "no_cc": "/oauth/token-no-cc"},
                   "dot": {"token": "/o/token/", "resource": "/api/resource", "no_cc": "/o/token-no-cc/"},
                   "literal": {"token": "/oauth/token", "resource": "/api/resource", "no_cc": null}},
     "clients_file": "/abs/path/oauth_clients.json",
     "unauthorized_client": {"client_id": "authwire-auth-code-only", "client_secret": "auth-code-only-secret",
                             "servers": ["authlib", "dot"]}}

and serves until its stdin closes (or SIGTERM/SIGINT), then stops and removes its temporary
directory. Nothing else is written to stdout; diagnostics (server errors only) go to stderr.
Requires Authlib, Flask, Django and django-oauth-toolkit (the ``test`` extra of bindings-python).

Servers (each a threaded WSGI/HTTP server on its own port):

``authlib``
    Authlib's Flask ``AuthorizationServer`` with ``ClientCredentialsGrant`` accepting
    ``client_secret_basic`` and ``client_secret_post``; tokens in memory. Basic credentials are
    percent-decoded with ``urllib.parse.unquote`` (a '+' stays '+'). ``no_cc`` is a second
    ``AuthorizationServer`` with no grant registered. Scopes: the server supports the union of
    the clients' scopes (``OAUTH2_SCOPES_SUPPORTED``, Authlib's own check), and a grant subclass
    also refuses a scope outside the client's ``scope`` with Authlib's ``InvalidScopeError``.
``dot``
    django-oauth-toolkit (Django configured in-process, SQLite in a temporary directory): the
    stock ``TokenView``; applications are confidential, grant ``client-credentials``, secrets
    hashed by DOT (with Django's MD5 hasher, for start-up speed). Basic credentials are
    percent-decoded with ``unquote_plus`` (a '+' becomes a space). Per-client scopes come from
    a DOT scopes backend. ``no_cc`` is ``TokenView`` with oauthlib's ``WebApplicationServer``
    (authorization code and refresh token grants only).
``literal``
    The standard library's ``http.server``: the Basic credentials are base64-decoded (UTF-8)
    and split at the first ':' with NO percent-decoding (as Doorkeeper and Cloud Foundry UAA
    do). Only clients with ``"literal": true`` are registered. It also accepts
    ``client_secret_post`` (form fields, ordinary form decoding).

Token endpoint (all servers): ``POST`` form ``grant_type=client_credentials[&scope=...]``.
Success: 200 ``{"access_token", "token_type": "Bearer", "expires_in": 3600, "scope"}``; with no
``scope`` parameter the token gets every scope of the client. Errors (JSON ``{"error": ...}``):

====================================  ===========  ===========  ===========
case                                  authlib      dot          literal
====================================  ===========  ===========  ===========
wrong secret / unknown id / no auth   401          401          401          invalid_client
scope outside the client's (admin)    400          400          400          invalid_scope
``no_cc`` endpoint                    400          400          (none)       unsupported_grant_type
unknown grant_type (urn:example:x)    400          400          400          unsupported_grant_type
``unauthorized_client`` credentials   400          400          (none)       unauthorized_client
====================================  ===========  ===========  ===========

DOT's ``token`` endpoint is oauthlib's full ``Server``: ``grant_type=password`` there answers
400 ``invalid_request`` (missing username), not ``unsupported_grant_type``; use ``no_cc`` or an
unknown grant type for the latter. Error bodies of Authlib carry an ``error_description``.

``unauthorized_client`` is a confidential client registered only for the authorization-code
grant (on Authlib and DOT): a client-credentials request with it is refused with that error.

Resource (all servers): ``GET /api/resource?scope=read`` with ``Authorization: Bearer <token>``
(``scope`` optional, space-separated scopes are all required) answers 200
``{"client_id": ..., "scope": "<token scope>"}``; a missing, unknown or expired token 401
``invalid_token`` (Authlib: ``missing_authorization`` when there is no Authorization header),
a token without the scope 403 ``insufficient_scope``. Authlib and the literal server answer a
JSON error body; DOT (``ScopedProtectedResourceMetadataView``) an empty body with the error in
``WWW-Authenticate``. Protection is each server's own: Authlib's
``ResourceProtector``/``BearerTokenValidator`` (``require_oauth.acquire(scope)``) and DOT's
``ScopedProtectedResourceMetadataView`` whose ``get_scopes()`` reads the query.
"""

from __future__ import annotations

import argparse
import base64
import hmac
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
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from _serving import HOST, Servers, base_url, serve

EXPIRES_IN = 3600
# A confidential client allowed only the authorization-code grant (Authlib and DOT).
AUTH_CODE_ONLY = {"client_id": "authwire-auth-code-only", "client_secret": "auth-code-only-secret"}
DOT_APP_MODULE = "authwire_oauth_servers_dot"


def scopes_of(scope: str | None) -> list[str]:
    return scope.split() if scope else []


def load_clients(path: str) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as f:
        return list(json.load(f)["clients"])


def all_scopes(clients: list[dict[str, Any]]) -> list[str]:
    return sorted({s for c in clients for s in scopes_of(c["scope"])})


# --------------------------------------------------------------------------------------------
# Authlib (Flask)
# --------------------------------------------------------------------------------------------


def make_authlib_app(clients: list[dict[str, Any]]) -> Any:
    from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
    from authlib.oauth2.rfc6749 import ClientMixin, InvalidScopeError, TokenMixin, grants
    from authlib.oauth2.rfc6750 import BearerTokenValidator
    from flask import Flask, jsonify, request

    class Client(ClientMixin):
        def __init__(self, client_id: str, client_secret: str, scope: str, grant_types: list[str]) -> None:
            self.client_id = client_id
            self.client_secret = client_secret
            self.scope = scope
            self.grant_types = grant_types

        def get_client_id(self) -> str:
            return self.client_id

        def get_default_redirect_uri(self) -> None:
            return None

        def get_allowed_scope(self, scope: str) -> str:
            allowed = set(scopes_of(self.scope))
            return " ".join(s for s in scopes_of(scope) if s in allowed)

        def check_redirect_uri(self, redirect_uri: str) -> bool:
            return False

        def check_client_secret(self, client_secret: str) -> bool:
            return hmac.compare_digest(client_secret.encode("utf-8"), self.client_secret.encode("utf-8"))

        def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
            return endpoint == "token" and method in ("client_secret_basic", "client_secret_post")

        def check_response_type(self, response_type: str) -> bool:
            return False

        def check_grant_type(self, grant_type: str) -> bool:
            return grant_type in self.grant_types

    class Token(TokenMixin):
        def __init__(self, access_token: str, client_id: str, scope: str, expires_in: int) -> None:
            self.access_token = access_token
            self.client_id = client_id
            self.scope = scope
            self.issued_at = time.time()
            self.expires_in = expires_in

        def check_client(self, client: Client) -> bool:
            return client.client_id == self.client_id

        def get_scope(self) -> str:
            return self.scope

        def get_expires_in(self) -> int:
            return self.expires_in

        def is_expired(self) -> bool:
            return time.time() >= self.issued_at + self.expires_in

        def is_revoked(self) -> bool:
            return False

        def get_user(self) -> None:
            return None

        def get_client(self) -> Client:
            return registry[self.client_id]

    registry: dict[str, Client] = {
        c["client_id"]: Client(c["client_id"], c["client_secret"], c["scope"], ["client_credentials"]) for c in clients
    }
    registry[AUTH_CODE_ONLY["client_id"]] = Client(
        AUTH_CODE_ONLY["client_id"], AUTH_CODE_ONLY["client_secret"], "read", ["authorization_code"]
    )
    tokens: dict[str, Token] = {}
    lock = threading.Lock()

    def query_client(client_id: str) -> Client | None:
        return registry.get(client_id)

    def save_token(token: dict[str, Any], req: Any) -> None:
        with lock:
            tokens[token["access_token"]] = Token(
                token["access_token"], req.client.client_id, token.get("scope", ""), int(token["expires_in"])
            )

    class ClientCredentials(grants.ClientCredentialsGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]  # noqa: RUF012

        def validate_requested_scope(self) -> None:
            super().validate_requested_scope()  # the server-wide OAUTH2_SCOPES_SUPPORTED
            requested = set(scopes_of(self.request.payload.scope))
            if not requested <= set(scopes_of(self.request.client.scope)):
                raise InvalidScopeError()

        def generate_token(self, *args: Any, scope: str | None = None, **kwargs: Any) -> Any:
            # No scope requested: the client's whole registered scope (as DOT's default scopes).
            return super().generate_token(*args, scope=scope or self.request.client.scope, **kwargs)

    class Validator(BearerTokenValidator):
        def authenticate_token(self, token_string: str) -> Token | None:
            with lock:
                return tokens.get(token_string)

    app = Flask("authwire_authlib")
    app.config.update(
        OAUTH2_SCOPES_SUPPORTED=all_scopes(clients),
        OAUTH2_TOKEN_EXPIRES_IN={"client_credentials": EXPIRES_IN},
    )
    server = AuthorizationServer(app, query_client=query_client, save_token=save_token)
    server.register_grant(ClientCredentials)
    # The same clients, but no grant at all: every grant_type is unsupported_grant_type.
    no_cc = AuthorizationServer(app, query_client=query_client, save_token=save_token)
    require_oauth = ResourceProtector()
    require_oauth.register_token_validator(Validator())

    @app.post("/oauth/token")
    def token() -> Any:
        return server.create_token_response()

    @app.post("/oauth/token-no-cc")
    def token_no_cc() -> Any:
        return no_cc.create_token_response()

    @app.get("/api/resource")
    def resource() -> Any:
        scope = request.args.get("scope") or None
        with require_oauth.acquire(scope) as tok:
            return jsonify(client_id=tok.client_id, scope=tok.scope)

    return app


# --------------------------------------------------------------------------------------------
# django-oauth-toolkit
# --------------------------------------------------------------------------------------------


class DotClientScopes:
    """DOT scopes backend (``SCOPES_BACKEND_CLASS``): each application may request its own scopes."""

    allowed: dict[str, list[str]] = {}  # noqa: RUF012  client_id -> scopes, filled before serving
    every: dict[str, str] = {}  # noqa: RUF012

    def get_all_scopes(self) -> dict[str, str]:
        return self.every

    def get_available_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        if application is None:
            return list(self.every)
        return self.allowed.get(application.client_id, [])

    def get_default_scopes(self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any) -> list[str]:
        return self.get_available_scopes(application, request)


def make_dot_app(clients: list[dict[str, Any]], tmpdir: str) -> Any:
    from django.conf import settings

    DotClientScopes.every = {s: s for s in all_scopes(clients)}
    DotClientScopes.allowed = {c["client_id"]: scopes_of(c["scope"]) for c in clients}
    DotClientScopes.allowed[AUTH_CODE_ONLY["client_id"]] = ["read"]
    module = types.ModuleType(DOT_APP_MODULE)
    module.DotClientScopes = DotClientScopes  # type: ignore[attr-defined]
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
                # A throw-away database: no fsync.
                "OPTIONS": {"timeout": 30, "init_command": "PRAGMA synchronous=OFF"},
            }
        },
        # Tables straight from the current models (migrate's run_syncdb) instead of replaying
        # the apps' ~36 migrations, which takes seconds.
        MIGRATION_MODULES={"auth": None, "contenttypes": None, "oauth2_provider": None},
        USE_TZ=True,
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
        # DOT hashes client secrets with Django's password hashers; PBKDF2's million rounds
        # would cost ~0.5 s per client at start-up and per token request.
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        LOGGING_CONFIG=None,
        OAUTH2_PROVIDER={
            "SCOPES": DotClientScopes.every,
            "DEFAULT_SCOPES": list(DotClientScopes.every),
            "SCOPES_BACKEND_CLASS": f"{DOT_APP_MODULE}.DotClientScopes",
            "ACCESS_TOKEN_EXPIRE_SECONDS": EXPIRES_IN,
        },
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application
    from django.http import JsonResponse
    from django.urls import path
    from oauth2_provider.models import get_application_model
    from oauth2_provider.views import TokenView
    from oauth2_provider.views.generic import ScopedProtectedResourceMetadataView
    from oauthlib.oauth2 import WebApplicationServer

    call_command("migrate", run_syncdb=True, verbosity=0, interactive=False)
    application = get_application_model()
    for c in clients:
        application.objects.create(
            client_id=c["client_id"],
            client_secret=c["client_secret"],  # DOT hashes it on save (hash_client_secret=True)
            client_type=application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=application.GRANT_CLIENT_CREDENTIALS,
            name=c.get("note", "")[:255],
        )
    application.objects.create(
        client_id=AUTH_CODE_ONLY["client_id"],
        client_secret=AUTH_CODE_ONLY["client_secret"],
        client_type=application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="http://127.0.0.1/callback",
        name="authorization code only",
    )

    class NoClientCredentialsTokenView(TokenView):
        """DOT's token view over oauthlib's WebApplicationServer (authorization_code, refresh_token)."""

        server_class = WebApplicationServer

        @classmethod
        def get_oauthlib_core(cls) -> Any:
            # OAuthLibMixin caches the core in a class attribute, which a subclass would inherit
            # from TokenView; keep this view's own.
            if "_oauthlib_core" not in cls.__dict__:
                cls._oauthlib_core = cls.get_oauthlib_backend_class()(cls.get_server())
            return cls._oauthlib_core

    class Resource(ScopedProtectedResourceMetadataView):
        """``GET /api/resource?scope=...``: DOT's own bearer check, scopes from the query."""

        def get_scopes(self, *args: Any, **kwargs: Any) -> list[str]:
            return scopes_of(self.request.GET.get("scope"))

        def verify_request(self, request: Any) -> Any:
            valid, r = super().verify_request(request)
            if valid:
                request.authwire_access_token = r.access_token
            return valid, r

        def get(self, request: Any) -> Any:
            tok = request.authwire_access_token
            return JsonResponse({"client_id": tok.application.client_id, "scope": tok.scope})

    module.urlpatterns = [  # type: ignore[attr-defined]
        path("o/token/", TokenView.as_view()),
        path("o/token-no-cc/", NoClientCredentialsTokenView.as_view()),
        path("api/resource", Resource.as_view()),
    ]
    return get_wsgi_application()


# --------------------------------------------------------------------------------------------
# Literal server (standard library)
# --------------------------------------------------------------------------------------------


class LiteralHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: LiteralServer

    def log_message(self, fmt: str, *args: Any) -> None:
        pass

    def reply(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace")
        if urlsplit(self.path).path != "/oauth/token":
            self.reply(404, {"error": "not_found"})
            return
        form = {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
        grant_type = form.get("grant_type")
        if not grant_type:
            self.reply(400, {"error": "invalid_request", "error_description": "grant_type is missing"})
            return
        if grant_type != "client_credentials":
            self.reply(400, {"error": "unsupported_grant_type"})
            return
        credentials = self.basic_credentials()
        if credentials is None and "client_id" in form:
            credentials = (form["client_id"], form.get("client_secret", ""))
        client = self.server.clients.get(credentials[0]) if credentials else None
        if client is None or not hmac.compare_digest(
            client["client_secret"].encode("utf-8"),
            credentials[1].encode("utf-8"),  # type: ignore[index]
        ):
            self.reply(401, {"error": "invalid_client"}, {"WWW-Authenticate": 'Basic realm="literal"'})
            return
        requested = scopes_of(form.get("scope"))
        allowed = scopes_of(client["scope"])
        if not set(requested) <= set(allowed):
            self.reply(400, {"error": "invalid_scope"})
            return
        scope = " ".join(requested or allowed)
        token = secrets.token_urlsafe(24)
        with self.server.lock:
            self.server.tokens[token] = (client["client_id"], scope, time.time() + EXPIRES_IN)
        self.reply(200, {"access_token": token, "token_type": "Bearer", "expires_in": EXPIRES_IN, "scope": scope})

    def basic_credentials(self) -> tuple[str, str] | None:
        """``id:secret`` from ``Authorization: Basic``, split at the first ':', NOT percent-decoded."""
        auth = self.headers.get("Authorization") or ""
        scheme, _, value = auth.partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except ValueError:  # binascii.Error and UnicodeDecodeError
            return None
        client_id, sep, client_secret = decoded.partition(":")
        return (client_id, client_secret) if sep else None

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path != "/api/resource":
            self.reply(404, {"error": "not_found"})
            return
        required = scopes_of(parse_qs(url.query).get("scope", [""])[0])
        scheme, _, token = (self.headers.get("Authorization") or "").partition(" ")
        with self.server.lock:
            entry = self.server.tokens.get(token.strip()) if scheme.lower() == "bearer" else None
        if entry is None or entry[2] <= time.time():
            self.reply(401, {"error": "invalid_token"}, {"WWW-Authenticate": 'Bearer error="invalid_token"'})
            return
        client_id, scope, _expires = entry
        if not set(required) <= set(scope.split()):
            self.reply(403, {"error": "insufficient_scope"}, {"WWW-Authenticate": 'Bearer error="insufficient_scope"'})
            return
        self.reply(200, {"client_id": client_id, "scope": scope})


class LiteralServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, clients: list[dict[str, Any]]) -> None:
        super().__init__((HOST, 0), LiteralHandler)
        self.clients = {c["client_id"]: c for c in clients if c.get("literal")}
        self.tokens: dict[str, tuple[str, str, float]] = {}
        self.lock = threading.Lock()


# --------------------------------------------------------------------------------------------


def start(servers: Servers, clients_file: str, tmpdir: str) -> dict[str, Any]:
    """The three servers, added to ``servers``; the ready line."""
    clients = load_clients(clients_file)
    authlib_server = servers.wsgi(make_authlib_app(clients))
    dot_server = servers.wsgi(make_dot_app(clients, tmpdir))
    literal_server = servers.add(LiteralServer(clients))
    return {
        "authlib": base_url(authlib_server),
        "dot": base_url(dot_server),
        "literal": base_url(literal_server),
        "endpoints": {
            "authlib": {"token": "/oauth/token", "resource": "/api/resource", "no_cc": "/oauth/token-no-cc"},
            "dot": {"token": "/o/token/", "resource": "/api/resource", "no_cc": "/o/token-no-cc/"},
            "literal": {"token": "/oauth/token", "resource": "/api/resource", "no_cc": None},
        },
        "clients_file": clients_file,
        "unauthorized_client": {**AUTH_CODE_ONLY, "servers": ["authlib", "dot"]},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--clients",
        default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "oauth_clients.json"),
        help="the clients file (default: oauth_clients.json next to this script)",
    )
    args = parser.parse_args()
    clients_file = os.path.abspath(args.clients)

    logging.getLogger("django.request").setLevel(logging.ERROR)  # no 4xx warnings, 5xx kept
    tmpdir = tempfile.mkdtemp(prefix="authwire-oauth-")
    try:
        return serve(lambda servers: start(servers, clients_file, tmpdir))
    finally:
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # Django not configured (start-up failed before it)
            pass
        shutil.rmtree(tmpdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
