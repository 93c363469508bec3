# Types of the generated uniffi module as re-exported by `_ffi.py`.
#
# The generated module (authwire/_native/, built by maturin, never committed) carries only
# partial annotations, so the package's types are declared here instead. Keep this file in
# step with core/src: `tests/test_typing.py` checks every name, method and field below
# against the built module.

import enum
from datetime import timedelta
from typing import ClassVar, final

__all__ = [
    "AccessToken",
    "ApiKey",
    "AuthError",
    "AuthEvent",
    "AuthListener",
    "AuthorizationCodeFlow",
    "BasicCredentials",
    "BlockingHttpTransport",
    "ClientAuthMethod",
    "CsrfFetchMethod",
    "CsrfHeaders",
    "CsrfSession",
    "DeviceAuthorizationFlow",
    "DeviceCode",
    "ExpiryFormat",
    "HttpHeader",
    "HttpRequest",
    "HttpResponse",
    "HttpTransport",
    "HttpTransportError",
    "InternalError",
    "JwtAlgorithm",
    "JwtSigner",
    "JwtSignerImpl",
    "KeyFileSealingKey",
    "NetworkErrorKind",
    "SealingKey",
    "SealingKeyImpl",
    "SessionTokens",
    "SignerError",
    "StoreError",
    "TokenManager",
    "TokenOptions",
    "TokenStats",
    "TokenStore",
    "TokenStoreImpl",
    "basic_auth",
    "bearer_auth",
    "decode_basic",
    "file_store",
    "key_file_sealing_key",
    "network_error_is_retried",
    "open_connectors_auth",
    "pem_signer",
    "redis_store",
    "scheme_auth",
    "scheme_auth_param_lists",
]

# --- Header builders -------------------------------------------------------------------

def basic_auth(user_id: str, password: str) -> str:
    """``Basic base64(user-id ":" password)`` (RFC 7617): the credentials encoded as UTF-8
    (RFC 7617 section 2.1), the base64 never line-wrapped; an empty password is allowed.

    Raises ``AuthError.InvalidInput`` when the user-id contains ``:`` (RFC 7617 cannot
    represent it) or either part contains a control character (CR, LF, NUL...); the message
    names the position, never the value."""

def bearer_auth(token: str) -> str:
    """``Bearer <token>`` (RFC 6750 section 2.1) for any non-empty token of visible ASCII
    (0x21-0x7E), as providers issue them: Salesforce's ``00D...!AQ...``, X's tokens with ``%``,
    Facebook's ``{app-id}|{secret}``.

    Raises ``AuthError.InvalidInput`` when the token is empty or contains a space, a control
    character (CR, LF, NUL, tab...), DEL or non-ASCII; the message names the byte position,
    never the token."""

def scheme_auth(scheme: str, credentials: str) -> str:
    """``<scheme> <credentials>`` for any other scheme (RFC 9110 section 11.4): a single
    visible-ASCII token (token68, e.g. ``SSWS 00Q!x``) or a list of auth-params
    (``token="abc", realm="x"``, with ``\\"`` and ``\\\\`` escapes). To build auth-params from
    values without quoting them by hand, use ``authwire.scheme_auth_params``.

    Raises ``AuthError.InvalidInput`` when the scheme is not an RFC 9110 token, or the
    credentials follow neither form or contain CR, LF, another control character or
    non-ASCII; the message names the byte position, never the credentials."""

def scheme_auth_param_lists(scheme: str, names: list[str], values: list[str]) -> str:
    """``<scheme> name1="value1", ...`` (RFC 9110 section 11.4) from two lists of the same
    length, every value quoted with ``"`` and ``\\`` escaped; use
    ``authwire.scheme_auth_params(scheme, pairs)``, which takes a mapping or pairs.

    Raises ``AuthError.InvalidInput`` when the lists are empty or differ in length, the scheme
    or a name is not an RFC 9110 token, or a value contains a control character (tab
    excepted), DEL or non-ASCII; the message names the parameter's position, never its
    value."""

