//! No secret from the shared vectors ever appears in a printed `ApiKey`, `BasicCredentials`
//! or `AuthError`, including the errors returned for invalid inputs that carry a secret.

use std::fmt::{Debug, Display};
use std::path::PathBuf;

use authwire::{
    ApiKey, AuthError, REDACTED, basic_auth, bearer_auth, decode_basic, open_connectors_auth,
    scheme_auth, scheme_auth_params,
};
use base64::Engine as _;
use serde_json::Value;

const VECTORS_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/auth-vectors.json");

/// Shorter values ("x", "o", "a,b") are too likely to occur in any sentence by chance;
/// invalid inputs built around a longer secret cover what they would.
const MIN_SECRET_CHARS: usize = 4;

fn vectors() -> Value {
    let text = std::fs::read_to_string(VECTORS_PATH)
        .unwrap_or_else(|err| panic!("cannot read the vectors file {VECTORS_PATH}: {err}"));
    serde_json::from_str(&text).expect("the vectors file is valid JSON")
}

fn cases<'a>(vectors: &'a Value, name: &str) -> &'a [Value] {
    vectors
        .get(name)
        .and_then(Value::as_array)
        .unwrap_or_else(|| panic!("the vectors file has no {name:?} array"))
}

fn str_at<'a>(value: &'a Value, pointer: &str) -> Option<&'a str> {
    value.pointer(pointer).and_then(Value::as_str)
}

/// Every secret in the vectors: passwords, client secrets, encoded keys, tokens, the Open
/// Connectors secrets, and the base64 credentials of Basic values.
fn secrets() -> Vec<String> {
    let vectors = vectors();
    let mut found: Vec<String> = Vec::new();
    let mut add = |value: Option<&str>| {
        if let Some(value) = value {
            found.push(value.to_owned());
        }
    };
    for case in cases(&vectors, "basic")
        .iter()
        .chain(cases(&vectors, "basic_invalid"))
    {
        add(str_at(case, "/password"));
        add(str_at(case, "/header_value").and_then(|v| v.strip_prefix("Basic ")));
    }
    for case in cases(&vectors, "basic_decode_invalid") {
        add(str_at(case, "/header_value").and_then(|v| v.strip_prefix("Basic ")));
    }
    for case in cases(&vectors, "bearer")
        .iter()
        .chain(cases(&vectors, "bearer_invalid"))
    {
        add(str_at(case, "/token"));
    }
    for case in cases(&vectors, "open_connectors")
        .iter()
        .chain(cases(&vectors, "open_connectors_invalid"))
    {
        add(str_at(case, "/user_secret"));
        add(str_at(case, "/organization_secret"));
        add(str_at(case, "/element_token"));
    }
    for case in cases(&vectors, "api_key_file") {
        add(str_at(case, "/json/appClientSecret"));
        add(str_at(case, "/json/encodedKey"));
        add(str_at(case, "/token_request_body/apiKey"));
    }
    for case in cases(&vectors, "token_responses") {
        add(str_at(case, "/token"));
        add(str_at(case, "/body/token"));
        add(str_at(case, "/body/access_token"));
    }
    found.retain(|s| s.chars().count() >= MIN_SECRET_CHARS);
    found.sort();
    found.dedup();
    assert!(
        found.len() >= 15,
        "too few secrets found in the vectors ({}): {found:?}",
        found.len()
    );
    found
}

/// Secrets that are valid everywhere a secret goes: non-empty b64token text, so wrapping them
/// in an invalid input makes the input invalid only by the wrapping.
fn token_like_secrets() -> Vec<String> {
    let list: Vec<String> = secrets()
        .into_iter()
        .filter(|s| {
            s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~+/=".contains(&b))
        })
        .filter(|s| bearer_auth(s).is_ok())
        .collect();
    assert!(list.len() >= 10, "too few token-like secrets: {list:?}");
    list
}

/// Fails if `rendered` shows `secret`, as is or escaped the way `Debug` escapes strings.
fn assert_hidden(rendered: &str, secret: &str, context: &str) {
    let escaped = format!("{secret:?}");
    let escaped = &escaped[1..escaped.len() - 1];
    assert!(
        !rendered.contains(secret) && !rendered.contains(escaped),
        "{context}: the rendering shows a secret ({} chars): {rendered}",
        secret.chars().count()
    );
}

fn renderings(value: &(impl Debug + Display)) -> [String; 3] {
    [
        format!("{value}"),
        format!("{value:?}"),
        format!("{value:#?}"),
    ]
}

