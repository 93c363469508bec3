//! The refreshing token manager.

mod clock;
mod engine;
pub(crate) mod options;
mod policy;
mod server_time;
pub(crate) mod signed;

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

impl TokenManager {
    /// Exchanges an XTD API key for short-lived tokens: `POST token_url` with
    /// `{"apiKey": <encodedKey>}`, answered by `{"token": ..., "expirationTime": <seconds>}`.
    ///
    /// ```no_run
    /// use authwire::{ApiKey, TokenManager};
    ///
    /// let key = ApiKey::from_file("xtd-key.json")?;
    /// let tokens = TokenManager::api_key_exchange("https://xtd.example.com/token", &key, None)?;
    /// println!("{}", tokens.authorization()?);
    /// # Ok::<(), authwire::AuthError>(())
    /// ```
    ///
    /// # Errors
    /// [`AuthError::InvalidConfiguration`] for a URL that is not HTTPS (plain HTTP is allowed
    /// only to loopback) or invalid options. No request is sent until a token is needed.
    pub fn api_key_exchange(
        token_url: &str,
        api_key: &ApiKey,
        options: impl Into<Option<TokenOptions>>,
    ) -> Result<Self> {
        let source = Source::ApiKeyExchange {
            url: check_url(token_url)?,
            encoded_key: api_key.encoded_key_secret().clone(),
        };
        Self::build(source, options.into(), "api_key_exchange")
    }

    /// OAuth2 client credentials grant (RFC 6749 §4.4): `POST token_url` with
    /// `grant_type=client_credentials` (and `scope` when `scopes` is not empty),
    /// authenticated with HTTP Basic over the percent-encoded id and secret
    /// (`client_secret_basic`, RFC 6749 §2.3.1). For another client authentication, use
    /// [`client_credentials_with_method`](Self::client_credentials_with_method).
    ///
    /// The answer may be JSON or, when its `Content-Type` says so, form-urlencoded. A
    /// `token_type` other than `Bearer` (in any case) is refused as
    /// [`AuthError::InvalidResponse`].
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use authwire::{TokenManager, TokenOptions};
    ///
    /// let tokens = TokenManager::client_credentials(
    ///     "https://auth.example.com/oauth/token",
    ///     "client-id",
    ///     "client-secret",
    ///     &["read", "write"],
    ///     TokenOptions::default().request_timeout(Duration::from_secs(5)),
    /// )?;
    /// # let _ = tokens;
    /// # Ok::<(), authwire::AuthError>(())
    /// ```
    ///
    /// # Errors
    /// [`AuthError::InvalidConfiguration`] for a non-HTTPS URL, an empty client id, an
    /// invalid scope, or invalid options.
    pub fn client_credentials(
        token_url: &str,
        client_id: &str,
        client_secret: &str,
        scopes: &[&str],
        options: impl Into<Option<TokenOptions>>,
    ) -> Result<Self> {
        Self::client_credentials_with_method(
            token_url,
            client_id,
            client_secret,
            scopes,
            ClientAuthMethod::default(),
            options,
        )
    }

    /// [`client_credentials`](Self::client_credentials) with the client authentication that
    /// the server wants (see [`ClientAuthMethod`] for which server wants which).
    ///
    /// # Errors
    /// As [`client_credentials`](Self::client_credentials), and
    /// [`AuthError::InvalidConfiguration`] for a client id with `:` or a control character
    /// under [`ClientAuthMethod::ClientSecretBasicUnencoded`].
    pub fn client_credentials_with_method(
        token_url: &str,
        client_id: &str,
        client_secret: &str,
        scopes: &[&str],
        auth_method: ClientAuthMethod,
        options: impl Into<Option<TokenOptions>>,
    ) -> Result<Self> {
        Self::client_credentials_owned(
            token_url,
            client_id,
            client_secret,
            owned(scopes),
            options.into(),
            auth_method,
        )
    }

