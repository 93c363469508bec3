//! OAuth2 client credentials (RFC 6749 §4.4) against real server implementations: Authlib
//! (Flask) and django-oauth-toolkit, which decode Basic credentials with `unquote` and
//! `unquote_plus`, and a literal server that compares them undecoded (as Doorkeeper and
//! Cloud Foundry UAA do). All run from `tests/scenarios/oauth_servers.py` on 127.0.0.1; each
//! token must be accepted by the server's own resource protection, with the scope asked for.
//!
//! The servers need the Python packages of bindings-python's `test` extra. tests/run-all sets
//! `AUTHWIRE_TEST_PYTHON`; without it and without the repository's `.venv`, the test says
//! that it skipped.

mod support;

use authwire::{AuthError, ClientAuthMethod, TokenManager};
use serde_json::Value;
use support::python::{http_get, oauth_python, oauth_servers};
use support::transport::with_transport as opts;

fn get(url: &str, authorization: &str) -> (u16, String) {
    http_get(url, Some(authorization))
}

struct Servers {
    _process: support::python::PythonServer,
    info: Value,
    clients: Vec<Value>,
}

impl Servers {
    fn start() -> Option<Self> {
        let Some(python) = oauth_python() else {
            eprintln!(
                "SKIPPED: the real OAuth2 server tests need AUTHWIRE_TEST_PYTHON (a Python with bindings-python[test]) or the repository's .venv"
            );
            return None;
        };
        let (process, info) = oauth_servers(&python);
        let text = std::fs::read_to_string(info["clients_file"].as_str().unwrap()).unwrap();
        let clients = serde_json::from_str::<Value>(&text).unwrap()["clients"]
            .as_array()
            .unwrap()
            .clone();
        assert!(clients.len() >= 12);
        Some(Self {
            _process: process,
            info,
            clients,
        })
    }

    fn url(&self, server: &str, endpoint: &str) -> String {
        format!(
            "{}{}",
            self.info[server].as_str().unwrap(),
            self.info["endpoints"][server][endpoint].as_str().unwrap()
        )
    }

    fn manager(
        &self,
        server: &str,
        endpoint: &str,
        id: &str,
        secret: &str,
        scopes: &[&str],
        method: ClientAuthMethod,
    ) -> authwire::Result<std::sync::Arc<TokenManager>> {
        TokenManager::client_credentials_with_method(
            &self.url(server, endpoint),
            id,
            secret,
            scopes,
            method,
            opts(None),
        )
        .map(std::sync::Arc::new)
    }
}

fn text<'a>(client: &'a Value, field: &str) -> &'a str {
    client[field].as_str().unwrap()
}

#[test]
fn every_client_authenticates_with_both_methods_on_authlib_and_django_oauth_toolkit() {
    let Some(servers) = Servers::start() else {
        return;
    };
    let mut failures = Vec::new();
    let mut tokens = 0;
    for server in ["authlib", "dot"] {
        for method in [
            ClientAuthMethod::ClientSecretBasic,
            ClientAuthMethod::ClientSecretPost,
        ] {
            for client in &servers.clients {
                let (id, secret) = (text(client, "client_id"), text(client, "client_secret"));
                let manager = servers
                    .manager(server, "token", id, secret, &["read"], method)
                    .unwrap();
                let outcome = manager.authorization().map(|header| {
                    let (status, body) = get(
                        &format!("{}?scope=read", servers.url(server, "resource")),
                        &header,
                    );
                    (status, serde_json::from_str::<Value>(&body).ok())
                });
                match outcome {
                    Ok((200, Some(body)))
                        if body["client_id"] == id
                            && body["scope"]
                                .as_str()
                                .is_some_and(|s| s.split(' ').any(|s| s == "read")) =>
                    {
                        tokens += 1
                    }
                    other => failures.push(format!("{server} {method:?} {id:?}: {other:?}")),
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(tokens, 4 * servers.clients.len());
}

#[test]
fn the_unencoded_method_passes_a_server_that_compares_literally() {
    let Some(servers) = Servers::start() else {
        return;
    };
    let mut checked = 0;
    for client in &servers.clients {
        let (id, secret) = (text(client, "client_id"), text(client, "client_secret"));
        let built = servers.manager(
            "literal",
            "token",
            id,
            secret,
            &["read"],
            ClientAuthMethod::ClientSecretBasicUnencoded,
        );
        if client["literal"] == false {
            // A ':' in the client id cannot travel in raw Basic (RFC 7617 §2).
            let error = built.map(|_| ()).unwrap_err();
            assert!(
                matches!(error, AuthError::InvalidConfiguration { .. }),
                "{id:?}: {error:?}"
            );
            assert!(!error.to_string().contains(secret));
            continue;
        }
        let header = built.unwrap().authorization().unwrap();
        let (status, body) = get(
            &format!("{}?scope=read", servers.url("literal", "resource")),
            &header,
        );
        assert_eq!(status, 200, "{id:?}: {body}");
        checked += 1;
    }
    assert!(checked >= 10);
}

#[test]
fn server_errors_come_back_typed_and_without_the_secret() {
    let Some(servers) = Servers::start() else {
        return;
    };
    let client = servers
        .clients
        .iter()
        .find(|c| text(c, "client_secret").contains(' ') || text(c, "client_id").contains(' '))
        .unwrap();
    let (id, secret) = (text(client, "client_id"), text(client, "client_secret"));
    let wrong_secret = format!("{secret}-wrong");
    let cases: [(&str, &str, &str, &[&str], &str); 3] = [
        ("token", id, &wrong_secret, &["read"], "invalid_client"),
        ("token", id, secret, &["admin"], "invalid_scope"),
        ("no_cc", id, secret, &["read"], "unsupported_grant_type"),
    ];
    for server in ["authlib", "dot"] {
        for method in [
            ClientAuthMethod::ClientSecretBasic,
            ClientAuthMethod::ClientSecretPost,
        ] {
            for (endpoint, id, secret, scopes, code) in cases {
                let manager = servers
                    .manager(server, endpoint, id, secret, scopes, method)
                    .unwrap();
                let error = manager.authorization().unwrap_err();
                let AuthError::OAuth {
                    status, ref error, ..
                } = error
                else {
                    panic!("{server} {method:?} {code}: {error:?}");
                };
                assert_eq!(error, code, "{server} {method:?}");
                assert!((400..500).contains(&status));
                let error = manager.authorization().unwrap_err();
                for rendered in [error.to_string(), format!("{error:?}")] {
                    assert!(!rendered.contains(secret), "{rendered}");
                    assert!(!rendered.contains(&wrong_secret), "{rendered}");
                }
            }
        }
    }
}
