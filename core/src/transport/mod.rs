//! How token requests reach the network: the [`HttpTransport`] seam, its records, the default
//! reqwest implementation, and the one policy wrapper every transport passes through.
//!
//! A host app can send token requests through its own HTTP stack (OkHttp, URLSession, httpx),
//! so that its proxies, VPN, certificate pinning and network security policies apply. It gives
//! an implementation per manager, in [`TokenOptions::transport`](crate::TokenOptions) (async,
//! for Kotlin, Swift and Rust) or [`TokenOptions::blocking_transport`](crate::TokenOptions)
//! (blocking, for Python). Without one, the core uses its own reqwest + rustls client, which
//! is compiled in with the default `reqwest-transport` cargo feature only.
//!
//! Whatever the transport, the core keeps the policy (see `guard.rs`): its own timeout
//! around every call, the body limit checked on the returned body, HTTPS only (loopback
//! excepted), redirects treated as errors, and retries, `Retry-After`, single flight and the
//! scrubbing of secrets from every message.

mod guard;
#[cfg(feature = "reqwest-transport")]
mod reqwest_transport;

use std::fmt;

use crate::error::NetworkErrorKind;

pub(crate) use guard::{Guarded, check_url};

use std::sync::Arc;
use std::time::Duration;

/// What the policy wrapper and the built-in client take from a manager's options (the
/// engine builds it from `TokenOptions`, so that nothing here reaches back into the engine).
#[derive(Clone)]
pub(crate) struct TransportSettings {
    /// The host's async transport, if it gave one.
    pub(crate) transport: Option<Arc<dyn HttpTransport>>,
    /// The host's blocking transport, if it gave one.
    pub(crate) blocking_transport: Option<Arc<dyn BlockingHttpTransport>>,
    /// Time allowed to open a connection (built-in client).
    #[cfg_attr(not(feature = "reqwest-transport"), allow(dead_code))]
    pub(crate) connect_timeout: Duration,
    /// Time allowed for one whole request, connect to last byte.
    pub(crate) request_timeout: Duration,
    /// The largest body accepted.
    pub(crate) max_body_bytes: u64,
}

/// One HTTP header, as sent or received. Names are compared case-insensitively.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct HttpHeader {
    /// The header name, e.g. `content-type`.
    pub name: String,
    /// The header value. In a request it may be a credential (`Authorization`).
    pub value: String,
}

impl fmt::Debug for HttpHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.name, crate::REDACTED)
    }
}

/// A token request for a transport to send, exactly as given: same method, URL, headers and
/// body. It carries credentials (in a header or the body): never log or print it
/// (its `Debug` form shows the method and URL only).
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct HttpRequest {
    /// `GET`, `HEAD` or `POST`.
    pub method: String,
    /// The absolute URL: `https://`, or `http://` to loopback.
    pub url: String,
    /// The request headers, in order. Send them as given; a transport may add its own
    /// (`User-Agent`, `Accept-Encoding`) but must not drop these.
    pub headers: Vec<HttpHeader>,
    /// The request body, if any (JSON or form-urlencoded, as the headers say).
    pub body: Option<Vec<u8>>,
    /// The core gives up on this request after this many milliseconds (and may cancel it).
    /// A transport should use it as its own per-call timeout so that it frees its resources.
    pub timeout_ms: u64,
    /// The core rejects a response body longer than this. A transport may stop reading
    /// after `max_body_bytes + 1` bytes and return what it read.
    pub max_body_bytes: u64,
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &self.headers)
            .field("body", &self.body.as_ref().map(|_| crate::REDACTED))
            .finish_non_exhaustive()
    }
}

