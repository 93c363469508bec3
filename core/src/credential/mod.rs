//! Credential sources: how to ask for a token and how to read the answer. They sit beneath
//! the engine (`token/`), the transports and the stores, which all use them.

pub(crate) mod assertion;
pub(crate) mod jwt;
#[cfg(feature = "jwt-signer")]
pub(crate) mod pem;
pub(crate) mod signer;

use std::time::Duration;

use self::assertion::Assertion;

use crate::error::AuthError;
use crate::exchange::{AttemptError, Endpoint, Request, Response, one_line, status_error};
use crate::header::check_token;
use crate::secret::Secret;

/// Reads a credential file (a key file, a PEM file) as text. The error names the file and
/// what it was for, never any of its content.
pub(crate) fn read_credential_file(
    path: &std::path::Path,
    what: &str,
) -> Result<String, AuthError> {
    std::fs::read_to_string(path).map_err(|err| {
        AuthError::invalid_configuration(format!("cannot read the {what} file {path:?}: {err}"))
    })
}

const ACCEPT: &str = "accept";
const AUTHORIZATION: &str = "authorization";
const CONTENT_TYPE: &str = "content-type";

/// What a custom exchange's expiry field means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
#[non_exhaustive]
pub enum ExpiryFormat {
    /// Seconds from now, like OAuth2's `expires_in` and XTD's `expirationTime`.
    SecondsFromNow,
    /// An absolute time in seconds since the Unix epoch, like a JWT `exp`.
    EpochSeconds,
    /// An absolute time in milliseconds since the Unix epoch.
    EpochMilliseconds,
    /// An absolute RFC 3339 / ISO 8601 date-time such as `2016-07-11T22:14:10Z`, like GitHub's
    /// `expires_at`.
    Rfc3339,
}

/// How an OAuth2 client authenticates to the token endpoint (RFC 6749 §2.3.1).
///
/// | server | method |
/// | --- | --- |
/// | Keycloak, Spring Authorization Server, ORY Hydra/fosite, node-oidc-provider, Duende IdentityServer, django-oauth-toolkit, Authlib, Okta, Auth0, Azure AD | `ClientSecretBasic` (or `ClientSecretPost`) |
/// | Doorkeeper, Cloud Foundry UAA (they do not decode Basic credentials) | `ClientSecretBasicUnencoded`, or `ClientSecretPost` |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, uniffi::Enum)]
#[non_exhaustive]
pub enum ClientAuthMethod {
    /// HTTP Basic over the percent-encoded id and secret (RFC 6749 §2.3.1, the RFC's
    /// recommended default): every UTF-8 byte outside `A-Z a-z 0-9 - . _ ~` becomes `%XX`,
    /// a space `%20`. Servers that decode with a percent-decoder (`unquote`, `URLDecoder`,
    /// `url.QueryUnescape`, `unquote_plus`) all read back the original id and secret.
    #[default]
    ClientSecretBasic,
    /// `client_id` and `client_secret` in the form body (form-urlencoded).
    ClientSecretPost,
    /// HTTP Basic over the id and secret as they are, for servers that do not decode them
    /// (Doorkeeper, Cloud Foundry UAA). A client id with `:` cannot be sent this way.
    ClientSecretBasicUnencoded,
}

/// The request sent to fetch a CSRF token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, uniffi::Enum)]
#[non_exhaustive]
pub enum CsrfFetchMethod {
    /// `HEAD` (SAP API Management's recommendation: no body is transferred).
    #[default]
    Head,
    /// `GET`, for services that do not answer HEAD.
    Get,
}

