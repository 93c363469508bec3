//! The token answer a user session starts from, and how one is read off the wire.

use std::sync::Arc;
use std::time::Duration;

use crate::credential::Fetched;
use crate::error::{AuthError, Result};
use crate::exchange::{AttemptError, Response, one_line, status_error};
use crate::header::check_token;
use crate::secret::Secret;

/// The tokens a user session starts from: an access token, a refresh token, how long the
/// access token lives, its scope, and the OpenID Connect ID token when there is one.
///
/// Get them from [`AuthorizationCodeFlow::finish`](crate::AuthorizationCodeFlow),
/// [`DeviceAuthorizationFlow::wait`](crate::DeviceAuthorizationFlow), or any other sign-in
/// (AppAuth, Auth0, a web login): build them with [`SessionTokens::new`] or from the token
/// endpoint's JSON with [`SessionTokens::from_token_response`]. Prints as
/// `SessionTokens(access_token=[redacted], refresh_token=[redacted], ...)`.
#[derive(uniffi::Object, Clone)]
#[uniffi::export(Debug, Display)]
pub struct SessionTokens {
    pub(crate) access_token: Secret,
    pub(crate) refresh_token: Secret,
    pub(crate) expires_in: Option<Duration>,
    pub(crate) scope: Option<String>,
    pub(crate) id_token: Option<Secret>,
}

impl std::fmt::Debug for SessionTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "SessionTokens(access_token=[redacted], refresh_token=[redacted], expires_in_secs={}, scope={:?}, id_token={})",
            self.expires_in
                .map_or_else(|| "None".to_owned(), |d| d.as_secs().to_string()),
            self.scope,
            if self.id_token.is_some() {
                "[redacted]"
            } else {
                "None"
            }
        )
    }
}

impl std::fmt::Display for SessionTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

impl SessionTokens {
    /// Tokens from a sign-in done elsewhere. `expires_in` is the access token's lifetime
    /// from now (`None`: the manager's default lifetime, or the JWT's `exp`).
    ///
    /// ```
    /// use std::time::Duration;
    /// let tokens = authwire::SessionTokens::new(
    ///     "access-123", "refresh-456", Some(Duration::from_secs(3600)), None, None)?;
    /// assert!(!format!("{tokens:?}").contains("refresh-456"));
    /// # Ok::<(), authwire::AuthError>(())
    /// ```
    ///
    /// # Errors
    /// [`AuthError::InvalidInput`] for an access token that cannot be sent as a Bearer token
    /// (empty, a space, a control character, non-ASCII) or an empty refresh token or one with
    /// a control character.
    pub fn new(
        access_token: &str,
        refresh_token: &str,
        expires_in: Option<Duration>,
        scope: Option<String>,
        id_token: Option<String>,
    ) -> Result<Self> {
        check_token("the access token", access_token)?;
        check_refresh_token(refresh_token).map_err(AuthError::invalid_input)?;
        Ok(Self {
            access_token: Secret::new(access_token),
            refresh_token: Secret::new(refresh_token),
            expires_in,
            scope,
            id_token: id_token.map(Secret::new),
        })
    }

    /// Tokens from the JSON text of a token endpoint's successful answer (RFC 6749 §5.1):
    /// `access_token`, `token_type` (Bearer, or absent), `refresh_token`, and optionally
    /// `expires_in`, `scope` and `id_token`.
    ///
    /// # Errors
    /// [`AuthError::InvalidResponse`] when the text is not such an answer: not JSON, no
    /// `access_token` or `refresh_token`, a `token_type` other than Bearer.
    pub fn from_token_response(json: &str) -> Result<Self> {
        let answer = parse_document(json.as_bytes(), &|s| s)
            .map_err(|reason| AuthError::InvalidResponse { reason })?;
        let refresh_token = answer.refresh_token.ok_or_else(|| AuthError::InvalidResponse {
            reason: "the token response has no refresh_token (ask for the offline_access scope, or check that the client may use refresh tokens)".to_owned(),
        })?;
        Ok(Self {
            access_token: answer.fetched.token,
            refresh_token,
            expires_in: answer.fetched.lifetime,
            scope: answer.scope,
            id_token: answer.id_token,
        })
    }
}

#[uniffi::export]
impl SessionTokens {
    /// Tokens from a sign-in done elsewhere (AppAuth, Auth0, a web login);
    /// `expires_in_secs` is the access token's lifetime from now.
    ///
    /// # Errors
    /// [`AuthError::InvalidInput`] for an access token that cannot be sent as a Bearer token,
    /// or an empty refresh token or one with a control character.
    #[uniffi::constructor(name = "new", default(expires_in_secs = None, scope = None, id_token = None))]
    fn ffi_new(
        access_token: &str,
        refresh_token: &str,
        expires_in_secs: Option<u64>,
        scope: Option<String>,
        id_token: Option<String>,
    ) -> Result<Arc<Self>> {
        Self::new(
            access_token,
            refresh_token,
            expires_in_secs.map(Duration::from_secs),
            scope,
            id_token,
        )
        .map(Arc::new)
    }

