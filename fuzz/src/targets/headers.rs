//! The `Authorization` builders and their parsers with arbitrary input, in both directions.
//!
//! Invariants, builder to parser: every built value is free of CR, LF, NUL and non-ASCII;
//! Basic round-trips through `decode_basic`; what `scheme_auth_params` writes, `scheme_auth`
//! accepts unchanged and reads back as exactly the pairs given; an Open Connectors value
//! reads back as exactly its parts.
//!
//! Parser to builder: what `decode_basic` accepts, `basic_auth` accepts and rebuilds byte for
//! byte (the scheme spelled `Basic`, surrounding blanks gone); auth-params that `scheme_auth`
//! accepts, `scheme_auth_params` accepts, and its value reads as the same pairs and rebuilds
//! to itself; what the Open Connectors reader accepts, `open_connectors_auth` rebuilds byte
//! for byte.
//!
//! An error's Display and Debug never contain the secret given (checked when the secret is
//! at least 4 bytes and holds `@`, which no fixed message or Debug rendering contains).

use authwire::fuzzing::{read_credentials, read_open_connectors};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::input::{Input, header_safe};

/// Runs one input.
pub fn run(data: &[u8]) {
    let mut input = Input::new(data);
    match input.byte() % 8 {
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
                    let read = read_credentials(&credentials).unwrap_or_else(|e| {
                        panic!("scheme_auth accepted what its reader refuses: {e}")
                    });
                    if let Some(pairs) = read {
                        rebuilds_from_pairs(&scheme, &pairs);
                    }
                }
                Err(error) => {
                    assert_no_secret_in_error(&error, &credentials);
                    assert!(
                        read_credentials(&credentials).is_err()
                            || authwire::scheme_auth(&scheme, "x").is_err()
                    );
                }
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
                    let read = read_credentials(credentials)
                        .expect("scheme_auth_params wrote credentials its reader refuses")
                        .expect("scheme_auth_params wrote a single token");
                    assert_eq!(read, params, "auth-params read back differently");
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
            match authwire::open_connectors_auth(&user, organization.as_deref(), element.as_deref())
            {
                Ok(value) => {
                    assert!(header_safe(&value), "{value:?}");
                    let mut expected = vec![format!("User {user}")];
                    expected.extend(organization.as_ref().map(|o| format!("Organization {o}")));
                    expected.extend(element.as_ref().map(|e| format!("Element {e}")));
                    assert_eq!(value.split(", ").collect::<Vec<_>>(), expected);
                    let read = read_open_connectors(&value)
                        .unwrap_or_else(|e| panic!("the reader refused a built value: {e}"));
                    assert_eq!(read, (user, organization, element));
                }
                Err(error) => {
                    for secret in [Some(user), organization, element].into_iter().flatten() {
                        assert_no_secret_in_error(&error, &secret);
                    }
                }
            }
        }
        5 => {
            // Shaped like a Basic value most of the time, so that the decoder gets past the
            // scheme and the base64 and the decoded text is what varies.
            let value = if input.byte().is_multiple_of(4) {
                String::from_utf8_lossy(input.rest()).into_owned()
            } else {
                let scheme = *input.pick(&["Basic ", "basic  ", " BASIC ", "Basic\t", "Bearer "]);
                let decoded = input.rest();
                format!("{scheme}{}", STANDARD.encode(decoded))
            };
            if let Ok(credentials) = authwire::decode_basic(&value) {
                let (user, password) = (credentials.user_id(), credentials.password());
                let again = authwire::basic_auth(user, password).unwrap_or_else(|e| {
                    panic!("basic_auth refused what decode_basic accepted: {e}")
                });
                assert_eq!(again, canonical_basic(&value), "not rebuilt byte for byte");
            }
        }
        6 => {
            let value = String::from_utf8_lossy(input.rest()).into_owned();
            if let Ok((user, organization, element)) = read_open_connectors(&value) {
                let again = authwire::open_connectors_auth(
                    &user,
                    organization.as_deref(),
                    element.as_deref(),
                )
                .unwrap_or_else(|e| panic!("the builder refused what the reader accepted: {e}"));
                assert_eq!(again, value, "not rebuilt byte for byte");
            }
        }
        _ => {
            let scheme = input.string(16);
            let count = usize::from(input.byte() % 4);
            let names: Vec<String> = (0..count).map(|_| input.string(12)).collect();
            let values: Vec<String> = (0..usize::from(input.byte() % 4))
                .map(|_| input.string(40))
                .collect();
            match authwire::fuzzing::scheme_auth_param_lists(&scheme, names, values.clone()) {
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

/// The auth-params read from credentials `scheme_auth` accepted: `scheme_auth_params` takes
/// them, its value reads as the same pairs, and building from those again gives the same
/// value (one canonical form).
fn rebuilds_from_pairs(scheme: &str, pairs: &[(String, String)]) {
    let borrowed: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let rebuilt = authwire::scheme_auth_params(scheme, &borrowed).unwrap_or_else(|e| {
        panic!("scheme_auth_params refused auth-params scheme_auth accepted: {e}")
    });
    let credentials = rebuilt
        .strip_prefix(&format!("{scheme} "))
        .expect("the value starts with the scheme");
    let read = read_credentials(credentials)
        .expect("the rebuilt credentials read")
        .expect("the rebuilt credentials are auth-params");
    assert_eq!(read, pairs, "the rebuilt auth-params read differently");
    assert_eq!(
        authwire::scheme_auth(scheme, credentials).expect("scheme_auth takes the rebuilt value"),
        rebuilt
    );
}

/// A Basic value as `basic_auth` writes it: blanks around it gone, the scheme spelled
/// `Basic`, one space, the base64 unchanged (the decoder takes only canonical base64).
fn canonical_basic(value: &str) -> String {
    let value = value.trim_matches([' ', '\t']);
    let (_, encoded) = value.split_once(' ').unwrap_or((value, ""));
    format!("Basic {}", encoded.trim_start_matches(' '))
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