    /// Any other vendor's JSON token API, described by configuration: `POST token_url` with
    /// `request_body` (JSON text, sent as is) and the `exchange`'s headers; the token is read
    /// from `token_field` (a dotted path such as `data.token`) and the expiry as the
    /// `exchange` says. The header is `<scheme> <token>`, `Bearer` unless the `exchange`
    /// names another scheme.
    ///
    /// ```no_run
    /// use authwire::{CustomExchange, ExpiryFormat, TokenManager};
    ///
    /// let tokens = TokenManager::custom_exchange(
    ///     "https://vendor.example.com/auth",
    ///     r#"{"user": "svc", "key": "k"}"#,
    ///     "data.token",
    ///     CustomExchange::default()
    ///         .expiry_field("data.expiresAt")
    ///         .expiry_format(ExpiryFormat::EpochSeconds)
    ///         .header("X-Tenant", "acme")
    ///         .scheme("Token"),
    ///     None,
    /// )?;
    /// # let _ = tokens;
    /// # Ok::<(), authwire::AuthError>(())
    /// ```
    ///
    /// # Errors
    /// [`AuthError::InvalidConfiguration`] for a non-HTTPS URL, a body that is not JSON, an
    /// invalid header name or value, an invalid scheme, or invalid options.
    pub fn custom_exchange(
        token_url: &str,
        request_body: &str,
        token_field: &str,
        exchange: CustomExchange,
        options: impl Into<Option<TokenOptions>>,
    ) -> Result<Self> {
        let CustomExchange {
            expiry_field,
            expiry_format,
            headers,
            scheme,
        } = exchange;
        Self::custom_exchange_parts(
            token_url,
            request_body,
            token_field,
            expiry_field,
            expiry_format,
            headers,
            scheme,
            options.into(),
        )
    }

    /// A token you already hold, served as `Bearer <token>` and never refreshed. With a
    /// `lifetime`, it stops being served when that time has passed; with `None` it never
    /// expires. [`invalidate`](TokenManager::invalidate) has no effect on it.
    ///
    /// ```
    /// use std::time::Duration;
    /// use authwire::TokenManager;
    ///
    /// let forever = TokenManager::static_token("abc", None)?;
    /// assert_eq!(forever.authorization()?, "Bearer abc");
    /// assert_eq!(forever.token()?.expires_in(), None);
    /// let hour = TokenManager::static_token("abc", Duration::from_secs(3600))?;
    /// assert!(hour.token()?.expires_in().is_some());
    /// # Ok::<(), authwire::AuthError>(())
    /// ```
    ///
    /// # Errors
    /// [`AuthError::InvalidInput`] when the token is empty or holds a space, a control
    /// character, DEL or non-ASCII (any other visible ASCII is accepted).
    pub fn static_token(token: &str, lifetime: impl Into<Option<Duration>>) -> Result<Self> {
        let source = Source::Static {
            token: Secret::new(token),
            lifetime: lifetime.into(),
        };
        Self::build(source, None, "static_token")
    }

    /// The current token with its deadlines. Blocks like
    /// [`authorization`](Self::authorization).
    ///
    /// # Errors
    /// As [`authorization`](TokenManager::authorization).
    pub fn token(&self) -> Result<AccessToken> {
        let cached = self.engine.get_blocking()?;
        Ok(AccessToken::new(cached, self.engine.now()))
    }

    /// The current token with its deadlines, awaited without blocking a thread.
    ///
    /// # Errors
    /// As [`authorization`](TokenManager::authorization).
    pub async fn token_async(&self) -> Result<AccessToken> {
        let cached = self.engine.get().await?;
        Ok(AccessToken::new(cached, self.engine.now()))
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
    #[uniffi::constructor(name = "api_key_exchange", default(options = None))]
    fn ffi_api_key_exchange(
        token_url: &str,
        api_key: Arc<ApiKey>,
        options: Option<TokenOptions>,
    ) -> Result<Arc<Self>> {
        Self::api_key_exchange(token_url, &api_key, options).map(Arc::new)
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
    #[uniffi::constructor(
        name = "client_credentials",
        default(scopes = [], options = None, auth_method = None)
    )]
    fn ffi_client_credentials(
        token_url: &str,
        client_id: &str,
        client_secret: &str,
        scopes: Vec<String>,
        options: Option<TokenOptions>,
        auth_method: Option<ClientAuthMethod>,
    ) -> Result<Arc<Self>> {
        Self::client_credentials_owned(
            token_url,
            client_id,
            client_secret,
            scopes,
            options,
            auth_method.unwrap_or_default(),
        )
        .map(Arc::new)
    }

