import AuthwireUniFFI
import Foundation

/// Where managers of several processes (or hosts) share their token, so that the fleet sends
/// one token request per lifetime: give it in ``TokenOptions`` (`TokenOptions(store: ...)`).
/// Use ``FileStore`` (one host) or, on Linux, ``RedisStore`` (many hosts), or implement the
/// five blocking methods yourself over any shared storage. A store only keeps values with a
/// time to live and holds named locks; the core runs the protocol, seals the token (never the
/// credential) before it reaches the store, and never lets a failing store fail a caller.
///
/// Every method is called from one of authwire's own threads, under a timeout; throw
/// ``StoreError`` when the store cannot answer. The manager then requests on its own and
/// reports ``AuthEvent/storeUnavailable(reason:retryIn:)``.
public protocol TokenStore: Sendable {
    /// The value stored under `key`, or `nil` when there is none (or it has expired).
    func read(key: String) throws -> Data?
    /// Stores `value` under `key` for `ttl`, replacing any value there.
    func write(key: String, value: Data, ttl: Duration) throws
    /// Removes the value under `key` only if it is exactly `expected`, atomically; returns
    /// whether it did.
    func compareAndDelete(key: String, expected: Data) throws -> Bool
    /// Takes the lock `key` for `owner` unless someone holds it, without waiting; returns
    /// whether it was taken. The lock must end by itself after `ttl`, or when the owner's
    /// process dies.
    func tryLock(key: String, owner: String, ttl: Duration) throws -> Bool
    /// Releases the lock `key` if `owner` still holds it.
    func unlock(key: String, owner: String) throws
}

/// What a ``TokenStore`` implementation throws when it cannot answer. Only store
/// implementations throw it: every error a caller of this module gets is an ``AuthError``.
public enum StoreError: Error, Sendable, Hashable {
    /// The store could not be reached or did not work (connection refused, I/O error,
    /// timeout). authwire tries it again later.
    case unavailable(reason: String)
    /// The store cannot be used as configured. Fix the configuration.
    case invalidConfiguration(reason: String)
}

/// A store for the processes of one host: sealed entries in one file (mode 0600, replaced
/// atomically), OS file locks next to it. Keep it on a local disk: file locks on network
/// filesystems fail or do nothing (on Linux, NFS, SMB and similar are refused).
///
/// ```swift
/// let options = TokenOptions(store: try FileStore(path: "/var/run/myapp/tokens"))
/// ```
public final class FileStore: TokenStore, CoreBackedStore, CustomStringConvertible, CustomDebugStringConvertible {
    /// The store's file.
    public let path: String
    let calls: CoreStoreCalls

    /// A store in the file at `path`.
    ///
    /// - Throws: ``AuthError/invalidConfiguration(reason:)`` when the directory does not exist
    ///   or is on a network filesystem.
    public init(path: String) throws {
        self.path = path
        calls = CoreStoreCalls(core: try translatingStoreErrors { try AuthwireUniFFI.fileStore(path: path) })
    }

    /// A store in the file at a `file://` URL.
    ///
    /// - Throws: ``AuthError/invalidConfiguration(reason:)`` when the URL is not a file URL,
    ///   or as ``init(path:)``.
    public convenience init(url: URL) throws {
        guard url.isFileURL else {
            throw AuthError.invalidConfiguration(reason: "the file store's URL must be a file:// URL")
        }
        try self.init(path: url.path)
    }

    /// The value stored under `key`, or `nil`. Throws ``StoreError``.
    public func read(key: String) throws -> Data? { try calls.read(key: key) }
    /// Stores `value` under `key` for `ttl`. Throws ``StoreError``.
    public func write(key: String, value: Data, ttl: Duration) throws {
        try calls.write(key: key, value: value, ttl: ttl)
    }
    /// Removes the value under `key` if it is `expected`; returns whether it did. Throws
    /// ``StoreError``.
    public func compareAndDelete(key: String, expected: Data) throws -> Bool {
        try calls.compareAndDelete(key: key, expected: expected)
    }
    /// Takes the lock `key` for `owner` unless someone holds it; returns whether it was taken.
    /// Throws ``StoreError``.
    public func tryLock(key: String, owner: String, ttl: Duration) throws -> Bool {
        try calls.tryLock(key: key, owner: owner, ttl: ttl)
    }
    /// Releases the lock `key` if `owner` still holds it. Throws ``StoreError``.
    public func unlock(key: String, owner: String) throws { try calls.unlock(key: key, owner: owner) }

    /// `FileStore(path: "...")`.
    public var description: String { "FileStore(path: \(path.debugDescription))" }
    /// As ``description``.
    public var debugDescription: String { description }
}

