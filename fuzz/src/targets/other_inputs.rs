//! Everything else the core reads from outside: `decode_basic`, API-key files, `Retry-After`
//! and `Date`, RFC 3339 times, JWT claims, CSRF answers and `Set-Cookie`, OAuth2 error
//! bodies, PEM keys, token URLs.
//!
//! Invariants: never a panic; a parsed date is a real time; an accepted API key has
//! non-empty fields without whitespace or controls and never prints its secrets; an error
//! body with a secret planted in it never brings any part of the secret into the error; PEM
//! errors never quote the key's base64; an accepted URL is HTTPS or loopback HTTP.

use std::time::{Duration, UNIX_EPOCH};

use authwire::fuzzing::{self, Answer, AnswerKind};

use crate::input::{Input, filler, header_safe, planted_secret};

/// Runs one input.
pub fn run(data: &[u8]) {
    let mut input = Input::new(data);
    match input.byte() % 8 {
        0 => {
            let value = String::from_utf8_lossy(input.rest()).into_owned();
            if let Ok(credentials) = authwire::decode_basic(&value) {
                // Exactly the documented rendering: the user-id, never the password.
                let user = credentials.user_id();
                assert_eq!(
                    format!("{credentials}"),
                    format!("BasicCredentials(user_id={user:?}, password=[redacted])")
                );
            }
        }
        1 => api_key_file(&mut input),
        2 => dates(&mut input),
        3 => {
            let token = String::from_utf8_lossy(input.rest()).into_owned();
            let now = 1_700_000_000.0;
            if let Some(lifetime) = fuzzing::jwt_lifetime_secs(&token, now) {
                assert!(!lifetime.is_nan(), "a NaN lifetime from {token:?}");
            }
        }
        4 => csrf_answer(&mut input),
        5 => error_body(&mut input),
        6 => pem(&mut input),
        _ => {
            let url = String::from_utf8_lossy(input.rest()).into_owned();
            if let Ok(normalised) = fuzzing::check_url(&url) {
                assert!(
                    normalised.starts_with("https://") || normalised.starts_with("http://"),
                    "{normalised:?}"
                );
                assert!(header_safe(&normalised) && !normalised.contains(' '));
            }
        }
    }
}

fn api_key_file(input: &mut Input<'_>) {
    let text = if input.byte().is_multiple_of(2) {
        String::from_utf8_lossy(input.rest()).into_owned()
    } else {
        // A key file shape with fuzzed values, to get past the JSON syntax.
        let mut doc = serde_json::Map::new();
        for name in ["appClientId", "appClientSecret", "encodedKey"] {
            let value = match input.byte() % 5 {
                0 => serde_json::Value::Null,
                1 => serde_json::json!(input.u32()),
                2 => continue,
                _ => serde_json::json!(input.string(60)),
            };
            doc.insert(name.to_owned(), value);
        }
        serde_json::Value::Object(doc).to_string()
    };
    let secrets: Vec<String> = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v.as_object().cloned())
        .map(|object| {
            ["appClientSecret", "encodedKey"]
                .iter()
                .filter_map(|name| {
                    object
                        .get(*name)
                        .and_then(|v| v.as_str())
                        .map(str::to_owned)
                })
                .collect()
        })
        .unwrap_or_default();
    let recognisable = |s: &String| s.len() >= 4 && s.contains('@');
    match authwire::ApiKey::from_json(&text) {
        Ok(key) => {
            for field in [
                key.app_client_id().unwrap_or_default(),
                key.app_client_secret().unwrap_or_default(),
                key.encoded_key(),
            ] {
                assert!(!field.is_empty());
                assert!(
                    !field.chars().any(|c| c.is_control() || c.is_whitespace()),
                    "{field:?}"
                );
            }
            // Exactly the documented renderings: the client id, never the secrets.
            let id = key.app_client_id().unwrap_or_default();
            assert_eq!(
                format!("{key:?}"),
                format!(
                    "ApiKey {{ app_client_id: Some({id:?}), app_client_secret: Some([redacted]), encoded_key: [redacted] }}"
                )
            );
            assert_eq!(
                format!("{key}"),
                format!("ApiKey(app_client_id={id:?}, secrets=[redacted])")
            );
        }
        Err(error) => {
            let printed = format!("{error} {error:?}");
            for secret in secrets.iter().filter(|s| recognisable(s)) {
                assert!(!printed.contains(secret.as_str()), "{printed}");
            }
        }
    }
}

fn dates(input: &mut Input<'_>) {
    let which = input.byte() % 3;
    let text = if input.byte().is_multiple_of(2) {
        String::from_utf8_lossy(input.rest()).into_owned()
    } else {
        // An IMF-fixdate / RFC 3339 shape with fuzzed numbers.
        let (day, year, h, m, s) = (
            input.u32(),
            input.u32() as i32,
            input.byte(),
            input.byte(),
            input.byte(),
        );
        let month = *input.pick(&["Jan", "Feb", "Mar", "Dec", "Foo"]);
        match which {
            0 | 1 => format!("Sun, {day:02} {month} {year} {h:02}:{m:02}:{s:02} GMT"),
            _ => format!(
                "{year}-{:02}-{day:02}T{h:02}:{m:02}:{s:02}.5{}",
                input.byte(),
                input.pick(&["Z", "+02:00", "-99999:30", "+1:1"])
            ),
        }
    };
    match which {
        0 => {
            if let Some(at) = fuzzing::httpdate_parse(&text) {
                assert!(at >= UNIX_EPOCH);
            }
        }
        1 => {
            let answer = Answer {
                status: 429,
                headers: vec![("Retry-After".to_owned(), text.clone())],
                body: Vec::new(),
            };
            let _ = fuzzing::retry_after(&answer);
            // Through the whole classification too: a 429 with this Retry-After.
            let refused = fuzzing::parse_token_answer(
                &AnswerKind::ApiKeyExchange,
                "key-0123456789",
                &answer,
                Duration::from_secs(1_700_000_000),
            )
            .expect_err("a 429 is refused");
            assert!(refused.retry.is_some(), "a 429 is retried");
        }
        _ => {
            if let Some(secs) = fuzzing::rfc3339_secs(&text) {
                assert!(secs.is_finite(), "{text:?} gave {secs}");
            }
        }
    }
}

