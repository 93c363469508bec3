#!/usr/bin/env python3
"""Servers on 127.0.0.1 that VERIFY the JWT assertions the token managers sign: Google service
accounts (RFC 7523 section 2.1 grant and self-signed JWTs), GitHub Apps, App Store Connect, and
``private_key_jwt`` client authentication (RFC 7523 section 2.2) on a real Authlib server.

Usage: ``python tests/scenarios/jwt_servers.py`` with its stdin a pipe. It generates fresh keys,
starts two servers on free ports, prints ONE line of JSON on stdout and serves until its stdin
closes (or SIGTERM/SIGINT). Nothing else goes to stdout; diagnostics (server errors only) go to
stderr. Requires cryptography, PyJWT, Authlib and Flask.

Ready line (one line; wrapped here)::

    {"base": "http://127.0.0.1:P", "authlib": "http://127.0.0.1:P2",
     "keys": {"rsa_pkcs8": PEM, "rsa_pkcs1": PEM, "ec_pkcs8": PEM, "ec_sec1": PEM,
              "wrong_rsa_pkcs8": PEM, "ec_p384_pkcs8": PEM, "rsa_encrypted": PEM,
              "rsa_public_pem": PEM, "ec_public_pem": PEM},
     "google_key_json": {"type": "service_account", "project_id": "authwire-test",
                         "private_key_id": "<40 hex>", "private_key": <rsa_pkcs8>,
                         "client_email": "svc@authwire-test.iam.gserviceaccount.com",
                         "client_id": "<21 digits>", "token_uri": "<base>/google/0/token", ...},
     "github": {"app_id": "123456", "installation_id": 987654, "api": "<base>/github/0"},
     "asc": {"issuer_id": "57246542-96fe-1a63-e053-0824d011072a", "key_id": "2X9R4HXF34"},
     "private_key_jwt": {"client_id": "authwire-pkjwt", "token_url": "<authlib>/oauth/token",
                         "scope": "read write"}}

Keys (PEM strings, generated at every start):

- ``rsa_pkcs8`` (``BEGIN PRIVATE KEY``) and ``rsa_pkcs1`` (``BEGIN RSA PRIVATE KEY``): the same
  RSA-2048 key, the built-in key of Google, GitHub and ``private_key_jwt``.
- ``ec_pkcs8`` and ``ec_sec1`` (``BEGIN EC PRIVATE KEY``): the same P-256 key, the built-in key
  of App Store Connect and ``private_key_jwt`` (ES256).
- ``wrong_rsa_pkcs8``: another RSA-2048 key no server knows (bad-signature tests).
- ``ec_p384_pkcs8``: a P-384 key (unsupported-curve tests; ES256 verifiers refuse it).
- ``rsa_encrypted`` (``BEGIN ENCRYPTED PRIVATE KEY``): the RSA key as encrypted PKCS#8 with
  password ``pw`` (PBES2: PBKDF2-HMAC-SHA256, AES-256-CBC).
- ``rsa_public_pem``, ``ec_public_pem``: SubjectPublicKeyInfo of the RSA and P-256 keys.

Key ids. One table maps a JWT header ``kid`` to a public key. It starts with two entries: the
Google ``private_key_id`` -> the RSA key and the ASC ``key_id`` -> the P-256 key. A test adds
its own key with ``PUT <base>/keys/<kid>``, body a public key as PEM (``BEGIN PUBLIC KEY`` or
``BEGIN RSA PUBLIC KEY``) or DER SubjectPublicKeyInfo (e.g. JCA's ``PublicKey.getEncoded()``);
RSA or EC P-256 only. Answers 201 ``{"kid", "kty"}``; 400 ``{"error"}`` for a key it cannot
read; 409 for the two built-in kids (re-putting a registered kid replaces it). Every verifier
below then accepts a JWT whose ``kid`` names that key (a kid naming a key of the wrong type, or
no key, fails as a bad signature). ``GET <base>/keys`` lists ``{"<kid>": "RSA"|"EC"}``.

Namespaces. Every URL on ``base`` has a namespace segment ``<selector>[.<suffix>]``: the part
before the first ``.`` selects the behaviour (a clock skew or a verifier kind), the whole
segment keys the counters, so a test picks a fresh suffix and reads its own ``stats``.

Endpoints on ``base`` (signatures verified by PyJWT ``jwt.decode`` with one allowed algorithm;
the time checks are done against the namespace's clock)::

    POST /google/<skew>[.<sfx>]/token
    POST /github/<skew>[.<sfx>]/app/installations/<installation_id>/access_tokens
    GET  /google/<ns>/resource, GET /github/<ns>/installation/repositories   (token check)
    GET  /verify/google-self-signed[.<sfx>]?aud=<audience>
    GET  /verify/asc[.<sfx>]
    GET  /<google|github|verify>/<ns>/stats
    PUT  /keys/<kid>, GET /keys

``<skew>`` is an integer number of seconds added to the real clock: the server's "now" (``0``,
``600`` = server 10 minutes ahead, ``-600`` = behind). EVERY answer of a namespace carries a
``Date`` header (IMF-fixdate) of that clock; other answers the real time.

``google`` (JWT-bearer grant). Form ``grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&
assertion=<JWT>``. The JWT must be RS256 with a ``kid`` naming a key, ``iss`` = client_email,
``aud`` = exactly ``<base><request path>`` (so the key file's ``token_uri`` must be the URL
posted to, e.g. ``<base>/google/600.t1/token``), a non-empty ``scope``, numeric ``iat`` and
``exp`` with ``0 < exp - iat <= 3600``, and on the server's clock (30 s leeway)
``now - 300 <= iat <= now + 30`` and ``exp >= now - 30``. (The 300 s freshness of ``iat`` is
stricter than "within the hour" so that a server 10 minutes AHEAD also refuses an assertion
signed on the local clock.) Success: 200 ``{"access_token": "ya29.<random>", "expires_in":
3599, "token_type": "Bearer"}``. Failures, all 400 JSON ``{"error", "error_description"}``:

=================================  ===============  ==============================================
case                               error            error_description
=================================  ===============  ==============================================
grant_type not jwt-bearer          unsupported_grant_type  ``Invalid grant_type: <value>``
no assertion                       invalid_request  ``Missing required parameter: assertion``
not a JWT / bad signature /        invalid_grant    ``Invalid JWT Signature.``
unknown or missing kid / not RS256
wrong aud                          invalid_grant    ``Invalid JWT: Failed audience check. The
                                                    expected audience is <url>.``
wrong or missing iss               invalid_grant    ``Invalid grant: account not found``
missing/empty scope                invalid_scope    ``Invalid OAuth scope or ID token audience
                                                    provided.``
any time check                     invalid_grant    ``Invalid JWT: Token must be a short-lived
                                                    token (60 minutes) and in a reasonable
                                                    timeframe. Check your iat and exp values in
                                                    the JWT claim.``
=================================  ===============  ==============================================

``GET /google/<ns>/resource`` answers 200 ``{"ok": true}`` when ``Authorization: Bearer`` is an
access token issued in that namespace, else 401 ``{"error": "invalid_token"}``.

``github`` (installation access token). ``Authorization: Bearer <JWT>``, RS256, ``kid`` absent
(the built-in RSA key) or naming a key; ``iss`` = ``"123456"`` as a JSON STRING; ``iat`` and
``exp`` numeric, ``exp - iat <= 600``, and on the server's clock ``iat <= now + 30`` and
``exp > now``. ``Accept`` must contain ``application/vnd.github+json`` (else 415); the body, if
any, a JSON object (else 400 ``Problems parsing JSON``); the installation id 987654 (else 404
``Not Found``). Success: 201 ``{"token": "ghs_<36 alphanumerics>", "expires_at": "<server now +
3600, YYYY-MM-DDTHH:MM:SSZ>", "permissions": {"contents": "read", "metadata": "read"},
"repository_selection": "all"}``. Failures 401 ``{"message", "documentation_url":
"https://docs.github.com/rest"}`` with these messages:

- no Bearer: ``Requires authentication``
- not a JWT, bad signature, unknown kid, not RS256: ``A JSON web token could not be decoded``
- iss not the app id string: ``Integration not found``
- exp missing, not numeric or not after now: ``'Expiration time' claim ('exp') must be a numeric
  value representing the future time at which the assertion expires``
- exp - iat > 600: ``'Expiration time' claim ('exp') is too far in the future``
- iat missing, not numeric or after now + 30: ``'Issued at' claim ('iat') must be an Integer
  representing the time that the assertion was issued``

``GET /github/<ns>/installation/repositories`` with ``Authorization: token|Bearer ghs_...``
issued in that namespace: 200 ``{"total_count": 0, "repositories": []}``, else 401.

``verify`` (no request to a token server; the real clock). ``Authorization: Bearer <JWT>``:

- ``google-self-signed``: RS256, ``kid`` naming a key, ``iss`` = ``sub`` = client_email, ``aud``
  = the ``aud`` query parameter (required, else 400), ``0 < exp - iat <= 3600``, ``iat <= now +
  30``, ``exp > now - 30``.
- ``asc``: ES256 with a P-256 key, ``kid`` naming a key (the ASC key_id or a registered one),
  ``iss`` = issuer_id, ``aud`` = ``appstoreconnect-v1``, ``0 < exp - iat <= 1200``, ``iat <= now
  + 30``, ``now - 30 < exp <= now + 1200 + 30``.

200 ``{"header": {...}, "claims": {...}}``, else 401 ``{"error": "<why>"}``; an unknown kind 404.

``stats`` (``GET /<google|github|verify>/<ns>/stats``, the namespace segment exactly as used)::

    {"requests": n, "accepted": n, "rejected": n, "errors": {"<error or message>": n},
     "jti_seen": n, "jti_duplicates": n, "last": null | {"jwt_header", "jwt_claims",
     "headers" (lower-case names), "body_text"}}

``jti_seen`` counts distinct ``jti`` values of assertions whose signature verified, and
``jti_duplicates`` such assertions whose ``jti`` was seen before in the namespace (these servers
do not refuse a replay; Authlib below does). ``last`` is the last request, with the JWT's header
and claims decoded WITHOUT verification (null parts when it is not a JWT).

Endpoints on ``authlib`` (Authlib's Flask ``AuthorizationServer``, ``ClientCredentialsGrant``
whose only client authentication is ``private_key_jwt``, verified by a subclass of Authlib's
``JWTBearerClientAssertion`` registered with ``register_client_auth_method``)::

    POST /oauth/token            POST /oauth/<ns>/token
    GET  /oauth/stats            GET  /oauth/<ns>/stats
    GET  /api/resource[?scope=read]

The token request: ``grant_type=client_credentials[&scope=...]&client_assertion_type=
urn:ietf:params:oauth:client-assertion-type:jwt-bearer&client_assertion=<JWT>`` (a ``client_id``
field is allowed and ignored; Authlib takes the client from ``sub``). Authlib checks the
signature (RS256 or ES256: the ``kid`` names a key of the table above; with no ``kid`` the
built-in RSA key for RS* and P-256 key for ES*), ``iss`` = ``sub`` = ``authwire-pkjwt``, ``aud``
= exactly ``<authlib><request path>``, ``exp`` present and not past, ``iat`` not in the future
(60 s leeway), and a ``jti`` that was never used before by the client (a replay is refused).
Success 200 ``{"access_token", "token_type": "Bearer", "expires_in": 3600, "scope"}`` (no
``scope``: the client's ``read write``). Failures are Authlib's own, all 400 (Authlib answers
``invalid_client`` with 401 only when the request carried an ``Authorization`` header):
``invalid_client`` with an ``error_description`` saying why (``JWT ID is used before.``,
``Missing JWT ID.``, ``The token is expired``, ``The token was issued in the future``,
``Invalid claim: 'aud'``, ``No key for kid: '<kid>'``, ``The client does not exist on this
server.`` for an unknown ``sub``, ``Issuer and Subject MUST match.``, ``Algorithm 'ES256'
requires 'EC' key``; a bad signature has no description), ``invalid_scope`` (a scope outside
``read write``), ``unsupported_grant_type``. The stats have the shape above (``jti_seen`` and
``jti_duplicates`` counted by the jti check, i.e. after signature and claims passed). ``/api/resource`` is Authlib's
``ResourceProtector``: 200 ``{"client_id", "scope"}``; 401 ``invalid_token`` /
``missing_authorization``; 403 ``insufficient_scope``.
"""

