//! The token manager against a real HTTP server on 127.0.0.1, through the built-in transport
//! (default build) or a Rust test transport (`--no-default-features`, or
//! `AUTHWIRE_TEST_TRANSPORT=tcp|blocking`; see support/transport.rs).

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use authwire::{
    ApiKey, AuthError, AuthEvent, AuthListener, ClientAuthMethod, CsrfSession, CustomExchange,
    ExpiryFormat, TokenManager, TokenOptions,
};
use serde_json::json;
use support::server::{Received, Reply, TestServer};
use support::transport::with_transport as opts;

const KEY: &str = "MmVlMmgwNTE2MjZsZnFzY2dsbGZjbXZxOWw6aG4zNXE3cjJzaG00OGI5NmtmYmIyc2xyZjllamRnMDlwbmpqOGZmM29iNDIwZDc4dmRm";

/// An XTD-shaped token server: token `t<n>` for the n-th request, living `lifetime` seconds.
fn xtd_server(lifetime: f64, delay: Duration) -> TestServer {
    TestServer::start(move |_, n| {
        Reply::json(
            200,
            json!({"token": format!("t{n}"), "expirationTime": lifetime}),
        )
        .after(delay)
    })
}

fn xtd(server: &TestServer, options: Option<TokenOptions>) -> Arc<TokenManager> {
    let key = ApiKey::from_encoded_key(KEY).unwrap();
    Arc::new(TokenManager::api_key_exchange(&server.url("/v1/token"), &key, opts(options)).unwrap())
}

/// A client-credentials manager for client `id` with secret `secret`.
fn oauth_client(server: &TestServer) -> Arc<TokenManager> {
    Arc::new(
        TokenManager::client_credentials(
            &server.url("/oauth/token"),
            "id",
            "secret",
            &[],
            opts(None),
        )
        .unwrap(),
    )
}

fn fast_retries() -> TokenOptions {
    TokenOptions::default()
        .backoff_initial(Duration::from_millis(20))
        .backoff_max(Duration::from_millis(100))
}

#[test]
fn xtd_exchange_sends_the_api_key_and_serves_the_vector_token() {
    let vectors = support::vectors();
    let case = &vectors["token_responses"][0];
    let file = &vectors["api_key_file"][0];
    let body = case["body"].clone();
    let server = TestServer::start(move |_, _| Reply::json(200, body.clone()));
    let key = ApiKey::from_json(&file["json"].to_string()).unwrap();
    let manager =
        TokenManager::api_key_exchange(&server.url("/v1/token"), &key, opts(None)).unwrap();

    let token = case["token"].as_str().unwrap();
    assert_eq!(manager.authorization().unwrap(), format!("Bearer {token}"));
    let sent = &server.requests()[0];
    assert_eq!(sent.method, "POST");
    assert_eq!(sent.path, "/v1/token");
    assert_eq!(sent.header("content-type"), Some("application/json"));
    let sent_body: serde_json::Value = serde_json::from_slice(&sent.body).unwrap();
    assert_eq!(sent_body, file["token_request_body"]);
    // Served from the cache for its 300 s lifetime, refreshed about 30 s before the end.
    let access = manager.token().unwrap();
    assert_eq!(access.value(), token);
    assert!(
        (299_000..=299_500).contains(&(access.expires_in().unwrap().as_millis() as u64)),
        "{}",
        (access.expires_in().unwrap().as_millis() as u64)
    );
    assert!(
        (250_000..275_000).contains(&(access.refresh_in().unwrap().as_millis() as u64)),
        "{}",
        (access.refresh_in().unwrap().as_millis() as u64)
    );
    assert_eq!(manager.authorization().unwrap(), format!("Bearer {token}"));
    assert_eq!(server.count(), 1);
}

