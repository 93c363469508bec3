"""The README's Python samples (and the site's, docs/) are functions of
examples/readme_samples.py, shown word for word, and that file runs as written against a
local stand-in for the services the samples call.

The samples use ``https://auth.example.com``, ``https://api.example.com``,
``https://sap.example.com`` and ``https://api.appstoreconnect.apple.com``; the run replaces
those origins with a local server's ``http://127.0.0.1:<port>`` (plain HTTP is allowed to
loopback only), ``https://login.corp.example`` with the server of
``tests/scenarios/tls_servers.py`` whose certificate comes from a CA nobody trusts, and
``https://login.example.com`` with the Authlib server of ``tests/scenarios/session_servers.py``
(one-hour access tokens; the test signs a user in for ``signed-in.json`` and approves the device
sign-in when the sample prints its code), and provides the environment variables and key files
the samples read. The signed JWTs of the samples are verified by PyJWT with the public keys of
keys generated here.
"""

from __future__ import annotations

import base64
import importlib.util
import inspect
import json
import os
import re
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from sessiontools import control, session_servers, sign_in

import authwire
from localserver import Handler, Received, Reply, ScriptedServer

Serve = Callable[[Handler], ScriptedServer]

PROJECT = Path(__file__).resolve().parent.parent
README = PROJECT / "README.md"
SAMPLES_FILE = PROJECT / "examples" / "readme_samples.py"
ORIGINS = (
    "https://auth.example.com",
    "https://api.example.com",
    "https://sap.example.com",
    "https://api.appstoreconnect.apple.com",
    "https://api.github.com",
    "https://login.salesforce.com",
)
UNTRUSTED_ORIGIN = "https://login.corp.example"
SESSION_ORIGIN = "https://login.example.com"
ENV = {
    "CLIENT_ID": "my-client",
    "CLIENT_SECRET": "my-secret:with&odd=chars",
    "SAP_USER": "alice",
    "SAP_PASSWORD": "pw",
    "SF_CONSUMER_KEY": "3MVG9-connected-app-consumer-key",
}
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
CLIENT_ASSERTION = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
SERVICE_ACCOUNT = "readme@authwire-test.iam.gserviceaccount.com"
ASC_ISSUER, ASC_KEY_ID = "57246542-96fe-1a63-e053-0824d011072a", "2X9R4HXF34"
GITHUB_APP_ID, GITHUB_INSTALLATION = "123456", 987654
# Salesforce's answer to the JWT bearer flow (Salesforce Help, "OAuth 2.0 JWT Bearer Flow for
# Server-to-Server Integration"): no expires_in; the token carries the org id before a '!'.
SALESFORCE_TOKEN = "00Dxx0000001gPL!AR8AQJXg5oj8jXSgxJfA0lBog.39AsX.LVpxezPwuX5VAIrrbbHMuol7GQxnMeYMN7cj8E"


class Keys:
    """The samples' private keys, generated for the run: the service account's, the
    ``private_key_jwt`` client's, the GitHub App's and the Salesforce connected app's (RSA), and
    the App Store Connect ``.p8`` key (P-256)."""

    def __init__(self) -> None:
        self.google = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.client = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.github = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.salesforce = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.asc = ec.generate_private_key(ec.SECP256R1())

    @staticmethod
    def pem(key: Any, form: serialization.PrivateFormat = serialization.PrivateFormat.PKCS8) -> str:
        return str(key.private_bytes(serialization.Encoding.PEM, form, serialization.NoEncryption()).decode())

    def pem_lines(self) -> list[str]:
        return [
            line
            for key in (self.google, self.client, self.github, self.salesforce, self.asc)
            for line in self.pem(key).splitlines()
            if not line.startswith("-----")
        ]