    /// Any other vendor's JSON token API, described by configuration: `POST token_url` with
    /// `request_body` (JSON text, sent as is) and `headers`; the token is read from
    /// `token_field` and the expiry from `expiry_field` (dotted paths such as `data.token`),
    /// interpreted as `expiry_format`. The header is `<scheme> <token>`.
    ///
    /// # Errors
    /// [`AuthError::InvalidConfiguration`] for a non-HTTPS URL, a body that is not JSON, an
    /// invalid header name or value, an invalid scheme, or invalid options.
    #[uniffi::constructor(
        name = "custom_exchange",
        default(
            expiry_field = None,
            expiry_format = None,
            headers = None,
            scheme = None,
            options = None
        )
    )]
    // Each argument is a keyword argument with a default in Python, Kotlin and Swift; Rust
    // callers use `custom_exchange` with a `CustomExchange`.
    #[allow(clippy::too_many_arguments)]
    fn ffi_custom_exchange(
        token_url: &str,
        request_body: &str,
        token_field: &str,
        expiry_field: Option<String>,
        expiry_format: Option<ExpiryFormat>,
        headers: Option<HashMap<String, String>>,
        scheme: Option<String>,
        options: Option<TokenOptions>,
    ) -> Result<Arc<Self>> {
        Self::custom_exchange_parts(
            token_url,
            request_body,
            token_field,
            expiry_field,
            expiry_format,
            headers.unwrap_or_default().into_iter().collect(),
            scheme,
            options,
        )
        .map(Arc::new)
    }

    /// A token you already hold, served as `Bearer <token>` and never refreshed. With
    /// `lifetime_secs`, it stops being served when that time has passed.
    /// [`invalidate`](TokenManager::invalidate) has no effect on it.
    ///
    /// # Errors
    /// [`AuthError::InvalidInput`] when the token is empty or holds a space, a control
    /// character, DEL or non-ASCII (any other visible ASCII is accepted).
    #[uniffi::constructor(name = "static_token", default(lifetime_secs = None))]
    fn ffi_static_token(token: &str, lifetime_secs: Option<u64>) -> Result<Arc<Self>> {
        Self::static_token(token, lifetime_secs.map(Duration::from_secs)).map(Arc::new)
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
    #[uniffi::method(name = "token")]
    fn ffi_token(&self) -> Result<Arc<AccessToken>> {
        self.token().map(Arc::new)
    }

    /// The current token with its deadlines, awaited without blocking a thread.
    ///
    /// # Errors
    /// As [`authorization`](TokenManager::authorization).
    #[uniffi::method(name = "token_async")]
    async fn ffi_token_async(&self) -> Result<Arc<AccessToken>> {
        self.token_async().await.map(Arc::new)
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
    /// A user session: the app signed a user in (with [`AuthorizationCodeFlow`],
    /// [`DeviceAuthorizationFlow`], AppAuth, Auth0 or a web login) and now lives on a
    /// refresh token that the server rotates (RFC 6749 §6, `grant_type=refresh_token`).
    ///
    /// - `tokens`: the sign-in's tokens; `None` to continue the session stored in
    ///   [`TokenOptions::store`] (an app's next start, or its widget or extension).
    /// - `session`: the client's authentication (a public client by default), the
    ///   revocation endpoint, and the [`SealingKey`](crate::SealingKey) that seals the session
    ///   in the store (required with a store).
    ///
    /// With a store, every process that shares it shares the session: each refresh re-reads
    /// the store under its cross-process lock (a process that lost the race adopts the
    /// winner's tokens instead of spending a rotated refresh token), and the rotated refresh
    /// token is saved before the new access token is handed out. When the server refuses the
    /// refresh token (`invalid_grant`), or the user signs out anywhere, every call fails
    /// with [`AuthError::SignInRequired`]. A store that cannot be read (a locked device) is
    /// a transient failure: the session stays.
    ///
    /// ```no_run
    /// use std::sync::Arc;
    /// use authwire::{FileStore, KeyFileSealingKey, SessionOptions, SessionTokens, TokenManager, TokenOptions};
    ///
    /// let tokens = SessionTokens::from_token_response(r#"{"access_token": "at", "token_type": "Bearer", "refresh_token": "rt", "expires_in": 3600}"#)?;
    /// let session = TokenManager::user_session(
    ///     "https://auth.example.com/oauth/token",
    ///     "my-app",
    ///     Some(&tokens),
    ///     SessionOptions::default()
    ///         .revocation_url("https://auth.example.com/oauth/revoke")
    ///         .sealing_key(Arc::new(KeyFileSealingKey::new("/var/lib/myapp/session.key"))),
    ///     TokenOptions::default().store(Arc::new(FileStore::new("/var/lib/myapp/session")?)),
    /// )?;
    /// match session.authorization() {
    ///     Ok(header) => println!("{header}"),
    ///     Err(authwire::AuthError::SignInRequired { .. }) => println!("show the sign-in"),
    ///     Err(other) => return Err(other),
    /// }
    /// # Ok::<(), authwire::AuthError>(())
    /// ```
    ///
    /// # Errors
    /// [`AuthError::InvalidConfiguration`] for a non-HTTPS URL, an empty client id, a store
    /// without a sealing key, no tokens and no store, or invalid options.
    pub fn user_session(
        token_url: &str,
        client_id: &str,
        tokens: Option<&crate::SessionTokens>,
        session: crate::SessionOptions,
        options: impl Into<Option<TokenOptions>>,
    ) -> Result<Self> {
        let options = options.into().unwrap_or_default();
        if tokens.is_none() && options.store.is_none() {
            return Err(AuthError::invalid_configuration(
                "a user session needs the sign-in's tokens, or a store that holds the session",
            ));
        }
        let source = crate::session::source::SessionSource::new(
            token_url,
            client_id,
            session,
            options.store.clone(),
            TokenOptions::ms(options.request_timeout_ms),
        )?;
        let manager = Self::build(
            Source::Session(Arc::new(source)),
            Some(options),
            "user_session",
        )?;
        if let Some(tokens) = tokens {
            manager.engine.start_session(tokens);
        }
        Ok(manager)
    }

    /// Ends a user session everywhere, blocking: the stored session is marked ended (every
    /// process sharing it gets [`AuthError::SignInRequired`] from its next calls), this
    /// manager's tokens are dropped, and the refresh token is revoked at the revocation
    /// endpoint when one is configured (best effort, RFC 7009). From async code use
    /// [`sign_out_async`](Self::sign_out_async).
    ///
    /// # Errors
    /// [`AuthError::InvalidConfiguration`] when this manager is not a user session;
    /// [`AuthError::Network`] when the store could not be updated (this process is signed
    /// out all the same; the others when they next refresh).
    pub fn sign_out(&self) -> Result<()> {
        futures::executor::block_on(self.sign_out_async())
    }

    /// [`sign_out`](Self::sign_out), awaited without blocking a thread.
    ///
    /// # Errors
    /// As [`sign_out`](Self::sign_out).
    pub async fn sign_out_async(&self) -> Result<()> {
        let engine = Arc::clone(&self.engine);
        crate::runtime::get()
            .spawn(async move { engine.sign_out().await })
            .await
            .unwrap_or_else(|_| {
                Err(AuthError::invalid_configuration(
                    "the sign-out stopped unexpectedly",
                ))
            })
    }
}

#[uniffi::export]
impl TokenManager {
    /// A user session living on a refresh token that the server rotates: see the Rust
    /// `TokenManager::user_session`. `tokens` are the sign-in's (`None`: continue the
    /// session stored in `options.store`); a public client by default, or
    /// `client_secret` with `auth_method`; `revocation_url` for sign-out; `sealing_key` seals
    /// the session in the store (required with one).
    ///
    /// # Errors
    /// [`AuthError::InvalidConfiguration`] for a non-HTTPS URL, an empty client id, a store
    /// without a sealing key, no tokens and no store, or invalid options.
    #[uniffi::constructor(
        name = "user_session",
        default(
            tokens = None,
            client_secret = None,
            auth_method = None,
            revocation_url = None,
            sealing_key = None,
            options = None
        )
    )]
    #[allow(clippy::too_many_arguments)]
    fn ffi_user_session(
        token_url: &str,
        client_id: &str,
        tokens: Option<Arc<crate::SessionTokens>>,
        client_secret: Option<String>,
        auth_method: Option<ClientAuthMethod>,
        revocation_url: Option<String>,
        sealing_key: Option<Arc<dyn crate::SealingKey>>,
        options: Option<TokenOptions>,
    ) -> Result<Arc<Self>> {
        let mut session = crate::SessionOptions::default();
        if let Some(secret) = client_secret {
            session = session.client_secret(&secret, auth_method.unwrap_or_default());
        }
        if let Some(url) = revocation_url {
            session = session.revocation_url(url);
        }
        if let Some(key) = sealing_key {
            session = session.sealing_key(key);
        }
        Self::user_session(token_url, client_id, tokens.as_deref(), session, options).map(Arc::new)
    }

    /// Ends a user session everywhere, blocking: see the Rust `TokenManager::sign_out`.
    ///
    /// # Errors
    /// [`AuthError::InvalidConfiguration`] when this manager is not a user session;
    /// [`AuthError::Network`] when the store could not be updated.
    #[uniffi::method(name = "sign_out")]
    fn ffi_sign_out(&self) -> Result<()> {
        self.sign_out()
    }

    /// Ends a user session everywhere, awaited without blocking a thread.
    ///
    /// # Errors
    /// As `sign_out`.
    #[uniffi::method(name = "sign_out_async")]
    async fn ffi_sign_out_async(&self) -> Result<()> {
        self.sign_out_async().await
    }
}

