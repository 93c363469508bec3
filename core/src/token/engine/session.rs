//! The engine's side of a user session (`crate::session`): the refresh under the store's
//! cross-process lock, the check that picks up other processes' rotations and sign-outs,
//! sign-in and sign-out.
//!
//! The refresh, in order:
//! 1. take the session's lock in the store (a process that waits longer than the request
//!    timeout fails with a transient error: it never refreshes without the lock, which could
//!    spend a token another process has rotated);
//! 2. read the stored session again: an ended session ends this one; a newer rotation is
//!    adopted, and its access token too when it is still fresh (no request);
//! 3. refresh with the latest refresh token;
//! 4. save the rotated refresh token (an answer without one keeps the old one) before the
//!    new access token is handed out, then release the lock.
//!
//! `invalid_grant` ends the session everywhere: it is not retried, the stored session is
//! marked ended, and every caller gets `AuthError::SignInRequired`. Network failures, 5xx
//! and 429 keep the session and retry as for any source.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use super::super::clock::Mono;
use super::super::policy;
use super::{Cached, Engine, millis};
use crate::credential::{Fetched, Source};
use crate::error::{AuthError, NetworkErrorKind, Result};
use crate::listener::AuthEvent;
use crate::runtime;
use crate::secret::Secret;
use crate::session::SessionTokens;
use crate::session::source::SessionSource;
use crate::session::sync::{Found, LockGuard, Record, SessionStore};
use crate::store::shared::Host as _;

/// How often a call looks at the store for another process's rotation or sign-out.
const CHECK_EVERY: Duration = Duration::from_secs(1);

type Outcome = std::result::Result<(Fetched, Mono), (AuthError, Option<Duration>)>;

fn transient(reason: impl Into<String>) -> AuthError {
    AuthError::Network {
        kind: NetworkErrorKind::Other,
        reason: format!(
            "the session store is unavailable ({}); the session is kept: retry later",
            reason.into()
        ),
    }
}

/// A failed store call as the caller's error: a sealing key that can never be read is a
/// configuration error (fix it), anything else transient (the session is kept).
fn store_failure(store: &SessionStore, reason: String) -> AuthError {
    match store.configuration_error() {
        Some(config) => AuthError::invalid_configuration(format!(
            "{config}; the session cannot be read or written until the sealing key is fixed"
        )),
        None => transient(reason),
    }
}

fn wall_now() -> Duration {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
}

/// Takes a newer stored session (another id, or a later rotation) into `session`'s state;
/// returns whether it did. An unsaved sign-in of our own is newer than anything stored.
fn adopt_record(session: &SessionSource, record: &Record) -> bool {
    let mut state = session.lock_state();
    if state.unsaved || (record.sid == state.sid && record.g <= state.generation) {
        return false;
    }
    state.sid = record.sid.clone();
    state.generation = record.g;
    state.refresh_token = record.rt.as_deref().map(Secret::new);
    state.scope = record.scope.clone();
    state.id_token = record.idt.as_deref().map(Secret::new);
    state.ended = None;
    session.ended.store(false, Ordering::Release);
    true
}

/// The stored form of `session`'s state, with the access token `fetched` issued at
/// `issued_at` (wall clock) when given.
fn record_of(session: &SessionSource, token: Option<(&Fetched, Duration, Duration)>) -> Record {
    let state = session.lock_state();
    let mut record = Record::default();
    record.sid = state.sid.clone();
    record.g = state.generation;
    record.ended = state.ended.clone();
    record.rt = state.refresh_token.as_ref().map(|t| t.expose().to_owned());
    record.scope = state.scope.clone();
    record.idt = state.id_token.as_ref().map(|t| t.expose().to_owned());
    if let Some((fetched, issued_at, lifetime)) = token {
        record.at = Some(fetched.token.expose().to_owned());
        record.i = millis(issued_at);
        record.l = millis(lifetime);
    }
    record
}

impl Engine {
    fn session(&self) -> Option<&Arc<SessionSource>> {
        match &self.source {
            Source::Session(session) => Some(session),
            _ => None,
        }
    }

