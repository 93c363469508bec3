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
/// Any non-empty token of visible ASCII (0x21–0x7E) is accepted, as providers issue them:
/// Salesforce's `00D…!AQ…`, X's app-only tokens with `%`, Facebook's `{app-id}|{secret}`.
/// RFC 6750's stricter `b64token` grammar is not enforced, because what keeps the header
/// safe is the absence of spaces, controls and non-ASCII, not the absence of `!`, `%` or `|`.
///
/// # Errors
/// [`AuthError::InvalidInput`] when the token is empty or contains a space, a control
/// character (CR, LF, NUL, tab…), DEL or a non-ASCII character; the message names the byte
/// position, never the token.
#[uniffi::export]
pub fn bearer_auth(token: &str) -> Result<String> {
    check_token("the Bearer token", token)?;
    Ok(format!("Bearer {token}"))
}

/// Builds the SAP Open Connectors composite value
/// `User <user_secret>, Organization <organization_secret>, Element <element_token>`,
/// leaving out the parts that are `None`, in that order.
///
/// # Errors
/// [`AuthError::InvalidInput`] when a given part is empty or contains `,`, whitespace, a
/// control character or non-ASCII (any of them would make the composite value ambiguous or
/// unsafe; HTTP clients such as OkHttp refuse non-ASCII header values).
///
/// ```
/// let value = authwire::open_connectors_auth("u1", "o2", None)?;
/// assert_eq!(value, "User u1, Organization o2");
/// # Ok::<(), authwire::AuthError>(())
/// ```
pub fn open_connectors_auth<'a>(
    user_secret: &str,
    organization_secret: impl Into<Option<&'a str>>,
    element_token: impl Into<Option<&'a str>>,
) -> Result<String> {
    let parts = [
        ("User", Some(user_secret)),
        ("Organization", organization_secret.into()),
        ("Element", element_token.into()),
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

/// Builds the SAP Open Connectors composite value
/// `User <user_secret>, Organization <organization_secret>, Element <element_token>`,
/// leaving out the parts that are `None`, in that order.
///
/// # Errors
/// [`AuthError::InvalidInput`] when a given part is empty or contains `,`, whitespace, a
/// control character or non-ASCII (any of them would make the composite value ambiguous or
/// unsafe; HTTP clients such as OkHttp refuse non-ASCII header values).
#[uniffi::export(name = "open_connectors_auth", default(organization_secret = None, element_token = None))]
fn ffi_open_connectors_auth(
    user_secret: &str,
    organization_secret: Option<String>,
    element_token: Option<String>,
) -> Result<String> {
    open_connectors_auth(
        user_secret,
        organization_secret.as_deref(),
        element_token.as_deref(),
    )
}

/// The parts of an Open Connectors composite value, `(user, organization, element)`: the
/// parser half of the [`open_connectors_auth`] contract. It accepts exactly what the builder
/// writes (the labels in that order and case, each once, `User` first, joined by `, `), so
/// whatever it returns the builder takes and writes back byte for byte (the fuzz target
/// `headers` checks both directions).
///
/// # Errors
/// [`AuthError::InvalidInput`] when the value is not of that shape, or a part is one the
/// builder refuses; the message never shows a part.
// The parser half of the contract: used by the unit tests and the fuzz targets, which
// check both directions; nothing in the library reads these values.
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) fn read_open_connectors(
    value: &str,
) -> Result<(String, Option<String>, Option<String>)> {
    const LABELS: [&str; 3] = ["User", "Organization", "Element"];
    let mut parts: [Option<String>; 3] = [None, None, None];
    let mut next = 0;
    for (index, item) in value.split(", ").enumerate() {
        let Some((label, part)) = item.split_once(' ') else {
            return Err(AuthError::invalid_input(format!(
                "item {index} of the Open Connectors value is not '<label> <secret>'"
            )));
        };
        let Some(slot) = LABELS[next..].iter().position(|l| *l == label) else {
            return Err(AuthError::invalid_input(format!(
                "item {index} of the Open Connectors value is not labelled User, Organization or Element, in that order, each once"
            )));
        };
        let slot = next + slot;
        if index == 0 && slot != 0 {
            return Err(AuthError::invalid_input(
                "the Open Connectors value does not start with its User part",
            ));
        }
        check_open_connectors_part(LABELS[slot], part)?;
        parts[slot] = Some(part.to_owned());
        next = slot + 1;
    }
    let [user, organization, element] = parts;
    let user =
        user.ok_or_else(|| AuthError::invalid_input("the Open Connectors value has no User part"))?;
    Ok((user, organization, element))
}

/// Builds a value for any other scheme, `<scheme> <credentials>` (RFC 9110 §11.4).
///
/// `credentials` is either a single token of visible ASCII without spaces (the `token68`
/// form, e.g. `Token abc` or `SSWS 00Q!x`), or a comma-separated list of auth-params,
/// `name=token` or `name="quoted string"` with `\"` and `\\` escapes, e.g.
/// `Token token="abc", realm="x"`. To build auth-params from values without quoting them by
/// hand, use [`scheme_auth_params`].
///
/// # Errors
/// [`AuthError::InvalidInput`] when the scheme is not an RFC 9110 §5.6.2 `token`, or the
/// credentials follow neither form, or contain CR, LF, another control character or
/// non-ASCII anywhere. The message names the byte position, never the credentials.
#[uniffi::export]
pub fn scheme_auth(scheme: &str, credentials: &str) -> Result<String> {
    check_scheme(scheme)?;
    check_credentials(credentials, &mut |_, _| {})?;
    Ok(format!("{scheme} {credentials}"))
}

/// Builds `<scheme> name1="value1", name2="value2"` (RFC 9110 §11.4 auth-params) from
/// `(name, value)` pairs, quoting every value and escaping `"` and `\` inside it, so that
/// nobody writes `Token token="…"` by hand. The parameters keep the order given.
///
/// ```
/// let value = authwire::scheme_auth_params("Token", &[("token", "abc\"def")])?;
/// assert_eq!(value, r#"Token token="abc\"def""#);
/// # Ok::<(), authwire::AuthError>(())
/// ```
///
/// # Errors
/// [`AuthError::InvalidInput`] when the list is empty, the scheme or a name is not an
/// RFC 9110 `token`, or a value contains a control character (tab excepted), DEL or
/// non-ASCII. The message names the parameter's position, never its value.
pub fn scheme_auth_params(scheme: &str, params: &[(&str, &str)]) -> Result<String> {
    build_auth_params(scheme, params.iter().copied())
}

/// [`scheme_auth_params`] for the bindings: the names and the values as two lists of the
/// same length, so that no generated record type can print a value. Python, Kotlin and
/// Swift wrap it as `scheme_auth_params(scheme, pairs)` / `schemeAuthParams(scheme, pairs)`.
///
/// # Errors
/// As [`scheme_auth_params`], and [`AuthError::InvalidInput`] when the lists differ in
/// length.
#[uniffi::export(name = "scheme_auth_param_lists")]
pub fn scheme_auth_param_lists(
    scheme: &str,
    names: Vec<String>,
    values: Vec<String>,
) -> Result<String> {
    if names.len() != values.len() {
        return Err(AuthError::invalid_input(format!(
            "{} auth-param names were given with {} values",
            names.len(),
            values.len()
        )));
    }
    build_auth_params(
        scheme,
        names
            .iter()
            .map(String::as_str)
            .zip(values.iter().map(String::as_str)),
    )
}

fn build_auth_params<'a>(
    scheme: &str,
    params: impl ExactSizeIterator<Item = (&'a str, &'a str)>,
) -> Result<String> {
    check_scheme(scheme)?;
    if params.len() == 0 {
        return Err(AuthError::invalid_input(
            "no auth-params were given; give at least one, or use scheme_auth for a token68 value",
        ));
    }
    let mut header = String::with_capacity(scheme.len() + 1 + params.len() * 16);
    header.push_str(scheme);
    header.push(' ');
    for (index, (name, value)) in params.enumerate() {
        if name.is_empty() || !name.bytes().all(is_tchar) {
            return Err(AuthError::invalid_input(format!(
                "the name of auth-param {index} is not an RFC 9110 token (letters, digits and !#$%&'*+-.^_`|~), non-empty"
            )));
        }
        // RFC 9110 §5.6.4: qdtext is HTAB, SP and visible ASCII; obs-text is refused too.
        if let Some(at) = value
            .bytes()
            .position(|b| !(b == b'\t' || (b' '..=b'~').contains(&b)))
        {
            return Err(AuthError::invalid_input(format!(
                "the value of auth-param {index} contains {} at byte {at} (only printable ASCII, space and tab are allowed)",
                describe_byte(value.as_bytes()[at])
            )));
        }
        if index > 0 {
            header.push_str(", ");
        }
        header.push_str(name);
        header.push_str("=\"");
        for c in value.chars() {
            if c == '"' || c == '\\' {
                header.push('\\');
            }
            header.push(c);
        }
        header.push('"');
    }
    Ok(header)
}

