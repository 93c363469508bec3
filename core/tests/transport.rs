//! The policy the core keeps whatever the transport: its own timeout, the body limit,
//! refused redirects, typed errors for failing transports, and no secret in any message.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use authwire::{
    ApiKey, AuthError, BlockingHttpTransport, CsrfSession, HttpRequest, HttpResponse,
    HttpTransport, HttpTransportError, NetworkErrorKind, TokenManager, TokenOptions,
};
use serde_json::json;
use support::server::{Reply, TestServer};
use support::transport::{BlockingTcpTransport, TcpTransport, with_transport};

const KEY: &str = "MmVlMmgwNTE2MjZsZnFzY2dsbGZjbXZxOWw6aG4zNXE3cjJzaG00OGI5NmtmYmIyc2xyZjllamRnMDlwbmpqOGZmM29iNDIwZDc4dmRm";
const TOKEN_URL: &str = "http://127.0.0.1:9/v1/token";

fn manager(url: &str, options: TokenOptions) -> Arc<TokenManager> {
    let key = ApiKey::from_encoded_key(KEY).unwrap();
    Arc::new(TokenManager::api_key_exchange(url, &key, Some(options)).unwrap())
}

fn through(transport: Arc<dyn HttpTransport>) -> TokenOptions {
    TokenOptions::default()
        .transport(transport)
        .backoff_initial(Duration::from_millis(10))
        .backoff_max(Duration::from_millis(20))
}

fn ok_response() -> HttpResponse {
    HttpResponse {
        status: 200,
        headers: vec![],
        body: json!({"token": "t-ok", "expirationTime": 300})
            .to_string()
            .into_bytes(),
    }
}

/// Never answers; records whether the core dropped (cancelled) the call.
#[derive(Default)]
struct Silent {
    calls: AtomicUsize,
    cancelled: Arc<AtomicBool>,
}

struct SetOnDrop(Arc<AtomicBool>);

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[async_trait::async_trait]
impl HttpTransport for Silent {
    async fn send(&self, _: HttpRequest) -> Result<HttpResponse, HttpTransportError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let _guard = SetOnDrop(self.cancelled.clone());
        futures::future::pending().await
    }
}

#[test]
fn a_transport_that_never_answers_gets_the_cores_timeout_and_is_cancelled() {
    let silent = Arc::new(Silent::default());
    let options = through(silent.clone())
        .request_timeout(Duration::from_millis(200))
        .max_attempts(2);
    let started = Instant::now();
    let error = manager(TOKEN_URL, options).authorization().unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        error,
        AuthError::Network {
            kind: NetworkErrorKind::ReadTimeout,
            reason:
                "http://127.0.0.1:9 did not answer in time (no answer within 200 ms): retry later"
                    .into()
        }
    );
    assert_eq!(
        silent.calls.load(Ordering::SeqCst),
        2,
        "a timeout is retried"
    );
    assert!(
        silent.cancelled.load(Ordering::SeqCst),
        "the call was dropped"
    );
}

/// Fails the first `failures` calls with `error`, then answers.
struct Flaky {
    failures: usize,
    calls: AtomicUsize,
    error: HttpTransportError,
}

#[async_trait::async_trait]
impl HttpTransport for Flaky {
    async fn send(&self, _: HttpRequest) -> Result<HttpResponse, HttpTransportError> {
        if self.calls.fetch_add(1, Ordering::SeqCst) < self.failures {
            Err(self.error.clone())
        } else {
            Ok(ok_response())
        }
    }
}

