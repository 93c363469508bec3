"""The signed-JWT token managers against real verifiers: ``tests/scenarios/jwt_servers.py``.

PyJWT checks the Google (JWT-bearer grant and self-signed), GitHub App and App Store Connect
JWTs: signature, ``alg``, ``kid``, ``iss``, ``aud``, ``scope`` and the ``iat``/``exp`` bounds;
Authlib checks ``private_key_jwt`` (and refuses a replayed ``jti``). Every scenario runs with
the core's built-in signer (``authwire.pem_signer``, or the key file itself), and the main ones
again with :class:`authwire.cryptography.CryptographySigner` over ``cryptography`` key objects:
the keys of the server's ready line, and a freshly generated key registered with
``PUT <base>/keys/<kid>``. Google stand-ins whose clocks run 10 minutes ahead or behind check
that a refused assertion is signed again on the server's time (the figures are printed: run
with ``-s`` to see them).

The server needs PyJWT, cryptography, Authlib and Flask (Python 3.10+). It runs under
``AUTHWIRE_TEST_PYTHON`` when it is set, else under this interpreter when it has them, else
under the repository's ``.venv/bin/python``; without any, these tests are skipped.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from scenario_scripts import run_scenario_script

import authwire
from authwire import AuthError, AuthEvent, JwtAlgorithm, JwtSigner, SignerError, TokenManager
from authwire.cryptography import CryptographySigner
from localserver import ms

SERVER_MODULES = ("jwt", "cryptography", "authlib", "flask")
CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform"
# The key material of the ready line that must never show in a repr, a str or an error.
PRIVATE_KEYS = ("rsa_pkcs8", "rsa_pkcs1", "ec_pkcs8", "ec_sec1", "wrong_rsa_pkcs8", "ec_p384_pkcs8", "rsa_encrypted")


class Servers:
    """The ready line of jwt_servers.py, with helpers for its endpoints."""

    def __init__(self, info: dict[str, Any]) -> None:
        self.info = info
        self.base: str = info["base"]
        self.authlib: str = info["authlib"]
        self.google: dict[str, Any] = info["google_key_json"]
        self.github: dict[str, Any] = info["github"]
        self.asc: dict[str, Any] = info["asc"]
        self.pkjwt: dict[str, Any] = info["private_key_jwt"]

    def pem(self, name: str) -> str:
        return str(self.info["keys"][name])

    def private_key(self, name: str) -> Any:
        """A key of the ready line as a ``cryptography`` key object."""
        password = b"pw" if name == "rsa_encrypted" else None
        return serialization.load_pem_private_key(self.pem(name).encode(), password=password)

    def google_key(self, namespace: str, skew: int = 0, **changes: Any) -> dict[str, Any]:
        """The Google key file, its ``token_uri`` on ``/google/<skew>.<namespace>/token``."""
        return {**self.google, "token_uri": f"{self.base}/google/{skew}.{namespace}/token", **changes}

    def get(self, url: str, authorization: str | None = None) -> tuple[int, Any]:
        headers = {"Authorization": authorization} if authorization else {}
        try:
            with urlopen(Request(url, headers=headers), timeout=10) as response:
                return response.status, json.loads(response.read())
        except HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def stats(self, path: str, base: str | None = None) -> dict[str, Any]:
        status, answer = self.get(f"{base or self.base}/{path}/stats")
        assert status == 200, answer
        return dict(answer)

    def register(self, kid: str, public_pem: bytes) -> None:
        request = Request(f"{self.base}/keys/{kid}", data=public_pem, method="PUT")
        with urlopen(request, timeout=10) as response:
            assert response.status == 201
            assert json.loads(response.read())["kid"] == kid

    def key_lines(self) -> list[str]:
        """Every base64 line of every private key PEM (what must never be printed)."""
        return [
            line
            for name in PRIVATE_KEYS
            for line in self.pem(name).splitlines()
            if line and not line.startswith("-----") and ":" not in line
        ]

    def assert_no_key_material(self, *values: object) -> None:
        lines = self.key_lines()
        for value in values:
            texts = [str(value), repr(value)]
            if isinstance(value, BaseException):
                texts.append(repr(value.args))
            for text in texts:
                for line in lines:
                    assert line not in text, f"a PEM line shows in {text!r}"


@pytest.fixture(scope="module")
def servers() -> Iterator[Servers]:
    """jwt_servers.py, started once for the module."""
    with run_scenario_script("jwt_servers.py", SERVER_MODULES, "PyJWT, cryptography, Authlib and Flask") as ready:
        yield Servers(ready)


def fresh(prefix: str) -> str:
    """A namespace suffix of its own, so that a test reads only its own server stats."""
    return f"{prefix}{secrets.token_hex(4)}"


def public_pem(key: Any) -> bytes:
    return bytes(
        key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def registered_signer(servers: Servers, key: Any) -> CryptographySigner:
    """A CryptographySigner over ``key``, whose public key the servers now know by a new kid."""
    kid = fresh("py-")
    servers.register(kid, public_pem(key))
    return CryptographySigner(key, key_id=kid)


# --- Google service accounts ------------------------------------------------------------------


def assert_google_grant_verified(servers: Servers, namespace: str, manager: TokenManager, kid: str) -> None:
    header = manager.authorization()
    assert header.startswith("Bearer ya29."), header
    token = manager.token()
    assert 3_597_000 <= ms(token.expires_in) <= 3_599_000
    stats = servers.stats(f"google/0.{namespace}")
    assert (stats["accepted"], stats["rejected"]) == (1, 0), stats
    jwt_header, claims = stats["last"]["jwt_header"], stats["last"]["jwt_claims"]
    assert (jwt_header["alg"], jwt_header["kid"], jwt_header["typ"]) == ("RS256", kid, "JWT")
    assert claims["iss"] == servers.google["client_email"]
    assert claims["aud"] == f"{servers.base}/google/0.{namespace}/token"
    assert claims["scope"] == CLOUD_PLATFORM
    assert 0 < claims["exp"] - claims["iat"] <= 3600
    assert abs(claims["iat"] - time.time()) < 60
    status, answer = servers.get(f"{servers.base}/google/0.{namespace}/resource", header)
    assert status == 200, answer
    servers.assert_no_key_material(manager)


@pytest.mark.parametrize("given", ["path-str", "pathlib", "json-text"])
def test_google_service_account_grant_passes_pyjwt(servers: Servers, tmp_path: Path, given: str) -> None:
    namespace = fresh("grant")
    key_json = json.dumps(servers.google_key(namespace))
    key_file = tmp_path / "service-account.json"
    key_file.write_text(key_json, encoding="utf-8")
    if given == "json-text":
        manager = TokenManager.google_service_account(key_json=key_json, scopes=[CLOUD_PLATFORM])
    else:
        path: str | Path = str(key_file) if given == "path-str" else key_file
        manager = TokenManager.google_service_account(key_file=path, scopes=[CLOUD_PLATFORM])
    assert_google_grant_verified(servers, namespace, manager, servers.google["private_key_id"])
    assert manager.stats.token_requests == 1


def test_google_grant_through_a_cryptography_signer(servers: Servers) -> None:
    """The same grant as jwt_bearer over a CryptographySigner with the service account's key."""
    namespace = fresh("cgrant")
    token_url = f"{servers.base}/google/0.{namespace}/token"
    signer = CryptographySigner(servers.private_key("rsa_pkcs8"), key_id=servers.google["private_key_id"])
    manager = TokenManager.jwt_bearer(
        token_url,
        signer,
        servers.google["client_email"],
        token_url,
        extra_claims={"scope": CLOUD_PLATFORM},
        lifetime=3600,
    )
    assert_google_grant_verified(servers, namespace, manager, servers.google["private_key_id"])


