import AuthwireUniFFI
import Foundation

/// Keeps a short-lived API token fresh and hands out its `Authorization` header.
///
/// One manager per credential, shared by the whole app: it is `Sendable`. While the token is
/// before its refresh point, ``authorization()`` returns the header from a Swift-side cache
/// without calling into the core (about 0.1 µs). Past it, the core serves the current token
/// while one background refresh runs; when no valid token exists, all concurrent callers
/// share one token request and its result. Refresh policy, retries, `Retry-After` and the
/// single shared request all live in the Rust core.
///
/// ```swift
/// let tokens = try TokenManager.apiKeyExchange(tokenURL: tokenURL, apiKey: key)
/// var request = URLRequest(url: apiURL)
/// request.setValue(try await tokens.authorization(), forHTTPHeaderField: "Authorization")
/// ```
///
/// After the API answered 401 to a request, pass the header it carried to ``invalidate(_:)``
/// (or let ``Foundation/URLSession/data(for:authorizedBy:)`` do it).
///
/// Prints as `TokenManager(<kind>, credentials=[redacted])`.
public final class TokenManager: Sendable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    let core: AuthwireUniFFI.TokenManager
    let cache: HeaderCache

    /// `caching: false` for a user session: every call reaches the core, which ends a
    /// signed-out session and looks at the shared store for other processes' sign-outs.
    init(core: AuthwireUniFFI.TokenManager, caching: Bool = true) {
        self.core = core
        cache = HeaderCache(enabled: caching)
    }

    /// Exchanges an XTD API key for short-lived tokens: `POST tokenURL` with
    /// `{"apiKey": <encodedKey>}`, answered by `{"token": ..., "expirationTime": <seconds>}`.
    /// No request is sent until a header is needed.
    ///
    /// - Throws: ``AuthError/invalidConfiguration(reason:)`` for a URL that is not HTTPS
    ///   (plain HTTP only to loopback) or invalid options.
    public static func apiKeyExchange(
        tokenURL: URL, apiKey: APIKey, options: TokenOptions = TokenOptions()
    ) throws -> TokenManager {
        let options = options.core
        return TokenManager(
            core: try translatingErrors {
                try AuthwireUniFFI.TokenManager.apiKeyExchange(
                    tokenUrl: tokenURL.absoluteString, apiKey: apiKey.core, options: options)
            })
    }

    /// OAuth2 client credentials (RFC 6749 §4.4), authenticated with `client_secret_basic`
    /// (the id and secret percent-encoded before Basic, RFC 6749 §2.3.1) unless `authMethod`
    /// says otherwise (see ``ClientAuthMethod``: `.clientSecretBasicUnencoded` for Doorkeeper
    /// and Cloud Foundry UAA, `.clientSecretPost`). The answer is read as JSON, or as a form
    /// when its `Content-Type` is `application/x-www-form-urlencoded` (GitHub); a `token_type`
    /// other than Bearer (any case) is refused.
    ///
    /// - Throws: ``AuthError/invalidConfiguration(reason:)`` for a non-HTTPS URL, an empty
    ///   client id, a client id with `:` under `.clientSecretBasicUnencoded`, an invalid scope
    ///   or invalid options.
    public static func clientCredentials(
        tokenURL: URL, clientID: String, clientSecret: String, scopes: [String] = [],
        options: TokenOptions = TokenOptions(), authMethod: ClientAuthMethod = .clientSecretBasic
    ) throws -> TokenManager {
        let options = options.core
        return TokenManager(
            core: try translatingErrors {
                try AuthwireUniFFI.TokenManager.clientCredentials(
                    tokenUrl: tokenURL.absoluteString, clientId: clientID,
                    clientSecret: clientSecret, scopes: scopes, options: options,
                    authMethod: authMethod)
            })
    }

    /// Any other JSON token API: `POST tokenURL` with `requestBody` (JSON text) and
    /// `headers`; the token is read from `tokenField` and the expiry from `expiryField`
    /// (dotted paths such as `data.token`), read as `expiryFormat`. The header is
    /// `<scheme> <token>`.
    ///
    /// - Throws: ``AuthError/invalidConfiguration(reason:)`` for a non-HTTPS URL, a body that
    ///   is not JSON, an invalid header or scheme, or invalid options.
    public static func customExchange(
        tokenURL: URL, requestBody: String, tokenField: String, expiryField: String? = nil,
        expiryFormat: ExpiryFormat = .secondsFromNow, headers: [String: String] = [:],
        scheme: String = "Bearer", options: TokenOptions = TokenOptions()
    ) throws -> TokenManager {
        let options = options.core
        return TokenManager(
            core: try translatingErrors {
                try AuthwireUniFFI.TokenManager.customExchange(
                    tokenUrl: tokenURL.absoluteString, requestBody: requestBody,
                    tokenField: tokenField, expiryField: expiryField, expiryFormat: expiryFormat,
                    headers: headers, scheme: scheme, options: options)
            })
    }

    /// A token you already hold, served as `Bearer <token>` and never refreshed; with
    /// `lifetime`, it stops being served when that time has passed (`nil`: never expires).
    ///
    /// - Throws: ``AuthError/invalidInput(reason:)`` when it is empty or not visible ASCII
    ///   (0x21-0x7E); the message names the byte position, never the token.
    public static func staticToken(_ token: String, lifetime: Duration? = nil) throws -> TokenManager {
        let lifetimeSecs = lifetime.map { toSeconds($0, "lifetime") }
        return TokenManager(
            core: try translatingErrors {
                try AuthwireUniFFI.TokenManager.staticToken(token: token, lifetimeSecs: lifetimeSecs)
            })
    }

    /// The `Authorization` header value, e.g. `Bearer eyJ...`, awaited without blocking a
    /// thread of the cooperative pool: from the cache at once while the token is fresh,
    /// else from the core, which may await the shared token request.
    ///
    /// It runs on the caller's executor (`nonisolated(nonsending)`): a call from the main
    /// actor that finds the header cached returns without leaving it.
    ///
    /// - Throws: the token request's ``AuthError``, the same for every caller that waited on it.
    public nonisolated(nonsending) func authorization() async throws -> String {
        if let header = cache.fresh() { return header }
        let ticket = cache.ticket()
        let token = try await translatingErrors { try await core.tokenAsync() }
        return cache.store(token, ticket: ticket)
    }

    /// ``authorization()`` for synchronous code. **Blocks the calling thread** while a token
    /// request is under way (never while the cached token is fresh): do not call it from an
    /// `async` context or the main thread; use ``authorization()`` there.
    ///
    /// - Throws: as ``authorization()``.
    public func authorizationBlocking() throws -> String {
        if let header = cache.fresh() { return header }
        let ticket = cache.ticket()
        let token = try translatingErrors { try core.token() }
        return cache.store(token, ticket: ticket)
    }

    /// The current token with its deadlines, awaited without blocking a thread.
    ///
    /// - Throws: as ``authorization()``.
    public func token() async throws -> AccessToken {
        AccessToken(try await translatingErrors { try await core.tokenAsync() })
    }

    /// ``token()`` for synchronous code. **Blocks the calling thread** like
    /// ``authorizationBlocking()``.
    ///
    /// - Throws: as ``authorization()``.
    public func tokenBlocking() throws -> AccessToken {
        AccessToken(try translatingErrors { try core.token() })
    }

    /// Call after the API answered 401 to a request that carried `token` (the whole
    /// `Bearer ...` value or the bare token). Discards it and starts one refresh only if it
    /// is still the current token, so of many parallel 401s only the first refreshes.
    /// Returns whether this call discarded it. Too many discards in a short window make the
    /// next calls fail with ``AuthError/refreshLoop(refreshes:window:)``.
    @discardableResult
    public func invalidate(_ token: String) -> Bool {
        // Stop serving the cached header first, and drop whatever a concurrent refill that
        // read the old token from the core may have stored meanwhile.
        cache.clear()
        let discarded = core.invalidate(token: token)
        cache.clear()
        return discarded
    }

    /// Counters since the manager was created.
    public var stats: TokenStats { TokenStats(core.stats()) }

    /// Sets (or with `nil` removes) the closure that receives this manager's events. It is
    /// called on the core's threads: return quickly and do not block.
    public func setListener(_ listener: (@Sendable (AuthEvent) -> Void)?) {
        core.setListener(listener: listener.map { ClosureListener($0) })
    }

    /// `TokenManager(<kind>, credentials=[redacted])`.
    public var description: String { core.description }
    /// As ``description``.
    public var debugDescription: String { core.description }
    /// No children: `dump()` shows the redacted description only.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .class) }
}

