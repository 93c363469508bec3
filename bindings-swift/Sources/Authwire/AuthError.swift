import AuthwireUniFFI
import Foundation

/// Everything that can go wrong in authwire, grouped by what the caller should do next.
///
/// Every throwing call of this module throws an `AuthError`, stores' constructors included
/// (only the seams a host implements, ``HTTPTransport``, ``JWTSigner``, ``TokenStore`` and
/// ``SealingKey``, throw their own ``HTTPTransportError``, ``SignerError`` and ``StoreError``). `localizedDescription`,
/// `errorDescription` and `description` are the core's sentence (the same text as Python's
/// `str(error)` and Kotlin's `displayMessage`); it never contains a secret.
///
/// ```swift
/// do {
///     _ = try basicAuth(userID: "user:name", password: "pw")
/// } catch let error as AuthError {
///     print(error.localizedDescription) // invalid input: the Basic user-id contains ':' ...
/// }
/// ```
public enum AuthError: Error, Sendable, Hashable, LocalizedError, CustomStringConvertible {
    /// A value given to a header builder or parser is unusable (a `:` in a Basic user-id, a
    /// control character, a malformed token). Fix the value; retrying cannot help.
    case invalidInput(reason: String)
    /// The configuration (an API-key file, a URL, an option) is unusable. Fix it.
    case invalidConfiguration(reason: String)
    /// The token server could not be reached or did not answer in time. `kind` says what
    /// failed and whether authwire retried it (``NetworkErrorKind/isRetried``), so code can
    /// branch without reading the text; `reason` names the host and says what to do. A plain
    /// `case .network` pattern still matches every network error.
    case network(kind: NetworkErrorKind, reason: String)
    /// The server rejected the credentials (401 or 403), with its message. Check them.
    case unauthorized(status: Int, serverMessage: String)
    /// An RFC 6749 §5.2 error such as `invalid_client`. Fix the client registration.
    case oauth(status: Int, error: String, description: String)
    /// HTTP 429 after the retries; retry after `retryAfter` when the server said when.
    case rateLimited(retryAfter: Duration?)
    /// HTTP 5xx or 408 after the retries. Retry later.
    case server(status: Int, serverMessage: String)
    /// Another unexpected HTTP status. Check the URL and the request configuration.
    case httpStatus(status: Int, serverMessage: String)
    /// The answer could not be understood (malformed JSON, no token, a body over the limit).
    case invalidResponse(reason: String)
    /// The API keeps rejecting fresh tokens: more than `refreshes` invalidations within
    /// `window`. Check what the API expects (audience, scopes) before retrying.
    case refreshLoop(refreshes: Int, window: Duration)
    /// The user session is over: the server refused the refresh token (`invalid_grant`:
    /// revoked, expired or reused), the user signed out here or in another process sharing
    /// the session, or no session is stored. Show the sign-in. Never caused by a network
    /// failure, a 5xx or a 429: those keep the session.
    case signInRequired(reason: String)
    /// ``DeviceAuthorizationFlow/cancel()``, or the cancellation of the `Task` awaiting
    /// ``DeviceAuthorizationFlow/wait()``, stopped the wait.
    case cancelled(reason: String)

    /// The kind of a ``network(kind:reason:)`` error; `nil` for every other case.
    public var networkKind: NetworkErrorKind? {
        switch self {
        case .network(let kind, _): kind
        default: nil
        }
    }

    /// The core's sentence, e.g. `network error: could not connect to http://127.0.0.1:8080
    /// (refused or unreachable): check that the server is up and the port is right; retry later`.
    public var description: String { core.description }

    /// The core's sentence, as `LocalizedError` asks.
    public var errorDescription: String? { core.description }

    init(_ core: AuthwireUniFFI.AuthError) {
        switch core {
        case .InvalidInput(let reason): self = .invalidInput(reason: reason)
        case .InvalidConfiguration(let reason): self = .invalidConfiguration(reason: reason)
        case .Network(let kind, let reason): self = .network(kind: kind, reason: reason)
        case .Unauthorized(let status, let message):
            self = .unauthorized(status: Int(status), serverMessage: message)
        case .OAuth(let status, let error, let description):
            self = .oauth(status: Int(status), error: error, description: description)
        case .RateLimited(let retryAfterMs): self = .rateLimited(retryAfter: retryAfterMs.map(fromMilliseconds))
        case .Server(let status, let message): self = .server(status: Int(status), serverMessage: message)
        case .HttpStatus(let status, let message):
            self = .httpStatus(status: Int(status), serverMessage: message)
        case .InvalidResponse(let reason): self = .invalidResponse(reason: reason)
        case .RefreshLoop(let refreshes, let windowMs):
            self = .refreshLoop(refreshes: Int(refreshes), window: fromMilliseconds(windowMs))
        case .SignInRequired(let reason): self = .signInRequired(reason: reason)
        case .Cancelled(let reason): self = .cancelled(reason: reason)
        }
    }

    /// The same error as the generated type, whose `description` is the core's `Display`.
    var core: AuthwireUniFFI.AuthError {
        switch self {
        case .invalidInput(let reason): .InvalidInput(reason: reason)
        case .invalidConfiguration(let reason): .InvalidConfiguration(reason: reason)
        case .network(let kind, let reason): .Network(kind: kind, reason: reason)
        case .unauthorized(let status, let message): .Unauthorized(status: UInt16(clamping: status), message: message)
        case .oauth(let status, let error, let description):
            .OAuth(status: UInt16(clamping: status), error: error, description: description)
        case .rateLimited(let retryAfter): .RateLimited(retryAfterMs: retryAfter.map { toMilliseconds(max($0, .zero), "retryAfter") })
        case .server(let status, let message): .Server(status: UInt16(clamping: status), message: message)
        case .httpStatus(let status, let message): .HttpStatus(status: UInt16(clamping: status), message: message)
        case .invalidResponse(let reason): .InvalidResponse(reason: reason)
        case .refreshLoop(let refreshes, let window):
            .RefreshLoop(refreshes: UInt32(clamping: refreshes), windowMs: toMilliseconds(max(window, .zero), "window"))
        case .signInRequired(let reason): .SignInRequired(reason: reason)
        case .cancelled(let reason): .Cancelled(reason: reason)
        }
    }
}

/// Runs a call into the core, turning the generated error type into ``AuthError``.
func translatingErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as AuthwireUniFFI.AuthError {
        throw AuthError(error)
    }
}

/// Awaits a call into the core, turning the generated error type into ``AuthError``.
func translatingErrors<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as AuthwireUniFFI.AuthError {
        throw AuthError(error)
    }
}