/// The error of an invalid input must be the expected variant and never show `secret`.
fn assert_error_hides<T: Debug>(
    result: Result<T, AuthError>,
    secret: &str,
    expected_prefix: &str,
    context: &str,
) {
    let error = match result {
        Err(error) => error,
        Ok(value) => panic!("{context}: expected an error, got Ok({value:?})"),
    };
    let display = error.to_string();
    assert!(
        display.starts_with(expected_prefix),
        "{context}: expected an error starting with {expected_prefix:?}, got {display:?}"
    );
    for rendered in renderings(&error) {
        assert_hidden(&rendered, secret, context);
    }
}

const INPUT: &str = "invalid input: ";
const CONFIG: &str = "invalid configuration: ";

#[test]
fn api_key_prints_no_secret() {
    let vectors = vectors();
    let files = cases(&vectors, "api_key_file");
    assert!(!files.is_empty());
    for case in files {
        let text = serde_json::to_string(&case["json"]).unwrap();
        let key = ApiKey::from_json(&text).unwrap();
        for rendered in renderings(&key) {
            assert!(
                rendered.contains(REDACTED),
                "ApiKey rendering lacks {REDACTED}: {rendered}"
            );
            for secret in [
                &case["json"]["appClientSecret"],
                &case["json"]["encodedKey"],
            ] {
                assert_hidden(&rendered, secret.as_str().unwrap(), "ApiKey::from_json");
            }
        }
    }
    for secret in token_like_secrets() {
        let key = ApiKey::from_encoded_key(&secret).unwrap();
        for rendered in renderings(&key) {
            assert!(
                rendered.contains(REDACTED),
                "ApiKey rendering lacks {REDACTED}: {rendered}"
            );
            assert_hidden(&rendered, &secret, "ApiKey::from_encoded_key");
        }
    }
}

#[test]
fn basic_credentials_print_no_password() {
    let vectors = vectors();
    let mut checked = 0;
    for case in cases(&vectors, "basic") {
        let (user_id, password) = (
            case["user_id"].as_str().unwrap(),
            case["password"].as_str().unwrap(),
        );
        let credentials = decode_basic(&basic_auth(user_id, password).unwrap()).unwrap();
        for rendered in renderings(&credentials) {
            assert!(
                rendered.contains(REDACTED),
                "BasicCredentials rendering lacks {REDACTED}: {rendered}"
            );
            if !password.is_empty() {
                assert_hidden(&rendered, password, "BasicCredentials from a basic vector");
            }
        }
        checked += 1;
    }
    assert!(checked > 0);
    for secret in secrets()
        .into_iter()
        .filter(|s| !s.chars().any(char::is_control))
    {
        let credentials = decode_basic(&basic_auth("alice", &secret).unwrap()).unwrap();
        assert_eq!(credentials.password(), secret);
        for rendered in renderings(&credentials) {
            assert!(rendered.contains(REDACTED), "{rendered}");
            assert_hidden(
                &rendered,
                &secret,
                "BasicCredentials with a vector secret as password",
            );
        }
    }
}

/// The invalid cases of the vectors: their errors show none of their own secret values.
#[test]
fn vector_invalid_inputs_errors_show_no_value() {
    let vectors = vectors();
    let mut checked = 0;
    for case in cases(&vectors, "basic_invalid") {
        let (user_id, password) = (
            case["user_id"].as_str().unwrap(),
            case["password"].as_str().unwrap(),
        );
        let error = basic_auth(user_id, password).expect_err(case["why"].as_str().unwrap());
        assert!(error.to_string().starts_with(INPUT), "{error}");
        for rendered in renderings(&error) {
            for value in [user_id, password]
                .into_iter()
                .filter(|v| v.chars().count() >= MIN_SECRET_CHARS)
            {
                assert_hidden(&rendered, value, case["why"].as_str().unwrap());
            }
        }
        checked += 1;
    }
    for case in cases(&vectors, "basic_decode_invalid") {
        let value = case["header_value"].as_str().unwrap();
        let encoded = value.strip_prefix("Basic ").unwrap();
        assert_error_hides(
            decode_basic(value),
            encoded,
            INPUT,
            case["source"].as_str().unwrap(),
        );
        checked += 1;
    }
    for case in cases(&vectors, "bearer_invalid") {
        let token = case["token"].as_str().unwrap();
        let error = bearer_auth(token).expect_err(case["why"].as_str().unwrap());
        assert!(error.to_string().starts_with(INPUT), "{error}");
        if token.chars().count() >= MIN_SECRET_CHARS {
            for rendered in renderings(&error) {
                assert_hidden(&rendered, token, case["why"].as_str().unwrap());
            }
        }
        checked += 1;
    }
    for case in cases(&vectors, "open_connectors_invalid") {
        let parts =
            ["user_secret", "organization_secret", "element_token"].map(|f| case[f].as_str());
        let result = open_connectors_auth(parts[0].unwrap(), parts[1], parts[2]);
        let error = result.expect_err(case["why"].as_str().unwrap());
        assert!(error.to_string().starts_with(INPUT), "{error}");
        for rendered in renderings(&error) {
            // "a,b" is checked too: three characters cannot appear in these sentences by chance.
            for part in parts
                .into_iter()
                .flatten()
                .filter(|p| p.chars().count() >= 3)
            {
                assert_hidden(&rendered, part, case["why"].as_str().unwrap());
            }
        }
        checked += 1;
    }
    for case in cases(&vectors, "api_key_file_invalid") {
        let text = case["text"].as_str().unwrap();
        assert_error_hides(
            ApiKey::from_json(text),
            text,
            CONFIG,
            case["why"].as_str().unwrap(),
        );
        checked += 1;
    }
    assert!(checked >= 15, "only {checked} invalid vector cases checked");
}