#[test]
fn a_transport_that_throws_gives_a_typed_error_and_the_manager_keeps_working() {
    // A foreign exception of another type arrives as Unexpected (uniffi's
    // UnexpectedUniFFICallbackError, converted by From).
    let unexpected: HttpTransportError =
        uniffi::UnexpectedUniFFICallbackError::new("java.lang.IllegalStateException: boom").into();
    for error in [
        unexpected,
        HttpTransportError::Network {
            reason: "connection reset".into(),
        },
    ] {
        let flaky = Arc::new(Flaky {
            failures: 3,
            calls: AtomicUsize::new(0),
            error: error.clone(),
        });
        let options = through(flaky.clone()).max_attempts(2);
        let manager = manager(TOKEN_URL, options);
        let failed = manager.authorization().unwrap_err();
        let AuthError::Network { kind, reason } = &failed else {
            panic!("{failed:?}")
        };
        assert_eq!(*kind, NetworkErrorKind::Other, "a failure without a kind");
        match &error {
            HttpTransportError::Unexpected { .. } => assert_eq!(
                reason,
                "the request to http://127.0.0.1:9 failed (the HTTP transport failed \
                 unexpectedly: java.lang.IllegalStateException: boom): retry later"
            ),
            HttpTransportError::Network { .. } => assert_eq!(
                reason,
                "the request to http://127.0.0.1:9 failed (connection reset): retry later"
            ),
            _ => unreachable!(),
        }
        assert_eq!(flaky.calls.load(Ordering::SeqCst), 2, "retried once");
        // After the cool-down the same manager recovers (third call fails, fourth answers).
        let deadline = Instant::now() + Duration::from_secs(3);
        let header = loop {
            match manager.authorization() {
                Ok(header) => break header,
                Err(_) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                Err(error) => panic!("did not recover: {error}"),
            }
        };
        assert_eq!(header, "Bearer t-ok");
    }
}

/// A host transport that says what kind of failure happened: a certificate failure fails at
/// once with its kind; a reset is retried; the events carry the kind.
#[test]
fn a_classified_transport_failure_is_retried_by_kind() {
    for (kind, retried) in [
        (NetworkErrorKind::CertificateUntrusted, false),
        (NetworkErrorKind::TlsHandshake, false),
        (NetworkErrorKind::NameNotResolved, false),
        (NetworkErrorKind::ConnectionReset, true),
        (NetworkErrorKind::NameResolutionTemporary, true),
    ] {
        let flaky = Arc::new(Flaky {
            failures: usize::MAX,
            calls: AtomicUsize::new(0),
            error: HttpTransportError::Classified {
                kind,
                reason: "the client's own words".into(),
            },
        });
        let events = Arc::new(support::Events::default());
        let options = through(flaky.clone()).max_attempts(3);
        let manager = manager(TOKEN_URL, options);
        manager.set_listener(Some(events.clone()));
        let failed = manager.authorization().unwrap_err();
        assert_eq!(failed.network_kind(), Some(kind), "{failed:?}");
        assert!(
            failed.to_string().contains("(the client's own words)"),
            "{failed}"
        );
        assert_eq!(kind.is_retried(), retried);
        assert_eq!(authwire::network_error_is_retried(kind), retried);
        let calls = flaky.calls.load(Ordering::SeqCst);
        assert_eq!(calls, if retried { 3 } else { 1 }, "{kind:?}");
        let seen = events.all();
        let retry_kinds: Vec<_> = seen
            .iter()
            .filter_map(|e| match e {
                authwire::AuthEvent::RefreshRetrying { network_kind, .. } => Some(*network_kind),
                _ => None,
            })
            .collect();
        assert_eq!(retry_kinds, vec![Some(kind); calls - 1]);
        assert!(seen.iter().any(|e| matches!(
            e,
            authwire::AuthEvent::RefreshFailed { network_kind: Some(k), .. } if *k == kind
        )));
    }
}

/// A secret that runs straight into the request's query in a transport's message is scrubbed
/// whole: secrets are removed before the URL and query are (a fuzzing finding).
#[test]
fn a_secret_running_into_the_query_is_scrubbed_whole() {
    let tail = &KEY[KEY.len() - 6..];
    let url = format!("http://127.0.0.1:9/v1/token?{tail}xyz");
    let flaky = Arc::new(Flaky {
        failures: usize::MAX,
        calls: AtomicUsize::new(0),
        error: HttpTransportError::Network {
            reason: format!("boom {KEY}xyz"),
        },
    });
    let options = through(flaky).max_attempts(1);
    let error = manager(&url, options).authorization().unwrap_err();
    let text = format!("{error} {error:?}");
    assert!(!text.contains(&KEY[..20]), "{text}");
    assert!(text.contains("boom [redacted]xyz"), "{text}");
}

/// A Rust blocking transport that panics: a typed error, no crash.
struct Panicking;

impl BlockingHttpTransport for Panicking {
    fn send(&self, _: HttpRequest) -> Result<HttpResponse, HttpTransportError> {
        panic!("a bug in the transport")
    }
}