    /// Before every call of a session manager: the ended session's error, and now and then
    /// a look at the store in the background.
    pub(crate) fn session_gate(self: &Arc<Self>) -> Result<()> {
        let Some(session) = self.session() else {
            return Ok(());
        };
        if session.store.is_some() {
            let now = millis(self.clock.monotonic().0);
            let last = session.last_check_ms.load(Ordering::Relaxed);
            if (last == 0 || now.saturating_sub(last) >= millis(CHECK_EVERY))
                && session
                    .last_check_ms
                    .compare_exchange(last, now.max(1), Ordering::Relaxed, Ordering::Relaxed)
                    .is_ok()
            {
                let engine = Arc::clone(self);
                drop(runtime::get().spawn(async move { engine.check_store().await }));
            }
        }
        session.ended_error().map_or(Ok(()), Err)
    }

    /// Ends the session here: the error every caller gets, the token dropped, an event.
    fn end_session(&self, session: &SessionSource, reason: &str) -> AuthError {
        let already = session.ended.load(Ordering::Acquire);
        let error = session.end(reason);
        {
            let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
            state.current = None;
        }
        if !already {
            self.emit(AuthEvent::SessionEnded {
                reason: reason.to_owned(),
            });
        }
        error
    }

    /// Puts `fetched`, requested at `requested_at`, in the cache.
    fn install(&self, fetched: Fetched, requested_at: Mono) {
        let lifetime = fetched
            .lifetime
            .unwrap_or(Duration::from_secs(self.options.default_lifetime_secs));
        let schedule = policy::schedule(
            &self.options,
            requested_at,
            lifetime,
            Duration::ZERO,
            fastrand::f64(),
        );
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        state.current = Some(Arc::new(Cached {
            token: fetched.token,
            authorization: fetched.authorization,
            cookie: None,
            schedule,
        }));
        state.failure = None;
        state.consecutive_failures = 0;
    }

    /// The stored access token of `record`, if it is fresh (before the earliest refresh
    /// point any jitter could give it, so never a token this process is refreshing) and not
    /// one `invalidate` discarded; with `skip_own`, not the one this process holds either.
    fn fresh_stored_token(
        &self,
        record: &Record,
        skip_own: bool,
    ) -> Option<(Fetched, Mono, Duration)> {
        let token = record.at.as_deref()?;
        let age = wall_now().saturating_sub(Duration::from_millis(record.i));
        let lifetime = Duration::from_millis(record.l);
        let session = self.session()?;
        let rejected = session
            .rejected
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .is_some_and(|bad| bad.expose() == token);
        if rejected
            || !self.is_fresh(lifetime, age)
            || (skip_own
                && self
                    .current_token()
                    .is_some_and(|own| own.expose() == token))
        {
            return None;
        }
        let now = self.clock.monotonic();
        Some((
            Fetched {
                token: Secret::new(token),
                authorization: Secret::new(format!("Bearer {token}")),
                cookie: None,
                lifetime: Some(lifetime),
            },
            Mono(now.0.saturating_sub(age)),
            age,
        ))
    }

    /// Starts the session from a sign-in's tokens: cached at once, and written to the store
    /// (on the caller's thread) so the other processes see it.
    pub(crate) fn start_session(self: &Arc<Self>, tokens: &SessionTokens) {
        let Some(session) = self.session().cloned() else {
            return;
        };
        session.sign_in(tokens);
        let fetched = Fetched {
            token: tokens.access_token.clone(),
            authorization: Secret::new(format!("Bearer {}", tokens.access_token.expose())),
            cookie: None,
            lifetime: tokens.expires_in.or_else(|| {
                crate::credential::jwt::lifetime_secs(
                    tokens.access_token.expose(),
                    wall_now().as_secs_f64(),
                )
                .map(Duration::from_secs_f64)
            }),
        };
        let lifetime = fetched
            .lifetime
            .unwrap_or(Duration::from_secs(self.options.default_lifetime_secs));
        let record = record_of(&session, Some((&fetched, wall_now(), lifetime)));
        self.install(fetched, self.clock.monotonic());
        if let Some(store) = &session.store {
            // Under the lock, so a refresh of an older session cannot write over it.
            let owner = store.lock_blocking(store.wait_limit).ok().flatten();
            if store.write_blocking(&record).is_ok() {
                session.lock_state().unsaved = false;
            }
            drop(LockGuard {
                store: Arc::clone(store),
                owner,
            });
        } else {
            session.lock_state().unsaved = false;
        }
    }