/// The user-id and password decoded from a Basic value. The password is redacted when printed.
#[derive(uniffi::Object, Clone, PartialEq, Eq, Hash)]
#[uniffi::export(Debug, Display, Eq, Hash)]
pub struct BasicCredentials {
    user_id: String,
    password: Secret,
}

impl BasicCredentials {
    /// The user-id.
    #[must_use]
    pub fn user_id(&self) -> &str {
        &self.user_id
    }

    /// The password, in clear. Keep it out of logs.
    #[must_use]
    pub fn password(&self) -> &str {
        self.password.expose()
    }
}

// The bindings' getters: owned copies under the same names.
#[uniffi::export]
impl BasicCredentials {
    /// The user-id.
    #[uniffi::method(name = "user_id")]
    fn ffi_user_id(&self) -> String {
        self.user_id.clone()
    }

    /// The password, in clear. Keep it out of logs.
    #[uniffi::method(name = "password")]
    fn ffi_password(&self) -> String {
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
/// It accepts exactly what [`basic_auth`] can build: whatever it returns, `basic_auth` takes
/// and turns back into the same value (with the scheme spelled `Basic`). So a server that
/// looks users up with the decoded user-id never sees input that no conforming client sends.
///
/// # Errors
/// [`AuthError::InvalidInput`] when the value is not of the Basic scheme, the base64 is
/// invalid, the decoded bytes are not UTF-8 (RFC 7617 §2.1), there is no `:`, or the
/// user-id or the password contains a control character (RFC 7617 §2 forbids them in both;
/// the message names the position, never the value).
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
    // RFC 7617 §2: neither part may contain a control character; basic_auth refuses them too.
    reject_control("the decoded Basic user-id", user_id)?;
    reject_control("the decoded Basic password", password)?;
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

/// A token as providers issue them: non-empty visible ASCII (0x21–0x7E). What keeps a header
/// safe is the absence of spaces, controls, DEL and non-ASCII; RFC 6750's `b64token` grammar
/// is stricter than real tokens (Salesforce `!`, X `%`, Facebook `|`, an inner `=`).
pub(crate) fn check_token(what: &str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(AuthError::invalid_input(format!("{what} is empty")));
    }
    match value.bytes().position(|b| !b.is_ascii_graphic()) {
        Some(at) => Err(AuthError::invalid_input(format!(
            "{what} contains {} at byte {at}; a token must be visible ASCII (0x21-0x7E) without spaces",
            describe_byte(value.as_bytes()[at])
        ))),
        None => Ok(()),
    }
}

/// What a refused byte is, for an error message that must not show the value around it.
fn describe_byte(b: u8) -> &'static str {
    match b {
        b' ' => "a space",
        b'\t' => "a control character (tab)",
        b'\r' => "a control character (CR)",
        b'\n' => "a control character (LF)",
        0 => "a control character (NUL)",
        0x7f => "a control character (DEL)",
        0x80.. => "a non-ASCII character",
        _ => "a control character",
    }
}