from __future__ import annotations

import email.utils
import json
import secrets
import string
import sys
import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt  # PyJWT
from _serving import HOST, Servers, base_url, serve
from cryptography.hazmat.primitives import serialization as ser
from cryptography.hazmat.primitives.asymmetric import ec, rsa

LEEWAY = 30
IAT_MAX_AGE = 300  # google: an assertion older than this (server clock) is refused
CLIENT_EMAIL = "svc@authwire-test.iam.gserviceaccount.com"
PROJECT_ID = "authwire-test"
GITHUB_APP_ID = "123456"
GITHUB_INSTALLATION_ID = 987654
ASC_ISSUER_ID = "57246542-96fe-1a63-e053-0824d011072a"
ASC_KEY_ID = "2X9R4HXF34"
ASC_AUDIENCE = "appstoreconnect-v1"
PKJWT_CLIENT_ID = "authwire-pkjwt"
PKJWT_SCOPE = "read write"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
GOOGLE_TIME_ERROR = (
    "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. "
    "Check your iat and exp values in the JWT claim."
)
GH_DOCS = "https://docs.github.com/rest"
GH_EXP = (
    "'Expiration time' claim ('exp') must be a numeric value representing the future time at which "
    "the assertion expires"
)
GH_EXP_FAR = "'Expiration time' claim ('exp') is too far in the future"
GH_IAT = "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued"
GH_UNDECODABLE = "A JSON web token could not be decoded"