#[test]
fn basic_auth_errors_show_no_secret() {
    // The brief's example: the user-id is invalid, the (valid) password must not leak.
    assert_error_hides(
        basic_auth("a:b", "SECRETPW"),
        "SECRETPW",
        INPUT,
        "colon in user-id",
    );
    for secret in secrets()
        .into_iter()
        .filter(|s| !s.chars().any(char::is_control))
    {
        let cases = [
            (
                basic_auth("a:b", &secret),
                "colon in the user-id, secret password",
            ),
            (
                basic_auth("a\r\nX-Evil: 1", &secret),
                "CR LF in the user-id, secret password",
            ),
            (
                basic_auth("a\0", &secret),
                "NUL in the user-id, secret password",
            ),
            (
                basic_auth("alice", &format!("{secret}\r\nX-Evil: 1")),
                "CR LF after a secret password",
            ),
            (
                basic_auth("alice", &format!("\u{7f}{secret}")),
                "DEL before a secret password",
            ),
            (
                basic_auth("alice", &format!("{secret}\u{85}")),
                "NEL (C1 control) after a secret password",
            ),
        ];
        for (result, context) in cases {
            assert_error_hides(result, &secret, INPUT, context);
        }
    }
}

#[test]
fn decode_basic_errors_show_no_secret() {
    let engine = base64::engine::general_purpose::STANDARD;
    for secret in secrets() {
        let no_colon = secret.replace(':', "");
        let mut not_utf8 = vec![0xff, 0xfe];
        not_utf8.extend_from_slice(secret.as_bytes());
        let cases = [
            (decode_basic(&format!("Bearer {secret}")), "another scheme"),
            (decode_basic(&format!("Basic {secret}!")), "not base64"),
            (
                decode_basic(&format!("Basic {}", engine.encode(&no_colon))),
                "no colon",
            ),
            (
                decode_basic(&format!("Basic {}", engine.encode(&not_utf8))),
                "not UTF-8",
            ),
            (decode_basic(&secret), "no scheme"),
        ];
        for (result, context) in cases {
            if context == "no colon" {
                assert_error_hides(result, &no_colon, INPUT, context);
            } else {
                assert_error_hides(result, &secret, INPUT, context);
            }
        }
    }
}

#[test]
fn bearer_and_scheme_errors_show_no_secret() {
    for secret in token_like_secrets() {
        let cases = [
            (bearer_auth(&format!("{secret} x")), "space after the token"),
            (
                bearer_auth(&format!("{secret}\r\nX-Evil: 1")),
                "CR LF after the token",
            ),
            (bearer_auth(&format!("{secret}\tx")), "tab after the token"),
            (
                bearer_auth(&format!("{secret}\u{7f}")),
                "DEL after the token",
            ),
            (
                bearer_auth(&format!("{secret}\u{e9}")),
                "non-ASCII after the token",
            ),
            (bearer_auth(&format!("{secret}\0")), "NUL after the token"),
            (
                scheme_auth("Bad Scheme", &secret),
                "invalid scheme, secret credentials",
            ),
            (
                // Not "{secret} x": a secret ending in '=' reads as the auth-param `s= x`.
                scheme_auth("Token", &format!("x {secret}")),
                "space in the credentials",
            ),
            (
                scheme_auth_params("Token", &[("token", &format!("{secret}\r\nX: 1"))]),
                "CR LF in an auth-param value",
            ),
            (
                scheme_auth_params("Token", &[("token", &format!("{secret}\u{e9}"))]),
                "non-ASCII in an auth-param value",
            ),
            (
                scheme_auth("Token", &format!("{secret}\n")),
                "LF in the credentials",
            ),
        ];
        for (result, context) in cases {
            assert_error_hides(result, &secret, INPUT, context);
        }
    }
}

