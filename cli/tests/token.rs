//! `token` and `csrf` against local servers on 127.0.0.1.

mod common;

use std::sync::atomic::{AtomicU64, Ordering};

use common::{Reply, TempFile, TestServer, authwire, authwire_with};

const API_KEY_FILE: &str = r#"{"appClientId": "app-1", "appClientSecret": "app-secret-Zq81", "encodedKey": "enc-key-Zq81"}"#;

/// An XTD-shaped token server: `POST /v1/token {"apiKey": "enc-key-Zq81"}`, a new token
/// `tok-<n>` per request with the given lifetime.
fn xtd_server(lifetime_secs: u64) -> TestServer {
    let issued = AtomicU64::new(0);
    TestServer::start(move |request| {
        if request.method != "POST" || request.path != "/v1/token" {
            return Reply::json(404, r#"{"message":"not found"}"#);
        }
        let body: serde_json::Value = serde_json::from_str(&request.body).unwrap_or_default();
        if body["apiKey"] != "enc-key-Zq81" {
            return Reply::json(401, r#"{"message":"unknown API key"}"#);
        }
        let n = issued.fetch_add(1, Ordering::SeqCst) + 1;
        Reply::json(
            200,
            &format!(r#"{{"token": "tok-{n}", "expirationTime": {lifetime_secs}}}"#),
        )
    })
}

#[test]
fn xtd_api_key_exchange_prints_the_bearer_header() {
    let server = xtd_server(300);
    let key = TempFile::new("key.json", API_KEY_FILE);
    let run = authwire(
        &[
            "token",
            "--api-key-file",
            key.path_str(),
            "--token-url",
            &server.url("/v1/token"),
        ],
        &[],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, "Authorization: Bearer tok-1\n");
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let body: serde_json::Value = serde_json::from_str(&requests[0].body).unwrap();
    assert_eq!(body, serde_json::json!({"apiKey": "enc-key-Zq81"}));
    assert_eq!(requests[0].header("content-type"), Some("application/json"));

    let run = authwire_with(
        &[
            "token",
            "--api-key-stdin",
            "--token-url",
            &server.url("/v1/token"),
            "--value",
        ],
        &[],
        Some(API_KEY_FILE),
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, "Bearer tok-2\n");
}

#[test]
fn a_rejected_api_key_exits_4_without_showing_any_secret() {
    let server = xtd_server(300);
    let key = TempFile::new(
        "key.json",
        r#"{"appClientId": "app-1", "appClientSecret": "app-secret-Zq81", "encodedKey": "wrong-key-Zq81"}"#,
    );
    let run = authwire(
        &[
            "token",
            "--api-key-file",
            key.path_str(),
            "--token-url",
            &server.url("/v1/token"),
        ],
        &[],
    );
    assert_eq!(run.code, 4, "{run:?}");
    assert!(run.stderr.contains("unauthorized (HTTP 401)"), "{run:?}");
    assert!(!run.all_output().contains("Zq81"), "{run:?}");
}

#[test]
fn bad_token_configuration_exits_3() {
    let key = TempFile::new("key.json", API_KEY_FILE);
    // Plain HTTP only to loopback.
    let run = authwire(
        &[
            "token",
            "--api-key-file",
            key.path_str(),
            "--token-url",
            "http://auth.example.com/v1/token",
        ],
        &[],
    );
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.stderr.contains("https://"), "{run:?}");
    // A key file without encodedKey.
    let broken = TempFile::new(
        "key.json",
        r#"{"appClientId": "a", "appClientSecret": "s-Zq81"}"#,
    );
    let run = authwire(
        &[
            "token",
            "--api-key-file",
            broken.path_str(),
            "--token-url",
            "https://auth.example.com/t",
        ],
        &[],
    );
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.stderr.contains("encodedKey"), "{run:?}");
    assert!(!run.all_output().contains("Zq81"), "{run:?}");
    // No source, two sources, or a source without its URL: usage.
    assert_eq!(authwire(&["token"], &[]).code, 2);
    assert_eq!(
        authwire(
            &[
                "token",
                "--api-key-file",
                key.path_str(),
                "--client-id",
                "x",
                "--token-url",
                "https://a.example/t"
            ],
            &[]
        )
        .code,
        2
    );
    assert_eq!(
        authwire(&["token", "--api-key-file", key.path_str()], &[]).code,
        2
    );
}

#[test]
fn an_unreachable_token_server_exits_4() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let key = TempFile::new("key.json", API_KEY_FILE);
    let run = authwire(
        &[
            "token",
            "--api-key-file",
            key.path_str(),
            "--token-url",
            &format!("http://127.0.0.1:{port}/v1/token"),
        ],
        &[],
    );
    assert_eq!(run.code, 4, "{run:?}");
    assert!(run.stderr.contains("network error"), "{run:?}");
}

