//! User sessions against real authorization servers: Authlib and django-oauth-toolkit, run by
//! `tests/scenarios/session_servers.py` with refresh-token rotation and reuse detection on
//! (the strictest setting), 2-second access tokens, PKCE required and the device flow.
//!
//! The fleet tests run worker processes: this test binary again, with
//! `AUTHWIRE_SESSION_WORKER` set, running only `session_worker`. Each worker continues the
//! session stored in one `FileStore` (sealed with one `KeyFileSealingKey`), calls the
//! server's protected resource from 16 threads, and prints a JSON summary.
#![cfg(unix)]

mod support;

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use authwire::{
    AuthError, AuthEvent, AuthListener, AuthorizationCodeFlow, DeviceAuthorizationFlow, FileStore,
    KeyFileSealingKey, SessionOptions, SessionTokens, TokenManager, TokenOptions,
};
use serde_json::{Value, json};
use support::python::{PythonServer, http_raw, oauth_python, session_servers};

const SERVERS: [&str; 2] = ["authlib", "dot"];

/// One server process for the tests that do not count requests across the whole server.
fn shared() -> &'static Value {
    static SHARED: OnceLock<(Mutex<PythonServer>, Value)> = OnceLock::new();
    &SHARED
        .get_or_init(|| {
            let python = oauth_python().expect("the .venv with Authlib and django-oauth-toolkit");
            let (server, info) = session_servers(&python, &[]);
            (Mutex::new(server), info)
        })
        .1
}

fn own_servers(args: &[&str]) -> (PythonServer, Value) {
    let python = oauth_python().expect("the .venv with Authlib and django-oauth-toolkit");
    session_servers(&python, args)
}

fn url(info: &Value, server: &str, endpoint: &str) -> String {
    info[server][endpoint].as_str().unwrap().to_owned()
}

fn public(info: &Value, field: &str) -> String {
    info["public_client"][field].as_str().unwrap().to_owned()
}