class Rejected(Exception):
    """A refused request: the HTTP status and JSON body to answer; ``reason`` goes to the stats."""

    def __init__(self, status: int, body: dict[str, Any], reason: str | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.body = body
        self.reason = reason or str(body.get("error") or body.get("message"))


def is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def unverified(token: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    try:
        return jwt.get_unverified_header(token), jwt.decode(token, options={"verify_signature": False})
    except Exception:
        return None, None


# --------------------------------------------------------------------------------------------
# Keys
# --------------------------------------------------------------------------------------------


class Keys:
    """The generated keys, and the kid -> public key table (built-in plus PUT /keys/<kid>)."""

    def __init__(self) -> None:
        self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.wrong_rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.ec = ec.generate_private_key(ec.SECP256R1())
        self.p384 = ec.generate_private_key(ec.SECP384R1())
        self.google_kid = secrets.token_hex(20)
        self.builtin: dict[str, Any] = {self.google_kid: self.rsa.public_key(), ASC_KEY_ID: self.ec.public_key()}
        self.registered: dict[str, Any] = {}
        self.lock = threading.Lock()

    def pems(self) -> dict[str, str]:
        def priv(key: Any, fmt: Any, enc: Any = None) -> str:
            return key.private_bytes(ser.Encoding.PEM, fmt, enc or ser.NoEncryption()).decode()

        def pub(key: Any) -> str:
            return key.public_key().public_bytes(ser.Encoding.PEM, ser.PublicFormat.SubjectPublicKeyInfo).decode()

        p8, trad = ser.PrivateFormat.PKCS8, ser.PrivateFormat.TraditionalOpenSSL
        return {
            "rsa_pkcs8": priv(self.rsa, p8),
            "rsa_pkcs1": priv(self.rsa, trad),
            "ec_pkcs8": priv(self.ec, p8),
            "ec_sec1": priv(self.ec, trad),
            "wrong_rsa_pkcs8": priv(self.wrong_rsa, p8),
            "ec_p384_pkcs8": priv(self.p384, p8),
            "rsa_encrypted": priv(self.rsa, p8, ser.BestAvailableEncryption(b"pw")),
            "rsa_public_pem": pub(self.rsa),
            "ec_public_pem": pub(self.ec),
        }

    def get(self, kid: Any) -> Any:
        if not isinstance(kid, str):
            return None
        with self.lock:
            return self.builtin.get(kid) or self.registered.get(kid)

    def register(self, kid: str, data: bytes) -> str:
        """Store a public key (PEM or DER SubjectPublicKeyInfo); returns its kty. ValueError if unusable."""
        if kid in self.builtin:
            raise KeyError(kid)
        stripped = data.strip()
        try:
            if stripped.startswith(b"-----BEGIN"):
                key = ser.load_pem_public_key(stripped)
            else:
                key = ser.load_der_public_key(data)
        except Exception as e:
            raise ValueError(f"not a public key in PEM or DER: {e}") from None
        if isinstance(key, rsa.RSAPublicKey):
            kty = "RSA"
        elif isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
            kty = "EC"
        else:
            raise ValueError("only RSA and EC P-256 public keys are accepted")
        with self.lock:
            self.registered[kid] = key
        return kty

    def listing(self) -> dict[str, str]:
        with self.lock:
            every = {**self.builtin, **self.registered}
        return {k: "RSA" if isinstance(v, rsa.RSAPublicKey) else "EC" for k, v in every.items()}


def verify_signature(token: str, key: Any, alg: str, **kwargs: Any) -> dict[str, Any]:
    """PyJWT: signature with ``key`` and ``alg`` only, plus the aud/iss/require checks in kwargs.

    Time claims are left to the caller, which knows the server's (skewed) clock.
    Raises jwt.InvalidTokenError (or ValueError for a key of the wrong type)."""
    if alg == "RS256" and not isinstance(key, rsa.RSAPublicKey):
        raise jwt.InvalidSignatureError("the kid names a key that is not RSA")
    if alg == "ES256" and not (isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1)):
        raise jwt.InvalidSignatureError("the kid names a key that is not EC P-256")
    options = {
        "verify_exp": False,
        "verify_iat": False,
        "verify_nbf": False,
        "verify_aud": "audience" in kwargs,
        "verify_iss": "issuer" in kwargs,
        "require": kwargs.pop("require", []),
    }
    return jwt.decode(token, key, algorithms=[alg], options=options, **kwargs)


# --------------------------------------------------------------------------------------------
# The base server (standard library)
# --------------------------------------------------------------------------------------------


def new_stats() -> dict[str, Any]:
    return {
        "requests": 0,
        "accepted": 0,
        "rejected": 0,
        "errors": defaultdict(int),
        "jti_seen": 0,
        "jti_duplicates": 0,
        "last": None,
        "_jtis": set(),
        "_tokens": set(),
    }


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_ns: dict[tuple[str, str], dict[str, Any]] = defaultdict(new_stats)

    def request(self, key: tuple[str, str], last: dict[str, Any]) -> None:
        with self.lock:
            s = self.by_ns[key]
            s["requests"] += 1
            s["last"] = last

    def outcome(self, key: tuple[str, str], reason: str | None, token: str | None = None) -> None:
        with self.lock:
            s = self.by_ns[key]
            if reason is None:
                s["accepted"] += 1
                if token:
                    s["_tokens"].add(token)
            else:
                s["rejected"] += 1
                s["errors"][reason] += 1

    def jti(self, key: tuple[str, str], claims: dict[str, Any]) -> None:
        jti = claims.get("jti")
        if not isinstance(jti, str):
            return
        with self.lock:
            s = self.by_ns[key]
            if jti in s["_jtis"]:
                s["jti_duplicates"] += 1
            else:
                s["_jtis"].add(jti)
                s["jti_seen"] += 1

    def has_token(self, key: tuple[str, str], token: str) -> bool:
        with self.lock:
            return key in self.by_ns and token in self.by_ns[key]["_tokens"]

    def snapshot(self, key: tuple[str, str]) -> dict[str, Any]:
        with self.lock:
            s = self.by_ns[key]
            out = {k: v for k, v in s.items() if not k.startswith("_")}
            out["errors"] = dict(s["errors"])
            return json.loads(json.dumps(out))


class BaseServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, keys: Keys) -> None:
        super().__init__((HOST, 0), Handler)
        self.keys = keys
        self.stats = Stats()
        self.base = base_url(self)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: BaseServer
    skew = 0

    def log_message(self, fmt: str, *args: Any) -> None:
        pass

    def date_time_string(self, timestamp: float | None = None) -> str:
        # The Date header that send_response adds: the namespace's clock.
        return email.utils.formatdate((time.time() if timestamp is None else timestamp) + self.skew, usegmt=True)

    def now(self) -> float:
        return time.time() + self.skew

    def reply(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def bearer(self, schemes: tuple[str, ...] = ("bearer",)) -> str | None:
        scheme, _, value = (self.headers.get("Authorization") or "").partition(" ")
        return value.strip() if scheme.lower() in schemes and value.strip() else None

    def last(self, token: str | None, body: bytes) -> dict[str, Any]:
        header, claims = unverified(token) if token else (None, None)
        return {
            "jwt_header": header,
            "jwt_claims": claims,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body_text": body.decode("utf-8", "replace"),
        }

    def route(self, method: str) -> None:
        self.skew = 0
        body = self.read_body() if method in ("POST", "PUT") else b""
        url = urlsplit(self.path)
        parts = url.path.split("/")[1:]
        try:
            if parts[0] == "keys":
                return self.keys_endpoint(method, parts, body)
            if len(parts) < 2 or parts[0] not in ("google", "github", "verify") or not parts[1]:
                raise Rejected(404, {"error": "not_found"})
            service, ns, rest = parts[0], parts[1], parts[2:]
            selector = ns.split(".", 1)[0]
            if service in ("google", "github"):
                try:
                    self.skew = int(selector)
                except ValueError:
                    raise Rejected(
                        404, {"error": "not_found", "error_description": "the skew is not an integer"}
                    ) from None
            key = (service, ns)
            if method == "GET" and rest == ["stats"]:
                return self.reply(200, self.server.stats.snapshot(key))
            if service == "google" and method == "POST" and rest == ["token"]:
                return self.google_token(key, url.path, body)
            if service == "google" and method == "GET" and rest == ["resource"]:
                return self.token_check(key, ("bearer",), {"ok": True})
            if (
                service == "github"
                and method == "POST"
                and len(rest) == 4
                and rest[:2] == ["app", "installations"]
                and rest[3] == "access_tokens"
            ):
                return self.github_token(key, rest[2], body)
            if service == "github" and method == "GET" and rest == ["installation", "repositories"]:
                return self.token_check(key, ("bearer", "token"), {"total_count": 0, "repositories": []})
            if service == "verify" and method == "GET" and not rest:
                return self.verify(key, selector, parse_qs(url.query))
            raise Rejected(404, {"error": "not_found"})
        except Rejected as r:
            self.reply(r.status, r.body)

    def do_GET(self) -> None:
        self.route("GET")

    def do_POST(self) -> None:
        self.route("POST")

    def do_PUT(self) -> None:
        self.route("PUT")

    # ---- PUT /keys/<kid>, GET /keys

    def keys_endpoint(self, method: str, parts: list[str], body: bytes) -> None:
        if method == "GET" and parts in (["keys"], ["keys", ""]):
            return self.reply(200, self.server.keys.listing())
        if method != "PUT" or len(parts) != 2 or not parts[1]:
            raise Rejected(404, {"error": "not_found"})
        kid = parts[1]
        try:
            kty = self.server.keys.register(kid, body)
        except KeyError:
            raise Rejected(409, {"error": f"kid {kid!r} is a built-in key"}) from None
        except ValueError as e:
            raise Rejected(400, {"error": str(e)}) from None
        self.reply(201, {"kid": kid, "kty": kty})

    # ---- shared

    def token_check(self, key: tuple[str, str], schemes: tuple[str, ...], ok: dict[str, Any]) -> None:
        token = self.bearer(schemes)
        if token is None or not self.server.stats.has_token(key, token):
            raise Rejected(401, {"error": "invalid_token"})
        self.reply(200, ok)

    def run_check(self, key: tuple[str, str], token: str | None, body: bytes, check: Any) -> None:
        """Count the request, run ``check`` (-> status, body, issued token), count the outcome."""
        stats = self.server.stats
        stats.request(key, self.last(token, body))
        try:
            status, answer, issued = check()
        except Rejected as r:
            stats.outcome(key, r.reason)
            raise
        stats.outcome(key, None, issued)
        self.reply(status, answer)

    # ---- Google: RFC 7523 section 2.1

    def google_token(self, key: tuple[str, str], path: str, body: bytes) -> None:
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}
        assertion = form.get("assertion") or None
        audience = self.server.base + path

        def fail(error: str, description: str) -> Rejected:
            return Rejected(400, {"error": error, "error_description": description}, f"{error}: {description}")

        def check() -> tuple[int, dict[str, Any], str]:
            if form.get("grant_type") != JWT_BEARER:
                raise fail("unsupported_grant_type", f"Invalid grant_type: {form.get('grant_type', '')}")
            if assertion is None:
                raise fail("invalid_request", "Missing required parameter: assertion")
            header, _ = unverified(assertion)
            pub = self.server.keys.get(header.get("kid")) if header else None
            if pub is None:
                raise fail("invalid_grant", "Invalid JWT Signature.")
            try:
                claims = verify_signature(assertion, pub, "RS256")
            except (jwt.InvalidTokenError, ValueError):
                raise fail("invalid_grant", "Invalid JWT Signature.") from None
            self.server.stats.jti(key, claims)
            if claims.get("aud") != audience:
                raise fail("invalid_grant", f"Invalid JWT: Failed audience check. The expected audience is {audience}.")
            if claims.get("iss") != CLIENT_EMAIL:
                raise fail("invalid_grant", "Invalid grant: account not found")
            if not isinstance(claims.get("scope"), str) or not claims["scope"].strip():
                raise fail("invalid_scope", "Invalid OAuth scope or ID token audience provided.")
            iat, exp, now = claims.get("iat"), claims.get("exp"), self.now()
            if not (
                is_number(iat)
                and is_number(exp)
                and 0 < exp - iat <= 3600
                and now - IAT_MAX_AGE <= iat <= now + LEEWAY
                and exp >= now - LEEWAY
            ):
                raise fail("invalid_grant", GOOGLE_TIME_ERROR)
            token = "ya29." + secrets.token_urlsafe(48)
            return 200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"}, token

        self.run_check(key, assertion, body, check)

    # ---- GitHub App installation token

    def github_token(self, key: tuple[str, str], installation: str, body: bytes) -> None:
        token = self.bearer()

        def fail(status: int, message: str) -> Rejected:
            return Rejected(status, {"message": message, "documentation_url": GH_DOCS})

        def check() -> tuple[int, dict[str, Any], str]:
            if token is None:
                raise fail(401, "Requires authentication")
            header, _ = unverified(token)
            kid = header.get("kid") if header else None
            pub = self.server.keys.rsa.public_key() if header is not None and kid is None else self.server.keys.get(kid)
            if pub is None:
                raise fail(401, GH_UNDECODABLE)
            try:
                claims = verify_signature(token, pub, "RS256")
            except (jwt.InvalidTokenError, ValueError):
                raise fail(401, GH_UNDECODABLE) from None
            self.server.stats.jti(key, claims)
            if claims.get("iss") != GITHUB_APP_ID:
                raise fail(401, "Integration not found")
            iat, exp, now = claims.get("iat"), claims.get("exp"), self.now()
            if not is_number(iat) or iat > now + LEEWAY:
                raise fail(401, GH_IAT)
            if not is_number(exp) or exp <= now:
                raise fail(401, GH_EXP)
            if exp - iat > 600:
                raise fail(401, GH_EXP_FAR)
            if "application/vnd.github+json" not in (self.headers.get("Accept") or ""):
                raise fail(415, f"Unsupported 'Accept' header: {self.headers.get('Accept')!r}")
            if body.strip():
                try:
                    parsed = json.loads(body)
                except ValueError:
                    parsed = None
                if not isinstance(parsed, dict):
                    raise fail(400, "Problems parsing JSON")
            if installation != str(GITHUB_INSTALLATION_ID):
                raise fail(404, "Not Found")
            issued = "ghs_" + "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(36))
            expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now + 3600))
            answer = {
                "token": issued,
                "expires_at": expires,
                "permissions": {"contents": "read", "metadata": "read"},
                "repository_selection": "all",
            }
            return 201, answer, issued

        self.run_check(key, token, body, check)

    # ---- verify: Google self-signed JWT, App Store Connect

    def verify(self, key: tuple[str, str], kind: str, query: dict[str, list[str]]) -> None:
        if kind not in ("google-self-signed", "asc"):
            raise Rejected(404, {"error": f"unknown verifier {kind!r}"})
        aud = (query.get("aud") or [None])[0]
        if kind == "google-self-signed" and not aud:
            raise Rejected(400, {"error": "the aud query parameter is required"})
        token = self.bearer()

        def fail(why: str) -> Rejected:
            return Rejected(401, {"error": why})

        def check() -> tuple[int, dict[str, Any], None]:
            if token is None:
                raise fail("no Bearer token")
            header, _ = unverified(token)
            if header is None:
                raise fail("not a JWT")
            pub = self.server.keys.get(header.get("kid"))
            if pub is None:
                raise fail(f"unknown kid {header.get('kid')!r}")
            try:
                if kind == "google-self-signed":
                    claims = verify_signature(
                        token,
                        pub,
                        "RS256",
                        audience=aud,
                        issuer=CLIENT_EMAIL,
                        require=["iss", "sub", "aud", "iat", "exp"],
                    )
                    if claims["sub"] != CLIENT_EMAIL:
                        raise fail("sub is not the client_email")
                    max_life = 3600
                else:
                    claims = verify_signature(
                        token,
                        pub,
                        "ES256",
                        audience=ASC_AUDIENCE,
                        issuer=ASC_ISSUER_ID,
                        require=["iss", "aud", "iat", "exp"],
                    )
                    max_life = 1200
            except (jwt.InvalidTokenError, ValueError) as e:
                raise fail(f"{type(e).__name__}: {e}") from None
            self.server.stats.jti(key, claims)
            iat, exp, now = claims["iat"], claims["exp"], self.now()
            if not is_number(iat) or not is_number(exp):
                raise fail("iat and exp must be numbers")
            if not 0 < exp - iat <= max_life:
                raise fail(f"exp - iat must be in (0, {max_life}]")
            if iat > now + LEEWAY:
                raise fail("iat is in the future")
            if exp <= now - LEEWAY:
                raise fail("expired")
            if kind == "asc" and exp > now + 1200 + LEEWAY:
                raise fail("exp is more than 20 minutes in the future")
            return 200, {"header": header, "claims": claims}, None

        self.run_check(key, token, b"", check)


