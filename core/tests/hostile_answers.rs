//! Token-server answers built to break the core: a secret echoed where the core quotes
//! server text, a secret placed where a message is cut, dates far out of range. Each goes
//! through a real manager, whose requests a transport on the public seam answers.

use std::sync::{Arc, Mutex};

use authwire::{
    HttpHeader, HttpRequest, HttpResponse, HttpTransport, HttpTransportError, TokenManager,
    TokenOptions,
};

const SECRET: &str = "S3cretClientSecret-0123456789";

/// Answers every request with the same response.
struct Canned(Mutex<HttpResponse>);

#[async_trait::async_trait]
impl HttpTransport for Canned {
    async fn send(&self, _request: HttpRequest) -> Result<HttpResponse, HttpTransportError> {
        Ok(self.0.lock().unwrap().clone())
    }
}

fn manager(status: u16, headers: &[(&str, &str)], body: &str) -> Arc<TokenManager> {
    let response = HttpResponse {
        status,
        headers: headers
            .iter()
            .map(|(name, value)| HttpHeader {
                name: (*name).to_owned(),
                value: (*value).to_owned(),
            })
            .collect(),
        body: body.as_bytes().to_vec(),
    };
    let options = TokenOptions::default()
        .transport(Arc::new(Canned(Mutex::new(response))))
        .max_attempts(1);
    TokenManager::client_credentials(
        "https://auth.example.com/oauth/token",
        "client-id",
        SECRET,
        &[],
        Some(options),
    )
    .map(Arc::new)
    .unwrap()
}

#[test]
fn a_token_type_that_echoes_the_secret_is_not_quoted() {
    for token_type in [
        SECRET.to_owned(),
        format!("x{SECRET}"),
        format!("{}{SECRET}", "y".repeat(30)),
    ] {
        let body = serde_json::json!({ "access_token": "abc", "token_type": token_type });
        let error = manager(200, &[], &body.to_string())
            .authorization()
            .unwrap_err();
        let text = format!("{error} {error:?}");
        assert!(text.contains("not Bearer"), "{text}");
        assert!(!text.contains("S3cr"), "{text}");
    }
    let body = serde_json::json!({ "access_token": "abc", "token_type": { "kind": SECRET } });
    let error = manager(200, &[], &body.to_string())
        .authorization()
        .unwrap_err();
    assert!(!format!("{error} {error:?}").contains("S3cr"), "{error}");
}

#[test]
fn a_secret_where_the_message_is_cut_is_still_scrubbed() {
    for filler in [185, 190, 195, 199] {
        let message = format!("{}{SECRET} was rejected", "x".repeat(filler));
        for (status, field) in [(500, "message"), (401, "error_description"), (400, "error")] {
            let body = serde_json::json!({ field: message });
            let error = manager(status, &[], &body.to_string())
                .authorization()
                .unwrap_err();
            let text = format!("{error} {error:?}");
            assert!(!text.contains("S3cr"), "{status} {field} {filler}: {text}");
        }
    }
}

#[test]
fn dates_far_out_of_range_are_ignored() {
    for date in [
        "Sun, 06 Nov 292277026596 08:49:37 GMT",
        "Sun, 06 Nov 9223372036854775807 08:49:37 GMT",
    ] {
        let body = r#"{"access_token":"tok-1","expires_in":300}"#;
        let manager = manager(200, &[("Date", date)], body);
        assert_eq!(manager.authorization().unwrap(), "Bearer tok-1", "{date}");
        let error = self::manager(429, &[("Retry-After", date)], "{}")
            .authorization()
            .unwrap_err();
        assert!(
            matches!(error, authwire::AuthError::RateLimited { .. }),
            "{error:?}"
        );
    }
}

#[test]
fn csrf_cookies_with_controls_or_non_ascii_are_dropped() {
    let response = HttpResponse {
        status: 200,
        headers: [
            ("x-csrf-token", "csrf-1"),
            ("set-cookie", "good=1; Path=/"),
            ("set-cookie", "bad=a\r\nX-Injected: 1"),
            ("set-cookie", "nul=a\0b"),
            ("set-cookie", "caf\u{e9}=1"),
            ("set-cookie", "also=2; HttpOnly"),
        ]
        .iter()
        .map(|(name, value)| HttpHeader {
            name: (*name).to_owned(),
            value: (*value).to_owned(),
        })
        .collect(),
        body: Vec::new(),
    };
    let options = TokenOptions::default().transport(Arc::new(Canned(Mutex::new(response))));
    let session = authwire::CsrfSession::new(
        "https://api.example.com/csrf",
        "user",
        "password",
        None,
        Some(options),
    )
    .unwrap();
    let headers = session.headers().unwrap();
    assert_eq!(headers.csrf_token(), "csrf-1");
    assert_eq!(headers.cookie(), Some("good=1; also=2"));
}
