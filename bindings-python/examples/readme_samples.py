"""Every Python sample of bindings-python/README.md, in order, one function each.

The body of each ``sample_*`` function is, line for line, a code block of the README:
``tests/test_readme_samples.py`` checks that, runs this file against a local server, and
``mypy --strict`` checks it as part of the test suite (tests/test_typing.py).

The samples talk to ``https://auth.example.com`` (token endpoints), ``https://api.example.com``
(an API), ``https://sap.example.com`` (an SAP API Management endpoint) and
``https://api.appstoreconnect.apple.com``, ``https://api.github.com``,
``https://login.salesforce.com`` and ``https://login.corp.example`` (a token endpoint
whose certificate comes from a CA the client does not know), and ``https://login.example.com``
(an authorization server for user sessions), with credentials from the environment
(``CLIENT_ID``, ``CLIENT_SECRET``, ``SAP_USER``, ``SAP_PASSWORD``, ``SF_CONSUMER_KEY``) and the
key files ``xtd-api-key.json``, ``service-account.json``, ``AuthKey_2X9R4HXF34.p8``,
``client-key.pem``, ``github-app.private-key.pem`` and ``salesforce-key.pem``, and a signed-in
user's token answer ``signed-in.json``. The test replaces the origins with a local server's
``http://127.0.0.1:<port>`` (``https://login.corp.example`` with the untrusted server of
``tests/scenarios/tls_servers.py``, ``https://login.example.com`` with the Authlib server of
``tests/scenarios/session_servers.py``, where the test approves the device sign-in) and provides
the rest, so every sample runs as written.
"""

from __future__ import annotations


def sample_intro() -> None:
    import authwire

    print(authwire.basic_auth("Aladdin", "open sesame"))  # Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==


def sample_headers() -> None:
    import authwire

    print(authwire.basic_auth("Aladdin", "open sesame"))  # Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==
    print(authwire.bearer_auth("mF_9.B5f-4.1JqM"))  # Bearer mF_9.B5f-4.1JqM
    print(authwire.scheme_auth("Token", "abc123"))  # Token abc123
    print(authwire.open_connectors_auth("u-secret", organization_secret="o-secret"))  # User u-secret, Organization ...

    credentials = authwire.decode_basic("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==")
    print(credentials.user_id, credentials)  # Aladdin BasicCredentials(user_id='Aladdin', password=<redacted>)

    try:
        authwire.basic_auth("user:name", "pw")
    except authwire.AuthError.InvalidInput as error:
        print(error)  # invalid input: the Basic user-id contains ':' at byte 4; RFC 7617 does not allow ...


def sample_auth_params() -> None:
    import authwire

    print(authwire.scheme_auth_params("Token", {"token": "abc", "realm": "api"}))  # Token token="abc", realm="api"
    pairs = [("token", 'a"b\\c d'), ("realm", "")]  # or any iterable of (name, value) tuples
    print(authwire.scheme_auth_params("Token", pairs))  # Token token="a\"b\\c d", realm=""
    print(authwire.scheme_auth("Digest", 'username="Mufasa", nc=00000001'))  # checked, then used as given
    print(authwire.bearer_auth("00Dxx0000001gPL!AR8AQJXg5o"))  # Bearer 00Dxx0000001gPL!AR8AQJXg5o

    try:
        authwire.scheme_auth_params("Token", [("token", "s3cret\r\nX-Evil: 1")])
    except authwire.AuthError.InvalidInput as error:
        print(error)  # invalid input: the value of auth-param 0 contains a control character (CR) at byte 6 ...


def sample_token_manager() -> None:
    import os

    import authwire

    # One manager per credential, shared by every thread of the application.
    manager = authwire.TokenManager.client_credentials(
        "https://auth.example.com/oauth/token",
        client_id=os.environ["CLIENT_ID"],
        client_secret=os.environ["CLIENT_SECRET"],
        scopes=["things:read"],
    )
    header = manager.authorization()  # "Bearer ...": fetched once, then served from memory
    assert manager.authorization() == header  # well under 1 µs while the token is fresh
    print(manager)  # TokenManager(client_credentials, credentials=[redacted])
    print(manager.stats.token_requests)  # 1


