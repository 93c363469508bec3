//! The refresh engine behind `TokenManager` and `CsrfSession`: one cached token, one
//! shared refresh, stale-while-revalidate, retries and the refresh-loop guard.
//!
//! Callers take a read lock and, while the cached token is before its refresh point, leave
//! with it at once. Past the refresh point the token is still handed out and exactly one
//! background refresh is started. Only when no usable token exists do callers wait, and then
//! all of them, threads and async tasks alike, await the same shared refresh.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use futures::FutureExt as _;
use futures::future::{BoxFuture, Shared};

use super::clock::{Clock, Mono};
use super::options::TokenOptions;
use super::policy::{self, Schedule};
use super::server_time::{self, ServerTime};
use crate::credential::{Fetched, Source};
use crate::error::{AuthError, Result};
use crate::exchange::{AttemptError, Retry};
use crate::listener::{AuthEvent, AuthListener};
use crate::runtime;
use crate::secret::{REDACTED, Secret};
use crate::store::shared::SharedToken;
use crate::transport::Guarded;

mod session;
mod sharing;

/// A token in the cache, with its deadlines.
pub(crate) struct Cached {
    pub(crate) token: Secret,
    pub(crate) authorization: Secret,
    pub(crate) cookie: Option<Secret>,
    pub(crate) schedule: Schedule,
}

type SharedRefresh = Shared<BoxFuture<'static, Result<Arc<Cached>>>>;

/// What a caller gets from the cache.
pub(crate) enum Lookup {
    Ready(Arc<Cached>),
    Wait(SharedRefresh),
    Fail(AuthError),
}

struct State {
    current: Option<Arc<Cached>>,
    /// The refresh under way, and the process it runs in: after a fork it is dead.
    refresh: Option<(u32, SharedRefresh)>,
    /// Stops the refresh task under way (the last one started) when the manager is dropped.
    refresh_task: Option<tokio::task::AbortHandle>,
    /// The last failed refresh and when the next may start.
    failure: Option<(AuthError, Mono)>,
    consecutive_failures: u32,
    /// When each recent `invalidate` discarded the current token.
    invalidations: VecDeque<Mono>,
}

/// Counters behind `stats()`.
#[derive(Default)]
pub(crate) struct Counters {
    pub(crate) token_requests: AtomicU64,
    pub(crate) refreshes: AtomicU64,
    pub(crate) failures: AtomicU64,
    pub(crate) retries: AtomicU64,
    pub(crate) waits: AtomicU64,
    pub(crate) invalidations: AtomicU64,
}

pub(crate) struct Engine {
    source: Source,
    /// The source's secrets in every form a server could echo back (see `scrub`).
    secret_forms: Vec<Secret>,
    /// The transport (with the core's policy around it) and the process it was made in:
    /// the built-in client's connections do not survive a fork. `None` for a static token,
    /// which sends no requests.
    http: RwLock<(u32, Option<Arc<Guarded>>)>,
    options: TokenOptions,
    clock: Arc<dyn Clock>,
    state: RwLock<State>,
    pub(crate) counters: Counters,
    listener: RwLock<Option<Arc<dyn AuthListener>>>,
    last_fetch_micros: AtomicU64,
    /// The token store shared with other processes, if the options name one.
    shared: Option<SharedToken>,
    /// The token server's clock, for the times of signed assertions.
    server_time: ServerTime,
}