#[test]
fn open_connectors_errors_show_no_secret() {
    for secret in token_like_secrets() {
        let s = || Some(secret.as_str());
        let cases = [
            (
                open_connectors_auth(&format!("{secret},x"), None, None),
                "comma in the user secret",
            ),
            (
                open_connectors_auth(&secret, format!("{secret} x").as_str(), None),
                "space in the organization secret",
            ),
            (
                open_connectors_auth(&secret, s(), format!("{secret}\r\nX-Evil: 1").as_str()),
                "CR LF in the element token",
            ),
            (
                open_connectors_auth(&secret, "", s()),
                "empty organization secret",
            ),
            (open_connectors_auth("", s(), s()), "empty user secret"),
        ];
        for (result, context) in cases {
            assert_error_hides(result, &secret, INPUT, context);
        }
    }
}

fn key_file(id: &str, secret: &str, encoded_key: &str) -> String {
    serde_json::json!({"appClientId": id, "appClientSecret": secret, "encodedKey": encoded_key})
        .to_string()
}

/// Invalid API-key files that contain `secret`, with what makes each invalid.
fn invalid_key_files(secret: &str) -> Vec<(String, &'static str)> {
    let valid = key_file("client", secret, secret);
    let json_string = serde_json::to_string(secret).unwrap();
    vec![
        (
            format!("{}, oops", &valid[..valid.len() - 1]),
            "invalid JSON after the secrets",
        ),
        (
            format!("{valid} trailing"),
            "trailing text after a valid file",
        ),
        (
            format!("{{\"appClientSecret\": {json_string}, \"encodedKey\": {json_string}"),
            "unterminated object",
        ),
        (
            format!("{{\"appClientId\": \"c\", \"encodedKey\": \"{secret}\\q\"}}"),
            "invalid escape after a secret",
        ),
        (
            format!("{{\"appClientId\": \"c\", \"appClientSecret\": {json_string}}}"),
            "missing encodedKey",
        ),
        (
            format!(
                "{{\"appClientId\": \"c\", \"appClientSecret\": [{json_string}], \"encodedKey\": \"k\"}}"
            ),
            "secret inside an array",
        ),
        (
            format!(
                "{{\"appClientId\": \"c\", \"appClientSecret\": \"s\", \"encodedKey\": {{\"v\": {json_string}}}}}"
            ),
            "secret inside an object",
        ),
        (
            key_file("client", &format!("{secret} x"), "k"),
            "whitespace in appClientSecret",
        ),
        (
            key_file("client", "s", &format!("{secret}\n")),
            "LF in encodedKey",
        ),
        (key_file("", secret, secret), "empty appClientId"),
        (format!("[{json_string}]"), "an array, not an object"),
        (json_string.clone(), "a string, not an object"),
        (secret.to_owned(), "the secret alone"),
    ]
}

struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn api_key_errors_show_no_secret() {
    for (n, secret) in token_like_secrets().into_iter().enumerate() {
        for (text, context) in invalid_key_files(&secret) {
            assert_error_hides(ApiKey::from_json(&text), &secret, CONFIG, context);
        }
        // One of them through a file on disk as well.
        let (text, context) = &invalid_key_files(&secret)[0];
        let file = TempFile(std::env::temp_dir().join(format!(
            "authwire-redaction-{}-{n}.json",
            std::process::id()
        )));
        std::fs::write(&file.0, text).unwrap();
        assert_error_hides(
            ApiKey::from_file(file.0.to_str().unwrap()),
            &secret,
            CONFIG,
            context,
        );

        assert_error_hides(
            ApiKey::from_encoded_key(&format!("{secret} x")),
            &secret,
            CONFIG,
            "space in the encoded key",
        );
        assert_error_hides(
            ApiKey::from_encoded_key(&format!("{secret}\r\n")),
            &secret,
            CONFIG,
            "CR LF in the encoded key",
        );
    }
    // A non-string secret value of the wrong type.
    let numeric = "9876543210123456789";
    let text = format!(
        "{{\"appClientId\": \"c\", \"appClientSecret\": {numeric}, \"encodedKey\": \"k\"}}"
    );
    assert_error_hides(
        ApiKey::from_json(&text),
        numeric,
        CONFIG,
        "numeric appClientSecret",
    );
    let text = format!(
        "{{\"appClientId\": \"c\", \"appClientSecret\": \"s\", \"encodedKey\": {numeric}}}"
    );
    assert_error_hides(
        ApiKey::from_json(&text),
        numeric,
        CONFIG,
        "numeric encodedKey",
    );
}