def open_connectors_auth(
    user_secret: str, organization_secret: str | None = ..., element_token: str | None = ...
) -> str:
    """``User <u>, Organization <o>, Element <e>`` (SAP Open Connectors), leaving out the parts
    that are ``None``. Raises ``AuthError.InvalidInput`` when a given part is empty or contains
    ``,``, whitespace, a control character or non-ASCII."""

def decode_basic(header_value: str) -> BasicCredentials:
    """The user-id and password of a Basic value (``Basic <base64>``, the scheme in any case).
    It accepts exactly what ``basic_auth`` can build.

    Raises ``AuthError.InvalidInput`` when the value is not of the Basic scheme, the base64 is
    invalid, the decoded bytes are not UTF-8 (RFC 7617 section 2.1), there is no ``:``, or
    either part contains a control character (RFC 7617 section 2)."""

@final
class BasicCredentials:
    """A decoded Basic value; the password is redacted when printed."""
    def user_id(self) -> str: ...
    def password(self) -> str: ...
    def __eq__(self, other: object) -> bool: ...
    def __ne__(self, other: object) -> bool: ...

@final
class ApiKey:
    """An XTD API key (the downloaded key file); its secrets are redacted when printed."""
    @classmethod
    def from_json(cls, text: str) -> ApiKey: ...
    @classmethod
    def from_file(cls, path: str) -> ApiKey: ...
    @classmethod
    def from_encoded_key(cls, encoded_key: str) -> ApiKey: ...
    def app_client_id(self) -> str | None: ...
    def app_client_secret(self) -> str | None: ...
    def encoded_key(self) -> str: ...
    def __eq__(self, other: object) -> bool: ...
    def __ne__(self, other: object) -> bool: ...

# --- Errors ----------------------------------------------------------------------------

class InternalError(Exception):
    """A bug in authwire or a mismatched build (never raised for bad input or a server)."""

class AuthError(Exception):
    """Everything that can go wrong in authwire; ``str(error)`` (``error.args[0]``) is the
    core's sentence, without secrets. The server's own text, where there is one, is
    ``error.server_message``."""

    @final
    class InvalidInput(AuthError):
        reason: str
        def __init__(self, reason: str) -> None: ...

    @final
    class InvalidConfiguration(AuthError):
        reason: str
        def __init__(self, reason: str) -> None: ...

    @final
    class Network(AuthError):
        """The token server could not be reached or did not answer in time; ``kind`` says
        what failed and whether it was retried, ``str(error)`` names the host and what to do."""

        kind: NetworkErrorKind
        reason: str
        def __init__(self, kind: NetworkErrorKind, reason: str) -> None: ...

    @final
    class Unauthorized(AuthError):
        status: int
        @property
        def server_message(self) -> str:
            """The server's own text (shortened, without secrets); ``str(error)`` is the sentence."""
        def __init__(self, status: int, message: str) -> None: ...

    @final
    class OAuth(AuthError):
        status: int
        error: str
        description: str
        def __init__(self, status: int, error: str, description: str) -> None: ...

    @final
    class RateLimited(AuthError):
        @property
        def retry_after(self) -> timedelta | None:
            """How long the server asked to wait (``Retry-After``), or ``None``."""
        def __init__(self, retry_after_ms: int | None) -> None: ...

    @final
    class Server(AuthError):
        status: int
        @property
        def server_message(self) -> str:
            """The server's own text (shortened, without secrets); ``str(error)`` is the sentence."""
        def __init__(self, status: int, message: str) -> None: ...

    @final
    class HttpStatus(AuthError):
        status: int
        @property
        def server_message(self) -> str:
            """The server's own text (shortened, without secrets); ``str(error)`` is the sentence."""
        def __init__(self, status: int, message: str) -> None: ...

    @final
    class InvalidResponse(AuthError):
        reason: str
        def __init__(self, reason: str) -> None: ...

    @final
    class SignInRequired(AuthError):
        """The user session is over: the server refused its refresh token (``invalid_grant``:
        revoked, expired or reused), the user signed out (in this process or another), or no
        session is stored. Retrying cannot help: show the sign-in. Never raised for a network
        failure, a 5xx or a 429, which keep the session; ``reason`` says why (never a token)."""

        reason: str
        def __init__(self, reason: str) -> None: ...

    @final
    class Cancelled(AuthError):
        """The operation was cancelled by the caller (``DeviceAuthorizationFlow.cancel()``)."""

        reason: str
        def __init__(self, reason: str) -> None: ...

    @final
    class RefreshLoop(AuthError):
        refreshes: int
        @property
        def window(self) -> timedelta:
            """The window in which ``refreshes`` invalidations happened."""
        def __init__(self, refreshes: int, window_ms: int) -> None: ...