def load_samples() -> ModuleType:
    spec = importlib.util.spec_from_file_location("readme_samples", SAMPLES_FILE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def body(function: Callable[[], None]) -> str:
    lines = inspect.getsource(function).splitlines(keepends=True)
    assert lines[0].startswith("def "), lines[0]
    return textwrap.dedent("".join(lines[1:]))


def readme_blocks() -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", README.read_text(encoding="utf-8"), flags=re.M | re.S)


def test_every_readme_block_is_a_sample_function() -> None:
    samples = load_samples().SAMPLES
    bodies = [body(sample) for sample in samples]
    blocks = readme_blocks()
    assert blocks, "README.md has no python block"
    # Each block is a sample function's body, in the order of the samples file.
    position = 0
    for block in blocks:
        assert block in bodies[position:], f"README block is not a sample function (in order): {block[:80]!r}"
        position = bodies.index(block, position) + 1


def test_every_sample_function_is_shown() -> None:
    """A sample not in this README is on the documentation site, included from the file
    (docs/hooks/samples.py resolves `#sample bindings-python/examples/readme_samples.py::name`)."""
    readme = readme_blocks()
    site = "\n".join(page.read_text(encoding="utf-8") for page in (PROJECT.parent / "docs").rglob("*.md"))
    for sample in load_samples().SAMPLES:
        shown = body(sample) in readme or f"readme_samples.py::{sample.__name__}" in site
        assert shown, f"{sample.__name__} is shown neither in README.md nor on the documentation site"


def jwt_bearer_assertion(request: Received, key: Any, *, audience: str, issuer: str) -> tuple[dict[str, Any], str]:
    """The claims and the text of an RFC 7523 section 2.1 JWT-bearer grant's RS256 assertion,
    verified with ``key``'s public half; raises ``jwt.InvalidTokenError`` or ``KeyError``."""
    form = {k: v[0] for k, v in parse_qs(request.text).items()}
    if form.get("grant_type") != JWT_BEARER:
        raise jwt.InvalidTokenError("grant_type")
    assertion = form["assertion"]
    claims = jwt.decode(assertion, key.public_key(), algorithms=["RS256"], audience=audience, issuer=issuer)
    return claims, assertion


class Platform:
    """The services of the samples: OAuth2, XTD and custom token endpoints, an API, and an
    SAP API Management endpoint with CSRF protection."""

    def __init__(self, encoded_key: str, keys: Keys, origin: str) -> None:
        self.encoded_key = encoded_key
        self.keys = keys
        self.origin = origin
        self.issued: set[str] = set()
        self.csrf = ""

    def handle(self, request: Received, n: int) -> Reply:
        path = request.path
        if path == "/google/token":
            return self.google(request, n)
        if path == "/oauth/token" and "client_assertion" in parse_qs(request.text):
            return self.private_key_jwt(request, n)
        if path == "/v1/apps":
            return self.app_store_connect(request)
        if path == f"/app/installations/{GITHUB_INSTALLATION}/access_tokens":
            return self.github_installation_token(request, n)
        if path == "/installation/repositories":
            _, _, token = (request.header("authorization") or "").partition(" ")
            if token not in self.issued:
                return Reply.json(401, {"message": "Bad credentials"})
            return Reply.json(200, {"total_count": 1, "repositories": [{"full_name": "octo-org/octo-repo"}]})
        if path == "/services/oauth2/token":
            return self.salesforce(request)
        if path == "/oauth/token":
            basic = authwire.decode_basic(request.header("authorization") or "")
            form = parse_qs(request.text)
            ok = (basic.user_id, basic.password) == (
                ENV["CLIENT_ID"],
                ENV["CLIENT_SECRET"].replace(":", "%3A").replace("&", "%26").replace("=", "%3D"),
            )
            if not ok or form.get("grant_type") != ["client_credentials"]:
                return Reply.json(401, {"error": "invalid_client"})
            return self.issue({"access_token": f"tok-{n}", "token_type": "Bearer", "expires_in": 3600}, f"tok-{n}")
        if path == "/v1/token":
            if request.json() != {"apiKey": self.encoded_key}:
                return Reply.json(401, {"message": "Unauthorized"})
            return self.issue({"token": f"xtd-{n}", "expirationTime": 300}, f"xtd-{n}")
        if path == "/api/login":
            if request.json() != {"user": ENV["CLIENT_ID"], "key": ENV["CLIENT_SECRET"]}:
                return Reply.json(401, {"message": "bad login"})
            return self.issue({"data": {"jwt": "abc.def.ghi", "validUntil": int(time.time()) + 3600}}, "abc.def.ghi")
        if path.startswith("/v1/things"):
            _, _, token = (request.header("authorization") or "").partition(" ")
            if token not in self.issued:
                return Reply.json(401, {"message": "invalid token"})
            return Reply.json(200, {"things": []})
        if path.startswith("/sap/"):
            return self.sap(request, n)
        return Reply.text(404, "not found")

    def google(self, request: Received, n: int) -> Reply:
        """Google's token endpoint: an RS256 assertion of the service account, for this URL."""
        try:
            claims, assertion = jwt_bearer_assertion(
                request, self.keys.google, audience=f"{self.origin}/google/token", issuer=SERVICE_ACCOUNT
            )
            if jwt.get_unverified_header(assertion).get("kid") != "readme-key-id" or not claims.get("scope"):
                raise jwt.InvalidTokenError("kid or scope")
        except (KeyError, jwt.InvalidTokenError):
            return Reply.json(400, {"error": "invalid_grant"})
        return self.issue(
            {"access_token": f"ya29.tok-{n}", "expires_in": 3599, "token_type": "Bearer"}, f"ya29.tok-{n}"
        )

    def private_key_jwt(self, request: Received, n: int) -> Reply:
        """RFC 7523 client authentication: the client's RS256 assertion, for this URL."""
        form = {k: v[0] for k, v in parse_qs(request.text).items()}
        try:
            if (form.get("grant_type"), form.get("client_assertion_type")) != ("client_credentials", CLIENT_ASSERTION):
                raise jwt.InvalidTokenError("form")
            claims = jwt.decode(
                form["client_assertion"],
                self.keys.client.public_key(),
                algorithms=["RS256"],
                audience=f"{self.origin}/oauth/token",
                issuer=ENV["CLIENT_ID"],
                options={"require": ["exp", "iat", "jti", "sub"]},
            )
            if (
                claims["sub"] != ENV["CLIENT_ID"]
                or jwt.get_unverified_header(form["client_assertion"])["kid"] != "key-1"
            ):
                raise jwt.InvalidTokenError("sub or kid")
        except (KeyError, jwt.InvalidTokenError):
            return Reply.json(401, {"error": "invalid_client"})
        return self.issue({"access_token": f"pk-{n}", "token_type": "Bearer", "expires_in": 3600}, f"pk-{n}")

    def app_store_connect(self, request: Received) -> Reply:
        """The App Store Connect API: an ES256 JWT of the issuer, with the key id, for 20 minutes at most."""
        _, _, token = (request.header("authorization") or "").partition(" ")
        try:
            claims = jwt.decode(
                token,
                self.keys.asc.public_key(),
                algorithms=["ES256"],
                audience="appstoreconnect-v1",
                issuer=ASC_ISSUER,
            )
            if jwt.get_unverified_header(token).get("kid") != ASC_KEY_ID or claims["exp"] - claims["iat"] > 1200:
                raise jwt.InvalidTokenError("kid or lifetime")
        except (KeyError, jwt.InvalidTokenError):
            return Reply.json(401, {"errors": [{"status": "401", "code": "NOT_AUTHORIZED"}]})
        return Reply.json(200, {"data": []})

    def github_installation_token(self, request: Received, n: int) -> Reply:
        """GitHub's ``POST /app/installations/{id}/access_tokens``: an RS256 JWT whose ``iss`` is
        the app id, at most 10 minutes long; the answer is GitHub's documented shape."""
        _, _, token = (request.header("authorization") or "").partition(" ")
        try:
            if request.method != "POST":
                raise jwt.InvalidTokenError("method")
            claims = jwt.decode(
                token, self.keys.github.public_key(), algorithms=["RS256"], options={"require": ["exp", "iat", "iss"]}
            )
            if str(claims["iss"]) != GITHUB_APP_ID or claims["exp"] - claims["iat"] > 600:
                raise jwt.InvalidTokenError("iss or lifetime")
        except (KeyError, jwt.InvalidTokenError):
            return Reply.json(401, {"message": "A JSON web token could not be decoded"})
        expires_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
        return self.issue(
            {"token": f"ghs_readme{n}", "expires_at": expires_at, "permissions": {"contents": "read"}},
            f"ghs_readme{n}",
        )

    def salesforce(self, request: Received) -> Reply:
        """Salesforce's token endpoint for the JWT bearer flow: an RS256 assertion of the
        connected app for the user, for the login URL; the answer has no ``expires_in``."""
        try:
            claims, _ = jwt_bearer_assertion(
                request, self.keys.salesforce, audience=self.origin, issuer=ENV["SF_CONSUMER_KEY"]
            )
            if claims.get("sub") != "alice@example.com":
                raise jwt.InvalidTokenError("sub")
        except (KeyError, jwt.InvalidTokenError):
            return Reply.json(
                400, {"error": "invalid_grant", "error_description": "user hasn't approved this consumer"}
            )
        return self.issue(
            {
                "access_token": SALESFORCE_TOKEN,
                "scope": "api",
                "instance_url": "https://yourInstance.salesforce.com",
                "id": "https://login.salesforce.com/id/00Dxx0000001gPLEAY/005xx000001SwiUAAS",
                "token_type": "Bearer",
            },
            SALESFORCE_TOKEN,
        )

    def issue(self, document: dict[str, Any], token: str) -> Reply:
        self.issued.add(token)
        return Reply.json(200, document)

    def sap(self, request: Received, n: int) -> Reply:
        expected = "Basic " + base64.b64encode(f"{ENV['SAP_USER']}:{ENV['SAP_PASSWORD']}".encode()).decode()
        if request.header("authorization") != expected:
            return Reply.json(401, {"message": "bad credentials"})
        if request.header("x-csrf-token") == "fetch":
            self.csrf = f"csrf-{n}"
            return (
                Reply.text(200)
                .with_header("x-csrf-token", self.csrf)
                .with_header("Set-Cookie", f"SAP_SESSIONID=s{n}; Path=/")
            )
        if request.method == "GET":
            return Reply.json(200, {"d": {"results": []}})
        if request.header("x-csrf-token") != self.csrf or f"SAP_SESSIONID=s{self.csrf[5:]}" not in (
            request.header("cookie") or ""
        ):
            return Reply.text(403).with_header("x-csrf-token", "Required")
        return Reply.json(201, {"d": {}})


@pytest.fixture(scope="module")
def readme_session_servers() -> Iterator[dict[str, Any]]:
    """session_servers.py with one-hour access tokens: the samples' user session never needs a
    refresh, so two samples may start from the same signed-in tokens."""
    with session_servers("--access-lifetime", "3600") as ready:
        yield ready


def run_approving_device_sign_ins(
    command: list[str], cwd: Path, env: dict[str, str], session_server: dict[str, Any]
) -> subprocess.CompletedProcess[str]:
    """Runs ``command``; when it prints a device sign-in's user code ("... and type <code>"),
    the user approves it at ``session_server``."""
    process = subprocess.Popen(
        command, cwd=cwd, env={**env, "PYTHONUNBUFFERED": "1"}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert process.stdout is not None and process.stderr is not None
    stderr: list[str] = []
    reader = threading.Thread(target=lambda: stderr.append(process.stderr.read() if process.stderr else ""))
    reader.start()
    out: list[str] = []
    watchdog = threading.Timer(120, process.kill)
    watchdog.start()
    try:
        for line in process.stdout:
            out.append(line)
            found = re.search(r" and type (\S+)$", line.rstrip("\n"))
            if found:
                control(session_server, "device/approve", {"user_code": found.group(1)})
        returncode = process.wait()
    finally:
        watchdog.cancel()
        reader.join()
    return subprocess.CompletedProcess(command, returncode, "".join(out), "".join(stderr))


def test_the_samples_run_as_written(
    serve: Serve,
    tmp_path: Path,
    vectors: dict[str, Any],
    tls_servers: dict[str, Any],
    readme_session_servers: dict[str, Any],
) -> None:
    key_file = vectors["api_key_file"][0]["json"]
    keys = Keys()
    platform = Platform(key_file["encodedKey"], keys, "")
    server = serve(platform.handle)
    platform.origin = server.url("").rstrip("/")
    source = SAMPLES_FILE.read_text(encoding="utf-8")
    for origin in ORIGINS:
        assert origin in source
        source = source.replace(origin, platform.origin)
    assert UNTRUSTED_ORIGIN in source
    source = source.replace(UNTRUSTED_ORIGIN, tls_servers["untrusted"])
    authlib = readme_session_servers["authlib"]
    assert SESSION_ORIGIN in source
    source = source.replace(SESSION_ORIGIN, authlib["base"])
    signed_in = sign_in(readme_session_servers, "authlib")
    answer = {
        "access_token": signed_in.access_token,
        "token_type": "Bearer",
        "refresh_token": signed_in.refresh_token,
        "expires_in": 3600,
        "scope": signed_in.scope,
    }
    (tmp_path / "signed-in.json").write_text(json.dumps(answer), encoding="utf-8")
    control(authlib, "device/script", {"interval": 1})
    (tmp_path / "readme_samples.py").write_text(source, encoding="utf-8")
    (tmp_path / "xtd-api-key.json").write_text(json.dumps(key_file), encoding="utf-8")
    service_account = {
        "type": "service_account",
        "project_id": "authwire-test",
        "private_key_id": "readme-key-id",
        "private_key": keys.pem(keys.google),
        "client_email": SERVICE_ACCOUNT,
        "token_uri": f"{platform.origin}/google/token",
    }
    (tmp_path / "service-account.json").write_text(json.dumps(service_account), encoding="utf-8")
    (tmp_path / f"AuthKey_{ASC_KEY_ID}.p8").write_text(keys.pem(keys.asc), encoding="utf-8")
    (tmp_path / "client-key.pem").write_text(keys.pem(keys.client), encoding="utf-8")
    # GitHub hands out PKCS#1 keys ("BEGIN RSA PRIVATE KEY"): the sample reads one as it is.
    github_pem = keys.pem(keys.github, serialization.PrivateFormat.TraditionalOpenSSL)
    assert github_pem.startswith("-----BEGIN RSA PRIVATE KEY-----")
    (tmp_path / "github-app.private-key.pem").write_text(github_pem, encoding="utf-8")
    (tmp_path / "salesforce-key.pem").write_text(keys.pem(keys.salesforce), encoding="utf-8")
    result = run_approving_device_sign_ins(
        [sys.executable, "readme_samples.py"], tmp_path, {**os.environ, **ENV}, authlib
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    for expected in [
        "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
        "Bearer mF_9.B5f-4.1JqM",
        "Token abc123",
        "User u-secret, Organization o-secret",
        "Aladdin BasicCredentials(user_id='Aladdin', password=<redacted>)",
        "invalid input: the Basic user-id contains ':' at byte 4; RFC 7617 does not allow",
        'Token token="abc", realm="api"\nToken token="a\\"b\\\\c d", realm=""\n',
        'Digest username="Mufasa", nc=00000001\nBearer 00Dxx0000001gPL!AR8AQJXg5o\n',
        "invalid input: the value of auth-param 0 contains a control character (CR) at byte 6",
        "TokenManager(client_credentials, credentials=[redacted])",
        "--- sample_client_auth\nTokenManager(client_credentials, credentials=[redacted])\n",
        "--- sample_api_key\nBearer\n",
        "Token abc.def.ghi",
        "1 1",
        "--- sample_google_service_account\nBearer ya29\nTokenManager(google_service_account, credentials=[redacted])\n",
        "--- sample_app_store_connect\n200\n",
        "--- sample_github_app\n1\n",
        "--- sample_salesforce_jwt_bearer\nBearer 00Dxx0000001gPL\n",
        "--- sample_cryptography_signer\n"
        "CryptographySigner(algorithm=JwtAlgorithm.RS256, key_id='key-1', private_key=<redacted>)\nBearer\n",
        "True 0",
        "{200}",
        "add the company CA: set SSL_CERT_FILE, or give your HTTP client its CA\nCERTIFICATE_UNTRUSTED False\n",
        "200\n201\n['Authorization', 'Cookie', 'X-CSRF-Token']",
        "--- sample_session_handover\nSessionTokens(access_token=<redacted>, refresh_token=<redacted>, "
        "expires_in=datetime.timedelta(seconds=3600), scope='openid profile read', id_token=None)\nBearer\n",
        "--- sample_pkce_sign_in\nBearer\n",
        "--- sample_device_flow\nGo to https://example.com/device and type ",
        "--- sample_shared_session\nTrue\n",
    ]:
        assert expected in out, f"{expected!r} not in the output:\n{out}"
    assert "myapp.auth INFO AuthEvent.TokenRefreshed(lifetime=datetime.timedelta(seconds=3600)" in result.stderr
    for secret in (
        ENV["CLIENT_SECRET"],
        key_file["encodedKey"],
        *keys.pem_lines(),
        signed_in.access_token,
        signed_in.refresh_token,
    ):
        assert secret not in out + result.stderr
