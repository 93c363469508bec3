//! The signed-JWT token sources: Google service accounts, GitHub Apps, App Store Connect,
//! `private_key_jwt` client authentication, any JWT-bearer grant, and self-signed bearer
//! JWTs. They share the refresh policy of every other source; the assertions' times come
//! from the token server's clock when the local one is off (`server_time.rs`).

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value};

use super::{TokenManager, check_scopes, check_url};
use crate::credential::Source;
use crate::credential::assertion::Assertion;
use crate::credential::signer::{JwtAlgorithm, JwtSigner, pem_signer};
use crate::error::{AuthError, Result};
use crate::secret::Secret;
use crate::token::options::TokenOptions;

/// Google accepts assertions of at most one hour.
const GOOGLE_LIFETIME: Duration = Duration::from_secs(3600);
/// GitHub: `exp` at most 10 minutes after `iat`, which is 60 s in the past.
const GITHUB_LIFETIME: Duration = Duration::from_secs(540);
const GITHUB_BACKDATE: Duration = Duration::from_secs(60);
/// App Store Connect rejects tokens of more than 20 minutes.
const APP_STORE_CONNECT_MAX: Duration = Duration::from_secs(1200);
/// `private_key_jwt` and JWT-bearer assertions: short, as RFC 7523 §3 advises.
const CLIENT_ASSERTION_LIFETIME: Duration = Duration::from_secs(120);

/// The fields of a Google service-account key file that authwire reads.
struct ServiceAccount {
    client_email: String,
    token_uri: String,
    signer: Arc<dyn JwtSigner>,
}

/// A service account's key file, as text wiped from memory when dropped.
fn read_service_account(path: &std::path::Path) -> Result<zeroize::Zeroizing<String>> {
    crate::credential::read_credential_file(path, "service-account key")
        .map(zeroize::Zeroizing::new)
}

impl ServiceAccount {
    fn parse(key_json: &str) -> Result<Self> {
        let bad = |why: &str| {
            AuthError::invalid_configuration(format!("the service-account key file {why}"))
        };
        let document: Value =
            serde_json::from_str(key_json).map_err(|_| bad("is not valid JSON"))?;
        let field = |name: &str| {
            document
                .get(name)
                .and_then(Value::as_str)
                .filter(|v| !v.is_empty())
                .ok_or_else(|| bad(&format!("has no \"{name}\"")))
        };
        if let Some(kind) = document.get("type").and_then(Value::as_str)
            && kind != "service_account"
        {
            return Err(bad(&format!(
                "is of type {kind:?}, not \"service_account\" (user credentials and external accounts are not supported)"
            )));
        }
        let key_id = document
            .get("private_key_id")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let signer = pem_signer(field("private_key")?, key_id.as_deref())?;
        Ok(Self {
            client_email: field("client_email")?.to_owned(),
            token_uri: field("token_uri")
                .unwrap_or("https://oauth2.googleapis.com/token")
                .to_owned(),
            signer,
        })
    }
}

/// Extra claims as a JSON object text.
fn parse_claims(json: Option<String>) -> Result<Map<String, Value>> {
    match json {
        None => Ok(Map::new()),
        Some(text) => match serde_json::from_str(&text) {
            Ok(Value::Object(map)) => Ok(map),
            _ => Err(AuthError::invalid_configuration(
                "the extra claims must be a JSON object",
            )),
        },
    }
}

fn lifetime(secs: u64, max: Option<Duration>, what: &str) -> Result<Duration> {
    let lifetime = Duration::from_secs(secs);
    if secs < 10 || max.is_some_and(|max| lifetime > max) {
        return Err(AuthError::invalid_configuration(format!(
            "{what}: the lifetime must be at least 10 s{}",
            max.map(|m| format!(" and at most {} s", m.as_secs()))
                .unwrap_or_default()
        )));
    }
    Ok(lifetime)
}