class NetworkErrorKind(enum.Enum):
    """What kind of network failure an ``AuthError.Network`` is, to branch on without reading
    the message; ``kind.is_retried`` says whether authwire retries it."""

    NAME_NOT_RESOLVED = 0
    """The host name does not exist (e.g. a typo or the ``.invalid`` domain). Not retried."""
    NAME_RESOLUTION_TEMPORARY = 1
    """The resolver failed for now (no DNS server reachable, a timeout). Retried."""
    CONNECTION_REFUSED = 2
    """Nothing accepted the connection: refused, or the host or network is unreachable. Retried."""
    CONNECT_TIMEOUT = 3
    """The connection could not be opened in time. Retried."""
    READ_TIMEOUT = 4
    """The server did not answer in time after the connection was opened. Retried."""
    CONNECTION_RESET = 5
    """The connection was reset or closed before the answer was complete. Retried."""
    CERTIFICATE_UNTRUSTED = 6
    """The server's certificate is not trusted (unknown issuer: a private CA, a TLS-inspecting
    proxy). Not retried: add the CA to the trust store."""
    CERTIFICATE_EXPIRED = 7
    """The server's certificate has expired or is not yet valid. Not retried."""
    CERTIFICATE_WRONG_NAME = 8
    """The server's certificate was issued for another name. Not retried."""
    CERTIFICATE_REVOKED = 9
    """The server's certificate has been revoked. Not retried."""
    TLS_HANDSHAKE = 10
    """Another TLS handshake failure (no common version or cipher, not TLS on that port). Not retried."""
    PROXY = 11
    """The HTTP proxy refused or failed the connection. Retried."""
    OTHER = 12
    """Any other failure, including a transport error that gave no kind. Retried."""

    @property
    def is_retried(self) -> bool:
        """Whether authwire retries a failure of this kind; the certificate, handshake and
        unknown-name kinds fail at once."""

def network_error_is_retried(kind: NetworkErrorKind) -> bool:
    """The core's answer behind ``NetworkErrorKind.is_retried``; use the property."""

# --- Token options, results and events -------------------------------------------------

class ExpiryFormat(enum.Enum):
    SECONDS_FROM_NOW = 0
    EPOCH_SECONDS = 1
    EPOCH_MILLISECONDS = 2
    RFC3339 = 3

class ClientAuthMethod(enum.Enum):
    """How the client credentials reach the token endpoint (RFC 6749 section 2.3.1)."""

    CLIENT_SECRET_BASIC = 0
    CLIENT_SECRET_POST = 1
    CLIENT_SECRET_BASIC_UNENCODED = 2

class CsrfFetchMethod(enum.Enum):
    HEAD = 0
    GET = 1

