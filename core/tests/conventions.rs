//! The Rust column of the concept table (docs/api/conventions.md), held by the compiler: each
//! test makes the table's calls as a Rust caller writes them (the Rust API Guidelines' C-*
//! checklist: `Duration`s, borrowed getters, option structs with chained setters,
//! `#[non_exhaustive]` enums matched with `_`, `impl AsRef<Path>` for files, plain `Self`
//! from constructors, `Send + Sync` values, errors that are `std::error::Error`), and checks
//! what they return. A change of shape fails to compile here before it reaches a user.

mod support;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use authwire::{
    AccessToken, ApiKey, AuthError, AuthEvent, BasicCredentials, CsrfFetchMethod, CsrfHeaders,
    CsrfSession, CustomExchange, ExpiryFormat, FileStore, JwtOptions, NetworkErrorKind,
    TokenManager, TokenOptions, TokenStats, TokenStore,
};
use serde_json::json;
use support::server::{Received, Reply, TestServer};
use support::transport::with_transport as opts;

const KEY_JSON: &str =
    r#"{"appClientId": "app-1", "appClientSecret": "s3cret", "encodedKey": "ZW5jb2RlZA"}"#;

#[test]
fn the_public_types_are_send_sync_and_debug() {
    fn send_sync<T: Send + Sync>() {}
    fn debug<T: std::fmt::Debug>() {}
    fn error<T: std::error::Error + Send + Sync + 'static>() {}
    send_sync::<TokenManager>();
    send_sync::<CsrfSession>();
    send_sync::<AccessToken>();
    send_sync::<ApiKey>();
    send_sync::<BasicCredentials>();
    send_sync::<CsrfHeaders>();
    send_sync::<TokenOptions>();
    send_sync::<AuthError>();
    debug::<TokenManager>();
    debug::<TokenOptions>();
    debug::<CustomExchange>();
    debug::<JwtOptions>();
    debug::<AccessToken>();
    error::<AuthError>();
    error::<authwire::StoreError>();
}

#[test]
fn headers_take_str_and_optional_parts_without_some() {
    let value = authwire::basic_auth("Aladdin", "open sesame").unwrap();
    // Borrowed getters: `&str`, compared without allocating.
    let credentials: BasicCredentials = authwire::decode_basic(&value).unwrap();
    let user_id: &str = credentials.user_id();
    let password: &str = credentials.password();
    assert_eq!((user_id, password), ("Aladdin", "open sesame"));
    // Optional arguments: a `&str` or `None`, no `Some("…".into())`.
    assert_eq!(
        authwire::open_connectors_auth("u1", "o2", None).unwrap(),
        "User u1, Organization o2"
    );
    assert_eq!(
        authwire::open_connectors_auth("u1", None, "e3").unwrap(),
        "User u1, Element e3"
    );
    let organization: Option<&str> = Some("o2");
    assert_eq!(
        authwire::open_connectors_auth("u1", organization, None).unwrap(),
        "User u1, Organization o2"
    );
    assert_eq!(
        authwire::scheme_auth_params("Token", &[("token", "abc")]).unwrap(),
        r#"Token token="abc""#
    );
}

#[test]
fn an_api_key_reads_text_or_any_path_and_lends_its_fields() {
    let key: ApiKey = ApiKey::from_json(KEY_JSON).unwrap();
    assert_eq!(key.app_client_id(), Some("app-1"));
    assert_eq!(key.app_client_secret(), Some("s3cret"));
    assert_eq!(key.encoded_key(), "ZW5jb2RlZA");
    let printed = format!("{key:?} {key}");
    assert!(
        !printed.contains("s3cret") && !printed.contains("ZW5jb2RlZA"),
        "{printed}"
    );

    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join("key.json");
    std::fs::write(&path, KEY_JSON).unwrap();
    // `impl AsRef<Path>`: a `PathBuf`, a `&Path` or a `&str` alike.
    for key in [
        ApiKey::from_file(&path).unwrap(),
        ApiKey::from_file(path.as_path()).unwrap(),
        ApiKey::from_file(path.to_str().unwrap()).unwrap(),
    ] {
        assert_eq!(key.encoded_key(), "ZW5jb2RlZA");
    }
    let missing = ApiKey::from_file(Path::new("/nonexistent/key.json")).unwrap_err();
    assert!(matches!(missing, AuthError::InvalidConfiguration { .. }));

    let bare = ApiKey::from_encoded_key("ZW5j").unwrap();
    assert_eq!(bare.app_client_id(), None);
}