impl Engine {
    pub(crate) fn new(
        source: Source,
        options: TokenOptions,
        clock: Arc<dyn Clock>,
    ) -> Result<Arc<Self>> {
        options.validate()?;
        let http = match source.url() {
            Some(url) => Some(Arc::new(Guarded::new(
                &options.transport_settings(),
                Some(url),
            )?)),
            None => None,
        };
        let current = match &source {
            Source::Static { token, lifetime } => {
                let authorization = crate::header::bearer_auth(token.expose())?;
                let now = clock.monotonic();
                let lifetime = lifetime.unwrap_or(Duration::MAX);
                Some(Arc::new(Cached {
                    token: token.clone(),
                    authorization: Secret::new(authorization),
                    cookie: None,
                    schedule: policy::schedule(&options, now, lifetime, Duration::ZERO, 0.0),
                }))
            }
            _ => None,
        };
        if let Some(assertion) = source.assertion() {
            assertion.check()?;
        }
        let shared = SharedToken::new(
            options.store.clone(),
            TokenOptions::ms(options.request_timeout_ms),
            &source,
        );
        if options.store.is_some()
            && shared.is_none()
            && !matches!(
                source,
                Source::Static { .. } | Source::SelfSigned { .. } | Source::Session(_)
            )
        {
            return Err(AuthError::invalid_configuration(
                "a token store seals tokens with a key derived from the credential, and this \
                 signer's signatures are not deterministic (ES256), so none can be derived: \
                 leave the store out, or use an RS256 key",
            ));
        }
        Ok(Arc::new(Self {
            shared,
            server_time: ServerTime::default(),
            secret_forms: source.secret_forms(),
            source,
            http: RwLock::new((std::process::id(), http)),
            options,
            clock,
            state: RwLock::new(State {
                current,
                refresh: None,
                refresh_task: None,
                failure: None,
                consecutive_failures: 0,
                invalidations: VecDeque::new(),
            }),
            counters: Counters::default(),
            listener: RwLock::new(None),
            last_fetch_micros: AtomicU64::new(0),
        }))
    }

    /// Stops the refresh under way, if any: its request is cancelled (a blocking host
    /// transport's call finishes on its own thread) and nothing is published. Called when the
    /// manager is dropped, so that no background work outlives it.
    pub(crate) fn stop(&self) {
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        if let Some(task) = state.refresh_task.take() {
            task.abort();
        }
        state.refresh = None;
    }

    pub(crate) fn set_listener(&self, listener: Option<Arc<dyn AuthListener>>) {
        *self.listener.write().unwrap_or_else(|e| e.into_inner()) = listener;
    }

    pub(crate) fn now(&self) -> Mono {
        self.clock.monotonic()
    }

    /// The cached token if it is usable, else the shared refresh to wait on.
    pub(crate) fn lookup(self: &Arc<Self>) -> Lookup {
        let now = self.clock.monotonic();
        {
            let state = self.state.read().unwrap_or_else(|e| e.into_inner());
            if let Some(current) = &state.current {
                let s = current.schedule;
                if now < s.refresh_at {
                    return Lookup::Ready(Arc::clone(current));
                }
                if now < s.usable_until
                    && (live(&state.refresh).is_some() || !self.may_start(&state, now))
                {
                    return Lookup::Ready(Arc::clone(current));
                }
            } else if let Some(refresh) = live(&state.refresh) {
                self.counters.waits.fetch_add(1, Ordering::Relaxed);
                return Lookup::Wait(refresh.clone());
            }
        }
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        // Re-check: another caller may have changed the state between the two locks.
        let usable = state
            .current
            .as_ref()
            .filter(|c| now < c.schedule.usable_until)
            .cloned();
        if let Some(current) = usable {
            if live(&state.refresh).is_none()
                && now >= current.schedule.refresh_at
                && self.may_start(&state, now)
            {
                drop(self.start_refresh(&mut state));
            }
            return Lookup::Ready(current);
        }
        if let Some(refresh) = live(&state.refresh) {
            self.counters.waits.fetch_add(1, Ordering::Relaxed);
            return Lookup::Wait(refresh.clone());
        }
        if let Some((error, not_before)) = &state.failure
            && now < *not_before
        {
            return Lookup::Fail(error.clone());
        }
        self.counters.waits.fetch_add(1, Ordering::Relaxed);
        Lookup::Wait(self.start_refresh(&mut state))
    }

    /// After a failed refresh, the next one waits for its cool-down.
    fn may_start(&self, state: &State, now: Mono) -> bool {
        state
            .failure
            .as_ref()
            .is_none_or(|(_, not_before)| now >= *not_before)
    }

