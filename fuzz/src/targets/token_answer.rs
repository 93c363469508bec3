//! Token answers through the real parser of each source: JSON and form-encoded bodies,
//! every `expires_in` form, JWT `exp`/`iat`, CSRF headers, any status.
//!
//! Invariants: never a panic; an accepted token is non-empty visible ASCII, `bearer_auth`
//! takes it, and the `Authorization` value (and a CSRF cookie) is safe in a header; an
//! announced lifetime is between one second and ten years; a refusal of a 2xx answer is
//! never retried.
//!
//! And the other way: a token `bearer_auth` accepts, carried in a well-formed answer of each
//! source (JSON or form-encoded; CSRF in its header, where `Required` means "no token" in
//! SAP's protocol), is read back unchanged, and its `Authorization` value is the one
//! `bearer_auth` builds (`<scheme> <token>` for a custom scheme).

use std::time::Duration;

use authwire::ExpiryFormat;
use authwire::fuzzing::{Answer, AnswerKind, parse_token_answer};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::input::{Input, header_safe};

const SECRET: &str = "fuzz-credential-0123456789";

/// Runs one input.
pub fn run(data: &[u8]) {
    let mut input = Input::new(data);
    let kind = match input.byte() % 4 {
        0 => AnswerKind::ApiKeyExchange,
        1 => AnswerKind::ClientCredentials,
        2 => AnswerKind::Custom {
            token_field: (*input.pick(&["token", "data.token", "access_token", "a.b.c"]))
                .to_owned(),
            expiry_field: input
                .pick(&[None, Some("expires"), Some("data.exp"), Some("expires_at")])
                .map(str::to_owned),
            expiry_format: *input.pick(&[
                ExpiryFormat::SecondsFromNow,
                ExpiryFormat::EpochSeconds,
                ExpiryFormat::EpochMilliseconds,
                ExpiryFormat::Rfc3339,
            ]),
            scheme: (*input.pick(&["Bearer", "Token", "SSWS", "X-Api.Key"])).to_owned(),
        },
        _ => AnswerKind::Csrf,
    };
    let mode = input.byte();
    let status = if mode & 0x80 != 0 {
        input.u16() % 700
    } else {
        200
    };
    let content_type = *input.pick(&[
        None,
        Some("application/json"),
        Some("application/x-www-form-urlencoded"),
        Some("Application/X-WWW-Form-Urlencoded; charset=utf-8"),
        Some("text/plain"),
    ]);
    let mut headers = Vec::new();
    if let Some(ct) = content_type {
        headers.push(("Content-Type".to_owned(), ct.to_owned()));
    }
    for _ in 0..(input.byte() % 4) {
        let name = (*input.pick(&["x-csrf-token", "Set-Cookie", "date", "retry-after"])).to_owned();
        headers.push((name, input.string(80)));
    }
    let body = match mode % 4 {
        // A JWT built from the input's claims, in the field each source reads.
        0 => {
            let claims = input.string(120);
            let jwt = format!(
                "eyJhbGciOiJub25lIn0.{}.c2ln",
                URL_SAFE_NO_PAD.encode(claims.as_bytes())
            );
            let field = match &kind {
                AnswerKind::ClientCredentials => "access_token",
                AnswerKind::Custom { token_field, .. } => token_field.as_str(),
                _ => "token",
            };
            let mut doc = serde_json::Map::new();
            insert_path(&mut doc, field, serde_json::Value::from(jwt));
            serde_json::Value::Object(doc).to_string().into_bytes()
        }
        // A structured answer with an expiry in one of its forms.
        1 => {
            let token = input.string(40);
            let expiry = match input.byte() % 6 {
                0 => serde_json::json!(input.u32()),
                1 => serde_json::json!(f64::from(input.u32()) / 7.0 - 1000.0),
                2 => serde_json::json!(input.string(30)),
                3 => serde_json::json!(format!("{}", input.u32())),
                4 => serde_json::json!(i64::from(input.u32()) * 1000 + 1_700_000_000_000),
                _ => serde_json::Value::Null,
            };
            let mut doc = serde_json::Map::new();
            for field in ["token", "access_token", "data.token"] {
                insert_path(&mut doc, field, serde_json::Value::from(token.clone()));
            }
            for field in [
                "expirationTime",
                "expires_in",
                "expires",
                "data.exp",
                "expires_at",
            ] {
                insert_path(&mut doc, field, expiry.clone());
            }
            if input.byte().is_multiple_of(2) {
                doc.insert("token_type".to_owned(), serde_json::json!(input.string(20)));
            }
            serde_json::Value::Object(doc).to_string().into_bytes()
        }
        _ => input.rest().to_vec(),
    };
    let answer = Answer {
        status,
        headers,
        body,
    };
    let wall_now = Duration::from_secs(1_700_000_000 + u64::from(input.byte()));
    match parse_token_answer(&kind, SECRET, &answer, wall_now) {
        Ok(parsed) => {
            assert!((200..300).contains(&status), "status {status} gave a token");
            assert!(!parsed.token.is_empty());
            assert!(
                parsed.token.bytes().all(|b| b.is_ascii_graphic()),
                "token {:?} is not visible ASCII",
                parsed.token
            );
            let bearer = authwire::bearer_auth(&parsed.token)
                .unwrap_or_else(|e| panic!("bearer_auth refused an accepted token: {e}"));
            assert!(header_safe(&bearer));
            assert!(
                header_safe(&parsed.authorization),
                "unsafe Authorization {:?}",
                parsed.authorization
            );
            if !matches!(kind, AnswerKind::Csrf) {
                assert!(
                    parsed
                        .authorization
                        .ends_with(&format!(" {}", parsed.token))
                );
            }
            if let Some(cookie) = &parsed.cookie {
                assert!(header_safe(cookie), "unsafe Cookie {cookie:?}");
            }
            if let Some(lifetime) = parsed.lifetime {
                assert!(
                    lifetime >= Duration::from_secs(1)
                        && lifetime <= Duration::from_secs(10 * 365 * 86_400),
                    "lifetime {lifetime:?}"
                );
            }
        }
        Err(refused) => {
            if (200..300).contains(&status) {
                assert!(refused.retry.is_none(), "a 2xx refusal is retried");
            }
            let text = format!("{} {:?}", refused.error, refused.error);
            assert!(!text.contains(SECRET), "the credential in {text}");
        }
    }
    accepted_tokens_are_read_back(&kind, &mut input, wall_now);
}