@final
class TokenOptions:
    """How a token manager or CSRF session refreshes, retries and times out."""

    refresh_fraction: float
    refresh_floor_ms: int
    refresh_cap_ms: int
    refresh_jitter: float
    expiry_skew_ms: int
    default_lifetime_secs: int
    connect_timeout_ms: int
    request_timeout_ms: int
    max_attempts: int
    backoff_initial_ms: int
    backoff_max_ms: int
    retry_budget_ms: int
    max_body_bytes: int
    loop_max_invalidations: int
    loop_window_ms: int
    transport: HttpTransport | None
    blocking_transport: BlockingHttpTransport | None
    store: TokenStore | None
    def __init__(
        self,
        *,
        refresh_fraction: float = 0.1,
        refresh_floor_ms: int = 250,
        refresh_cap_ms: int = 300000,
        refresh_jitter: float = 0.2,
        expiry_skew_ms: int = 500,
        default_lifetime_secs: int = 3600,
        connect_timeout_ms: int = 5000,
        request_timeout_ms: int = 15000,
        max_attempts: int = 4,
        backoff_initial_ms: int = 200,
        backoff_max_ms: int = 10000,
        retry_budget_ms: int = 30000,
        max_body_bytes: int = 65536,
        loop_max_invalidations: int = 10,
        loop_window_ms: int = 60000,
        transport: HttpTransport | None = ...,
        blocking_transport: BlockingHttpTransport | None = ...,
        store: TokenStore | None = ...,
    ) -> None: ...
    def __eq__(self, other: object) -> bool: ...

@final
class TokenStats:
    """Counters of a token manager or CSRF session since it was created."""

    token_requests: int
    refreshes: int
    failures: int
    retries: int
    waits: int
    invalidations: int
    def __init__(
        self, *, token_requests: int, refreshes: int, failures: int, retries: int, waits: int, invalidations: int
    ) -> None: ...
    def __eq__(self, other: object) -> bool: ...

@final
class AccessToken:
    """A token with its deadlines as of when it was handed out; printing it shows ``[redacted]``."""
    def value(self) -> str: ...
    def authorization(self) -> str: ...
    def expires_in_ms(self) -> int: ...
    def refresh_in_ms(self) -> int: ...

class AuthEvent:
    """Something that happened inside a token manager or CSRF session (never a secret)."""

    @final
    class TOKEN_REQUESTED(AuthEvent):
        __match_args__: ClassVar[tuple[str]] = ("attempt",)
        attempt: int
        def __init__(self, attempt: int) -> None: ...

    @final
    class TOKEN_REFRESHED(AuthEvent):
        __match_args__: ClassVar[tuple[str, str]] = ("lifetime_ms", "refresh_in_ms")
        lifetime_ms: int
        refresh_in_ms: int
        def __init__(self, lifetime_ms: int, refresh_in_ms: int) -> None: ...

    @final
    class REFRESH_RETRYING(AuthEvent):
        """An attempt failed and another follows after ``delay_ms``; ``network_kind`` is the
        kind when the attempt failed on the network, else ``None``."""

        __match_args__: ClassVar[tuple[str, str, str, str]] = ("attempt", "delay_ms", "network_kind", "reason")
        attempt: int
        delay_ms: int
        network_kind: NetworkErrorKind | None
        reason: str
        def __init__(self, attempt: int, delay_ms: int, network_kind: NetworkErrorKind | None, reason: str) -> None: ...

    @final
    class REFRESH_FAILED(AuthEvent):
        """A refresh failed for good; ``network_kind`` is the kind when it failed on the network,
        else ``None``; ``serving_stale`` is true while a still-valid token keeps being served."""

        __match_args__: ClassVar[tuple[str, str, str]] = ("network_kind", "reason", "serving_stale")
        network_kind: NetworkErrorKind | None
        reason: str
        serving_stale: bool
        def __init__(self, network_kind: NetworkErrorKind | None, reason: str, serving_stale: bool) -> None: ...

    @final
    class TOKEN_INVALIDATED(AuthEvent):
        __match_args__: ClassVar[tuple[()]] = ()
        def __init__(self) -> None: ...

    @final
    class STORE_TOKEN_ADOPTED(AuthEvent):
        __match_args__: ClassVar[tuple[str]] = ("age_ms",)
        age_ms: int
        def __init__(self, age_ms: int) -> None: ...

    @final
    class STORE_UNAVAILABLE(AuthEvent):
        __match_args__: ClassVar[tuple[str, str]] = ("reason", "retry_in_ms")
        reason: str
        retry_in_ms: int
        def __init__(self, reason: str, retry_in_ms: int) -> None: ...

    @final
    class STORE_RECOVERED(AuthEvent):
        __match_args__: ClassVar[tuple[()]] = ()
        def __init__(self) -> None: ...

    @final
    class STORE_ENTRY_REJECTED(AuthEvent):
        __match_args__: ClassVar[tuple[str]] = ("reason",)
        reason: str
        def __init__(self, reason: str) -> None: ...

    @final
    class STORE_WAIT_TIMED_OUT(AuthEvent):
        __match_args__: ClassVar[tuple[str]] = ("waited_ms",)
        waited_ms: int
        def __init__(self, waited_ms: int) -> None: ...

    def is_token_requested(self) -> bool: ...
    def is_token_refreshed(self) -> bool: ...
    def is_refresh_retrying(self) -> bool: ...
    def is_refresh_failed(self) -> bool: ...
    def is_token_invalidated(self) -> bool: ...
    def is_store_token_adopted(self) -> bool: ...
    def is_store_unavailable(self) -> bool: ...
    def is_store_recovered(self) -> bool: ...
    def is_store_entry_rejected(self) -> bool: ...
    @final
    class SESSION_ENDED(AuthEvent):
        """A user session ended; every call now raises ``AuthError.SignInRequired``."""

        __match_args__: ClassVar[tuple[str]] = ("reason",)
        reason: str
        def __init__(self, reason: str) -> None: ...

    def is_store_wait_timed_out(self) -> bool: ...
    def is_session_ended(self) -> bool: ...