def test_google_self_signed_jwt_passes_pyjwt(servers: Servers, tmp_path: Path) -> None:
    audience = "https://pubsub.googleapis.com/"
    key_file = tmp_path / "key.json"
    key_file.write_text(json.dumps(servers.google_key("unused")), encoding="utf-8")
    manager = TokenManager.google_service_account_jwt(key_file=key_file, audience=audience)
    status, answer = servers.get(f"{servers.base}/verify/google-self-signed?aud={audience}", manager.authorization())
    assert status == 200, answer
    assert answer["header"]["alg"] == "RS256" and answer["header"]["kid"] == servers.google["private_key_id"]
    assert answer["claims"]["iss"] == answer["claims"]["sub"] == servers.google["client_email"]
    assert manager.stats.token_requests == 1, "signed here, no request"
    # A wrong audience is what the verifier refuses.
    status, answer = servers.get(
        f"{servers.base}/verify/google-self-signed?aud=https://other/", manager.authorization()
    )
    assert status == 401, answer


# --- App Store Connect ----------------------------------------------------------------------


def assert_asc_verified(servers: Servers, manager: TokenManager, kid: str) -> None:
    status, answer = servers.get(f"{servers.base}/verify/asc", manager.authorization())
    assert status == 200, answer
    assert (answer["header"]["alg"], answer["header"]["kid"]) == ("ES256", kid)
    assert answer["claims"]["aud"] == "appstoreconnect-v1"
    assert answer["claims"]["iss"] == servers.asc["issuer_id"]
    token = manager.token()
    assert ms(token.expires_in) <= 1_200_000 and ms(token.refresh_in) < 1_200_000


