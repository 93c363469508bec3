//! Network and TLS failures through the built-in client (reqwest + rustls), against real
//! servers on 127.0.0.1 (`tests/scenarios/tls_servers.py`: a test CA from `trustme`, and
//! certificates that are untrusted, expired or for another name; a server that resets the
//! connection mid-answer; a closed port) and a name in the `.invalid` domain. Each case checks
//! the kind, the number of attempts, the time to fail and the message.
//!
//! The CA is trusted the way a user trusts a private CA with the built-in client: the
//! `SSL_CERT_FILE` environment variable, set for this test process before any client exists.

mod support;

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use authwire::{ApiKey, AuthError, AuthEvent, NetworkErrorKind, TokenManager, TokenOptions};
use support::Events;
use support::python::{PythonServer, http_get, oauth_python, tls_servers};

const ENCODED_KEY: &str = "tls-test-key-Vq93x";
const ATTEMPTS: u32 = 3;

/// The servers, shared by every test of this process (one CA, one `SSL_CERT_FILE`).
fn servers() -> Option<&'static serde_json::Value> {
    static SERVERS: OnceLock<Option<(PythonServer, serde_json::Value)>> = OnceLock::new();
    SERVERS
        .get_or_init(|| {
            let Some(python) = oauth_python() else {
                eprintln!(
                    "SKIPPED: no Python with trustme (set AUTHWIRE_TEST_PYTHON or create .venv \
                     from tests/scenarios/requirements.txt)"
                );
                return None;
            };
            let out = std::env::temp_dir().join(format!("authwire-tls-{}", std::process::id()));
            let (server, info) = tls_servers(&python, &out);
            // SAFETY: set once, before this process makes any HTTP client or thread that
            // reads the environment (the first test to get here holds the OnceLock).
            unsafe { std::env::set_var("SSL_CERT_FILE", info["ca_file"].as_str().unwrap()) };
            Some((server, info))
        })
        .as_ref()
        .map(|(_, info)| info)
}

fn url(info: &serde_json::Value, name: &str) -> String {
    format!("{}/v1/token", info[name].as_str().unwrap())
}

/// TCP connections a server accepted (TLS handshakes included, failed or not).
fn accepts(info: &serde_json::Value, name: &str) -> u64 {
    let (status, body) = http_get(info["stats"].as_str().unwrap(), None);
    assert_eq!(status, 200, "{body}");
    let stats: serde_json::Value = serde_json::from_str(&body).unwrap();
    stats[name]["accepts"].as_u64().unwrap()
}

/// What one failed `authorization()` looked like.
struct Failure {
    error: AuthError,
    took: Duration,
    requests: u64,
    events: Vec<AuthEvent>,
}

/// A manager with a backoff long enough that a retry would show in the time to fail.
fn fail(url: &str) -> Failure {
    let options = TokenOptions::default()
        .max_attempts(ATTEMPTS)
        .backoff_initial(Duration::from_millis(400))
        .backoff_max(Duration::from_millis(400))
        .request_timeout(Duration::from_millis(5_000));
    let key = ApiKey::from_encoded_key(ENCODED_KEY).unwrap();
    let manager = TokenManager::api_key_exchange(url, &key, Some(options)).unwrap();
    let events = Arc::new(Events::default());
    manager.set_listener(Some(events.clone()));
    let started = Instant::now();
    let error = manager.authorization().unwrap_err();
    let took = started.elapsed();
    let failure = Failure {
        requests: manager.stats().token_requests,
        error,
        took,
        events: events.all(),
    };
    println!(
        "{url}: {:?} after {} attempt(s) in {:?}: {}",
        failure.error.network_kind(),
        failure.requests,
        failure.took,
        failure.error
    );
    failure
}

/// A failure that retrying cannot fix: one attempt, no retry event, no backoff waited.
fn assert_permanent(failure: &Failure, kind: NetworkErrorKind) {
    assert_eq!(
        failure.error.network_kind(),
        Some(kind),
        "{}",
        failure.error
    );
    assert!(!kind.is_retried());
    assert_eq!(failure.requests, 1, "not retried");
    assert!(
        !failure
            .events
            .iter()
            .any(|e| matches!(e, AuthEvent::RefreshRetrying { .. })),
        "{:?}",
        failure.events
    );
    assert!(failure.events.iter().any(|e| matches!(
        e,
        AuthEvent::RefreshFailed { network_kind: Some(k), .. } if *k == kind
    )));
    // Well under one backoff step (400 ms), which a retry would have waited at least in part.
    assert!(failure.took < Duration::from_secs(2), "{:?}", failure.took);
    assert!(!failure.error.to_string().contains(ENCODED_KEY));
}