/// The optional parts of a JWT assertion, for [`TokenManager::jwt_bearer`] and
/// [`TokenManager::self_signed_jwt`]: the `sub` claim, extra claims, the lifetime, and (for
/// the JWT-bearer grant) the form's `scope`. Start from [`JwtOptions::default`] and chain
/// the setters.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct JwtOptions {
    subject: Option<String>,
    scopes: Vec<String>,
    extra_claims: Map<String, Value>,
    lifetime: Option<Duration>,
}

impl JwtOptions {
    /// The `sub` claim (Salesforce: the user name).
    #[must_use]
    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }

    /// The scopes sent as the token request's `scope` (the JWT-bearer grant only; a
    /// self-signed JWT has no token request, so [`TokenManager::self_signed_jwt`] refuses
    /// them: put a `scope` claim in [`extra_claims`](Self::extra_claims) there).
    #[must_use]
    pub fn scopes(mut self, scopes: &[&str]) -> Self {
        self.scopes = super::owned(scopes);
        self
    }

    /// Claims added to the assertion. They may not set `iss`, `sub`, `aud`, `iat`, `exp` or
    /// `jti`, which the assertion sets itself.
    #[must_use]
    pub fn extra_claims(mut self, claims: Map<String, Value>) -> Self {
        self.extra_claims = claims;
        self
    }

    /// How long each assertion lives, in whole seconds, at least 10 s (default: 180 s for
    /// [`TokenManager::jwt_bearer`], one hour for [`TokenManager::self_signed_jwt`]).
    #[must_use]
    pub fn lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = Some(lifetime);
        self
    }
}

impl TokenManager {
    /// A Google service account, from the JSON key file's text: the RFC 7523 §2.1
    /// JWT-bearer grant to the file's `token_uri`, with `scopes` (for example
    /// `https://www.googleapis.com/auth/cloud-platform`). The RS256 assertion carries the
    /// key's `private_key_id` as `kid` and lives one hour; tokens are refreshed like any other.
    ///
    /// ```no_run
    /// use authwire::TokenManager;
    ///
    /// let key_json = std::fs::read_to_string("service-account.json").expect("the key file");
    /// let tokens = TokenManager::google_service_account(
    ///     &key_json,
    ///     &["https://www.googleapis.com/auth/cloud-platform"],
    ///     None,
    /// )?;
    /// # let _ = tokens;
    /// # Ok::<(), authwire::AuthError>(())
    /// ```
    ///
    /// # Errors
    /// [`AuthError::InvalidConfiguration`] for a key file that is not a service-account key
    /// (naming the missing or wrong field, never the key), a key ring cannot read, a
    /// non-HTTPS `token_uri`, no scope, or invalid options; always in the mobile build, which
    /// has no built-in signer: use [`TokenManager::jwt_bearer`] with a host signer there.
    pub fn google_service_account(
        key_json: &str,
        scopes: &[&str],
        options: impl Into<Option<TokenOptions>>,
    ) -> Result<Self> {
        Self::google_service_account_owned(key_json, super::owned(scopes), options.into())
    }

    /// As [`TokenManager::google_service_account`], over the key file at `path` (the JSON
    /// file downloaded from the console): the file is read here, so a path is never mistaken
    /// for the key's text.
    ///
    /// # Errors
    /// As [`TokenManager::google_service_account`], and
    /// [`AuthError::InvalidConfiguration`] naming the file when it cannot be read.
    pub fn google_service_account_from_file(
        path: impl AsRef<std::path::Path>,
        scopes: &[&str],
        options: impl Into<Option<TokenOptions>>,
    ) -> Result<Self> {
        Self::google_service_account(&read_service_account(path.as_ref())?, scopes, options)
    }

