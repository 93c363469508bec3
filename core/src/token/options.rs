//! The one options record shared by every token source and the CSRF session.

use std::sync::Arc;
use std::time::Duration;

use crate::error::{AuthError, Result};
use crate::store::TokenStore;
use crate::transport::{BlockingHttpTransport, HttpTransport, TransportSettings};

/// How a [`TokenManager`](crate::TokenManager) or [`CsrfSession`](crate::CsrfSession)
/// refreshes, retries and times out. Every field has a default; override only what you need.
///
/// The refresh point is relative to each token's lifetime: a token is refreshed when
/// `refresh_fraction` of its lifetime remains (at least `refresh_floor_ms`, at most
/// `refresh_cap_ms`, never more than half the lifetime), plus up to `refresh_jitter` of that
/// margin at random so that many processes do not refresh in lock-step.
///
/// Token requests go through the built-in HTTP client unless `transport` (or, for blocking
/// clients such as Python's, `blocking_transport`) names the host's own. The timeouts, the
/// body limit, HTTPS-only, the refusal of redirects and the retry policy apply to every
/// transport alike.
///
/// With `store`, the token is shared with the other processes and hosts that use the same
/// credential (see [`TokenStore`]).
#[derive(Clone, uniffi::Record)]
#[non_exhaustive]
pub struct TokenOptions {
    /// Refresh when this fraction of the lifetime remains. Default 0.1: a 5-minute token is
    /// refreshed after about 4½ minutes, a 2-second token after about 1.5 seconds.
    #[uniffi(default = 0.1)]
    pub(crate) refresh_fraction: f64,
    /// The smallest early-refresh margin, in milliseconds (default 250). The margin also
    /// grows to three times the last token request's duration when the server is slow.
    #[uniffi(default = 250)]
    pub(crate) refresh_floor_ms: u64,
    /// The largest early-refresh margin, in milliseconds (default 300 000: 5 minutes), so a
    /// 24-hour token is not refreshed hours early.
    #[uniffi(default = 300000)]
    pub(crate) refresh_cap_ms: u64,
    /// Random extra margin, as a fraction of the margin (default 0.2).
    #[uniffi(default = 0.2)]
    pub(crate) refresh_jitter: f64,
    /// A token is no longer handed out this many milliseconds before it expires, so that it
    /// is still valid when it reaches the API (default 500, at most a tenth of the lifetime).
    #[uniffi(default = 500)]
    pub(crate) expiry_skew_ms: u64,
    /// The lifetime assumed when a response carries no expiry and the token is not a JWT with
    /// an `exp` claim, in seconds (default 3600). Also the lifetime of a CSRF session.
    #[uniffi(default = 3600)]
    pub(crate) default_lifetime_secs: u64,
    /// Time allowed to open a connection, in milliseconds (default 5000).
    #[uniffi(default = 5000)]
    pub(crate) connect_timeout_ms: u64,
    /// Time allowed for one whole request, connect to last byte, in milliseconds
    /// (default 15 000).
    #[uniffi(default = 15000)]
    pub(crate) request_timeout_ms: u64,
    /// Attempts per refresh, the first included (default 4). Only connection errors,
    /// timeouts, 408, 429 and 5xx are retried.
    #[uniffi(default = 4)]
    pub(crate) max_attempts: u32,
    /// The first retry's backoff ceiling, in milliseconds (default 200); it doubles per
    /// attempt and the actual delay is drawn uniformly below it ("full jitter").
    #[uniffi(default = 200)]
    pub(crate) backoff_initial_ms: u64,
    /// The largest backoff ceiling, in milliseconds (default 10 000).
    #[uniffi(default = 10000)]
    pub(crate) backoff_max_ms: u64,
    /// The total time one refresh may spend on attempts and waits, in milliseconds
    /// (default 30 000). A `Retry-After` beyond it ends the refresh at once.
    #[uniffi(default = 30000)]
    pub(crate) retry_budget_ms: u64,
    /// The largest response body accepted, in bytes (default 65 536).
    #[uniffi(default = 65536)]
    pub(crate) max_body_bytes: u64,
    /// Refresh-loop guard: more than this many `invalidate` calls that each discarded the
    /// current token within `loop_window_ms` stop refreshing with
    /// [`AuthError::RefreshLoop`] (default 10).
    #[uniffi(default = 10)]
    pub(crate) loop_max_invalidations: u32,
    /// The refresh-loop guard's window, in milliseconds (default 60 000).
    #[uniffi(default = 60000)]
    pub(crate) loop_window_ms: u64,
    /// Sends the token requests through the host's HTTP stack (`OkHttpTransport`,
    /// `URLSessionTransport`, or your own [`HttpTransport`]). Default: none, the built-in
    /// client; a build without the `reqwest-transport` feature (the mobile build) requires
    /// one and fails with [`AuthError::InvalidConfiguration`] without it.
    #[uniffi(default = None)]
    pub(crate) transport: Option<Arc<dyn HttpTransport>>,
    /// As `transport`, for an HTTP client that blocks (Python's `authwire.httpx` and
    /// `authwire.requests` transports). Give at most one of the two.
    #[uniffi(default = None)]
    pub(crate) blocking_transport: Option<Arc<dyn BlockingHttpTransport>>,
    /// Shares the token with the other processes (and hosts) that use the same credential,
    /// so the fleet sends one token request per lifetime (default none: each manager
    /// requests its own). See [`TokenStore`]; a store that fails never fails a caller.
    #[uniffi(default = None)]
    pub(crate) store: Option<Arc<dyn TokenStore>>,
}