@pytest.mark.parametrize("pem", ["ec_pkcs8", "ec_sec1"])
def test_app_store_connect_jwt_passes_pyjwt(servers: Servers, pem: str) -> None:
    kid = servers.asc["key_id"]
    manager = TokenManager.app_store_connect(servers.asc["issuer_id"], authwire.pem_signer(servers.pem(pem), kid))
    assert_asc_verified(servers, manager, kid)


def test_app_store_connect_through_a_cryptography_signer(servers: Servers) -> None:
    kid = servers.asc["key_id"]
    signer = CryptographySigner(servers.private_key("ec_sec1"), key_id=kid)
    assert signer.algorithm() is JwtAlgorithm.ES256
    manager = TokenManager.app_store_connect(servers.asc["issuer_id"], signer, lifetime=600)
    assert_asc_verified(servers, manager, kid)
    assert ms(manager.token().expires_in) <= 600_000


def test_a_freshly_generated_key_registered_with_the_server(servers: Servers) -> None:
    """A key that never was PEM: generated here, its public key PUT to the servers."""
    signer = registered_signer(servers, ec.generate_private_key(ec.SECP256R1()))
    kid = signer.key_id()
    assert kid is not None
    assert_asc_verified(servers, TokenManager.app_store_connect(servers.asc["issuer_id"], signer), kid)
    # The same signer authenticates an Authlib client (ES256, the kid names the new key).
    manager = TokenManager.client_credentials_private_key_jwt(
        servers.pkjwt["token_url"], servers.pkjwt["client_id"], signer, scopes=["read"]
    )
    status, answer = servers.get(f"{servers.authlib}/api/resource?scope=read", manager.authorization())
    assert status == 200, answer
    # And a fresh RSA key signs a GitHub App JWT.
    rsa_signer = registered_signer(servers, rsa.generate_private_key(public_exponent=65537, key_size=2048))
    github = TokenManager.github_app(
        servers.github["app_id"], servers.github["installation_id"], rsa_signer, api_url=servers.github["api"]
    )
    assert github.token().value.startswith("ghs_")


def test_app_store_connect_refuses_an_rsa_key_and_a_missing_key_id(servers: Servers) -> None:
    issuer, kid = servers.asc["issuer_id"], servers.asc["key_id"]
    for signer in (
        authwire.pem_signer(servers.pem("rsa_pkcs8"), kid),
        CryptographySigner(servers.private_key("rsa_pkcs8"), key_id=kid),
    ):
        with pytest.raises(AuthError.InvalidConfiguration) as caught:
            TokenManager.app_store_connect(issuer, signer)
        assert "ES256" in str(caught.value), str(caught.value)
        servers.assert_no_key_material(caught.value)
    with pytest.raises(AuthError.InvalidConfiguration) as caught:
        TokenManager.app_store_connect(issuer, authwire.pem_signer(servers.pem("ec_pkcs8")))
    assert "key id" in str(caught.value)
    with pytest.raises(AuthError.InvalidConfiguration):
        TokenManager.app_store_connect(issuer, authwire.pem_signer(servers.pem("ec_pkcs8"), kid), lifetime=1201)


# --- GitHub Apps ------------------------------------------------------------------------------