def sample_client_auth() -> None:
    import os

    import authwire

    # Doorkeeper and Cloud Foundry UAA compare the Basic credentials without percent-decoding them.
    manager = authwire.TokenManager.client_credentials(
        "https://auth.example.com/oauth/token",
        os.environ["CLIENT_ID"],
        os.environ["CLIENT_SECRET"],
        auth_method=authwire.ClientAuthMethod.CLIENT_SECRET_BASIC_UNENCODED,
    )
    print(manager)  # TokenManager(client_credentials, credentials=[redacted])


def sample_api_key() -> None:
    import authwire

    key = authwire.ApiKey.from_file("xtd-api-key.json")  # the key file downloaded from XTD
    manager = authwire.TokenManager.api_key_exchange(
        "https://auth.example.com/v1/token",
        key,
        options=authwire.TokenOptions(request_timeout=5.0, max_attempts=3),
    )
    try:
        print(manager.authorization().split()[0])  # Bearer
    except authwire.AuthError.Unauthorized as error:
        print(f"the API key was rejected: {error}")
    except authwire.AuthError as error:  # every error says what to do, and never shows a secret
        print(f"no token: {error}")


def sample_custom_exchange() -> None:
    import json
    import os

    import authwire

    manager = authwire.TokenManager.custom_exchange(
        "https://auth.example.com/api/login",
        request_body=json.dumps({"user": os.environ["CLIENT_ID"], "key": os.environ["CLIENT_SECRET"]}),
        token_field="data.jwt",
        expiry_field="data.validUntil",
        expiry_format=authwire.ExpiryFormat.EPOCH_SECONDS,
        scheme="Token",
    )
    print(manager.authorization())  # Token abc.def.ghi


def sample_asyncio() -> None:
    import asyncio
    import os

    import authwire

    manager = authwire.TokenManager.client_credentials(
        "https://auth.example.com/oauth/token", os.environ["CLIENT_ID"], os.environ["CLIENT_SECRET"]
    )

    async def main() -> None:
        # 100 tasks ask at once: one token request, and the event loop is never blocked.
        headers = await asyncio.gather(*(manager.authorization_async() for _ in range(100)))
        print(len(set(headers)), manager.stats.token_requests)  # 1 1

    asyncio.run(main())


def sample_google_service_account() -> None:
    import authwire

    # The key file from the Cloud console: key_file= its path, or key_json= its text (e.g. from a
    # secret manager).
    manager = authwire.TokenManager.google_service_account(
        key_file="service-account.json", scopes=["https://www.googleapis.com/auth/cloud-platform"]
    )
    print(manager.authorization().split(".")[0])  # Bearer ya29
    print(manager)  # TokenManager(google_service_account, credentials=[redacted])


def sample_app_store_connect() -> None:
    from pathlib import Path

    import requests

    import authwire
    from authwire.requests import TokenAuth

    # The AuthKey_<key id>.p8 file: the core reads the key and signs ES256 JWTs itself.
    signer = authwire.pem_signer(Path("AuthKey_2X9R4HXF34.p8").read_text(), key_id="2X9R4HXF34")
    manager = authwire.TokenManager.app_store_connect("57246542-96fe-1a63-e053-0824d011072a", signer)
    with requests.Session() as session:
        session.auth = TokenAuth(manager)  # a JWT signed here, signed again before 20 minutes pass
        print(session.get("https://api.appstoreconnect.apple.com/v1/apps", timeout=10).status_code)  # 200