#[test]
fn token_options_are_chained_with_durations() {
    let options = TokenOptions::default()
        .request_timeout(Duration::from_secs(5))
        .connect_timeout(Duration::from_millis(1500))
        .default_lifetime(Duration::from_secs(600))
        .refresh_floor(Duration::from_millis(100))
        .refresh_cap(Duration::from_secs(60))
        .expiry_skew(Duration::from_millis(200))
        .backoff_initial(Duration::from_millis(50))
        .backoff_max(Duration::from_secs(2))
        .retry_budget(Duration::from_secs(10))
        .loop_window(Duration::from_secs(30))
        .refresh_fraction(0.2)
        .refresh_jitter(0.1)
        .max_attempts(2)
        .max_body_bytes(4096)
        .loop_max_invalidations(5);
    let printed = format!("{options:?}");
    assert!(printed.contains("request_timeout_ms: 5000"), "{printed}");
    assert!(printed.contains("default_lifetime_secs: 600"), "{printed}");
    assert!(printed.contains("store: None"), "{printed}");
    // An option struct or `None` where a constructor takes options; no `Some(…)`.
    TokenManager::static_token("abc", None).unwrap();
    let server = TestServer::start(|_, n| {
        Reply::json(
            200,
            json!({"token": format!("t{n}"), "expirationTime": 300}),
        )
    });
    let key = ApiKey::from_encoded_key("ZW5j").unwrap();
    let manager = TokenManager::api_key_exchange(&server.url("/t"), &key, opts(Some(options)))
        .expect("valid options");
    assert_eq!(manager.authorization().unwrap(), "Bearer t0");
    // Bad values are refused when the manager is made, as configuration errors.
    let zero = TokenOptions::default().request_timeout(Duration::ZERO);
    assert!(matches!(
        TokenManager::api_key_exchange(&server.url("/t"), &key, zero),
        Err(AuthError::InvalidConfiguration { .. })
    ));
}

#[test]
fn an_access_token_lends_its_value_and_says_never_with_none() {
    // Constructors return the manager itself; share it in an `Arc` when threads need it.
    let forever: TokenManager = TokenManager::static_token("abc", None).unwrap();
    let token: AccessToken = forever.token().unwrap();
    let value: &str = token.value();
    assert_eq!(value, "abc");
    assert_eq!(token.authorization(), "Bearer abc");
    assert_eq!(token.expires_in(), None, "never expires");
    assert_eq!(token.refresh_in(), None, "never refreshed");

    let hour = TokenManager::static_token("abc", Duration::from_secs(3600)).unwrap();
    let expires_in = hour.token().unwrap().expires_in().expect("a lifetime");
    assert!(
        expires_in > Duration::from_secs(3590) && expires_in <= Duration::from_secs(3600),
        "{expires_in:?}"
    );

    let shared = Arc::new(hour);
    let other = Arc::clone(&shared);
    let header = std::thread::spawn(move || other.authorization().unwrap())
        .join()
        .unwrap();
    assert_eq!(header, "Bearer abc");
    let stats: TokenStats = shared.stats();
    assert_eq!(stats.token_requests, 0);
}

#[test]
fn a_custom_exchange_takes_an_option_struct() {
    let server = TestServer::start(|req: &Received, n| {
        assert_eq!(req.header("x-tenant"), Some("acme"));
        Reply::json(200, json!({"data": {"jwt": format!("j{n}"), "ttl": 60}}))
    });
    let manager = TokenManager::custom_exchange(
        &server.url("/auth"),
        r#"{"user": "u"}"#,
        "data.jwt",
        CustomExchange::default()
            .expiry_field("data.ttl")
            .expiry_format(ExpiryFormat::SecondsFromNow)
            .header("X-Tenant", "acme")
            .scheme("Token"),
        opts(None),
    )
    .unwrap();
    assert_eq!(manager.authorization().unwrap(), "Token j0");
    let token = manager.token().unwrap();
    assert!(token.expires_in().unwrap() <= Duration::from_secs(60));
    // The defaults: no expiry field, Bearer.
    let plain = TokenManager::custom_exchange(
        &server.url("/auth"),
        "{}",
        "data.jwt",
        CustomExchange::default().headers([("X-Tenant", "acme")]),
        opts(None),
    )
    .unwrap();
    assert_eq!(plain.authorization().unwrap(), "Bearer j1");
}

#[test]
fn jwt_sources_take_jwt_options() {
    let options = JwtOptions::default()
        .subject("integration@example.com")
        .scopes(&["api"])
        .extra_claims(serde_json::Map::from_iter([(
            "tenant".to_owned(),
            json!("acme"),
        )]))
        .lifetime(Duration::from_secs(120));
    assert!(format!("{options:?}").contains("integration@example.com"));
    // A self-signed JWT has no token request: scopes are refused, naming the alternative.
    #[cfg(feature = "jwt-signer")]
    {
        let error = TokenManager::self_signed_jwt(
            es256_signer(),
            "issuer",
            "https://api.example.com/",
            JwtOptions::default().scopes(&["api"]),
            None,
        )
        .unwrap_err();
        assert!(error.to_string().contains("scope"), "{error}");
        let tokens = TokenManager::self_signed_jwt(
            es256_signer(),
            "issuer",
            "https://api.example.com/",
            JwtOptions::default().lifetime(Duration::from_secs(600)),
            None,
        )
        .unwrap();
        let token = tokens.token().unwrap();
        assert!(token.expires_in().unwrap() <= Duration::from_secs(600));
        assert!(token.value().starts_with("eyJ"));
    }
}