# --------------------------------------------------------------------------------------------
# Authlib (Flask): client credentials with private_key_jwt
# --------------------------------------------------------------------------------------------


def make_authlib_app(keys: Keys, base: list[str]) -> Any:
    from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
    from authlib.oauth2.rfc6749 import ClientMixin, TokenMixin, grants
    from authlib.oauth2.rfc6750 import BearerTokenValidator
    from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
    from flask import Flask, jsonify, request
    from joserfc.errors import InvalidKeyIdError
    from joserfc.jwk import ECKey, RSAKey

    stats = Stats()

    def ns_of(path: str) -> str:
        # /oauth/token -> "", /oauth/<ns>/token -> "<ns>"
        parts = path.strip("/").split("/")
        return parts[1] if len(parts) == 3 else ""

    class Client(ClientMixin):
        client_id = PKJWT_CLIENT_ID
        scope = PKJWT_SCOPE

        def get_client_id(self) -> str:
            return self.client_id

        def get_default_redirect_uri(self) -> None:
            return None

        def get_allowed_scope(self, scope: str) -> str:
            allowed = set(self.scope.split())
            return " ".join(s for s in (scope or "").split() if s in allowed)

        def check_redirect_uri(self, redirect_uri: str) -> bool:
            return False

        def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
            return endpoint == "token" and method == "private_key_jwt"

        def check_response_type(self, response_type: str) -> bool:
            return False

        def check_grant_type(self, grant_type: str) -> bool:
            return grant_type == "client_credentials"

    client = Client()

    class Token(TokenMixin):
        def __init__(self, access_token: str, scope: str, expires_in: int) -> None:
            self.access_token = access_token
            self.client_id = PKJWT_CLIENT_ID
            self.scope = scope
            self.issued_at = time.time()
            self.expires_in = expires_in

        def check_client(self, c: Client) -> bool:
            return c.client_id == self.client_id

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
            return client

    tokens: dict[str, Token] = {}
    used_jtis: set[str] = set()
    lock = threading.Lock()

    def to_jwk(pub: Any, kid: str) -> Any:
        pem = pub.public_bytes(ser.Encoding.PEM, ser.PublicFormat.SubjectPublicKeyInfo)
        cls = RSAKey if isinstance(pub, rsa.RSAPublicKey) else ECKey
        return cls.import_key(pem, {"kid": kid})

    class PrivateKeyJWTAuth(JWTBearerClientAssertion):
        """Authlib's RFC 7523 client assertion check, as the ``private_key_jwt`` method."""

        CLIENT_AUTH_METHOD = "private_key_jwt"

        def get_audiences(self) -> list[str]:
            return [base[0] + request.path]

        def resolve_client_public_key(self, c: Client) -> Any:
            # joserfc calls this with the parsed JWS: the header's kid picks the key.
            def pick(obj: Any) -> Any:
                header = obj.headers()
                kid = header.get("kid")
                if kid is None:
                    alg = str(header.get("alg", ""))
                    return to_jwk(keys.rsa.public_key() if alg.startswith(("RS", "PS")) else keys.ec.public_key(), "")
                pub = keys.get(kid)
                if pub is None:
                    raise InvalidKeyIdError(f"No key for kid: '{kid}'")
                return to_jwk(pub, kid)

            return pick

        def validate_jti(self, claims: dict[str, Any], jti: str) -> bool:
            stats.jti(("oauth", ns_of(request.path)), claims)
            with lock:
                if jti in used_jtis:
                    return False
                used_jtis.add(jti)
                return True

    def query_client(client_id: str) -> Client | None:
        return client if client_id == PKJWT_CLIENT_ID else None

    def save_token(token: dict[str, Any], req: Any) -> None:
        with lock:
            tokens[token["access_token"]] = Token(
                token["access_token"], token.get("scope", ""), int(token["expires_in"])
            )

    class ClientCredentials(grants.ClientCredentialsGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = ["private_key_jwt"]  # noqa: RUF012

        def generate_token(self, *args: Any, scope: str | None = None, **kwargs: Any) -> Any:
            return super().generate_token(*args, scope=scope or self.request.client.scope, **kwargs)

    class Validator(BearerTokenValidator):
        def authenticate_token(self, token_string: str) -> Token | None:
            with lock:
                return tokens.get(token_string)

    app = Flask("authwire_jwt_authlib")
    app.config.update(
        OAUTH2_SCOPES_SUPPORTED=PKJWT_SCOPE.split(),
        OAUTH2_TOKEN_EXPIRES_IN={"client_credentials": 3600},
    )
    server = AuthorizationServer(app, query_client=query_client, save_token=save_token)
    server.register_grant(ClientCredentials)
    server.register_client_auth_method(PrivateKeyJWTAuth.CLIENT_AUTH_METHOD, PrivateKeyJWTAuth())
    require_oauth = ResourceProtector()
    require_oauth.register_token_validator(Validator())

    def token_endpoint(ns: str) -> Any:
        key = ("oauth", ns)
        assertion = request.form.get("client_assertion")
        header, claims = unverified(assertion) if assertion else (None, None)
        stats.request(
            key,
            {
                "jwt_header": header,
                "jwt_claims": claims,
                "headers": {k.lower(): v for k, v in request.headers.items()},
                "body_text": request.get_data(as_text=True),
            },
        )
        response = server.create_token_response()
        if response.status_code == 200:
            stats.outcome(key, None)
        else:
            try:
                body = json.loads(response.get_data())
                reason = f"{body.get('error')}: {body.get('error_description', '')}".rstrip(": ")
            except ValueError:
                reason = str(response.status_code)
            stats.outcome(key, reason)
        return response

    @app.post("/oauth/token")
    def token() -> Any:
        return token_endpoint("")

    @app.post("/oauth/<ns>/token")
    def token_ns(ns: str) -> Any:
        return token_endpoint(ns)

    @app.get("/oauth/stats")
    def stats_root() -> Any:
        return jsonify(stats.snapshot(("oauth", "")))

    @app.get("/oauth/<ns>/stats")
    def stats_ns(ns: str) -> Any:
        return jsonify(stats.snapshot(("oauth", ns)))

    @app.get("/api/resource")
    def resource() -> Any:
        scope = request.args.get("scope") or None
        with require_oauth.acquire(scope) as tok:
            return jsonify(client_id=tok.client_id, scope=tok.scope)

    return app


# --------------------------------------------------------------------------------------------


def start(servers: Servers) -> dict[str, Any]:
    """The servers, added to ``servers``; the ready line."""
    keys = Keys()
    base_server = servers.add(BaseServer(keys))
    authlib_base: list[str] = []  # filled once the port is known
    authlib_server = servers.wsgi(make_authlib_app(keys, authlib_base))
    authlib_base.append(base_url(authlib_server))

    base = base_server.base
    pems = keys.pems()
    return {
        "base": base,
        "authlib": authlib_base[0],
        "keys": pems,
        "google_key_json": {
            "type": "service_account",
            "project_id": PROJECT_ID,
            "private_key_id": keys.google_kid,
            "private_key": pems["rsa_pkcs8"],
            "client_email": CLIENT_EMAIL,
            "client_id": str(100000000000000000000 + secrets.randbelow(10**20)),
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": f"{base}/google/0/token",
            "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
            "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/"
            + CLIENT_EMAIL.replace("@", "%40"),
            "universe_domain": "googleapis.com",
        },
        "github": {"app_id": GITHUB_APP_ID, "installation_id": GITHUB_INSTALLATION_ID, "api": f"{base}/github/0"},
        "asc": {"issuer_id": ASC_ISSUER_ID, "key_id": ASC_KEY_ID},
        "private_key_jwt": {
            "client_id": PKJWT_CLIENT_ID,
            "token_url": f"{authlib_base[0]}/oauth/token",
            "scope": PKJWT_SCOPE,
        },
    }


def main() -> int:
    return serve(start)


if __name__ == "__main__":
    sys.exit(main())