/// Where tokens come from.
pub(crate) enum Source {
    /// A token the caller already holds; never refreshed.
    Static {
        token: Secret,
        lifetime: Option<Duration>,
    },
    /// XTD: `POST {"apiKey": ...}` → `{"token", "expirationTime"}`.
    ApiKeyExchange { url: Endpoint, encoded_key: Secret },
    /// RFC 6749 §4.4 client credentials grant.
    ClientCredentials {
        url: Endpoint,
        client_id: Secret,
        client_secret: Secret,
        scopes: Vec<String>,
        method: ClientAuthMethod,
        /// `private_key_jwt` (RFC 7523 §2.2, OpenID Connect Core §9): a signed assertion
        /// instead of the secret, which is then empty.
        private_key_jwt: Option<Assertion>,
    },
    /// RFC 7523 §2.1: a signed JWT exchanged for a token (Google service accounts,
    /// Salesforce, any JWT-bearer grant).
    JwtBearer {
        url: Endpoint,
        assertion: Assertion,
        /// The form's `scope` parameter, when the server takes scopes there.
        scopes: Vec<String>,
    },
    /// A GitHub App: an RS256 JWT of at most 10 minutes, exchanged for a 1-hour installation
    /// token at `POST /app/installations/{id}/access_tokens`.
    GitHubApp { url: Endpoint, assertion: Assertion },
    /// A JWT signed here and used as the bearer token itself (App Store Connect, Google's
    /// self-signed service-account JWTs); no request is sent.
    SelfSigned { assertion: Assertion },
    /// A JSON exchange described by configuration.
    Custom {
        url: Endpoint,
        body: Secret,
        headers: Vec<(String, Secret)>,
        token_field: String,
        expiry_field: Option<String>,
        expiry_format: ExpiryFormat,
        scheme: String,
    },
    /// A user session: a refresh token that the server rotates (RFC 6749 §6).
    Session(std::sync::Arc<crate::session::source::SessionSource>),
    /// SAP API Management: `X-CSRF-Token: fetch` with Basic credentials.
    Csrf {
        url: Endpoint,
        method: CsrfFetchMethod,
        authorization: Secret,
    },
}

/// A token as read from a response, before it is scheduled.
pub(crate) struct Fetched {
    pub(crate) token: Secret,
    /// The header value, e.g. `Bearer <token>`.
    pub(crate) authorization: Secret,
    /// The `Cookie` header value captured with a CSRF token.
    pub(crate) cookie: Option<Secret>,
    /// The lifetime the server announced, if it did (JWT `exp` included).
    pub(crate) lifetime: Option<Duration>,
}

impl Source {
    /// The endpoint this source talks to; `None` for a static token.
    pub(crate) fn url(&self) -> Option<&Endpoint> {
        match self {
            Source::Static { .. } | Source::SelfSigned { .. } => None,
            Source::ApiKeyExchange { url, .. }
            | Source::ClientCredentials { url, .. }
            | Source::JwtBearer { url, .. }
            | Source::GitHubApp { url, .. }
            | Source::Custom { url, .. }
            | Source::Csrf { url, .. } => Some(url),
            Source::Session(session) => Some(&session.url),
        }
    }

    /// Every form in which this source's secrets can travel, so server text that echoes a
    /// request back can be scrubbed of them: the raw values, their form-urlencoded forms,
    /// whole `Basic` values and their base64 part, and the string values inside a custom
    /// JSON body. Longest first, so a whole value is replaced before a part of it.
    pub(crate) fn secret_forms(&self) -> Vec<Secret> {
        let mut forms: Vec<String> = Vec::new();
        let basic = |value: &str, forms: &mut Vec<String>| {
            forms.push(value.to_owned());
            if let Some(encoded) = value.strip_prefix("Basic ") {
                forms.push(encoded.to_owned());
            }
            if let Ok(credentials) = crate::header::decode_basic(value) {
                forms.push(credentials.password().to_owned());
            }
        };
        match self {
            Source::Static { token, .. } => forms.push(token.expose().to_owned()),
            Source::ApiKeyExchange { encoded_key, .. } => {
                forms.push(encoded_key.expose().to_owned())
            }
            Source::ClientCredentials {
                client_id,
                client_secret,
                ..
            } => {
                // The client id is an identifier rather than a secret (RFC 6749 §2.2), but it
                // is half of a credential pair: server text echoing it is scrubbed too.
                for encode in [urlencode, percent_encode] {
                    let (id, secret) = (encode(client_id.expose()), encode(client_secret.expose()));
                    forms.push(id.expose().to_owned());
                    forms.push(secret.expose().to_owned());
                    if let Ok(value) = crate::header::basic_auth(id.expose(), secret.expose()) {
                        basic(&value, &mut forms);
                    }
                }
                forms.push(client_id.expose().to_owned());
                forms.push(client_secret.expose().to_owned());
                if let Ok(value) =
                    crate::header::basic_auth(client_id.expose(), client_secret.expose())
                {
                    basic(&value, &mut forms);
                }
            }
            Source::Custom { body, headers, .. } => {
                forms.push(body.expose().to_owned());
                forms.extend(headers.iter().map(|(_, v)| v.expose().to_owned()));
                if let Ok(json) = serde_json::from_str::<serde_json::Value>(body.expose()) {
                    collect_strings(&json, &mut forms);
                }
            }
            Source::Csrf { authorization, .. } => basic(authorization.expose(), &mut forms),
            // The refresh token rotates: the engine scrubs the current one itself.
            Source::Session(session) => forms.extend(session.client.secret_forms()),
            // The private key never leaves its signer; assertions are new for every request
            // and expire within minutes.
            Source::JwtBearer { .. } | Source::GitHubApp { .. } | Source::SelfSigned { .. } => {}
        }
        forms.retain(|form| form.len() >= 4);
        forms.sort_by_key(|form| std::cmp::Reverse(form.len()));
        forms.dedup();
        forms.into_iter().map(Secret::new).collect()
    }

