//! The signed-JWT sources against real verifiers on 127.0.0.1 (`tests/scenarios/jwt_servers.py`):
//! PyJWT checks the Google, GitHub and App Store Connect JWTs (signature, algorithm, `kid`,
//! `iss`, `aud`, `iat`/`exp` bounds), Authlib checks `private_key_jwt`, and Google stand-ins
//! whose clocks run 10 minutes ahead or behind check the server-time correction.
//!
//! Needs the Python packages of tests/scenarios/requirements.txt: tests/run-all sets
//! `AUTHWIRE_TEST_PYTHON`; without it and without the repository's `.venv`, each test says
//! that it skipped.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use authwire::{
    AuthError, FileStore, JwtOptions, JwtSigner, TokenManager, TokenOptions, pem_signer,
};
use serde_json::{Value, json};
use support::python::{PythonServer, http_get, json_servers, oauth_python};

struct Servers {
    _process: PythonServer,
    info: Value,
}

impl Servers {
    fn start() -> Option<Self> {
        let Some(python) = oauth_python() else {
            eprintln!(
                "SKIPPED: the signed-JWT tests need AUTHWIRE_TEST_PYTHON (a Python with tests/scenarios/requirements.txt) or the repository's .venv"
            );
            return None;
        };
        let (process, info) = json_servers(&python, "jwt_servers.py");
        Some(Self {
            _process: process,
            info,
        })
    }

    fn key(&self, name: &str) -> &str {
        self.info["keys"][name].as_str().unwrap()
    }

    fn base(&self) -> &str {
        self.info["base"].as_str().unwrap()
    }

    /// The Google key file, its token endpoint on the server whose clock is `skew` s off.
    fn google_key(&self, skew: i64, namespace: &str) -> String {
        let mut key = self.info["google_key_json"].clone();
        key["token_uri"] = json!(format!("{}/google/{skew}.{namespace}/token", self.base()));
        key.to_string()
    }

    fn stats(&self, path: &str) -> Value {
        let (status, body) = http_get(&format!("{}/{path}/stats", self.base()), None);
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).unwrap()
    }
}

fn assert_no_key_material(text: &str, servers: &Servers) {
    for name in [
        "rsa_pkcs8",
        "rsa_pkcs1",
        "ec_pkcs8",
        "ec_sec1",
        "wrong_rsa_pkcs8",
    ] {
        for line in servers
            .key(name)
            .lines()
            .filter(|l| !l.starts_with("-----"))
        {
            assert!(!text.contains(line), "{text}");
        }
    }
}

/// The stand-in verifies `jwt`'s self-signed JWT for `audience` as Google does (PyJWT).
fn assert_google_accepts(servers: &Servers, audience: &str, jwt: &TokenManager) {
    let (status, body) = http_get(
        &format!(
            "{}/verify/google-self-signed?aud={audience}",
            servers.base()
        ),
        Some(&jwt.authorization().unwrap()),
    );
    assert_eq!(status, 200, "{body}");
}

#[test]
fn google_service_account_grant_and_self_signed_jwt_pass_pyjwt() {
    let Some(servers) = Servers::start() else {
        return;
    };
    let tokens = TokenManager::google_service_account(
        &servers.google_key(0, "grant"),
        &["https://www.googleapis.com/auth/cloud-platform"],
        None,
    )
    .unwrap();
    let header = tokens.authorization().unwrap();
    assert!(header.starts_with("Bearer ya29."), "{header}");
    let token = tokens.token().unwrap();
    assert!((3_597_000..=3_599_000).contains(&(token.expires_in().unwrap().as_millis() as u64)));
    let stats = servers.stats("google/0.grant");
    assert_eq!(
        (stats["accepted"].as_u64(), stats["rejected"].as_u64()),
        (Some(1), Some(0))
    );
    assert_eq!(stats["last"]["jwt_header"]["alg"], "RS256");
    assert_eq!(
        stats["last"]["jwt_header"]["kid"],
        servers.info["google_key_json"]["private_key_id"]
    );
    let claims = &stats["last"]["jwt_claims"];
    assert_eq!(
        claims["scope"],
        "https://www.googleapis.com/auth/cloud-platform"
    );
    assert_eq!(
        claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(),
        3600
    );
    assert_no_key_material(&format!("{tokens:?} {tokens}"), &servers);

    let audience = "https://pubsub.googleapis.com/";
    let jwt = TokenManager::google_service_account_jwt(&servers.google_key(0, "x"), audience, None)
        .unwrap();
    assert_google_accepts(&servers, audience, &jwt);
    assert_eq!(jwt.stats().token_requests, 1, "signed here, no request");
}