    /// One refresh of the session (see the module's documentation).
    pub(super) async fn obtain_session(self: &Arc<Self>, session: &Arc<SessionSource>) -> Outcome {
        let mut guard = None;
        if let Some(store) = &session.store {
            match store.lock().await {
                Ok(Some(owner)) => {
                    guard = Some(LockGuard {
                        store: Arc::clone(store),
                        owner: Some(owner),
                    });
                }
                Ok(None) => {
                    return Err((
                        transient(format!(
                            "another process held the session's lock for over {} ms",
                            store.wait_limit.as_millis()
                        )),
                        None,
                    ));
                }
                Err(reason) => return Err((store_failure(store, reason), None)),
            }
            match store.read().await {
                Err(reason) => return Err((store_failure(store, reason), None)),
                Ok(Found::Absent) => {
                    let (live, unsaved) = {
                        let state = session.lock_state();
                        (state.refresh_token.is_some(), state.unsaved)
                    };
                    if !unsaved {
                        let reason = if live {
                            "the session was removed from the store (signed out in another process): sign in again"
                        } else {
                            "no session is stored: sign in"
                        };
                        return Err((self.end_session(session, reason), None));
                    }
                }
                Ok(Found::Rejected(reason)) => {
                    self.emit(AuthEvent::StoreEntryRejected {
                        reason: reason.to_owned(),
                    });
                    if session.lock_state().refresh_token.is_none() {
                        let reason = format!(
                            "the stored session cannot be opened ({reason}): sign in again"
                        );
                        return Err((self.end_session(session, &reason), None));
                    }
                }
                Ok(Found::Record(record)) => {
                    let unsaved = session.lock_state().unsaved;
                    if let Some(reason) = &record.ended
                        && !unsaved
                    {
                        return Err((self.end_session(session, reason), None));
                    }
                    if adopt_record(session, &record) {
                        // Another process rotated the session since this one last looked: a
                        // 401 that brought this refresh was that rotation revoking the old
                        // access token (servers do), no sign of a refresh loop.
                        self.state
                            .write()
                            .unwrap_or_else(|e| e.into_inner())
                            .invalidations
                            .pop_back();
                    }
                    // The stored session is ours now (adopted here or by the background
                    // check): its access token is taken when it is fresh and not ours.
                    let current = {
                        let state = session.lock_state();
                        state.sid == record.sid && state.generation == record.g
                    };
                    if current
                        && let Some((fetched, requested_at, age)) =
                            self.fresh_stored_token(&record, false)
                    {
                        self.emit(AuthEvent::StoreTokenAdopted {
                            age_ms: millis(age),
                        });
                        return Ok((fetched, requested_at));
                    }
                }
            }
        }
        if let Some(error) = session.ended_error() {
            return Err((error, None));
        }
        let issued_at = wall_now();
        let outcome = self.fetch_with_retries().await;
        let answer = session
            .pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        match outcome {
            Ok((fetched, sent_at)) => {
                {
                    let mut state = session.lock_state();
                    if let Some(answer) = answer {
                        if let Some(token) = answer.refresh_token {
                            state.refresh_token = Some(token);
                        }
                        if answer.scope.is_some() {
                            state.scope = answer.scope;
                        }
                        if answer.id_token.is_some() {
                            state.id_token = answer.id_token;
                        }
                    }
                    state.generation += 1;
                    state.unsaved = true;
                }
                let lifetime = fetched
                    .lifetime
                    .unwrap_or(Duration::from_secs(self.options.default_lifetime_secs));
                match &session.store {
                    Some(store) => {
                        let record = record_of(session, Some((&fetched, issued_at, lifetime)));
                        match store.write(record).await {
                            Ok(()) => session.lock_state().unsaved = false,
                            Err(reason) => self.emit(AuthEvent::StoreUnavailable {
                                reason,
                                retry_in_ms: millis(CHECK_EVERY),
                            }),
                        }
                    }
                    None => session.lock_state().unsaved = false,
                }
                drop(guard);
                Ok((fetched, sent_at))
            }
            Err((
                AuthError::OAuth {
                    error: code,
                    description,
                    ..
                },
                _,
            )) if code == "invalid_grant" => {
                let detail = if description.is_empty() {
                    String::new()
                } else {
                    format!(": {description}")
                };
                let reason = format!(
                    "the server refused the refresh token (invalid_grant{detail}); the session was revoked, expired or its refresh token reused: sign in again"
                );
                let error = self.end_session(session, &reason);
                if let Some(store) = &session.store {
                    let mut record = record_of(session, None);
                    record.g += 1;
                    if let Err(reason) = store.write(record).await {
                        self.emit(AuthEvent::StoreUnavailable {
                            reason,
                            retry_in_ms: millis(CHECK_EVERY),
                        });
                    }
                }
                drop(guard);
                Err((error, None))
            }
            Err(other) => {
                // A refused answer that still carried a rotated refresh token: the server has
                // rotated, so that token is the session now. Keep it (and save it) so the next
                // refresh can succeed; the refused answer's error goes to the callers.
                let salvaged = session
                    .salvaged
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .take();
                if let Some(token) = salvaged {
                    {
                        let mut state = session.lock_state();
                        state.refresh_token = Some(token);
                        state.generation += 1;
                        state.unsaved = true;
                    }
                    match &session.store {
                        Some(store) => match store.write(record_of(session, None)).await {
                            Ok(()) => session.lock_state().unsaved = false,
                            Err(reason) => self.emit(AuthEvent::StoreUnavailable {
                                reason,
                                retry_in_ms: millis(CHECK_EVERY),
                            }),
                        },
                        None => session.lock_state().unsaved = false,
                    }
                }
                drop(guard);
                Err(other)
            }
        }
    }