fn check_scheme(scheme: &str) -> Result<()> {
    if scheme.is_empty() || !scheme.bytes().all(is_tchar) {
        return Err(AuthError::invalid_input(
            "the scheme must be an RFC 9110 token (letters, digits and !#$%&'*+-.^_`|~), non-empty",
        ));
    }
    Ok(())
}

/// RFC 9110 §11.4 `credentials` after the scheme: `token68` or `#auth-param`. Checked as a
/// grammar, so a value that would read differently at the server is refused.
/// Checks `credentials` as RFC 9110 §11.4 reads them after the scheme; for the auth-param
/// form, `on_param` sees each `(name, value)` in order, a quoted value still escaped and
/// without its quotes (a token value holds no backslash, so unescaping it changes nothing).
fn check_credentials<'a>(
    credentials: &'a str,
    on_param: &mut dyn FnMut(&'a str, &'a str),
) -> Result<()> {
    const WHAT: &str = "the credentials";
    let bytes = credentials.as_bytes();
    if let Some(at) = bytes
        .iter()
        .position(|&b| !(b == b' ' || b == b'\t' || b.is_ascii_graphic()))
    {
        return Err(AuthError::invalid_input(format!(
            "{WHAT} contain {} at byte {at} (CR, LF, controls and non-ASCII would break or inject headers)",
            describe_byte(bytes[at])
        )));
    }
    if credentials.is_empty() {
        return Err(AuthError::invalid_input(format!("{WHAT} are empty")));
    }
    if !credentials.contains([' ', '\t', '"']) {
        // A single visible-ASCII token: token68, and the looser tokens providers issue. A
        // quote means a quoted-string, whose grammar is checked below.
        return Ok(());
    }
    parse_auth_params(credentials, on_param).map_err(|(at, why)| {
        AuthError::invalid_input(format!(
            "{WHAT} are neither a single token nor a list of auth-params (name=value or name=\"quoted\"): {why} at byte {at}"
        ))
    })
}