    /// As [`TokenManager::google_service_account_jwt`], over the key file at `path`.
    ///
    /// # Errors
    /// As [`TokenManager::google_service_account_jwt`], and
    /// [`AuthError::InvalidConfiguration`] naming the file when it cannot be read.
    pub fn google_service_account_jwt_from_file(
        path: impl AsRef<std::path::Path>,
        audience: &str,
        options: impl Into<Option<TokenOptions>>,
    ) -> Result<Self> {
        Self::google_service_account_jwt(&read_service_account(path.as_ref())?, audience, options)
    }

    /// A Google service account's self-signed JWT, used directly as the bearer token for
    /// the API named by `audience` (for example `https://pubsub.googleapis.com/`): no token
    /// request is sent. `iss` and `sub` are the account's email, the lifetime one hour; a new
    /// JWT is signed before the old one expires.
    ///
    /// # Errors
    /// As [`TokenManager::google_service_account`], and for an empty audience.
    pub fn google_service_account_jwt(
        key_json: &str,
        audience: &str,
        options: impl Into<Option<TokenOptions>>,
    ) -> Result<Self> {
        Self::google_service_account_jwt_owned(key_json, audience, options.into())
    }

    /// A GitHub App installation: an RS256 JWT (`iss` the app id, `iat` 60 s in the past,
    /// `exp` 9 minutes ahead) exchanged at `POST {api_url}/app/installations/{id}/access_tokens`
    /// for a 1-hour installation token, whose expiry comes from the answer's `expires_at`.
    /// `api_url` defaults (`None`) to `https://api.github.com` (GitHub Enterprise Server:
    /// `https://HOST/api/v3`). The signer is usually [`pem_signer`] over the downloaded
    /// `.pem`.
    ///
    /// ```no_run
    /// use authwire::{TokenManager, pem_signer};
    ///
    /// let pem = std::fs::read_to_string("my-app.private-key.pem").expect("the key file");
    /// let tokens = TokenManager::github_app("123456", 7890, pem_signer(&pem, None)?, None, None)?;
    /// # let _ = tokens;
    /// # Ok::<(), authwire::AuthError>(())
    /// ```
    ///
    /// # Errors
    /// [`AuthError::InvalidConfiguration`] for an empty app id, a signer that is not RS256, a
    /// non-HTTPS API URL, or invalid options.
    pub fn github_app<'a>(
        app_id: &str,
        installation_id: u64,
        signer: Arc<dyn JwtSigner>,
        api_url: impl Into<Option<&'a str>>,
        options: impl Into<Option<TokenOptions>>,
    ) -> Result<Self> {
        Self::github_app_owned(
            app_id,
            installation_id,
            signer,
            api_url.into(),
            options.into(),
        )
    }

    /// A JWT signed here and sent as the bearer token itself, with no token request: `iss`,
    /// `aud`, the `jwt`'s optional `sub`, `iat` and `exp` (the `jwt`'s lifetime, default one
    /// hour), the signer's key id as `kid`, and the `jwt`'s extra claims. A new JWT is
    /// signed before the old one expires.
    ///
    /// # Errors
    /// [`AuthError::InvalidConfiguration`] for an empty issuer or audience, extra claims
    /// that set `iss`, `sub`, `aud`, `iat`, `exp` or `jti`, scopes (a self-signed JWT has
    /// no token request to send them in), or a lifetime under 10 s.
    pub fn self_signed_jwt(
        signer: Arc<dyn JwtSigner>,
        issuer: &str,
        audience: &str,
        jwt: JwtOptions,
        options: impl Into<Option<TokenOptions>>,
    ) -> Result<Self> {
        if !jwt.scopes.is_empty() {
            return Err(AuthError::invalid_configuration(
                "self_signed_jwt sends no token request, so it has no scopes: put a \"scope\" \
                 claim in the extra claims instead",
            ));
        }
        Self::self_signed_jwt_owned(
            signer,
            issuer,
            audience,
            jwt.subject,
            lifetime_secs(jwt.lifetime, 3600),
            jwt.extra_claims,
            options.into(),
        )
    }

    /// App Store Connect (and the other Apple APIs that take the same tokens): an ES256 JWT
    /// with `iss` the issuer id, `aud` `appstoreconnect-v1` and the key id as `kid`, living
    /// `lifetime` (`None`: the default and largest, 20 minutes), used directly as the bearer
    /// token. The signer is `pem_signer(<AuthKey_XXXX.p8>, key_id)` or a Secure Enclave key.
    ///
    /// # Errors
    /// [`AuthError::InvalidConfiguration`] when the signer is not ES256 or has no key id, the
    /// issuer id is empty, or the lifetime is over 20 minutes.
    pub fn app_store_connect(
        issuer_id: &str,
        signer: Arc<dyn JwtSigner>,
        lifetime: impl Into<Option<Duration>>,
        options: impl Into<Option<TokenOptions>>,
    ) -> Result<Self> {
        Self::app_store_connect_owned(
            issuer_id,
            signer,
            lifetime_secs(lifetime.into(), 1200),
            options.into(),
        )
    }

    /// OAuth2 client credentials with `private_key_jwt` client authentication (RFC 7523
    /// §2.2, OpenID Connect Core §9), which Okta, Auth0, Keycloak and Azure AD recommend over
    /// client secrets: the form carries `client_assertion_type` jwt-bearer and a signed
    /// `client_assertion` (`iss` and `sub` the client id, `aud` the token endpoint, a unique
    /// `jti`, two minutes of life) instead of a secret.
    ///
    /// # Errors
    /// [`AuthError::InvalidConfiguration`] for a non-HTTPS URL, an empty client id, an
    /// invalid scope, or invalid options.
    pub fn client_credentials_private_key_jwt(
        token_url: &str,
        client_id: &str,
        signer: Arc<dyn JwtSigner>,
        scopes: &[&str],
        options: impl Into<Option<TokenOptions>>,
    ) -> Result<Self> {
        Self::client_credentials_private_key_jwt_owned(
            token_url,
            client_id,
            signer,
            super::owned(scopes),
            options.into(),
        )
    }

    /// Any RFC 7523 §2.1 JWT-bearer grant: `POST token_url` with
    /// `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer` and an assertion with
    /// `issuer`, `audience` and the `jwt`'s optional subject and extra claims, living the
    /// `jwt`'s lifetime (default 180 s), and the form's `scope` when the `jwt` has scopes.
    /// Salesforce: `issuer` the connected app's consumer key, the subject the user name,
    /// `audience` `https://login.salesforce.com`.
    ///
    /// ```no_run
    /// use authwire::{JwtOptions, TokenManager, pem_signer};
    ///
    /// let pem = std::fs::read_to_string("server.key").expect("the key file");
    /// let tokens = TokenManager::jwt_bearer(
    ///     "https://login.salesforce.com/services/oauth2/token",
    ///     pem_signer(&pem, None)?,
    ///     "3MVG9-consumer-key",
    ///     "https://login.salesforce.com",
    ///     JwtOptions::default().subject("integration@example.com"),
    ///     None,
    /// )?;
    /// # let _ = tokens;
    /// # Ok::<(), authwire::AuthError>(())
    /// ```
    ///
    /// # Errors
    /// [`AuthError::InvalidConfiguration`] for a non-HTTPS URL, an empty issuer or audience,
    /// invalid extra claims or scopes, a lifetime under 10 s, or invalid options.
    pub fn jwt_bearer(
        token_url: &str,
        signer: Arc<dyn JwtSigner>,
        issuer: &str,
        audience: &str,
        jwt: JwtOptions,
        options: impl Into<Option<TokenOptions>>,
    ) -> Result<Self> {
        Self::jwt_bearer_owned(
            token_url,
            signer,
            issuer,
            audience,
            jwt.subject,
            jwt.scopes,
            jwt.extra_claims,
            lifetime_secs(jwt.lifetime, 180),
            options.into(),
        )
    }
}