#[test]
fn a_panicking_blocking_transport_gives_a_typed_error() {
    let options = TokenOptions::default()
        .blocking_transport(Arc::new(Panicking))
        .max_attempts(1);
    let error = manager(TOKEN_URL, options).authorization().unwrap_err();
    assert!(matches!(error, AuthError::Network { .. }), "{error:?}");
}

/// Answers with a body of `len` bytes.
struct Huge(usize);

#[async_trait::async_trait]
impl HttpTransport for Huge {
    async fn send(&self, _: HttpRequest) -> Result<HttpResponse, HttpTransportError> {
        Ok(HttpResponse {
            status: 200,
            headers: vec![],
            body: vec![b' '; self.0],
        })
    }
}

#[test]
fn a_30_mb_body_from_a_transport_is_an_invalid_response() {
    let error = manager(TOKEN_URL, through(Arc::new(Huge(30 << 20))))
        .authorization()
        .unwrap_err();
    assert_eq!(
        error,
        AuthError::InvalidResponse {
            reason: "the response body exceeds the limit of 65536 bytes".into()
        }
    );
}

#[test]
fn a_302_is_an_error_and_never_followed_by_any_transport() {
    let server = TestServer::start(|req, _| {
        if req.path == "/v1/token" {
            Reply::text(302, "").with_header("Location", "/elsewhere?apiKey=leak")
        } else {
            Reply::json(200, json!({"token": "followed", "expirationTime": 300}))
        }
    });
    let url = server.url("/v1/token");
    let mut transports: Vec<(&str, TokenOptions)> = vec![
        ("tcp", through(Arc::new(TcpTransport::default()))),
        (
            "blocking",
            TokenOptions::default().blocking_transport(Arc::new(BlockingTcpTransport::default())),
        ),
    ];
    if cfg!(feature = "reqwest-transport") {
        transports.push(("builtin", TokenOptions::default()));
    }
    for (name, options) in transports {
        let before = server.count();
        let error = manager(&url, options).authorization().unwrap_err();
        assert_eq!(
            server.count(),
            before + 1,
            "{name}: not retried, not followed"
        );
        let AuthError::HttpStatus { status, message } = &error else {
            panic!("{name}: {error:?}")
        };
        assert_eq!(*status, 302);
        assert!(message.contains("never follows"), "{name}: {message}");
        assert!(!error.to_string().contains("leak"), "{error}");
    }
}

/// A transport that answers with the given status and follows a 3xx itself (a transport
/// that breaks the contract): the core cannot see the redirect, but it still only reads the
/// final answer's status.
struct Status(u16);

#[async_trait::async_trait]
impl HttpTransport for Status {
    async fn send(&self, _: HttpRequest) -> Result<HttpResponse, HttpTransportError> {
        Ok(HttpResponse {
            status: self.0,
            headers: vec![],
            body: Vec::new(),
        })
    }
}

#[test]
fn impossible_statuses_are_invalid_responses() {
    for status in [0, 99, 600, 1000] {
        let error = manager(TOKEN_URL, through(Arc::new(Status(status))))
            .authorization()
            .unwrap_err();
        assert!(
            matches!(error, AuthError::InvalidResponse { .. }),
            "{error:?}"
        );
    }
}

/// Fails with a message that quotes everything it was given: the request body (the API
/// key), every header (Basic credentials) and the URL with its query.
struct Echoing;

fn echo(request: &HttpRequest) -> String {
    format!(
        "refused {} {} headers {:?} values {} body {}",
        request.method,
        request.url,
        request.headers,
        request
            .headers
            .iter()
            .map(|h| h.value.as_str())
            .collect::<Vec<_>>()
            .join(","),
        String::from_utf8_lossy(request.body.as_deref().unwrap_or_default())
    )
}

#[async_trait::async_trait]
impl HttpTransport for Echoing {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, HttpTransportError> {
        Err(HttpTransportError::Network {
            reason: echo(&request),
        })
    }
}

impl BlockingHttpTransport for Echoing {
    fn send(&self, request: HttpRequest) -> Result<HttpResponse, HttpTransportError> {
        Err(uniffi::UnexpectedUniFFICallbackError::new(echo(&request)).into())
    }
}

