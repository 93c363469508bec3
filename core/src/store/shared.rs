//! The sharing protocol, run at a manager's refresh point (and nowhere else):
//!
//! 1. **Read first.** A stored token that is newer than this process's own and before its
//!    refresh point is adopted without a request.
//! 2. **One requester.** Otherwise the process takes the credential's lock (TTL: the request
//!    timeout plus a margin), reads again, requests, writes the token with its lifetime as
//!    TTL, and releases the lock. The others poll for the token and adopt it, for at most
//!    the request timeout (the longest the holder's request may take). They also try the
//!    lock, so when the holder dies and its lock ends (at once for a file lock, after the TTL
//!    in Redis) one of them takes over; and the first whose wait runs out requests on its
//!    own and stores the token for the rest, so a holder that hangs costs one extra request
//!    and no caller waits longer than the request timeout for the fleet.
//! 3. **Invalidation.** After `invalidate`, the rejected token is deleted from the store only
//!    if it is still the one stored (compare-and-delete), and never adopted again.
//! 4. **Never a new point of failure.** Each store call runs on a blocking thread under a
//!    timeout. A store that fails, hangs, panics or answers garbage makes the manager request
//!    on its own and emit an event; the store is tried again after a cool-down.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::seal::{Entry, Sealer};
use super::{StoreError, TokenStore};
use crate::credential::{Fetched, Source};
use crate::error::AuthError;
use crate::listener::AuthEvent;
use crate::secret::Secret;

/// Added to the request timeout for the lock's TTL: the holder's request, then its write.
const LOCK_MARGIN: Duration = Duration::from_millis(500);
/// The longest a single store call may take.
const CALL_TIMEOUT_MAX: Duration = Duration::from_secs(2);
/// Waiting processes look for the token (and the lock) this often, plus jitter.
const POLL: Duration = Duration::from_millis(20);
/// After a store failure, the store is skipped for this long times the failures in a row,
/// up to [`COOL_DOWN_MAX`].
const COOL_DOWN: Duration = Duration::from_millis(500);
const COOL_DOWN_MAX: Duration = Duration::from_secs(5);

/// What the engine tells the protocol about its own state.
pub(crate) trait Host: Send + Sync {
    /// The token this process holds, if any.
    fn current_token(&self) -> Option<Secret>;
    /// Whether a token of `lifetime`, requested `age` ago, is before its refresh point.
    fn is_fresh(&self, lifetime: Duration, age: Duration) -> bool;
    /// The lifetime assumed when the server announced none.
    fn default_lifetime(&self) -> Duration;
    /// Reports an event to the manager's listener.
    fn emit(&self, event: AuthEvent);
}

/// How the refresh got its token.
pub(crate) enum Obtained<T> {
    /// From the store: another process requested it `age` ago.
    Adopted { fetched: Fetched, age: Duration },
    /// From this process's own request (the store's, or not).
    Requested(Result<T, (AuthError, Option<Duration>)>),
}

enum Plan {
    Adopt(Entry, Duration),
    Request {
        lock_owner: Option<String>,
        write: bool,
    },
}

#[derive(Default)]
struct State {
    /// A token `invalidate` discarded: deleted from the store at the next refresh (if still
    /// stored) and never adopted again.
    invalidated: Option<Secret>,
    delete_pending: bool,
    /// Store failures in a row, and until when the store is skipped.
    failures: u32,
    skip_until: Option<Instant>,
}

/// One manager's view of a shared store.
pub(crate) struct SharedToken {
    store: Arc<dyn TokenStore>,
    sealer: Sealer,
    lock_ttl: Duration,
    /// How long a process waits for the lock holder's token: the request timeout.
    wait_limit: Duration,
    call_timeout: Duration,
    state: Mutex<State>,
}

impl SharedToken {
    /// `None` when the source has nothing to share (a static token) or no store is given.
    pub(crate) fn new(
        store: Option<Arc<dyn TokenStore>>,
        request_timeout: Duration,
        source: &Source,
    ) -> Option<Self> {
        let store = store?;
        let sealer = Sealer::for_source(source)?;
        Some(Self {
            store,
            sealer,
            lock_ttl: request_timeout + LOCK_MARGIN,
            wait_limit: request_timeout,
            call_timeout: request_timeout.min(CALL_TIMEOUT_MAX),
            state: Mutex::new(State::default()),
        })
    }

    /// Notes that `invalidate` discarded `token`.
    pub(crate) fn invalidated(&self, token: &str) {
        let mut state = self.lock_state();
        state.invalidated = Some(Secret::new(token));
        state.delete_pending = true;
    }