/// A lifetime in the whole seconds the sources take, `default` when none is given.
fn lifetime_secs(lifetime: Option<Duration>, default: u64) -> u64 {
    lifetime.map_or(default, |lifetime| lifetime.as_secs())
}

#[uniffi::export]
impl TokenManager {
    /// A Google service account, from the JSON key file's text: the RFC 7523 §2.1
    /// JWT-bearer grant to the file's `token_uri`, with `scopes` (for example
    /// `https://www.googleapis.com/auth/cloud-platform`). The RS256 assertion carries the
    /// key's `private_key_id` as `kid` and lives one hour; tokens are refreshed like any other.
    ///
    /// # Errors
    /// [`AuthError::InvalidConfiguration`] for a key file that is not a service-account key
    /// (naming the missing or wrong field, never the key), a key ring cannot read, a
    /// non-HTTPS `token_uri`, no scope, or invalid options; always in the mobile build, which
    /// has no built-in signer: use [`TokenManager::jwt_bearer`] with a host signer there.
    #[uniffi::constructor(name = "google_service_account", default(options = None))]
    fn ffi_google_service_account(
        key_json: &str,
        scopes: Vec<String>,
        options: Option<TokenOptions>,
    ) -> Result<Arc<Self>> {
        Self::google_service_account_owned(key_json, scopes, options).map(Arc::new)
    }

