//! The refreshing token manager.

mod clock;
mod engine;
pub(crate) mod options;
mod policy;
mod server_time;
mod signed;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

pub(crate) use self::clock::Clock;
use self::clock::SystemClock;
use self::engine::{Cached, Engine, millis};
use self::options::TokenOptions;
use crate::api_key::ApiKey;
use crate::credential::{ClientAuthMethod, ExpiryFormat, Source};
use crate::error::{AuthError, Result};
use crate::listener::AuthListener;
use crate::secret::Secret;

#[cfg(feature = "fuzzing")]
pub(crate) use self::clock::Mono;
pub(crate) use self::engine::Cached as CachedToken;
pub(crate) use crate::transport::check_url;

/// Keeps a short-lived API token fresh and hands out its `Authorization` header.
///
/// One manager per credential, shared by every thread and task of the app. While the cached
/// token is valid, `authorization()` returns at once; when it nears its end, one background
/// refresh runs while callers keep getting the current token; when no valid token exists,
/// all concurrent callers share one token request and its result.
///
/// After the API you call answers 401, pass the token that request carried to
/// [`invalidate`](TokenManager::invalidate): only the first of many parallel 401s refreshes.
#[derive(uniffi::Object)]
#[uniffi::export(Debug, Display)]
pub struct TokenManager {
    engine: Arc<Engine>,
    kind: &'static str,
}

impl Drop for TokenManager {
    /// A manager dropped (in Python, Kotlin and Swift: its last reference released) while a
    /// refresh is under way stops it: the token request is cancelled and no background work
    /// is left behind.
    fn drop(&mut self) {
        self.engine.stop();
    }
}

impl std::fmt::Debug for TokenManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TokenManager({}, credentials=[redacted])", self.kind)
    }
}

impl std::fmt::Display for TokenManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

#[uniffi::export]
impl TokenManager {
    /// Exchanges an XTD API key for short-lived tokens: `POST token_url` with
    /// `{"apiKey": <encodedKey>}`, answered by `{"token": ..., "expirationTime": <seconds>}`.
    ///
    /// # Errors
    /// [`AuthError::InvalidConfiguration`] for a URL that is not HTTPS (plain HTTP is allowed
    /// only to loopback) or invalid options. No request is sent until a token is needed.
    #[uniffi::constructor(default(options = None))]
    pub fn api_key_exchange(
        token_url: &str,
        api_key: Arc<ApiKey>,
        options: Option<TokenOptions>,
    ) -> Result<Arc<Self>> {
        let source = Source::ApiKeyExchange {
            url: check_url(token_url)?,
            encoded_key: api_key.encoded_key_secret().clone(),
        };
        Self::build(source, options, "api_key_exchange")
    }

    /// OAuth2 client credentials grant (RFC 6749 §4.4): `POST token_url` with
    /// `grant_type=client_credentials` (and `scope`), authenticated with HTTP Basic over the
    /// percent-encoded id and secret (`client_secret_basic`, RFC 6749 §2.3.1) unless
    /// `auth_method` says otherwise (see [`ClientAuthMethod`] for which server wants which).
    ///
    /// The answer may be JSON or, when its `Content-Type` says so, form-urlencoded. A
    /// `token_type` other than `Bearer` (in any case) is refused as
    /// [`AuthError::InvalidResponse`].
    ///
    /// # Errors
    /// [`AuthError::InvalidConfiguration`] for a non-HTTPS URL, an empty client id, a client
    /// id with `:` or a control character under `ClientSecretBasicUnencoded`, or invalid
    /// options.
    #[uniffi::constructor(default(scopes = [], options = None, auth_method = None))]
    pub fn client_credentials(
        token_url: &str,
        client_id: &str,
        client_secret: &str,
        scopes: Vec<String>,
        options: Option<TokenOptions>,
        auth_method: Option<ClientAuthMethod>,
    ) -> Result<Arc<Self>> {
        if client_id.is_empty() {
            return Err(AuthError::invalid_configuration("the client id is empty"));
        }
        check_scopes(&scopes)?;
        let method = auth_method.unwrap_or_default();
        if method == ClientAuthMethod::ClientSecretBasicUnencoded {
            crate::header::basic_auth(client_id, client_secret).map_err(|err| match err {
                AuthError::InvalidInput { reason } => AuthError::invalid_configuration(format!(
                    "ClientSecretBasicUnencoded cannot send these credentials: {reason}; use ClientSecretBasic or ClientSecretPost"
                )),
                other => other,
            })?;
        }
        let source = Source::ClientCredentials {
            url: check_url(token_url)?,
            client_id: Secret::new(client_id),
            client_secret: Secret::new(client_secret),
            scopes,
            method,
            private_key_jwt: None,
        };
        Self::build(source, options, "client_credentials")
    }

