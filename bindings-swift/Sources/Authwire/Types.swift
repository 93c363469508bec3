import AuthwireUniFFI
import Foundation

/// Every value of the refresh policy, with the defaults the refresh-policy guide's table gives
/// (docs/guides/refresh-policy.md); change only what you need:
/// `TokenOptions(requestTimeout: .seconds(5), maxAttempts: 3)`.
///
/// Durations are `Duration`s and counts are `Int`s. A negative duration or count is a
/// programmer error: it stops the program with a precondition failure that names the option.
public struct TokenOptions: Sendable {
    /// Refresh when this fraction of the lifetime remains. Default 0.1: a 5-minute token is
    /// refreshed after about 4½ minutes, a 2-second token after about 1.5 seconds.
    public var refreshFraction: Double
    /// The smallest early-refresh margin (default 250 ms). The margin also grows to three
    /// times the last token request's duration when the server is slow.
    public var refreshFloor: Duration
    /// The largest early-refresh margin (default 5 minutes), so a 24-hour token is not
    /// refreshed hours early.
    public var refreshCap: Duration
    /// Random extra margin, as a fraction of the margin (default 0.2).
    public var refreshJitter: Double
    /// A token is no longer handed out this long before it expires, so that it is still
    /// valid when it reaches the API (default 500 ms, at most a tenth of the lifetime).
    public var expirySkew: Duration
    /// The lifetime assumed when a response carries no expiry and the token is not a JWT with
    /// an `exp` claim (default one hour). Also the lifetime of a CSRF session's token.
    public var defaultLifetime: Duration
    /// Time allowed to open a connection (default 5 seconds).
    public var connectTimeout: Duration
    /// Time allowed for one whole request, connect to last byte (default 15 seconds).
    public var requestTimeout: Duration
    /// Attempts per refresh, the first included (default 4). Only connection errors,
    /// timeouts, 408, 429 and 5xx are retried.
    public var maxAttempts: Int
    /// The first retry's backoff ceiling (default 200 ms); it doubles per attempt and the
    /// actual delay is drawn uniformly below it ("full jitter").
    public var backoffInitial: Duration
    /// The largest backoff ceiling (default 10 seconds).
    public var backoffMax: Duration
    /// The total time one refresh may spend on attempts and waits (default 30 seconds). A
    /// `Retry-After` beyond it ends the refresh at once.
    public var retryBudget: Duration
    /// The largest response body accepted, in bytes (default 65 536).
    public var maxBodyBytes: Int
    /// Refresh-loop guard: more than this many ``TokenManager/invalidate(_:)`` calls that
    /// each discarded the current token within ``loopWindow`` stop refreshing with
    /// ``AuthError/refreshLoop(refreshes:window:)`` (default 10).
    public var loopMaxInvalidations: Int
    /// The refresh-loop guard's window (default one minute).
    public var loopWindow: Duration
    /// Sends the token requests through the host's HTTP stack: ``URLSessionTransport`` or
    /// your own ``HTTPTransport``. Default `nil`: the core's built-in client on Linux; the
    /// mobile core (the iOS build) has none and fails with
    /// ``AuthError/invalidConfiguration(reason:)`` without a transport.
    public var transport: (any HTTPTransport)?
    /// Shares the token with the other processes (and hosts) that use the same credential,
    /// so the fleet sends one token request per lifetime: ``FileStore``, ``RedisStore`` or
    /// your own ``TokenStore``. Default `nil`: each manager requests its own.
    public var store: (any TokenStore)?

    /// Options with the given values and the defaults for the others.
    public init(
        refreshFraction: Double = 0.1,
        refreshFloor: Duration = .milliseconds(250),
        refreshCap: Duration = .seconds(300),
        refreshJitter: Double = 0.2,
        expirySkew: Duration = .milliseconds(500),
        defaultLifetime: Duration = .seconds(3600),
        connectTimeout: Duration = .seconds(5),
        requestTimeout: Duration = .seconds(15),
        maxAttempts: Int = 4,
        backoffInitial: Duration = .milliseconds(200),
        backoffMax: Duration = .seconds(10),
        retryBudget: Duration = .seconds(30),
        maxBodyBytes: Int = 65_536,
        loopMaxInvalidations: Int = 10,
        loopWindow: Duration = .seconds(60),
        transport: (any HTTPTransport)? = nil,
        store: (any TokenStore)? = nil
    ) {
        self.refreshFraction = refreshFraction
        self.refreshFloor = refreshFloor
        self.refreshCap = refreshCap
        self.refreshJitter = refreshJitter
        self.expirySkew = expirySkew
        self.defaultLifetime = defaultLifetime
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.maxAttempts = maxAttempts
        self.backoffInitial = backoffInitial
        self.backoffMax = backoffMax
        self.retryBudget = retryBudget
        self.maxBodyBytes = maxBodyBytes
        self.loopMaxInvalidations = loopMaxInvalidations
        self.loopWindow = loopWindow
        self.transport = transport
        self.store = store
    }