class AuthListener:
    """Subclass and override ``on_event`` to receive a manager's events (on authwire's threads)."""
    def on_event(self, event: AuthEvent) -> None: ...

# --- Transports: token requests through the host's HTTP client ---------------------------

@final
class HttpHeader:
    """One header of a request or response; ``repr`` hides the value."""

    name: str
    value: str
    def __init__(self, *, name: str, value: str) -> None: ...

@final
class HttpRequest:
    """A token request for a transport to send as given (it carries credentials)."""

    method: str
    url: str
    headers: list[HttpHeader]
    body: bytes | None
    max_body_bytes: int
    @property
    def timeout(self) -> timedelta:
        """The core's time limit for this request: give it to the HTTP client as its timeout
        (``request.timeout.total_seconds()``)."""
    def __init__(
        self,
        *,
        method: str,
        url: str,
        headers: list[HttpHeader],
        body: bytes | None,
        timeout_ms: int,
        max_body_bytes: int,
    ) -> None: ...

@final
class HttpResponse:
    """The server's answer, any status included; never follow redirects."""

    status: int
    headers: list[HttpHeader]
    body: bytes
    def __init__(self, *, status: int, headers: list[HttpHeader], body: bytes) -> None: ...

class HttpTransportError(Exception):
    """Raise from a transport when no response could be obtained; the caller gets
    ``AuthError.Network``. ``Classified(kind, reason)`` decides whether the core retries
    (``kind.is_retried``); ``Network(reason)`` and any other exception count as
    ``NetworkErrorKind.OTHER`` and are retried."""

    @final
    class Network(HttpTransportError):
        """A failure the transport did not classify: retried as ``NetworkErrorKind.OTHER``."""

        reason: str
        def __init__(self, reason: str) -> None: ...

    @final
    class Classified(HttpTransportError):
        """A failure of a known ``kind``; ``reason`` (the HTTP client's own words) is added to
        the caller's message."""

        kind: NetworkErrorKind
        reason: str
        def __init__(self, kind: NetworkErrorKind, reason: str) -> None: ...

    @final
    class Unexpected(HttpTransportError):
        reason: str
        def __init__(self, reason: str) -> None: ...

class HttpTransport:
    """Subclass and override ``async def send`` to send token requests through an async HTTP
    client (an ``httpx.AsyncClient``); give it as ``TokenOptions(transport=...)``. authwire
    runs every ``send`` on one event loop of its own (a daemon thread), since the core calls
    transports from its own threads. A blocking client needs ``BlockingHttpTransport``."""
    async def send(self, request: HttpRequest) -> HttpResponse: ...

