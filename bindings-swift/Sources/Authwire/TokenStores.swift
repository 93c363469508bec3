import AuthwireUniFFI
import Foundation

/// Where managers of several processes (or hosts) share their token, so that the fleet sends
/// one token request per lifetime: give it in ``TokenOptions`` (`TokenOptions(store: ...)`).
/// Use ``fileStore(path:)`` (one host) or, on Linux, ``redisStore(url:keyPrefix:timeoutMs:)``
/// (many hosts), or implement the five blocking methods yourself. A store only keeps values
/// with a TTL and holds named locks; the core runs the protocol, seals the token (never the
/// credential) before it reaches the store, and never lets a failing store fail a caller.
public typealias TokenStore = AuthwireUniFFI.TokenStore

/// What a ``TokenStore`` implementation throws when it cannot answer: `.Unavailable(reason:)`.
/// The manager then requests on its own and reports `AuthEvent.storeUnavailable`.
public typealias StoreError = AuthwireUniFFI.StoreError

/// A store for the processes of one host: sealed entries in the file at `path` (mode 0600,
/// replaced atomically), OS file locks next to it. Keep it on a local disk: file locks on
/// network filesystems fail or do nothing (on Linux, NFS, SMB and similar are refused).
///
/// - Throws: ``AuthError/invalidConfiguration(reason:)`` when the directory does not exist or
///   is on a network filesystem.
public func fileStore(path: String) throws -> TokenStore {
    try translatingStoreErrors { try AuthwireUniFFI.fileStore(path: path) }
}

#if AUTHWIRE_REDIS_STORE
    /// A store for many hosts: a Redis server at `url` (`redis://` or `rediss://` for TLS). The
    /// lock is `SET NX PX`, released by a compare-and-delete script; the sealed token expires
    /// with the token. Only in the Linux build of the package (the Apple build, the mobile core,
    /// leaves Redis out).
    ///
    /// - Throws: ``AuthError/invalidConfiguration(reason:)`` for a URL that is not a Redis URL.
    public func redisStore(url: String, keyPrefix: String? = nil, timeoutMs: UInt64? = nil) throws
        -> TokenStore
    {
        try translatingStoreErrors {
            try AuthwireUniFFI.redisStore(url: url, keyPrefix: keyPrefix, timeoutMs: timeoutMs)
        }
    }
#endif

/// Runs a store constructor, turning its `StoreError` into ``AuthError``.
private func translatingStoreErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as AuthwireUniFFI.StoreError {
        switch error {
        case .InvalidConfiguration(let reason): throw AuthError.invalidConfiguration(reason: reason)
        case .Unavailable(let reason): throw AuthError.invalidConfiguration(reason: "the store is unavailable: \(reason)")
        }
    }
}