/// A token with its deadlines, as of when it was handed out. It prints as
/// `AccessToken(value: [redacted], ...)`.
public struct AccessToken: Sendable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// The token in clear. Keep it out of logs.
    public let value: String
    /// The `Authorization` header value, e.g. `Bearer <token>`. Keep it out of logs.
    public let authorization: String
    /// Time until the token stops being handed out (slightly before it expires); `nil` when
    /// it never expires (a static token without a lifetime).
    public let expiresIn: Duration?
    /// Time until the token is due for a refresh, zero when a refresh is due; `nil` when it
    /// never is.
    public let refreshIn: Duration?

    init(_ core: AuthwireUniFFI.AccessToken) {
        value = core.value()
        authorization = core.authorization()
        expiresIn = fromMillisecondsOrNever(core.expiresInMs())
        refreshIn = fromMillisecondsOrNever(core.refreshInMs())
    }

    /// `AccessToken(value: [redacted], expiresIn: ..., refreshIn: ...)`.
    public var description: String {
        "AccessToken(value: \(redacted), expiresIn: \(expiresIn.map { "\($0)" } ?? "nil"), refreshIn: \(refreshIn.map { "\($0)" } ?? "nil"))"
    }
    /// As ``description``.
    public var debugDescription: String { description }
    /// The deadlines only.
    public var customMirror: Mirror {
        Mirror(
            self, children: ["value": redacted, "expiresIn": expiresIn as Any, "refreshIn": refreshIn as Any],
            displayStyle: .struct)
    }
}