    /// Any other vendor's JSON token API, described by configuration: `POST token_url` with
    /// `request_body` (JSON text, sent as is) and `headers`; the token is read from
    /// `token_field` and the expiry from `expiry_field` (dotted paths such as `data.token`),
    /// interpreted as `expiry_format`. The header is `<scheme> <token>`.
    ///
    /// # Errors
    /// [`AuthError::InvalidConfiguration`] for a non-HTTPS URL, a body that is not JSON, an
    /// invalid header name or value, an invalid scheme, or invalid options.
    #[uniffi::constructor(default(
        expiry_field = None,
        expiry_format = None,
        headers = None,
        scheme = None,
        options = None
    ))]
    // Each argument is a keyword argument with a default in Python, Kotlin and Swift.
    #[allow(clippy::too_many_arguments)]
    pub fn custom_exchange(
        token_url: &str,
        request_body: &str,
        token_field: &str,
        expiry_field: Option<String>,
        expiry_format: Option<ExpiryFormat>,
        headers: Option<HashMap<String, String>>,
        scheme: Option<String>,
        options: Option<TokenOptions>,
    ) -> Result<Arc<Self>> {
        if serde_json::from_str::<serde_json::Value>(request_body).is_err() {
            return Err(AuthError::invalid_configuration(
                "the request body is not valid JSON",
            ));
        }
        if token_field.is_empty() {
            return Err(AuthError::invalid_configuration("the token field is empty"));
        }
        let mut header_list = Vec::new();
        for (name, value) in headers.unwrap_or_default() {
            // RFC 9110 §5.1: a field name is a token.
            if !is_token(&name) {
                return Err(AuthError::invalid_configuration(format!(
                    "{name:?} is not a valid header name"
                )));
            }
            let name = name.to_ascii_lowercase();
            if value.chars().any(char::is_control) {
                return Err(AuthError::invalid_configuration(format!(
                    "the value of header {name} contains a control character"
                )));
            }
            header_list.push((name, Secret::new(value)));
        }
        let scheme = scheme.unwrap_or_else(|| "Bearer".to_owned());
        crate::header::scheme_auth(&scheme, "x").map_err(|_| {
            AuthError::invalid_configuration(format!("{scheme:?} is not a valid scheme"))
        })?;
        let source = Source::Custom {
            url: check_url(token_url)?,
            body: Secret::new(request_body),
            headers: header_list,
            token_field: token_field.to_owned(),
            expiry_field,
            expiry_format: expiry_format.unwrap_or(ExpiryFormat::SecondsFromNow),
            scheme,
        };
        Self::build(source, options, "custom_exchange")
    }

    /// A token you already hold, served as `Bearer <token>` and never refreshed. With
    /// `lifetime_secs`, it stops being served when that time has passed.
    /// [`invalidate`](TokenManager::invalidate) has no effect on it.
    ///
    /// # Errors
    /// [`AuthError::InvalidInput`] when the token is empty or holds a space, a control
    /// character, DEL or non-ASCII (any other visible ASCII is accepted).
    #[uniffi::constructor(default(lifetime_secs = None))]
    pub fn static_token(token: &str, lifetime_secs: Option<u64>) -> Result<Arc<Self>> {
        let source = Source::Static {
            token: Secret::new(token),
            lifetime: lifetime_secs.map(Duration::from_secs),
        };
        Self::build(source, None, "static_token")
    }

    /// The `Authorization` header value, e.g. `Bearer eyJ...`. Returns at once while the
    /// cached token is valid; waits for the shared token request otherwise. Blocks the
    /// calling thread: from async code use `authorization_async`.
    ///
    /// # Errors
    /// The token request's [`AuthError`], the same for every caller that waited on it.
    pub fn authorization(&self) -> Result<String> {
        Ok(self
            .engine
            .get_blocking()?
            .authorization
            .expose()
            .to_owned())
    }

    /// The `Authorization` header value, awaited without blocking a thread.
    ///
    /// # Errors
    /// As [`authorization`](TokenManager::authorization).
    pub async fn authorization_async(&self) -> Result<String> {
        Ok(self.engine.get().await?.authorization.expose().to_owned())
    }

    /// The current token with its deadlines. Blocks like `authorization`.
    ///
    /// # Errors
    /// As [`authorization`](TokenManager::authorization).
    pub fn token(&self) -> Result<Arc<AccessToken>> {
        let cached = self.engine.get_blocking()?;
        Ok(Arc::new(AccessToken::new(cached, self.engine.now())))
    }

    /// The current token with its deadlines, awaited without blocking a thread.
    ///
    /// # Errors
    /// As [`authorization`](TokenManager::authorization).
    pub async fn token_async(&self) -> Result<Arc<AccessToken>> {
        let cached = self.engine.get().await?;
        Ok(Arc::new(AccessToken::new(cached, self.engine.now())))
    }

    /// Call after the API answered 401 to a request that carried `token` (the bare token or
    /// the whole `Bearer ...` value). Discards it and starts one refresh only if it is
    /// still the current token; returns whether it was. Too many discards in a short window
    /// make the next calls fail with [`AuthError::RefreshLoop`] instead of hammering the
    /// token server.
    pub fn invalidate(&self, token: &str) -> bool {
        let bare = token.split_once(' ').map_or(token, |(_, t)| t);
        self.engine.invalidate(bare)
    }

    /// Counters since the manager was created.
    pub fn stats(&self) -> TokenStats {
        let c = &self.engine.counters;
        TokenStats {
            token_requests: c.token_requests.load(Ordering::Relaxed),
            refreshes: c.refreshes.load(Ordering::Relaxed),
            failures: c.failures.load(Ordering::Relaxed),
            retries: c.retries.load(Ordering::Relaxed),
            waits: c.waits.load(Ordering::Relaxed),
            invalidations: c.invalidations.load(Ordering::Relaxed),
        }
    }

    /// Sets (or with `None` removes) the listener that receives this manager's events.
    pub fn set_listener(&self, listener: Option<Arc<dyn AuthListener>>) {
        self.engine.set_listener(listener);
    }
}