/// What the server answered. Return every status as it is, 4xx, 5xx and 3xx included: the
/// core decides what each means. **Do not follow redirects**: the core treats a 3xx as an
/// error, so that credentials are never re-sent to another place.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HttpResponse {
    /// The HTTP status code.
    pub status: u16,
    /// The response headers; a header received several times (`Set-Cookie`) appears once per
    /// value.
    pub headers: Vec<HttpHeader>,
    /// The response body (empty for `HEAD`), decompressed if the transport negotiated
    /// compression.
    pub body: Vec<u8>,
}

/// Why a transport could not produce a response.
///
/// Throw (raise) it from a foreign transport, preferably as
/// [`Classified`](Self::Classified) with the [`NetworkErrorKind`] that happened: the core
/// retries only the kinds that can recover ([`NetworkErrorKind::is_retried`]), and the
/// caller gets [`AuthError::Network`](crate::AuthError::Network) with that kind and a
/// sentence that says what to do. [`Network`](Self::Network) (no kind) and any other
/// exception (which reaches the core as [`Unexpected`](Self::Unexpected)) count as
/// [`NetworkErrorKind::Other`] and are retried. Reasons are kept in error messages after the
/// core removes every secret it holds, then the request's full URL (replaced by its origin) and
/// its query, cut to one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
#[uniffi::export(Display)]
#[non_exhaustive]
pub enum HttpTransportError {
    /// The request could not be completed, for a reason the transport did not classify.
    /// Counts as [`NetworkErrorKind::Other`]: retried.
    #[error("{reason}")]
    Network {
        /// What failed, e.g. `could not connect to https://auth.example.com`.
        reason: String,
    },
    /// The request could not be completed, and the transport knows why: `kind` decides
    /// whether the core retries, `reason` (the HTTP client's own words, e.g. the exception's
    /// message) is added to the caller's message.
    #[error("{reason}")]
    Classified {
        /// What kind of failure it was.
        kind: NetworkErrorKind,
        /// The HTTP client's own description of the failure.
        reason: String,
    },
    /// The transport failed in a way it did not describe (in Kotlin, Swift or Python, an
    /// exception of another type). Counts as [`NetworkErrorKind::Other`]: retried.
    #[error("the HTTP transport failed unexpectedly: {reason}")]
    Unexpected {
        /// The exception as text.
        reason: String,
    },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for HttpTransportError {
    fn from(error: uniffi::UnexpectedUniFFICallbackError) -> Self {
        Self::Unexpected {
            reason: error.reason,
        }
    }
}

/// Sends token requests through the host's HTTP stack, without blocking a thread. Implement
/// it in Kotlin (`OkHttpTransport`), Swift (`URLSessionTransport`) or Rust, and give it to a
/// manager in [`TokenOptions::transport`](crate::TokenOptions).
///
/// Contract: send the request as given; return every status as a response (never an error);
/// **do not follow redirects**; stop when the core drops the call (it cancels after
/// `timeout_ms`). Network failures are [`HttpTransportError::Network`].
#[uniffi::export(with_foreign)]
#[async_trait::async_trait]
pub trait HttpTransport: Send + Sync {
    /// Sends one request and returns the server's answer, body read in full.
    ///
    /// # Errors
    /// [`HttpTransportError`] when no response could be obtained.
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, HttpTransportError>;
}

/// The same contract as [`HttpTransport`], for hosts whose HTTP client blocks (Python's
/// httpx or requests). The core calls it on a thread of its own blocking pool, so it may
/// block; it should honour `timeout_ms` itself, because a blocked call cannot be cancelled
/// (the caller still gets its error when the core's timeout fires).
///
/// Python uses this form because uniffi 0.32 can call an async Python method only from a
/// thread with a running asyncio loop, and the core calls transports from its own threads.
#[uniffi::export(with_foreign)]
pub trait BlockingHttpTransport: Send + Sync {
    /// Sends one request and returns the server's answer, body read in full.
    ///
    /// # Errors
    /// [`HttpTransportError`] when no response could be obtained.
    fn send(&self, request: HttpRequest) -> Result<HttpResponse, HttpTransportError>;
}
