//! The `Authorization` builders and the Basic decoder with arbitrary input.
//!
//! Invariants: every built value is free of CR, LF, NUL and non-ASCII; Basic round-trips
//! through `decode_basic`; what `scheme_auth_params` writes, `scheme_auth` reads back
//! unchanged; an error's Display and Debug never contain the secret given (checked when the
//! secret is at least 4 bytes and holds `@`, which no fixed message or Debug rendering
//! contains).

use crate::input::{Input, header_safe};

/// Runs one input.
pub fn run(data: &[u8]) {
    let mut input = Input::new(data);
    match input.byte() % 7 {
        0 => {
            let user = input.string(64);
            let password = input.string(128);
            match authwire::basic_auth(&user, &password) {
                Ok(value) => {
                    assert!(header_safe(&value), "{value:?}");
                    let back = authwire::decode_basic(&value).expect("our own Basic value decodes");
                    assert_eq!(back.user_id(), user);
                    assert_eq!(back.password(), password);
                    // Exactly the documented renderings: the user-id, never the password.
                    assert_eq!(
                        format!("{back:?}"),
                        format!("BasicCredentials {{ user_id: {user:?}, password: [redacted] }}")
                    );
                    assert_eq!(
                        format!("{back}"),
                        format!("BasicCredentials(user_id={user:?}, password=[redacted])")
                    );
                }
                Err(error) => assert_no_secret_in_error(&error, &password),
            }
        }
        1 => {
            let token = input.string(200);
            match authwire::bearer_auth(&token) {
                Ok(value) => {
                    assert!(header_safe(&value), "{value:?}");
                    assert_eq!(value, format!("Bearer {token}"));
                }
                Err(error) => assert_no_secret_in_error(&error, &token),
            }
        }
        2 => {
            let scheme = input.string(16);
            let credentials = input.string(200);
            match authwire::scheme_auth(&scheme, &credentials) {
                Ok(value) => {
                    assert!(header_safe(&value), "{value:?}");
                    assert_eq!(value, format!("{scheme} {credentials}"));
                }
                Err(error) => assert_no_secret_in_error(&error, &credentials),
            }
        }
        3 => {
            let scheme = input.string(16);
            let count = usize::from(input.byte() % 5);
            let params: Vec<(String, String)> = (0..count)
                .map(|_| (input.string(12), input.string(60)))
                .collect();
            let borrowed: Vec<(&str, &str)> = params
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect();
            match authwire::scheme_auth_params(&scheme, &borrowed) {
                Ok(value) => {
                    assert!(header_safe(&value), "{value:?}");
                    let credentials = value
                        .strip_prefix(&format!("{scheme} "))
                        .expect("the value starts with the scheme");
                    let again = authwire::scheme_auth(&scheme, credentials).unwrap_or_else(|e| {
                        panic!("scheme_auth refused what scheme_auth_params wrote: {e}")
                    });
                    assert_eq!(again, value);
                }
                Err(error) => {
                    for (_, secret) in &params {
                        assert_no_secret_in_error(&error, secret);
                    }
                }
            }
        }
        4 => {
            let user = input.string(60);
            let organization = (input.byte().is_multiple_of(2)).then(|| input.string(60));
            let element = (input.byte().is_multiple_of(2)).then(|| input.string(60));
            match authwire::open_connectors_auth(&user, organization.clone(), element.clone()) {
                Ok(value) => {
                    assert!(header_safe(&value), "{value:?}");
                    let mut expected = vec![format!("User {user}")];
                    expected.extend(organization.map(|o| format!("Organization {o}")));
                    expected.extend(element.map(|e| format!("Element {e}")));
                    assert_eq!(value.split(", ").collect::<Vec<_>>(), expected);
                }
                Err(error) => {
                    for secret in [Some(user), organization, element].into_iter().flatten() {
                        assert_no_secret_in_error(&error, &secret);
                    }
                }
            }
        }
        5 => {
            let value = String::from_utf8_lossy(input.rest()).into_owned();
            if let Ok(credentials) = authwire::decode_basic(&value) {
                let (user, password) = (credentials.user_id(), credentials.password());
                if let Ok(again) = authwire::basic_auth(&user, &password) {
                    let back = authwire::decode_basic(&again).expect("our own Basic value decodes");
                    assert_eq!((back.user_id(), back.password()), (user, password));
                }
            }
        }
        _ => {
            let scheme = input.string(16);
            let count = usize::from(input.byte() % 4);
            let names: Vec<String> = (0..count).map(|_| input.string(12)).collect();
            let values: Vec<String> = (0..usize::from(input.byte() % 4))
                .map(|_| input.string(40))
                .collect();
            match authwire::scheme_auth_param_lists(&scheme, names, values.clone()) {
                Ok(value) => assert!(header_safe(&value), "{value:?}"),
                Err(error) => {
                    for secret in &values {
                        assert_no_secret_in_error(&error, secret);
                    }
                }
            }
        }
    }
}

fn assert_no_secret_in_error(error: &authwire::AuthError, secret: &str) {
    assert_no_secret(&format!("{error} {error:?}"), secret);
}

/// The secret must not appear, when it is recognisable: at least 4 bytes and holding `@`,
/// which no fixed message text or Debug rendering contains (`{`, `}`, `§` and `–` do).
fn assert_no_secret(text: &str, secret: &str) {
    if secret.len() >= 4 && secret.contains('@') {
        assert!(
            !text.contains(secret),
            "the secret {secret:?} is in {text:?}"
        );
    }
}