    /// The assertion this source signs, if it signs one.
    pub(crate) fn assertion(&self) -> Option<&Assertion> {
        match self {
            Source::ClientCredentials {
                private_key_jwt, ..
            } => private_key_jwt.as_ref(),
            Source::JwtBearer { assertion, .. }
            | Source::GitHubApp { assertion, .. }
            | Source::SelfSigned { assertion } => Some(assertion),
            _ => None,
        }
    }

    /// A token made here without a request (a self-signed JWT), signed for the time `now`
    /// (since the Unix epoch); `None` for sources that request their tokens.
    pub(crate) fn mint(&self, now: Duration) -> Option<Result<Fetched, AuthError>> {
        let Source::SelfSigned { assertion } = self else {
            return None;
        };
        Some(assertion.sign(now).map(|jwt| Fetched {
            authorization: Secret::new(format!("Bearer {}", jwt.expose())),
            token: jwt,
            cookie: None,
            lifetime: Some(assertion.lifetime),
        }))
    }

    /// The HTTP request for one attempt, with any assertion signed for the time `now`
    /// (since the Unix epoch); `None` for a static token or a self-signed JWT.
    ///
    /// # Errors
    /// [`AuthError::InvalidConfiguration`] when the signer fails.
    pub(crate) fn request(&self, now: Duration) -> Result<Option<Request>, AuthError> {
        let json = |url: &Endpoint, body: Secret, mut headers: Vec<(String, Secret)>| {
            headers.push((CONTENT_TYPE.to_owned(), Secret::new("application/json")));
            headers.push((ACCEPT.to_owned(), Secret::new("application/json")));
            Request {
                method: "POST",
                url: url.clone(),
                headers,
                body: Some(body),
            }
        };
        let form_headers = || {
            vec![
                (
                    CONTENT_TYPE.to_owned(),
                    Secret::new("application/x-www-form-urlencoded"),
                ),
                (ACCEPT.to_owned(), Secret::new("application/json")),
            ]
        };
        Ok(match self {
            Source::Static { .. } | Source::SelfSigned { .. } => None,
            Source::Session(session) => Some(session.refresh_request()?),
            Source::ApiKeyExchange { url, encoded_key } => {
                let body = serde_json::json!({ "apiKey": encoded_key.expose() }).to_string();
                Some(json(url, Secret::new(body), Vec::new()))
            }
            Source::Custom {
                url, body, headers, ..
            } => Some(json(url, body.clone(), headers.clone())),
            Source::JwtBearer {
                url,
                assertion,
                scopes,
            } => {
                let jwt = assertion.sign(now)?;
                let scope = scopes.join(" ");
                let mut form = vec![
                    ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                    ("assertion", jwt.expose()),
                ];
                if !scope.is_empty() {
                    form.push(("scope", &scope));
                }
                let body = serde_urlencoded::to_string(&form).expect("strings always encode");
                Some(Request {
                    method: "POST",
                    url: url.clone(),
                    headers: form_headers(),
                    body: Some(Secret::new(body)),
                })
            }
            Source::GitHubApp { url, assertion } => {
                let jwt = assertion.sign(now)?;
                Some(Request {
                    method: "POST",
                    url: url.clone(),
                    headers: vec![
                        (
                            AUTHORIZATION.to_owned(),
                            Secret::new(format!("Bearer {}", jwt.expose())),
                        ),
                        (
                            ACCEPT.to_owned(),
                            Secret::new("application/vnd.github+json"),
                        ),
                        ("x-github-api-version".to_owned(), Secret::new("2022-11-28")),
                        (CONTENT_TYPE.to_owned(), Secret::new("application/json")),
                    ],
                    body: Some(Secret::new("{}")),
                })
            }
            Source::ClientCredentials {
                url,
                client_id,
                client_secret,
                scopes,
                method,
                private_key_jwt,
            } => {
                let mut form: Vec<(&str, &str)> = vec![("grant_type", "client_credentials")];
                let scope = scopes.join(" ");
                if !scope.is_empty() {
                    form.push(("scope", &scope));
                }
                let mut headers = form_headers();
                let assertion = private_key_jwt.as_ref().map(|a| a.sign(now)).transpose()?;
                match method {
                    _ if assertion.is_some() => {
                        form.push(("client_id", client_id.expose()));
                        form.push((
                            "client_assertion_type",
                            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                        ));
                        form.push(("client_assertion", assertion.as_ref().unwrap().expose()));
                    }
                    ClientAuthMethod::ClientSecretBasic => {
                        // RFC 6749 §2.3.1 says "application/x-www-form-urlencoded", whose
                        // space is '+'; servers that decode with a plain percent-decoder
                        // (Authlib, authentik) keep that '+'. Percent-encoding every byte
                        // outside RFC 3986's unreserved set, space as %20, decodes the same
                        // with both kinds of decoder.
                        let id = percent_encode(client_id.expose());
                        let secret = percent_encode(client_secret.expose());
                        let value = crate::header::basic_auth(id.expose(), secret.expose())
                            .expect("percent-encoded credentials hold no ':' and no control");
                        headers.push((AUTHORIZATION.to_owned(), Secret::new(value)));
                    }
                    ClientAuthMethod::ClientSecretBasicUnencoded => {
                        let value =
                            crate::header::basic_auth(client_id.expose(), client_secret.expose())
                                .expect("checked when the manager was built");
                        headers.push((AUTHORIZATION.to_owned(), Secret::new(value)));
                    }
                    ClientAuthMethod::ClientSecretPost => {
                        form.push(("client_id", client_id.expose()));
                        form.push(("client_secret", client_secret.expose()));
                    }
                }
                let body = serde_urlencoded::to_string(&form).expect("strings always encode");
                Some(Request {
                    method: "POST",
                    url: url.clone(),
                    headers,
                    body: Some(Secret::new(body)),
                })
            }
            Source::Csrf {
                url,
                method,
                authorization,
            } => Some(Request {
                method: match method {
                    CsrfFetchMethod::Head => "HEAD",
                    CsrfFetchMethod::Get => "GET",
                },
                url: url.clone(),
                headers: vec![
                    ("x-csrf-token".to_owned(), Secret::new("fetch")),
                    (AUTHORIZATION.to_owned(), authorization.clone()),
                ],
                body: None,
            }),
        })
    }

