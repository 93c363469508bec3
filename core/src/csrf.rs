//! CSRF sessions for SAP API Management style write calls.

use std::collections::HashMap;
use std::sync::Arc;

use crate::credential::{CsrfFetchMethod, Source};
use crate::error::Result;
use crate::listener::AuthListener;
use crate::secret::Secret;
use crate::token::options::TokenOptions;
use crate::token::{CachedToken, TokenManager, TokenStats, check_url};

/// Fetches a CSRF token (`X-CSRF-Token: fetch` with Basic credentials, HEAD by default),
/// keeps it with the session cookies, and hands out the headers for write calls.
///
/// When a write answers 403 with `x-csrf-token: Required`, pass the token that request
/// carried to [`invalidate`](CsrfSession::invalidate); the next `headers()` fetches anew.
/// Concurrent callers share one fetch, exactly like [`TokenManager`].
#[derive(uniffi::Object)]
#[uniffi::export(Debug, Display)]
pub struct CsrfSession {
    inner: TokenManager,
}

impl CsrfSession {
    /// A session against `fetch_url`, authenticated with HTTP Basic `user_id`/`password`.
    /// The token is fetched with `fetch_method` (`None`: [`CsrfFetchMethod::Head`]) and
    /// kept for [`TokenOptions::default_lifetime`] (default one hour) unless the server
    /// rejects it first.
    ///
    /// ```no_run
    /// use authwire::{CsrfFetchMethod, CsrfSession, TokenOptions};
    ///
    /// let session = CsrfSession::new("https://api.example.com/csrf", "alice", "pw", None, None)?;
    /// let with_get = CsrfSession::new(
    ///     "https://api.example.com/csrf",
    ///     "alice",
    ///     "pw",
    ///     CsrfFetchMethod::Get,
    ///     TokenOptions::default(),
    /// )?;
    /// let headers = session.headers()?;
    /// println!("{}", headers.csrf_token());
    /// # let _ = with_get;
    /// # Ok::<(), authwire::AuthError>(())
    /// ```
    ///
    /// # Errors
    /// [`AuthError::InvalidConfiguration`](crate::AuthError::InvalidConfiguration) for a
    /// non-HTTPS URL or invalid options; [`AuthError::InvalidInput`](crate::AuthError::InvalidInput)
    /// for credentials that cannot be sent as Basic.
    pub fn new(
        fetch_url: &str,
        user_id: &str,
        password: &str,
        fetch_method: impl Into<Option<CsrfFetchMethod>>,
        options: impl Into<Option<TokenOptions>>,
    ) -> Result<Self> {
        let source = Source::Csrf {
            url: check_url(fetch_url)?,
            method: fetch_method.into().unwrap_or_default(),
            authorization: Secret::new(crate::header::basic_auth(user_id, password)?),
        };
        let inner = TokenManager::from_source(source, options.into(), "csrf_session")?;
        Ok(Self { inner })
    }

    /// The headers for a write call. Returns at once while a token is cached; otherwise
    /// waits for the shared fetch. Blocks the calling thread: from async code use
    /// [`headers_async`](Self::headers_async).
    ///
    /// # Errors
    /// The fetch's [`AuthError`](crate::AuthError) (e.g. `Unauthorized` for wrong credentials).
    pub fn headers(&self) -> Result<CsrfHeaders> {
        Ok(CsrfHeaders::from(self.inner.cached_blocking()?))
    }

    /// The headers for a write call, awaited without blocking a thread.
    ///
    /// # Errors
    /// As [`headers`](CsrfSession::headers).
    pub async fn headers_async(&self) -> Result<CsrfHeaders> {
        Ok(CsrfHeaders::from(self.inner.cached().await?))
    }
}

#[uniffi::export]
impl CsrfSession {
    /// A session against `fetch_url`, authenticated with HTTP Basic `user_id`/`password`.
    /// The token is kept for `options.default_lifetime_secs` (default one hour) unless the
    /// server rejects it first.
    ///
    /// # Errors
    /// [`AuthError::InvalidConfiguration`](crate::AuthError::InvalidConfiguration) for a
    /// non-HTTPS URL or invalid options; [`AuthError::InvalidInput`](crate::AuthError::InvalidInput)
    /// for credentials that cannot be sent as Basic.
    #[uniffi::constructor(name = "new", default(options = None, fetch_method = None))]
    fn ffi_new(
        fetch_url: &str,
        user_id: &str,
        password: &str,
        options: Option<TokenOptions>,
        fetch_method: Option<CsrfFetchMethod>,
    ) -> Result<Arc<Self>> {
        Self::new(fetch_url, user_id, password, fetch_method, options).map(Arc::new)
    }