#[test]
fn oauth2_client_secret_basic_percent_encodes_before_basic() {
    let vectors = support::vectors();
    let case = vectors["token_responses"][1].clone();
    let body = case["body"].clone();
    let server = TestServer::start(move |_, _| Reply::json(200, body.clone()));
    let manager = TokenManager::client_credentials(
        &server.url("/oauth/token"),
        "client id:1",
        "s3cr&t=+",
        &["read", "write"],
        opts(None),
    )
    .unwrap();
    let token = manager.token().unwrap();
    assert_eq!(token.value(), case["token"].as_str().unwrap());
    // token_type "bearer" in lower case is Bearer.
    assert_eq!(token.authorization(), "Bearer 2YotnFZFEjr1zCsicMWpAA");
    let lifetime = case["lifetime_s"].as_u64().unwrap() * 1000;
    assert!(
        (token.expires_in().unwrap().as_millis() as u64) > lifetime - 1000
            && (token.expires_in().unwrap().as_millis() as u64) <= lifetime
    );

    let sent = &server.requests()[0];
    assert_eq!(
        sent.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(sent.header("accept"), Some("application/json"));
    assert_eq!(
        sent.body_text(),
        "grant_type=client_credentials&scope=read+write"
    );
    let basic = authwire::decode_basic(sent.header("authorization").unwrap()).unwrap();
    // RFC 3986 percent-encoding: the space is %20, never '+'.
    assert_eq!(basic.user_id(), "client%20id%3A1");
    assert_eq!(basic.password(), "s3cr%26t%3D%2B");
}

/// Every `client_auth` vector, through each method, as the server receives it.
#[test]
fn client_auth_vectors_reach_the_server_byte_for_byte() {
    let vectors = support::vectors();
    let cases = vectors["client_auth"].as_array().unwrap();
    assert!(cases.len() >= 9);
    let server = TestServer::start(|_, _| {
        Reply::json(200, json!({"access_token": "t", "token_type": "Bearer"}))
    });
    for case in cases {
        let (id, secret) = (
            case["client_id"].as_str().unwrap(),
            case["client_secret"].as_str().unwrap(),
        );
        let build = |method| {
            TokenManager::client_credentials_with_method(
                &server.url("/oauth/token"),
                id,
                secret,
                &[],
                method,
                opts(None),
            )
        };
        build(ClientAuthMethod::ClientSecretBasic)
            .unwrap()
            .authorization()
            .unwrap();
        let sent = server.requests().pop().unwrap();
        assert_eq!(sent.header("authorization"), case["basic"].as_str(), "{id}");
        assert_eq!(sent.body_text(), "grant_type=client_credentials");

        build(ClientAuthMethod::ClientSecretPost)
            .unwrap()
            .authorization()
            .unwrap();
        let sent = server.requests().pop().unwrap();
        assert_eq!(sent.header("authorization"), None);
        assert_eq!(Some(sent.body_text().as_str()), case["post_body"].as_str());

        match case["basic_unencoded"].as_str() {
            Some(expected) => {
                build(ClientAuthMethod::ClientSecretBasicUnencoded)
                    .unwrap()
                    .authorization()
                    .unwrap();
                let sent = server.requests().pop().unwrap();
                assert_eq!(sent.header("authorization"), Some(expected), "{id}");
            }
            None => {
                let error = build(ClientAuthMethod::ClientSecretBasicUnencoded).unwrap_err();
                assert!(
                    matches!(error, AuthError::InvalidConfiguration { .. }),
                    "{error:?}"
                );
                let text = error.to_string();
                assert!(text.contains("':'") && !text.contains(secret), "{text}");
            }
        }
    }
}

#[test]
fn a_form_encoded_answer_is_read_when_its_content_type_says_so() {
    // GitHub's answer without `Accept: application/json`.
    let server = TestServer::start(|_, _| {
        Reply::text(
            200,
            "access_token=gho_16C7e42F292c6912E7710c838347Ae178B4a&scope=repo%2Cgist&token_type=bearer&expires_in=28800",
        )
        .with_header("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
    });
    let manager = oauth_client(&server);
    let token = manager.token().unwrap();
    assert_eq!(
        token.authorization(),
        "Bearer gho_16C7e42F292c6912E7710c838347Ae178B4a"
    );
    assert!((28_799_000..=28_800_000).contains(&(token.expires_in().unwrap().as_millis() as u64)));
    assert_eq!(
        server.requests()[0].header("accept"),
        Some("application/json")
    );
}

#[test]
fn a_token_type_other_than_bearer_is_refused_and_named() {
    for token_type in ["DPoP", "mac", "example"] {
        let server = TestServer::start(move |_, _| {
            Reply::json(
                200,
                json!({"access_token": "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU", "token_type": token_type, "expires_in": 300}),
            )
        });
        let manager = oauth_client(&server);
        let error = manager.authorization().unwrap_err();
        let AuthError::InvalidResponse { reason } = &error else {
            panic!("{token_type}: {error:?}");
        };
        assert!(reason.contains(&format!("{token_type:?}")), "{reason}");
        assert!(!reason.contains("Kz~8mXK1"), "{reason}");
        assert_eq!(server.count(), 1, "not retried");
    }
    for token_type in [json!("Bearer"), json!("BEARER"), json!(null)] {
        let server = TestServer::start(move |_, _| {
            Reply::json(
                200,
                json!({"access_token": "a!b%2F|c=d\"e", "token_type": token_type}),
            )
        });
        let manager = oauth_client(&server);
        assert_eq!(manager.authorization().unwrap(), "Bearer a!b%2F|c=d\"e");
    }
}

#[test]
fn oauth2_client_secret_post_and_jwt_expiry_fallback() {
    let vectors = support::vectors();
    let case = vectors["token_responses"][2].clone();
    let body = case["body"].clone();
    let server = TestServer::start(move |_, _| Reply::json(200, body.clone()));
    let manager = TokenManager::client_credentials_with_method(
        &server.url("/oauth/token"),
        "cid",
        "csecret",
        &[],
        ClientAuthMethod::ClientSecretPost,
        opts(None),
    )
    .unwrap();
    let token = manager.token().unwrap();
    assert_eq!(
        token.authorization(),
        format!("Bearer {}", case["token"].as_str().unwrap())
    );
    // No expires_in: the JWT's exp - iat (300 s) is the lifetime.
    let lifetime = (case["jwt_exp"].as_u64().unwrap() - case["jwt_iat"].as_u64().unwrap()) * 1000;
    assert!(
        (token.expires_in().unwrap().as_millis() as u64) > lifetime - 1000
            && (token.expires_in().unwrap().as_millis() as u64) <= lifetime
    );
    let sent = &server.requests()[0];
    assert_eq!(sent.header("authorization"), None);
    assert_eq!(
        sent.body_text(),
        "grant_type=client_credentials&client_id=cid&client_secret=csecret"
    );
}

#[test]
fn oauth2_error_body_becomes_a_typed_error() {
    let server = TestServer::start(|_, _| {
        Reply::json(
            400,
            json!({"error": "invalid_client", "error_description": "Client authentication failed"}),
        )
    });
    let manager = oauth_client(&server);
    let error = manager.authorization().unwrap_err();
    assert_eq!(
        error,
        AuthError::OAuth {
            status: 400,
            error: "invalid_client".into(),
            description: "Client authentication failed".into()
        }
    );
    assert_eq!(server.count(), 1, "a 400 is not retried");
}

#[test]
fn custom_exchange_reads_configured_fields_and_epoch_expiry() {
    let expires_at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 120;
    let server = TestServer::start(move |_, _| {
        Reply::json(
            200,
            json!({"data": {"jwt": "abc.def.ghi", "validUntil": expires_at}}),
        )
    });
    let manager = TokenManager::custom_exchange(
        &server.url("/auth"),
        r#"{"user": "u", "key": "k-secret"}"#,
        "data.jwt",
        CustomExchange::default()
            .expiry_field("data.validUntil")
            .expiry_format(ExpiryFormat::EpochSeconds)
            .header("X-Api-Version", "2")
            .scheme("Token"),
        opts(None),
    )
    .unwrap();
    let token = manager.token().unwrap();
    assert_eq!(token.authorization(), "Token abc.def.ghi");
    assert!(
        (117_000..=120_000).contains(&(token.expires_in().unwrap().as_millis() as u64)),
        "{}",
        (token.expires_in().unwrap().as_millis() as u64)
    );
    let sent = &server.requests()[0];
    assert_eq!(sent.header("x-api-version"), Some("2"));
    assert_eq!(sent.body_text(), r#"{"user": "u", "key": "k-secret"}"#);
}

#[test]
fn static_token_is_served_without_requests_and_ignores_invalidate() {
    let manager = TokenManager::static_token("mF_9.B5f-4.1JqM", None).unwrap();
    assert_eq!(manager.authorization().unwrap(), "Bearer mF_9.B5f-4.1JqM");
    assert!(!manager.invalidate("mF_9.B5f-4.1JqM"));
    assert_eq!(manager.authorization().unwrap(), "Bearer mF_9.B5f-4.1JqM");
    assert_eq!(manager.stats().token_requests, 0);
    assert!(matches!(
        TokenManager::static_token("a b", None),
        Err(AuthError::InvalidInput { .. })
    ));
    // With a lifetime, it stops being served when the lifetime has ended.
    let short = TokenManager::static_token("abc", Duration::from_secs(1)).unwrap();
    assert_eq!(short.authorization().unwrap(), "Bearer abc");
    std::thread::sleep(Duration::from_millis(1000));
    let error = short.authorization().unwrap_err();
    assert!(
        matches!(error, AuthError::InvalidConfiguration { .. }),
        "{error:?}"
    );
}

#[test]
fn sixty_four_concurrent_callers_on_an_empty_cache_share_one_request() {
    let server = xtd_server(300.0, Duration::from_millis(300));
    let manager = xtd(&server, None);
    let barrier = Arc::new(Barrier::new(64));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut threads = Vec::new();
    // 32 blocking threads and 32 async tasks, released together.
    for i in 0..64 {
        let (manager, barrier) = (manager.clone(), barrier.clone());
        let handle = runtime.handle().clone();
        threads.push(std::thread::spawn(move || {
            barrier.wait();
            if i % 2 == 0 {
                manager.authorization()
            } else {
                handle.block_on(async move { manager.authorization_async().await })
            }
        }));
    }
    let headers: Vec<String> = threads
        .into_iter()
        .map(|t| t.join().unwrap().unwrap())
        .collect();
    assert!(headers.iter().all(|h| h == "Bearer t0"), "{headers:?}");
    assert_eq!(server.count(), 1);
    let stats = manager.stats();
    assert_eq!(stats.token_requests, 1);
    assert_eq!(stats.refreshes, 1);
    assert_eq!(stats.waits, 64);
}

#[test]
fn two_second_tokens_are_refreshed_about_once_per_lifetime_under_load() {
    let server = xtd_server(2.0, Duration::from_millis(20));
    let manager = xtd(&server, None);
    let start = Instant::now();
    let run_for = Duration::from_secs(7);
    let longest_wait = Arc::new(Mutex::new(Duration::ZERO));
    let calls = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..16)
        .map(|_| {
            let (manager, longest_wait, calls) =
                (manager.clone(), longest_wait.clone(), calls.clone());
            std::thread::spawn(move || {
                while start.elapsed() < run_for {
                    let t = Instant::now();
                    let header = manager.authorization().unwrap();
                    let took = t.elapsed();
                    assert!(header.starts_with("Bearer t"));
                    calls.fetch_add(1, Ordering::Relaxed);
                    let mut w = longest_wait.lock().unwrap();
                    *w = (*w).max(took);
                    drop(w);
                    std::thread::sleep(Duration::from_millis(2));
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let requests = server.count();
    let stats = manager.stats();
    println!(
        "2 s tokens, 16 threads, {:?}: {} calls, {requests} token requests, {} waited, longest call {:?}",
        run_for,
        calls.load(Ordering::Relaxed),
        stats.waits,
        longest_wait.lock().unwrap()
    );
    // Each token is handed out until 1.8 s and refreshed from about 1.5 s: over 7 s that is
    // 4 to 6 requests, not one per call and not one per thread.
    assert!(
        (4..=6).contains(&requests),
        "{requests} token requests in 7 s"
    );
    assert_eq!(stats.failures, 0);
    // Only the very first callers waited on the network; refreshes ran in the background.
    assert!(stats.waits <= 16, "{} callers waited", stats.waits);
}

#[test]
fn stale_while_revalidate_serves_the_current_token_during_a_slow_refresh() {
    // The first token lives 2 s; the refresh takes 600 ms.
    let server = TestServer::start(|_, n| {
        let delay = if n == 0 { 0 } else { 600 };
        Reply::json(200, json!({"token": format!("t{n}"), "expirationTime": 2}))
            .after(Duration::from_millis(delay))
    });
    let manager = xtd(&server, None);
    assert_eq!(manager.authorization().unwrap(), "Bearer t0");
    let refresh_in = manager.token().unwrap().refresh_in().unwrap().as_millis() as u64;
    std::thread::sleep(Duration::from_millis(refresh_in + 10));
    // Past the refresh point: callers get t0 at once while one refresh runs.
    let t = Instant::now();
    for _ in 0..100 {
        assert_eq!(manager.authorization().unwrap(), "Bearer t0");
    }
    assert!(
        t.elapsed() < Duration::from_millis(300),
        "callers were blocked: {:?}",
        t.elapsed()
    );
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(manager.authorization().unwrap(), "Bearer t1");
    assert_eq!(server.count(), 2);
    assert_eq!(manager.stats().waits, 1);
}

#[test]
fn a_503_is_retried_then_succeeds() {
    let server = TestServer::start(|_, n| {
        if n == 0 {
            Reply::text(503, "busy")
        } else {
            Reply::json(200, json!({"token": "ok", "expirationTime": 300}))
        }
    });
    let manager = xtd(&server, Some(fast_retries()));
    assert_eq!(manager.authorization().unwrap(), "Bearer ok");
    let stats = manager.stats();
    assert_eq!(
        (stats.token_requests, stats.retries, stats.failures),
        (2, 1, 0)
    );
}

#[test]
fn a_429_waits_for_retry_after() {
    let server = TestServer::start(|_, n| {
        if n == 0 {
            Reply::json(429, json!({"message": "slow down"})).with_header("Retry-After", "1")
        } else {
            Reply::json(200, json!({"token": "ok", "expirationTime": 300}))
        }
    });
    let manager = xtd(&server, Some(fast_retries()));
    let started = Instant::now();
    assert_eq!(manager.authorization().unwrap(), "Bearer ok");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(server.count(), 2);
}

#[test]
fn a_retry_after_beyond_the_budget_fails_at_once_with_rate_limited() {
    let server = TestServer::start(|_, _| Reply::text(429, "").with_header("Retry-After", "120"));
    let manager = xtd(&server, Some(fast_retries()));
    let started = Instant::now();
    let error = manager.authorization().unwrap_err();
    assert_eq!(
        error,
        AuthError::RateLimited {
            retry_after_ms: Some(120_000)
        }
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(server.count(), 1);
    // The cool-down honours Retry-After too: the next call does not hit the server.
    assert!(manager.authorization().is_err());
    assert_eq!(server.count(), 1);
}

#[test]
fn a_401_is_not_retried_and_carries_the_server_message() {
    let vectors = support::vectors();
    let case = vectors["token_errors"][0].clone();
    let body = case["body"].clone();
    let server = TestServer::start(move |_, _| Reply::json(401, body.clone()));
    let manager = xtd(&server, Some(fast_retries()));
    let error = manager.authorization().unwrap_err();
    assert_eq!(
        error,
        AuthError::Unauthorized {
            status: 401,
            message: "Unauthorized".into()
        }
    );
    assert_eq!(
        error.to_string(),
        "unauthorized (HTTP 401): Unauthorized; check the credentials"
    );
    assert_eq!(server.count(), 1);
}

#[test]
fn every_token_error_vector_maps_to_its_kind_and_retry_rule() {
    let vectors = support::vectors();
    let cases = vectors["token_errors"].as_array().unwrap();
    assert_eq!(cases.len(), 6);
    for case in cases {
        let status = case["status"].as_u64().unwrap() as u16;
        let mut reply = match (&case["body"], case.get("body_text")) {
            (_, Some(text)) => Reply::text(status, text.as_str().unwrap()),
            (serde_json::Value::Null, _) => Reply::text(status, ""),
            (body, _) => Reply::json(status, body.clone()),
        };
        if let Some(headers) = case.get("headers").and_then(|h| h.as_object()) {
            for (name, value) in headers {
                // Keep the rate-limit case quick; waiting for Retry-After is tested above.
                let value = if name == "Retry-After" {
                    "0"
                } else {
                    value.as_str().unwrap()
                };
                reply = reply.with_header(name, value);
            }
        }
        let server = TestServer::start(move |_, _| reply.clone());
        let manager = xtd(&server, Some(fast_retries().max_attempts(2)));
        let error = manager.authorization().unwrap_err();
        let kind = match &error {
            AuthError::Unauthorized { .. } => "unauthorized".to_owned(),
            AuthError::OAuth { error, .. } => format!("oauth error {error}"),
            AuthError::RateLimited { .. } => "rate limited".to_owned(),
            AuthError::Server { .. } => "server".to_owned(),
            AuthError::InvalidResponse { .. } => "invalid response".to_owned(),
            other => panic!("{}: unexpected {other:?}", case["source"]),
        };
        assert_eq!(kind, case["kind"].as_str().unwrap(), "{}", case["source"]);
        let retried = server.count() > 1;
        assert_eq!(
            retried,
            case["retry"].as_bool().unwrap(),
            "{}",
            case["source"]
        );
    }
}

#[test]
fn malformed_json_huge_bodies_and_stalled_servers_give_typed_errors_in_time() {
    let malformed = TestServer::start(|_, _| Reply::text(200, "{\"token\": "));
    let error = xtd(&malformed, None).authorization().unwrap_err();
    assert!(
        matches!(error, AuthError::InvalidResponse { .. }),
        "{error:?}"
    );

    let huge = TestServer::start(|_, _| Reply::text(200, &"x".repeat(200_000)));
    let error = xtd(&huge, None).authorization().unwrap_err();
    assert!(
        matches!(error, AuthError::InvalidResponse { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("65536"), "{error}");

    let stalled = TestServer::start(|_, _| Reply::text(200, "{}").after(Duration::from_secs(30)));
    let options = fast_retries()
        .request_timeout(Duration::from_millis(300))
        .max_attempts(2);
    let started = Instant::now();
    let error = xtd(&stalled, Some(options)).authorization().unwrap_err();
    assert!(matches!(error, AuthError::Network { .. }), "{error:?}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(stalled.count(), 2, "a timeout is retried");

    // Nothing listens on this port: a connection error, retried, then typed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let key = ApiKey::from_encoded_key(KEY).unwrap();
    let manager = TokenManager::api_key_exchange(
        &format!("http://127.0.0.1:{port}/t"),
        &key,
        opts(Some(fast_retries())),
    )
    .unwrap();
    assert!(matches!(
        manager.authorization(),
        Err(AuthError::Network { .. })
    ));
    assert_eq!(manager.stats().token_requests, 4);
}

#[test]
fn without_a_valid_token_every_waiting_caller_gets_the_same_error() {
    let server = TestServer::start(|_, _| {
        Reply::json(401, json!({"message": "organization inactive"}))
            .after(Duration::from_millis(200))
    });
    let manager = xtd(&server, None);
    let barrier = Arc::new(Barrier::new(16));
    let errors: Vec<AuthError> = (0..16)
        .map(|_| {
            let (manager, barrier) = (manager.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                manager.authorization().unwrap_err()
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|t| t.join().unwrap())
        .collect();
    assert!(errors.iter().all(|e| *e == errors[0]));
    assert_eq!(
        errors[0],
        AuthError::Unauthorized {
            status: 401,
            message: "organization inactive".into()
        }
    );
    assert_eq!(server.count(), 1);
}

#[test]
fn a_failed_background_refresh_keeps_serving_the_valid_token() {
    let server = TestServer::start(|_, n| {
        if n == 0 {
            Reply::json(200, json!({"token": "t0", "expirationTime": 2}))
        } else {
            Reply::text(500, "down")
        }
    });
    let options = fast_retries().max_attempts(1);
    let manager = xtd(&server, Some(options));
    assert_eq!(manager.authorization().unwrap(), "Bearer t0");
    let token = manager.token().unwrap();
    std::thread::sleep(Duration::from_millis(
        (token.refresh_in().unwrap().as_millis() as u64) + 10,
    ));
    let deadline = Instant::now()
        + Duration::from_millis(
            (token.expires_in().unwrap().as_millis() as u64)
                - (token.refresh_in().unwrap().as_millis() as u64)
                - 60,
        );
    while Instant::now() < deadline {
        assert_eq!(manager.authorization().unwrap(), "Bearer t0");
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(manager.stats().failures >= 1);
    assert!(server.count() >= 2, "the refresh was tried again later");
    std::thread::sleep(Duration::from_millis(200));
    assert!(matches!(
        manager.authorization(),
        Err(AuthError::Server { status: 500, .. })
    ));
}

#[test]
fn parallel_invalidate_of_the_same_token_causes_one_refresh() {
    let server = xtd_server(300.0, Duration::from_millis(50));
    let manager = xtd(&server, None);
    let first = manager.token().unwrap().value().to_owned();
    let barrier = Arc::new(Barrier::new(50));
    let discarded: usize = (0..50)
        .map(|_| {
            let (manager, barrier, first) = (manager.clone(), barrier.clone(), first.clone());
            std::thread::spawn(move || {
                barrier.wait();
                let did = manager.invalidate(&format!("Bearer {first}"));
                assert_eq!(manager.authorization().unwrap(), "Bearer t1");
                usize::from(did)
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|t| t.join().unwrap())
        .sum();
    assert_eq!(discarded, 1);
    assert_eq!(server.count(), 2);
    // A late 401 for the old token changes nothing.
    assert!(!manager.invalidate(&first));
    assert_eq!(server.count(), 2);
}

#[test]
fn a_refresh_loop_fails_clearly_instead_of_hammering_the_server() {
    let server = xtd_server(300.0, Duration::ZERO);
    let options = TokenOptions::default().loop_max_invalidations(3);
    let manager = xtd(&server, Some(options));
    for _ in 0..4 {
        let token = manager.token().unwrap().value().to_owned();
        assert!(manager.invalidate(&token));
    }
    let error = manager.authorization().unwrap_err();
    assert!(
        matches!(error, AuthError::RefreshLoop { refreshes: 4, .. }),
        "{error:?}"
    );
    assert_eq!(server.count(), 4, "no request after the loop was detected");
}

#[test]
fn csrf_fetch_write_403_refetch_cycle() {
    let vectors = support::vectors();
    assert_eq!(
        vectors["csrf"]["fetch_request_headers"]["X-CSRF-Token"],
        "fetch"
    );
    let server = TestServer::start(|req: &Received, n| {
        match (req.method.as_str(), req.header("x-csrf-token")) {
            ("HEAD", Some("fetch")) => Reply::text(200, "")
                .with_header("x-csrf-token", &format!("csrf-{n}"))
                .with_header(
                    "Set-Cookie",
                    &format!("SAP_SESSIONID=s{n}; Path=/; HttpOnly; Secure"),
                )
                .with_header("Set-Cookie", "sap-usercontext=sap-client=100; path=/"),
            _ => Reply::text(400, "unexpected"),
        }
    });
    let session =
        CsrfSession::new(&server.url("/sap/api"), "alice", "pw", None, opts(None)).unwrap();
    let headers = session.headers().unwrap();
    assert_eq!(headers.csrf_token(), "csrf-0");
    assert_eq!(
        headers.cookie().unwrap(),
        "SAP_SESSIONID=s0; sap-usercontext=sap-client=100"
    );
    assert_eq!(
        headers.authorization(),
        authwire::basic_auth("alice", "pw").unwrap()
    );
    let map = headers.to_map();
    assert_eq!(map["X-CSRF-Token"], "csrf-0");
    assert_eq!(map.len(), 3);
    let fetch = &server.requests()[0];
    assert_eq!(fetch.method, "HEAD");
    assert_eq!(fetch.header("authorization"), Some(headers.authorization()));
    // The write answered 403 x-csrf-token: Required → invalidate, next call fetches again.
    assert_eq!(session.headers().unwrap().csrf_token(), "csrf-0");
    assert!(session.invalidate("csrf-0"));
    assert!(!session.invalidate("csrf-0"));
    assert_eq!(session.headers().unwrap().csrf_token(), "csrf-1");
    assert_eq!(server.count(), 2);
    let printed = format!("{headers:?} {session:?}");
    assert!(
        !printed.contains("csrf-0") && !printed.contains("s0"),
        "{printed}"
    );
}

#[test]
fn csrf_get_method_and_missing_token_header() {
    let server = TestServer::start(|req: &Received, _| {
        assert_eq!(req.method, "GET");
        Reply::text(200, "no token here")
    });
    let session = CsrfSession::new(
        &server.url("/x"),
        "u",
        "p",
        authwire::CsrfFetchMethod::Get,
        opts(None),
    )
    .unwrap();
    assert!(matches!(
        session.headers(),
        Err(AuthError::InvalidResponse { .. })
    ));
}

#[test]
fn https_is_required_except_for_loopback() {
    let key = ApiKey::from_encoded_key(KEY).unwrap();
    let error =
        TokenManager::api_key_exchange("http://example.com/v1/token", &key, None).unwrap_err();
    assert!(matches!(error, AuthError::InvalidConfiguration { .. }));
    assert!(CsrfSession::new("http://example.com/", "u", "p", None, None).is_err());
}

#[derive(Default)]
struct Recorder(Mutex<Vec<AuthEvent>>);

impl AuthListener for Recorder {
    fn on_event(&self, event: AuthEvent) {
        self.0.lock().unwrap().push(event);
    }
}

#[test]
fn no_secret_in_any_event_error_or_debug_output() {
    // The server echoes the request body (which holds the API key) in its error message.
    let server = TestServer::start(|req: &Received, n| match n {
        0 => Reply::json(200, json!({"token": "tok-SECRET-0", "expirationTime": 300})),
        1 => Reply::json(503, json!({"message": format!("echo {}", req.body_text())})),
        _ => Reply::json(
            401,
            json!({"message": format!("bad key {}", req.body_text())}),
        ),
    });
    let manager = xtd(&server, Some(fast_retries()));
    let recorder = Arc::new(Recorder::default());
    manager.set_listener(Some(recorder.clone()));
    let token = manager.token().unwrap();
    assert!(manager.invalidate(token.value()));
    let error = manager.authorization().unwrap_err();
    let mut rendered = vec![
        format!("{error}"),
        format!("{error:?}"),
        format!("{manager:?}"),
        format!("{manager}"),
        format!("{token:?}"),
        format!("{token}"),
        format!("{:?}", manager.stats()),
    ];
    let events = recorder.0.lock().unwrap().clone();
    assert!(
        events
            .iter()
            .any(|e| matches!(e, AuthEvent::RefreshRetrying { .. }))
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, AuthEvent::RefreshFailed { .. }))
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, AuthEvent::TokenRefreshed { .. }))
    );
    rendered.extend(events.iter().map(|e| format!("{e:?}")));
    for text in &rendered {
        assert!(!text.contains(KEY), "the API key leaked: {text}");
        assert!(!text.contains("tok-SECRET-0"), "the token leaked: {text}");
    }
    assert!(error.to_string().contains("[redacted]"), "{error}");
}

#[test]
fn async_api_works_from_a_foreign_executor() {
    let server = xtd_server(300.0, Duration::from_millis(50));
    let manager = xtd(&server, None);
    // futures' executor is not tokio: the core's own runtime does the I/O.
    let header = futures::executor::block_on(manager.authorization_async()).unwrap();
    assert_eq!(header, "Bearer t0");
    let token = futures::executor::block_on(manager.token_async()).unwrap();
    assert_eq!(token.value(), "t0");
}

#[test]
fn loopback_token_requests_bypass_an_http_proxy() {
    // A proxy that does not exist: a request routed through it would fail.
    // SAFETY: set before this test's manager builds its client; the variable is only read
    // when an HTTP client is built, and every other test talks to loopback too.
    unsafe { std::env::set_var("HTTP_PROXY", "http://127.0.0.1:9") };
    let server = xtd_server(300.0, Duration::ZERO);
    let manager = xtd(&server, Some(TokenOptions::default().max_attempts(1)));
    assert_eq!(manager.authorization().unwrap(), "Bearer t0");
}

#[test]
fn echoed_credentials_are_scrubbed_in_every_form_they_travel_in() {
    // The server echoes the Authorization header and the body back in its error.
    let echo = |req: &Received, _| {
        let echoed = format!(
            "got {} and {}",
            req.header("authorization").unwrap_or(""),
            req.body_text()
        );
        Reply::json(
            400,
            json!({"error": "invalid_client", "error_description": echoed}),
        )
    };
    let server = TestServer::start(echo);
    let manager = TokenManager::client_credentials_with_method(
        &server.url("/oauth/token"),
        "my-client-id",
        "s3cr3t/with+chars",
        &[],
        ClientAuthMethod::ClientSecretBasic,
        opts(None),
    )
    .unwrap();
    let recorder = Arc::new(Recorder::default());
    manager.set_listener(Some(recorder.clone()));
    let error = manager.authorization().unwrap_err();
    let basic = authwire::basic_auth("my-client-id", "s3cr3t%2Fwith%2Bchars").unwrap();
    let encoded = basic.strip_prefix("Basic ").unwrap();
    let events = format!("{:?}", recorder.0.lock().unwrap());
    for text in [error.to_string(), format!("{error:?}"), events] {
        assert!(!text.contains(encoded), "base64 credentials leaked: {text}");
        assert!(!text.contains("s3cr3t"), "secret leaked: {text}");
    }
    assert!(error.to_string().contains("[redacted]"), "{error}");

    // A CSRF fetch answered with an echo of its Basic header.
    let server = TestServer::start(|req: &Received, _| {
        Reply::json(
            401,
            json!({"message": format!("bad {}", req.header("authorization").unwrap_or(""))}),
        )
    });
    let get = Some(authwire::CsrfFetchMethod::Get);
    let session =
        CsrfSession::new(&server.url("/csrf"), "alice", "pa55word!", get, opts(None)).unwrap();
    let error = session.headers().unwrap_err().to_string();
    assert!(error.contains("bad [redacted]"), "{error}");
    let basic = authwire::basic_auth("alice", "pa55word!").unwrap();
    assert!(
        !error.contains(basic.strip_prefix("Basic ").unwrap()),
        "{error}"
    );
    assert!(!error.contains("pa55word!"), "{error}");
}

/// A manager dropped while its refresh waits on a server that never answers: the refresh task
/// stops, its connection is closed (the server reads end-of-stream) long before the request
/// timeout, and nothing crashes.
#[test]
#[cfg(feature = "reqwest-transport")]
fn dropping_a_manager_stops_its_refresh_in_flight() {
    use std::io::Read;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1/token", listener.local_addr().unwrap());
    let key = ApiKey::from_encoded_key("drop-test-key").unwrap();
    let options = TokenOptions::default().request_timeout(Duration::from_millis(60_000));
    let manager = TokenManager::api_key_exchange(&url, &key, Some(options)).unwrap();
    // The caller gives up after 200 ms; the refresh it started goes on in the background.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let waited = runtime.block_on(async {
        tokio::time::timeout(Duration::from_millis(200), manager.authorization_async()).await
    });
    assert!(waited.is_err(), "the server never answers");
    let (mut connection, _) = listener.accept().unwrap();
    connection
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut request = [0u8; 4096];
    assert!(
        connection.read(&mut request).unwrap() > 0,
        "the token request arrived"
    );
    let dropped = Instant::now();
    drop(manager);
    let mut rest = Vec::new();
    // End-of-stream (or a reset) once the dropped manager's request is cancelled.
    let _ = connection.read_to_end(&mut rest);
    let closed_after = dropped.elapsed();
    println!("the connection was closed {closed_after:?} after the drop");
    assert!(closed_after < Duration::from_secs(5), "{closed_after:?}");
}

/// A token whose whole lifetime passed while its answer was on the way (1 s lifetime, 1.5 s
/// answer) is never handed out, not even to the caller that waited for it.
#[test]
fn a_token_that_expired_in_transit_is_never_handed_out() {
    let server = xtd_server(1.0, Duration::from_millis(1500));
    let options = TokenOptions::default().max_attempts(1);
    let error = xtd(&server, Some(options)).authorization().unwrap_err();
    assert_eq!(
        error.network_kind(),
        Some(authwire::NetworkErrorKind::ReadTimeout),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .contains("arrived after the token's lifetime (1000 ms) had ended"),
        "{error}"
    );
}
