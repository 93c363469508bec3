//! The demo's two local servers, on 127.0.0.1 with random ports: an XTD-shaped token server
//! (`POST /v1/token`) with optional injected faults, and a protected resource
//! (`GET /resource`) that accepts only tokens the token server issued and that have not
//! expired.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, RETRY_AFTER, WWW_AUTHENTICATE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// How long a `slow` fault delays the token response.
pub const SLOW_DELAY: Duration = Duration::from_millis(1500);
/// The `Retry-After` (seconds) sent with an injected 429.
pub const RETRY_AFTER_SECS: u64 = 1;

/// Which faults the token server injects, and how often.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Faults {
    /// Answer 503 Service Unavailable.
    pub server_error: bool,
    /// Answer 429 Too Many Requests with `Retry-After`.
    pub rate_limit: bool,
    /// Answer correctly, but only after [`SLOW_DELAY`].
    pub slow: bool,
    /// Revoke an issued token partway through its life, so the resource answers 401 to it.
    pub revoke: bool,
    /// The fraction of token requests that get one of the enabled faults, in [0, 1].
    pub rate: f64,
}

impl Faults {
    /// Whether any fault is enabled.
    pub fn any(&self) -> bool {
        self.server_error || self.rate_limit || self.slow || self.revoke
    }

    /// Draws the fault for one request, if any.
    fn draw(&self) -> Option<Fault> {
        if !(self.server_error || self.rate_limit || self.slow) || fastrand::f64() >= self.rate {
            return None;
        }
        let enabled: Vec<Fault> = [
            (self.server_error, Fault::ServerError),
            (self.rate_limit, Fault::RateLimit),
            (self.slow, Fault::Slow),
        ]
        .into_iter()
        .filter_map(|(on, fault)| on.then_some(fault))
        .collect();
        Some(enabled[fastrand::usize(..enabled.len())])
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    ServerError,
    RateLimit,
    Slow,
}

/// What the servers counted.
#[derive(Debug, Default)]
pub struct ServerCounters {
    /// Token requests received (faulty answers included).
    pub token_requests: AtomicU64,
    /// Tokens issued.
    pub tokens_issued: AtomicU64,
    /// Token requests answered with an injected 503.
    pub injected_5xx: AtomicU64,
    /// Token requests answered with an injected 429.
    pub injected_429: AtomicU64,
    /// Token requests answered late on purpose.
    pub injected_slow: AtomicU64,
    /// Tokens revoked before their expiry.
    pub injected_revoke: AtomicU64,
    /// Resource calls answered 200.
    pub resource_ok: AtomicU64,
    /// Resource calls with no Bearer token.
    pub resource_missing: AtomicU64,
    /// Resource calls with a token the token server never issued.
    pub resource_unknown: AtomicU64,
    /// Resource calls with a token that was revoked (the `revoke` fault).
    pub resource_revoked: AtomicU64,
    /// Resource calls with an issued token past its expiry.
    pub resource_expired: AtomicU64,
}

/// The state both servers share: the demo's API key and every token issued, with its expiry.
#[derive(Debug)]
pub struct DemoServers {
    api_key: String,
    lifetime: Duration,
    faults: Faults,
    issued: RwLock<HashMap<String, Token>>,
    /// What the servers counted.
    pub counters: ServerCounters,
    /// The token endpoint, `http://127.0.0.1:<port>/v1/token`.
    pub token_url: String,
    /// The protected resource, `http://127.0.0.1:<port>/resource`.
    pub resource_url: String,
}

impl DemoServers {
    /// Binds both servers to random loopback ports and serves them on the current tokio
    /// runtime until it shuts down.
    ///
    /// # Errors
    /// When a port cannot be bound.
    pub async fn start(
        api_key: String,
        lifetime: Duration,
        faults: Faults,
    ) -> std::io::Result<Arc<Self>> {
        let loopback = SocketAddr::from(([127, 0, 0, 1], 0));
        let token_listener = TcpListener::bind(loopback).await?;
        let resource_listener = TcpListener::bind(loopback).await?;
        let servers = Arc::new(Self {
            api_key,
            lifetime,
            faults,
            issued: RwLock::new(HashMap::new()),
            counters: ServerCounters::default(),
            token_url: format!("http://{}/v1/token", token_listener.local_addr()?),
            resource_url: format!("http://{}/resource", resource_listener.local_addr()?),
        });
        tokio::spawn(accept_loop(
            token_listener,
            Arc::clone(&servers),
            Role::TokenServer,
        ));
        tokio::spawn(accept_loop(
            resource_listener,
            Arc::clone(&servers),
            Role::Resource,
        ));
        Ok(servers)
    }

