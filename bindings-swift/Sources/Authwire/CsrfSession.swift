import AuthwireUniFFI
import Foundation

/// Fetches and keeps a CSRF token for write calls, SAP API Management style: a `HEAD` (or
/// `GET`) with `X-CSRF-Token: fetch` and HTTP Basic credentials answers the token and session
/// cookies, which every write then carries.
///
/// Concurrent callers share one fetch. After a write answered 403 with `x-csrf-token:
/// Required`, pass the token it carried to ``invalidate(_:)`` and ask again, or let
/// ``Foundation/URLSession/data(for:csrf:)`` do both. Prints without its secrets.
public final class CsrfSession: Sendable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    let core: AuthwireUniFFI.CsrfSession

    /// A session against `fetchURL`, authenticated with Basic `userId`/`password`. The token
    /// is kept for `options.defaultLifetimeSecs` (one hour) unless the server rejects it first.
    ///
    /// - Throws: ``AuthError/invalidConfiguration(reason:)`` for a non-HTTPS URL or invalid
    ///   options, ``AuthError/invalidInput(reason:)`` for credentials Basic cannot carry.
    public init(
        fetchURL: URL, userId: String, password: String, options: TokenOptions = TokenOptions(),
        fetchMethod: CsrfFetchMethod = .head
    ) throws {
        core = try translatingErrors {
            try AuthwireUniFFI.CsrfSession(
                fetchUrl: fetchURL.absoluteString, userId: userId, password: password,
                options: options, fetchMethod: fetchMethod)
        }
    }

    /// The headers for a write call, awaited without blocking a thread: at once while a token
    /// is held, else after the shared fetch.
    ///
    /// - Throws: the fetch's ``AuthError`` (e.g. `.unauthorized` for wrong credentials).
    public func headers() async throws -> CsrfHeaders {
        CsrfHeaders(try await translatingErrors { try await core.headersAsync() })
    }

    /// ``headers()`` for synchronous code. **Blocks the calling thread** during a fetch: do
    /// not call it from an `async` context or the main thread.
    ///
    /// - Throws: as ``headers()``.
    public func headersBlocking() throws -> CsrfHeaders {
        CsrfHeaders(try translatingErrors { try core.headers() })
    }

    /// Call after a write answered 403 with `x-csrf-token: Required`, with the CSRF token that
    /// write carried. Returns whether it was still the current token (only then is it
    /// discarded, so parallel 403s cause one new fetch).
    @discardableResult
    public func invalidate(_ csrfToken: String) -> Bool {
        core.invalidate(token: csrfToken)
    }

    /// Counters since the session was created (`tokenRequests` counts fetches).
    public var stats: TokenStats { core.stats() }

    /// Sets (or with `nil` removes) the closure that receives this session's events.
    public func setListener(_ listener: (@Sendable (AuthEvent) -> Void)?) {
        core.setListener(listener: listener.map { ClosureListener($0) })
    }

    /// The core's redacted form.
    public var description: String { core.description }
    /// As ``description``.
    public var debugDescription: String { core.description }
    /// No children: `dump()` shows the redacted description only.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .class) }
}

/// The headers a write call carries: `X-CSRF-Token`, `Cookie` (when the server set cookies)
/// and `Authorization`. All three are secrets and print as `[redacted]`.
public struct CsrfHeaders: Sendable, Hashable, CustomStringConvertible,
    CustomDebugStringConvertible, CustomReflectable
{
    /// The `X-CSRF-Token` value. Keep it out of logs.
    public let csrfToken: String
    /// The `Cookie` value with the session cookies, if the server set any.
    public let cookie: String?
    /// The `Authorization` value (Basic). Keep it out of logs.
    public let authorization: String

    init(_ core: AuthwireUniFFI.CsrfHeaders) {
        csrfToken = core.csrfToken()
        cookie = core.cookie()
        authorization = core.authorization()
    }

    /// Header name to value, ready to set on a request.
    public var fields: [String: String] {
        var fields = ["X-CSRF-Token": csrfToken, authorizationHeader: authorization]
        if let cookie { fields["Cookie"] = cookie }
        return fields
    }

    /// `CsrfHeaders(csrfToken: [redacted], cookie: [redacted], authorization: [redacted])`.
    public var description: String {
        "CsrfHeaders(csrfToken: \(redacted), cookie: \(cookie == nil ? "nil" : redacted), authorization: \(redacted))"
    }
    /// As ``description``.
    public var debugDescription: String { description }
    /// Every field as `[redacted]`.
    public var customMirror: Mirror {
        Mirror(
            self,
            children: ["csrfToken": redacted, "cookie": cookie == nil ? "nil" : redacted, "authorization": redacted],
            displayStyle: .struct)
    }
}