/// The reverse direction: what `bearer_auth` accepts, every source reads back from a
/// well-formed answer.
fn accepted_tokens_are_read_back(kind: &AnswerKind, input: &mut Input<'_>, wall_now: Duration) {
    let form = input.byte().is_multiple_of(2);
    let token = input.string(80);
    let Ok(bearer) = authwire::bearer_auth(&token) else {
        return;
    };
    let json = |field: &str, extra: &[(&str, serde_json::Value)]| {
        let mut doc = serde_json::Map::new();
        insert_path(&mut doc, field, serde_json::Value::from(token.clone()));
        for (name, value) in extra {
            doc.insert((*name).to_owned(), value.clone());
        }
        serde_json::Value::Object(doc).to_string().into_bytes()
    };
    let json_type = ("Content-Type".to_owned(), "application/json".to_owned());
    let (headers, body, authorization) = match kind {
        AnswerKind::ApiKeyExchange => (
            vec![json_type],
            json("token", &[("expirationTime", serde_json::json!(300))]),
            Some(bearer),
        ),
        AnswerKind::ClientCredentials if form => (
            vec![(
                "Content-Type".to_owned(),
                "application/x-www-form-urlencoded".to_owned(),
            )],
            format!(
                "access_token={}&token_type=Bearer&expires_in=3600",
                percent_encoded(&token)
            )
            .into_bytes(),
            Some(bearer),
        ),
        AnswerKind::ClientCredentials => (
            vec![json_type],
            json(
                "access_token",
                &[
                    ("token_type", serde_json::json!("Bearer")),
                    ("expires_in", serde_json::json!(3600)),
                ],
            ),
            Some(bearer),
        ),
        AnswerKind::Custom {
            token_field,
            scheme,
            ..
        } => (
            vec![json_type],
            json(token_field, &[]),
            Some(format!("{scheme} {token}")),
        ),
        AnswerKind::Csrf => {
            if token.eq_ignore_ascii_case("required") {
                return;
            }
            (
                vec![("X-CSRF-Token".to_owned(), token.clone())],
                Vec::new(),
                None,
            )
        }
    };
    let answer = Answer {
        status: 200,
        headers,
        body,
    };
    let parsed = parse_token_answer(kind, SECRET, &answer, wall_now)
        .unwrap_or_else(|r| panic!("a token bearer_auth accepts was refused: {}", r.error));
    assert_eq!(parsed.token, token, "the token was read back differently");
    if let Some(authorization) = authorization {
        assert_eq!(parsed.authorization, authorization);
    }
}

/// Every byte as `%XX`: a form value that decodes to exactly the text.
fn percent_encoded(text: &str) -> String {
    text.bytes().map(|b| format!("%{b:02X}")).collect()
}

/// Puts `value` at a dotted path, creating the objects on the way.
fn insert_path(
    doc: &mut serde_json::Map<String, serde_json::Value>,
    path: &str,
    value: serde_json::Value,
) {
    match path.split_once('.') {
        None => {
            doc.insert(path.to_owned(), value);
        }
        Some((head, tail)) => {
            let entry = doc
                .entry(head.to_owned())
                .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
            if let serde_json::Value::Object(inner) = entry {
                insert_path(inner, tail, value);
            }
        }
    }
}