    /// A Google service account's self-signed JWT, used directly as the bearer token for
    /// the API named by `audience` (for example `https://pubsub.googleapis.com/`): no token
    /// request is sent. `iss` and `sub` are the account's email, the lifetime one hour; a new
    /// JWT is signed before the old one expires.
    ///
    /// # Errors
    /// As [`TokenManager::google_service_account`], and for an empty audience.
    #[uniffi::constructor(name = "google_service_account_jwt", default(options = None))]
    fn ffi_google_service_account_jwt(
        key_json: &str,
        audience: &str,
        options: Option<TokenOptions>,
    ) -> Result<Arc<Self>> {
        Self::google_service_account_jwt_owned(key_json, audience, options).map(Arc::new)
    }

    /// A GitHub App installation: an RS256 JWT (`iss` the app id, `iat` 60 s in the past,
    /// `exp` 9 minutes ahead) exchanged at `POST {api_url}/app/installations/{id}/access_tokens`
    /// for a 1-hour installation token, whose expiry comes from the answer's `expires_at`.
    /// `api_url` defaults to `https://api.github.com` (GitHub Enterprise Server:
    /// `https://HOST/api/v3`). The signer is usually `pem_signer(<the downloaded .pem>)`.
    ///
    /// # Errors
    /// [`AuthError::InvalidConfiguration`] for an empty app id, a signer that is not RS256, a
    /// non-HTTPS API URL, or invalid options.
    #[uniffi::constructor(name = "github_app", default(api_url = None, options = None))]
    fn ffi_github_app(
        app_id: &str,
        installation_id: u64,
        signer: Arc<dyn JwtSigner>,
        api_url: Option<String>,
        options: Option<TokenOptions>,
    ) -> Result<Arc<Self>> {
        Self::github_app_owned(app_id, installation_id, signer, api_url.as_deref(), options)
            .map(Arc::new)
    }

