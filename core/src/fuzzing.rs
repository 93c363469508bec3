//! Entry points for the fuzz targets in `fuzz/` (cargo feature `fuzzing`, never on in a
//! release or default build).
//!
//! A thin facade over the core's internal parsers and checks, so that the targets drive the
//! real code without widening the public API: each function here calls the same function the
//! token engine calls, with the core's own types converted to plain ones at the edge. The one
//! copy is the scrubbing of server text (the engine's loop over `Source::secret_forms`,
//! which is private to the engine); the engine target goes through the engine's own.
//! Nothing here is a stable interface.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use crate::credential::{ClientAuthMethod, ExpiryFormat, Source};
use crate::error::AuthError;
use crate::exchange::{Endpoint, Response, Retry};
use crate::secret::{REDACTED, Secret};
use crate::token::options::TokenOptions;
use crate::token::{Clock, Mono, TokenManager};
use crate::transport::{HttpResponse, HttpTransport, HttpTransportError, TransportSettings};

/// The token URL every fuzzed source is configured with.
pub const TOKEN_URL: &str = "https://auth.example.com/oauth/token?tenant=fuzz";

/// Which credential source reads the answer: each has its own answer format.
#[derive(Debug, Clone)]
pub enum AnswerKind {
    /// XTD: `{"token", "expirationTime"}` (seconds from now).
    ApiKeyExchange,
    /// OAuth2 client credentials: `access_token`, `expires_in`, `token_type`; JSON or
    /// form-urlencoded.
    ClientCredentials,
    /// A configured JSON exchange.
    Custom {
        /// Dotted path of the token.
        token_field: String,
        /// Dotted path of the expiry, if any.
        expiry_field: Option<String>,
        /// What the expiry means.
        expiry_format: ExpiryFormat,
        /// The scheme of the header; give a valid RFC 9110 token (the manager checks it
        /// when it is built).
        scheme: String,
    },
    /// A CSRF fetch: `x-csrf-token` and `set-cookie` headers.
    Csrf,
}

/// A response as a transport returns it.
#[derive(Debug, Clone, Default)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The headers, names in any case.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

/// A token read from an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedToken {
    /// The bare token.
    pub token: String,
    /// The `Authorization` value built from it.
    pub authorization: String,
    /// The `Cookie` value captured with a CSRF token.
    pub cookie: Option<String>,
    /// The lifetime the answer announced.
    pub lifetime: Option<Duration>,
}

/// A refused answer: the error, and whether (and after how long) the policy would retry.
#[derive(Debug, Clone)]
pub struct Refused {
    /// The error the caller would get.
    pub error: AuthError,
    /// `None`: not retried; `Some(after)`: retried, after `after` when the server said so.
    pub retry: Option<Option<Duration>>,
}

fn source(kind: &AnswerKind, secret: &str) -> Source {
    let url = Endpoint::parse(TOKEN_URL).expect("a valid URL");
    match kind {
        AnswerKind::ApiKeyExchange => Source::ApiKeyExchange {
            url,
            encoded_key: Secret::new(secret),
        },
        AnswerKind::ClientCredentials => Source::ClientCredentials {
            url,
            client_id: Secret::new("fuzz-client"),
            client_secret: Secret::new(secret),
            scopes: vec!["read".to_owned()],
            method: ClientAuthMethod::ClientSecretBasic,
            private_key_jwt: None,
        },
        AnswerKind::Custom {
            token_field,
            expiry_field,
            expiry_format,
            scheme,
        } => Source::Custom {
            url,
            body: Secret::new(serde_json::json!({ "key": secret }).to_string()),
            headers: vec![("x-api-key".to_owned(), Secret::new(secret))],
            token_field: token_field.clone(),
            expiry_field: expiry_field.clone(),
            expiry_format: *expiry_format,
            scheme: scheme.clone(),
        },
        AnswerKind::Csrf => Source::Csrf {
            url,
            method: crate::CsrfFetchMethod::Head,
            authorization: Secret::new(
                crate::header::basic_auth("fuzz-user", secret)
                    .unwrap_or_else(|_| "Basic ZnV6ejp4".to_owned()),
            ),
        },
    }
}

/// The engine's scrubbing of server text (every form of the source's secrets replaced by
/// `[redacted]`, longest first), over [`Source::secret_forms`].
fn scrubber(source: &Source) -> impl Fn(String) -> String {
    let forms = source.secret_forms();
    move |mut text: String| {
        for secret in &forms {
            if text.contains(secret.expose()) {
                text = text.replace(secret.expose(), REDACTED);
            }
        }
        text
    }
}

fn response(answer: &Answer) -> Response {
    Response {
        status: answer.status,
        headers: answer
            .headers
            .iter()
            .map(|(n, v)| (n.to_ascii_lowercase(), v.clone()))
            .collect(),
        body: answer.body.clone(),
    }
}

fn refused(error: crate::exchange::AttemptError) -> Refused {
    Refused {
        error: error.error,
        retry: match error.retry {
            Retry::No => None,
            Retry::Yes { after } => Some(after),
        },
    }
}