def sample_github_app() -> None:
    from pathlib import Path

    import requests

    import authwire
    from authwire.requests import TokenAuth

    # The private key from the app's settings page (PKCS#1 "RSA PRIVATE KEY", read as it is).
    signer = authwire.pem_signer(Path("github-app.private-key.pem").read_text())
    # api_url: GitHub's (the default), or https://<host>/api/v3 for GitHub Enterprise Server.
    manager = authwire.TokenManager.github_app("123456", 987654, signer, api_url="https://api.github.com")
    with requests.Session() as session:
        session.auth = TokenAuth(manager)  # an installation token, renewed before its hour ends
        repos = session.get("https://api.github.com/installation/repositories", timeout=10).json()
        print(repos["total_count"])  # 1


def sample_salesforce_jwt_bearer() -> None:
    import os
    from datetime import timedelta
    from pathlib import Path

    import authwire

    # The connected app's consumer key and certificate key, and the user to act as.
    manager = authwire.TokenManager.jwt_bearer(
        "https://login.salesforce.com/services/oauth2/token",
        authwire.pem_signer(Path("salesforce-key.pem").read_text()),
        issuer=os.environ["SF_CONSUMER_KEY"],
        audience="https://login.salesforce.com",
        subject="alice@example.com",
        # Salesforce's answer has no expires_in: keep the token for your org's session timeout.
        options=authwire.TokenOptions(default_lifetime=timedelta(hours=2)),
    )
    print(manager.authorization().split("!")[0])  # Bearer 00Dxx0000001gPL


def sample_cryptography_signer() -> None:
    import os
    from pathlib import Path

    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    import authwire
    from authwire.cryptography import CryptographySigner

    # Any cryptography key object: loaded from a file or a vault, generated, or from an HSM.
    key = load_pem_private_key(Path("client-key.pem").read_bytes(), password=None)
    signer = CryptographySigner(key, key_id="key-1")  # an RSA or a P-256 key
    print(repr(signer))  # CryptographySigner(algorithm=JwtAlgorithm.RS256, key_id='key-1', private_key=<redacted>)

    # private_key_jwt client authentication (Okta, Auth0, Keycloak, Azure AD): no client secret.
    manager = authwire.TokenManager.client_credentials_private_key_jwt(
        "https://auth.example.com/oauth/token", os.environ["CLIENT_ID"], signer, scopes=["things:read"]
    )
    print(manager.authorization().split()[0])  # Bearer


def sample_store() -> None:
    import os
    import tempfile

    import authwire

    # One host: a file on a local filesystem (NFS and SMB are refused).
    # Many hosts: authwire.RedisStore("rediss://:password@redis.internal:6380")
    store = authwire.FileStore(os.path.join(tempfile.mkdtemp(), "tokens"))
    options = authwire.TokenOptions(store=store)
    url = "https://auth.example.com/oauth/token"
    client_id, secret = os.environ["CLIENT_ID"], os.environ["CLIENT_SECRET"]
    first = authwire.TokenManager.client_credentials(url, client_id, secret, options=options)
    second = authwire.TokenManager.client_credentials(url, client_id, secret, options=options)  # another process
    print(first.authorization() == second.authorization(), second.stats.token_requests)  # True 0


def sample_requests() -> None:
    import os

    import requests

    import authwire
    from authwire.requests import TokenAuth

    manager = authwire.TokenManager.client_credentials(
        "https://auth.example.com/oauth/token", os.environ["CLIENT_ID"], os.environ["CLIENT_SECRET"]
    )
    with requests.Session() as session:
        session.auth = TokenAuth(manager)  # on a 401: invalidate that token, refresh, retry once
        response = session.get("https://api.example.com/v1/things", timeout=10)
        print(response.status_code)  # 200