#[test]
fn app_store_connect_jwts_from_pkcs8_and_sec1_keys_pass_pyjwt() {
    let Some(servers) = Servers::start() else {
        return;
    };
    let key_id = servers.info["asc"]["key_id"].as_str().unwrap();
    let issuer = servers.info["asc"]["issuer_id"].as_str().unwrap();
    for pem in [servers.key("ec_pkcs8"), servers.key("ec_sec1")] {
        let signer = pem_signer(pem, key_id).unwrap();
        let tokens = TokenManager::app_store_connect(issuer, signer, None, None).unwrap();
        let (status, body) = http_get(
            &format!("{}/verify/asc", servers.base()),
            Some(&tokens.authorization().unwrap()),
        );
        assert_eq!(status, 200, "{body}");
        let verified: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(verified["header"]["alg"], "ES256");
        assert_eq!(verified["claims"]["aud"], "appstoreconnect-v1");
        // Signed again before it expires, as a 20-minute token must be.
        let token = tokens.token().unwrap();
        assert!(
            (token.expires_in().unwrap().as_millis() as u64) <= 1_200_000
                && (token.refresh_in().unwrap().as_millis() as u64) < 1_200_000
        );
    }
    // An RSA key is not what App Store Connect takes.
    let rsa = pem_signer(servers.key("rsa_pkcs8"), key_id).unwrap();
    let error = TokenManager::app_store_connect(issuer, rsa, None, None).unwrap_err();
    assert!(error.to_string().contains("ES256"), "{error}");
    let no_kid = pem_signer(servers.key("ec_pkcs8"), None).unwrap();
    assert!(TokenManager::app_store_connect(issuer, no_kid, None, None).is_err());
    assert!(
        TokenManager::app_store_connect(
            issuer,
            pem_signer(servers.key("ec_pkcs8"), "k").unwrap(),
            Duration::from_secs(1201),
            None
        )
        .is_err()
    );
}