class BlockingHttpTransport:
    """Subclass and override ``send`` to send token requests through your HTTP client; the
    core calls it on its own blocking threads. See ``authwire.httpx.HttpxTransport``."""
    def send(self, request: HttpRequest) -> HttpResponse: ...

# --- Token stores ------------------------------------------------------------------------

class StoreError(Exception):
    """Why a token store call failed; raise it from your own ``TokenStore``. Never reaches a caller."""

    class Unavailable(StoreError):
        reason: str
        def __init__(self, reason: str) -> None: ...

    class InvalidConfiguration(StoreError):
        reason: str
        def __init__(self, reason: str) -> None: ...

class TokenStore:
    """Subclass to share tokens through your own storage; methods block, run on authwire's threads.

    The core calls ``write`` and ``try_lock`` with ``ttl_ms``, a time to live in whole
    milliseconds (the one place authwire speaks milliseconds: this is the store's wire
    contract), and a method that fails raises ``StoreError``, which never reaches a caller."""
    def read(self, key: str) -> bytes | None: ...
    def write(self, key: str, value: bytes, ttl_ms: int) -> None: ...
    def compare_and_delete(self, key: str, expected: bytes) -> bool: ...
    def try_lock(self, key: str, owner: str, ttl_ms: int) -> bool: ...
    def unlock(self, key: str, owner: str) -> None: ...

class TokenStoreImpl(TokenStore):
    """A store implemented in the core (``file_store``, ``redis_store``)."""
    def _uniffi_clone_handle(self) -> int: ...

def file_store(path: str) -> TokenStore:
    """A store in the file ``path`` (local filesystem) for the processes of one host."""

def redis_store(url: str, key_prefix: str | None = ..., timeout_ms: int | None = ...) -> TokenStore:
    """A store in Redis (``redis://`` or ``rediss://``) for processes on many hosts."""

# --- Signed JWTs: the signer seam and the built-in PEM signer -----------------------------

class JwtAlgorithm(enum.Enum):
    """A JWS signature algorithm (RFC 7518 section 3.1)."""

    RS256 = 0
    """RSASSA-PKCS1-v1_5 with SHA-256: Google service accounts, GitHub Apps, Salesforce."""
    ES256 = 1
    """ECDSA on P-256 with SHA-256: App Store Connect and other Apple APIs."""

class SignerError(Exception):
    """Raise from your own ``JwtSigner.sign`` when the key cannot sign; the caller gets
    ``AuthError.InvalidConfiguration`` with the reason (which must name no key material)."""

    @final
    class Failed(SignerError):
        reason: str
        def __init__(self, reason: str) -> None: ...

    @final
    class Unexpected(SignerError):
        reason: str
        def __init__(self, reason: str) -> None: ...

class JwtSigner:
    """Signs JWT assertions with a private key that may never leave its keystore.

    Get one from ``authwire.pem_signer(pem, key_id)`` (a PEM key the core reads) or
    ``authwire.cryptography.CryptographySigner(private_key, key_id)``, or subclass it and
    override the three methods over your own keystore or HSM; the core calls them on its
    own threads.
    """
    def algorithm(self) -> JwtAlgorithm:
        """The algorithm of every signature this signer makes."""
    def key_id(self) -> str | None:
        """The JWT header's ``kid`` (Google's ``private_key_id``, App Store Connect's key id),
        or ``None`` to leave it out."""
    def sign(self, message: bytes) -> bytes:
        """The signature of ``message`` (the JWS signing input), hashed with SHA-256: RS256
        RSASSA-PKCS1-v1_5; ES256 ECDSA as DER or raw ``r || s`` (the core converts DER).
        Raise ``SignerError.Failed`` when the key cannot sign."""

class JwtSignerImpl(JwtSigner):
    """A signer implemented in the core (``pem_signer``); prints as ``[redacted]``."""
    def _uniffi_clone_handle(self) -> int: ...