impl TokenManager {
    fn client_credentials_owned(
        token_url: &str,
        client_id: &str,
        client_secret: &str,
        scopes: Vec<String>,
        options: Option<TokenOptions>,
        method: ClientAuthMethod,
    ) -> Result<Self> {
        if client_id.is_empty() {
            return Err(AuthError::invalid_configuration("the client id is empty"));
        }
        check_scopes(&scopes)?;
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

    // The shared body of `custom_exchange` and its bindings' twin.
    #[allow(clippy::too_many_arguments)]
    fn custom_exchange_parts(
        token_url: &str,
        request_body: &str,
        token_field: &str,
        expiry_field: Option<String>,
        expiry_format: Option<ExpiryFormat>,
        headers: Vec<(String, String)>,
        scheme: Option<String>,
        options: Option<TokenOptions>,
    ) -> Result<Self> {
        if serde_json::from_str::<serde_json::Value>(request_body).is_err() {
            return Err(AuthError::invalid_configuration(
                "the request body is not valid JSON",
            ));
        }
        if token_field.is_empty() {
            return Err(AuthError::invalid_configuration("the token field is empty"));
        }
        let mut header_list = Vec::new();
        for (name, value) in headers {
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
}

impl TokenManager {
    fn build(source: Source, options: Option<TokenOptions>, kind: &'static str) -> Result<Self> {
        Self::build_with_clock(source, options, kind, Arc::new(SystemClock))
    }

    /// A manager over any source (used by the CSRF session).
    pub(crate) fn from_source(
        source: Source,
        options: Option<TokenOptions>,
        kind: &'static str,
    ) -> Result<Self> {
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
    ) -> Result<Self> {
        let engine = Engine::new(source, options.unwrap_or_default(), clock)?;
        Ok(Self { engine, kind })
    }
}

/// The optional parts of a [`TokenManager::custom_exchange`]: where the expiry is and what
/// it means, extra request headers, and the header's scheme. Start from
/// [`CustomExchange::default`] (no expiry field: the default lifetime, or a JWT's `exp`;
/// no extra headers; `Bearer`) and chain the setters.
#[derive(Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CustomExchange {
    expiry_field: Option<String>,
    expiry_format: Option<ExpiryFormat>,
    headers: Vec<(String, String)>,
    scheme: Option<String>,
}

impl CustomExchange {
    /// The dotted path of the expiry in the answer, such as `data.expiresAt`.
    #[must_use]
    pub fn expiry_field(mut self, path: impl Into<String>) -> Self {
        self.expiry_field = Some(path.into());
        self
    }

    /// What the expiry field means (default [`ExpiryFormat::SecondsFromNow`]).
    #[must_use]
    pub fn expiry_format(mut self, format: ExpiryFormat) -> Self {
        self.expiry_format = Some(format);
        self
    }

    /// A header sent with the token request (added to those already set). Its value is
    /// treated as a secret: it never appears in a message or in `Debug`.
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Headers sent with the token request, as `(name, value)` pairs (added to those
    /// already set), e.g. a `HashMap<String, String>`.
    #[must_use]
    pub fn headers<K, V>(mut self, headers: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        self.headers.extend(
            headers
                .into_iter()
                .map(|(name, value)| (name.into(), value.into())),
        );
        self
    }

    /// The scheme of the `Authorization` value (default `Bearer`), e.g. `Token`.
    #[must_use]
    pub fn scheme(mut self, scheme: impl Into<String>) -> Self {
        self.scheme = Some(scheme.into());
        self
    }
}

impl std::fmt::Debug for CustomExchange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(name, _)| name.as_str()).collect();
        f.debug_struct("CustomExchange")
            .field("expiry_field", &self.expiry_field)
            .field("expiry_format", &self.expiry_format)
            .field("headers", &format_args!("{names:?} (values redacted)"))
            .field("scheme", &self.scheme)
            .finish()
    }
}

