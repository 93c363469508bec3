//! Builders and a parser for `Authorization` header values.
//!
//! Every builder validates its input and returns a single-line value that cannot inject
//! another header: CR, LF and every other control character are rejected, never escaped.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::error::{AuthError, Result};
use crate::secret::Secret;

/// The name of the header every builder's value belongs in.
pub const AUTHORIZATION: &str = "Authorization";

/// Builds an HTTP Basic value, `Basic base64(user-id ":" password)` (RFC 7617).
///
/// The credentials are encoded as UTF-8 (RFC 7617 §2.1) and the base64 is never line-wrapped.
/// An empty password is allowed.
///
/// # Errors
/// [`AuthError::InvalidInput`] when the user-id contains `:` (RFC 7617 §2 cannot represent it)
/// or either part contains a control character.
#[uniffi::export]
pub fn basic_auth(user_id: &str, password: &str) -> Result<String> {
    if let Some(at) = user_id.find(':') {
        return Err(AuthError::invalid_input(format!(
            "the Basic user-id contains ':' at byte {at}; RFC 7617 does not allow a colon in the user-id"
        )));
    }
    reject_control("the Basic user-id", user_id)?;
    reject_control("the Basic password", password)?;
    let mut joined = String::with_capacity(user_id.len() + 1 + password.len());
    joined.push_str(user_id);
    joined.push(':');
    joined.push_str(password);
    let joined = Secret::new(joined);
    Ok(format!("Basic {}", STANDARD.encode(joined.expose())))
}

/// Builds a Bearer value, `Bearer <token>` (RFC 6750 §2.1).
///
/// # Errors
/// [`AuthError::InvalidInput`] when the token is not an RFC 6750 `b64token`: empty, or
/// containing a space, a control character, or `=` anywhere but at the end.
#[uniffi::export]
pub fn bearer_auth(token: &str) -> Result<String> {
    check_token68("the Bearer token", token)?;
    Ok(format!("Bearer {token}"))
}

/// Builds the SAP Open Connectors composite value
/// `User <user_secret>, Organization <organization_secret>, Element <element_token>`,
/// leaving out the parts that are `None`, in that order.
///
/// # Errors
/// [`AuthError::InvalidInput`] when a given part is empty or contains `,`, whitespace or a
/// control character (any of them would make the composite value ambiguous or unsafe).
#[uniffi::export(default(organization_secret = None, element_token = None))]
pub fn open_connectors_auth(
    user_secret: &str,
    organization_secret: Option<String>,
    element_token: Option<String>,
) -> Result<String> {
    let parts = [
        ("User", Some(user_secret)),
        ("Organization", organization_secret.as_deref()),
        ("Element", element_token.as_deref()),
    ];
    let mut value = String::new();
    for (label, part) in parts {
        let Some(part) = part else { continue };
        check_open_connectors_part(label, part)?;
        if !value.is_empty() {
            value.push_str(", ");
        }
        value.push_str(label);
        value.push(' ');
        value.push_str(part);
    }
    Ok(value)
}

/// Builds a value for any other scheme, `<scheme> <credentials>`, e.g. `Token abc`.
///
/// # Errors
/// [`AuthError::InvalidInput`] when the scheme is not an RFC 9110 §5.6.2 `token` or the
/// credentials are not an RFC 9110 §11.2 `token68`.
#[uniffi::export]
pub fn scheme_auth(scheme: &str, credentials: &str) -> Result<String> {
    if scheme.is_empty() || !scheme.bytes().all(is_tchar) {
        return Err(AuthError::invalid_input(
            "the scheme must be an RFC 9110 token (letters, digits and !#$%&'*+-.^_`|~), non-empty",
        ));
    }
    check_token68("the credentials", credentials)?;
    Ok(format!("{scheme} {credentials}"))
}

/// The user-id and password decoded from a Basic value. The password is redacted when printed.
#[derive(uniffi::Object, Clone, PartialEq, Eq, Hash)]
#[uniffi::export(Debug, Display, Eq, Hash)]
pub struct BasicCredentials {
    user_id: String,
    password: Secret,
}

#[uniffi::export]
impl BasicCredentials {
    /// The user-id.
    pub fn user_id(&self) -> String {
        self.user_id.clone()
    }

    /// The password, in clear. Keep it out of logs.
    pub fn password(&self) -> String {
        self.password.expose().to_owned()
    }
}

impl std::fmt::Debug for BasicCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BasicCredentials")
            .field("user_id", &self.user_id)
            .field("password", &self.password)
            .finish()
    }
}

impl std::fmt::Display for BasicCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "BasicCredentials(user_id={:?}, password={})",
            self.user_id, self.password
        )
    }
}

/// Decodes a Basic value (`Basic <base64>`, scheme case-insensitive) back into its user-id
/// and password.
///
/// # Errors
/// [`AuthError::InvalidInput`] when the value is not of the Basic scheme, the base64 is
/// invalid, the decoded bytes are not UTF-8 (RFC 7617 §2.1), or there is no `:`.
#[uniffi::export]
pub fn decode_basic(header_value: &str) -> Result<BasicCredentials> {
    let value = header_value.trim_matches([' ', '\t']);
    let (scheme, encoded) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(AuthError::invalid_input(
            "the value is not of the Basic scheme; expected 'Basic <base64>'",
        ));
    }
    let encoded = encoded.trim_start_matches(' ');
    let bytes = STANDARD
        .decode(encoded)
        .map_err(|_| AuthError::invalid_input("the Basic credentials are not valid base64"))?;
    let text = String::from_utf8(bytes).map_err(|_| {
        AuthError::invalid_input(
            "the Basic credentials do not decode to UTF-8 text (RFC 7617 §2.1)",
        )
    })?;
    let text = Secret::new(text);
    let (user_id, password) = text.expose().split_once(':').ok_or_else(|| {
        AuthError::invalid_input(
            "the decoded Basic credentials have no ':' between user-id and password",
        )
    })?;
    Ok(BasicCredentials {
        user_id: user_id.to_owned(),
        password: Secret::new(password),
    })
}