/// The Swift-side cache of a manager's header: while the token is before the refresh point
/// the core gave for it, the header is served without a call into the core (which costs
/// string marshalling through uniffi on every request).
///
/// Deadlines are on `ContinuousClock`, which no wall-clock change moves and which keeps
/// counting while the device sleeps (`mach_continuous_time`, `CLOCK_BOOTTIME`), so a device
/// that slept past the refresh point asks the core on wake-up. The clock is read *before* the
/// call into the core, so the deadline never lies after the core's own refresh point. Entries
/// are served for an hour at most. A refill that started before a ``clear()`` does not store
/// its (possibly discarded) token: the generation it read has changed.
final class HeaderCache: @unchecked Sendable {
    /// Reading the clock and the generation before asking the core.
    struct Ticket {
        let generation: UInt64
        let start: ContinuousClock.Instant
    }

    private static let maxCache = Duration.seconds(3600)

    /// `false`: nothing is ever served from the cache (a user session's calls must reach the
    /// core).
    private let enabled: Bool
    private let lock = NSLock()
    // Guarded by `lock`.
    private var header: String?
    private var deadline = ContinuousClock.now
    private var generation: UInt64 = 0

    init(enabled: Bool = true) {
        self.enabled = enabled
    }

    func fresh() -> String? {
        guard enabled else { return nil }
        let now = ContinuousClock.now
        lock.lock()
        defer { lock.unlock() }
        guard let header, now < deadline else { return nil }
        return header
    }

    func ticket() -> Ticket {
        let start = ContinuousClock.now
        lock.lock()
        defer { lock.unlock() }
        return Ticket(generation: generation, start: start)
    }

    /// Stores the token's header unless the cache was cleared since `ticket`, and returns it.
    func store(_ token: AuthwireUniFFI.AccessToken, ticket: Ticket) -> String {
        let value = token.authorization()
        let refreshInMs = token.refreshInMs()
        guard enabled, refreshInMs > 0 else { return value }
        let refreshIn = min(Duration.milliseconds(Int64(clamping: refreshInMs)), Self.maxCache)
        lock.lock()
        defer { lock.unlock() }
        if generation == ticket.generation {
            header = value
            deadline = ticket.start + refreshIn
        }
        return value
    }

    func clear() {
        lock.lock()
        defer { lock.unlock() }
        generation &+= 1
        header = nil
    }
}