/// The from-file calls read the key files a console downloads (a service account's JSON, a
/// `.p8`), and the JWTs they sign pass PyJWT as the text forms' do; a missing file is a
/// configuration error that names the file.
#[test]
fn key_files_are_read_by_the_from_file_calls() {
    let Some(servers) = Servers::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let google = dir.path().join("service-account.json");
    std::fs::write(&google, servers.google_key(0, "file")).unwrap();
    let tokens = TokenManager::google_service_account_from_file(
        &google,
        &["https://www.googleapis.com/auth/cloud-platform"],
        None,
    )
    .unwrap();
    assert!(tokens.authorization().unwrap().starts_with("Bearer ya29."));
    let stats = servers.stats("google/0.file");
    assert_eq!(stats["accepted"].as_u64(), Some(1), "{stats}");

    let audience = "https://pubsub.googleapis.com/";
    let jwt = TokenManager::google_service_account_jwt_from_file(&google, audience, None).unwrap();
    assert_google_accepts(&servers, audience, &jwt);

    let p8 = dir.path().join("AuthKey.p8");
    std::fs::write(&p8, servers.key("ec_pkcs8")).unwrap();
    let key_id = servers.info["asc"]["key_id"].as_str().unwrap();
    let issuer = servers.info["asc"]["issuer_id"].as_str().unwrap();
    let signer = authwire::pem_signer_from_file(&p8, key_id).unwrap();
    let asc = TokenManager::app_store_connect(issuer, signer, None, None).unwrap();
    let (status, body) = http_get(
        &format!("{}/verify/asc", servers.base()),
        Some(&asc.authorization().unwrap()),
    );
    assert_eq!(status, 200, "{body}");

    let missing = dir.path().join("missing.p8");
    let Err(error) = authwire::pem_signer_from_file(&missing, None) else {
        panic!("a missing PEM file was read");
    };
    assert!(
        matches!(error, authwire::AuthError::InvalidConfiguration { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("missing.p8"), "{error}");
    let error = TokenManager::google_service_account_from_file(&missing, &["s"], None).unwrap_err();
    assert!(
        error.to_string().contains("service-account key file"),
        "{error}"
    );
}

#[test]
fn github_app_installation_token_from_a_pkcs1_key() {
    let Some(servers) = Servers::start() else {
        return;
    };
    let github = &servers.info["github"];
    let signer = pem_signer(servers.key("rsa_pkcs1"), None).unwrap();
    let tokens = TokenManager::github_app(
        github["app_id"].as_str().unwrap(),
        github["installation_id"].as_u64().unwrap(),
        signer,
        github["api"].as_str().unwrap(),
        None,
    )
    .unwrap();
    let token = tokens.token().unwrap();
    assert!(token.value().starts_with("ghs_"));
    // The expiry comes from `expires_at`, one hour after the server's now.
    assert!(
        (3_595_000..=3_601_000).contains(&(token.expires_in().unwrap().as_millis() as u64)),
        "{}",
        (token.expires_in().unwrap().as_millis() as u64)
    );
    let stats = servers.stats("github/0");
    let claims = &stats["last"]["jwt_claims"];
    assert_eq!(claims["iss"], "123456");
    assert_eq!(
        claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(),
        600
    );
}

#[test]
fn private_key_jwt_passes_authlib_with_rs256_and_es256_and_a_fresh_jti() {
    let Some(servers) = Servers::start() else {
        return;
    };
    let client = &servers.info["private_key_jwt"];
    for (pem, kid) in [("rsa_pkcs8", None), ("ec_pkcs8", Some("2X9R4HXF34"))] {
        let signer = pem_signer(servers.key(pem), kid).unwrap();
        let tokens = TokenManager::client_credentials_private_key_jwt(
            client["token_url"].as_str().unwrap(),
            client["client_id"].as_str().unwrap(),
            signer,
            &["read"],
            None,
        )
        .unwrap();
        let first = tokens.authorization().unwrap();
        let (status, body) = http_get(
            &format!(
                "{}/api/resource?scope=read",
                servers.info["authlib"].as_str().unwrap()
            ),
            Some(&first),
        );
        assert_eq!(status, 200, "{pem}: {body}");
        // A second assertion has its own jti: Authlib refuses a replayed one.
        assert!(tokens.invalidate(&first));
        let second = tokens.authorization().unwrap();
        assert_ne!(first, second);
    }
    let (status, body) = http_get(
        &format!("{}/oauth/stats", servers.info["authlib"].as_str().unwrap()),
        None,
    );
    assert_eq!(status, 200);
    let stats: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(stats["jti_duplicates"], 0, "{stats}");
}

#[test]
fn a_server_clock_ten_minutes_off_is_learned_from_date_and_the_assertion_signed_again() {
    let Some(servers) = Servers::start() else {
        return;
    };
    for skew in [600_i64, -600] {
        let namespace = format!("skew{}", skew.abs());
        let tokens = TokenManager::google_service_account(
            &servers.google_key(skew, &namespace),
            &["https://www.googleapis.com/auth/cloud-platform"],
            None,
        )
        .unwrap();
        let started = Instant::now();
        let first = tokens.authorization().unwrap();
        let first_ms = started.elapsed().as_secs_f64() * 1000.0;
        let stats = tokens.stats();
        assert_eq!((stats.token_requests, stats.retries), (2, 1), "skew {skew}");
        // The next token request is signed with the server's time at once.
        assert!(tokens.invalidate(&first));
        let started = Instant::now();
        tokens.authorization().unwrap();
        let second_ms = started.elapsed().as_secs_f64() * 1000.0;
        assert_eq!(tokens.stats().token_requests, 3, "skew {skew}");
        let server = servers.stats(&format!("google/{skew}.{namespace}"));
        assert_eq!(
            (server["accepted"].as_u64(), server["rejected"].as_u64()),
            (Some(2), Some(1))
        );
        eprintln!(
            "server clock {skew:+} s: first token in {first_ms:.1} ms (rejected, then re-signed), next in {second_ms:.1} ms (accepted at once)"
        );
    }
}

#[test]
fn bad_keys_and_rejected_assertions_are_typed_errors_without_key_material() {
    let Some(servers) = Servers::start() else {
        return;
    };
    for (pem, says) in [
        (
            servers.key("ec_p384_pkcs8").to_owned(),
            "neither an RSA key nor a P-256",
        ),
        (
            servers.key("rsa_encrypted").to_owned(),
            "password-protected",
        ),
        (
            servers.key("rsa_pkcs8")[..servers.key("rsa_pkcs8").len() / 2].to_owned(),
            "truncated",
        ),
        ("not a key".to_owned(), "no PEM private key"),
    ] {
        let error = pem_signer(&pem, None).map(|_| ()).unwrap_err();
        assert!(
            matches!(error, AuthError::InvalidConfiguration { .. }),
            "{error:?}"
        );
        assert!(error.to_string().contains(says), "{error}");
        assert_no_key_material(&format!("{error} {error:?}"), &servers);
    }
    // The wrong private key: Google's verifier refuses the signature.
    let mut key: Value = serde_json::from_str(&servers.google_key(0, "wrong")).unwrap();
    key["private_key"] = json!(servers.key("wrong_rsa_pkcs8"));
    let tokens = TokenManager::google_service_account(&key.to_string(), &["s"], None).unwrap();
    let error = tokens.authorization().unwrap_err();
    let AuthError::OAuth {
        status,
        error: code,
        description,
    } = &error
    else {
        panic!("{error:?}");
    };
    assert_eq!((*status, code.as_str()), (400, "invalid_grant"));
    assert!(description.contains("Signature"), "{description}");
    assert_no_key_material(&format!("{error} {error:?}"), &servers);
    // A wrong audience, through the generic JWT-bearer grant.
    let google = &servers.info["google_key_json"];
    let signer: Arc<dyn JwtSigner> =
        pem_signer(servers.key("rsa_pkcs8"), google["private_key_id"].as_str()).unwrap();
    let tokens = TokenManager::jwt_bearer(
        &format!("{}/google/0.aud/token", servers.base()),
        signer,
        google["client_email"].as_str().unwrap(),
        "https://wrong.example/token",
        JwtOptions::default().extra_claims(claims(json!({"scope": "s"}))),
        None,
    )
    .unwrap();
    let error = tokens.authorization().unwrap_err();
    assert!(error.to_string().contains("audience"), "{error}");
    assert_eq!(tokens.stats().token_requests, 1, "refused, not retried");
    // A service-account file of the wrong kind names the field, never the key.
    let error =
        TokenManager::google_service_account(r#"{"type": "authorized_user"}"#, &["s"], None)
            .unwrap_err();
    assert!(error.to_string().contains("authorized_user"), "{error}");
}

#[test]
fn an_rs256_source_shares_through_a_store_and_an_es256_one_is_refused() {
    let Some(servers) = Servers::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn authwire::TokenStore> =
        Arc::new(FileStore::new(dir.path().join("tokens")).unwrap());
    let options = || TokenOptions::default().store(store.clone());
    let key = servers.google_key(0, "store");
    let scopes = || vec!["https://www.googleapis.com/auth/cloud-platform".to_string()];
    let first = TokenManager::google_service_account(
        &key,
        &scopes().iter().map(String::as_str).collect::<Vec<_>>(),
        Some(options()),
    )
    .unwrap();
    let second = TokenManager::google_service_account(
        &key,
        &scopes().iter().map(String::as_str).collect::<Vec<_>>(),
        Some(options()),
    )
    .unwrap();
    assert_eq!(
        first.authorization().unwrap(),
        second.authorization().unwrap()
    );
    assert_eq!(
        servers.stats("google/0.store")["accepted"],
        1,
        "one request for both"
    );
    let es256 = pem_signer(servers.key("ec_pkcs8"), "2X9R4HXF34").unwrap();
    let error = TokenManager::client_credentials_private_key_jwt(
        servers.info["private_key_jwt"]["token_url"]
            .as_str()
            .unwrap(),
        "authwire-pkjwt",
        es256,
        &[],
        Some(options()),
    )
    .unwrap_err();
    assert!(error.to_string().contains("ES256"), "{error}");
}

/// Extra claims from a JSON object.
fn claims(value: Value) -> serde_json::Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not a JSON object: {other}"),
    }
}
