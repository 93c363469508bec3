//! A user session in a shared store: the record, its sealing, and the store calls the
//! session's refresh makes under the store's cross-process lock.
//!
//! The record holds the latest refresh token, the access token it last produced (with when
//! it was issued and its lifetime), the session's id and generation, and whether it ended.
//! It is sealed with a key derived from the host's [`SealingKey`] and the session's
//! endpoint and client, so another credential's or a tampered record is refused.

use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use zeroize::Zeroize;

use super::key::SealingKey;
use crate::store::seal::Sealer;
use crate::store::{StoreError, TokenStore};

/// Stored sessions live this long unless a refresh or sign-out rewrites them (ten years: a
/// session's end is decided by its server, not by the store).
const RECORD_TTL_MS: u64 = 10 * 365 * 24 * 3600 * 1000;
/// The longest a single store call may take.
const CALL_TIMEOUT_MAX: Duration = Duration::from_secs(2);
/// Added to the request timeout for the lock's TTL.
const LOCK_MARGIN: Duration = Duration::from_millis(500);
/// Waiting for the lock: how often to try again (plus jitter).
const POLL: Duration = Duration::from_millis(10);

/// A session as stored.
#[derive(serde::Serialize, serde::Deserialize, Default, Clone)]
pub(crate) struct Record {
    /// The session id and generation.
    pub(crate) sid: String,
    pub(crate) g: u64,
    /// Ended (signed out, revoked): nothing else is kept.
    #[serde(default)]
    pub(crate) ended: Option<String>,
    /// The refresh token.
    #[serde(default)]
    pub(crate) rt: Option<String>,
    /// The access token, when it was issued (ms since the epoch) and its lifetime (ms).
    #[serde(default)]
    pub(crate) at: Option<String>,
    #[serde(default)]
    pub(crate) i: u64,
    #[serde(default)]
    pub(crate) l: u64,
    #[serde(default)]
    pub(crate) scope: Option<String>,
    #[serde(default)]
    pub(crate) idt: Option<String>,
}

impl Drop for Record {
    fn drop(&mut self) {
        for value in [&mut self.rt, &mut self.at, &mut self.idt]
            .into_iter()
            .flatten()
        {
            value.zeroize();
        }
    }
}

/// What a read found.
pub(crate) enum Found {
    /// No session is stored.
    Absent,
    /// A session record.
    Record(Record),
    /// Something that is not this session's record (tampered, another credential's, or
    /// another format); the reason, for an event.
    Rejected(&'static str),
}

/// A blocking store call, run on a blocking thread.
type StoreCall = Box<dyn FnOnce(&SessionStore) -> Result<Reply, String> + Send>;

/// What a store call answered.
pub(crate) enum Reply {
    Found(Found),
    Done,
    Owner(Option<String>),
}

/// One manager's view of the session store.
pub(crate) struct SessionStore {
    store: Arc<dyn TokenStore>,
    key: Arc<dyn SealingKey>,
    identity: Vec<u8>,
    sealer: Mutex<Option<Arc<Sealer>>>,
    misconfigured: Mutex<Option<String>>,
    pub(crate) lock_ttl: Duration,
    pub(crate) wait_limit: Duration,
    call_timeout: Duration,
}

impl SessionStore {
    pub(crate) fn new(
        store: Arc<dyn TokenStore>,
        key: Arc<dyn SealingKey>,
        identity: Vec<u8>,
        request_timeout: Duration,
    ) -> Self {
        Self {
            store,
            key,
            identity,
            sealer: Mutex::new(None),
            misconfigured: Mutex::new(None),
            lock_ttl: request_timeout + LOCK_MARGIN,
            wait_limit: request_timeout,
            call_timeout: request_timeout.min(CALL_TIMEOUT_MAX),
        }
    }

    /// The sealer, derived once the host's key could be read.
    fn sealer_blocking(&self) -> Result<Arc<Sealer>, String> {
        if let Some(sealer) = &*self.sealer.lock().unwrap_or_else(|e| e.into_inner()) {
            return Ok(Arc::clone(sealer));
        }
        let key = Arc::clone(&self.key);
        let mut bytes = std::panic::catch_unwind(AssertUnwindSafe(|| key.key()))
            .map_err(|_| "the sealing key panicked".to_owned())?
            .map_err(|e| {
                let reason = format!("the sealing key: {e}");
                if matches!(e, StoreError::InvalidConfiguration { .. }) {
                    self.misconfigured(&reason);
                }
                reason
            })?;
        if bytes.len() < 32 {
            bytes.zeroize();
            let reason = "the sealing key is shorter than 32 bytes".to_owned();
            self.misconfigured(&reason);
            return Err(reason);
        }
        let sealer = Arc::new(Sealer::from_host_key(&bytes, &self.identity));
        bytes.zeroize();
        *self.sealer.lock().unwrap_or_else(|e| e.into_inner()) = Some(Arc::clone(&sealer));
        Ok(sealer)
    }

    /// Notes that the sealing key can never be read as configured.
    fn misconfigured(&self, reason: &str) {
        *self.misconfigured.lock().unwrap_or_else(|e| e.into_inner()) = Some(reason.to_owned());
    }