    /// A JWT signed here and sent as the bearer token itself, with no token request: `iss`,
    /// `aud`, optional `sub`, `iat` and `exp` (`lifetime_secs`, default one hour), the
    /// signer's key id as `kid`, and `extra_claims` (a JSON object). A new JWT is signed
    /// before the old one expires.
    ///
    /// # Errors
    /// [`AuthError::InvalidConfiguration`] for an empty issuer or audience, extra claims that
    /// are not a JSON object or that set `iss`, `sub`, `aud`, `iat`, `exp` or `jti`, or a
    /// lifetime under 10 s.
    #[uniffi::constructor(name = "self_signed_jwt", default(
        subject = None,
        lifetime_secs = 3600,
        extra_claims = None,
        options = None
    ))]
    fn ffi_self_signed_jwt(
        signer: Arc<dyn JwtSigner>,
        issuer: &str,
        audience: &str,
        subject: Option<String>,
        lifetime_secs: u64,
        extra_claims: Option<String>,
        options: Option<TokenOptions>,
    ) -> Result<Arc<Self>> {
        Self::self_signed_jwt_owned(
            signer,
            issuer,
            audience,
            subject,
            lifetime_secs,
            parse_claims(extra_claims)?,
            options,
        )
        .map(Arc::new)
    }

    /// App Store Connect (and the other Apple APIs that take the same tokens): an ES256 JWT
    /// with `iss` the issuer id, `aud` `appstoreconnect-v1` and the key id as `kid`, of
    /// `lifetime_secs` (default and at most 1200: 20 minutes), used directly as the bearer
    /// token. The signer is `pem_signer(<AuthKey_XXXX.p8>, key_id)` or a Secure Enclave key.
    ///
    /// # Errors
    /// [`AuthError::InvalidConfiguration`] when the signer is not ES256 or has no key id, the
    /// issuer id is empty, or the lifetime is over 20 minutes.
    #[uniffi::constructor(name = "app_store_connect", default(lifetime_secs = 1200, options = None))]
    fn ffi_app_store_connect(
        issuer_id: &str,
        signer: Arc<dyn JwtSigner>,
        lifetime_secs: u64,
        options: Option<TokenOptions>,
    ) -> Result<Arc<Self>> {
        Self::app_store_connect_owned(issuer_id, signer, lifetime_secs, options).map(Arc::new)
    }

    /// OAuth2 client credentials with `private_key_jwt` client authentication (RFC 7523
    /// §2.2, OpenID Connect Core §9), which Okta, Auth0, Keycloak and Azure AD recommend over
    /// client secrets: the form carries `client_assertion_type` jwt-bearer and a signed
    /// `client_assertion` (`iss` and `sub` the client id, `aud` the token endpoint, a unique
    /// `jti`, two minutes of life) instead of a secret.
    ///
    /// # Errors
    /// [`AuthError::InvalidConfiguration`] for a non-HTTPS URL, an empty client id, an
    /// invalid scope, or invalid options.
    #[uniffi::constructor(name = "client_credentials_private_key_jwt", default(scopes = [], options = None))]
    fn ffi_client_credentials_private_key_jwt(
        token_url: &str,
        client_id: &str,
        signer: Arc<dyn JwtSigner>,
        scopes: Vec<String>,
        options: Option<TokenOptions>,
    ) -> Result<Arc<Self>> {
        Self::client_credentials_private_key_jwt_owned(
            token_url, client_id, signer, scopes, options,
        )
        .map(Arc::new)
    }

    /// Any RFC 7523 §2.1 JWT-bearer grant: `POST token_url` with
    /// `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer` and an assertion with
    /// `issuer`, `audience`, optional `subject` and `extra_claims` (a JSON object), living
    /// `lifetime_secs` (default 180), and the form's `scope` when `scopes` are given.
    /// Salesforce: `issuer` the connected app's consumer key, `subject` the user name,
    /// `audience` `https://login.salesforce.com`.
    ///
    /// # Errors
    /// [`AuthError::InvalidConfiguration`] for a non-HTTPS URL, an empty issuer or audience,
    /// invalid extra claims or scopes, a lifetime under 10 s, or invalid options.
    #[uniffi::constructor(name = "jwt_bearer", default(
        subject = None,
        scopes = [],
        extra_claims = None,
        lifetime_secs = 180,
        options = None
    ))]
    // Each argument is a keyword argument with a default in Python, Kotlin and Swift; Rust
    // callers give a `JwtOptions`.
    #[allow(clippy::too_many_arguments)]
    fn ffi_jwt_bearer(
        token_url: &str,
        signer: Arc<dyn JwtSigner>,
        issuer: &str,
        audience: &str,
        subject: Option<String>,
        scopes: Vec<String>,
        extra_claims: Option<String>,
        lifetime_secs: u64,
        options: Option<TokenOptions>,
    ) -> Result<Arc<Self>> {
        Self::jwt_bearer_owned(
            token_url,
            signer,
            issuer,
            audience,
            subject,
            scopes,
            parse_claims(extra_claims)?,
            lifetime_secs,
            options,
        )
        .map(Arc::new)
    }
}