#if AUTHWIRE_REDIS_STORE
    /// A store for many hosts: a Redis server at `url` (`redis://` or `rediss://` for TLS). The
    /// lock is `SET NX PX`, released by a compare-and-delete script; the sealed token expires
    /// with the token. Only in the Linux build of the package (the Apple build, the mobile core,
    /// leaves Redis out). Prints without its URL, which may hold a password.
    public final class RedisStore: TokenStore, CoreBackedStore, CustomStringConvertible, CustomDebugStringConvertible {
        private let keyPrefix: String?
        let calls: CoreStoreCalls

        /// A store on the Redis server at `url`, its keys starting with `keyPrefix` (default
        /// `authwire:`), each connection attempt and reply bounded by `timeout` (default one second).
        ///
        /// - Throws: ``AuthError/invalidConfiguration(reason:)`` for a URL that is not a Redis
        ///   URL.
        public init(url: URL, keyPrefix: String? = nil, timeout: Duration? = nil) throws {
            self.keyPrefix = keyPrefix
            let timeoutMs = toMilliseconds(timeout, "timeout")
            calls = CoreStoreCalls(
                core: try translatingStoreErrors {
                    try AuthwireUniFFI.redisStore(url: url.absoluteString, keyPrefix: keyPrefix, timeoutMs: timeoutMs)
                })
        }

        /// The value stored under `key`, or `nil`. Throws ``StoreError``.
        public func read(key: String) throws -> Data? { try calls.read(key: key) }
        /// Stores `value` under `key` for `ttl`. Throws ``StoreError``.
        public func write(key: String, value: Data, ttl: Duration) throws {
            try calls.write(key: key, value: value, ttl: ttl)
        }
        /// Removes the value under `key` if it is `expected`; returns whether it did. Throws
        /// ``StoreError``.
        public func compareAndDelete(key: String, expected: Data) throws -> Bool {
            try calls.compareAndDelete(key: key, expected: expected)
        }
        /// Takes the lock `key` for `owner` unless someone holds it; returns whether it was taken.
        /// Throws ``StoreError``.
        public func tryLock(key: String, owner: String, ttl: Duration) throws -> Bool {
            try calls.tryLock(key: key, owner: owner, ttl: ttl)
        }
        /// Releases the lock `key` if `owner` still holds it. Throws ``StoreError``.
        public func unlock(key: String, owner: String) throws { try calls.unlock(key: key, owner: owner) }

        /// `RedisStore(url: [redacted], keyPrefix: ...)`.
        public var description: String {
            "RedisStore(url: \(redacted), keyPrefix: \(keyPrefix?.debugDescription ?? "nil"))"
        }
        /// As ``description``.
        public var debugDescription: String { description }
    }
#endif

/// The calls of a store the core implements (``FileStore``, ``RedisStore``). Given to a
/// manager, such a store hands the core its own object, so no call crosses into Swift.
struct CoreStoreCalls: Sendable {
    let core: any AuthwireUniFFI.TokenStore

    func read(key: String) throws -> Data? {
        try translatingStoreCalls { try core.read(key: key) }
    }

    func write(key: String, value: Data, ttl: Duration) throws {
        try translatingStoreCalls { try core.write(key: key, value: value, ttlMs: toMilliseconds(ttl, "ttl")) }
    }

    func compareAndDelete(key: String, expected: Data) throws -> Bool {
        try translatingStoreCalls { try core.compareAndDelete(key: key, expected: expected) }
    }

    func tryLock(key: String, owner: String, ttl: Duration) throws -> Bool {
        try translatingStoreCalls { try core.tryLock(key: key, owner: owner, ttlMs: toMilliseconds(ttl, "ttl")) }
    }

    func unlock(key: String, owner: String) throws {
        try translatingStoreCalls { try core.unlock(key: key, owner: owner) }
    }
}

/// A store whose calls the core implements.
protocol CoreBackedStore {
    var calls: CoreStoreCalls { get }
}

/// The core's view of a host store.
final class StoreAdapter: AuthwireUniFFI.TokenStore {
    let store: any TokenStore

    init(_ store: any TokenStore) {
        self.store = store
    }

    func read(key: String) throws -> Data? { try toCore { try store.read(key: key) } }

    func write(key: String, value: Data, ttlMs: UInt64) throws {
        try toCore { try store.write(key: key, value: value, ttl: fromMilliseconds(ttlMs)) }
    }

    func compareAndDelete(key: String, expected: Data) throws -> Bool {
        try toCore { try store.compareAndDelete(key: key, expected: expected) }
    }

    func tryLock(key: String, owner: String, ttlMs: UInt64) throws -> Bool {
        try toCore { try store.tryLock(key: key, owner: owner, ttl: fromMilliseconds(ttlMs)) }
    }

    func unlock(key: String, owner: String) throws { try toCore { try store.unlock(key: key, owner: owner) } }

    /// A host store's error as the core's `StoreError`.
    private func toCore<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch StoreError.unavailable(let reason) {
            throw AuthwireUniFFI.StoreError.Unavailable(reason: reason)
        } catch StoreError.invalidConfiguration(let reason) {
            throw AuthwireUniFFI.StoreError.InvalidConfiguration(reason: reason)
        } catch {
            throw AuthwireUniFFI.StoreError.Unavailable(reason: String(describing: error))
        }
    }
}

/// The store to give the core: a built-in store's own object, else the host's.
func coreStore(_ store: any TokenStore) -> any AuthwireUniFFI.TokenStore {
    (store as? any CoreBackedStore)?.calls.core ?? StoreAdapter(store)
}

/// Runs a store constructor, turning its `StoreError` into ``AuthError``.
private func translatingStoreErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as AuthwireUniFFI.StoreError {
        switch error {
        case .InvalidConfiguration(let reason): throw AuthError.invalidConfiguration(reason: reason)
        case .Unavailable(let reason):
            throw AuthError.invalidConfiguration(reason: "the store is unavailable: \(reason)")
        }
    }
}

/// Runs a call of a built-in store, turning the core's `StoreError` into this module's.
private func translatingStoreCalls<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as AuthwireUniFFI.StoreError {
        switch error {
        case .InvalidConfiguration(let reason): throw StoreError.invalidConfiguration(reason: reason)
        case .Unavailable(let reason): throw StoreError.unavailable(reason: reason)
        }
    }
}