    /// Gets a token through the store: adopted from another process, or requested with
    /// `request` (by this process as the one requester, or on its own when the store fails
    /// or the requester takes too long).
    pub(crate) async fn obtain<T, Fut>(
        &self,
        host: &dyn Host,
        request: impl FnOnce() -> Fut,
        fetched_of: impl Fn(&T) -> &Fetched,
    ) -> Obtained<T>
    where
        Fut: Future<Output = Result<T, (AuthError, Option<Duration>)>>,
    {
        let plan = if self.skipping() {
            Plan::Request {
                lock_owner: None,
                write: false,
            }
        } else {
            match self.plan(host).await {
                Ok(plan) => {
                    self.answered(host);
                    plan
                }
                Err(reason) => {
                    self.failed(host, reason);
                    Plan::Request {
                        lock_owner: None,
                        write: false,
                    }
                }
            }
        };
        match plan {
            Plan::Adopt(entry, age) => {
                host.emit(AuthEvent::StoreTokenAdopted {
                    age_ms: millis(age),
                });
                Obtained::Adopted {
                    fetched: Fetched {
                        token: entry.token,
                        authorization: entry.authorization,
                        cookie: entry.cookie,
                        lifetime: Some(entry.lifetime),
                    },
                    age,
                }
            }
            Plan::Request { lock_owner, write } => {
                let issued_at = wall_now();
                let outcome = request().await;
                if write && let Ok(fetched) = &outcome {
                    self.write(host, fetched_of(fetched), issued_at).await;
                }
                if let Some(owner) = lock_owner {
                    let key = self.sealer.lock_key.clone();
                    if let Err(reason) = self.call("unlock", move |s| s.unlock(key, owner)).await {
                        self.failed(host, reason);
                    }
                }
                Obtained::Requested(outcome)
            }
        }
    }

    /// Steps 1 to 3 of the protocol, up to the request.
    async fn plan(&self, host: &dyn Host) -> Result<Plan, String> {
        self.delete_invalidated().await?;
        if let Some((entry, age)) = self.read_fresh(host).await? {
            return Ok(Plan::Adopt(entry, age));
        }
        let owner = lock_owner();
        let ttl_ms = millis(self.lock_ttl);
        let started = Instant::now();
        loop {
            let (key, who) = (self.sealer.lock_key.clone(), owner.clone());
            let locked = match self
                .call("try_lock", move |s| s.try_lock(key, who, ttl_ms))
                .await
            {
                Ok(locked) => locked,
                Err(reason) => {
                    // A try_lock that timed out may still take the lock later.
                    self.release_quietly(owner);
                    return Err(reason);
                }
            };
            if locked {
                // The previous holder may have written just before it released the lock.
                match self.read_fresh(host).await {
                    Ok(None) => {
                        return Ok(Plan::Request {
                            lock_owner: Some(owner),
                            write: true,
                        });
                    }
                    Ok(Some((entry, age))) => {
                        let key = self.sealer.lock_key.clone();
                        self.call("unlock", move |s| s.unlock(key, owner)).await?;
                        return Ok(Plan::Adopt(entry, age));
                    }
                    Err(reason) => {
                        self.release_quietly(owner);
                        return Err(reason);
                    }
                }
            }
            if started.elapsed() >= self.wait_limit {
                host.emit(AuthEvent::StoreWaitTimedOut {
                    waited_ms: millis(started.elapsed()),
                });
                return Ok(Plan::Request {
                    lock_owner: None,
                    write: true,
                });
            }
            tokio::time::sleep(POLL + POLL.mul_f64(fastrand::f64())).await;
            if let Some((entry, age)) = self.read_fresh(host).await? {
                return Ok(Plan::Adopt(entry, age));
            }
        }
    }

    /// The stored token if it is authentic, not this process's own, not invalidated, and
    /// before its refresh point. A rejected entry is reported and treated as absent.
    async fn read_fresh(&self, host: &dyn Host) -> Result<Option<(Entry, Duration)>, String> {
        let Some((entry, _)) = self.read(host).await? else {
            return Ok(None);
        };
        let token = entry.token.expose();
        let own = host.current_token();
        let state_invalidated = self.lock_state().invalidated.clone();
        if own.as_ref().is_some_and(|own| own.expose() == token)
            || state_invalidated.is_some_and(|bad| bad.expose() == token)
        {
            return Ok(None);
        }
        let age = wall_now().saturating_sub(entry.issued_at);
        if !host.is_fresh(entry.lifetime, age) {
            return Ok(None);
        }
        Ok(Some((entry, age)))
    }

    /// The stored entry, opened, with its raw bytes.
    async fn read(&self, host: &dyn Host) -> Result<Option<(Entry, Vec<u8>)>, String> {
        let key = self.sealer.token_key.clone();
        let Some(bytes) = self.call("read", move |s| s.read(key)).await? else {
            return Ok(None);
        };
        match self.sealer.open(&bytes) {
            Ok(entry) => Ok(Some((entry, bytes))),
            Err(rejected) => {
                host.emit(AuthEvent::StoreEntryRejected {
                    reason: rejected.reason().to_owned(),
                });
                Ok(None)
            }
        }
    }

