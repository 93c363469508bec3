//! Runs every case of the shared vectors file `tests/auth-vectors.json` against the core.
//!
//! Each section is one test. A test runs every case of its section, collects the failures
//! (each naming the case's `source` or `why`) and reports them all at once, and it fails
//! when the section is missing or has fewer cases than the file had when this test was
//! written, so a truncated or renamed section cannot pass silently.

use std::path::PathBuf;

use authwire::{
    ApiKey, AuthError, basic_auth, bearer_auth, decode_basic, open_connectors_auth, scheme_auth,
    scheme_auth_params,
};
use serde_json::Value;

const VECTORS_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/auth-vectors.json");

fn vectors() -> Value {
    let text = std::fs::read_to_string(VECTORS_PATH)
        .unwrap_or_else(|err| panic!("cannot read the vectors file {VECTORS_PATH}: {err}"));
    serde_json::from_str(&text)
        .unwrap_or_else(|err| panic!("the vectors file {VECTORS_PATH} is not valid JSON: {err}"))
}

/// The cases of one section. `at_least` is the number of cases the section had when the
/// test was written: vectors may be added, never silently lost.
fn section(name: &str, at_least: usize) -> Vec<Value> {
    let vectors = vectors();
    let cases = vectors
        .get(name)
        .unwrap_or_else(|| panic!("the vectors file has no {name:?} section"))
        .as_array()
        .unwrap_or_else(|| panic!("the vectors section {name:?} is not an array"))
        .clone();
    assert!(
        cases.len() >= at_least,
        "the vectors section {name:?} has {} cases, expected at least {at_least}",
        cases.len()
    );
    cases
}

/// The case's name for failure messages: its `source`, or its `why` for invalid cases.
fn label(case: &Value) -> String {
    case.get("source")
        .or_else(|| case.get("why"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("a vectors case has neither 'source' nor 'why': {case}"))
}

fn text<'a>(case: &'a Value, field: &str) -> &'a str {
    case.get(field).and_then(Value::as_str).unwrap_or_else(|| {
        panic!(
            "case {:?}: field {field:?} is missing or not a string",
            label(case)
        )
    })
}

/// A field that is a string or `null`.
fn optional_text(case: &Value, field: &str) -> Option<String> {
    match case.get(field) {
        None | Some(Value::Null) => None,
        Some(Value::String(value)) => Some(value.clone()),
        Some(other) => panic!(
            "case {:?}: field {field:?} is not a string or null: {other}",
            label(case)
        ),
    }
}