    /// A look at the store, between refreshes: adopts another process's rotation (and its
    /// fresh access token), ends the session when another process ended it, and revives an
    /// ended one when another process signed in.
    async fn check_store(self: Arc<Self>) {
        let Some(session) = self.session().cloned() else {
            return;
        };
        let Some(store) = session.store.clone() else {
            return;
        };
        let Ok(found) = store.read().await else {
            return;
        };
        match found {
            Found::Absent => {
                let (live, unsaved) = {
                    let state = session.lock_state();
                    (state.refresh_token.is_some(), state.unsaved)
                };
                if live && !unsaved {
                    self.end_session(
                        &session,
                        "the session was removed from the store (signed out in another process): sign in again",
                    );
                }
            }
            Found::Rejected(_) => {}
            Found::Record(record) => {
                if let Some(reason) = &record.ended {
                    let state = session.lock_state();
                    let ours = record.sid == state.sid || state.sid.is_empty();
                    let live = state.ended.is_none() && !state.unsaved;
                    drop(state);
                    if ours && live {
                        self.end_session(&session, reason);
                    }
                    return;
                }
                if adopt_record(&session, &record)
                    && let Some((fetched, requested_at, age)) =
                        self.fresh_stored_token(&record, true)
                {
                    self.install(fetched, requested_at);
                    self.emit(AuthEvent::StoreTokenAdopted {
                        age_ms: millis(age),
                    });
                }
            }
        }
    }

    /// Ends the session everywhere: the stored session is marked ended (under the lock, so
    /// the latest refresh token is the one revoked), this manager's token is dropped, and
    /// the refresh token is revoked at the revocation endpoint when one is configured (best
    /// effort: a failed revocation is not an error).
    pub(crate) async fn sign_out(self: &Arc<Self>) -> Result<()> {
        let Some(session) = self.session().cloned() else {
            return Err(AuthError::invalid_configuration(
                "sign_out ends a user session, and this manager is not one",
            ));
        };
        let mut token = session.refresh_token();
        let mut failure = None;
        if let Some(store) = &session.store {
            let owner = match store.lock().await {
                Ok(owner) => owner,
                Err(reason) => {
                    failure = Some(reason);
                    None
                }
            };
            let guard = LockGuard {
                store: Arc::clone(store),
                owner,
            };
            if failure.is_none() {
                if let Ok(Found::Record(record)) = store.read().await
                    && record.ended.is_none()
                {
                    adopt_record(&session, &record);
                    token = session.refresh_token();
                }
                let mut record = record_of(&session, None);
                record.g += 1;
                record.rt = None;
                record.idt = None;
                record.ended = Some("signed out: sign in again".to_owned());
                if let Err(reason) = store.write(record).await {
                    failure = Some(reason);
                }
            }
            drop(guard);
        }
        self.end_session(&session, "signed out: sign in again");
        if let (Some(url), Some(token)) = (&session.revocation_url, token) {
            let request = session.client.form_request(
                url,
                vec![
                    ("token", token.expose()),
                    ("token_type_hint", "refresh_token"),
                ],
            );
            if let Some(http) = self.http_client() {
                let scrub = |text: String| text.replace(token.expose(), crate::secret::REDACTED);
                let _ = http.send(request, &scrub).await;
            }
        }
        match failure {
            Some(reason) => Err(AuthError::Network {
                kind: NetworkErrorKind::Other,
                reason: format!(
                    "signed out in this process, but the session store could not be updated ({reason}); other processes end the session when they next refresh: retry sign_out later"
                ),
            }),
            None => Ok(()),
        }
    }
}