    /// Blocks the calling thread until a usable token exists or the refresh failed.
    pub(crate) fn get_blocking(self: &Arc<Self>) -> Result<Arc<Cached>> {
        self.session_gate()?;
        match self.lookup() {
            Lookup::Ready(cached) => Ok(cached),
            Lookup::Fail(error) => Err(error),
            Lookup::Wait(refresh) => futures::executor::block_on(refresh),
        }
    }

    /// Awaits a usable token; runs on any executor.
    pub(crate) async fn get(self: &Arc<Self>) -> Result<Arc<Cached>> {
        self.session_gate()?;
        match self.lookup() {
            Lookup::Ready(cached) => Ok(cached),
            Lookup::Fail(error) => Err(error),
            Lookup::Wait(refresh) => refresh.await,
        }
    }

    /// Discards `token` if it is still the current one (the API rejected it), and starts one
    /// refresh. Returns whether it was current. Parallel calls with the same token cause one
    /// refresh; a token that was already replaced is ignored.
    pub(crate) fn invalidate(self: &Arc<Self>, token: &str) -> bool {
        if matches!(self.source, Source::Static { .. }) {
            return false;
        }
        let now = self.clock.monotonic();
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        let is_current = state
            .current
            .as_ref()
            .is_some_and(|c| constant_time_eq(c.token.expose().as_bytes(), token.as_bytes()));
        if !is_current {
            return false;
        }
        state.current = None;
        if let Some(shared) = &self.shared {
            shared.invalidated(token);
        }
        if let Source::Session(session) = &self.source {
            *session.rejected.lock().unwrap_or_else(|e| e.into_inner()) = Some(Secret::new(token));
        }
        self.counters.invalidations.fetch_add(1, Ordering::Relaxed);
        let window = TokenOptions::ms(self.options.loop_window_ms);
        // A session's 401 while its refresh is already under way is answered by that refresh
        // (another process's rotation revoked the token): not a sign of a refresh loop.
        if !(matches!(self.source, Source::Session(_)) && live(&state.refresh).is_some()) {
            state.invalidations.push_back(now);
        }
        while state
            .invalidations
            .front()
            .is_some_and(|t| t.until(now) > window)
        {
            state.invalidations.pop_front();
        }
        let seen = state.invalidations.len();
        if seen > self.options.loop_max_invalidations as usize {
            let error = AuthError::RefreshLoop {
                refreshes: u32::try_from(seen).unwrap_or(u32::MAX),
                window_ms: self.options.loop_window_ms,
            };
            let oldest = *state.invalidations.front().expect("non-empty");
            state.failure = Some((error, oldest.saturating_add(window)));
        } else if live(&state.refresh).is_none() {
            state.failure = None;
            drop(self.start_refresh(&mut state));
        }
        drop(state);
        self.emit(AuthEvent::TokenInvalidated);
        true
    }

    /// Starts the one refresh and records it in `state`; the returned future is its result
    /// (dropping it does not cancel the refresh).
    #[must_use = "the refresh runs anyway; drop the handle explicitly if unneeded"]
    fn start_refresh(self: &Arc<Self>, state: &mut State) -> SharedRefresh {
        let engine = Arc::clone(self);
        let task = runtime::get().spawn(async move { engine.refresh().await });
        state.refresh_task = Some(task.abort_handle());
        let shared = async move {
            task.await.unwrap_or_else(|_| {
                Err(AuthError::Network {
                    kind: crate::NetworkErrorKind::Other,
                    reason: "the token refresh stopped unexpectedly".to_owned(),
                })
            })
        }
        .boxed()
        .shared();
        state.refresh = Some((std::process::id(), shared.clone()));
        shared
    }