fn control(info: &Value, server: &str, path: &str, body: Value) -> Value {
    let (status, _, text) = http_raw(
        "POST",
        &format!("{}/{path}", url(info, server, "control")),
        &[("Content-Type", "application/json")],
        Some(&body.to_string()),
    );
    assert_eq!(status, 200, "control {path}: {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

fn stats(info: &Value, server: &str) -> Value {
    let (status, _, text) = http_raw(
        "GET",
        &format!("{}/stats", url(info, server, "control")),
        &[],
        None,
    );
    assert_eq!(status, 200);
    serde_json::from_str(&text).unwrap()
}

fn flow(info: &Value, server: &str) -> AuthorizationCodeFlow {
    AuthorizationCodeFlow::new(
        &url(info, server, "authorize"),
        &url(info, server, "token"),
        &public(info, "client_id"),
        &public(info, "redirect_uri"),
        &["openid", "profile", "read"],
        None,
        None,
    )
    .unwrap()
}

/// The browser step: the authorization server's redirect for `authorization_url`.
fn browser(authorization_url: &str) -> String {
    let (status, headers, body) = http_raw("GET", authorization_url, &[], None);
    assert_eq!(status, 302, "authorize answered {status}: {body}");
    headers
        .into_iter()
        .find(|(n, _)| n == "location")
        .map(|(_, v)| v)
        .expect("a Location header")
}

/// The value of query parameter `name` in `url`.
fn param(url: &str, name: &str) -> String {
    url.split(&format!("{name}="))
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned()
}

fn sign_in(info: &Value, server: &str) -> SessionTokens {
    let flow = flow(info, server);
    let redirect = browser(&flow.authorization_url());
    (*flow.finish(&redirect).unwrap()).clone()
}

fn resource_status(info: &Value, server: &str, header: &str) -> u16 {
    http_raw(
        "GET",
        &url(info, server, "resource"),
        &[("Authorization", header)],
        None,
    )
    .0
}

fn session(info: &Value, server: &str, tokens: Option<&SessionTokens>, dir: &Path) -> TokenManager {
    session_keyed(info, server, tokens, dir, "session.key")
}

/// A session manager over the store `dir/session`, sealed with the key file `dir/<key>`.
fn session_keyed(
    info: &Value,
    server: &str,
    tokens: Option<&SessionTokens>,
    dir: &Path,
    key: &str,
) -> TokenManager {
    TokenManager::user_session(
        &url(info, server, "token"),
        &public(info, "client_id"),
        tokens,
        SessionOptions::default()
            .revocation_url(url(info, server, "revoke"))
            .sealing_key(Arc::new(KeyFileSealingKey::new(dir.join(key)))),
        TokenOptions::default().store(Arc::new(FileStore::new(dir.join("session")).unwrap())),
    )
    .unwrap()
}

#[derive(Default)]
struct Events(Mutex<Vec<AuthEvent>>);

impl AuthListener for Events {
    fn on_event(&self, event: AuthEvent) {
        self.0.lock().unwrap().push(event);
    }
}

// ----------------------------------------------------------------------------------------
// Signing in with the authorization code and PKCE

#[test]
fn pkce_sign_in_then_the_session_rotates_its_refresh_token() {
    let info = shared();
    for server in SERVERS {
        let dir = tempfile::tempdir().unwrap();
        let flow = flow(info, server);
        let authorization_url = flow.authorization_url();
        assert!(authorization_url.contains("code_challenge_method=S256"));
        assert!(
            authorization_url.contains("nonce="),
            "openid asks for a nonce"
        );
        let tokens = (*flow.finish(&browser(&authorization_url)).unwrap()).clone();
        let first_refresh = tokens.refresh_token();
        let manager = session(info, server, Some(&tokens), dir.path());
        let header = manager.authorization().unwrap();
        assert_eq!(header, format!("Bearer {}", tokens.access_token()));
        assert_eq!(resource_status(info, server, &header), 200, "{server}");
        // Past the refresh point of the 2-second token: a new one, from a rotated refresh token.
        std::thread::sleep(Duration::from_millis(2100));
        let renewed = manager.authorization().unwrap();
        assert_ne!(renewed, header, "{server}: the token was refreshed");
        assert_eq!(resource_status(info, server, &renewed), 200, "{server}");
        // The first refresh token was spent: reusing it now is reuse (and ends the family).
        let spent = TokenManager::user_session(
            &url(info, server, "token"),
            &public(info, "client_id"),
            Some(
                &SessionTokens::new(
                    "unused-at",
                    &first_refresh,
                    Some(Duration::ZERO),
                    None,
                    None,
                )
                .unwrap(),
            ),
            SessionOptions::default(),
            None,
        )
        .unwrap();
        std::thread::sleep(Duration::from_millis(50));
        match spent.authorization() {
            Err(AuthError::SignInRequired { reason }) => {
                assert!(reason.contains("invalid_grant"), "{reason}")
            }
            other => panic!("{server}: reuse of a rotated refresh token gave {other:?}"),
        }
    }
}

#[test]
fn a_tampered_state_a_replayed_code_and_a_refusal_each_give_their_typed_error() {
    let info = shared();
    for server in SERVERS {
        // A tampered state.
        let flow = flow(info, server);
        let redirect = browser(&flow.authorization_url());
        let tampered = redirect.replace("state=", "state=x");
        match flow.finish(&tampered) {
            Err(AuthError::InvalidResponse { reason }) => {
                assert!(reason.contains("state"), "{reason}")
            }
            other => panic!("{server}: tampered state gave {other:?}"),
        }
        // The genuine redirect still works once, and a replay of its code is refused.
        flow.finish(&redirect).unwrap();
        match flow.finish(&redirect) {
            Err(AuthError::OAuth { error, .. }) => assert_eq!(error, "invalid_grant", "{server}"),
            other => panic!("{server}: replayed code gave {other:?}"),
        }
        // A wrong verifier: flow B's code exchanged by flow A (whose state it is made to carry).
        let a = self::flow(info, server);
        let b = self::flow(info, server);
        let b_redirect = browser(&b.authorization_url());
        let a_state = param(&a.authorization_url(), "state");
        let b_state = param(&b_redirect, "state");
        match a.finish(&b_redirect.replace(&b_state, &a_state)) {
            Err(AuthError::OAuth { error, .. }) => {
                assert_eq!(error, "invalid_grant", "{server}: wrong verifier")
            }
            other => panic!("{server}: wrong verifier gave {other:?}"),
        }
        // The user refuses.
        let flow = self::flow(info, server);
        let redirect = browser(&format!("{}&deny=1", flow.authorization_url()));
        match flow.finish(&redirect) {
            Err(AuthError::OAuth { status, error, .. }) => {
                assert_eq!((status, error.as_str()), (302, "access_denied"), "{server}");
            }
            other => panic!("{server}: refusal gave {other:?}"),
        }
    }
}

#[test]
fn a_redirect_with_repeated_or_foreign_parameters_is_refused_and_extra_ones_are_ignored() {
    let info = shared();
    let flow = flow(info, "authlib");
    let redirect = browser(&flow.authorization_url());
    let code = param(&redirect, "code");
    for bad in [
        format!("{redirect}&code={code}"),
        format!("{redirect}&state=other"),
        redirect.replacen(
            "com.example.app:/oauth2redirect",
            "com.evil.app:/oauth2redirect",
            1,
        ),
    ] {
        match flow.finish(&bad) {
            Err(AuthError::InvalidResponse { reason }) => {
                assert!(!reason.contains(&code), "{reason}")
            }
            other => panic!("{bad:?} gave {other:?}"),
        }
    }
    // Unknown parameters are ignored (RFC 6749 §4.1.2): the sign-in succeeds.
    flow.finish(&format!("{redirect}&session_state=abc&iss=x"))
        .unwrap();
}

// ----------------------------------------------------------------------------------------
// The device authorization grant

fn device_flow(info: &Value, server: &str) -> DeviceAuthorizationFlow {
    DeviceAuthorizationFlow::new(
        &url(info, server, "device"),
        &url(info, server, "token"),
        &public(info, "client_id"),
        &["read"],
        None,
        None,
    )
    .unwrap()
}

#[test]
fn the_device_flow_waits_while_pending_slows_down_and_ends_approved_denied_or_expired() {
    let info = shared();
    for server in SERVERS {
        // Pending, then slow_down (+5 s), then approved.
        control(info, server, "device/script", json!({"interval": 1}));
        let flow = device_flow(info, server);
        let code = flow.start().unwrap();
        assert_eq!(code.interval_secs, 1);
        assert!(code.verification_uri.starts_with("https://"));
        control(info, server, "device/script", json!({"slow_down": 1}));
        let approver = {
            let (info, user_code) = (info.clone(), code.user_code.clone());
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(2500));
                control(
                    &info,
                    server,
                    "device/approve",
                    json!({"user_code": user_code}),
                );
            })
        };
        let started = Instant::now();
        let tokens = flow.wait().unwrap();
        let waited = started.elapsed();
        approver.join().unwrap();
        // Polls at 1 s (pending), 2 s (slow_down: interval 6 s), then 8 s (approved).
        assert!(
            waited >= Duration::from_secs(7),
            "{server}: slow_down added 5 s ({waited:?})"
        );
        let manager = TokenManager::user_session(
            &url(info, server, "token"),
            &public(info, "client_id"),
            Some(&tokens),
            SessionOptions::default(),
            None,
        )
        .unwrap();
        assert_eq!(
            resource_status(info, server, &manager.authorization().unwrap()),
            200
        );

        // Denied.
        control(info, server, "device/script", json!({"interval": 1}));
        let flow = device_flow(info, server);
        let code = flow.start().unwrap();
        control(
            info,
            server,
            "device/deny",
            json!({"user_code": code.user_code}),
        );
        match flow.wait() {
            Err(AuthError::OAuth { error, .. }) => assert_eq!(error, "access_denied", "{server}"),
            other => panic!("{server}: denied gave {other:?}"),
        }

        // Expired.
        control(
            info,
            server,
            "device/script",
            json!({"interval": 1, "expires_in": 2}),
        );
        let flow = device_flow(info, server);
        flow.start().unwrap();
        match flow.wait() {
            Err(AuthError::OAuth { error, .. }) => assert_eq!(error, "expired_token", "{server}"),
            other => panic!("{server}: expired gave {other:?}"),
        }
    }
}

