//! A token store in Redis, for processes on many hosts.
//!
//! - The lock: `SET <lock> <owner> NX PX <ttl>`; released by a script that deletes it only
//!   if it still holds this owner (the lock may have expired and been taken by another).
//! - The token: `SET <token> <sealed> PX <ttl>`, the TTL being the token's remaining
//!   lifetime, so Redis drops it when it expires.
//! - Compare-and-delete: a script, so that the comparison and the delete are one step.
//!
//! One connection per store, opened on first use and reopened after an error; every reply
//! is awaited at most `timeout_ms`. `rediss://` connects with TLS (rustls, the platform's
//! trusted roots).

use std::sync::{Mutex, Once};
use std::time::Duration;

use redis::{Client, Connection, Script};

use super::{StoreError, TokenStore};

const DEFAULT_PREFIX: &str = "authwire:";
const DEFAULT_TIMEOUT_MS: u64 = 1000;

const RELEASE: &str = r"if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";

/// How a [`RedisStore`] names its keys and how long it waits. Start from
/// [`RedisStoreOptions::default`] (prefix `authwire:`, one second) and chain the setters.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RedisStoreOptions {
    key_prefix: Option<String>,
    timeout: Duration,
}

impl Default for RedisStoreOptions {
    fn default() -> Self {
        Self {
            key_prefix: None,
            timeout: Duration::from_millis(DEFAULT_TIMEOUT_MS),
        }
    }
}

impl RedisStoreOptions {
    /// The prefix of every key (default `authwire:`), to share one server between apps.
    #[must_use]
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.key_prefix = Some(prefix.into());
        self
    }

    /// The limit of each connection attempt and each reply (default one second), kept to
    /// the millisecond.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

/// A [`TokenStore`] in a Redis server: one token for every process on every host that uses
/// the same credential; give it to [`TokenOptions::store`](crate::TokenOptions::store).
pub struct RedisStore {
    client: Client,
    prefix: String,
    timeout: Duration,
    /// The connection and the process that opened it: a forked child opens its own.
    connection: Mutex<Option<(u32, Connection)>>,
    release: Script,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may carry a password: only the prefix is shown.
        write!(f, "RedisStore(prefix={:?})", self.prefix)
    }
}

impl RedisStore {
    /// A store at `url` (`redis://` or `rediss://`). No connection is made yet.
    ///
    /// # Errors
    /// [`AuthError::InvalidConfiguration`](crate::AuthError::InvalidConfiguration) for a URL
    /// that is not a Redis URL, or a zero timeout.
    ///
    /// ```no_run
    /// use std::sync::Arc;
    /// use std::time::Duration;
    /// use authwire::{RedisStore, RedisStoreOptions, TokenOptions};
    ///
    /// let store = RedisStore::new(
    ///     "rediss://:password@redis.internal:6380",
    ///     RedisStoreOptions::default().key_prefix("myapp:").timeout(Duration::from_millis(500)),
    /// )?;
    /// let options = TokenOptions::default().store(Arc::new(store));
    /// # let _ = options;
    /// # Ok::<(), authwire::AuthError>(())
    /// ```
    pub fn new(url: &str, options: RedisStoreOptions) -> crate::Result<Self> {
        let timeout_ms = u64::try_from(options.timeout.as_millis()).unwrap_or(u64::MAX);
        Ok(Self::open(url, options.key_prefix, Some(timeout_ms))?)
    }