impl std::fmt::Debug for TokenOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let given = |present: bool| if present { "Some(..)" } else { "None" };
        f.debug_struct("TokenOptions")
            .field("refresh_fraction", &self.refresh_fraction)
            .field("refresh_floor_ms", &self.refresh_floor_ms)
            .field("refresh_cap_ms", &self.refresh_cap_ms)
            .field("refresh_jitter", &self.refresh_jitter)
            .field("expiry_skew_ms", &self.expiry_skew_ms)
            .field("default_lifetime_secs", &self.default_lifetime_secs)
            .field("connect_timeout_ms", &self.connect_timeout_ms)
            .field("request_timeout_ms", &self.request_timeout_ms)
            .field("max_attempts", &self.max_attempts)
            .field("backoff_initial_ms", &self.backoff_initial_ms)
            .field("backoff_max_ms", &self.backoff_max_ms)
            .field("retry_budget_ms", &self.retry_budget_ms)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("loop_max_invalidations", &self.loop_max_invalidations)
            .field("loop_window_ms", &self.loop_window_ms)
            .field(
                "transport",
                &format_args!("{}", given(self.transport.is_some())),
            )
            .field(
                "blocking_transport",
                &format_args!("{}", given(self.blocking_transport.is_some())),
            )
            .field("store", &format_args!("{}", given(self.store.is_some())))
            .finish()
    }
}

/// Transports compare by identity: the same object, not an equal one.
impl PartialEq for TokenOptions {
    fn eq(&self, other: &Self) -> bool {
        fn same<T: ?Sized>(a: &Option<Arc<T>>, b: &Option<Arc<T>>) -> bool {
            match (a, b) {
                (None, None) => true,
                (Some(a), Some(b)) => std::ptr::addr_eq(Arc::as_ptr(a), Arc::as_ptr(b)),
                _ => false,
            }
        }
        self.refresh_fraction == other.refresh_fraction
            && self.refresh_floor_ms == other.refresh_floor_ms
            && self.refresh_cap_ms == other.refresh_cap_ms
            && self.refresh_jitter == other.refresh_jitter
            && self.expiry_skew_ms == other.expiry_skew_ms
            && self.default_lifetime_secs == other.default_lifetime_secs
            && self.connect_timeout_ms == other.connect_timeout_ms
            && self.request_timeout_ms == other.request_timeout_ms
            && self.max_attempts == other.max_attempts
            && self.backoff_initial_ms == other.backoff_initial_ms
            && self.backoff_max_ms == other.backoff_max_ms
            && self.retry_budget_ms == other.retry_budget_ms
            && self.max_body_bytes == other.max_body_bytes
            && self.loop_max_invalidations == other.loop_max_invalidations
            && self.loop_window_ms == other.loop_window_ms
            && same(&self.transport, &other.transport)
            && same(&self.blocking_transport, &other.blocking_transport)
            && same(&self.store, &other.store)
    }
}