def pem_signer(pem: str, key_id: str | None = ...) -> JwtSigner:
    """A signer over a PEM private key (PKCS#8, PKCS#1, SEC1); use ``authwire.pem_signer``."""

# --- User sessions, wrapped by authwire.SessionTokens, authwire.AuthorizationCodeFlow etc. --

@final
class SessionTokens:
    """The tokens a user session starts from; use ``authwire.SessionTokens``. Prints as
    ``SessionTokens(access_token=[redacted], refresh_token=[redacted], ...)``."""
    def __init__(
        self,
        access_token: str,
        refresh_token: str,
        expires_in_secs: int | None = ...,
        scope: str | None = ...,
        id_token: str | None = ...,
    ) -> None: ...
    @classmethod
    def from_token_response(cls, json: str) -> SessionTokens: ...
    def access_token(self) -> str: ...
    def refresh_token(self) -> str: ...
    def expires_in_secs(self) -> int | None: ...
    def scope(self) -> str | None: ...
    def id_token(self) -> str | None: ...

class SealingKey:
    """The core's sealing-key interface; subclass ``authwire.SealingKey`` instead."""
    def key(self) -> bytes: ...

class SealingKeyImpl(SealingKey):
    """A sealing key implemented in the core."""
    def _uniffi_clone_handle(self) -> int: ...

@final
class KeyFileSealingKey:
    """A sealing key in a file of 32 random bytes; use ``authwire.KeyFileSealingKey``."""
    def __init__(self, path: str) -> None: ...
    def key(self) -> bytes: ...

def key_file_sealing_key(path: str) -> SealingKey:
    """The key file at ``path`` as the core's own sealing key (what ``authwire.KeyFileSealingKey``
    gives ``user_session``)."""

@final
class DeviceCode:
    """What to show the user during a device sign-in; use ``authwire.DeviceCode``."""

    user_code: str
    verification_uri: str
    verification_uri_complete: str | None
    expires_in_secs: int
    interval_secs: int
    def __init__(
        self,
        *,
        user_code: str,
        verification_uri: str,
        verification_uri_complete: str | None,
        expires_in_secs: int,
        interval_secs: int,
    ) -> None: ...
    def __eq__(self, other: object) -> bool: ...

@final
class AuthorizationCodeFlow:
    """A sign-in with the authorization code grant and PKCE; use ``authwire.AuthorizationCodeFlow``."""
    def __init__(
        self,
        authorization_url: str,
        token_url: str,
        client_id: str,
        redirect_uri: str,
        scopes: list[str] = ...,
        client_secret: str | None = ...,
        auth_method: ClientAuthMethod | None = ...,
        options: TokenOptions | None = ...,
    ) -> None: ...
    def authorization_url(self) -> str: ...
    def nonce(self) -> str | None: ...
    def finish(self, redirect_url: str) -> SessionTokens: ...
    async def finish_async(self, redirect_url: str) -> SessionTokens: ...

@final
class DeviceAuthorizationFlow:
    """A sign-in with the device authorization grant; use ``authwire.DeviceAuthorizationFlow``."""
    def __init__(
        self,
        device_authorization_url: str,
        token_url: str,
        client_id: str,
        scopes: list[str] = ...,
        client_secret: str | None = ...,
        auth_method: ClientAuthMethod | None = ...,
        options: TokenOptions | None = ...,
    ) -> None: ...
    def start(self) -> DeviceCode: ...
    async def start_async(self) -> DeviceCode: ...
    def wait(self) -> SessionTokens: ...
    async def wait_async(self) -> SessionTokens: ...
    def cancel(self) -> None: ...

# --- The core's objects, wrapped by authwire.TokenManager / authwire.CsrfSession -------

@final
class CsrfHeaders:
    """The headers for one write call; printing it shows ``[redacted]`` for every value."""
    def csrf_token(self) -> str: ...
    def cookie(self) -> str | None: ...
    def authorization(self) -> str: ...
    def to_map(self) -> dict[str, str]: ...