/// A P-256 key made for this test, as the PEM a `.p8` file holds.
#[cfg(feature = "jwt-signer")]
fn es256_signer() -> Arc<dyn authwire::JwtSigner> {
    const PEM: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg3hJ6hkB+WNh0EDPs
084qfac/GOD70IJpqbBSc0rjdE2hRANCAAQbBfSburBvGLVjMHqMOrooKL7VKaRj
sVkMvab2xfNRk2nMwJzKNcDOxKBx95R9+7l8vG0DqpFXQuFlOwdjcefW
-----END PRIVATE KEY-----
";
    authwire::pem_signer(PEM, "KEY123").unwrap()
}

#[test]
fn a_csrf_session_lends_its_headers() {
    let server = TestServer::start(|req: &Received, n| match req.method.as_str() {
        "HEAD" | "GET" => Reply::text(200, "")
            .with_header("x-csrf-token", &format!("csrf-{n}"))
            .with_header("Set-Cookie", "SID=s1; Path=/"),
        _ => Reply::text(400, "unexpected"),
    });
    let session: CsrfSession =
        CsrfSession::new(&server.url("/csrf"), "alice", "pw", None, opts(None)).unwrap();
    let headers: CsrfHeaders = session.headers().unwrap();
    let token: &str = headers.csrf_token();
    let cookie: Option<&str> = headers.cookie();
    assert_eq!(token, "csrf-0");
    assert_eq!(cookie, Some("SID=s1"));
    assert!(headers.authorization().starts_with("Basic "));
    assert_eq!(headers.to_map().len(), 3);
    let printed = format!("{headers:?}");
    assert!(
        !printed.contains("csrf-0") && !printed.contains("SID"),
        "{printed}"
    );
    assert!(session.invalidate(token));
    let by_get = CsrfSession::new(
        &server.url("/csrf"),
        "alice",
        "pw",
        CsrfFetchMethod::Get,
        opts(None),
    )
    .unwrap();
    assert!(by_get.headers().unwrap().csrf_token().starts_with("csrf-"));
}

#[test]
fn errors_are_matched_with_a_wildcard_and_read_through_accessors() {
    let errors = [
        AuthError::Unauthorized {
            status: 401,
            message: "bad key".into(),
        },
        AuthError::RateLimited {
            retry_after_ms: Some(1500),
        },
        AuthError::Network {
            kind: NetworkErrorKind::ConnectionRefused,
            reason: "could not connect".into(),
        },
    ];
    for error in &errors {
        // `#[non_exhaustive]`: a `match` names what it handles and ends with `_`.
        let what = match error {
            AuthError::Unauthorized { .. } => "credentials",
            AuthError::RateLimited { .. } => "later",
            AuthError::Network { .. } => "network",
            _ => "other",
        };
        assert!(!what.is_empty());
        assert!(!error.to_string().is_empty(), "Display is the sentence");
    }
    assert_eq!(errors[0].server_message(), Some("bad key"));
    assert_eq!(errors[0].status(), Some(401));
    assert_eq!(errors[1].retry_after(), Some(Duration::from_millis(1500)));
    assert_eq!(errors[1].status(), Some(429));
    assert_eq!(errors[2].server_message(), None);
    assert_eq!(
        errors[2].network_kind(),
        Some(NetworkErrorKind::ConnectionRefused)
    );
    let retried = match NetworkErrorKind::ConnectionRefused {
        NetworkErrorKind::NameNotResolved => false,
        kind => kind.is_retried(),
    };
    assert!(retried);
    let event = AuthEvent::TokenInvalidated;
    let described = match event {
        AuthEvent::TokenRefreshed { .. } => "refreshed",
        AuthEvent::TokenInvalidated => "invalidated",
        _ => "something else",
    };
    assert_eq!(described, "invalidated");
}

#[test]
fn a_file_store_fails_with_auth_error_and_plugs_into_the_options() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn TokenStore> = Arc::new(FileStore::new(dir.path().join("tokens")).unwrap());
    let options = TokenOptions::default().store(store);
    assert!(format!("{options:?}").contains("store: Some(..)"));
    let error: AuthError = FileStore::new("/nonexistent-authwire-dir/tokens").unwrap_err();
    assert!(matches!(error, AuthError::InvalidConfiguration { .. }));
}