/// Scopes as the sources keep them.
pub(crate) fn owned(scopes: &[&str]) -> Vec<String> {
    scopes.iter().map(|&scope| scope.to_owned()).collect()
}

/// RFC 9110 §5.6.2 `token`: one or more tchar.
/// RFC 6749 §3.3: each scope a non-empty `scope-token`.
pub(crate) fn check_scopes(scopes: &[String]) -> Result<()> {
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
#[non_exhaustive]
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
    /// `None`: never expires (a static token without a lifetime).
    expires_in: Option<Duration>,
    /// `None`: never refreshed.
    refresh_in: Option<Duration>,
}

impl AccessToken {
    fn new(cached: Arc<Cached>, now: clock::Mono) -> Self {
        let never = clock::Mono(Duration::MAX);
        let until = |deadline: clock::Mono| (deadline != never).then(|| now.until(deadline));
        let expires_in = until(cached.schedule.usable_until);
        let refresh_in = until(cached.schedule.refresh_at);
        Self {
            cached,
            expires_in,
            refresh_in,
        }
    }

    /// The token in clear. Keep it out of logs.
    #[must_use]
    pub fn value(&self) -> &str {
        self.cached.token.expose()
    }

    /// The `Authorization` header value, e.g. `Bearer <token>`.
    #[must_use]
    pub fn authorization(&self) -> &str {
        self.cached.authorization.expose()
    }