@final
class CsrfSession:
    def __init__(
        self,
        fetch_url: str,
        user_id: str,
        password: str,
        options: TokenOptions | None = ...,
        fetch_method: CsrfFetchMethod | None = ...,
    ) -> None: ...
    def headers(self) -> CsrfHeaders: ...
    async def headers_async(self) -> CsrfHeaders: ...
    def invalidate(self, token: str) -> bool: ...
    def stats(self) -> TokenStats: ...
    def set_listener(self, listener: AuthListener | None) -> None: ...

@final
class TokenManager:
    @classmethod
    def api_key_exchange(cls, token_url: str, api_key: ApiKey, options: TokenOptions | None = ...) -> TokenManager: ...
    @classmethod
    def client_credentials(
        cls,
        token_url: str,
        client_id: str,
        client_secret: str,
        scopes: list[str] = ...,
        options: TokenOptions | None = ...,
        auth_method: ClientAuthMethod | None = ...,
    ) -> TokenManager: ...
    @classmethod
    def custom_exchange(
        cls,
        token_url: str,
        request_body: str,
        token_field: str,
        expiry_field: str | None = ...,
        expiry_format: ExpiryFormat | None = ...,
        headers: dict[str, str] | None = ...,
        scheme: str | None = ...,
        options: TokenOptions | None = ...,
    ) -> TokenManager: ...
    @classmethod
    def static_token(cls, token: str, lifetime_secs: int | None = ...) -> TokenManager: ...
    @classmethod
    def google_service_account(
        cls, key_json: str, scopes: list[str], options: TokenOptions | None = ...
    ) -> TokenManager: ...
    @classmethod
    def google_service_account_jwt(
        cls, key_json: str, audience: str, options: TokenOptions | None = ...
    ) -> TokenManager: ...
    @classmethod
    def github_app(
        cls,
        app_id: str,
        installation_id: int,
        signer: JwtSigner,
        api_url: str | None = ...,
        options: TokenOptions | None = ...,
    ) -> TokenManager: ...
    @classmethod
    def self_signed_jwt(
        cls,
        signer: JwtSigner,
        issuer: str,
        audience: str,
        subject: str | None = ...,
        lifetime_secs: int = ...,
        extra_claims: str | None = ...,
        options: TokenOptions | None = ...,
    ) -> TokenManager: ...
    @classmethod
    def app_store_connect(
        cls, issuer_id: str, signer: JwtSigner, lifetime_secs: int = ..., options: TokenOptions | None = ...
    ) -> TokenManager: ...
    @classmethod
    def client_credentials_private_key_jwt(
        cls,
        token_url: str,
        client_id: str,
        signer: JwtSigner,
        scopes: list[str] = ...,
        options: TokenOptions | None = ...,
    ) -> TokenManager: ...
    @classmethod
    def jwt_bearer(
        cls,
        token_url: str,
        signer: JwtSigner,
        issuer: str,
        audience: str,
        subject: str | None = ...,
        scopes: list[str] = ...,
        extra_claims: str | None = ...,
        lifetime_secs: int = ...,
        options: TokenOptions | None = ...,
    ) -> TokenManager: ...
    @classmethod
    def user_session(
        cls,
        token_url: str,
        client_id: str,
        tokens: SessionTokens | None = ...,
        client_secret: str | None = ...,
        auth_method: ClientAuthMethod | None = ...,
        revocation_url: str | None = ...,
        sealing_key: SealingKey | None = ...,
        options: TokenOptions | None = ...,
    ) -> TokenManager: ...
    def sign_out(self) -> None: ...
    async def sign_out_async(self) -> None: ...
    def authorization(self) -> str: ...
    async def authorization_async(self) -> str: ...
    def token(self) -> AccessToken: ...
    async def token_async(self) -> AccessToken: ...
    def invalidate(self, token: str) -> bool: ...
    def stats(self) -> TokenStats: ...
    def set_listener(self, listener: AuthListener | None) -> None: ...
