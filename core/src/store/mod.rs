//! Token stores: one token shared by every process of a fleet.
//!
//! A [`TokenStore`] only stores bytes and holds locks; the protocol that makes N processes
//! send one token request per lifetime lives in [`shared`], which the refresh engine calls at
//! the refresh point and nowhere else. Tokens are sealed before they reach a store
//! ([`seal`]): a store never holds the credential, nor a token in clear.
//!
//! Built-in stores: [`FileStore`] for the processes of one host, and `RedisStore` (cargo
//! feature `redis-store`) for many hosts. Any language can implement the trait.

mod file;
#[cfg(feature = "redis-store")]
mod redis;
pub(crate) mod seal;
pub(crate) mod shared;

use std::sync::Arc;

pub use self::file::FileStore;
#[cfg(feature = "redis-store")]
pub use self::redis::{RedisStore, RedisStoreOptions};

/// Where a [`TokenManager`](crate::TokenManager) shares its token with the other processes
/// that use the same credential: give one in [`TokenOptions::store`](crate::TokenOptions).
///
/// Implement it in any language over any shared storage (a database, a cloud cache), or use
/// a built-in: `file_store(path)` for one host, `redis_store(url)` for many. authwire runs
/// the sharing protocol; a store only keeps values with a time to live and holds named
/// locks. Keys and values are opaque: values are tokens sealed with a key derived from the
/// credential, keys are names derived the same way.
///
/// Every method is blocking and is called from one of authwire's own threads, never from the
/// caller's, under a timeout: a method that fails, hangs or panics makes the manager fall back
/// to its own token requests (and report an [`AuthEvent`](crate::AuthEvent)) until the store
/// answers again. A store error never reaches a caller of `authorization()`.
#[uniffi::export(with_foreign)]
pub trait TokenStore: Send + Sync {
    /// The value stored under `key`, or `None` when there is none (or it has expired).
    ///
    /// # Errors
    /// [`StoreError`] when the store cannot be read.
    fn read(&self, key: String) -> Result<Option<Vec<u8>>, StoreError>;

    /// Stores `value` under `key` for `ttl_ms` milliseconds, replacing any value there.
    ///
    /// # Errors
    /// [`StoreError`] when the value cannot be stored.
    fn write(&self, key: String, value: Vec<u8>, ttl_ms: u64) -> Result<(), StoreError>;

    /// Removes the value under `key` only if it is exactly `expected`, atomically; returns
    /// whether it did.
    ///
    /// # Errors
    /// [`StoreError`] when the store cannot be changed.
    fn compare_and_delete(&self, key: String, expected: Vec<u8>) -> Result<bool, StoreError>;

    /// Takes the lock `key` for `owner` unless someone holds it, without waiting; returns
    /// whether it was taken. The lock must end by itself after `ttl_ms` milliseconds, or when
    /// the owner's process dies, so that a crashed holder cannot block the others.
    ///
    /// # Errors
    /// [`StoreError`] when the store cannot be reached.
    fn try_lock(&self, key: String, owner: String, ttl_ms: u64) -> Result<bool, StoreError>;

    /// Releases the lock `key` if `owner` still holds it (it may have expired and been taken
    /// by another owner, whose lock must stay).
    ///
    /// # Errors
    /// [`StoreError`] when the store cannot be reached.
    fn unlock(&self, key: String, owner: String) -> Result<(), StoreError>;
}

/// Why a [`TokenStore`] call failed. authwire never shows it to a caller: the manager falls
/// back to its own requests and reports the reason in an
/// [`AuthEvent::StoreUnavailable`](crate::AuthEvent::StoreUnavailable).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
#[uniffi::export(Display)]
#[non_exhaustive]
pub enum StoreError {
    /// The store could not be reached or did not work (connection refused, I/O error,
    /// timeout). authwire retries it later.
    #[error("token store unavailable: {reason}")]
    Unavailable {
        /// What failed, without any secret.
        reason: String,
    },
    /// The store cannot be used as configured (an invalid URL, a network filesystem for a
    /// file store). Fix the configuration.
    #[error("invalid token store configuration: {reason}")]
    InvalidConfiguration {
        /// What is wrong.
        reason: String,
    },
}

impl StoreError {
    pub(crate) fn unavailable(reason: impl Into<String>) -> Self {
        Self::Unavailable {
            reason: reason.into(),
        }
    }

    pub(crate) fn invalid_configuration(reason: impl Into<String>) -> Self {
        Self::InvalidConfiguration {
            reason: reason.into(),
        }
    }
}

/// A store's failure as authwire's one error type, for Rust code that builds a store and
/// returns [`AuthError`](crate::AuthError): an invalid configuration stays one, an
/// unreachable store becomes a [`Network`](crate::AuthError::Network) error of kind
/// [`Other`](crate::NetworkErrorKind::Other).
impl From<StoreError> for crate::AuthError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::InvalidConfiguration { reason } => Self::InvalidConfiguration { reason },
            StoreError::Unavailable { reason } => Self::Network {
                kind: crate::NetworkErrorKind::Other,
                reason: format!("token store unavailable: {reason}"),
            },
        }
    }
}

impl From<uniffi::UnexpectedUniFFICallbackError> for StoreError {
    fn from(error: uniffi::UnexpectedUniFFICallbackError) -> Self {
        // A foreign store raised something other than a StoreError.
        let _ = error;
        Self::unavailable("the store raised an unexpected error")
    }
}

/// A [`FileStore`] at `path`, shared by the processes of this host.
///
/// `path` is a file (created with mode 0600 if missing) in a directory that must exist; lock
/// files are created next to it. Use a local filesystem: file locks on NFS or SMB are
/// unreliable, and such a path is refused.
///
/// # Errors
/// [`StoreError::InvalidConfiguration`] when the directory does not exist or is on a network
/// filesystem.
#[uniffi::export]
pub(crate) fn file_store(path: String) -> Result<Arc<dyn TokenStore>, StoreError> {
    Ok(Arc::new(FileStore::open(path.into())?))
}

/// A `RedisStore` at `url` (`redis://[user:password@]host[:port][/db]`, or `rediss://` for
/// TLS), shared by every host that reaches the server. `key_prefix` (default `authwire:`)
/// namespaces the keys; `timeout_ms` (default 1000) bounds each connection attempt and reply.
/// No connection is made until a token is shared.
///
/// # Errors
/// [`StoreError::InvalidConfiguration`] for a URL that is not a Redis URL.
#[cfg(feature = "redis-store")]
#[uniffi::export(default(key_prefix = None, timeout_ms = None))]
pub(crate) fn redis_store(
    url: String,
    key_prefix: Option<String>,
    timeout_ms: Option<u64>,
) -> Result<Arc<dyn TokenStore>, StoreError> {
    Ok(Arc::new(RedisStore::open(&url, key_prefix, timeout_ms)?))
}
