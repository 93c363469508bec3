//! Every provider fixture of `tests/scenarios/providers.json` (the token answers that Google,
//! Azure AD, Okta, Salesforce, GitHub, X, Facebook and others document) through the token
//! manager, served byte for byte by the shared scenario server (`tests/scenarios/server.py`).
//! Python, Kotlin and Swift run the same fixtures against the same server.

mod support;

use authwire::{AuthError, TokenManager};
use serde_json::Value;
use support::python::{http_get, scenario_server, scenarios_dir};
use support::transport::with_transport as opts;

fn fixtures() -> Vec<Value> {
    let text = std::fs::read_to_string(scenarios_dir().join("providers.json")).unwrap();
    let document: Value = serde_json::from_str(&text).unwrap();
    let fixtures = document["fixtures"].as_array().unwrap().clone();
    assert!(fixtures.len() >= 22, "providers.json lost fixtures");
    fixtures
}

fn get_json(url: &str) -> Value {
    serde_json::from_str(&http_get(url, None).1).unwrap()
}

#[test]
fn every_provider_fixture_gives_the_documented_header_and_lifetime() {
    let (_server, base) = scenario_server();
    let mut failures = Vec::new();
    for fixture in fixtures() {
        let id = fixture["id"].as_str().unwrap();
        let ns = format!("{id}.rust-{}", std::process::id());
        let manager = TokenManager::client_credentials(
            &format!("{base}/provider/{ns}/token"),
            "client-id",
            "client-secret",
            &[],
            opts(None),
        )
        .unwrap();
        let expect = &fixture["expect"];
        let outcome = manager.token();
        let checked = match (expect.get("authorization"), outcome) {
            (Some(header), Ok(token)) => {
                let lifetime_ms = expect["lifetime_s"].as_f64().unwrap_or(3600.0) * 1000.0;
                let expires_in = (token.expires_in().unwrap().as_millis() as u64) as f64;
                if token.authorization() != header.as_str().unwrap() {
                    Err(format!("header {:?}", token.authorization()))
                } else if (expires_in - lifetime_ms).abs() > 2000.0 {
                    Err(format!(
                        "expires in {expires_in} ms, expected {lifetime_ms}"
                    ))
                } else {
                    Ok(())
                }
            }
            (None, Err(AuthError::InvalidResponse { reason })) => {
                let names = expect["names"].as_str().unwrap();
                if reason.contains(names) {
                    Ok(())
                } else {
                    Err(format!("the error does not name {names:?}: {reason}"))
                }
            }
            (_, other) => Err(format!("unexpected outcome {other:?}")),
        };
        let last = get_json(&format!("{base}/provider/{ns}/last"));
        let checked = checked.and_then(|()| match last["headers"]["accept"].as_str() {
            Some("application/json") => Ok(()),
            other => Err(format!("the request's Accept was {other:?}")),
        });
        if let Err(why) = checked {
            failures.push(format!("{id}: {why}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