#[test]
fn a_device_wait_can_be_cancelled_and_hostile_device_answers_are_refused() {
    let info = shared();
    let server = "authlib";
    control(info, server, "device/script", json!({"interval": 1}));
    let flow = Arc::new(device_flow(info, server));
    flow.start().unwrap();
    let canceller = {
        let flow = Arc::clone(&flow);
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            flow.cancel();
        })
    };
    let started = Instant::now();
    assert!(matches!(flow.wait(), Err(AuthError::Cancelled { .. })));
    assert!(started.elapsed() < Duration::from_secs(2));
    canceller.join().unwrap();

    for (script, names) in [
        (json!({"interval": 0}), "interval"),
        (json!({"interval": 1_000_000_000u64}), "interval"),
        (
            json!({"verification_uri": "http://example.com/device"}),
            "https",
        ),
    ] {
        control(info, server, "device/script", script);
        match device_flow(info, server).start() {
            Err(AuthError::InvalidResponse { reason }) => {
                assert!(reason.contains(names), "{reason}")
            }
            other => panic!("{names}: {other:?}"),
        }
    }
}

// ----------------------------------------------------------------------------------------
// Hostile answers and stores: nothing is lost

#[test]
fn a_bad_refresh_answer_is_a_typed_error_and_never_costs_the_session() {
    let info = shared();
    for server in SERVERS {
        for rewrite in [
            json!({"extra": {"token_type": "mac"}, "count": 1}),
            json!({"drop": ["access_token"], "count": 1}),
        ] {
            let dir = tempfile::tempdir().unwrap();
            let tokens = sign_in(info, server);
            let manager = session(info, server, Some(&tokens), dir.path());
            manager.authorization().unwrap();
            std::thread::sleep(Duration::from_millis(2100));
            control(info, server, "token-answer", rewrite.clone());
            match manager.authorization() {
                Err(AuthError::InvalidResponse { .. }) => {}
                other => panic!("{server} {rewrite}: {other:?}"),
            }
            // The server rotated, and the answer was refused: its well-formed refresh token
            // was kept (and stored), so nothing is lost. The next refresh works, here and in
            // a process that continues the stored session.
            std::thread::sleep(Duration::from_millis(2100));
            let header = manager.authorization().unwrap();
            assert_eq!(
                resource_status(info, server, &header),
                200,
                "{server} {rewrite}"
            );
            let again = session_keyed(info, server, None, dir.path(), "session.key");
            let header = again.authorization().unwrap();
            assert_eq!(
                resource_status(info, server, &header),
                200,
                "{server} {rewrite}"
            );
            assert_eq!(
                stats(info, server)["reuse_detected"],
                0,
                "{server} {rewrite}"
            );
        }
    }
}