    /// Tokens from the JSON text of a token endpoint's answer (RFC 6749 §5.1).
    ///
    /// # Errors
    /// [`AuthError::InvalidResponse`] when it is not a Bearer token answer with an
    /// `access_token` and a `refresh_token`.
    #[uniffi::constructor(name = "from_token_response")]
    fn ffi_from_token_response(json: &str) -> Result<Arc<Self>> {
        Self::from_token_response(json).map(Arc::new)
    }

    /// The access token.
    pub fn access_token(&self) -> String {
        self.access_token.expose().to_owned()
    }

    /// The refresh token.
    pub fn refresh_token(&self) -> String {
        self.refresh_token.expose().to_owned()
    }

    /// The access token's lifetime in seconds as the server announced it, if it did.
    pub fn expires_in_secs(&self) -> Option<u64> {
        self.expires_in.map(|d| d.as_secs())
    }

    /// The granted scope, space-separated, if the server said.
    pub fn scope(&self) -> Option<String> {
        self.scope.clone()
    }

    /// The OpenID Connect ID token, if the server sent one. authwire does not validate it:
    /// check its signature, `iss`, `aud` and `nonce` before trusting its claims.
    pub fn id_token(&self) -> Option<String> {
        self.id_token.as_ref().map(|t| t.expose().to_owned())
    }
}

/// A token answer as read from the wire.
pub(crate) struct Answer {
    pub(crate) fetched: Fetched,
    pub(crate) refresh_token: Option<Secret>,
    pub(crate) scope: Option<String>,
    pub(crate) id_token: Option<Secret>,
}

/// A refresh token is opaque, but it travels in a form body and a store: not empty, no
/// control characters, at most 8 KiB.
pub(crate) fn check_refresh_token(token: &str) -> std::result::Result<(), String> {
    if token.is_empty() {
        return Err("the refresh token is empty".to_owned());
    }
    if token.chars().any(char::is_control) {
        return Err("the refresh token contains a control character".to_owned());
    }
    if token.len() > 8192 {
        return Err("the refresh token is longer than 8 KiB".to_owned());
    }
    Ok(())
}

/// The well-formed `refresh_token` of a successful answer that was refused for another
/// reason (no access token, a token type other than Bearer): the server has rotated, so this
/// is now the session's refresh token, and dropping it would end the session.
pub(crate) fn salvage_refresh_token(body: &[u8]) -> Option<Secret> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let token = value.get("refresh_token")?.as_str()?;
    check_refresh_token(token).ok()?;
    Some(Secret::new(token))
}

/// Reads a token endpoint's answer: an error status becomes the classified error (RFC 6749
/// §5.2 errors as [`AuthError::OAuth`]), a success the tokens.
pub(crate) fn parse_response(
    response: &Response,
    scrub: &dyn Fn(String) -> String,
) -> std::result::Result<Answer, AttemptError> {
    if !(200..300).contains(&response.status) {
        return Err(status_error(response, scrub));
    }
    parse_document(&response.body, scrub)
        .map_err(|reason| AttemptError::fatal(AuthError::InvalidResponse { reason }))
}

fn parse_document(
    body: &[u8],
    scrub: &dyn Fn(String) -> String,
) -> std::result::Result<Answer, String> {
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|_| "the token response is not JSON".to_owned())?;
    let Some(object) = value.as_object() else {
        return Err("the token response is not a JSON object".to_owned());
    };
    match object.get("token_type") {
        None | Some(serde_json::Value::Null) => {}
        Some(serde_json::Value::String(t)) if t.eq_ignore_ascii_case("bearer") => {}
        Some(other) => {
            let text = match other {
                serde_json::Value::String(t) => t.clone(),
                other => other.to_string(),
            };
            let named: String = one_line(&scrub(text)).chars().take(40).collect();
            return Err(format!(
                "the token type is {named:?}, not Bearer; authwire sends Bearer tokens only, and a {named:?} token sent as Bearer would be refused by the API"
            ));
        }
    }
    let string = |name: &str| -> std::result::Result<Option<String>, String> {
        match object.get(name) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(format!("the token response's \"{name}\" is not a string")),
        }
    };
    let token = string("access_token")?
        .ok_or_else(|| "the token response has no string field \"access_token\"".to_owned())?;
    check_token("the token in the response", &token).map_err(|e| match e {
        AuthError::InvalidInput { reason } => reason,
        other => other.to_string(),
    })?;
    let refresh_token = string("refresh_token")?;
    if let Some(rt) = &refresh_token {
        check_refresh_token(rt).map_err(|r| format!("in the token response, {r}"))?;
    }
    let lifetime = match object.get("expires_in") {
        None | Some(serde_json::Value::Null) => None,
        Some(v) => {
            let secs = v
                .as_f64()
                .or_else(|| v.as_str().and_then(|s| s.trim().parse::<f64>().ok()))
                .filter(|s| s.is_finite() && *s >= 0.0)
                .ok_or_else(|| "the token response's \"expires_in\" is not a number".to_owned())?;
            Some(Duration::from_secs_f64(secs.min(10.0 * 365.0 * 86400.0)))
        }
    };
    Ok(Answer {
        fetched: Fetched {
            authorization: Secret::new(format!("Bearer {token}")),
            token: Secret::new(token),
            cookie: None,
            lifetime,
        },
        refresh_token: refresh_token.map(Secret::new),
        scope: string("scope")?,
        id_token: string("id_token")?.map(Secret::new),
    })
}