@pytest.mark.parametrize("signer_kind", ["pem_signer", "cryptography"])
def test_github_app_installation_token(servers: Servers, signer_kind: str) -> None:
    namespace = fresh("0.gh")
    api = f"{servers.base}/github/{namespace}"
    signer: JwtSigner = (
        authwire.pem_signer(servers.pem("rsa_pkcs1"))
        if signer_kind == "pem_signer"
        else CryptographySigner(servers.private_key("rsa_pkcs1"))
    )
    manager = TokenManager.github_app(
        int(servers.github["app_id"]), servers.github["installation_id"], signer, api_url=api
    )
    token = manager.token()
    assert token.value.startswith("ghs_")
    # The expiry is read from `expires_at`, one hour after the server's now.
    assert 3_595_000 <= ms(token.expires_in) <= 3_601_000, ms(token.expires_in)
    stats = servers.stats(f"github/{namespace}")
    assert (stats["accepted"], stats["rejected"]) == (1, 0), stats
    assert stats["last"]["jwt_header"]["alg"] == "RS256"
    claims = stats["last"]["jwt_claims"]
    assert claims["iss"] == "123456"
    assert claims["exp"] - claims["iat"] == 600
    assert "application/vnd.github+json" in stats["last"]["headers"]["accept"]
    status, answer = servers.get(f"{api}/installation/repositories", token.authorization)
    assert status == 200, answer
    servers.assert_no_key_material(manager, signer)


# --- private_key_jwt on Authlib -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("pem", "kid", "signer_kind"),
    [
        ("rsa_pkcs8", None, "pem_signer"),
        ("ec_pkcs8", "2X9R4HXF34", "pem_signer"),
        ("rsa_pkcs1", None, "cryptography"),
        ("ec_sec1", "2X9R4HXF34", "cryptography"),
    ],
    ids=["rs256-pem", "es256-pem", "rs256-cryptography", "es256-cryptography"],
)
def test_private_key_jwt_passes_authlib_with_a_fresh_jti(
    servers: Servers, pem: str, kid: str | None, signer_kind: str
) -> None:
    namespace = fresh("pk")
    token_url = f"{servers.authlib}/oauth/{namespace}/token"
    signer: JwtSigner = (
        authwire.pem_signer(servers.pem(pem), kid)
        if signer_kind == "pem_signer"
        else CryptographySigner(servers.private_key(pem), key_id=kid)
    )
    manager = TokenManager.client_credentials_private_key_jwt(
        token_url, servers.pkjwt["client_id"], signer, scopes=["read"]
    )
    first = manager.authorization()
    status, answer = servers.get(f"{servers.authlib}/api/resource?scope=read", first)
    assert status == 200, answer
    assert answer["client_id"] == servers.pkjwt["client_id"]
    # Two refreshes: each assertion has its own jti (Authlib refuses a replayed one).
    for _ in range(2):
        sent = manager.authorization()
        assert manager.invalidate(sent)
        assert manager.authorization() != sent
    stats = servers.stats(f"oauth/{namespace}", servers.authlib)
    assert (stats["accepted"], stats["jti_seen"], stats["jti_duplicates"]) == (3, 3, 0), stats
    expected_alg = "RS256" if pem.startswith("rsa") else "ES256"
    assert stats["last"]["jwt_header"]["alg"] == expected_alg
    assert manager.stats.token_requests == 3


def test_private_key_jwt_from_asyncio(servers: Servers) -> None:
    """A Python signer called on the core's threads while the event loop awaits."""
    signer = CryptographySigner(servers.private_key("rsa_pkcs8"))
    manager = TokenManager.client_credentials_private_key_jwt(
        servers.pkjwt["token_url"], servers.pkjwt["client_id"], signer
    )

    async def main() -> list[str]:
        return list(await asyncio.gather(*(manager.authorization_async() for _ in range(20))))

    headers = asyncio.run(main())
    assert len(set(headers)) == 1
    assert manager.stats.token_requests == 1


