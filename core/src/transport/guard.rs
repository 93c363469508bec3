//! The one wrapper every transport passes through, built-in or host-provided: HTTPS only
//! (loopback excepted), the core's own timeout around every call, the body limit checked on
//! the returned body, redirects refused, and every transport message scrubbed.

use std::sync::Arc;
use std::time::Duration;

use super::{
    BlockingHttpTransport, HttpHeader, HttpRequest, HttpResponse, HttpTransport,
    HttpTransportError, TransportSettings,
};
use crate::error::{AuthError, NetworkErrorKind, Result};
use crate::exchange::{AttemptError, Endpoint, Request, Response, Retry, one_line};

/// Parses a token or CSRF URL and enforces HTTPS, allowing plain HTTP only to loopback
/// (127.0.0.0/8, ::1, `localhost`) for development and tests.
pub(crate) fn check_url(text: &str) -> Result<Endpoint> {
    let url = Endpoint::parse(text).map_err(|why| match why.as_str() {
        "credentials" => AuthError::invalid_configuration(
            "the URL must not carry credentials; pass them to the constructor",
        ),
        _ if why.starts_with("unsupported URL scheme") => {
            AuthError::invalid_configuration(format!("{why}; use https://"))
        }
        _ => AuthError::invalid_configuration(format!("the URL is not valid: {why}")),
    })?;
    if url.is_https() || url.is_loopback() {
        Ok(url)
    } else {
        Err(AuthError::invalid_configuration(
            "plain http:// is only allowed to loopback (127.0.0.0/8, ::1, localhost); use https://",
        ))
    }
}

/// Which transport sends the requests.
#[derive(Clone)]
enum Backend {
    Async(Arc<dyn HttpTransport>),
    Blocking(Arc<dyn BlockingHttpTransport>),
}

/// A manager's transport with the core's policy around it.
pub(crate) struct Guarded {
    backend: Backend,
    request_timeout: Duration,
    max_body: usize,
}

impl Guarded {
    /// The transport the options name, else the built-in one (`reqwest-transport` feature).
    ///
    /// # Errors
    /// [`AuthError::InvalidConfiguration`] when both transports are given, or none is and
    /// the library was built without the built-in one.
    pub(crate) fn new(options: &TransportSettings, url: Option<&Endpoint>) -> Result<Self> {
        let backend = match (&options.transport, &options.blocking_transport) {
            (Some(_), Some(_)) => {
                return Err(AuthError::invalid_configuration(
                    "give either transport or blocking_transport, not both",
                ));
            }
            (Some(transport), None) => Backend::Async(Arc::clone(transport)),
            (None, Some(transport)) => Backend::Blocking(Arc::clone(transport)),
            (None, None) => Backend::Async(default_transport(options, url)?),
        };
        Ok(Self {
            backend,
            request_timeout: options.request_timeout,
            max_body: usize::try_from(options.max_body_bytes).unwrap_or(usize::MAX),
        })
    }

    /// Whether this wraps a host-provided transport (it is not rebuilt after a fork).
    pub(crate) fn is_builtin(options: &TransportSettings) -> bool {
        options.transport.is_none() && options.blocking_transport.is_none()
    }