/// An OAuth2 token endpoint for client `my-app` with secret `cs-Zq81` (and, compared
/// literally as Doorkeeper does, `my app` with `cs Zq81+`).
fn oauth_server() -> TestServer {
    TestServer::start(|request| {
        let form: Vec<(String, String)> = request
            .body
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.replace('+', " ")))
            .collect();
        let get = |name: &str| {
            form.iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        // base64("my-app:cs-Zq81")
        // and, unencoded, base64("my app:cs Zq81+")
        let basic_ok = matches!(
            request.header("authorization"),
            Some("Basic bXktYXBwOmNzLVpxODE=" | "Basic bXkgYXBwOmNzIFpxODEr")
        );
        let post_ok = get("client_id") == Some("my-app") && get("client_secret") == Some("cs-Zq81");
        if get("grant_type") != Some("client_credentials") {
            return Reply::json(400, r#"{"error":"unsupported_grant_type"}"#);
        }
        if !(basic_ok || post_ok) {
            return Reply::json(
                401,
                r#"{"error":"invalid_client","error_description":"bad client"}"#,
            );
        }
        let scope = get("scope").unwrap_or("");
        let token = if scope.is_empty() {
            "cc-noscope".to_owned()
        } else {
            format!("cc-{}", scope.replace(' ', "_"))
        };
        Reply::json(
            200,
            &format!(r#"{{"access_token": "{token}", "token_type": "bearer", "expires_in": 300}}"#),
        )
    })
}

#[test]
fn client_credentials_with_basic_and_post_authentication() {
    let server = oauth_server();
    let url = server.url("/oauth/token");
    let run = authwire(
        &[
            "token",
            "--client-id",
            "my-app",
            "--token-url",
            &url,
            "--scope",
            "read",
            "--scope",
            "write",
        ],
        &[("AUTHWIRE_CLIENT_SECRET", "cs-Zq81")],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, "Authorization: Bearer cc-read_write\n");

    let secret = TempFile::new("secret", "cs-Zq81\n");
    let run = authwire(
        &[
            "token",
            "--client-id",
            "my-app",
            "--token-url",
            &url,
            "--client-secret-file",
            secret.path_str(),
            "--client-auth",
            "post",
            "--value",
        ],
        &[],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, "Bearer cc-noscope\n");
    let requests = server.requests();
    assert!(
        requests[1].header("authorization").is_none(),
        "{:?}",
        requests[1]
    );
    assert!(
        requests[1].body.contains("client_secret=cs-Zq81"),
        "{:?}",
        requests[1]
    );

    // Doorkeeper/UAA: the id and secret as they are, no percent-encoding.
    let secret = TempFile::new("secret", "cs Zq81+\n");
    let run = authwire(
        &[
            "token",
            "--client-id",
            "my app",
            "--token-url",
            &url,
            "--client-secret-file",
            secret.path_str(),
            "--client-auth",
            "basic-unencoded",
            "--value",
        ],
        &[],
    );
    assert_eq!(run.code, 0, "{run:?}");
    let requests = server.requests();
    assert_eq!(
        requests[2].header("authorization"),
        Some(
            ::authwire::basic_auth("my app", "cs Zq81+")
                .unwrap()
                .as_str()
        ),
    );
}

#[test]
fn a_wrong_client_secret_shows_the_oauth_error_but_not_the_secret() {
    let server = oauth_server();
    let run = authwire(
        &[
            "token",
            "--client-id",
            "my-app",
            "--token-url",
            &server.url("/oauth/token"),
        ],
        &[("AUTHWIRE_CLIENT_SECRET", "wrong-Zq81")],
    );
    assert_eq!(run.code, 4, "{run:?}");
    assert!(run.stderr.contains("invalid_client"), "{run:?}");
    assert!(!run.all_output().contains("Zq81"), "{run:?}");
    let run = authwire(
        &[
            "token",
            "--client-id",
            "my-app",
            "--token-url",
            &server.url("/t"),
        ],
        &[],
    );
    assert_eq!(run.code, 2, "no client secret: {run:?}");
    assert!(run.stderr.contains("AUTHWIRE_CLIENT_SECRET"), "{run:?}");
}

/// A vendor API: `POST /api/token` with `{"key": "vk-Zq81"}` and `X-Tenant: acme`, answering
/// `{"data": {"access": ..., "expires": <epoch ms>}}`.
fn vendor_server() -> TestServer {
    TestServer::start(|request| {
        let body: serde_json::Value = serde_json::from_str(&request.body).unwrap_or_default();
        if body["key"] != "vk-Zq81" || request.header("x-tenant") != Some("acme") {
            return Reply::json(403, r#"{"message":"forbidden"}"#);
        }
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis();
        Reply::json(
            200,
            &format!(
                r#"{{"data": {{"access": "vendor-tok", "expires": {}}}}}"#,
                now_ms + 600_000
            ),
        )
    })
}

#[test]
fn a_custom_exchange_from_a_toml_config_with_env_references() {
    let server = vendor_server();
    let config = TempFile::new(
        "vendor.toml",
        &format!(
            r#"url = "{}"
request_body = '{{"key": "${{env:VENDOR_KEY}}"}}'
token_field = "data.access"
expiry_field = "data.expires"
expiry_format = "epoch_milliseconds"
scheme = "Token"

[headers]
X-Tenant = "acme"
"#,
            server.url("/api/token")
        ),
    );
    let run = authwire(
        &["token", "--config", config.path_str()],
        &[("VENDOR_KEY", "vk-Zq81")],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, "Authorization: Token vendor-tok\n");
    let run = authwire(&["token", "--config", config.path_str()], &[]);
    assert_eq!(run.code, 3, "an unset variable: {run:?}");
    assert!(run.stderr.contains("VENDOR_KEY"), "{run:?}");
}

#[test]
fn a_custom_exchange_from_a_json_config_with_the_url_on_the_command_line() {
    let server = vendor_server();
    let config = TempFile::new(
        "vendor.conf",
        r#"{"request_body": {"key": "vk-Zq81"}, "token_field": "data.access",
            "expiry_field": "data.expires", "expiry_format": "epoch_milliseconds",
            "headers": {"X-Tenant": "acme"}}"#,
    );
    let run = authwire(
        &[
            "token",
            "--config",
            config.path_str(),
            "--token-url",
            &server.url("/api/token"),
            "--value",
        ],
        &[],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, "Bearer vendor-tok\n");
    let run = authwire(&["token", "--config", config.path_str()], &[]);
    assert_eq!(run.code, 3, "no url anywhere: {run:?}");
}

#[test]
fn config_errors_name_the_problem_but_not_the_values() {
    let cases = [
        (
            "missing.json",
            r#"{"url": "https://a.example/t", "request_body": "{}"}"#,
            "token_field",
        ),
        (
            "typo.json",
            r#"{"url": "https://a.example/t", "request_body": {}, "token_field": "t", "tokn": 1}"#,
            "tokn",
        ),
        (
            "syntax.toml",
            "url = \"https://a.example/t\"\nrequest_body = 'x-Zq81\n",
            "line 2",
        ),
        ("syntax.json", "{\"url\": \"x-Zq81\",,}", "line 1"),
        (
            "type.json",
            r#"{"url": "https://a.example/t", "request_body": {}, "token_field": "t", "headers": "h-Zq81"}"#,
            "expected",
        ),
        (
            "body.json",
            r#"{"url": "https://a.example/t", "request_body": "not json Zq81", "token_field": "t"}"#,
            "request_body",
        ),
        (
            "format.json",
            r#"{"url": "https://a.example/t", "request_body": {}, "token_field": "t", "expiry_format": "weeks"}"#,
            "epoch_seconds",
        ),
    ];
    for (name, text, expected) in cases {
        let config = TempFile::new(name, text);
        let run = authwire(&["token", "--config", config.path_str()], &[]);
        assert_eq!(run.code, 3, "{name}: {run:?}");
        assert!(run.stderr.contains(expected), "{name}: {run:?}");
        assert!(!run.all_output().contains("Zq81"), "{name}: {run:?}");
    }
}

#[test]
fn watch_prints_one_line_per_refresh_and_the_token_only_when_asked() {
    let server = xtd_server(1);
    let key = TempFile::new("key.json", API_KEY_FILE);
    let url = server.url("/v1/token");
    let run = authwire(
        &[
            "token",
            "--api-key-file",
            key.path_str(),
            "--token-url",
            &url,
            "--watch",
            "--count",
            "3",
        ],
        &[],
    );
    assert_eq!(run.code, 0, "{run:?}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{run:?}");
    for line in &lines {
        assert!(line.contains("token refreshed: lifetime 1.0 s"), "{run:?}");
    }
    assert!(!run.all_output().contains("tok-"), "{run:?}");
    assert_eq!(server.requests().len(), 3);

    let run = authwire(
        &[
            "token",
            "--api-key-file",
            key.path_str(),
            "--token-url",
            &url,
            "--watch",
            "--count",
            "2",
            "--show-token",
        ],
        &[],
    );
    assert_eq!(run.code, 0, "{run:?}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{run:?}");
    assert!(
        lines[0].ends_with("| Authorization: Bearer tok-4"),
        "{run:?}"
    );
    assert!(
        lines[1].ends_with("| Authorization: Bearer tok-5"),
        "{run:?}"
    );
    assert_eq!(
        authwire(
            &[
                "token",
                "--show-token",
                "--api-key-file",
                "k",
                "--token-url",
                &url
            ],
            &[]
        )
        .code,
        2
    );
}

#[cfg(unix)]
#[test]
fn token_exec_passes_the_header_and_the_exit_code() {
    let server = xtd_server(300);
    let key = TempFile::new("key.json", API_KEY_FILE);
    let run = authwire(
        &[
            "token",
            "--api-key-file",
            key.path_str(),
            "--token-url",
            &server.url("/v1/token"),
            "exec",
            "--",
            "sh",
            "-c",
            "printf '%s' \"$AUTHORIZATION\"; exit 3",
        ],
        &[],
    );
    assert_eq!(run.code, 3, "{run:?}");
    assert_eq!(run.stdout, "Bearer tok-1");
    let run = authwire(
        &[
            "token",
            "--api-key-file",
            key.path_str(),
            "--token-url",
            &server.url("/v1/token"),
            "--watch",
            "exec",
            "--",
            "true",
        ],
        &[],
    );
    assert_eq!(run.code, 2, "--watch with exec: {run:?}");
}

/// An SAP API Management style endpoint for alice / pw-Zq81.
fn csrf_server() -> TestServer {
    TestServer::start(|request| {
        // base64("alice:pw-Zq81")
        if request.header("authorization") != Some("Basic YWxpY2U6cHctWnE4MQ==") {
            return Reply::json(401, r#"{"message":"bad credentials"}"#);
        }
        if request
            .header("x-csrf-token")
            .map(str::to_ascii_lowercase)
            .as_deref()
            != Some("fetch")
        {
            return Reply::json(403, "{}").with_header("x-csrf-token", "Required");
        }
        Reply::json(200, "{}")
            .with_header(
                "x-csrf-token",
                &format!("csrf-{}", request.method.to_ascii_lowercase()),
            )
            .with_header("Set-Cookie", "SESSION=abc; Path=/; HttpOnly")
            .with_header("Set-Cookie", "sap-usercontext=sap-client=100; Secure")
    })
}

#[test]
fn csrf_prints_the_write_headers() {
    let server = csrf_server();
    let url = server.url("/v1/orders");
    let run = authwire(
        &["csrf", "--url", &url, "--user", "alice"],
        &[("AUTHWIRE_PASSWORD", "pw-Zq81")],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout,
        "X-CSRF-Token: csrf-head\nCookie: SESSION=abc; sap-usercontext=sap-client=100\nAuthorization: Basic YWxpY2U6cHctWnE4MQ==\n"
    );
    assert_eq!(server.requests()[0].method, "HEAD");

    let run = authwire(
        &[
            "csrf",
            "--url",
            &url,
            "--user",
            "alice",
            "--method",
            "get",
            "--json",
            "--password-arg",
            "pw-Zq81",
        ],
        &[],
    );
    assert_eq!(run.code, 0, "{run:?}");
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["X-CSRF-Token"], "csrf-get");
    assert_eq!(
        json["Cookie"],
        "SESSION=abc; sap-usercontext=sap-client=100"
    );
    assert_eq!(server.requests()[1].method, "GET");
}

#[test]
fn csrf_with_wrong_credentials_exits_4_without_the_password() {
    let server = csrf_server();
    let run = authwire(
        &[
            "csrf",
            "--url",
            &server.url("/v1/orders"),
            "--user",
            "alice",
        ],
        &[("AUTHWIRE_PASSWORD", "wrong-Zq81")],
    );
    assert_eq!(run.code, 4, "{run:?}");
    assert!(run.stderr.contains("401"), "{run:?}");
    assert!(!run.all_output().contains("Zq81"), "{run:?}");
    let run = authwire(
        &["csrf", "--url", &server.url("/"), "--user", "al:ice"],
        &[("AUTHWIRE_PASSWORD", "x")],
    );
    assert_eq!(run.code, 3, "{run:?}");
}

#[cfg(unix)]
#[test]
fn csrf_exec_sets_the_three_variables() {
    let server = csrf_server();
    let run = authwire(
        &[
            "csrf",
            "--url",
            &server.url("/v1/orders"),
            "--user",
            "alice",
            "exec",
            "--",
            "sh",
            "-c",
            "printf '%s|%s|%s' \"$X_CSRF_TOKEN\" \"$COOKIE\" \"$AUTHORIZATION\"",
        ],
        &[("AUTHWIRE_PASSWORD", "pw-Zq81"), ("COOKIE", "stale")],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout,
        "csrf-head|SESSION=abc; sap-usercontext=sap-client=100|Basic YWxpY2U6cHctWnE4MQ=="
    );
}

#[test]
fn processes_with_the_same_store_share_one_token() {
    let server = xtd_server(300);
    let key = TempFile::new("key.json", API_KEY_FILE);
    let dir = key.path.parent().unwrap().to_path_buf();
    let store = format!("file:{}", dir.join("tokens").display());
    let args = [
        "token",
        "--api-key-file",
        key.path_str(),
        "--token-url",
        &server.url("/v1/token"),
        "--store",
        &store,
    ];
    // Two separate processes: the second takes the first one's token from the store.
    for _ in 0..2 {
        let run = authwire(&args, &[]);
        assert_eq!(run.code, 0, "{run:?}");
        assert_eq!(run.stdout, "Authorization: Bearer tok-1\n");
    }
    assert_eq!(server.requests().len(), 1);
    let stored = std::fs::read_to_string(dir.join("tokens")).unwrap();
    assert!(!stored.contains("tok-1") && !stored.contains("enc-key-Zq81"));

    let run = authwire(
        &[
            "token",
            "--api-key-file",
            key.path_str(),
            "--token-url",
            &server.url("/v1/token"),
            "--store",
            "ftp://x",
        ],
        &[],
    );
    assert_eq!(run.code, 2, "{run:?}");
}

/// A closed local port: the classified error, its kind and hint on stderr, exit code 4.
#[test]
fn a_network_failure_prints_its_kind_and_what_to_do() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let key = TempFile::new("key.json", API_KEY_FILE);
    let url = format!("http://127.0.0.1:{port}/v1/token");
    let run = authwire(
        &[
            "token",
            "--api-key-file",
            key.path_str(),
            "--token-url",
            &url,
        ],
        &[],
    );
    assert_eq!(run.code, 4, "{run:?}");
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.contains(&format!(
            "could not connect to http://127.0.0.1:{port} (refused or unreachable)"
        )),
        "{run:?}"
    );
    assert!(
        run.stderr.contains("check that the server is up"),
        "{run:?}"
    );
    assert!(
        run.stderr
            .contains("kind: connection-refused (retried before giving up)"),
        "{run:?}"
    );
    assert!(!run.all_output().contains("enc-key-Zq81"), "{run:?}");
}

/// A host name that cannot exist (RFC 6761 `.invalid`): not retried, named in the message.
#[test]
fn a_host_that_does_not_resolve_fails_at_once_with_a_hint() {
    let key = TempFile::new("key.json", API_KEY_FILE);
    let started = std::time::Instant::now();
    let run = authwire(
        &[
            "token",
            "--api-key-file",
            key.path_str(),
            "--token-url",
            "https://no-such-host.invalid/v1/token",
        ],
        &[],
    );
    let took = started.elapsed();
    assert_eq!(run.code, 4, "{run:?}");
    assert!(
        run.stderr
            .contains("no-such-host.invalid did not resolve (no such host name)"),
        "{run:?}"
    );
    assert!(run.stderr.contains("check the URL"), "{run:?}");
    assert!(
        run.stderr
            .contains("kind: name-not-resolved (not retried: retrying cannot help)"),
        "{run:?}"
    );
    println!("a name that does not resolve failed after {took:?}");
}