    /// Reads a token from a response. `wall_now` turns absolute expiries into lifetimes.
    pub(crate) fn parse(
        &self,
        response: &Response,
        wall_now: Duration,
        scrub: &dyn Fn(String) -> String,
    ) -> Result<Fetched, AttemptError> {
        if !(200..300).contains(&response.status) {
            return Err(status_error(response, scrub));
        }
        let invalid = |reason: String| AttemptError::fatal(AuthError::InvalidResponse { reason });
        if let Source::Csrf { authorization, .. } = self {
            return parse_csrf(response, authorization).map_err(invalid);
        }
        if let Source::Session(session) = self {
            let parsed = crate::session::answer::parse_response(response, scrub);
            if parsed.is_err() && (200..300).contains(&response.status) {
                *session.salvaged.lock().unwrap_or_else(|e| e.into_inner()) =
                    crate::session::answer::salvage_refresh_token(&response.body);
            }
            let mut answer = parsed?;
            let fetched = std::mem::replace(
                &mut answer.fetched,
                Fetched {
                    token: Secret::new(""),
                    authorization: Secret::new(""),
                    cookie: None,
                    lifetime: None,
                },
            );
            *session.pending.lock().unwrap_or_else(|e| e.into_inner()) = Some(answer);
            return Ok(fetched);
        }
        let body = answer_document(response).map_err(invalid)?;
        let (token_field, expiry_field, format, scheme) = match self {
            Source::ApiKeyExchange { .. } => (
                "token",
                Some("expirationTime"),
                ExpiryFormat::SecondsFromNow,
                "Bearer".to_owned(),
            ),
            Source::ClientCredentials { .. } | Source::JwtBearer { .. } => {
                // RFC 6749 §5.1 / §7.1: the type decides how the token is sent. Only Bearer
                // is sent here; a DPoP or MAC token sent as Bearer would fail at the API.
                let scheme = match body.get("token_type") {
                    None | Some(serde_json::Value::Null) => "Bearer".to_owned(),
                    Some(serde_json::Value::String(t)) if t.eq_ignore_ascii_case("bearer") => {
                        "Bearer".to_owned()
                    }
                    Some(other) => {
                        // Server text: scrubbed of the credential (a server may echo the
                        // request) before it is cut, so no part of a secret is kept.
                        let text = match other {
                            serde_json::Value::String(t) => t.clone(),
                            other => other.to_string(),
                        };
                        let named: String = one_line(&scrub(text)).chars().take(40).collect();
                        return Err(invalid(format!(
                            "the token type is {named:?}, not Bearer; authwire sends Bearer tokens only, and a {named:?} token sent as Bearer would be refused by the API"
                        )));
                    }
                };
                (
                    "access_token",
                    Some("expires_in"),
                    ExpiryFormat::SecondsFromNow,
                    scheme,
                )
            }
            Source::Custom {
                token_field,
                expiry_field,
                expiry_format,
                scheme,
                ..
            } => (
                token_field.as_str(),
                expiry_field.as_deref(),
                *expiry_format,
                scheme.clone(),
            ),
            Source::GitHubApp { .. } => (
                "token",
                Some("expires_at"),
                ExpiryFormat::Rfc3339,
                "Bearer".to_owned(),
            ),
            Source::Static { .. }
            | Source::Csrf { .. }
            | Source::SelfSigned { .. }
            | Source::Session(_) => {
                unreachable!("handled above")
            }
        };
        let token = lookup(&body, token_field)
            .and_then(|v| v.as_str())
            .ok_or_else(|| {
                invalid(format!(
                    "the token response has no string field \"{token_field}\""
                ))
            })?;
        check_token("the token in the response", token).map_err(|err| match err {
            AuthError::InvalidInput { reason } => invalid(reason),
            other => AttemptError::fatal(other),
        })?;
        // The scheme is Bearer or was checked when the manager was built, and the token was
        // just checked: any visible ASCII, as `bearer_auth` takes it (a token with a quote is
        // no auth-param list, so `scheme_auth` would refuse what `bearer_auth` accepts).
        let authorization = format!("{scheme} {token}");
        let lifetime = match expiry_field.and_then(|f| lookup(&body, f)) {
            Some(value) => Some(expiry(value, format, wall_now).ok_or_else(|| {
                invalid(format!(
                    "the expiry field \"{}\" is not a number",
                    expiry_field.unwrap_or_default()
                ))
            })?),
            None => jwt::lifetime_secs(token, wall_now.as_secs_f64()).map(secs),
        };
        Ok(Fetched {
            token: Secret::new(token),
            authorization: Secret::new(authorization),
            cookie: None,
            lifetime,
        })
    }
}