    /// Sends one request through the transport, within the core's timeout, and checks the
    /// answer. Transport failures and timeouts are retryable; a redirect, an impossible
    /// status or a body over the limit are not. `scrub` removes the manager's secrets from
    /// any text a transport returns.
    pub(crate) async fn send(
        &self,
        request: Request,
        scrub: &(dyn Fn(String) -> String + Sync),
    ) -> Result<Response, AttemptError> {
        // Checked when the manager was built; checked again here so that no code path can
        // hand a transport a non-HTTPS URL.
        check_url(request.url.as_str()).map_err(AttemptError::fatal)?;
        let where_to = request.url.origin().to_owned();
        let full_url = request.url.as_str().to_owned();
        let wire = HttpRequest {
            method: request.method.to_owned(),
            url: full_url.clone(),
            headers: request
                .headers
                .iter()
                .map(|(name, value)| HttpHeader {
                    name: name.clone(),
                    value: value.expose().to_owned(),
                })
                .collect(),
            body: request
                .body
                .as_ref()
                .map(|b| b.expose().as_bytes().to_vec()),
            timeout_ms: u64::try_from(self.request_timeout.as_millis()).unwrap_or(u64::MAX),
            max_body_bytes: self.max_body as u64,
        };
        let outcome = match &self.backend {
            Backend::Async(transport) => {
                let transport = Arc::clone(transport);
                // Dropping the future on timeout cancels the call (a foreign transport gets
                // its cancellation callback).
                tokio::time::timeout(self.request_timeout, transport.send(wire))
                    .await
                    .ok()
            }
            Backend::Blocking(transport) => {
                let transport = Arc::clone(transport);
                let call = tokio::task::spawn_blocking(move || transport.send(wire));
                match tokio::time::timeout(self.request_timeout, call).await {
                    Ok(Ok(result)) => Some(result),
                    // The transport panicked (a Rust implementation): a typed error instead.
                    Ok(Err(_)) => Some(Err(HttpTransportError::Unexpected {
                        reason: "the transport stopped unexpectedly".to_owned(),
                    })),
                    // A blocked call cannot be cancelled: it finishes on its own thread and
                    // its result is dropped.
                    Err(_) => None,
                }
            }
        };
        // Secrets first (a secret that runs into the query must not lose its tail to
        // `[query]` and escape), then the URL and the query, as given and as scrubbed.
        let clean = |text: String| {
            let mut text = scrub(text);
            for url in [full_url.clone(), scrub(full_url.clone())] {
                text = text.replace(&url, &where_to);
            }
            if let Some(query) = request.url.query().filter(|q| q.len() >= 4) {
                for query in [query.to_owned(), scrub(query.to_owned())] {
                    text = text.replace(&query, "[query]");
                }
            }
            one_line(&text)
        };
        let response = match outcome {
            None => {
                let waited = format!("no answer within {} ms", self.request_timeout.as_millis());
                return Err(AttemptError {
                    error: AuthError::network(NetworkErrorKind::ReadTimeout, &where_to, &waited),
                    retry: Retry::Yes { after: None },
                });
            }
            Some(Err(error)) => {
                let (kind, detail) = match error {
                    HttpTransportError::Classified { kind, reason } => (kind, clean(reason)),
                    HttpTransportError::Network { reason } => {
                        (NetworkErrorKind::Other, clean(reason))
                    }
                    HttpTransportError::Unexpected { reason } => (
                        NetworkErrorKind::Other,
                        format!("the HTTP transport failed unexpectedly: {}", clean(reason)),
                    ),
                };
                let retry = if kind.is_retried() {
                    Retry::Yes { after: None }
                } else {
                    Retry::No
                };
                return Err(AttemptError {
                    error: AuthError::network(kind, &where_to, &detail),
                    retry,
                });
            }
            Some(Ok(response)) => response,
        };
        self.check(response, &where_to)
    }

    fn check(&self, response: HttpResponse, where_to: &str) -> Result<Response, AttemptError> {
        let status = response.status;
        if !(100..=599).contains(&status) {
            return Err(AttemptError::fatal(AuthError::InvalidResponse {
                reason: format!("{where_to} answered with the impossible HTTP status {status}"),
            }));
        }
        if (300..400).contains(&status) {
            // Credentials are never re-sent to where a redirect points; the Location is not
            // quoted either (it may carry anything).
            return Err(AttemptError::fatal(AuthError::HttpStatus {
                status,
                message: format!(
                    "{where_to} answered with a redirect, which authwire never follows; configure the final URL"
                ),
            }));
        }
        if response.body.len() > self.max_body {
            return Err(AttemptError::fatal(AuthError::InvalidResponse {
                reason: format!(
                    "the response body exceeds the limit of {} bytes",
                    self.max_body
                ),
            }));
        }
        Ok(Response {
            status,
            headers: response
                .headers
                .into_iter()
                .map(|h| (h.name.to_ascii_lowercase(), h.value))
                .collect(),
            body: response.body,
        })
    }
}

#[cfg(feature = "reqwest-transport")]
fn default_transport(
    options: &TransportSettings,
    url: Option<&Endpoint>,
) -> Result<Arc<dyn HttpTransport>> {
    Ok(super::reqwest_transport::ReqwestTransport::shared(
        options,
        url.is_some_and(Endpoint::is_loopback),
    )?)
}

#[cfg(not(feature = "reqwest-transport"))]
fn default_transport(
    _options: &TransportSettings,
    _url: Option<&Endpoint>,
) -> Result<Arc<dyn HttpTransport>> {
    Err(AuthError::invalid_configuration(
        "this build of authwire has no built-in HTTP client (it was built without the \
         reqwest-transport feature): give a transport in TokenOptions.transport \
         (OkHttpTransport on Android, URLSessionTransport on Apple platforms)",
    ))
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
}
