//! Token sources: how to ask for a token and how to read the answer.

use std::time::Duration;

use url::Url;

use super::http::{AttemptError, status_error};
use super::jwt;
use crate::error::AuthError;
use crate::header::check_token68;
use crate::secret::Secret;
use crate::transport::{Request, Response};

const ACCEPT: &str = "accept";
const AUTHORIZATION: &str = "authorization";
const CONTENT_TYPE: &str = "content-type";

/// What a custom exchange's expiry field means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ExpiryFormat {
    /// Seconds from now, like OAuth2's `expires_in` and XTD's `expirationTime`.
    SecondsFromNow,
    /// An absolute time in seconds since the Unix epoch, like a JWT `exp`.
    EpochSeconds,
    /// An absolute time in milliseconds since the Unix epoch.
    EpochMilliseconds,
}

/// How an OAuth2 client authenticates to the token endpoint (RFC 6749 §2.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, uniffi::Enum)]
pub enum ClientAuthMethod {
    /// HTTP Basic with the form-urlencoded id and secret (the RFC's recommended default).
    #[default]
    ClientSecretBasic,
    /// `client_id` and `client_secret` in the form body.
    ClientSecretPost,
}

/// The request sent to fetch a CSRF token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, uniffi::Enum)]
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
    ApiKeyExchange { url: Url, encoded_key: Secret },
    /// RFC 6749 §4.4 client credentials grant.
    ClientCredentials {
        url: Url,
        client_id: Secret,
        client_secret: Secret,
        scopes: Vec<String>,
        method: ClientAuthMethod,
    },
    /// A JSON exchange described by configuration.
    Custom {
        url: Url,
        body: Secret,
        headers: Vec<(String, Secret)>,
        token_field: String,
        expiry_field: Option<String>,
        expiry_format: ExpiryFormat,
        scheme: String,
    },
    /// SAP API Management: `X-CSRF-Token: fetch` with Basic credentials.
    Csrf {
        url: Url,
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
    pub(crate) fn url(&self) -> Option<&Url> {
        match self {
            Source::Static { .. } => None,
            Source::ApiKeyExchange { url, .. }
            | Source::ClientCredentials { url, .. }
            | Source::Custom { url, .. }
            | Source::Csrf { url, .. } => Some(url),
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
                forms.push(credentials.password());
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
                let (id, secret) = (
                    urlencode(client_id.expose()),
                    urlencode(client_secret.expose()),
                );
                forms.push(client_id.expose().to_owned());
                forms.push(id.expose().to_owned());
                forms.push(client_secret.expose().to_owned());
                forms.push(secret.expose().to_owned());
                if let Ok(value) = crate::header::basic_auth(id.expose(), secret.expose()) {
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
        }
        forms.retain(|form| form.len() >= 4);
        forms.sort_by_key(|form| std::cmp::Reverse(form.len()));
        forms.dedup();
        forms.into_iter().map(Secret::new).collect()
    }

    /// The HTTP request for one attempt; `None` for a static token.
    pub(crate) fn request(&self) -> Option<Request> {
        let json = |url: &Url, body: Secret, mut headers: Vec<(String, Secret)>| {
            headers.push((CONTENT_TYPE.to_owned(), Secret::new("application/json")));
            headers.push((ACCEPT.to_owned(), Secret::new("application/json")));
            Request {
                method: "POST",
                url: url.clone(),
                headers,
                body: Some(body),
            }
        };
        match self {
            Source::Static { .. } => None,
            Source::ApiKeyExchange { url, encoded_key } => {
                let body = serde_json::json!({ "apiKey": encoded_key.expose() }).to_string();
                Some(json(url, Secret::new(body), Vec::new()))
            }
            Source::Custom {
                url, body, headers, ..
            } => Some(json(url, body.clone(), headers.clone())),
            Source::ClientCredentials {
                url,
                client_id,
                client_secret,
                scopes,
                method,
            } => {
                let mut form: Vec<(&str, &str)> = vec![("grant_type", "client_credentials")];
                let scope = scopes.join(" ");
                if !scope.is_empty() {
                    form.push(("scope", &scope));
                }
                let mut headers = vec![
                    (
                        CONTENT_TYPE.to_owned(),
                        Secret::new("application/x-www-form-urlencoded"),
                    ),
                    (ACCEPT.to_owned(), Secret::new("application/json")),
                ];
                match method {
                    ClientAuthMethod::ClientSecretBasic => {
                        // RFC 6749 §2.3.1: form-urlencode id and secret before Basic.
                        let id = urlencode(client_id.expose());
                        let secret = urlencode(client_secret.expose());
                        let value = crate::header::basic_auth(id.expose(), secret.expose())
                            .expect("form-urlencoded credentials hold no ':' and no control");
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
        }
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
        let body: serde_json::Value = serde_json::from_slice(&response.body).map_err(|err| {
            invalid(format!(
                "the token response is not valid JSON (line {}, column {})",
                err.line(),
                err.column()
            ))
        })?;
        let (token_field, expiry_field, format, scheme) = match self {
            Source::ApiKeyExchange { .. } => (
                "token",
                Some("expirationTime"),
                ExpiryFormat::SecondsFromNow,
                "Bearer".to_owned(),
            ),
            Source::ClientCredentials { .. } => {
                let scheme = match body.get("token_type").and_then(|t| t.as_str()) {
                    None => "Bearer".to_owned(),
                    Some(t) if t.eq_ignore_ascii_case("bearer") => "Bearer".to_owned(),
                    Some(t) => t.to_owned(),
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
            Source::Static { .. } | Source::Csrf { .. } => unreachable!("handled above"),
        };
        let token = lookup(&body, token_field)
            .and_then(|v| v.as_str())
            .ok_or_else(|| {
                invalid(format!(
                    "the token response has no string field \"{token_field}\""
                ))
            })?;
        check_token68("the token in the response", token)
            .map_err(|_| invalid("the token in the response is not a valid b64token".to_owned()))?;
        let authorization = crate::header::scheme_auth(&scheme, token)
            .map_err(|_| invalid(format!("the token type {scheme:?} is not a valid scheme")))?;
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

/// Follows a dotted path (`data.token`) through nested objects.
fn lookup<'a>(value: &'a serde_json::Value, path: &str) -> Option<&'a serde_json::Value> {
    path.split('.').try_fold(value, |v, key| v.get(key))
}

fn expiry(value: &serde_json::Value, format: ExpiryFormat, wall_now: Duration) -> Option<Duration> {
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
    if !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("the x-csrf-token header is not visible ASCII".to_owned());
    }
    // Keep only each cookie's name=value (RFC 6265 §5.2); attributes are for the browser.
    let cookies: Vec<&str> = response
        .headers_all("set-cookie")
        .filter_map(|v| v.split(';').next())
        .map(str::trim)
        .filter(|pair| pair.contains('='))
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

fn urlencode(value: &str) -> Secret {
    Secret::new(form_urlencoded::byte_serialize(value.as_bytes()).collect::<String>())
}