impl TokenManager {
    fn build(
        source: Source,
        options: Option<TokenOptions>,
        kind: &'static str,
    ) -> Result<Arc<Self>> {
        Self::build_with_clock(source, options, kind, Arc::new(SystemClock))
    }

    /// A manager over any source (used by the CSRF session).
    pub(crate) fn from_source(
        source: Source,
        options: Option<TokenOptions>,
        kind: &'static str,
    ) -> Result<Arc<Self>> {
        Self::build(source, options, kind)
    }

    pub(crate) fn cached_blocking(&self) -> Result<Arc<Cached>> {
        self.engine.get_blocking()
    }

    pub(crate) async fn cached(&self) -> Result<Arc<Cached>> {
        self.engine.get().await
    }

    /// Invalidates exactly `token`, without stripping a scheme.
    pub(crate) fn invalidate_exact(&self, token: &str) -> bool {
        self.engine.invalidate(token)
    }

    pub(crate) fn build_with_clock(
        source: Source,
        options: Option<TokenOptions>,
        kind: &'static str,
        clock: Arc<dyn Clock>,
    ) -> Result<Arc<Self>> {
        let engine = Engine::new(source, options.unwrap_or_default(), clock)?;
        Ok(Arc::new(Self { engine, kind }))
    }
}

/// RFC 9110 §5.6.2 `token`: one or more tchar.
/// RFC 6749 §3.3: each scope a non-empty `scope-token`.
fn check_scopes(scopes: &[String]) -> Result<()> {
    let bad = |s: &String| {
        s.is_empty()
            || !s
                .bytes()
                .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\')
    };
    if scopes.iter().any(bad) {
        return Err(AuthError::invalid_configuration(
            "each scope must be a non-empty RFC 6749 §3.3 scope-token (visible ASCII without space, '\"' or '\\')",
        ));
    }
    Ok(())
}

