import AuthwireUniFFI

/// Every value of the refresh policy, with the defaults the refresh-policy guide's table gives (docs/guides/refresh-policy.md); change only
/// what you need: `TokenOptions(requestTimeoutMs: 5_000, maxAttempts: 3)`.
public typealias TokenOptions = AuthwireUniFFI.TokenOptions

/// Counters of a ``TokenManager`` or ``CsrfSession`` since it was created.
public typealias TokenStats = AuthwireUniFFI.TokenStats

/// What a manager did (token requested, refreshed, retrying, failed, invalidated). Events
/// carry no secret: log them as they are. `refreshRetrying` and `refreshFailed` carry the
/// ``NetworkErrorKind`` as `networkKind` when the attempt failed on the network:
/// `if case .refreshFailed(let kind?, _, _) = event { ... }`.
public typealias AuthEvent = AuthwireUniFFI.AuthEvent

/// How OAuth2 client credentials authenticate at the token endpoint:
///
/// - `.clientSecretBasic` (default): HTTP Basic over the id and secret percent-encoded first
///   (every UTF-8 byte outside `A-Z a-z 0-9 - . _ ~`, a space as `%20`; RFC 6749 §2.3.1).
///   Keycloak, Spring Authorization Server, ORY Hydra, node-oidc-provider, Duende
///   IdentityServer, django-oauth-toolkit, Authlib, Okta, Auth0, Azure AD.
/// - `.clientSecretBasicUnencoded`: HTTP Basic over the id and secret as they are, for servers
///   that do not decode them (Doorkeeper, Cloud Foundry UAA). A client id with `:` (or a
///   control character) is refused with ``AuthError/invalidConfiguration(reason:)`` when the
///   manager is created.
/// - `.clientSecretPost`: `client_id` and `client_secret` as form fields of the body.
public typealias ClientAuthMethod = AuthwireUniFFI.ClientAuthMethod

/// How a custom exchange's expiry field is read: `.secondsFromNow`, `.epochSeconds`,
/// `.epochMilliseconds` or `.rfc3339` (a timestamp such as `2026-01-01T12:00:00Z`).
public typealias ExpiryFormat = AuthwireUniFFI.ExpiryFormat

/// How a CSRF session fetches its token: `.head` (default) or `.get`.
public typealias CsrfFetchMethod = AuthwireUniFFI.CsrfFetchMethod

/// Sends the core's token requests through the host's HTTP stack: ``URLSessionTransport``, or
/// your own implementation. Contract: send the request as given, return every status as a
/// response, never follow redirects, and throw ``HttpTransportError`` when no response came:
/// preferably `.Classified(kind:reason:)` with the ``NetworkErrorKind`` that happened (for a
/// `URLError`, `NetworkErrorKind(urlError)`), so that failures retrying cannot fix (an
/// untrusted certificate, an unknown host) fail at once.
public typealias HttpTransport = AuthwireUniFFI.HttpTransport

/// A token request for a transport to send. It carries credentials: never log it.
public typealias HttpRequest = AuthwireUniFFI.HttpRequest

/// What the server answered, as a transport returns it.
public typealias HttpResponse = AuthwireUniFFI.HttpResponse

/// One HTTP header of an ``HttpRequest`` or ``HttpResponse``.
public typealias HttpHeader = AuthwireUniFFI.HttpHeader

/// Why a transport could not produce a response. `.Classified(kind:reason:)` carries the
/// ``NetworkErrorKind``: the core retries it only when ``NetworkErrorKind/isRetried`` says so,
/// and the caller gets ``AuthError/network(kind:reason:)`` with that kind and the transport's
/// `reason` in the sentence. `.Network(reason:)` (no kind) and any other error a transport
/// throws count as ``NetworkErrorKind/other``, which is retried.
public typealias HttpTransportError = AuthwireUniFFI.HttpTransportError

/// What kind of network failure an ``AuthError/network(kind:reason:)`` is, to branch on
/// without reading the message: `.nameNotResolved`, `.nameResolutionTemporary`,
/// `.connectionRefused`, `.connectTimeout`, `.readTimeout`, `.connectionReset`,
/// `.certificateUntrusted`, `.certificateExpired`, `.certificateWrongName`,
/// `.certificateRevoked`, `.tlsHandshake`, `.proxy` or `.other`. ``isRetried`` says whether
/// authwire retries it. Also carried by the `refreshRetrying` and `refreshFailed` events
/// (`networkKind`, `nil` when the failure was not on the network).
public typealias NetworkErrorKind = AuthwireUniFFI.NetworkErrorKind

extension NetworkErrorKind {
    /// Whether authwire retries an attempt that failed this way (with backoff, within the
    /// manager's `maxAttempts`). `false` for a host name that does not exist, every
    /// certificate failure and other TLS handshake failures: they fail at once, because
    /// waiting cannot fix them.
    public var isRetried: Bool { networkErrorIsRetried(kind: self) }
}

/// Forwards the core's events to a closure.
final class ClosureListener: AuthwireUniFFI.AuthListener {
    private let handler: @Sendable (AuthEvent) -> Void

    init(_ handler: @escaping @Sendable (AuthEvent) -> Void) {
        self.handler = handler
    }

    func onEvent(event: AuthEvent) {
        handler(event)
    }
}