fn csrf_answer(input: &mut Input<'_>) {
    let mut headers = Vec::new();
    for _ in 0..(1 + input.byte() % 5) {
        let name =
            (*input.pick(&["x-csrf-token", "X-CSRF-Token", "set-cookie", "Set-Cookie"])).to_owned();
        let value = String::from_utf8_lossy(input.bytes(80)).into_owned();
        headers.push((name, value));
    }
    let answer = Answer {
        status: 200 + u16::from(input.byte() % 2) * 4,
        headers,
        body: Vec::new(),
    };
    let secret = "csrf-password-0123456789";
    match fuzzing::parse_token_answer(
        &AnswerKind::Csrf,
        secret,
        &answer,
        Duration::from_secs(1_700_000_000),
    ) {
        Ok(parsed) => {
            assert!(
                parsed.token.bytes().all(|b| b.is_ascii_graphic()),
                "{:?}",
                parsed.token
            );
            assert!(parsed.authorization.starts_with("Basic "));
            if let Some(cookie) = &parsed.cookie {
                assert!(header_safe(cookie), "unsafe Cookie value {cookie:?}");
                assert!(!cookie.is_empty());
            }
        }
        Err(refused) => {
            let text = format!("{} {:?}", refused.error, refused.error);
            assert!(!text.contains(secret));
        }
    }
}

/// An error answer (4xx, 5xx, 408, 429) with a secret planted in the fields the classifier
/// reads, in raw text, and in echoes of the request; the error must keep none of it.
fn error_body(input: &mut Input<'_>) {
    let secret = planted_secret(input);
    let kind = match input.byte() % 3 {
        0 => AnswerKind::ApiKeyExchange,
        1 => AnswerKind::ClientCredentials,
        _ => AnswerKind::Custom {
            token_field: "token".to_owned(),
            expiry_field: None,
            expiry_format: authwire::ExpiryFormat::SecondsFromNow,
            scheme: "Bearer".to_owned(),
        },
    };
    let status = *input.pick(&[
        400u16, 401, 403, 404, 408, 409, 429, 500, 502, 503, 599, 200, 204, 100, 302,
    ]);
    let mut pieces = Vec::new();
    for _ in 0..(1 + input.byte() % 4) {
        let before = filler(input.bytes(220));
        let after = filler(input.bytes(40));
        pieces.push(format!("{before}{secret}{after}"));
    }
    let body = match input.byte() % 3 {
        0 => {
            let mut doc = serde_json::Map::new();
            for (i, name) in [
                "message",
                "error_description",
                "error",
                "detail",
                "token_type",
            ]
            .iter()
            .enumerate()
            {
                if input.byte().is_multiple_of(2) {
                    doc.insert(
                        (*name).to_owned(),
                        serde_json::json!(pieces[i % pieces.len()]),
                    );
                }
            }
            serde_json::Value::Object(doc).to_string()
        }
        1 => pieces.join(" "),
        _ => format!(
            "{{\"error\":{},\"message\":{}}}",
            input.pick(&["\"invalid_client\"", "1", "null", "[]"]),
            serde_json::json!(pieces[0])
        ),
    };
    let answer = Answer {
        status,
        headers: vec![("Content-Type".to_owned(), "application/json".to_owned())],
        body: body.into_bytes(),
    };
    if let Err(refused) =
        fuzzing::parse_token_answer(&kind, &secret, &answer, Duration::from_secs(1_700_000_000))
    {
        let text = format!("{} {:?}", refused.error, refused.error);
        // `S3` occurs only inside planted secrets: any of it left is part of the secret.
        assert!(
            !text.contains("S3"),
            "part of the secret {secret:?} is in {text:?}"
        );
    }
}

fn pem(input: &mut Input<'_>) {
    let text = if input.byte().is_multiple_of(2) {
        String::from_utf8_lossy(input.rest()).into_owned()
    } else {
        let label = *input.pick(&[
            "PRIVATE KEY",
            "RSA PRIVATE KEY",
            "EC PRIVATE KEY",
            "ENCRYPTED PRIVATE KEY",
            "OPENSSH PRIVATE KEY",
        ]);
        let body =
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, input.bytes(255));
        let lines: Vec<&str> = body
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        let end = if input.byte().is_multiple_of(8) {
            String::new()
        } else {
            format!("-----END {label}-----\n")
        };
        format!("-----BEGIN {label}-----\n{}\n{end}", lines.join("\n"))
    };
    // Key material: lines between the markers that are long enough to recognise.
    let markers: Vec<&str> = text.lines().filter(|l| l.contains("-----")).collect();
    let key_lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| {
            l.len() >= 12
                && l.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b))
                && !markers.iter().any(|m| m.contains(l))
        })
        .collect();
    let check = |message: &str| {
        for line in &key_lines {
            assert!(
                !message.contains(line),
                "PEM content {line:?} is in {message:?}"
            );
        }
    };
    match fuzzing::read_private_key(&text) {
        Ok(_) => {}
        Err(message) => check(&message),
    }
    if let Err(error) = authwire::pem_signer(&text, None) {
        check(&format!("{error} {error:?}"));
    }
}