fn is_token(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Counters of a [`TokenManager`] or [`CsrfSession`](crate::CsrfSession).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct TokenStats {
    /// Token requests sent, retries included.
    pub token_requests: u64,
    /// New tokens obtained.
    pub refreshes: u64,
    /// Refreshes that failed for good.
    pub failures: u64,
    /// Attempts that were retried.
    pub retries: u64,
    /// Calls that had to wait for a token request (no valid token was cached).
    pub waits: u64,
    /// `invalidate` calls that discarded the current token.
    pub invalidations: u64,
}

/// A token with its deadlines, as of when it was handed out. Printing it shows `[redacted]`.
#[derive(uniffi::Object)]
#[uniffi::export(Debug, Display)]
pub struct AccessToken {
    cached: Arc<Cached>,
    expires_in: Duration,
    refresh_in: Duration,
}

impl AccessToken {
    fn new(cached: Arc<Cached>, now: clock::Mono) -> Self {
        let expires_in = now.until(cached.schedule.usable_until);
        let refresh_in = now.until(cached.schedule.refresh_at);
        Self {
            cached,
            expires_in,
            refresh_in,
        }
    }
}

#[uniffi::export]
impl AccessToken {
    /// The token in clear. Keep it out of logs.
    pub fn value(&self) -> String {
        self.cached.token.expose().to_owned()
    }

    /// The `Authorization` header value, e.g. `Bearer <token>`.
    pub fn authorization(&self) -> String {
        self.cached.authorization.expose().to_owned()
    }

    /// Milliseconds until the token stops being handed out (slightly before it expires).
    pub fn expires_in_ms(&self) -> u64 {
        millis(self.expires_in)
    }

    /// Milliseconds until the token should be refreshed; until then a host-language cache
    /// may reuse it without asking the core. Zero when a refresh is due.
    pub fn refresh_in_ms(&self) -> u64 {
        millis(self.refresh_in)
    }
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "AccessToken(value=[redacted], expires_in_ms={}, refresh_in_ms={})",
            self.expires_in_ms(),
            self.refresh_in_ms()
        )
    }
}

impl std::fmt::Display for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

#[cfg(all(test, feature = "reqwest-transport"))]
pub(crate) mod testing {
    //! Hooks for the crate's own tests: a clock whose wall time can jump.
    use super::*;
    use std::sync::atomic::AtomicI64;

    pub(crate) struct JumpingWallClock {
        pub(crate) offset_secs: AtomicI64,
    }

    impl Clock for JumpingWallClock {
        fn monotonic(&self) -> clock::Mono {
            SystemClock.monotonic()
        }
        fn wall(&self) -> Duration {
            let real = SystemClock.wall().as_secs() as i64;
            Duration::from_secs((real + self.offset_secs.load(Ordering::Relaxed)) as u64)
        }
    }

    pub(crate) fn api_key_manager_with_clock(
        url: &str,
        key: &str,
        clock: Arc<dyn Clock>,
    ) -> Arc<TokenManager> {
        let source = Source::ApiKeyExchange {
            url: check_url(url).unwrap(),
            encoded_key: Secret::new(key),
        };
        TokenManager::build_with_clock(source, None, "api_key_exchange", clock).unwrap()
    }
}

#[cfg(all(test, feature = "reqwest-transport"))]
#[path = "../../tests/support/server.rs"]
mod test_server;

// Needs the built-in transport; the clock logic does not depend on the transport, and the
// mobile build runs the transport-independent scenarios in tests/token_manager.rs.
#[cfg(all(test, feature = "reqwest-transport"))]
mod wall_clock_tests {
    use super::test_server as server;
    use super::testing::{JumpingWallClock, api_key_manager_with_clock};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicI64, Ordering};

    #[test]
    fn a_wall_clock_jump_neither_expires_nor_extends_a_token() {
        let server = server::TestServer::start(|_, n| {
            server::Reply::json(
                200,
                serde_json::json!({"token": format!("t{n}"), "expirationTime": 2}),
            )
        });
        let clock = Arc::new(JumpingWallClock {
            offset_secs: AtomicI64::new(0),
        });
        let manager = api_key_manager_with_clock(&server.url("/t"), "key", clock.clone());
        assert_eq!(manager.authorization().unwrap(), "Bearer t0");
        // The wall clock jumps a day ahead: the token is not expired by it.
        clock.offset_secs.store(86_400, Ordering::Relaxed);
        assert_eq!(manager.authorization().unwrap(), "Bearer t0");
        // ... and a day back: its 2-second lifetime is not extended either.
        clock.offset_secs.store(-86_400, Ordering::Relaxed);
        std::thread::sleep(std::time::Duration::from_millis(2100));
        assert_eq!(manager.authorization().unwrap(), "Bearer t1");
        assert_eq!(server.count(), 2);
    }
}