/// A failure that may recover: every attempt made, each retry reported with its kind.
fn assert_retried(failure: &Failure, kind: NetworkErrorKind) {
    assert_eq!(
        failure.error.network_kind(),
        Some(kind),
        "{}",
        failure.error
    );
    assert!(kind.is_retried());
    assert_eq!(failure.requests, u64::from(ATTEMPTS));
    let retries: Vec<_> = failure
        .events
        .iter()
        .filter_map(|e| match e {
            AuthEvent::RefreshRetrying { network_kind, .. } => Some(*network_kind),
            _ => None,
        })
        .collect();
    assert_eq!(retries, vec![Some(kind); ATTEMPTS as usize - 1]);
    assert!(
        failure.error.to_string().ends_with("retry later"),
        "{}",
        failure.error
    );
    assert!(!failure.error.to_string().contains(ENCODED_KEY));
}

#[test]
fn a_certificate_from_an_unknown_ca_fails_at_once_and_says_how_to_trust_it() {
    let Some(info) = servers() else { return };
    let failure = fail(&url(info, "untrusted"));
    assert_permanent(&failure, NetworkErrorKind::CertificateUntrusted);
    let port = info["untrusted"]
        .as_str()
        .unwrap()
        .rsplit(':')
        .next()
        .unwrap();
    let message = failure.error.to_string();
    assert!(
        message.starts_with(&format!(
            "network error: the TLS certificate of 127.0.0.1:{port} is not trusted (unknown issuer)"
        )),
        "{message}"
    );
    assert!(
        message
            .contains("add your organisation's CA to the system trust store or set SSL_CERT_FILE"),
        "{message}"
    );
    assert_eq!(accepts(info, "untrusted"), 1, "one TLS handshake");
}

#[test]
fn an_expired_certificate_fails_at_once() {
    let Some(info) = servers() else { return };
    let failure = fail(&url(info, "expired"));
    assert_permanent(&failure, NetworkErrorKind::CertificateExpired);
    assert!(
        failure
            .error
            .to_string()
            .contains("has expired or is not yet valid"),
        "{}",
        failure.error
    );
    assert_eq!(accepts(info, "expired"), 1);
}

#[test]
fn a_certificate_for_another_name_fails_at_once() {
    let Some(info) = servers() else { return };
    let failure = fail(&url(info, "wrong_name"));
    assert_permanent(&failure, NetworkErrorKind::CertificateWrongName);
    assert!(
        failure
            .error
            .to_string()
            .contains("was issued for another name"),
        "{}",
        failure.error
    );
    assert_eq!(accepts(info, "wrong_name"), 1);
}

#[test]
fn the_ca_trusted_through_ssl_cert_file_gives_a_token() {
    let Some(info) = servers() else { return };
    let key = ApiKey::from_encoded_key(ENCODED_KEY).unwrap();
    let manager = TokenManager::api_key_exchange(&url(info, "trusted"), &key, None).unwrap();
    let header = manager.authorization().unwrap();
    assert!(header.starts_with("Bearer tls-token-"), "{header}");
    assert_eq!(manager.stats().token_requests, 1);
}

#[test]
fn a_name_that_does_not_resolve_fails_at_once() {
    let Some(info) = servers() else { return };
    let failure = fail(&url(info, "not_resolving"));
    assert_permanent(&failure, NetworkErrorKind::NameNotResolved);
    assert!(
        failure
            .error
            .to_string()
            .starts_with("network error: no-such-host.invalid did not resolve (no such host name)"),
        "{}",
        failure.error
    );
    assert!(failure.error.to_string().ends_with("check the URL"));
}

#[test]
fn a_closed_port_is_retried_then_reported_as_refused() {
    let Some(info) = servers() else { return };
    let failure = fail(&url(info, "closed"));
    assert_retried(&failure, NetworkErrorKind::ConnectionRefused);
    assert!(
        failure
            .error
            .to_string()
            .contains("(refused or unreachable)"),
        "{}",
        failure.error
    );
}

#[test]
fn a_connection_reset_mid_answer_is_retried_then_reported() {
    let Some(info) = servers() else { return };
    let before = accepts(info, "reset");
    let failure = fail(&url(info, "reset"));
    assert_retried(&failure, NetworkErrorKind::ConnectionReset);
    assert_eq!(accepts(info, "reset") - before, u64::from(ATTEMPTS));
}