def sample_httpx() -> None:
    import asyncio
    import os

    import httpx

    import authwire
    from authwire.httpx import TokenAuth

    auth = TokenAuth(
        authwire.TokenManager.client_credentials(
            "https://auth.example.com/oauth/token", os.environ["CLIENT_ID"], os.environ["CLIENT_SECRET"]
        )
    )
    with httpx.Client(auth=auth, timeout=10) as client:
        print(client.get("https://api.example.com/v1/things").status_code)  # 200

    async def main() -> None:
        async with httpx.AsyncClient(auth=auth, timeout=10) as client:
            responses = await asyncio.gather(*(client.get(f"https://api.example.com/v1/things/{i}") for i in range(10)))
            print({r.status_code for r in responses})  # {200}

    asyncio.run(main())


def sample_network_errors() -> None:
    import os

    import authwire

    manager = authwire.TokenManager.client_credentials(
        "https://login.corp.example/oauth/token", os.environ["CLIENT_ID"], os.environ["CLIENT_SECRET"]
    )
    try:
        manager.authorization()
    except authwire.AuthError.Network as error:
        if error.kind is authwire.NetworkErrorKind.CERTIFICATE_UNTRUSTED:
            print("add the company CA: set SSL_CERT_FILE, or give your HTTP client its CA")
        elif error.kind.is_retried:  # refused, reset, timed out...: authwire already retried
            print("the network failed, try again later:", error)
        else:  # a name that does not resolve, another certificate or TLS failure
            print("check the configuration:", error)
        print(error.kind.name, error.kind.is_retried)  # CERTIFICATE_UNTRUSTED False


def sample_csrf() -> None:
    import os

    import requests

    import authwire
    from authwire.requests import CsrfAuth

    service = "https://sap.example.com/sap/opu/odata/sap/API_BUSINESS_PARTNER"
    csrf = authwire.CsrfSession(service, os.environ["SAP_USER"], os.environ["SAP_PASSWORD"])
    with requests.Session() as session:
        session.auth = CsrfAuth(csrf)  # writes get X-CSRF-Token, Cookie and Authorization
        print(session.get(f"{service}/A_BusinessPartner", timeout=10).status_code)  # 200
        created = session.post(f"{service}/A_BusinessPartner", json={"BusinessPartnerCategory": "1"}, timeout=10)
        print(created.status_code)  # 201 (a 403 "x-csrf-token: Required" is refetched and retried once)

    headers = csrf.headers().to_map()  # or attach them yourself
    print(sorted(headers))  # ['Authorization', 'Cookie', 'X-CSRF-Token']


def sample_listener() -> None:
    import logging
    import os

    import authwire

    log = logging.getLogger("myapp.auth")

    def on_event(event: authwire.AuthEvent) -> None:  # runs on authwire's threads: keep it short
        if isinstance(event, authwire.AuthEvent.RefreshFailed):
            log.warning("token refresh failed: %s (still serving the old token: %s)", event.reason, event.serving_stale)
        else:
            log.info("%r", event)  # e.g. AuthEvent.TokenRefreshed(lifetime=datetime.timedelta(seconds=3600), ...)

    manager = authwire.TokenManager.client_credentials(
        "https://auth.example.com/oauth/token", os.environ["CLIENT_ID"], os.environ["CLIENT_SECRET"]
    )
    manager.set_listener(on_event)  # or an authwire.AuthListener subclass; events never hold a secret
    manager.authorization()


def sample_session_handover() -> None:
    import json
    from pathlib import Path

    import authwire

    # The token endpoint's answer your sign-in kept (AppAuth's lastTokenResponse, Auth0's
    # Credentials, a web login's callback), as JSON text or a dict.
    tokens = authwire.SessionTokens.from_token_response(json.loads(Path("signed-in.json").read_text()))
    print(tokens)  # SessionTokens(access_token=<redacted>, refresh_token=<redacted>, expires_in=..., ...)
    session = authwire.TokenManager.user_session(
        "https://login.example.com/oauth/token",
        "authwire-app",
        tokens=tokens,
        revocation_url="https://login.example.com/oauth/revoke",  # sign_out() revokes the refresh token
    )
    try:
        print(session.authorization().split()[0])  # Bearer: refreshed before it expires, rotation included
    except authwire.AuthError.SignInRequired:  # the refresh token was revoked, expired or reused
        print("show the sign-in again")