impl TokenManager {
    fn google_service_account_owned(
        key_json: &str,
        scopes: Vec<String>,
        options: Option<TokenOptions>,
    ) -> Result<Self> {
        let account = ServiceAccount::parse(key_json)?;
        check_scopes(&scopes)?;
        if scopes.is_empty() {
            return Err(AuthError::invalid_configuration(
                "a service account needs at least one scope; for a self-signed JWT without \
                 a token request, use google_service_account_jwt",
            ));
        }
        let mut extra = Map::new();
        extra.insert("scope".into(), Value::String(scopes.join(" ")));
        let source = Source::JwtBearer {
            url: check_url(&account.token_uri)?,
            assertion: Assertion {
                signer: account.signer,
                issuer: account.client_email,
                subject: None,
                audience: account.token_uri,
                lifetime: GOOGLE_LIFETIME,
                backdate: Duration::ZERO,
                unique_id: false,
                extra,
                required: Some(JwtAlgorithm::Rs256),
            },
            scopes: Vec::new(),
        };
        Self::build(source, options, "google_service_account")
    }

    fn google_service_account_jwt_owned(
        key_json: &str,
        audience: &str,
        options: Option<TokenOptions>,
    ) -> Result<Self> {
        let account = ServiceAccount::parse(key_json)?;
        if audience.is_empty() {
            return Err(AuthError::invalid_configuration("the audience is empty"));
        }
        let source = Source::SelfSigned {
            assertion: Assertion {
                signer: account.signer,
                issuer: account.client_email.clone(),
                subject: Some(account.client_email),
                audience: audience.to_owned(),
                lifetime: GOOGLE_LIFETIME,
                backdate: Duration::ZERO,
                unique_id: false,
                extra: Map::new(),
                required: Some(JwtAlgorithm::Rs256),
            },
        };
        Self::build(source, options, "google_service_account_jwt")
    }

    fn github_app_owned(
        app_id: &str,
        installation_id: u64,
        signer: Arc<dyn JwtSigner>,
        api_url: Option<&str>,
        options: Option<TokenOptions>,
    ) -> Result<Self> {
        if app_id.is_empty() {
            return Err(AuthError::invalid_configuration(
                "the GitHub app id is empty",
            ));
        }
        let api_url = api_url.unwrap_or("https://api.github.com");
        let url = check_url(&format!(
            "{}/app/installations/{installation_id}/access_tokens",
            api_url.trim_end_matches('/')
        ))?;
        let source = Source::GitHubApp {
            url,
            assertion: Assertion {
                signer,
                issuer: app_id.to_owned(),
                subject: None,
                audience: String::new(),
                lifetime: GITHUB_LIFETIME,
                backdate: GITHUB_BACKDATE,
                unique_id: false,
                extra: Map::new(),
                required: Some(JwtAlgorithm::Rs256),
            },
        };
        Self::build(source, options, "github_app")
    }