impl Default for TokenOptions {
    fn default() -> Self {
        Self {
            refresh_fraction: 0.1,
            refresh_floor_ms: 250,
            refresh_cap_ms: 300_000,
            refresh_jitter: 0.2,
            expiry_skew_ms: 500,
            default_lifetime_secs: 3600,
            connect_timeout_ms: 5000,
            request_timeout_ms: 15_000,
            max_attempts: 4,
            backoff_initial_ms: 200,
            backoff_max_ms: 10_000,
            retry_budget_ms: 30_000,
            max_body_bytes: 65_536,
            loop_max_invalidations: 10,
            loop_window_ms: 60_000,
            transport: None,
            blocking_transport: None,
            store: None,
        }
    }
}

/// Chained setters, for Rust callers: start from [`TokenOptions::default`] and set what you
/// need. Durations are kept to the millisecond (the default lifetime to the second); a value
/// too large for that saturates.
///
/// ```
/// use std::time::Duration;
/// use authwire::TokenOptions;
///
/// let options = TokenOptions::default()
///     .request_timeout(Duration::from_secs(5))
///     .max_attempts(2);
/// # let _ = options;
/// ```
///
/// The bindings see the same record with its fields in milliseconds and seconds
/// (`request_timeout_ms`, `default_lifetime_secs`, …).
impl TokenOptions {
    /// Refresh when this fraction of the lifetime remains, in `[0, 1)` (default 0.1: a
    /// 5-minute token is refreshed after about 4½ minutes).
    #[must_use]
    pub fn refresh_fraction(mut self, fraction: f64) -> Self {
        self.refresh_fraction = fraction;
        self
    }

    /// The smallest early-refresh margin (default 250 ms). The margin also grows to three
    /// times the last token request's duration when the server is slow.
    #[must_use]
    pub fn refresh_floor(mut self, floor: Duration) -> Self {
        self.refresh_floor_ms = millis(floor);
        self
    }

    /// The largest early-refresh margin (default 5 minutes), so that a 24-hour token is not
    /// refreshed hours early.
    #[must_use]
    pub fn refresh_cap(mut self, cap: Duration) -> Self {
        self.refresh_cap_ms = millis(cap);
        self
    }

    /// Random extra margin, as a fraction of the margin, in `[0, 1)` (default 0.2).
    #[must_use]
    pub fn refresh_jitter(mut self, jitter: f64) -> Self {
        self.refresh_jitter = jitter;
        self
    }

    /// A token is no longer handed out this long before it expires, so that it is still
    /// valid when it reaches the API (default 500 ms, at most a tenth of the lifetime).
    #[must_use]
    pub fn expiry_skew(mut self, skew: Duration) -> Self {
        self.expiry_skew_ms = millis(skew);
        self
    }

    /// The lifetime assumed when a response carries no expiry and the token is not a JWT
    /// with an `exp` claim, in whole seconds (default one hour). Also the lifetime of a
    /// CSRF session.
    #[must_use]
    pub fn default_lifetime(mut self, lifetime: Duration) -> Self {
        self.default_lifetime_secs = lifetime.as_secs();
        self
    }

