//! The documentation's Rust header sample (docs/guides/headers.md): `cargo run -p authwire
//! --example readme_headers`; tests/run-all runs it.
use authwire::AuthError;

fn main() -> Result<(), AuthError> {
    let value = authwire::basic_auth("Aladdin", "open sesame")?;
    assert_eq!(value, "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
    assert_eq!(
        authwire::bearer_auth("mF_9.B5f-4.1JqM")?,
        "Bearer mF_9.B5f-4.1JqM"
    );
    assert_eq!(
        authwire::open_connectors_auth("us3r", "0rg", None)?,
        "User us3r, Organization 0rg"
    );
    assert_eq!(authwire::scheme_auth("Token", "abc")?, "Token abc");
    // Tokens as providers issue them: Salesforce's '!', X's '%', Facebook's '|'.
    assert_eq!(
        authwire::bearer_auth("123456|a1b2c3")?,
        "Bearer 123456|a1b2c3"
    );
    // RFC 9110 auth-params, quoted and escaped for you (Rails' token authentication).
    assert_eq!(
        authwire::scheme_auth_params("Token", &[("token", "abc"), ("nonce", "a\"b")])?,
        r#"Token token="abc", nonce="a\"b""#
    );
    let credentials = authwire::decode_basic(&value)?;
    assert_eq!(credentials.user_id(), "Aladdin");
    println!("{credentials:?}"); // BasicCredentials { user_id: "Aladdin", password: [redacted] }

    // A colon in the user-id, CR/LF anywhere, a malformed token: a typed error, never a header.
    let error = authwire::basic_auth("ali:ce", "pw").unwrap_err();
    assert!(matches!(error, AuthError::InvalidInput { .. }));
    println!("{error}"); // invalid input: the Basic user-id contains ':' at byte 3; ...
    Ok(())
}