    fn self_signed_jwt_owned(
        signer: Arc<dyn JwtSigner>,
        issuer: &str,
        audience: &str,
        subject: Option<String>,
        lifetime_secs: u64,
        extra_claims: Map<String, Value>,
        options: Option<TokenOptions>,
    ) -> Result<Self> {
        if issuer.is_empty() || audience.is_empty() {
            return Err(AuthError::invalid_configuration(
                "the issuer and the audience must not be empty",
            ));
        }
        let source = Source::SelfSigned {
            assertion: Assertion {
                signer,
                issuer: issuer.to_owned(),
                subject,
                audience: audience.to_owned(),
                lifetime: lifetime(lifetime_secs, None, "self_signed_jwt")?,
                backdate: Duration::ZERO,
                unique_id: false,
                extra: extra_claims,
                required: None,
            },
        };
        Self::build(source, options, "self_signed_jwt")
    }

    fn app_store_connect_owned(
        issuer_id: &str,
        signer: Arc<dyn JwtSigner>,
        lifetime_secs: u64,
        options: Option<TokenOptions>,
    ) -> Result<Self> {
        if issuer_id.is_empty() {
            return Err(AuthError::invalid_configuration("the issuer id is empty"));
        }
        if signer.key_id().is_none_or(|kid| kid.is_empty()) {
            return Err(AuthError::invalid_configuration(
                "App Store Connect needs the key id as kid: pem_signer(pem, key_id)",
            ));
        }
        let source = Source::SelfSigned {
            assertion: Assertion {
                signer,
                issuer: issuer_id.to_owned(),
                subject: None,
                audience: "appstoreconnect-v1".to_owned(),
                lifetime: lifetime(
                    lifetime_secs,
                    Some(APP_STORE_CONNECT_MAX),
                    "app_store_connect",
                )?,
                backdate: Duration::ZERO,
                unique_id: false,
                extra: Map::new(),
                required: Some(JwtAlgorithm::Es256),
            },
        };
        Self::build(source, options, "app_store_connect")
    }

    fn client_credentials_private_key_jwt_owned(
        token_url: &str,
        client_id: &str,
        signer: Arc<dyn JwtSigner>,
        scopes: Vec<String>,
        options: Option<TokenOptions>,
    ) -> Result<Self> {
        if client_id.is_empty() {
            return Err(AuthError::invalid_configuration("the client id is empty"));
        }
        check_scopes(&scopes)?;
        let url = check_url(token_url)?;
        let source = Source::ClientCredentials {
            private_key_jwt: Some(Assertion {
                signer,
                issuer: client_id.to_owned(),
                subject: Some(client_id.to_owned()),
                audience: url.as_str().to_owned(),
                lifetime: CLIENT_ASSERTION_LIFETIME,
                backdate: Duration::ZERO,
                unique_id: true,
                extra: Map::new(),
                required: None,
            }),
            url,
            client_id: Secret::new(client_id),
            client_secret: Secret::new(""),
            scopes,
            method: Default::default(),
        };
        Self::build(source, options, "client_credentials_private_key_jwt")
    }

    // The shared body of `jwt_bearer` and its bindings' twin.
    #[allow(clippy::too_many_arguments)]
    fn jwt_bearer_owned(
        token_url: &str,
        signer: Arc<dyn JwtSigner>,
        issuer: &str,
        audience: &str,
        subject: Option<String>,
        scopes: Vec<String>,
        extra_claims: Map<String, Value>,
        lifetime_secs: u64,
        options: Option<TokenOptions>,
    ) -> Result<Self> {
        if issuer.is_empty() || audience.is_empty() {
            return Err(AuthError::invalid_configuration(
                "the issuer and the audience must not be empty",
            ));
        }
        check_scopes(&scopes)?;
        let source = Source::JwtBearer {
            url: check_url(token_url)?,
            assertion: Assertion {
                signer,
                issuer: issuer.to_owned(),
                subject,
                audience: audience.to_owned(),
                lifetime: lifetime(lifetime_secs, None, "jwt_bearer")?,
                backdate: Duration::ZERO,
                unique_id: true,
                extra: extra_claims,
                required: None,
            },
            scopes,
        };
        Self::build(source, options, "jwt_bearer")
    }
}