/// Reads a token answer (or classifies an error answer) exactly as the engine does, for a
/// source of `kind` whose secret is `secret`, at wall time `wall_now` since the Unix epoch.
///
/// # Errors
/// The refusal the engine would record for this answer.
pub fn parse_token_answer(
    kind: &AnswerKind,
    secret: &str,
    answer: &Answer,
    wall_now: Duration,
) -> Result<ParsedToken, Refused> {
    let source = source(kind, secret);
    let scrub = scrubber(&source);
    source
        .parse(&response(answer), wall_now, &scrub)
        .map(|fetched| ParsedToken {
            token: fetched.token.expose().to_owned(),
            authorization: fetched.authorization.expose().to_owned(),
            cookie: fetched.cookie.as_ref().map(|c| c.expose().to_owned()),
            lifetime: fetched.lifetime,
        })
        .map_err(refused)
}

/// The lifetime a JWT's `exp` (and `iat`) announce, in seconds.
pub fn jwt_lifetime_secs(token: &str, wall_now_secs: f64) -> Option<f64> {
    crate::credential::jwt::lifetime_secs(token, wall_now_secs)
}

/// An IMF-fixdate (`Date`, `Retry-After`).
pub fn httpdate_parse(value: &str) -> Option<SystemTime> {
    crate::exchange::httpdate_parse(value)
}

/// An RFC 3339 date-time as seconds since the Unix epoch.
pub fn rfc3339_secs(value: &str) -> Option<f64> {
    crate::exchange::rfc3339_secs(value)
}

/// The `Retry-After` delay of an answer.
pub fn retry_after(answer: &Answer) -> Option<Duration> {
    crate::exchange::retry_after(&response(answer))
}

/// The kind of key a PEM text holds (`pkcs8`, `pkcs1`, `sec1`).
///
/// # Errors
/// The reader's message, which names the problem and never the key.
#[cfg(feature = "jwt-signer")]
pub fn read_private_key(pem: &str) -> Result<&'static str, String> {
    use crate::credential::pem::KeyDer;
    crate::credential::pem::read_private_key(pem).map(|der| match der {
        KeyDer::Pkcs8(_) => "pkcs8",
        KeyDer::Pkcs1(_) => "pkcs1",
        KeyDer::Sec1(_) => "sec1",
    })
}

/// Whether a token-endpoint URL is accepted (HTTPS, or HTTP to loopback), and if so its
/// normalised form.
///
/// # Errors
/// The configuration error the constructors return.
pub fn check_url(text: &str) -> Result<String, AuthError> {
    crate::transport::check_url(text).map(|url| url.as_str().to_owned())
}

/// A token entry as kept in a store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEntry {
    /// The bare token.
    pub token: String,
    /// The `Authorization` value.
    pub authorization: String,
    /// The CSRF cookie, if any.
    pub cookie: Option<String>,
    /// When it was requested, in milliseconds since the Unix epoch.
    pub issued_at_ms: u64,
    /// Its lifetime in milliseconds.
    pub lifetime_ms: u64,
}

/// The sealing of one credential's store entries.
pub struct StoreSealer(crate::store::seal::Sealer);

impl StoreSealer {
    /// The sealer of an API-key exchange with `encoded_key` at [`TOKEN_URL`].
    pub fn for_api_key(encoded_key: &str) -> Self {
        let source = source(&AnswerKind::ApiKeyExchange, encoded_key);
        Self(crate::store::seal::Sealer::for_source(&source).expect("a requesting source"))
    }

    /// Seals an entry.
    pub fn seal(&self, entry: &StoredEntry) -> Vec<u8> {
        self.0.seal(&crate::store::seal::Entry {
            token: Secret::new(entry.token.as_str()),
            authorization: Secret::new(entry.authorization.as_str()),
            cookie: entry.cookie.as_deref().map(Secret::new),
            issued_at: Duration::from_millis(entry.issued_at_ms),
            lifetime: Duration::from_millis(entry.lifetime_ms),
        })
    }

    /// Opens stored bytes.
    ///
    /// # Errors
    /// Why the entry was refused.
    pub fn open(&self, bytes: &[u8]) -> Result<StoredEntry, &'static str> {
        self.0
            .open(bytes)
            .map(|entry| StoredEntry {
                token: entry.token.expose().to_owned(),
                authorization: entry.authorization.expose().to_owned(),
                cookie: entry.cookie.as_ref().map(|c| c.expose().to_owned()),
                issued_at_ms: u64::try_from(entry.issued_at.as_millis()).unwrap_or(u64::MAX),
                lifetime_ms: u64::try_from(entry.lifetime.as_millis()).unwrap_or(u64::MAX),
            })
            .map_err(|rejected| rejected.reason())
    }

    /// The store key the entries live under.
    pub fn token_key(&self) -> &str {
        &self.0.token_key
    }
}

/// A transport that returns one prepared outcome.
struct OneAnswer(std::sync::Mutex<Option<Result<HttpResponse, HttpTransportError>>>);