/// RFC 5234 CTL and the C1 controls: never allowed in any part of a header we build.
fn reject_control(what: &str, value: &str) -> Result<()> {
    match value.chars().position(char::is_control) {
        Some(at) => Err(AuthError::invalid_input(format!(
            "{what} contains a control character at position {at} (CR, LF, NUL and other controls would break or inject headers)"
        ))),
        None => Ok(()),
    }
}

/// RFC 6750 §2.1 `b64token` (the same grammar as RFC 9110 §11.2 `token68`):
/// `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
pub(crate) fn check_token68(what: &str, value: &str) -> Result<()> {
    reject_control(what, value)?;
    let body = value.trim_end_matches('=');
    if body.is_empty() {
        return Err(AuthError::invalid_input(format!("{what} is empty")));
    }
    if let Some(at) = body.bytes().position(|b| !is_b64token_char(b)) {
        let why = match body.as_bytes()[at] {
            b' ' | b'\t' => "a space",
            b'=' => "'=' before the end",
            _ => "a character outside letters, digits and -._~+/",
        };
        return Err(AuthError::invalid_input(format!(
            "{what} contains {why} at byte {at}; it must match the RFC 6750 b64token syntax"
        )));
    }
    Ok(())
}

fn check_open_connectors_part(label: &str, part: &str) -> Result<()> {
    let what = format!("the Open Connectors {label} part");
    if part.is_empty() {
        return Err(AuthError::invalid_input(format!("{what} is empty")));
    }
    reject_control(&what, part)?;
    if let Some(at) = part.find(',') {
        return Err(AuthError::invalid_input(format!(
            "{what} contains ',' at byte {at}, which would corrupt the composite header"
        )));
    }
    if let Some(at) = part.find(char::is_whitespace) {
        return Err(AuthError::invalid_input(format!(
            "{what} contains whitespace at byte {at}, which would make the composite header ambiguous"
        )));
    }
    Ok(())
}

fn is_b64token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
}

/// RFC 9110 §5.6.2 `tchar`.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'!' | b'#'
                | b'$'
                | b'%'
                | b'&'
                | b'\''
                | b'*'
                | b'+'
                | b'-'
                | b'.'
                | b'^'
                | b'_'
                | b'`'
                | b'|'
                | b'~'
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn basic_rfc7617_example() {
        assert_eq!(
            basic_auth("Aladdin", "open sesame").unwrap(),
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
    }

    #[test]
    fn basic_uses_the_standard_alphabet_with_padding() {
        // RFC 7617 §2 uses RFC 4648 §4 base64 ('+' and '/'), not the URL-safe alphabet.
        assert_eq!(basic_auth("u", "??>>").unwrap(), "Basic dTo/Pz4+");
    }

    #[test]
    fn colon_in_password_is_allowed_and_round_trips() {
        let value = basic_auth("user", "pa:ss").unwrap();
        let decoded = decode_basic(&value).unwrap();
        assert_eq!(decoded.user_id(), "user");
        assert_eq!(decoded.password(), "pa:ss");
    }

    #[test]
    fn decode_accepts_any_scheme_case() {
        let decoded = decode_basic("basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==").unwrap();
        assert_eq!(decoded.user_id(), "Aladdin");
        assert!(decode_basic("Bearer abc").is_err());
        assert!(decode_basic("Basic YWJj").is_err(), "no colon");
    }

    #[test]
    fn scheme_checks_token_and_token68() {
        assert_eq!(scheme_auth("Token", "abc").unwrap(), "Token abc");
        assert!(scheme_auth("To ken", "abc").is_err());
        assert!(scheme_auth("", "abc").is_err());
        assert!(scheme_auth("Token", "a b").is_err());
        assert!(scheme_auth("Token", "a\r\nX: y").is_err());
    }

    #[test]
    fn bearer_padding_only_at_the_end() {
        assert!(bearer_auth("abc==").is_ok());
        assert!(bearer_auth("=").is_err());
        assert!(bearer_auth("a=b").is_err());
    }

    #[test]
    fn decoded_credentials_print_no_password() {
        let decoded = decode_basic(&basic_auth("alice", "s3cr3t-pw").unwrap()).unwrap();
        for rendered in [format!("{decoded:?}"), format!("{decoded}")] {
            assert!(!rendered.contains("s3cr3t-pw"), "{rendered}");
            assert!(rendered.contains("[redacted]"), "{rendered}");
        }
    }

    proptest! {
        #[test]
        fn basic_round_trips_and_stays_one_line(
            user_id in "[^:\\p{Cc}]*",
            password in "[^\\p{Cc}]*",
        ) {
            let value = basic_auth(&user_id, &password).unwrap();
            prop_assert!(!value.contains('\r') && !value.contains('\n'));
            let decoded = decode_basic(&value).unwrap();
            prop_assert_eq!(decoded.user_id(), user_id);
            prop_assert_eq!(decoded.password(), password);
        }

        #[test]
        fn basic_never_emits_a_control_character(user_id in ".*", password in ".*") {
            if let Ok(value) = basic_auth(&user_id, &password) {
                prop_assert!(!value.chars().any(char::is_control));
            }
        }
    }
}