    /// Binds one server for `authwire demo --serve` to `127.0.0.1:port` (0 for a random
    /// port) that answers every route: `POST /v1/token`, `POST /oauth/token`,
    /// `GET /resource`, and the CSRF fetch `HEAD|GET /csrf` (Basic `demo:demo`). Returns the
    /// servers and the base URL.
    ///
    /// # Errors
    /// When the port cannot be bound.
    pub async fn start_single(
        port: u16,
        api_key: String,
        lifetime: Duration,
        faults: Faults,
    ) -> std::io::Result<(Arc<Self>, String)> {
        let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await?;
        let base = format!("http://{}", listener.local_addr()?);
        let servers = Arc::new(Self {
            api_key,
            lifetime,
            faults,
            issued: RwLock::new(HashMap::new()),
            counters: ServerCounters::default(),
            token_url: format!("{base}/v1/token"),
            resource_url: format!("{base}/resource"),
        });
        tokio::spawn(accept_loop(listener, Arc::clone(&servers), Role::All));
        Ok((servers, base))
    }

    /// `POST /v1/token`, XTD: `{"apiKey": ...}` → `{"token": ..., "expirationTime": <secs>}`.
    async fn token(self: &Arc<Self>, request: Request<Incoming>) -> Response<Full<Bytes>> {
        if request.method() != Method::POST || request.uri().path() != "/v1/token" {
            return json(StatusCode::NOT_FOUND, r#"{"message":"POST /v1/token"}"#);
        }
        self.counters.token_requests.fetch_add(1, Ordering::Relaxed);
        let Ok(body) = request.into_body().collect().await else {
            return json(
                StatusCode::BAD_REQUEST,
                r#"{"message":"the request body broke off"}"#,
            );
        };
        let body: serde_json::Value = serde_json::from_slice(&body.to_bytes()).unwrap_or_default();
        if body.get("apiKey").and_then(|k| k.as_str()) != Some(self.api_key.as_str()) {
            return json(StatusCode::UNAUTHORIZED, r#"{"message":"unknown API key"}"#);
        }
        if let Some(response) = self.inject_fault().await {
            return response;
        }
        let token = self.issue();
        let answer =
            serde_json::json!({ "token": token, "expirationTime": self.lifetime.as_secs() });
        json(StatusCode::OK, &answer.to_string())
    }

    /// `POST /oauth/token` (`demo --serve` only), OAuth2 client credentials for client
    /// `demo-client` with secret `demo-secret`, by HTTP Basic or in the form.
    async fn oauth(self: &Arc<Self>, request: Request<Incoming>) -> Response<Full<Bytes>> {
        if request.method() != Method::POST {
            return json(
                StatusCode::METHOD_NOT_ALLOWED,
                r#"{"error":"invalid_request"}"#,
            );
        }
        self.counters.token_requests.fetch_add(1, Ordering::Relaxed);
        // base64("demo-client:demo-secret")
        let basic = request
            .headers()
            .get(AUTHORIZATION)
            .is_some_and(|v| v == "Basic ZGVtby1jbGllbnQ6ZGVtby1zZWNyZXQ=");
        let Ok(body) = request.into_body().collect().await else {
            return json(StatusCode::BAD_REQUEST, r#"{"error":"invalid_request"}"#);
        };
        let form: HashMap<String, String> = form_urlencoded::parse(&body.to_bytes())
            .into_owned()
            .collect();
        let field = |name: &str| form.get(name).map(String::as_str);
        if field("grant_type") != Some("client_credentials") {
            return json(
                StatusCode::BAD_REQUEST,
                r#"{"error":"unsupported_grant_type"}"#,
            );
        }
        let posted = field("client_id") == Some("demo-client")
            && field("client_secret") == Some("demo-secret");
        if !(basic || posted) {
            return json(
                StatusCode::UNAUTHORIZED,
                r#"{"error":"invalid_client","error_description":"unknown client or wrong secret"}"#,
            );
        }
        if let Some(response) = self.inject_fault().await {
            return response;
        }
        let token = self.issue();
        let mut answer = serde_json::json!({
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": self.lifetime.as_secs(),
        });
        if let Some(scope) = field("scope") {
            answer["scope"] = scope.into();
        }
        json(StatusCode::OK, &answer.to_string())
    }

    /// Draws a fault for one token request: returns the faulty answer, or delays and
    /// returns `None` for `slow`, or returns `None` at once.
    async fn inject_fault(&self) -> Option<Response<Full<Bytes>>> {
        match self.faults.draw()? {
            Fault::ServerError => {
                self.counters.injected_5xx.fetch_add(1, Ordering::Relaxed);
                Some(json(
                    StatusCode::SERVICE_UNAVAILABLE,
                    r#"{"message":"injected fault: 503"}"#,
                ))
            }
            Fault::RateLimit => {
                self.counters.injected_429.fetch_add(1, Ordering::Relaxed);
                let mut response = json(
                    StatusCode::TOO_MANY_REQUESTS,
                    r#"{"message":"injected fault: 429"}"#,
                );
                response
                    .headers_mut()
                    .insert(RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
                Some(response)
            }
            Fault::Slow => {
                self.counters.injected_slow.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(SLOW_DELAY).await;
                None
            }
        }
    }

    /// Issues a new token, valid for the lifetime from now (after any delay), and with the
    /// `revoke` fault maybe schedules its revocation.
    fn issue(self: &Arc<Self>) -> String {
        let token = new_token(self.lifetime);
        let expires_at = Instant::now() + self.lifetime;
        self.issued
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(
                token.clone(),
                Token {
                    expires_at,
                    revoked: false,
                },
            );
        self.counters.tokens_issued.fetch_add(1, Ordering::Relaxed);
        if self.faults.revoke && fastrand::f64() < self.faults.rate {
            self.schedule_revocation(token.clone());
        }
        token
    }

    /// Revokes `token` at a random point between 20 % and 80 % of its lifetime.
    fn schedule_revocation(self: &Arc<Self>, token: String) {
        let servers = Arc::clone(self);
        let after = self.lifetime.mul_f64(0.2 + 0.6 * fastrand::f64());
        tokio::spawn(async move {
            tokio::time::sleep(after).await;
            let mut issued = servers.issued.write().unwrap_or_else(|e| e.into_inner());
            if let Some(entry) = issued.get_mut(&token) {
                entry.revoked = true;
                servers
                    .counters
                    .injected_revoke
                    .fetch_add(1, Ordering::Relaxed);
            }
        });
    }

    fn resource(&self, request: &Request<Incoming>) -> Response<Full<Bytes>> {
        if request.method() != Method::GET || request.uri().path() != "/resource" {
            return json(StatusCode::NOT_FOUND, r#"{"message":"GET /resource"}"#);
        }
        let now = Instant::now();
        let token = request
            .headers()
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim());
        let Some(token) = token else {
            self.counters
                .resource_missing
                .fetch_add(1, Ordering::Relaxed);
            return unauthorized("invalid_request", "no Bearer token");
        };
        let entry = self
            .issued
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(token)
            .copied();
        match entry {
            None => {
                self.counters
                    .resource_unknown
                    .fetch_add(1, Ordering::Relaxed);
                unauthorized("invalid_token", "unknown token")
            }
            Some(Token { expires_at, .. }) if now >= expires_at => {
                self.counters
                    .resource_expired
                    .fetch_add(1, Ordering::Relaxed);
                unauthorized("invalid_token", "the token expired")
            }
            Some(Token { revoked: true, .. }) => {
                self.counters
                    .resource_revoked
                    .fetch_add(1, Ordering::Relaxed);
                unauthorized("invalid_token", "the token was revoked")
            }
            Some(_) => {
                self.counters.resource_ok.fetch_add(1, Ordering::Relaxed);
                json(StatusCode::OK, r#"{"ok":true}"#)
            }
        }
    }
}

/// An issued token's state.
#[derive(Debug, Clone, Copy)]
struct Token {
    expires_at: Instant,
    revoked: bool,
}

#[derive(Debug, Clone, Copy)]
enum Role {
    TokenServer,
    Resource,
    /// Every route on one port (`demo --serve`).
    All,
}

async fn accept_loop(listener: TcpListener, servers: Arc<DemoServers>, role: Role) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(_) => {
                // Out of file descriptors or similar: give the system a moment.
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let servers = Arc::clone(&servers);
        tokio::spawn(async move {
            let service = service_fn(move |request: Request<Incoming>| {
                let servers = Arc::clone(&servers);
                async move {
                    let response = match role {
                        Role::TokenServer => servers.token(request).await,
                        Role::Resource => servers.resource(&request),
                        Role::All => match request.uri().path() {
                            "/v1/token" => servers.token(request).await,
                            "/oauth/token" => servers.oauth(request).await,
                            "/csrf" => csrf(&request),
                            _ => servers.resource(&request),
                        },
                    };
                    Ok::<_, Infallible>(response)
                }
            });
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// The CSRF fetch of `demo --serve`: `X-CSRF-Token: fetch` with Basic `demo:demo` gets a
/// fresh token and a session cookie.
fn csrf(request: &Request<Incoming>) -> Response<Full<Bytes>> {
    if request.method() != Method::HEAD && request.method() != Method::GET {
        return json(
            StatusCode::METHOD_NOT_ALLOWED,
            r#"{"message":"HEAD or GET /csrf"}"#,
        );
    }
    let header = |name: &str| request.headers().get(name).and_then(|v| v.to_str().ok());
    // base64("demo:demo")
    if header("authorization") != Some("Basic ZGVtbzpkZW1v") {
        return json(
            StatusCode::UNAUTHORIZED,
            r#"{"message":"use Basic demo:demo"}"#,
        );
    }
    if !header("x-csrf-token").is_some_and(|v| v.eq_ignore_ascii_case("fetch")) {
        let mut response = json(
            StatusCode::FORBIDDEN,
            r#"{"message":"CSRF token required"}"#,
        );
        response
            .headers_mut()
            .insert("x-csrf-token", HeaderValue::from_static("Required"));
        return response;
    }
    let mut response = json(StatusCode::OK, "{}");
    let token = format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..));
    let cookie = format!("demo-session={:016x}; Path=/; HttpOnly", fastrand::u64(..));
    for (name, value) in [("x-csrf-token", token), ("set-cookie", cookie)] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            response.headers_mut().append(name, value);
        }
    }
    response
}

fn json(status: StatusCode, body: &str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body.to_owned())));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

fn unauthorized(error: &'static str, description: &'static str) -> Response<Full<Bytes>> {
    let mut response = json(StatusCode::UNAUTHORIZED, r#"{"message":"unauthorized"}"#);
    let challenge = format!(r#"Bearer error="{error}", error_description="{description}""#);
    if let Ok(value) = HeaderValue::from_str(&challenge) {
        response.headers_mut().insert(WWW_AUTHENTICATE, value);
    }
    response
}

/// A random JWT-shaped token (`header.claims.signature`, unsigned) with `iat` and `exp`.
fn new_token(lifetime: Duration) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let claims = serde_json::json!({
        "sub": "authwire-demo",
        "iat": now,
        "exp": now + lifetime.as_secs(),
        "jti": format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..)),
    });
    let claims = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signature: Vec<u8> = std::iter::repeat_with(|| fastrand::u8(..))
        .take(32)
        .collect();
    format!("{header}.{claims}.{}", URL_SAFE_NO_PAD.encode(signature))
}