#[async_trait::async_trait]
impl HttpTransport for OneAnswer {
    async fn send(&self, _request: crate::HttpRequest) -> Result<HttpResponse, HttpTransportError> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .unwrap_or_else(|| {
                Err(HttpTransportError::Network {
                    reason: "no second answer".to_owned(),
                })
            })
    }
}

thread_local! {
    static GUARD_RUNTIME: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a current-thread runtime");
}

/// Sends one request to [`TOKEN_URL`] through the transport guard, with a transport that
/// returns `outcome`, a body limit of `max_body` bytes, and a scrubber that knows `secret`.
/// Returns the checked response (names lower-cased) or the attempt's refusal.
///
/// # Errors
/// The guard's refusal: a redirect, an impossible status, a body over the limit, or the
/// transport's own error (scrubbed).
pub fn guard_send(
    outcome: Result<HttpResponse, HttpTransportError>,
    max_body: u64,
    secret: &str,
) -> Result<Answer, Refused> {
    let settings = TransportSettings {
        transport: Some(Arc::new(OneAnswer(std::sync::Mutex::new(Some(outcome))))),
        blocking_transport: None,
        connect_timeout: Duration::from_secs(5),
        request_timeout: Duration::from_secs(60),
        max_body_bytes: max_body,
    };
    let url = Endpoint::parse(TOKEN_URL).expect("a valid URL");
    let guarded = crate::transport::Guarded::new(&settings, Some(&url))
        .map_err(|error| Refused { error, retry: None })?;
    let source = source(&AnswerKind::ApiKeyExchange, secret);
    let scrub = scrubber(&source);
    let request = crate::exchange::Request {
        method: "POST",
        url,
        headers: vec![("content-type".to_owned(), Secret::new("application/json"))],
        body: Some(Secret::new("{}")),
    };
    GUARD_RUNTIME.with(|runtime| {
        runtime
            .block_on(guarded.send(request, &scrub))
            .map(|response| Answer {
                status: response.status,
                headers: response.headers,
                body: response.body,
            })
            .map_err(refused)
    })
}

/// A clock that moves only when told to: monotonic time from zero, wall time from a fixed
/// epoch offset plus the same amount.
pub struct TestClock {
    nanos: AtomicU64,
    wall_origin: Duration,
}

impl TestClock {
    /// A clock at monotonic zero, whose wall time starts at `wall_origin` (since the Unix
    /// epoch).
    pub fn new(wall_origin: Duration) -> Arc<Self> {
        Arc::new(Self {
            nanos: AtomicU64::new(0),
            wall_origin,
        })
    }

    /// Moves both clocks forward.
    pub fn advance(&self, by: Duration) {
        let by = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        self.nanos.fetch_add(by, Ordering::SeqCst);
    }

    /// The monotonic time elapsed since the clock was made.
    pub fn elapsed(&self) -> Duration {
        Duration::from_nanos(self.nanos.load(Ordering::SeqCst))
    }
}

impl Clock for TestClock {
    fn monotonic(&self) -> Mono {
        Mono(self.elapsed())
    }

    fn wall(&self) -> Duration {
        self.wall_origin + self.elapsed()
    }
}

/// An API-key-exchange manager at [`TOKEN_URL`] whose engine runs on `clock`. Give the
/// transport in `options`.
///
/// # Errors
/// As [`TokenManager::api_key_exchange`].
pub fn api_key_manager(
    encoded_key: &str,
    options: TokenOptions,
    clock: Arc<TestClock>,
) -> crate::Result<Arc<TokenManager>> {
    let source = source(&AnswerKind::ApiKeyExchange, encoded_key);
    TokenManager::build_with_clock(source, Some(options), "api_key_exchange", clock).map(Arc::new)
}

/// The bindings' form of [`scheme_auth_params`](crate::scheme_auth_params): names and values
/// as two lists.
///
/// # Errors
/// As `scheme_auth_params`, and when the lists differ in length.
pub fn scheme_auth_param_lists(
    scheme: &str,
    names: Vec<String>,
    values: Vec<String>,
) -> Result<String, AuthError> {
    crate::header::scheme_auth_param_lists(scheme, names, values)
}

/// Tasks alive on the core's own runtime (refreshes under way, in any state).
pub fn runtime_tasks_alive() -> usize {
    crate::runtime::get().metrics().num_alive_tasks()
}

/// The credentials of a value `scheme_auth` accepts, as it reads them: `None` for a single
/// token (token68), or the auth-params as `(name, unescaped value)` pairs.
///
/// # Errors
/// As `scheme_auth` for the credentials.
pub fn read_credentials(credentials: &str) -> Result<Option<Vec<(String, String)>>, AuthError> {
    crate::header::read_credentials(credentials)
}

/// The `(user, organization, element)` parts of an Open Connectors value, read back exactly
/// as `open_connectors_auth` writes them.
///
/// # Errors
/// Why the value is not one the builder writes.
pub fn read_open_connectors(
    value: &str,
) -> Result<(String, Option<String>, Option<String>), AuthError> {
    crate::header::read_open_connectors(value)
}