    /// Why the sealing key can never be read, once it said so: a configuration error, not a
    /// transient one.
    pub(crate) fn configuration_error(&self) -> Option<String> {
        self.misconfigured
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn lock_key(&self, sealer: &Sealer) -> String {
        sealer.lock_key.clone()
    }

    /// Runs `f` (blocking store and key calls) on a blocking thread, under the call timeout.
    /// One closure type and one answer type for every call, so that the blocking task is
    /// compiled once (the mobile core's size).
    async fn call(self: &Arc<Self>, what: &'static str, f: StoreCall) -> Result<Reply, String> {
        let this = Arc::clone(self);
        let task = tokio::task::spawn_blocking(move || {
            std::panic::catch_unwind(AssertUnwindSafe(|| f(&this)))
        });
        match tokio::time::timeout(self.call_timeout, task).await {
            Ok(Ok(Ok(result))) => result.map_err(|e| format!("{what}: {e}")),
            Ok(Ok(Err(_))) => Err(format!("{what}: the store panicked")),
            Ok(Err(_)) => Err(format!("{what}: the store call stopped unexpectedly")),
            Err(_) => Err(format!(
                "{what}: the store did not answer within {} ms",
                self.call_timeout.as_millis()
            )),
        }
    }

    /// Reads the stored session (blocking).
    pub(crate) fn read_blocking(&self) -> Result<Found, String> {
        let sealer = self.sealer_blocking()?;
        let bytes = self
            .store
            .read(sealer.token_key.clone())
            .map_err(store_text)?;
        let Some(bytes) = bytes else {
            return Ok(Found::Absent);
        };
        let mut json = match sealer.open_bytes(&bytes) {
            Ok(json) => json,
            Err(rejected) => return Ok(Found::Rejected(rejected.reason())),
        };
        let record = serde_json::from_slice::<Record>(&json);
        json.zeroize();
        Ok(match record {
            Ok(record) => Found::Record(record),
            Err(_) => Found::Rejected("the stored session is not an authwire session record"),
        })
    }

    /// Writes `record` (blocking).
    pub(crate) fn write_blocking(&self, record: &Record) -> Result<(), String> {
        let sealer = self.sealer_blocking()?;
        let mut json = serde_json::to_vec(record).expect("strings and numbers always serialize");
        let sealed = sealer.seal_bytes(&json);
        json.zeroize();
        self.store
            .write(sealer.token_key.clone(), sealed, RECORD_TTL_MS)
            .map_err(store_text)
    }

    /// Takes the session's cross-process lock, waiting up to `limit` (blocking); returns
    /// the owner to unlock with, or `None` when another holder kept it.
    pub(crate) fn lock_blocking(&self, limit: Duration) -> Result<Option<String>, String> {
        let sealer = self.sealer_blocking()?;
        let owner = format!("{}-{}", std::process::id(), super::random_token(9));
        let ttl_ms = u64::try_from(self.lock_ttl.as_millis()).unwrap_or(u64::MAX);
        let started = Instant::now();
        loop {
            if self
                .store
                .try_lock(self.lock_key(&sealer), owner.clone(), ttl_ms)
                .map_err(store_text)?
            {
                return Ok(Some(owner));
            }
            if started.elapsed() >= limit {
                return Ok(None);
            }
            std::thread::sleep(POLL + POLL.mul_f64(fastrand::f64()));
        }
    }

    /// Releases the lock (blocking).
    pub(crate) fn unlock_blocking(&self, owner: String) -> Result<(), String> {
        let sealer = self.sealer_blocking()?;
        self.store
            .unlock(self.lock_key(&sealer), owner)
            .map_err(store_text)
    }

    pub(crate) async fn read(self: &Arc<Self>) -> Result<Found, String> {
        match self
            .call("read", Box::new(|s| s.read_blocking().map(Reply::Found)))
            .await?
        {
            Reply::Found(found) => Ok(found),
            _ => unreachable!("read answers Found"),
        }
    }

    pub(crate) async fn write(self: &Arc<Self>, record: Record) -> Result<(), String> {
        self.call(
            "write",
            Box::new(move |s| s.write_blocking(&record).map(|()| Reply::Done)),
        )
        .await
        .map(drop)
    }

    /// Takes the lock, polling without holding a blocking thread between tries.
    pub(crate) async fn lock(self: &Arc<Self>) -> Result<Option<String>, String> {
        let started = Instant::now();
        loop {
            let reply = self
                .call(
                    "try_lock",
                    Box::new(|s| s.lock_blocking(Duration::ZERO).map(Reply::Owner)),
                )
                .await?;
            if let Reply::Owner(Some(owner)) = reply {
                return Ok(Some(owner));
            }
            if started.elapsed() >= self.wait_limit {
                return Ok(None);
            }
            tokio::time::sleep(POLL + POLL.mul_f64(fastrand::f64())).await;
        }
    }

    /// Releases the lock in the background (also when the refresh was cancelled).
    pub(crate) fn unlock_soon(self: &Arc<Self>, owner: String) {
        let this = Arc::clone(self);
        drop(tokio::task::spawn_blocking(move || {
            let _ = std::panic::catch_unwind(AssertUnwindSafe(|| this.unlock_blocking(owner)));
        }));
    }
}

fn store_text(error: StoreError) -> String {
    error.to_string()
}

/// Holds the session lock; released when dropped (also when the refresh is cancelled).
pub(crate) struct LockGuard {
    pub(crate) store: Arc<SessionStore>,
    pub(crate) owner: Option<String>,
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        if let Some(owner) = self.owner.take() {
            // Outside a runtime (a blocking sign-in), unlock on this thread.
            if tokio::runtime::Handle::try_current().is_ok() {
                self.store.unlock_soon(owner);
            } else {
                let _ = self.store.unlock_blocking(owner);
            }
        }
    }
}