    /// The headers for a write call. Returns at once while a token is cached; otherwise
    /// waits for the shared fetch. Blocks the calling thread: from async code use
    /// `headers_async`.
    ///
    /// # Errors
    /// The fetch's [`AuthError`](crate::AuthError) (e.g. `Unauthorized` for wrong credentials).
    #[uniffi::method(name = "headers")]
    fn ffi_headers(&self) -> Result<Arc<CsrfHeaders>> {
        self.headers().map(Arc::new)
    }

    /// The headers for a write call, awaited without blocking a thread.
    ///
    /// # Errors
    /// As [`headers`](CsrfSession::headers).
    #[uniffi::method(name = "headers_async")]
    async fn ffi_headers_async(&self) -> Result<Arc<CsrfHeaders>> {
        self.headers_async().await.map(Arc::new)
    }

    /// Call after a write answered 403 with `x-csrf-token: Required`, with the CSRF token that
    /// request carried. Returns whether it was still the current token.
    pub fn invalidate(&self, token: &str) -> bool {
        self.inner.invalidate_exact(token)
    }

    /// Counters since the session was created (`token_requests` counts fetches).
    pub fn stats(&self) -> TokenStats {
        self.inner.stats()
    }

    /// Sets (or with `None` removes) the listener that receives this session's events.
    pub fn set_listener(&self, listener: Option<Arc<dyn AuthListener>>) {
        self.inner.set_listener(listener);
    }
}

impl std::fmt::Debug for CsrfSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CsrfSession(credentials=[redacted])")
    }
}

impl std::fmt::Display for CsrfSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

/// The headers for one write call: `X-CSRF-Token`, `Cookie` (when the server set cookies)
/// and `Authorization`. Printing it shows `[redacted]` for every value.
#[derive(uniffi::Object)]
#[uniffi::export(Debug, Display)]
pub struct CsrfHeaders {
    csrf_token: Secret,
    cookie: Option<Secret>,
    authorization: Secret,
}

impl From<Arc<CachedToken>> for CsrfHeaders {
    fn from(cached: Arc<CachedToken>) -> Self {
        Self {
            csrf_token: cached.token.clone(),
            cookie: cached.cookie.clone(),
            authorization: cached.authorization.clone(),
        }
    }
}

impl CsrfHeaders {
    /// The `X-CSRF-Token` value; also what to pass to
    /// [`CsrfSession::invalidate`] after a 403. Keep it out of logs.
    #[must_use]
    pub fn csrf_token(&self) -> &str {
        self.csrf_token.expose()
    }

    /// The `Cookie` value (`name=value; name2=value2`), if the server set cookies.
    #[must_use]
    pub fn cookie(&self) -> Option<&str> {
        self.cookie.as_ref().map(Secret::expose)
    }

    /// The `Authorization` value (HTTP Basic).
    #[must_use]
    pub fn authorization(&self) -> &str {
        self.authorization.expose()
    }
}

#[uniffi::export]
impl CsrfHeaders {
    /// The `X-CSRF-Token` value; also what to pass to `invalidate` after a 403.
    #[uniffi::method(name = "csrf_token")]
    fn ffi_csrf_token(&self) -> String {
        self.csrf_token().to_owned()
    }

    /// The `Cookie` value (`name=value; name2=value2`), if the server set cookies.
    #[uniffi::method(name = "cookie")]
    fn ffi_cookie(&self) -> Option<String> {
        self.cookie().map(str::to_owned)
    }

    /// The `Authorization` value (HTTP Basic).
    #[uniffi::method(name = "authorization")]
    fn ffi_authorization(&self) -> String {
        self.authorization().to_owned()
    }

    /// All headers as name → value, ready to merge into a request.
    pub fn to_map(&self) -> HashMap<String, String> {
        let mut map = HashMap::from([
            ("X-CSRF-Token".to_owned(), self.csrf_token().to_owned()),
            ("Authorization".to_owned(), self.authorization().to_owned()),
        ]);
        if let Some(cookie) = self.cookie() {
            map.insert("Cookie".to_owned(), cookie.to_owned());
        }
        map
    }
}

impl std::fmt::Debug for CsrfHeaders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "CsrfHeaders(X-CSRF-Token=[redacted], Cookie={}, Authorization=[redacted])",
            if self.cookie.is_some() {
                "[redacted]"
            } else {
                "none"
            }
        )
    }
}

impl std::fmt::Display for CsrfHeaders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}