#[test]
fn a_truncated_or_foreign_store_file_is_never_read_as_a_session_and_never_crashes() {
    let info = shared();
    let dir = tempfile::tempdir().unwrap();
    let tokens = sign_in(info, "dot");
    let manager = session(info, "dot", Some(&tokens), dir.path());
    manager.authorization().unwrap();
    // Another credential (another key file) over the same store file: refused, typed.
    let foreign = session_keyed(info, "dot", None, dir.path(), "other.key");
    // Another key derives other entry names too: it cannot even find this session.
    match foreign.authorization() {
        Err(AuthError::SignInRequired { reason }) => {
            assert!(reason.contains("no session"), "{reason}")
        }
        other => panic!("foreign key: {other:?}"),
    }
    // An entry under this session's name that does not authenticate (tampered, or sealed by
    // someone else): refused, and never served.
    let store = dir.path().join("session");
    let original = std::fs::read(&store).unwrap();
    let mut map: serde_json::Map<String, Value> = serde_json::from_slice(&original).unwrap();
    for entry in map.values_mut() {
        use base64::Engine as _;
        let engine = base64::engine::general_purpose::STANDARD;
        let mut bytes = engine.decode(entry["v"].as_str().unwrap()).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        entry["v"] = Value::String(engine.encode(bytes));
    }
    std::fs::write(&store, serde_json::to_vec(&map).unwrap()).unwrap();
    let reader = session_keyed(info, "dot", None, dir.path(), "session.key");
    match reader.authorization() {
        Err(AuthError::SignInRequired { reason }) => {
            assert!(reason.contains("cannot be opened"), "{reason}")
        }
        other => panic!("tampered: {other:?}"),
    }
    std::fs::write(&store, &original).unwrap();
    // A truncated store file: a transient, typed error; the session in memory stays.
    let bytes = std::fs::read(&store).unwrap();
    std::fs::write(&store, &bytes[..bytes.len() / 2]).unwrap();
    let fresh = session_keyed(info, "dot", None, dir.path(), "session.key");
    match fresh.authorization() {
        Err(AuthError::Network { reason, .. }) => {
            assert!(reason.contains("session store"), "{reason}")
        }
        other => panic!("truncated: {other:?}"),
    }
    assert!(
        manager.authorization().is_ok(),
        "the live session keeps its token"
    );
}

#[test]
fn nothing_secret_prints() {
    let info = shared();
    let flow = flow(info, "authlib");
    let redirect = browser(&flow.authorization_url());
    let code = param(&redirect, "code");
    let tokens = (*flow.finish(&redirect).unwrap()).clone();
    let manager = TokenManager::user_session(
        &url(info, "authlib", "token"),
        &public(info, "client_id"),
        Some(&tokens),
        SessionOptions::default(),
        None,
    )
    .unwrap();
    let device = device_flow(info, "authlib");
    let printed = format!(
        "{tokens:?} {tokens} {flow:?} {flow} {manager:?} {device:?} {:?}",
        SessionOptions::default().client_secret(
            "s3cret-value",
            authwire::ClientAuthMethod::ClientSecretBasic
        )
    );
    for secret in [
        tokens.access_token(),
        tokens.refresh_token(),
        code,
        "s3cret-value".to_owned(),
    ] {
        assert!(!printed.contains(&secret), "{printed}");
    }
    assert!(printed.contains("[redacted]"));
}

// ----------------------------------------------------------------------------------------
// Many processes, one session