    /// The core's form of these options.
    var core: AuthwireUniFFI.TokenOptions {
        AuthwireUniFFI.TokenOptions(
            refreshFraction: refreshFraction,
            refreshFloorMs: toMilliseconds(refreshFloor, "refreshFloor"),
            refreshCapMs: toMilliseconds(refreshCap, "refreshCap"),
            refreshJitter: refreshJitter,
            expirySkewMs: toMilliseconds(expirySkew, "expirySkew"),
            defaultLifetimeSecs: toSeconds(defaultLifetime, "defaultLifetime"),
            connectTimeoutMs: toMilliseconds(connectTimeout, "connectTimeout"),
            requestTimeoutMs: toMilliseconds(requestTimeout, "requestTimeout"),
            maxAttempts: UInt32(nonNegative: maxAttempts, "maxAttempts"),
            backoffInitialMs: toMilliseconds(backoffInitial, "backoffInitial"),
            backoffMaxMs: toMilliseconds(backoffMax, "backoffMax"),
            retryBudgetMs: toMilliseconds(retryBudget, "retryBudget"),
            maxBodyBytes: UInt64(nonNegative: maxBodyBytes, "maxBodyBytes"),
            loopMaxInvalidations: UInt32(nonNegative: loopMaxInvalidations, "loopMaxInvalidations"),
            loopWindowMs: toMilliseconds(loopWindow, "loopWindow"),
            transport: transport.map(coreTransport),
            blockingTransport: nil,
            store: store.map(coreStore))
    }
}

/// Counters of a ``TokenManager`` or ``CSRFSession`` since it was created.
public struct TokenStats: Sendable, Hashable {
    /// Token requests sent, retries included (for a CSRF session: token fetches).
    public let tokenRequests: Int
    /// New tokens obtained.
    public let refreshes: Int
    /// Refreshes that failed for good.
    public let failures: Int
    /// Attempts that were retried.
    public let retries: Int
    /// Calls that had to wait for a token request (no valid token was cached).
    public let waits: Int
    /// Invalidations that discarded the current token.
    public let invalidations: Int

    init(_ core: AuthwireUniFFI.TokenStats) {
        tokenRequests = Int(clamping: core.tokenRequests)
        refreshes = Int(clamping: core.refreshes)
        failures = Int(clamping: core.failures)
        retries = Int(clamping: core.retries)
        waits = Int(clamping: core.waits)
        invalidations = Int(clamping: core.invalidations)
    }
}

/// What a manager did (token requested, refreshed, retrying, failed, invalidated, and the
/// shared store's state). Events carry no secret: log them as they are. `refreshRetrying` and
/// `refreshFailed` carry the ``NetworkErrorKind`` as `networkKind` when the attempt failed on
/// the network: `if case .refreshFailed(let kind?, _, _) = event { ... }`.
public enum AuthEvent: Sendable, Hashable, CustomStringConvertible {
    /// A token request is being sent (`attempt` 1 for the first, 2 for the first retry, ...).
    case tokenRequested(attempt: Int)
    /// A new token was obtained, living `lifetime` (`nil`: it never expires) and due for a
    /// refresh in `refreshIn` (`nil`: never).
    case tokenRefreshed(lifetime: Duration?, refreshIn: Duration?)
    /// An attempt failed and is retried after `delay`: `networkKind` when it failed on the
    /// network, `reason` the failure's sentence.
    case refreshRetrying(attempt: Int, delay: Duration, networkKind: NetworkErrorKind?, reason: String)
    /// A refresh failed for good; `servingStale` when the previous token is still handed out.
    case refreshFailed(networkKind: NetworkErrorKind?, reason: String, servingStale: Bool)
    /// ``TokenManager/invalidate(_:)`` discarded the current token.
    case tokenInvalidated
    /// A token another process stored was adopted, `age` after it was obtained.
    case storeTokenAdopted(age: Duration)
    /// The shared store failed (`reason`); the manager requests on its own and tries the
    /// store again in `retryIn`.
    case storeUnavailable(reason: String, retryIn: Duration)
    /// The shared store answers again.
    case storeRecovered
    /// An entry of the shared store could not be used (`reason`) and was ignored.
    case storeEntryRejected(reason: String)
    /// The manager waited `waited` for another process's token request, then sent its own.
    case storeWaitTimedOut(waited: Duration)
    /// A user session ended (`reason`): the server refused the refresh token, or the user
    /// signed out here or in another process. Calls now fail with
    /// ``AuthError/signInRequired(reason:)``.
    case sessionEnded(reason: String)

