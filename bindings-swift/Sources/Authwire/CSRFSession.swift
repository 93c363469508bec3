import AuthwireUniFFI
import Foundation

/// Fetches and keeps a CSRF token for write calls, SAP API Management style: a `HEAD` (or
/// `GET`) with `X-CSRF-Token: fetch` and HTTP Basic credentials answers the token and session
/// cookies, which every write then carries.
///
/// Concurrent callers share one fetch. After a write answered 403 with `x-csrf-token:
/// Required`, pass the token it carried to ``invalidate(_:)`` and ask again, or let
/// ``Foundation/URLSession/data(for:csrf:)`` do both.
///
/// A read (`GET`, `HEAD`, `OPTIONS`) needs no CSRF token: it carries the session's Basic
/// `Authorization` and cookies (``readHeaders``), and no token is fetched for it.
/// ``Foundation/URLSession/data(for:csrf:)`` does this by itself. Prints without its secrets.
public final class CSRFSession: Sendable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    let core: AuthwireUniFFI.CsrfSession
    /// The Basic value of the session's credentials, for reads.
    private let basicAuthorization: String
    /// The cookies of the last headers handed out, for reads; cleared by a discarding
    /// ``invalidate(_:)``.
    private let cookies = LockedValue<String?>(nil)

    /// A session against `fetchURL`, authenticated with Basic `userID`/`password`. The token
    /// is kept for `options.defaultLifetime` (one hour) unless the server rejects it first.
    ///
    /// - Throws: ``AuthError/invalidConfiguration(reason:)`` for a non-HTTPS URL or invalid
    ///   options, ``AuthError/invalidInput(reason:)`` for credentials Basic cannot carry.
    public init(
        fetchURL: URL, userID: String, password: String, options: TokenOptions = TokenOptions(),
        fetchMethod: CSRFFetchMethod = .head
    ) throws {
        let coreOptions = options.core
        core = try translatingErrors {
            try AuthwireUniFFI.CsrfSession(
                fetchUrl: fetchURL.absoluteString, userId: userID, password: password,
                options: coreOptions, fetchMethod: fetchMethod.core)
        }
        basicAuthorization = try basicAuth(userID: userID, password: password)
    }

    /// The headers for a write call, awaited without blocking a thread: at once while a token
    /// is held, else after the shared fetch.
    ///
    /// - Throws: the fetch's ``AuthError`` (e.g. `.unauthorized` for wrong credentials).
    public func headers() async throws -> CSRFHeaders {
        remember(CSRFHeaders(try await translatingErrors { try await core.headersAsync() }))
    }

    /// ``headers()`` for synchronous code. **Blocks the calling thread** during a fetch: do
    /// not call it from an `async` context or the main thread.
    ///
    /// - Throws: as ``headers()``.
    public func headersBlocking() throws -> CSRFHeaders {
        remember(CSRFHeaders(try translatingErrors { try core.headers() }))
    }

    /// The headers for a read (`GET`, `HEAD`, `OPTIONS`): the Basic `Authorization` and, once
    /// a write has fetched a token, the session's cookies; never a CSRF token, and never a
    /// fetch. Header name to value, ready to set on a request.
    public var readHeaders: [String: String] {
        var fields = [authorizationHeader: basicAuthorization]
        if let cookie = cookies.value { fields["Cookie"] = cookie }
        return fields
    }

    /// Call after a write answered 403 with `x-csrf-token: Required`, with the CSRF token that
    /// write carried. Returns whether it was still the current token (only then is it
    /// discarded, so parallel 403s cause one new fetch).
    @discardableResult
    public func invalidate(_ csrfToken: String) -> Bool {
        let discarded = core.invalidate(token: csrfToken)
        if discarded { cookies.value = nil }
        return discarded
    }

    /// Counters since the session was created (`tokenRequests` counts fetches).
    public var stats: TokenStats { TokenStats(core.stats()) }

    private func remember(_ headers: CSRFHeaders) -> CSRFHeaders {
        cookies.value = headers.cookie
        return headers
    }

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

/// How a CSRF session fetches its token: with a `HEAD` (the default) or a `GET`.
public enum CSRFFetchMethod: Sendable, Hashable {
    /// `HEAD` with `X-CSRF-Token: fetch`.
    case head
    /// `GET` with `X-CSRF-Token: fetch`, for servers that answer the token only to a `GET`.
    case get

    var core: AuthwireUniFFI.CsrfFetchMethod {
        switch self {
        case .head: .head
        case .get: .get
        }
    }
}

/// A value behind a lock.
final class LockedValue<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    // Guarded by `lock`.
    private var stored: Value

    init(_ value: Value) {
        stored = value
    }

    var value: Value {
        get {
            lock.lock()
            defer { lock.unlock() }
            return stored
        }
        set {
            lock.lock()
            defer { lock.unlock() }
            stored = newValue
        }
    }
}

/// The headers a write call carries: `X-CSRF-Token`, `Cookie` (when the server set cookies)
/// and `Authorization`. All three are secrets and print as `[redacted]`.
public struct CSRFHeaders: Sendable, Hashable, CustomStringConvertible,
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

    /// `CSRFHeaders(csrfToken: [redacted], cookie: [redacted], authorization: [redacted])`.
    public var description: String {
        "CSRFHeaders(csrfToken: \(redacted), cookie: \(cookie == nil ? "nil" : redacted), authorization: \(redacted))"
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