/// Runs `workers` processes continuing the session in `dir` for `seconds`; returns their
/// summaries.
fn run_fleet(
    info: &Value,
    server: &str,
    dir: &Path,
    workers: usize,
    seconds: u64,
    before_end: impl FnOnce(&mut Vec<Child>),
) -> Vec<Value> {
    let mut children: Vec<Child> = (0..workers)
        .map(|i| {
            Command::new(std::env::current_exe().unwrap())
                .args([
                    "--exact",
                    "session_worker",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env("AUTHWIRE_SESSION_WORKER", i.to_string())
                .env("SESSION_TOKEN_URL", url(info, server, "token"))
                .env("SESSION_REVOKE_URL", url(info, server, "revoke"))
                .env("SESSION_RESOURCE", url(info, server, "resource"))
                .env("SESSION_CLIENT_ID", public(info, "client_id"))
                .env("SESSION_DIR", dir)
                .env("SESSION_SECONDS", seconds.to_string())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    before_end(&mut children);
    children
        .into_iter()
        .filter_map(|mut child| {
            let stdout = child.stdout.take().unwrap();
            let lines: Vec<String> = BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .collect();
            let summary = lines.iter().find_map(|line| {
                line.split_once("SUMMARY ")
                    .map(|(_, s)| serde_json::from_str::<Value>(s).unwrap())
            });
            let status = child.wait().unwrap();
            if summary.is_none() {
                eprintln!("a worker ended with {status} and printed no summary: {lines:?}");
            }
            summary
        })
        .collect()
}

/// One worker process (only with `AUTHWIRE_SESSION_WORKER`): 16 threads call the resource
/// with the shared session for `SESSION_SECONDS`; `SESSION_SIGN_OUT_AT` makes worker 0 sign
/// out after that many seconds.
#[test]
fn session_worker() {
    let Ok(id) = std::env::var("AUTHWIRE_SESSION_WORKER") else {
        return;
    };
    let env = |name: &str| std::env::var(name).unwrap();
    let dir = std::path::PathBuf::from(env("SESSION_DIR"));
    let manager = Arc::new(
        TokenManager::user_session(
            &env("SESSION_TOKEN_URL"),
            &env("SESSION_CLIENT_ID"),
            None,
            SessionOptions::default()
                .revocation_url(env("SESSION_REVOKE_URL"))
                .sealing_key(Arc::new(KeyFileSealingKey::new(dir.join("session.key")))),
            TokenOptions::default().store(Arc::new(FileStore::new(dir.join("session")).unwrap())),
        )
        .unwrap(),
    );
    let events = Arc::new(Events::default());
    manager.set_listener(Some(events.clone()));
    let seconds: u64 = env("SESSION_SECONDS").parse().unwrap();
    let sign_out_at: Option<u64> = std::env::var("SESSION_SIGN_OUT_AT")
        .ok()
        .and_then(|s| s.parse().ok());
    let resource = env("SESSION_RESOURCE");
    let retried_401 = Arc::new(AtomicUsize::new(0));
    let (calls, errors, sign_in_required, rejected) = (
        Arc::new(AtomicUsize::new(0)),
        Arc::new(Mutex::new(Vec::<String>::new())),
        Arc::new(AtomicUsize::new(0)),
        Arc::new(AtomicUsize::new(0)),
    );
    let first_sign_in_required: Arc<Mutex<Option<Duration>>> = Arc::default();
    let started = Instant::now();
    let threads: Vec<_> = (0..16)
        .map(|_| {
            let (manager, resource, calls, errors, sir, rejected, first, retried) = (
                manager.clone(),
                resource.clone(),
                calls.clone(),
                errors.clone(),
                sign_in_required.clone(),
                rejected.clone(),
                first_sign_in_required.clone(),
                retried_401.clone(),
            );
            std::thread::spawn(move || {
                while started.elapsed() < Duration::from_secs(seconds) {
                    let n = calls.fetch_add(1, Ordering::Relaxed);
                    match manager.authorization() {
                        // The resource (a Python server) checks every 8th header: more would
                        // queue requests in it for longer than a 2-second token lives.
                        Ok(_) if n % 8 != 0 => {}
                        Ok(header) => {
                            let (status, _, _) =
                                http_raw("GET", &resource, &[("Authorization", &header)], None);
                            if status == 401 {
                                // As an app's HTTP integration does: the API refused the token
                                // (another process's rotation revoked it), so invalidate it and
                                // retry once with the session's current token.
                                retried.fetch_add(1, Ordering::Relaxed);
                                manager.invalidate(&header);
                                match manager.authorization() {
                                    Ok(header) => {
                                        let (status, _, _) = http_raw(
                                            "GET",
                                            &resource,
                                            &[("Authorization", &header)],
                                            None,
                                        );
                                        if status != 200 {
                                            rejected.fetch_add(1, Ordering::Relaxed);
                                        }
                                    }
                                    Err(AuthError::SignInRequired { .. }) => {
                                        sir.fetch_add(1, Ordering::Relaxed);
                                        first.lock().unwrap().get_or_insert(started.elapsed());
                                    }
                                    Err(other) => errors.lock().unwrap().push(other.to_string()),
                                }
                            } else if status != 200 {
                                rejected.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                        Err(AuthError::SignInRequired { .. }) => {
                            sir.fetch_add(1, Ordering::Relaxed);
                            first.lock().unwrap().get_or_insert(started.elapsed());
                        }
                        Err(other) => errors.lock().unwrap().push(other.to_string()),
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
            })
        })
        .collect();
    if id == "0"
        && let Some(at) = sign_out_at
    {
        std::thread::sleep(Duration::from_secs(at));
        manager.sign_out().unwrap();
    }
    for thread in threads {
        thread.join().unwrap();
    }
    let events = events.0.lock().unwrap().clone();
    let adopted: Vec<u64> = events
        .iter()
        .filter_map(|e| match e {
            AuthEvent::StoreTokenAdopted { age_ms } => Some(*age_ms),
            _ => None,
        })
        .collect();
    let ended = events
        .iter()
        .filter(|e| matches!(e, AuthEvent::SessionEnded { .. }))
        .count();
    let stats = manager.stats();
    let errors = errors.lock().unwrap().clone();
    println!(
        "SUMMARY {}",
        json!({
            "worker": id,
            "calls": calls.load(Ordering::Relaxed),
            "checked": calls.load(Ordering::Relaxed).div_ceil(8),
            "errors": errors.len(),
            "error_samples": errors.iter().take(3).collect::<Vec<_>>(),
            "sign_in_required": sign_in_required.load(Ordering::Relaxed),
            "first_sign_in_required_ms": first_sign_in_required.lock().unwrap().map(|d| d.as_millis() as u64),
            "rejected": rejected.load(Ordering::Relaxed),
            "retried_401": retried_401.load(Ordering::Relaxed),
            "token_requests": stats.token_requests,
            "adopted": adopted.len(),
            "adopted_age_ms": adopted,
            "session_ended_events": ended,
        })
    );
}

fn total(summaries: &[Value], field: &str) -> u64 {
    summaries
        .iter()
        .map(|s| s[field].as_u64().unwrap_or(0))
        .sum()
}

/// The one fleet at a time: they share two cores with everything else.
static ONE_FLEET: Mutex<()> = Mutex::new(());

#[test]
fn eight_processes_of_sixteen_threads_share_one_rotating_session_without_a_single_invalid_grant() {
    let _one = ONE_FLEET.lock().unwrap_or_else(|e| e.into_inner());
    for server in SERVERS {
        let (_servers, info) = own_servers(&[]);
        let dir = tempfile::tempdir().unwrap();
        drop(session(
            &info,
            server,
            Some(&sign_in(&info, server)),
            dir.path(),
        ));
        control(&info, server, "reset-stats", json!({}));
        let seconds = 20;
        let summaries = run_fleet(&info, server, dir.path(), 8, seconds, |_| {});
        assert_eq!(summaries.len(), 8, "{server}: every worker finished");
        let server_stats = stats(&info, server);
        let refreshes = server_stats["refresh_ok"].as_u64().unwrap();
        let adopted: Vec<u64> = summaries
            .iter()
            .flat_map(|s| {
                s["adopted_age_ms"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_u64().unwrap())
            })
            .collect();
        let mut sorted = adopted.clone();
        sorted.sort_unstable();
        let median = sorted.get(sorted.len() / 2).copied().unwrap_or(0);
        println!(
            "FIGURE {server}: 8 processes x 16 threads, 2 s tokens, {seconds} s: {} calls, {refreshes} refreshes = {:.2} per 2 s lifetime, invalid_grant {}, reuse {}, caller errors {}, sign-in required {}, 401s retried after invalidate {}, 401s after the retry {}, adoptions {} (age at adoption: median {median} ms, max {} ms)",
            total(&summaries, "calls"),
            refreshes as f64 / (seconds as f64 / 2.0),
            server_stats["invalid_grant"],
            server_stats["reuse_detected"],
            total(&summaries, "errors"),
            total(&summaries, "sign_in_required"),
            total(&summaries, "retried_401"),
            total(&summaries, "rejected"),
            adopted.len(),
            sorted.last().copied().unwrap_or(0),
        );
        assert_eq!(server_stats["invalid_grant"], 0, "{server}: {summaries:?}");
        assert_eq!(total(&summaries, "errors"), 0, "{server}: {summaries:?}");
        assert_eq!(total(&summaries, "sign_in_required"), 0, "{server}");
        // Both servers revoke the old access token when a refresh token rotates, so a request
        // sent with a token that another process's rotation has just revoked is refused; the
        // app's 401 handling (invalidate, retry once) then gets the new token. Only a retry
        // that races the next rotation (every ~1-2 s here) can be refused again.
        assert!(
            total(&summaries, "rejected") * 50 <= total(&summaries, "checked"),
            "{server}: at most 2% of the checked calls refused after their retry: {summaries:?}"
        );
        // About one refresh per lifetime: a 2 s token is refreshed 0.25-0.3 s before its end
        // (1.2 per lifetime), earlier when token requests are slow (the margin grows to three
        // times the last request's duration), never one per process.
        assert!(
            (8..=20).contains(&refreshes),
            "{server}: {refreshes} refreshes in {seconds} s"
        );
    }
}

#[test]
fn sign_out_in_one_process_and_a_server_side_revocation_reach_every_process() {
    let _one = ONE_FLEET.lock().unwrap_or_else(|e| e.into_inner());
    let server = "dot";
    let (_servers, info) = own_servers(&[]);
    // Sign-out in worker 0 after 3 s.
    let dir = tempfile::tempdir().unwrap();
    drop(session(
        &info,
        server,
        Some(&sign_in(&info, server)),
        dir.path(),
    ));
    let summaries = {
        // SAFETY of the environment: set before the workers start; read only by them.
        unsafe { std::env::set_var("SESSION_SIGN_OUT_AT", "3") };
        let s = run_fleet(&info, server, dir.path(), 4, 7, |_| {});
        unsafe { std::env::remove_var("SESSION_SIGN_OUT_AT") };
        s
    };
    assert_eq!(summaries.len(), 4);
    for summary in &summaries {
        let first = summary["first_sign_in_required_ms"]
            .as_u64()
            .expect("every process saw the sign-out");
        assert!((2500..5000).contains(&first), "{summary}");
        assert_eq!(summary["errors"], 0, "{summary}");
    }
    println!(
        "FIGURE sign-out propagation: first SignInRequired per process at {:?} ms (sign-out at 3000 ms)",
        summaries
            .iter()
            .map(|s| s["first_sign_in_required_ms"].clone())
            .collect::<Vec<_>>()
    );
    assert_eq!(
        stats(&info, server)["revocations"],
        1,
        "sign-out revoked the refresh token once"
    );

    // The server revokes everything: every process ends, after at most one refused refresh.
    let dir = tempfile::tempdir().unwrap();
    drop(session(
        &info,
        server,
        Some(&sign_in(&info, server)),
        dir.path(),
    ));
    control(&info, server, "reset-stats", json!({}));
    let info2 = info.clone();
    let summaries = run_fleet(&info, server, dir.path(), 4, 8, move |_| {
        std::thread::sleep(Duration::from_secs(3));
        control(&info2, server, "revoke-all", json!({}));
    });
    let server_stats = stats(&info, server);
    println!(
        "FIGURE server revoke: invalid_grant answers for the fleet {}, refresh requests {}",
        server_stats["invalid_grant"], server_stats["refresh_requests"]
    );
    assert!(
        server_stats["invalid_grant"].as_u64().unwrap() <= 1,
        "{server_stats}"
    );
    for summary in &summaries {
        assert!(
            summary["sign_in_required"].as_u64().unwrap() > 0,
            "{summary}"
        );
        assert_eq!(summary["errors"], 0, "{summary}");
    }
}

#[test]
fn a_process_killed_mid_refresh_ends_the_session_cleanly_without_grace_and_not_with_it() {
    let _one = ONE_FLEET.lock().unwrap_or_else(|e| e.into_inner());
    for grace in ["0", "5"] {
        let server = "dot";
        let (_servers, info) = own_servers(&["--grace", grace]);
        let dir = tempfile::tempdir().unwrap();
        drop(session(
            &info,
            server,
            Some(&sign_in(&info, server)),
            dir.path(),
        ));
        control(&info, server, "reset-stats", json!({}));
        // The first refresh's answer is held back 4 s; the process that sent it is killed.
        control(&info, server, "stall-next-refresh", json!({"seconds": 4}));
        let info2 = info.clone();
        let summaries = run_fleet(&info, server, dir.path(), 3, 9, move |children| {
            let deadline = Instant::now() + Duration::from_secs(5);
            // Wait for the stalled refresh to reach the server, then kill every worker that
            // holds the session's lock: the one whose refresh is in flight.
            while stats(&info2, server)["refresh_requests"].as_u64().unwrap() == 0
                && Instant::now() < deadline
            {
                std::thread::sleep(Duration::from_millis(20));
            }
            std::thread::sleep(Duration::from_millis(200));
            let holder = lock_holder(children);
            let victim = &mut children[holder];
            // SIGKILL: no destructor, no unlock; the OS drops the file lock.
            unsafe { libc_kill(victim.id() as i32, 9) };
        });
        let server_stats = stats(&info, server);
        let ended = summaries
            .iter()
            .all(|s| s["sign_in_required"].as_u64().unwrap() > 0);
        let recovered = summaries
            .iter()
            .all(|s| s["sign_in_required"] == 0 && s["errors"] == 0);
        println!(
            "FIGURE killed mid-refresh, grace {grace} s: survivors {} ; {} ; invalid_grant {}, reuse {}, refresh requests {}",
            summaries.len(),
            if recovered {
                "the others recovered (no sign-in needed)"
            } else if ended {
                "the session ended cleanly: SignInRequired in every survivor"
            } else {
                "mixed"
            },
            server_stats["invalid_grant"],
            server_stats["reuse_detected"],
            server_stats["refresh_requests"],
        );
        assert_eq!(summaries.len(), 2, "two survivors");
        if grace == "0" {
            assert!(ended, "{summaries:?}");
            assert!(
                server_stats["invalid_grant"].as_u64().unwrap() <= 1,
                "no retry loop: {server_stats}"
            );
        } else {
            assert!(recovered, "{summaries:?}");
        }
    }
}

/// Which child holds the session's lock file (its process has the `flock`): read from
/// `/proc/locks` (Linux); the first child otherwise.
fn lock_holder(children: &[Child]) -> usize {
    let locks = std::fs::read_to_string("/proc/locks").unwrap_or_default();
    children
        .iter()
        .position(|c| {
            locks
                .lines()
                .any(|l| l.split_whitespace().nth(4) == Some(&c.id().to_string()))
        })
        .unwrap_or(0)
}

unsafe extern "C" {
    #[link_name = "kill"]
    fn libc_kill(pid: i32, sig: i32) -> i32;
}

/// A Keychain before the first unlock: the key cannot be read for now.
struct LockableKey {
    locked: std::sync::atomic::AtomicBool,
    file: KeyFileSealingKey,
}

impl authwire::SealingKey for LockableKey {
    fn key(&self) -> Result<Vec<u8>, authwire::StoreError> {
        if self.locked.load(Ordering::SeqCst) {
            // What KeychainSealingKey reports for errSecInteractionNotAllowed.
            return Err(authwire::StoreError::Unavailable {
                reason: "the device is locked".to_owned(),
            });
        }
        authwire::SealingKey::key(&self.file)
    }
}

#[test]
fn a_locked_sealing_key_is_a_transient_failure_never_no_session() {
    let info = shared();
    let dir = tempfile::tempdir().unwrap();
    drop(session(
        info,
        "dot",
        Some(&sign_in(info, "dot")),
        dir.path(),
    ));
    let key = Arc::new(LockableKey {
        locked: std::sync::atomic::AtomicBool::new(true),
        file: KeyFileSealingKey::new(dir.path().join("session.key")),
    });
    let manager = TokenManager::user_session(
        &url(info, "dot", "token"),
        &public(info, "client_id"),
        None,
        SessionOptions::default().sealing_key(key.clone()),
        TokenOptions::default().store(Arc::new(
            FileStore::new(dir.path().join("session")).unwrap(),
        )),
    )
    .unwrap();
    for _ in 0..3 {
        match manager.authorization() {
            Err(AuthError::Network { reason, .. }) => {
                assert!(reason.contains("the device is locked"), "{reason}")
            }
            other => panic!("a locked key gave {other:?}"),
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    // Unlocked: the stored session is there, and the call succeeds (after the cool-down of
    // the failed refreshes).
    key.locked.store(false, Ordering::SeqCst);
    let deadline = Instant::now() + Duration::from_secs(10);
    let header = loop {
        match manager.authorization() {
            Ok(header) => break header,
            Err(AuthError::Network { .. }) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(100));
            }
            other => panic!("after unlocking: {other:?}"),
        }
    };
    assert_eq!(resource_status(info, "dot", &header), 200);
}

/// A sealing key that can never be read as configured (a wrong Keychain access group).
struct BrokenKey;

impl authwire::SealingKey for BrokenKey {
    fn key(&self) -> Result<Vec<u8>, authwire::StoreError> {
        Err(authwire::StoreError::InvalidConfiguration {
            reason: "no such access group".to_owned(),
        })
    }
}

#[test]
fn a_sealing_key_that_can_never_be_read_is_a_configuration_error() {
    let info = shared();
    let dir = tempfile::tempdir().unwrap();
    let manager = TokenManager::user_session(
        &url(info, "dot", "token"),
        &public(info, "client_id"),
        None,
        SessionOptions::default().sealing_key(Arc::new(BrokenKey)),
        TokenOptions::default().store(Arc::new(
            FileStore::new(dir.path().join("session")).unwrap(),
        )),
    )
    .unwrap();
    match manager.authorization() {
        Err(AuthError::InvalidConfiguration { reason }) => {
            assert!(reason.contains("no such access group"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
}