/// The credentials of a value [`scheme_auth`] accepts, read as it reads them: `None` for a
/// single token (token68), or the auth-params as `(name, value)` pairs with each quoted
/// value unescaped (RFC 9110 §5.6.4), in order. The parser half of the
/// [`scheme_auth_params`] contract: the pairs it returns, `scheme_auth_params` accepts and
/// writes back as credentials that read as the same pairs.
///
/// # Errors
/// As [`scheme_auth`] for the credentials.
// Used by the unit tests and the fuzz targets, which check both directions; nothing in the
// library reads these values.
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) fn read_credentials(credentials: &str) -> Result<Option<Vec<(String, String)>>> {
    let mut pairs = Vec::new();
    check_credentials(credentials, &mut |name, escaped| {
        let mut value = String::with_capacity(escaped.len());
        let mut chars = escaped.chars();
        while let Some(c) = chars.next() {
            value.push(if c == '\\' {
                chars.next().unwrap_or(c)
            } else {
                c
            });
        }
        pairs.push((name.to_owned(), value));
    })?;
    Ok((!pairs.is_empty()).then_some(pairs))
}

/// `auth-param *( OWS "," OWS auth-param )`, `auth-param = token BWS "=" BWS ( token /
/// quoted-string )`. Empty list elements (`a=1, , b=2`) are allowed (RFC 9110 §5.6.1.2).
/// `on_param` sees each parameter as [`check_credentials`] says.
fn parse_auth_params<'a>(
    text: &'a str,
    on_param: &mut dyn FnMut(&'a str, &'a str),
) -> std::result::Result<(), (usize, &'static str)> {
    let bytes = text.as_bytes();
    let ows = |i: &mut usize| {
        while *i < bytes.len() && matches!(bytes[*i], b' ' | b'\t') {
            *i += 1;
        }
    };
    let token = |i: &mut usize| {
        let start = *i;
        while *i < bytes.len() && is_tchar(bytes[*i]) {
            *i += 1;
        }
        *i > start
    };
    let mut i = 0;
    let mut params = 0;
    loop {
        ows(&mut i);
        if i < bytes.len() && bytes[i] == b',' {
            i += 1;
            continue;
        }
        if i == bytes.len() {
            break;
        }
        let name_start = i;
        if !token(&mut i) {
            return Err((i, "a parameter name was expected"));
        }
        let name = &text[name_start..i];
        ows(&mut i);
        if i == bytes.len() || bytes[i] != b'=' {
            return Err((i, "'=' was expected after the parameter name"));
        }
        i += 1;
        ows(&mut i);
        let value = if i < bytes.len() && bytes[i] == b'"' {
            i += 1;
            let value_start = i;
            loop {
                match bytes.get(i) {
                    None => return Err((i, "the quoted string is not closed")),
                    Some(b'"') => break,
                    Some(b'\\') if i + 1 < bytes.len() => i += 2,
                    Some(b'\\') => return Err((i, "the quoted string ends in a lone backslash")),
                    Some(_) => i += 1,
                }
            }
            i += 1;
            &text[value_start..i - 1]
        } else {
            let value_start = i;
            if !token(&mut i) {
                return Err((i, "a token or a quoted string was expected after '='"));
            }
            &text[value_start..i]
        };
        on_param(name, value);
        params += 1;
        ows(&mut i);
        match bytes.get(i) {
            None => break,
            Some(b',') => i += 1,
            Some(_) => return Err((i, "',' was expected between auth-params")),
        }
    }
    if params == 0 {
        return Err((0, "no parameter was found"));
    }
    Ok(())
}