def sample_pkce_sign_in() -> None:
    import requests

    import authwire

    flow = authwire.AuthorizationCodeFlow(
        "https://login.example.com/oauth/authorize",
        "https://login.example.com/oauth/token",
        client_id="authwire-app",
        redirect_uri="com.example.app:/oauth2redirect",  # registered for the app (RFC 8252)
        scopes=["openid", "profile", "read"],
    )
    # Open flow.authorization_url in the browser, which comes back to the redirect URI. This
    # server signs the user in at once, so a request that does not follow redirects plays the browser:
    redirect = requests.get(flow.authorization_url, allow_redirects=False, timeout=10).headers["Location"]
    tokens = flow.finish(redirect)  # checks the state, exchanges the code with the PKCE verifier
    session = authwire.TokenManager.user_session("https://login.example.com/oauth/token", "authwire-app", tokens=tokens)
    print(session.authorization().split()[0])  # Bearer


def sample_device_flow() -> None:
    import authwire

    flow = authwire.DeviceAuthorizationFlow(
        "https://login.example.com/oauth/device",
        "https://login.example.com/oauth/token",
        "authwire-app",
        scopes=["profile", "read"],
    )
    code = flow.start()
    print(f"Go to {code.verification_uri} and type {code.user_code}")  # valid for code.expires_in
    tokens = flow.wait()  # polls every code.interval until the user approves; flow.cancel() stops it
    session = authwire.TokenManager.user_session("https://login.example.com/oauth/token", "authwire-app", tokens=tokens)
    print(session.authorization().split()[0])  # Bearer


def sample_shared_session() -> None:
    import json
    import os
    import tempfile
    from pathlib import Path

    import authwire

    # An app and its extension, a CLI and its daemon: one session in a store they share, sealed
    # with a key they all read (a key file here: 32 random bytes, mode 0600, made on first use;
    # or a SealingKey subclass over the OS keyring or a vault).
    shared = tempfile.mkdtemp()  # e.g. ~/.config/myapp
    key = authwire.KeyFileSealingKey(os.path.join(shared, "session.key"))
    store = authwire.FileStore(os.path.join(shared, "session"))  # or authwire.RedisStore(url)
    url = "https://login.example.com/oauth/token"
    tokens = authwire.SessionTokens.from_token_response(json.loads(Path("signed-in.json").read_text()))
    app = authwire.TokenManager.user_session(url, "authwire-app", tokens=tokens, sealing_key=key, store=store)
    # In another process: no tokens, the stored session (AuthError.SignInRequired if there is none).
    extension = authwire.TokenManager.user_session(url, "authwire-app", sealing_key=key, store=store)
    print(extension.authorization() == app.authorization())  # True: one session, one refresh at a time
    app.sign_out()  # everywhere: the extension's calls raise AuthError.SignInRequired within a second

SAMPLES = [
    sample_intro,
    sample_headers,
    sample_auth_params,
    sample_token_manager,
    sample_client_auth,
    sample_api_key,
    sample_custom_exchange,
    sample_asyncio,
    sample_google_service_account,
    sample_app_store_connect,
    sample_github_app,
    sample_salesforce_jwt_bearer,
    sample_cryptography_signer,
    sample_store,
    sample_requests,
    sample_httpx,
    sample_network_errors,
    sample_csrf,
    sample_listener,
    sample_session_handover,
    sample_pkce_sign_in,
    sample_device_flow,
    sample_shared_session,
]

if __name__ == "__main__":
    import logging

    logging.basicConfig(level=logging.INFO, format="%(name)s %(levelname)s %(message)s")
    for sample in SAMPLES:
        print(f"--- {sample.__name__}")
        sample()