    /// One refresh, with retries; publishes its outcome to the cache.
    async fn refresh(self: Arc<Self>) -> Result<Arc<Cached>> {
        // Through the token store when there is one (engine/sharing.rs).
        let outcome = self.obtain().await.and_then(|(fetched, requested_at)| {
            let lifetime = fetched
                .lifetime
                .unwrap_or(Duration::from_secs(self.options.default_lifetime_secs));
            let last_fetch = Duration::from_micros(self.last_fetch_micros.load(Ordering::Relaxed));
            let schedule = policy::schedule(
                &self.options,
                requested_at,
                lifetime,
                last_fetch,
                fastrand::f64(),
            );
            // A token whose lifetime ended while its answer was on the way (a slow network,
            // a device that slept) is never handed out, not even to the callers waiting.
            if self.clock.monotonic() >= schedule.usable_until {
                return Err((expired_in_transit(lifetime), None));
            }
            Ok((fetched, schedule, lifetime))
        });
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        state.refresh = None;
        let (result, event) = match outcome {
            Ok((fetched, schedule, lifetime)) => {
                let cached = Arc::new(Cached {
                    token: fetched.token,
                    authorization: fetched.authorization,
                    cookie: fetched.cookie,
                    schedule,
                });
                state.current = Some(Arc::clone(&cached));
                state.failure = None;
                state.consecutive_failures = 0;
                self.counters.refreshes.fetch_add(1, Ordering::Relaxed);
                let now = self.clock.monotonic();
                let event = AuthEvent::TokenRefreshed {
                    lifetime_ms: millis(lifetime),
                    refresh_in_ms: millis(now.until(schedule.refresh_at)),
                };
                (Ok(cached), event)
            }
            Err((error, retry_after)) => {
                state.consecutive_failures += 1;
                let now = self.clock.monotonic();
                let cooldown = policy::backoff_ceiling(&self.options, state.consecutive_failures)
                    .max(retry_after.unwrap_or(Duration::ZERO));
                state.failure = Some((error.clone(), now.saturating_add(cooldown)));
                self.counters.failures.fetch_add(1, Ordering::Relaxed);
                let serving_stale = state
                    .current
                    .as_ref()
                    .is_some_and(|c| now < c.schedule.usable_until);
                let event = AuthEvent::RefreshFailed {
                    network_kind: error.network_kind(),
                    reason: error.to_string(),
                    serving_stale,
                };
                (Err(error), event)
            }
        };
        drop(state);
        // Listeners run outside the lock, so one may call back into the manager.
        self.emit(event);
        result
    }