/// The answer's body as a document: form-urlencoded when its `Content-Type` says so (GitHub
/// and older Facebook endpoints answer that way without a matching `Accept`), JSON otherwise.
fn answer_document(response: &Response) -> Result<serde_json::Value, String> {
    let media_type = response
        .header("content-type")
        .and_then(|value| value.split(';').next())
        .map(|value| value.trim().to_ascii_lowercase());
    if media_type.as_deref() == Some("application/x-www-form-urlencoded") {
        if std::str::from_utf8(&response.body).is_err() {
            return Err("the form-encoded token response is not UTF-8".to_owned());
        }
        let fields = form_urlencoded::parse(&response.body)
            .map(|(name, value)| {
                (
                    name.into_owned(),
                    serde_json::Value::from(value.into_owned()),
                )
            })
            .collect::<serde_json::Map<_, _>>();
        return Ok(serde_json::Value::Object(fields));
    }
    serde_json::from_slice(&response.body).map_err(|err| {
        format!(
            "the token response is not valid JSON (line {}, column {})",
            err.line(),
            err.column()
        )
    })
}

/// Follows a dotted path (`data.token`) through nested objects.
fn lookup<'a>(value: &'a serde_json::Value, path: &str) -> Option<&'a serde_json::Value> {
    path.split('.').try_fold(value, |v, key| v.get(key))
}