    /// The case and its values, e.g. `refreshRetrying(attempt: 1, delay: 0.2 seconds,
    /// networkKind: connectionRefused, reason: "...")`; `nil` durations as `never`.
    public var description: String {
        func text(_ duration: Duration?) -> String { duration.map { "\($0)" } ?? "never" }
        func text(_ kind: NetworkErrorKind?) -> String { kind.map { "\($0)" } ?? "nil" }
        switch self {
        case .tokenRequested(let attempt): return "tokenRequested(attempt: \(attempt))"
        case .tokenRefreshed(let lifetime, let refreshIn):
            return "tokenRefreshed(lifetime: \(text(lifetime)), refreshIn: \(text(refreshIn)))"
        case .refreshRetrying(let attempt, let delay, let networkKind, let reason):
            return "refreshRetrying(attempt: \(attempt), delay: \(delay), networkKind: \(text(networkKind)), reason: \(reason.debugDescription))"
        case .refreshFailed(let networkKind, let reason, let servingStale):
            return "refreshFailed(networkKind: \(text(networkKind)), reason: \(reason.debugDescription), servingStale: \(servingStale))"
        case .tokenInvalidated: return "tokenInvalidated"
        case .storeTokenAdopted(let age): return "storeTokenAdopted(age: \(age))"
        case .storeUnavailable(let reason, let retryIn):
            return "storeUnavailable(reason: \(reason.debugDescription), retryIn: \(retryIn))"
        case .storeRecovered: return "storeRecovered"
        case .storeEntryRejected(let reason): return "storeEntryRejected(reason: \(reason.debugDescription))"
        case .storeWaitTimedOut(let waited): return "storeWaitTimedOut(waited: \(waited))"
        case .sessionEnded(let reason): return "sessionEnded(reason: \(reason.debugDescription))"
        }
    }

    init(_ core: AuthwireUniFFI.AuthEvent) {
        switch core {
        case .tokenRequested(let attempt): self = .tokenRequested(attempt: Int(attempt))
        case .tokenRefreshed(let lifetimeMs, let refreshInMs):
            self = .tokenRefreshed(lifetime: fromMillisecondsOrNever(lifetimeMs), refreshIn: fromMillisecondsOrNever(refreshInMs))
        case .refreshRetrying(let attempt, let delayMs, let networkKind, let reason):
            self = .refreshRetrying(
                attempt: Int(attempt), delay: fromMilliseconds(delayMs), networkKind: networkKind, reason: reason)
        case .refreshFailed(let networkKind, let reason, let servingStale):
            self = .refreshFailed(networkKind: networkKind, reason: reason, servingStale: servingStale)
        case .tokenInvalidated: self = .tokenInvalidated
        case .storeTokenAdopted(let ageMs): self = .storeTokenAdopted(age: fromMilliseconds(ageMs))
        case .storeUnavailable(let reason, let retryInMs):
            self = .storeUnavailable(reason: reason, retryIn: fromMilliseconds(retryInMs))
        case .storeRecovered: self = .storeRecovered
        case .storeEntryRejected(let reason): self = .storeEntryRejected(reason: reason)
        case .storeWaitTimedOut(let waitedMs): self = .storeWaitTimedOut(waited: fromMilliseconds(waitedMs))
        case .sessionEnded(let reason): self = .sessionEnded(reason: reason)
        }
    }
}

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

    func onEvent(event: AuthwireUniFFI.AuthEvent) {
        handler(AuthEvent(event))
    }
}

// MARK: - Durations and counts across the boundary

/// `duration` in whole milliseconds for the core (rounded up, so a positive duration never
/// becomes zero). A negative duration is a programmer error.
func toMilliseconds(_ duration: Duration, _ name: String) -> UInt64 {
    precondition(duration >= .zero, "authwire: \(name) must not be negative (got \(duration))")
    let (seconds, attoseconds) = duration.components
    let millis = UInt64(seconds).multipliedReportingOverflow(by: 1000)
    let fraction = UInt64((attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
    if millis.overflow { return .max }
    let total = millis.partialValue.addingReportingOverflow(fraction)
    return total.overflow ? .max : total.partialValue
}

/// `duration` in whole seconds for the core (rounded up). A negative duration is a programmer
/// error.
func toSeconds(_ duration: Duration, _ name: String) -> UInt64 {
    precondition(duration >= .zero, "authwire: \(name) must not be negative (got \(duration))")
    let (seconds, attoseconds) = duration.components
    return UInt64(seconds) + (attoseconds > 0 ? 1 : 0)
}

/// The core's milliseconds as a `Duration`.
func fromMilliseconds(_ milliseconds: UInt64) -> Duration {
    .milliseconds(Int64(clamping: milliseconds))
}

/// The core's milliseconds as a `Duration`, or `nil` for `UInt64.max`, the core's "never".
func fromMillisecondsOrNever(_ milliseconds: UInt64) -> Duration? {
    milliseconds == .max ? nil : fromMilliseconds(milliseconds)
}

/// The core's milliseconds from an optional `Duration` (`nil` stays `nil`).
func toMilliseconds(_ duration: Duration?, _ name: String) -> UInt64? {
    duration.map { toMilliseconds($0, name) }
}

extension FixedWidthInteger where Self: UnsignedInteger {
    /// A count for the core; a negative one is a programmer error.
    init(nonNegative value: Int, _ name: String) {
        precondition(value >= 0, "authwire: \(name) must not be negative (got \(value))")
        self.init(clamping: value)
    }
}