    /// [`RedisStore::new`], failing as the bindings' `redis_store` does.
    pub(crate) fn open(
        url: &str,
        key_prefix: Option<String>,
        timeout_ms: Option<u64>,
    ) -> Result<Self, StoreError> {
        static PROVIDER: Once = Once::new();
        PROVIDER.call_once(|| {
            // rediss:// needs a rustls provider; the host app may have installed one already.
            let _ = rustls::crypto::ring::default_provider().install_default();
        });
        if !(url.starts_with("redis://") || url.starts_with("rediss://")) {
            return Err(StoreError::invalid_configuration(
                "a Redis store URL starts with redis:// or rediss://",
            ));
        }
        // redis's own message could quote the URL, password included.
        let client = Client::open(url)
            .map_err(|_| StoreError::invalid_configuration("the Redis URL is not valid"))?;
        let timeout_ms = timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS);
        if timeout_ms == 0 {
            return Err(StoreError::invalid_configuration(
                "the Redis timeout must be positive",
            ));
        }
        Ok(Self {
            client,
            prefix: key_prefix.unwrap_or_else(|| DEFAULT_PREFIX.to_owned()),
            timeout: Duration::from_millis(timeout_ms),
            connection: Mutex::new(None),
            release: Script::new(RELEASE),
        })
    }

    /// Runs `f` on the connection, opening it first if needed; drops it after an error so
    /// that the next call reconnects.
    fn with<R>(
        &self,
        what: &str,
        f: impl FnOnce(&mut Connection) -> redis::RedisResult<R>,
    ) -> Result<R, StoreError> {
        let mut slot = self.connection.lock().unwrap_or_else(|e| e.into_inner());
        let pid = std::process::id();
        if slot.as_ref().is_some_and(|(owner, _)| *owner != pid) {
            // The parent's connection, inherited through fork: the parent still uses the
            // socket, so the child neither speaks on it nor closes it.
            if let Some(inherited) = slot.take() {
                std::mem::forget(inherited);
            }
        }
        if slot.is_none() {
            let connection = self
                .client
                .get_connection_with_timeout(self.timeout)
                .map_err(|e| describe("connect", &e))?;
            connection
                .set_read_timeout(Some(self.timeout))
                .and_then(|()| connection.set_write_timeout(Some(self.timeout)))
                .map_err(|e| describe("connect", &e))?;
            *slot = Some((pid, connection));
        }
        let (_, connection) = slot.as_mut().expect("set above");
        f(connection).map_err(|e| {
            *slot = None;
            describe(what, &e)
        })
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }
}

impl TokenStore for RedisStore {
    fn read(&self, key: String) -> Result<Option<Vec<u8>>, StoreError> {
        let key = self.key(&key);
        self.with("GET", |c| redis::cmd("GET").arg(&key).query(c))
    }

    fn write(&self, key: String, value: Vec<u8>, ttl_ms: u64) -> Result<(), StoreError> {
        let key = self.key(&key);
        self.with("SET", |c| {
            redis::cmd("SET")
                .arg(&key)
                .arg(&value)
                .arg("PX")
                .arg(ttl_ms.max(1))
                .query(c)
        })
    }

    fn compare_and_delete(&self, key: String, expected: Vec<u8>) -> Result<bool, StoreError> {
        let key = self.key(&key);
        let deleted: i64 = self.with("compare-and-delete", |c| {
            self.release.key(&key).arg(&expected).invoke(c)
        })?;
        Ok(deleted == 1)
    }

    fn try_lock(&self, key: String, owner: String, ttl_ms: u64) -> Result<bool, StoreError> {
        let key = self.key(&key);
        let reply: Option<String> = self.with("SET NX", |c| {
            redis::cmd("SET")
                .arg(&key)
                .arg(&owner)
                .arg("NX")
                .arg("PX")
                .arg(ttl_ms.max(1))
                .query(c)
        })?;
        Ok(reply.is_some())
    }

    fn unlock(&self, key: String, owner: String) -> Result<(), StoreError> {
        let key = self.key(&key);
        let _: i64 = self.with("unlock", |c| self.release.key(&key).arg(&owner).invoke(c))?;
        Ok(())
    }
}

/// A Redis failure, described by its kind only: redis's messages can quote the URL.
fn describe(what: &str, error: &redis::RedisError) -> StoreError {
    let why = if error.is_timeout() {
        "timed out"
    } else if error.is_connection_refusal() {
        "connection refused"
    } else if error.is_connection_dropped() || error.is_io_error() {
        "connection lost"
    } else {
        "the server answered with an error"
    };
    StoreError::unavailable(format!("Redis {what}: {why}"))
}