    /// Attempts until success, a fatal error, or the attempt/time budget runs out.
    /// Returns the token and when the successful request was sent (its lifetime starts
    /// there, so network time is never counted in the token's favour).
    async fn fetch_with_retries(&self) -> Result<(Fetched, Mono), (AuthError, Option<Duration>)> {
        if let Some(minted) = self.source.mint(self.server_time.now(&*self.clock)) {
            // A self-signed JWT: signed here, no request.
            self.emit(AuthEvent::TokenRequested { attempt: 1 });
            self.counters.token_requests.fetch_add(1, Ordering::Relaxed);
            let signed_at = self.clock.monotonic();
            return minted
                .map(|fetched| (fetched, signed_at))
                .map_err(|e| (e, None));
        }
        if matches!(self.source, Source::Static { .. }) {
            // A static token has no request: its lifetime has ended.
            return Err((
                AuthError::invalid_configuration(
                    "the static token's lifetime has ended; create a manager with a new token",
                ),
                None,
            ));
        }
        let started = self.clock.monotonic();
        let budget = TokenOptions::ms(self.options.retry_budget_ms);
        let mut attempt = 1;
        let mut resigned = false;
        loop {
            self.emit(AuthEvent::TokenRequested { attempt });
            self.counters.token_requests.fetch_add(1, Ordering::Relaxed);
            let sent_at = self.clock.monotonic();
            let request = match self.source.request(self.server_time.now(&*self.clock)) {
                Ok(Some(request)) => request,
                Ok(None) => unreachable!("checked above: this source sends requests"),
                Err(error) => return Err((error, None)),
            };
            let Some(http) = self.http_client() else {
                unreachable!("every source with a request has a URL, and so a transport")
            };
            let scrub = |text: String| self.scrub(text);
            let mut clock_corrected = false;
            let result = match http.send(request, &scrub).await {
                Ok(response) => {
                    clock_corrected = self
                        .server_time
                        .learn(response.header("date"), &*self.clock);
                    let server_now = self.server_time.now(&*self.clock);
                    self.source.parse(&response, server_now, &scrub)
                }
                Err(err) => Err(err),
            };
            let elapsed = sent_at.until(self.clock.monotonic());
            self.last_fetch_micros.store(
                u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
                Ordering::Relaxed,
            );
            let AttemptError { error, retry } = match result {
                Ok(fetched) => return Ok((fetched, sent_at)),
                Err(err) => err,
            };
            let Retry::Yes { after } = retry else {
                // An assertion signed with a clock the server's `Date` has just shown to be
                // off is signed again, once, with the server's time.
                if clock_corrected && !resigned && self.source.assertion().is_some() {
                    resigned = true;
                    self.counters.retries.fetch_add(1, Ordering::Relaxed);
                    self.emit(AuthEvent::RefreshRetrying {
                        attempt,
                        delay_ms: 0,
                        network_kind: None,
                        reason: format!(
                            "the token server's clock differs from this device's by {:.0} s (more than {} s): signing the assertion again with the server's time",
                            self.server_time.offset_secs(&*self.clock),
                            server_time::TOLERANCE.as_secs()
                        ),
                    });
                    attempt += 1;
                    continue;
                }
                return Err((error, None));
            };
            if attempt >= self.options.max_attempts {
                return Err((error, after));
            }
            let delay = match after {
                // Honour Retry-After, with a little jitter so waiting clients do not return
                // in lock-step.
                Some(after) => after + policy::backoff(&self.options, 1, fastrand::f64()) / 4,
                None => policy::backoff(&self.options, attempt, fastrand::f64()),
            };
            if started.until(self.clock.monotonic()) + delay > budget {
                return Err((error, after));
            }
            self.counters.retries.fetch_add(1, Ordering::Relaxed);
            self.emit(AuthEvent::RefreshRetrying {
                attempt,
                delay_ms: millis(delay),
                network_kind: error.network_kind(),
                reason: error.to_string(),
            });
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    /// The transport of this process (a forked child builds its own built-in client; a
    /// host-provided transport is the host's to make fork-safe).
    fn http_client(&self) -> Option<Arc<Guarded>> {
        let pid = std::process::id();
        {
            let http = self.http.read().unwrap_or_else(|e| e.into_inner());
            if http.0 == pid || !Guarded::is_builtin(&self.options.transport_settings()) {
                return http.1.clone();
            }
        }
        let mut http = self.http.write().unwrap_or_else(|e| e.into_inner());
        if http.0 != pid {
            // Building can only fail on options that already built once.
            if let Ok(fresh) = Guarded::new(&self.options.transport_settings(), self.source.url()) {
                *http = (pid, Some(Arc::new(fresh)));
            }
        }
        http.1.clone()
    }

    /// Replaces every secret this engine holds, in every form it travels in, with
    /// `[redacted]` in server-provided text.
    fn scrub(&self, mut text: String) -> String {
        for secret in &self.secret_forms {
            if text.contains(secret.expose()) {
                text = text.replace(secret.expose(), REDACTED);
            }
        }
        if let Source::Session(session) = &self.source
            && let Some(token) = session.refresh_token()
            && token.expose().len() >= 4
            && text.contains(token.expose())
        {
            text = text.replace(token.expose(), REDACTED);
        }
        text
    }

    fn emit(&self, event: AuthEvent) {
        let listener = self
            .listener
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        if let Some(listener) = listener {
            // A panicking listener must not take the refresh down with it.
            let _ =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| listener.on_event(event)));
        }
    }
}

/// The refresh under way in this process, if any.
fn live(refresh: &Option<(u32, SharedRefresh)>) -> Option<&SharedRefresh> {
    refresh
        .as_ref()
        .filter(|(pid, _)| *pid == std::process::id())
        .map(|(_, shared)| shared)
}

pub(crate) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Compares without an early exit, so timing does not reveal how much of a token matched.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The error of a token that expired before its answer arrived.
fn expired_in_transit(lifetime: Duration) -> AuthError {
    AuthError::Network {
        kind: crate::NetworkErrorKind::ReadTimeout,
        reason: format!(
            "the token server's answer arrived after the token's lifetime ({} ms) had ended: \
             the request took too long; retry later",
            lifetime.as_millis()
        ),
    }
}