fn expiry(value: &serde_json::Value, format: ExpiryFormat, wall_now: Duration) -> Option<Duration> {
    if format == ExpiryFormat::Rfc3339 {
        let at = crate::exchange::rfc3339_secs(value.as_str()?)?;
        return Some(secs(at - wall_now.as_secs_f64()));
    }
    let n = match value {
        serde_json::Value::Number(n) => n.as_f64()?,
        serde_json::Value::String(s) => s.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    if !n.is_finite() {
        return None;
    }
    let now = wall_now.as_secs_f64();
    Some(match format {
        ExpiryFormat::SecondsFromNow => secs(n),
        ExpiryFormat::EpochSeconds => secs(n - now),
        ExpiryFormat::EpochMilliseconds => secs(n / 1000.0 - now),
        ExpiryFormat::Rfc3339 => unreachable!("read above"),
    })
}

/// A lifetime of at least one second: a server that announces an expired or zero-length
/// token still gets a schedule, instead of a refresh loop.
fn secs(value: f64) -> Duration {
    Duration::from_secs_f64(value.clamp(1.0, 10.0 * 365.0 * 86_400.0))
}

fn parse_csrf(response: &Response, authorization: &Secret) -> Result<Fetched, String> {
    let token = response
        .header("x-csrf-token")
        .map(str::trim)
        .filter(|t| !t.is_empty() && !t.eq_ignore_ascii_case("required"))
        .ok_or_else(|| "the CSRF fetch response has no x-csrf-token header".to_owned())?;
    if let Err(AuthError::InvalidInput { reason }) = check_token("the x-csrf-token header", token) {
        return Err(reason);
    }
    // Keep only each cookie's name=value (RFC 6265 §5.2); attributes are for the browser.
    // A pair with a control character or non-ASCII (which no HTTP client should deliver) is
    // dropped: it would break or inject into the Cookie header the caller sends.
    let cookies: Vec<&str> = response
        .headers_all("set-cookie")
        .filter_map(|v| v.split(';').next())
        .map(str::trim)
        .filter(|pair| pair.contains('=') && pair.chars().all(|c| c.is_ascii() && !c.is_control()))
        .collect();
    Ok(Fetched {
        token: Secret::new(token),
        authorization: authorization.clone(),
        cookie: (!cookies.is_empty()).then(|| Secret::new(cookies.join("; "))),
        lifetime: None,
    })
}

/// Every string value inside a JSON document.
fn collect_strings(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::String(text) => out.push(text.clone()),
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_strings(v, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| collect_strings(v, out)),
        _ => {}
    }
}

/// RFC 3986 §2.3: every byte outside the unreserved set as `%XX` (upper-case hex).
pub(crate) fn percent_encode(value: &str) -> Secret {
    let mut out = String::with_capacity(value.len() * 3);
    for &b in value.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(b"0123456789ABCDEF"[usize::from(b >> 4)]));
            out.push(char::from(b"0123456789ABCDEF"[usize::from(b & 0xf)]));
        }
    }
    Secret::new(out)
}

fn urlencode(value: &str) -> Secret {
    Secret::new(form_urlencoded::byte_serialize(value.as_bytes()).collect::<String>())
}
