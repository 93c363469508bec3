import AuthwireUniFFI

/// Every value of the refresh policy, with the defaults the README's table gives; change only
/// what you need: `TokenOptions(requestTimeoutMs: 5_000, maxAttempts: 3)`.
public typealias TokenOptions = AuthwireUniFFI.TokenOptions

/// Counters of a ``TokenManager`` or ``CsrfSession`` since it was created.
public typealias TokenStats = AuthwireUniFFI.TokenStats

/// What a manager did (token requested, refreshed, retrying, failed, invalidated). Events
/// carry no secret: log them as they are.
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
/// response, never follow redirects, throw `HttpTransportError.Network` when no response came.
public typealias HttpTransport = AuthwireUniFFI.HttpTransport

/// A token request for a transport to send. It carries credentials: never log it.
public typealias HttpRequest = AuthwireUniFFI.HttpRequest

/// What the server answered, as a transport returns it.
public typealias HttpResponse = AuthwireUniFFI.HttpResponse

/// One HTTP header of an ``HttpRequest`` or ``HttpResponse``.
public typealias HttpHeader = AuthwireUniFFI.HttpHeader

/// Why a transport could not produce a response (`.Network(reason:)`); the caller then gets
/// ``AuthError/network(reason:)`` and the core retries.
public typealias HttpTransportError = AuthwireUniFFI.HttpTransportError

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