/// Runs `check` on every case, then fails once with every failure if any case failed.
/// Asserts that exactly as many cases ran as the section holds.
fn run_all(name: &str, cases: &[Value], mut check: impl FnMut(&Value) -> Result<(), String>) {
    let mut ran = 0usize;
    let mut failures = Vec::new();
    for case in cases {
        ran += 1;
        if let Err(message) = check(case) {
            failures.push(format!("[{name}] {:?}: {message}", label(case)));
        }
    }
    assert_eq!(ran, cases.len(), "[{name}] not every case ran");
    assert!(ran > 0, "[{name}] no case ran");
    assert!(
        failures.is_empty(),
        "{} of {ran} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn expect_invalid_input<T: std::fmt::Debug>(result: Result<T, AuthError>) -> Result<(), String> {
    match result {
        Err(AuthError::InvalidInput { .. }) => Ok(()),
        Err(other) => Err(format!("expected AuthError::InvalidInput, got {other:?}")),
        Ok(value) => Err(format!(
            "expected AuthError::InvalidInput, got Ok({value:?})"
        )),
    }
}

fn expect_invalid_configuration<T: std::fmt::Debug>(
    result: Result<T, AuthError>,
) -> Result<(), String> {
    match result {
        Err(AuthError::InvalidConfiguration { .. }) => Ok(()),
        Err(other) => Err(format!(
            "expected AuthError::InvalidConfiguration, got {other:?}"
        )),
        Ok(value) => Err(format!(
            "expected AuthError::InvalidConfiguration, got Ok({value:?})"
        )),
    }
}

fn check_round_trip(value: &str, user_id: &str, password: &str) -> Result<(), String> {
    let decoded =
        decode_basic(value).map_err(|err| format!("decode_basic({value:?}) failed: {err}"))?;
    if decoded.user_id() != user_id {
        return Err(format!(
            "decode_basic user_id: got {:?}, expected {user_id:?}",
            decoded.user_id()
        ));
    }
    if decoded.password() != password {
        return Err("decode_basic did not give back the password".to_owned());
    }
    Ok(())
}

#[test]
fn basic() {
    run_all("basic", &section("basic", 4), |case| {
        let user_id = text(case, "user_id");
        let password = text(case, "password");
        let value =
            basic_auth(user_id, password).map_err(|err| format!("basic_auth failed: {err}"))?;
        match optional_text(case, "header_value") {
            Some(expected) => {
                if value != expected {
                    return Err(format!("basic_auth: got {value:?}, expected {expected:?}"));
                }
                // The expected value itself decodes back, independently of basic_auth.
                check_round_trip(&expected, user_id, password)
            }
            None => {
                if value.contains('\r') || value.contains('\n') {
                    return Err(format!("basic_auth value contains CR or LF: {value:?}"));
                }
                if !value.starts_with("Basic ") {
                    return Err(format!(
                        "basic_auth value does not start with 'Basic ': {value:?}"
                    ));
                }
                check_round_trip(&value, user_id, password)
            }
        }
    });
}

#[test]
fn basic_invalid() {
    run_all("basic_invalid", &section("basic_invalid", 4), |case| {
        expect_invalid_input(basic_auth(text(case, "user_id"), text(case, "password")))
    });
}

#[test]
fn basic_decode_invalid() {
    run_all(
        "basic_decode_invalid",
        &section("basic_decode_invalid", 1),
        |case| expect_invalid_input(decode_basic(text(case, "header_value"))),
    );
}

#[test]
fn bearer() {
    run_all("bearer", &section("bearer", 7), |case| {
        let token = text(case, "token");
        let expected = text(case, "header_value");
        let value = bearer_auth(token).map_err(|err| format!("bearer_auth failed: {err}"))?;
        if value != expected {
            return Err(format!("bearer_auth: got {value:?}, expected {expected:?}"));
        }
        // A Bearer credential is a token68, so the generic builder must agree.
        let generic =
            scheme_auth("Bearer", token).map_err(|err| format!("scheme_auth failed: {err}"))?;
        if generic != expected {
            return Err(format!(
                "scheme_auth(\"Bearer\", ..): got {generic:?}, expected {expected:?}"
            ));
        }
        Ok(())
    });
}

#[test]
fn bearer_invalid() {
    run_all("bearer_invalid", &section("bearer_invalid", 8), |case| {
        let token = text(case, "token");
        expect_invalid_input(bearer_auth(token))?;
        expect_invalid_input(scheme_auth("Bearer", token))
            .map_err(|err| format!("scheme_auth: {err}"))
    });
}

fn params(case: &Value) -> Vec<(&str, &str)> {
    case["params"]
        .as_array()
        .unwrap_or_else(|| panic!("case {:?}: params is not an array", label(case)))
        .iter()
        .map(|pair| (pair[0].as_str().unwrap(), pair[1].as_str().unwrap()))
        .collect()
}

#[test]
fn scheme() {
    run_all("scheme", &section("scheme", 4), |case| {
        let value = scheme_auth(text(case, "scheme"), text(case, "credentials"))
            .map_err(|err| format!("scheme_auth failed: {err}"))?;
        let expected = text(case, "header_value");
        if value != expected {
            return Err(format!("scheme_auth: got {value:?}, expected {expected:?}"));
        }
        Ok(())
    });
}

#[test]
fn scheme_invalid() {
    run_all("scheme_invalid", &section("scheme_invalid", 7), |case| {
        expect_invalid_input(scheme_auth(text(case, "scheme"), text(case, "credentials")))
    });
}

#[test]
fn scheme_params() {
    run_all("scheme_params", &section("scheme_params", 2), |case| {
        let scheme = text(case, "scheme");
        let value = scheme_auth_params(scheme, &params(case))
            .map_err(|err| format!("scheme_auth_params failed: {err}"))?;
        let expected = text(case, "header_value");
        if value != expected {
            return Err(format!(
                "scheme_auth_params: got {value:?}, expected {expected:?}"
            ));
        }
        // What the builder writes, the checked builder accepts as it is.
        let credentials = &value[scheme.len() + 1..];
        match scheme_auth(scheme, credentials) {
            Ok(again) if again == value => Ok(()),
            other => Err(format!("scheme_auth on the built value: {other:?}")),
        }
    });
}

#[test]
fn scheme_params_invalid() {
    run_all(
        "scheme_params_invalid",
        &section("scheme_params_invalid", 4),
        |case| expect_invalid_input(scheme_auth_params(text(case, "scheme"), &params(case))),
    );
}

#[test]
fn open_connectors() {
    run_all("open_connectors", &section("open_connectors", 3), |case| {
        let value = open_connectors_auth(
            text(case, "user_secret"),
            optional_text(case, "organization_secret").as_deref(),
            optional_text(case, "element_token").as_deref(),
        )
        .map_err(|err| format!("open_connectors_auth failed: {err}"))?;
        let expected = text(case, "header_value");
        if value != expected {
            return Err(format!(
                "open_connectors_auth: got {value:?}, expected {expected:?}"
            ));
        }
        Ok(())
    });
}

#[test]
fn open_connectors_invalid() {
    run_all(
        "open_connectors_invalid",
        &section("open_connectors_invalid", 3),
        |case| {
            expect_invalid_input(open_connectors_auth(
                text(case, "user_secret"),
                optional_text(case, "organization_secret").as_deref(),
                optional_text(case, "element_token").as_deref(),
            ))
        },
    );
}

fn check_api_key(key: &ApiKey, json: &Value, api_key: &str) -> Result<(), String> {
    let expected_id = json.get("appClientId").and_then(Value::as_str);
    if key.app_client_id() != expected_id {
        return Err(format!(
            "app_client_id: got {:?}, expected {expected_id:?}",
            key.app_client_id()
        ));
    }
    let expected_secret = json.get("appClientSecret").and_then(Value::as_str);
    if key.app_client_secret() != expected_secret {
        return Err("app_client_secret differs from the file's appClientSecret".to_owned());
    }
    if key.encoded_key() != api_key {
        return Err("encoded_key differs from token_request_body.apiKey".to_owned());
    }
    Ok(())
}

/// A file in the system temp directory, removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn new(tag: &str, contents: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "authwire-vectors-{}-{tag}.json",
            std::process::id()
        ));
        std::fs::write(&path, contents)
            .unwrap_or_else(|err| panic!("cannot write {}: {err}", path.display()));
        Self(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().expect("the temp path is UTF-8")
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn api_key_file() {
    let mut index = 0;
    run_all("api_key_file", &section("api_key_file", 2), |case| {
        index += 1;
        let json = case.get("json").ok_or("the case has no 'json' object")?;
        let api_key = case
            .get("token_request_body")
            .and_then(|body| body.get("apiKey"))
            .and_then(Value::as_str)
            .ok_or("the case has no token_request_body.apiKey")?;

        let compact = serde_json::to_string(json).map_err(|err| err.to_string())?;
        let key = ApiKey::from_json(&compact).map_err(|err| format!("from_json failed: {err}"))?;
        check_api_key(&key, json, api_key).map_err(|err| format!("from_json: {err}"))?;

        let pretty = serde_json::to_string_pretty(json).map_err(|err| err.to_string())?;
        let from_pretty = ApiKey::from_json(&pretty)
            .map_err(|err| format!("from_json (pretty) failed: {err}"))?;
        if from_pretty != key {
            return Err(
                "from_json of the pretty-printed file differs from the compact one".to_owned(),
            );
        }

        let file = TempFile::new(&format!("valid-{index}"), &pretty);
        let from_file =
            ApiKey::from_file(file.path()).map_err(|err| format!("from_file failed: {err}"))?;
        check_api_key(&from_file, json, api_key).map_err(|err| format!("from_file: {err}"))?;

        let only_key = ApiKey::from_encoded_key(api_key)
            .map_err(|err| format!("from_encoded_key failed: {err}"))?;
        if only_key.encoded_key() != api_key {
            return Err(
                "from_encoded_key: encoded_key differs from token_request_body.apiKey".to_owned(),
            );
        }
        if only_key.app_client_id().is_some() || only_key.app_client_secret().is_some() {
            return Err(
                "from_encoded_key: app_client_id/app_client_secret should be None".to_owned(),
            );
        }
        Ok(())
    });
}

#[test]
fn api_key_file_invalid() {
    let mut index = 0;
    run_all(
        "api_key_file_invalid",
        &section("api_key_file_invalid", 3),
        |case| {
            index += 1;
            let contents = text(case, "text");
            expect_invalid_configuration(ApiKey::from_json(contents))
                .map_err(|err| format!("from_json: {err}"))?;
            let file = TempFile::new(&format!("invalid-{index}"), contents);
            expect_invalid_configuration(ApiKey::from_file(file.path()))
                .map_err(|err| format!("from_file: {err}"))
        },
    );
}
