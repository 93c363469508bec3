//! The HTTP client for token requests: HTTPS only (loopback excepted), rustls, timeouts,
//! capped bodies, no redirects, and classification of every outcome for the retry policy.

use std::sync::Once;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, Url};

use super::options::TokenOptions;
use crate::error::{AuthError, Result};
use crate::secret::Secret;

/// One failed attempt, and whether the retry policy may try again.
#[derive(Debug, Clone)]
pub(crate) struct AttemptError {
    pub(crate) error: AuthError,
    pub(crate) retry: Retry,
}

/// Whether a failed attempt may be retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Retry {
    No,
    /// Retry, after at least the server's `Retry-After` when it sent one.
    Yes {
        after: Option<Duration>,
    },
}

impl AttemptError {
    pub(crate) fn fatal(error: AuthError) -> Self {
        Self {
            error,
            retry: Retry::No,
        }
    }
}

/// A request to send. The body and header values may hold secrets.
pub(crate) struct Request {
    pub(crate) method: Method,
    pub(crate) url: Url,
    pub(crate) headers: Vec<(HeaderName, Secret)>,
    pub(crate) body: Option<Secret>,
}

/// A response whose body was read in full (within the size limit).
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

/// Parses a token or CSRF URL and enforces HTTPS, allowing plain HTTP only to loopback
/// (127.0.0.0/8, ::1, `localhost`) for development and tests.
pub(crate) fn check_url(text: &str) -> Result<Url> {
    let url = Url::parse(text)
        .map_err(|err| AuthError::invalid_configuration(format!("the URL is not valid: {err}")))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(AuthError::invalid_configuration(
            "the URL must not carry credentials; pass them to the constructor",
        ));
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(AuthError::invalid_configuration(
            "plain http:// is only allowed to loopback (127.0.0.0/8, ::1, localhost); use https://",
        )),
        other => Err(AuthError::invalid_configuration(format!(
            "unsupported URL scheme {other:?}; use https://"
        ))),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Where a request went, for error messages: scheme, host and port, never path or query.
fn endpoint(url: &Url) -> String {
    format!(
        "{}://{}{}",
        url.scheme(),
        url.host_str().unwrap_or("?"),
        url.port().map(|p| format!(":{p}")).unwrap_or_default()
    )
}

/// A token-request client with the manager's timeouts and body limit.
pub(crate) struct Http {
    client: reqwest::Client,
    request_timeout: Duration,
    max_body: usize,
}

impl Http {
    /// A client for requests to `url`. Requests to loopback never go through a proxy
    /// (`HTTP_PROXY` and friends would otherwise send them to the proxy host).
    pub(crate) fn new(options: &TokenOptions, url: Option<&Url>) -> Result<Self> {
        static PROVIDER: Once = Once::new();
        PROVIDER.call_once(|| {
            // The host app may have installed another provider already: that one is kept.
            let _ = rustls::crypto::ring::default_provider().install_default();
        });
        let mut builder = reqwest::Client::builder();
        if url.is_some_and(is_loopback) {
            builder = builder.no_proxy();
        }
        let client = builder
            .connect_timeout(TokenOptions::ms(options.connect_timeout_ms))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("authwire/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|_| AuthError::invalid_configuration("the HTTP client could not be set up"))?;
        Ok(Self {
            client,
            request_timeout: TokenOptions::ms(options.request_timeout_ms),
            max_body: usize::try_from(options.max_body_bytes).unwrap_or(usize::MAX),
        })
    }

    /// Sends one request and reads its body. Transport failures are retryable; a body over
    /// the limit is not.
    pub(crate) async fn send(&self, request: Request) -> Result<Response, AttemptError> {
        let where_to = endpoint(&request.url);
        let mut builder = self
            .client
            .request(request.method, request.url)
            .timeout(self.request_timeout);
        for (name, value) in &request.headers {
            let mut value = HeaderValue::from_str(value.expose()).map_err(|_| {
                AttemptError::fatal(AuthError::invalid_configuration(format!(
                    "the value of header {name} is not a valid header value"
                )))
            })?;
            value.set_sensitive(true);
            builder = builder.header(name, value);
        }
        if let Some(body) = &request.body {
            builder = builder.body(body.expose().to_owned());
        }
        let mut response = builder
            .send()
            .await
            .map_err(|err| self.transport_error(&where_to, &err))?;
        let status = response.status().as_u16();
        let headers = std::mem::take(response.headers_mut());
        if response
            .content_length()
            .is_some_and(|len| len > self.max_body as u64)
        {
            return Err(self.too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|err| self.transport_error(&where_to, &err))?
        {
            if body.len() + chunk.len() > self.max_body {
                return Err(self.too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Response {
            status,
            headers,
            body,
        })
    }

    fn too_large(&self) -> AttemptError {
        AttemptError::fatal(AuthError::InvalidResponse {
            reason: format!(
                "the response body exceeds the limit of {} bytes",
                self.max_body
            ),
        })
    }

    /// reqwest's own messages can quote the URL (and so a query string); ours name only the
    /// endpoint.
    fn transport_error(&self, where_to: &str, err: &reqwest::Error) -> AttemptError {
        let reason = if err.is_timeout() {
            format!(
                "{where_to} did not answer within {} ms",
                self.request_timeout.as_millis()
            )
        } else if err.is_connect() {
            format!("could not connect to {where_to}")
        } else if err.is_body() || err.is_decode() {
            format!("the response from {where_to} broke off")
        } else {
            format!("the request to {where_to} failed")
        };
        AttemptError {
            error: AuthError::Network { reason },
            retry: Retry::Yes { after: None },
        }
    }
}

/// Classifies a non-success status. RFC 6749 §5.2 error bodies become [`AuthError::OAuth`];
/// 408, 429 and 5xx are retryable; other 4xx are not.
pub(crate) fn status_error(response: &Response, scrub: &dyn Fn(String) -> String) -> AttemptError {
    let status = response.status;
    let json: Option<serde_json::Value> = serde_json::from_slice(&response.body).ok();
    let field = |name: &str| {
        json.as_ref()
            .and_then(|v| v.get(name))
            .and_then(|v| v.as_str())
            .map(|s| scrub(one_line(s)))
    };
    let message = field("message")
        .or_else(|| field("error_description"))
        .or_else(|| field("error"))
        .or_else(|| field("detail"))
        .or_else(|| {
            let text = String::from_utf8_lossy(&response.body);
            let text = text.trim();
            (!text.is_empty() && json.is_none()).then(|| scrub(one_line(text)))
        })
        .unwrap_or_else(|| "no message".to_owned());
    match status {
        429 => AttemptError {
            error: AuthError::RateLimited {
                retry_after_ms: retry_after(&response.headers)
                    .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            },
            retry: Retry::Yes {
                after: retry_after(&response.headers),
            },
        },
        408 | 500..=599 => AttemptError {
            error: AuthError::Server { status, message },
            retry: Retry::Yes {
                after: retry_after(&response.headers),
            },
        },
        400..=499 => {
            let error = match field("error") {
                Some(code) => AuthError::OAuth {
                    status,
                    error: code,
                    description: field("error_description").unwrap_or_default(),
                },
                None if status == 401 || status == 403 => {
                    AuthError::Unauthorized { status, message }
                }
                None => AuthError::HttpStatus { status, message },
            };
            AttemptError::fatal(error)
        }
        _ => AttemptError::fatal(AuthError::HttpStatus { status, message }),
    }
}

/// `Retry-After` as delay-seconds (RFC 9110 §10.2.3). An HTTP-date is read against the
/// wall clock once.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate_parse(value)?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the only date format servers must send.
fn httpdate_parse(value: &str) -> Option<std::time::SystemTime> {
    let parts: Vec<&str> = value.split_whitespace().collect();
    let [_, day, month, year, time, "GMT"] = parts.as_slice() else {
        return None;
    };
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = months.iter().position(|m| m == month)? as i64 + 1;
    let (day, year): (i64, i64) = (day.parse().ok()?, year.parse().ok()?);
    let hms: Vec<i64> = time
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let [h, m, s] = hms.as_slice() else {
        return None;
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + h * 3600 + m * 60 + s;
    let secs = u64::try_from(secs).ok()?;
    Some(std::time::UNIX_EPOCH + Duration::from_secs(secs))
}

/// A server message cut to one short line, so it can never smuggle a line into a log.
fn one_line(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(200)
        .collect();
    cleaned.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_only_except_loopback() {
        assert!(check_url("https://api.example.com/v1/token").is_ok());
        assert!(check_url("http://127.0.0.1:8080/token").is_ok());
        assert!(check_url("http://127.8.9.10/token").is_ok());
        assert!(check_url("http://[::1]:9/token").is_ok());
        assert!(check_url("http://localhost/token").is_ok());
        assert!(check_url("http://api.example.com/token").is_err());
        assert!(check_url("http://10.0.0.1/token").is_err());
        assert!(check_url("ftp://127.0.0.1/token").is_err());
        assert!(check_url("https://user:pw@api.example.com/").is_err());
        assert!(check_url("not a url").is_err());
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", HeaderValue::from_static("2"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(2)));
        let at = httpdate_parse("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(
            at.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs(),
            784_111_777
        );
        headers.insert(
            "retry-after",
            HeaderValue::from_static("Sun, 06 Nov 1994 08:49:37 GMT"),
        );
        assert_eq!(retry_after(&headers), Some(Duration::ZERO));
    }
}