# --- Errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "says"),
    [
        ("ec_p384_pkcs8", "neither an RSA key nor a P-256"),
        ("rsa_encrypted", "password-protected"),
        ("truncated", "truncated"),
        ("not a key", "no PEM private key"),
    ],
)
def test_unusable_pem_keys_are_invalid_configuration(servers: Servers, key: str, says: str) -> None:
    pem = {"truncated": servers.pem("rsa_pkcs8")[: len(servers.pem("rsa_pkcs8")) // 2], "not a key": "not a key"}.get(
        key
    ) or servers.pem(key)
    for given in (pem, pem.encode()):
        with pytest.raises(AuthError.InvalidConfiguration) as caught:
            authwire.pem_signer(given)
        assert says in str(caught.value), str(caught.value)
        servers.assert_no_key_material(caught.value)
    # In a key file too.
    with pytest.raises(AuthError.InvalidConfiguration) as caught:
        TokenManager.google_service_account(
            key_json=json.dumps(servers.google_key("bad", private_key=pem)), scopes=[CLOUD_PLATFORM]
        )
    assert says in str(caught.value), str(caught.value)
    servers.assert_no_key_material(caught.value)


def test_cryptography_signer_refuses_unsupported_keys(servers: Servers) -> None:
    with pytest.raises(AuthError.InvalidConfiguration) as caught:
        CryptographySigner(servers.private_key("ec_p384_pkcs8"))
    assert "secp384r1" in str(caught.value) and "P-256" in str(caught.value), str(caught.value)
    servers.assert_no_key_material(caught.value)
    with pytest.raises(AuthError.InvalidConfiguration, match="1024 bits"):
        CryptographySigner(rsa.generate_private_key(public_exponent=65537, key_size=1024))
    with pytest.raises(TypeError, match="Ed25519PrivateKey"):
        CryptographySigner(ed25519.Ed25519PrivateKey.generate())
    with pytest.raises(TypeError, match=r"authwire\.pem_signer") as type_error:
        CryptographySigner(servers.pem("rsa_pkcs8"))  # type: ignore[arg-type]
    servers.assert_no_key_material(type_error.value)
    with pytest.raises(TypeError, match="a public key cannot sign"):
        CryptographySigner(servers.private_key("rsa_pkcs8").public_key())
    with pytest.raises(TypeError, match=r"signer must be an authwire\.JwtSigner"):
        TokenManager.app_store_connect("issuer", servers.pem("ec_pkcs8"))  # type: ignore[arg-type]


def test_a_wrong_key_is_refused_by_the_server_without_key_material(servers: Servers) -> None:
    # Google: the key file holds another private key.
    key = servers.google_key(fresh("wrong"), private_key=servers.pem("wrong_rsa_pkcs8"))
    manager = TokenManager.google_service_account(key_json=json.dumps(key), scopes=[CLOUD_PLATFORM])
    with pytest.raises(AuthError.OAuth) as caught:
        manager.authorization()
    assert (caught.value.status, caught.value.error) == (400, "invalid_grant")
    assert "Signature" in caught.value.description
    assert manager.stats.token_requests == 1, "refused, not retried"
    servers.assert_no_key_material(caught.value, manager)
    # GitHub: a CryptographySigner over a key the app does not have.
    github = TokenManager.github_app(
        servers.github["app_id"],
        servers.github["installation_id"],
        CryptographySigner(servers.private_key("wrong_rsa_pkcs8")),
        api_url=f"{servers.base}/github/{fresh('0.wrong')}",
    )
    with pytest.raises(AuthError) as refused:
        github.authorization()
    assert isinstance(refused.value, (AuthError.Unauthorized, AuthError.OAuth, AuthError.HttpStatus)), repr(
        refused.value
    )
    assert "401" in str(refused.value), str(refused.value)
    servers.assert_no_key_material(refused.value, github)


def test_a_wrong_audience_is_refused(servers: Servers) -> None:
    signer = CryptographySigner(servers.private_key("rsa_pkcs8"), key_id=servers.google["private_key_id"])
    manager = TokenManager.jwt_bearer(
        f"{servers.base}/google/0.{fresh('aud')}/token",
        signer,
        servers.google["client_email"],
        "https://wrong.example/token",
        extra_claims='{"scope": "s"}',
    )
    with pytest.raises(AuthError.OAuth) as caught:
        manager.authorization()
    assert caught.value.error == "invalid_grant" and "audience" in str(caught.value), str(caught.value)
    assert manager.stats.token_requests == 1, "refused, not retried"
    servers.assert_no_key_material(caught.value)


class FailingSigner(JwtSigner):
    """A host signer whose keystore refuses, or that raises something undeclared."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def algorithm(self) -> JwtAlgorithm:
        return JwtAlgorithm.RS256

    def key_id(self) -> str | None:
        return None

    def sign(self, message: bytes) -> bytes:
        raise self.error


@pytest.mark.parametrize(
    ("error", "says"),
    [
        (SignerError.Failed("the HSM is offline"), "the HSM is offline"),
        (RuntimeError("boom-f00d"), "does not declare"),
    ],
    ids=["signer-error", "undeclared"],
)
def test_a_signer_that_cannot_sign_is_invalid_configuration(servers: Servers, error: Exception, says: str) -> None:
    manager = TokenManager.client_credentials_private_key_jwt(
        servers.pkjwt["token_url"], servers.pkjwt["client_id"], FailingSigner(error)
    )
    with pytest.raises(AuthError.InvalidConfiguration) as caught:
        manager.authorization()
    assert str(caught.value).startswith("invalid configuration: the JWT signer failed: "), str(caught.value)
    assert says in str(caught.value), str(caught.value)
    assert "f00d" not in str(caught.value) and "f00d" not in repr(caught.value)
    stats = manager.stats
    assert (stats.failures, stats.retries) == (1, 0), "a signer that cannot sign is not retried"


def test_service_account_key_files_that_cannot_be_used(servers: Servers, tmp_path: Path) -> None:
    with pytest.raises(AuthError.InvalidConfiguration, match="cannot be read") as caught:
        TokenManager.google_service_account(key_file=tmp_path / "missing.json", scopes=[CLOUD_PLATFORM])
    assert "missing.json" in str(caught.value)
    with pytest.raises(AuthError.InvalidConfiguration, match="authorized_user"):
        TokenManager.google_service_account(key_json='{"type": "authorized_user"}', scopes=[CLOUD_PLATFORM])
    with pytest.raises(AuthError.InvalidConfiguration, match="private_key"):
        TokenManager.google_service_account(key_json='{"type": "service_account"}', scopes=[CLOUD_PLATFORM])
    with pytest.raises(AuthError.InvalidConfiguration, match="scope") as no_scope:
        TokenManager.google_service_account(key_json=json.dumps(servers.google_key("s")), scopes=[])
    servers.assert_no_key_material(no_scope.value)
    with pytest.raises(TypeError, match="not a str"):
        TokenManager.google_service_account(key_json="{}", scopes=CLOUD_PLATFORM)
    with pytest.raises(TypeError, match="bytes"):
        TokenManager.google_service_account(key_json=b"{}", scopes=[CLOUD_PLATFORM])  # type: ignore[arg-type]
    # No guessing from the text: a path is never read as JSON, nor JSON as a path.
    with pytest.raises(TypeError, match=r"exactly one of key_file= .* and key_json="):
        TokenManager.google_service_account(scopes=[CLOUD_PLATFORM])
    with pytest.raises(TypeError, match="exactly one"):
        TokenManager.google_service_account(key_file="a.json", key_json="{}", scopes=[CLOUD_PLATFORM])
    with pytest.raises(AuthError.InvalidConfiguration, match="cannot be read"):
        TokenManager.google_service_account(key_file='{"type": "service_account"}', scopes=[CLOUD_PLATFORM])


def test_extra_claims_are_a_mapping_or_json_text(servers: Servers) -> None:
    signer = authwire.pem_signer(servers.pem("rsa_pkcs8"), "kid-1")
    for claims in ({"tenant": "t1"}, '{"tenant": "t1"}'):
        manager = TokenManager.self_signed_jwt(signer, "me", "https://api.example", extra_claims=claims)
        assert manager.authorization().startswith("Bearer ey")
    for bad in ('["not", "an", "object"]', {"exp": 1}):
        with pytest.raises(AuthError.InvalidConfiguration):
            TokenManager.self_signed_jwt(signer, "me", "https://api.example", extra_claims=bad)


# --- Skewed server clocks -------------------------------------------------------------------------


@pytest.mark.parametrize("signer_kind", ["key-file", "cryptography"])
@pytest.mark.parametrize("skew", [600, -600], ids=["ahead", "behind"])
def test_a_server_clock_ten_minutes_off_is_learned_and_the_assertion_signed_again(
    servers: Servers, skew: int, signer_kind: str
) -> None:
    namespace = fresh(f"skew{abs(skew)}")
    key = servers.google_key(namespace, skew=skew)
    if signer_kind == "key-file":
        manager = TokenManager.google_service_account(key_json=json.dumps(key), scopes=[CLOUD_PLATFORM])
    else:
        manager = TokenManager.jwt_bearer(
            key["token_uri"],
            CryptographySigner(servers.private_key("rsa_pkcs8"), key_id=servers.google["private_key_id"]),
            servers.google["client_email"],
            key["token_uri"],
            extra_claims={"scope": CLOUD_PLATFORM},
            lifetime=3600,
        )
    events: list[AuthEvent] = []
    manager.set_listener(events.append)
    started = time.perf_counter()
    first = manager.authorization()
    first_ms = (time.perf_counter() - started) * 1000
    stats = manager.stats
    assert (stats.token_requests, stats.retries) == (2, 1), stats
    retrying = [e for e in events if isinstance(e, AuthEvent.RefreshRetrying)]
    assert len(retrying) == 1 and retrying[0].delay == timedelta(0), events
    assert "clock" in retrying[0].reason, retrying[0].reason
    # The next token request is signed on the server's time at once.
    assert manager.invalidate(first)
    started = time.perf_counter()
    second = manager.authorization()
    second_ms = (time.perf_counter() - started) * 1000
    assert second != first
    assert manager.stats.token_requests == 3
    assert manager.stats.retries == 1
    server = servers.stats(f"google/{skew}.{namespace}")
    assert (server["accepted"], server["rejected"]) == (2, 1), server
    print(
        f"\n[{signer_kind}] server clock {skew:+d} s: first token in {first_ms:.1f} ms "
        f"(rejected, then re-signed on the server's time), next after invalidate in {second_ms:.1f} ms"
    )


# --- Redaction ----------------------------------------------------------------------------------


def test_signers_and_managers_print_no_key_material(servers: Servers) -> None:
    kid = servers.asc["key_id"]
    signers: list[JwtSigner] = [
        authwire.pem_signer(servers.pem("rsa_pkcs8")),
        authwire.pem_signer(servers.pem("ec_sec1"), kid),
        CryptographySigner(servers.private_key("rsa_pkcs1")),
        CryptographySigner(servers.private_key("ec_pkcs8"), key_id=kid),
    ]
    for signer in signers:
        rendered = repr(signer)
        assert "<redacted>" in rendered, rendered
        assert signer.algorithm().name in rendered, rendered
        servers.assert_no_key_material(signer)
    assert repr(signers[2]) == "CryptographySigner(algorithm=JwtAlgorithm.RS256, key_id=None, private_key=<redacted>)"
    assert (
        repr(signers[3]) == f"CryptographySigner(algorithm=JwtAlgorithm.ES256, key_id='{kid}', private_key=<redacted>)"
    )
    managers = [
        TokenManager.google_service_account(key_json=json.dumps(servers.google_key("r")), scopes=[CLOUD_PLATFORM]),
        TokenManager.google_service_account_jwt(
            key_json=json.dumps(servers.google_key("r")), audience="https://a.example/"
        ),
        TokenManager.github_app("1", 2, signers[2], api_url=servers.github["api"]),
        TokenManager.app_store_connect(servers.asc["issuer_id"], signers[3]),
        TokenManager.client_credentials_private_key_jwt(servers.pkjwt["token_url"], "c", signers[0]),
        TokenManager.jwt_bearer(servers.pkjwt["token_url"], signers[0], "i", "a"),
        TokenManager.self_signed_jwt(signers[1], "i", "a"),
    ]
    for manager in managers:
        servers.assert_no_key_material(manager)
        assert "<redacted>" in repr(manager), repr(manager)
    # A self-signed JWT is a token like any other: printed redacted.
    for manager in (managers[1], managers[3], managers[6]):
        token = manager.token()
        servers.assert_no_key_material(token)
        assert token.value not in repr(token) + str(token)


def test_the_cryptography_module_docstring_runs() -> None:
    import doctest

    import authwire.cryptography

    failures, tried = doctest.testmod(authwire.cryptography, verbose=False, report=True)
    assert tried >= 4 and failures == 0


def test_import_authwire_does_not_import_cryptography() -> None:
    code = (
        "import sys, authwire, authwire.cryptography; authwire.TokenManager; authwire.pem_signer; "
        "print('cryptography' in sys.modules, authwire.CryptographySigner.__module__, 'cryptography' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    # authwire.CryptographySigner is the class of authwire.cryptography; only making one imports cryptography.
    assert result.stdout.split() == ["False", "authwire.cryptography", "False"], result.stdout
    assert "CryptographySigner" not in authwire.__all__  # `from authwire import *` must not need cryptography