    /// Deletes the token `invalidate` discarded, if it is still the one stored.
    async fn delete_invalidated(&self) -> Result<(), String> {
        let invalidated = {
            let mut state = self.lock_state();
            if !std::mem::take(&mut state.delete_pending) {
                return Ok(());
            }
            state.invalidated.clone()
        };
        let Some(invalidated) = invalidated else {
            return Ok(());
        };
        let key = self.sealer.token_key.clone();
        let Some(bytes) = self.call("read", move |s| s.read(key)).await? else {
            return Ok(());
        };
        let stored = self.sealer.open(&bytes).ok();
        if stored.is_some_and(|e| e.token.expose() == invalidated.expose()) {
            let key = self.sealer.token_key.clone();
            self.call("compare_and_delete", move |s| {
                s.compare_and_delete(key, bytes)
            })
            .await?;
        }
        Ok(())
    }

    async fn write(&self, host: &dyn Host, fetched: &Fetched, issued_at: Duration) {
        let lifetime = fetched.lifetime.unwrap_or_else(|| host.default_lifetime());
        let ttl = lifetime.saturating_sub(wall_now().saturating_sub(issued_at));
        if ttl.is_zero() {
            return;
        }
        let entry = Entry {
            token: fetched.token.clone(),
            authorization: fetched.authorization.clone(),
            cookie: fetched.cookie.clone(),
            issued_at,
            lifetime,
        };
        let bytes = self.sealer.seal(&entry);
        let key = self.sealer.token_key.clone();
        let ttl_ms = millis(ttl).max(1);
        if let Err(reason) = self
            .call("write", move |s| s.write(key, bytes, ttl_ms))
            .await
        {
            self.failed(host, reason);
        }
    }

    /// Releases `owner`'s lock in the background, after a failure, so that a lock taken by a
    /// call that failed or timed out does not outlive it (a file lock has no TTL).
    fn release_quietly(&self, owner: String) {
        let store = Arc::clone(&self.store);
        let key = self.sealer.lock_key.clone();
        drop(tokio::task::spawn_blocking(move || {
            let _ = std::panic::catch_unwind(AssertUnwindSafe(|| store.unlock(key, owner)));
        }));
    }

    /// Runs one store method on a blocking thread, under the call timeout.
    async fn call<R: Send + 'static>(
        &self,
        what: &'static str,
        method: impl FnOnce(&dyn TokenStore) -> Result<R, StoreError> + Send + 'static,
    ) -> Result<R, String> {
        let store = Arc::clone(&self.store);
        let task = tokio::task::spawn_blocking(move || {
            std::panic::catch_unwind(AssertUnwindSafe(|| method(&*store)))
        });
        match tokio::time::timeout(self.call_timeout, task).await {
            Ok(Ok(Ok(Ok(value)))) => Ok(value),
            Ok(Ok(Ok(Err(error)))) => Err(format!("{what}: {error}")),
            Ok(Ok(Err(_))) => Err(format!("{what}: the store panicked")),
            Ok(Err(_)) => Err(format!("{what}: the store call stopped unexpectedly")),
            Err(_) => Err(format!(
                "{what}: the store did not answer within {} ms",
                self.call_timeout.as_millis()
            )),
        }
    }

    fn skipping(&self) -> bool {
        self.lock_state()
            .skip_until
            .is_some_and(|until| Instant::now() < until)
    }

    fn failed(&self, host: &dyn Host, reason: String) {
        let retry_in = {
            let mut state = self.lock_state();
            state.failures = state.failures.saturating_add(1);
            let retry_in = COOL_DOWN.saturating_mul(state.failures).min(COOL_DOWN_MAX);
            state.skip_until = Some(Instant::now() + retry_in);
            retry_in
        };
        host.emit(AuthEvent::StoreUnavailable {
            reason,
            retry_in_ms: millis(retry_in),
        });
    }

    fn answered(&self, host: &dyn Host) {
        let recovered = {
            let mut state = self.lock_state();
            let was_failing = state.failures > 0;
            state.failures = 0;
            state.skip_until = None;
            was_failing
        };
        if recovered {
            host.emit(AuthEvent::StoreRecovered);
        }
    }

    fn lock_state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A lock owner unique to this attempt of this process.
fn lock_owner() -> String {
    format!("{}-{:016x}", std::process::id(), fastrand::u64(..))
}

/// The wall clock, the one clock that processes (and, synchronised, hosts) share.
fn wall_now() -> Duration {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
