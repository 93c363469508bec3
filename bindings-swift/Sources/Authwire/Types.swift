import AuthwireUniFFI

/// Every value of the refresh policy, with the defaults the README's table gives; change only
/// what you need: `TokenOptions(requestTimeoutMs: 5_000, maxAttempts: 3)`.
public typealias TokenOptions = AuthwireUniFFI.TokenOptions

/// Counters of a ``TokenManager`` or ``CsrfSession`` since it was created.
public typealias TokenStats = AuthwireUniFFI.TokenStats

/// What a manager did (token requested, refreshed, retrying, failed, invalidated). Events
/// carry no secret: log them as they are.
public typealias AuthEvent = AuthwireUniFFI.AuthEvent

/// How OAuth2 client credentials authenticate: `.clientSecretBasic` (default) or
/// `.clientSecretPost`.
public typealias ClientAuthMethod = AuthwireUniFFI.ClientAuthMethod

/// How a custom exchange's expiry field is read: `.secondsFromNow`, `.epochSeconds` or
/// `.epochMilliseconds`.
public typealias ExpiryFormat = AuthwireUniFFI.ExpiryFormat

/// How a CSRF session fetches its token: `.head` (default) or `.get`.
public typealias CsrfFetchMethod = AuthwireUniFFI.CsrfFetchMethod

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