fn check_open_connectors_part(label: &str, part: &str) -> Result<()> {
    let what = format!("the Open Connectors {label} part");
    if part.is_empty() {
        return Err(AuthError::invalid_input(format!("{what} is empty")));
    }
    reject_control(&what, part)?;
    if let Some(at) = part.bytes().position(|b| !b.is_ascii()) {
        return Err(AuthError::invalid_input(format!(
            "{what} contains a non-ASCII character at byte {at}; header values must be ASCII"
        )));
    }
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
    fn scheme_accepts_token68_and_auth_params() {
        assert_eq!(scheme_auth("Token", "abc").unwrap(), "Token abc");
        assert_eq!(scheme_auth("SSWS", "00Q!x%2F").unwrap(), "SSWS 00Q!x%2F");
        // Rails' `Token token="abc"` and a Digest-style list (RFC 9110 §11.4).
        assert!(scheme_auth("Token", r#"token="abc""#).is_ok());
        assert!(scheme_auth("Digest", r#"username="Mufasa", realm="x@y", nc=00000001"#).is_ok());
        assert!(scheme_auth("Token", r#"token="a \"quoted\" \\ value""#).is_ok());
        assert!(scheme_auth("Token", "a=1, , b=2").is_ok());
        assert!(scheme_auth("To ken", "abc").is_err());
        assert!(scheme_auth("", "abc").is_err());
        assert!(scheme_auth("Token", "").is_err());
        for bad in [
            "a b",
            r#"token="abc"#,
            r#"token="abc\"#,
            "=abc, x",
            r#"token="a" b="c""#,
            "a\r\nX: y",
            "token=\"a\nb\"",
            "token=\"caf\u{e9}\"",
        ] {
            let error = scheme_auth("Token", bad).unwrap_err().to_string();
            assert!(error.contains("byte"), "{bad:?}: {error}");
        }
    }

    #[test]
    fn scheme_params_quote_and_escape() {
        let value = scheme_auth_params("Token", &[("token", r#"a"b\c d"#), ("realm", "")]).unwrap();
        assert_eq!(value, r#"Token token="a\"b\\c d", realm="""#);
        // What the builder writes, the checker reads back.
        let credentials = value.strip_prefix("Token ").unwrap();
        assert_eq!(scheme_auth("Token", credentials).unwrap(), value);
        assert!(scheme_auth_params("Token", &[]).is_err());
        assert!(scheme_auth_params("Token", &[("to ken", "x")]).is_err());
        let error = scheme_auth_params("Token", &[("token", "s3cret\r\nX: 1")])
            .unwrap_err()
            .to_string();
        assert!(!error.contains("s3cret"), "{error}");
        assert!(error.contains("control character (CR)"), "{error}");
        let lists = |names: &[&str], values: &[&str]| {
            scheme_auth_param_lists(
                "Token",
                names.iter().map(|n| n.to_string()).collect(),
                values.iter().map(|v| v.to_string()).collect(),
            )
        };
        assert_eq!(
            lists(&["a", "b"], &["1", "2"]).unwrap(),
            r#"Token a="1", b="2""#
        );
        assert!(lists(&["a", "b"], &["1"]).is_err());
    }

    #[test]
    fn bearer_takes_tokens_as_providers_issue_them() {
        for token in [
            "abc==",
            "a=b",
            "=",
            "00Dxx!AQ4.x",
            "AAAA%2FAAA%3D",
            "123|abc",
            "a\"b",
        ] {
            assert_eq!(bearer_auth(token).unwrap(), format!("Bearer {token}"));
        }
        for (token, what) in [
            ("", "empty"),
            ("ab c", "a space at byte 2"),
            ("ab\tc", "control character (tab) at byte 2"),
            ("a\r\nX: 1", "control character (CR) at byte 1"),
            ("a\u{7f}", "(DEL) at byte 1"),
            ("t\u{e9}", "non-ASCII character at byte 1"),
            ("a\0", "control character (NUL) at byte 1"),
        ] {
            let error = bearer_auth(token).unwrap_err().to_string();
            assert!(error.contains(what), "{token:?}: {error}");
        }
    }

    #[test]
    fn open_connectors_refuses_non_ascii() {
        for part in ["caf\u{e9}-secret", "\u{fffd}\u{fffd}", "tok\u{a0}en"] {
            let error = open_connectors_auth(part, None, None)
                .unwrap_err()
                .to_string();
            assert!(error.contains("byte"), "{part:?}: {error}");
            assert!(!error.contains(part), "{error}");
            let error = open_connectors_auth("user", part, None).unwrap_err();
            assert!(matches!(error, AuthError::InvalidInput { .. }), "{error:?}");
        }
        assert_eq!(
            open_connectors_auth("u!x", None, "e~1").unwrap(),
            "User u!x, Element e~1"
        );
    }

    #[test]
    fn decoded_credentials_print_no_password() {
        let decoded = decode_basic(&basic_auth("alice", "s3cr3t-pw").unwrap()).unwrap();
        for rendered in [format!("{decoded:?}"), format!("{decoded}")] {
            assert!(!rendered.contains("s3cr3t-pw"), "{rendered}");
            assert!(rendered.contains("[redacted]"), "{rendered}");
        }
    }

    #[test]
    fn decode_refuses_what_basic_auth_refuses() {
        use base64::Engine as _;
        // Controls in either part (0x1C, DEL, NUL, a C1 control, LF): basic_auth refuses each,
        // and so does decode_basic, naming the part and never the value.
        for (user, password, part) in [
            ("al\u{1c}ice", "pw", "user-id"),
            ("alice\u{7f}", "pw", "user-id"),
            ("\0", "pw", "user-id"),
            ("alice", "s3cret\u{85}", "password"),
            ("alice", "s3cret\nX: 1", "password"),
        ] {
            assert!(basic_auth(user, password).is_err());
            let value = format!("Basic {}", STANDARD.encode(format!("{user}:{password}")));
            let error = decode_basic(&value).unwrap_err().to_string();
            assert!(
                error.contains(&format!("the decoded Basic {part} contains a control")),
                "{error}"
            );
            assert!(
                !error.contains("s3cret") && !error.contains("alice"),
                "{error}"
            );
        }
    }

    #[test]
    fn read_credentials_unquotes_what_scheme_auth_params_quotes() {
        assert_eq!(read_credentials("abc!%").unwrap(), None);
        let value = scheme_auth_params("Token", &[("token", r#"a"b\c d"#), ("realm", "")]).unwrap();
        let pairs = read_credentials(value.strip_prefix("Token ").unwrap())
            .unwrap()
            .unwrap();
        assert_eq!(
            pairs,
            [
                ("token".to_owned(), r#"a"b\c d"#.to_owned()),
                ("realm".to_owned(), String::new())
            ]
        );
        // A token value, OWS and an empty list element read as the same pairs, which the
        // builder writes back in its one canonical form.
        let pairs = read_credentials("a = 1 ,, b=\"x\\y\"").unwrap().unwrap();
        let borrowed: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            scheme_auth_params("T", &borrowed).unwrap(),
            r#"T a="1", b="xy""#
        );
        assert!(read_credentials("a=\"1\" b=2").is_err());
    }

    #[test]
    fn read_open_connectors_is_the_builders_inverse() {
        for (user, organization, element) in [
            ("u", None, None),
            ("u!x", Some("o"), None),
            ("u", None, Some("e~1")),
            ("u", Some("o"), Some("e")),
        ] {
            let value = open_connectors_auth(user, organization, element).unwrap();
            let (u, o, e) = read_open_connectors(&value).unwrap();
            assert_eq!(
                (u.as_str(), o.as_deref(), e.as_deref()),
                (user, organization, element)
            );
        }
        for bad in [
            "",
            "User",
            "User ",
            "User a b",
            "Organization o",
            "User u, User v",
            "User u, Element e, Organization o",
            "User u,Element e",
            "User u, Element e, ",
            "user u",
            "User caf\u{e9}",
        ] {
            assert!(read_open_connectors(bad).is_err(), "{bad:?}");
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