    /// Time until the token stops being handed out (slightly before it expires), as of when
    /// it was handed out; `None` for a token that never expires.
    #[must_use]
    pub fn expires_in(&self) -> Option<Duration> {
        self.expires_in
    }

    /// Time until the token should be refreshed, as of when it was handed out; until then a
    /// cache of your own may reuse it without asking the manager. Zero when a refresh is
    /// due; `None` for a token that is never refreshed.
    #[must_use]
    pub fn refresh_in(&self) -> Option<Duration> {
        self.refresh_in
    }
}

#[uniffi::export]
impl AccessToken {
    /// The token in clear. Keep it out of logs.
    #[uniffi::method(name = "value")]
    fn ffi_value(&self) -> String {
        self.value().to_owned()
    }

    /// The `Authorization` header value, e.g. `Bearer <token>`.
    #[uniffi::method(name = "authorization")]
    fn ffi_authorization(&self) -> String {
        self.authorization().to_owned()
    }

    /// Milliseconds until the token stops being handed out (slightly before it expires).
    #[uniffi::method(name = "expires_in_ms")]
    fn ffi_expires_in_ms(&self) -> u64 {
        self.expires_in.map_or(u64::MAX, millis)
    }

    /// Milliseconds until the token should be refreshed; until then a host-language cache
    /// may reuse it without asking the core. Zero when a refresh is due.
    #[uniffi::method(name = "refresh_in_ms")]
    fn ffi_refresh_in_ms(&self) -> u64 {
        self.refresh_in.map_or(u64::MAX, millis)
    }
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "AccessToken(value=[redacted], expires_in_ms={}, refresh_in_ms={})",
            self.ffi_expires_in_ms(),
            self.ffi_refresh_in_ms()
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
        Arc::new(TokenManager::build_with_clock(source, None, "api_key_exchange", clock).unwrap())
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