    /// Time allowed to open a connection (default 5 s).
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout_ms = millis(timeout);
        self
    }

    /// Time allowed for one whole request, connect to last byte (default 15 s).
    #[must_use]
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout_ms = millis(timeout);
        self
    }

    /// Attempts per refresh, the first included (default 4). Only connection errors,
    /// timeouts, 408, 429 and 5xx are retried.
    #[must_use]
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts;
        self
    }

    /// The first retry's backoff ceiling (default 200 ms); it doubles per attempt and the
    /// actual delay is drawn uniformly below it ("full jitter").
    #[must_use]
    pub fn backoff_initial(mut self, backoff: Duration) -> Self {
        self.backoff_initial_ms = millis(backoff);
        self
    }

    /// The largest backoff ceiling (default 10 s).
    #[must_use]
    pub fn backoff_max(mut self, backoff: Duration) -> Self {
        self.backoff_max_ms = millis(backoff);
        self
    }

    /// The total time one refresh may spend on attempts and waits (default 30 s). A
    /// `Retry-After` beyond it ends the refresh at once.
    #[must_use]
    pub fn retry_budget(mut self, budget: Duration) -> Self {
        self.retry_budget_ms = millis(budget);
        self
    }

    /// The largest response body accepted, in bytes (default 65 536).
    #[must_use]
    pub fn max_body_bytes(mut self, bytes: u64) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    /// Refresh-loop guard: more than this many `invalidate` calls that each discarded the
    /// current token within [`loop_window`](Self::loop_window) stop refreshing with
    /// [`AuthError::RefreshLoop`] (default 10).
    #[must_use]
    pub fn loop_max_invalidations(mut self, invalidations: u32) -> Self {
        self.loop_max_invalidations = invalidations;
        self
    }

    /// The refresh-loop guard's window (default one minute).
    #[must_use]
    pub fn loop_window(mut self, window: Duration) -> Self {
        self.loop_window_ms = millis(window);
        self
    }

    /// Sends the token requests through the host's HTTP stack instead of the built-in
    /// client. A build without the `reqwest-transport` feature (the mobile build) requires a
    /// transport.
    #[must_use]
    pub fn transport(mut self, transport: Arc<dyn HttpTransport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// As [`transport`](Self::transport), for an HTTP client that blocks. Give at most one
    /// of the two.
    #[must_use]
    pub fn blocking_transport(mut self, transport: Arc<dyn BlockingHttpTransport>) -> Self {
        self.blocking_transport = Some(transport);
        self
    }

    /// Shares the token with the other processes (and hosts) that use the same credential,
    /// so the fleet sends one token request per lifetime. See [`TokenStore`]; a store that
    /// fails never fails a caller.
    #[must_use]
    pub fn store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.store = Some(store);
        self
    }
}

fn millis(value: Duration) -> u64 {
    u64::try_from(value.as_millis()).unwrap_or(u64::MAX)
}

impl TokenOptions {
    /// Checks that every value is usable.
    pub(crate) fn validate(&self) -> Result<()> {
        let fraction_ok = |x: f64| x.is_finite() && (0.0..1.0).contains(&x);
        let problem = if !fraction_ok(self.refresh_fraction) {
            Some("refresh_fraction must be in [0, 1)")
        } else if !fraction_ok(self.refresh_jitter) {
            Some("refresh_jitter must be in [0, 1)")
        } else if self.refresh_floor_ms > self.refresh_cap_ms {
            Some("refresh_floor_ms must not exceed refresh_cap_ms")
        } else if self.default_lifetime_secs == 0 {
            Some("default_lifetime_secs must be positive")
        } else if self.connect_timeout_ms == 0 || self.request_timeout_ms == 0 {
            Some("timeouts must be positive")
        } else if self.max_attempts == 0 {
            Some("max_attempts must be at least 1")
        } else if self.backoff_initial_ms > self.backoff_max_ms {
            Some("backoff_initial_ms must not exceed backoff_max_ms")
        } else if self.max_body_bytes == 0 {
            Some("max_body_bytes must be positive")
        } else if self.loop_max_invalidations == 0 || self.loop_window_ms == 0 {
            Some("the refresh-loop guard needs a positive count and window")
        } else if self.transport.is_some() && self.blocking_transport.is_some() {
            Some("give either transport or blocking_transport, not both")
        } else {
            None
        };
        match problem {
            Some(reason) => Err(AuthError::invalid_configuration(reason)),
            None => Ok(()),
        }
    }

    /// What the transport layer needs of these options.
    pub(crate) fn transport_settings(&self) -> TransportSettings {
        TransportSettings {
            transport: self.transport.clone(),
            blocking_transport: self.blocking_transport.clone(),
            connect_timeout: Self::ms(self.connect_timeout_ms),
            request_timeout: Self::ms(self.request_timeout_ms),
            max_body_bytes: self.max_body_bytes,
        }
    }

    pub(crate) fn ms(value: u64) -> Duration {
        Duration::from_millis(value)
    }
}