#[test]
fn no_secret_in_any_error_a_transport_produces() {
    let echoing = Arc::new(Echoing);
    let async_options = through(echoing.clone()).max_attempts(1);
    let blocking_options = TokenOptions::default()
        .blocking_transport(echoing)
        .max_attempts(1);
    for options in [async_options, blocking_options] {
        let url = "http://127.0.0.1:9/v1/token?tenant=acme-secret-tenant";
        let key_manager = manager(url, options.clone());
        let error = key_manager.authorization().unwrap_err();
        let session =
            CsrfSession::new(url, "alice", "pa55word!", None, Some(options.clone())).unwrap();
        let csrf_error = session.headers().unwrap_err();
        let client = TokenManager::client_credentials(
            url,
            "my-client",
            "s3cr3t/with+chars",
            &[],
            Some(options),
        )
        .unwrap();
        let client_error = client.authorization().unwrap_err();
        let basic = authwire::basic_auth("alice", "pa55word!").unwrap();
        for e in [&error, &csrf_error, &client_error] {
            for text in [e.to_string(), format!("{e:?}")] {
                assert!(text.contains("[redacted]"), "{text}");
                for secret in [
                    KEY,
                    "pa55word!",
                    basic.strip_prefix("Basic ").unwrap(),
                    "s3cr3t",
                    "acme-secret-tenant",
                ] {
                    assert!(!text.contains(secret), "leaked {secret}: {text}");
                }
            }
        }
    }
    // The records a transport receives print no credential either.
    let request = HttpRequest {
        method: "POST".into(),
        url: "https://a.example/t".into(),
        headers: vec![authwire::HttpHeader {
            name: "authorization".into(),
            value: "Basic c2VjcmV0".into(),
        }],
        body: Some(KEY.as_bytes().to_vec()),
        timeout_ms: 1,
        max_body_bytes: 1,
    };
    let printed = format!("{request:?}");
    assert!(
        !printed.contains("c2VjcmV0") && !printed.contains(KEY),
        "{printed}"
    );
}

#[test]
fn both_transports_at_once_are_refused() {
    let options = TokenOptions::default()
        .transport(Arc::new(TcpTransport::default()))
        .blocking_transport(Arc::new(BlockingTcpTransport::default()));
    let key = ApiKey::from_encoded_key(KEY).unwrap();
    let error = TokenManager::api_key_exchange(TOKEN_URL, &key, Some(options)).unwrap_err();
    assert!(
        matches!(error, AuthError::InvalidConfiguration { .. }),
        "{error:?}"
    );
}

#[cfg(not(feature = "reqwest-transport"))]
#[test]
fn the_mobile_build_needs_a_transport_except_for_static_tokens() {
    let key = ApiKey::from_encoded_key(KEY).unwrap();
    let error = TokenManager::api_key_exchange(TOKEN_URL, &key, None).unwrap_err();
    let AuthError::InvalidConfiguration { reason } = &error else {
        panic!("{error:?}")
    };
    assert!(reason.contains("TokenOptions.transport"), "{reason}");
    assert!(CsrfSession::new(TOKEN_URL, "u", "p", None, None).is_err());
    let fixed = TokenManager::static_token("abc", None).unwrap();
    assert_eq!(fixed.authorization().unwrap(), "Bearer abc");
}

#[test]
fn every_transport_sends_the_same_request() {
    let server = TestServer::start(|_, n| {
        Reply::json(
            200,
            json!({"token": format!("t{n}"), "expirationTime": 300}),
        )
    });
    let tcp = Arc::new(TcpTransport::default());
    let manager_tcp = manager(&server.url("/v1/token"), through(tcp.clone()));
    assert_eq!(manager_tcp.authorization().unwrap(), "Bearer t0");
    assert_eq!(tcp.calls.load(Ordering::SeqCst), 1);
    let sent = &server.requests()[0];
    assert_eq!(sent.method, "POST");
    assert_eq!(sent.header("content-type"), Some("application/json"));
    assert_eq!(sent.header("accept"), Some("application/json"));
    let body: serde_json::Value = serde_json::from_slice(&sent.body).unwrap();
    assert_eq!(body, json!({"apiKey": KEY}));
    // The default-or-chosen transport of the scenario tests sends the same.
    let other = TokenManager::api_key_exchange(
        &server.url("/v1/token"),
        &ApiKey::from_encoded_key(KEY).unwrap(),
        with_transport(None),
    )
    .unwrap();
    assert_eq!(other.authorization().unwrap(), "Bearer t1");
    assert_eq!(server.requests()[1].body, sent.body);
}
