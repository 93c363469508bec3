//! The one public error type, [`AuthError`].
//!
//! Each variant says what went wrong and what the caller should do about it. Messages never
//! contain a secret: input checks describe *where* a value is wrong, not the value, and text
//! that comes from a server is scrubbed of every secret the core holds before it is kept.

/// Everything that can go wrong in authwire, grouped by what the caller should do next.
///
/// In Python every variant is a subclass of `authwire.AuthError` and `str(error)` is the
/// sentence below; in Kotlin it is a sealed exception hierarchy; in Swift an `Error` enum.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
#[uniffi::export(Display)]
#[non_exhaustive]
pub enum AuthError {
    /// A value given to a header builder or parser cannot be used as it is (a `:` in a Basic
    /// user-id, a control character, a malformed token). Fix the value; retrying cannot help.
    #[error("invalid input: {reason}")]
    InvalidInput {
        /// Which value is wrong and why, without the value itself.
        reason: String,
    },
    /// The configuration (an API-key file, a URL, an option) is unusable. Fix it; retrying
    /// cannot help.
    #[error("invalid configuration: {reason}")]
    InvalidConfiguration {
        /// What is wrong with the configuration.
        reason: String,
    },
    /// The token server could not be reached, or did not answer in time. `kind` says what
    /// failed and whether authwire retried it ([`NetworkErrorKind::is_retried`]); the
    /// sentence names the host and says what to do. Never contains a credential.
    #[error("network error: {reason}")]
    Network {
        /// What failed, as a typed kind to branch on without reading the text.
        kind: NetworkErrorKind,
        /// What failed and what to do, naming the host, without any credential.
        reason: String,
    },
    /// The server rejected the credentials (HTTP 401 or 403). Check the credentials or the
    /// account; retrying with the same credentials will fail again.
    #[error("unauthorized (HTTP {status}): {message}; check the credentials")]
    Unauthorized {
        /// The HTTP status code.
        status: u16,
        /// The server's message, if it sent one.
        message: String,
    },
    /// The OAuth2 token endpoint answered with an RFC 6749 §5.2 error such as
    /// `invalid_client` or `invalid_scope`. Fix the client registration or request.
    #[error("OAuth2 error {error} (HTTP {status}): {description}")]
    OAuth {
        /// The HTTP status code.
        status: u16,
        /// The RFC 6749 `error` code, e.g. `invalid_client`.
        error: String,
        /// The server's `error_description`, or an empty string.
        description: String,
    },
    /// The server asked us to slow down (HTTP 429) and retries ran out. Retry after the delay.
    #[error("rate limited (HTTP 429){}; retry later", retry_after_hint(*.retry_after_ms))]
    RateLimited {
        /// The server's `Retry-After`, in milliseconds, if it sent one.
        retry_after_ms: Option<u64>,
    },
    /// The server failed (HTTP 5xx or 408) and retries ran out. Retry later.
    #[error("server error (HTTP {status}): {message}; retry later")]
    Server {
        /// The HTTP status code.
        status: u16,
        /// The server's message, if it sent one.
        message: String,
    },
    /// The server answered with an unexpected HTTP status (another 4xx). Check the URL and
    /// the request configuration.
    #[error("unexpected HTTP status {status}: {message}")]
    HttpStatus {
        /// The HTTP status code.
        status: u16,
        /// The server's message, if it sent one.
        message: String,
    },
    /// The server's answer could not be understood (malformed JSON, a missing token field,
    /// a body over the size limit). Check the token URL and the response configuration.
    #[error("invalid response from the server: {reason}")]
    InvalidResponse {
        /// What was wrong with the response, without the token.
        reason: String,
    },
    /// The user session is over: the server refused its refresh token (`invalid_grant`:
    /// revoked, expired, or reused), the user signed out (in this process or another), or no
    /// session is stored. Retrying cannot help: show the sign-in. Never caused by a network
    /// failure, a 5xx or a 429, which keep the session.
    #[error("sign-in required: {reason}")]
    SignInRequired {
        /// Why the session ended, without any token.
        reason: String,
    },
    /// The operation was cancelled by the caller (e.g. `DeviceAuthorizationFlow::cancel`).
    #[error("cancelled: {reason}")]
    Cancelled {
        /// What was cancelled.
        reason: String,
    },
    /// Tokens were invalidated and refreshed too often in a short window: the API keeps
    /// rejecting fresh tokens. Check that the token is accepted by the API you call.
    #[error(
        "refresh loop: {refreshes} refreshes within {window_ms} ms; the API keeps rejecting new tokens"
    )]
    RefreshLoop {
        /// Refreshes seen in the window.
        refreshes: u32,
        /// The window length in milliseconds.
        window_ms: u64,
    },
}

/// What kind of network failure an [`AuthError::Network`] is. Code can branch on it (show a
/// "check your network" banner for [`ConnectionRefused`](Self::ConnectionRefused), a
/// configuration error for [`CertificateUntrusted`](Self::CertificateUntrusted)) without
/// reading the message. Each variant's documentation says whether authwire retries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
#[non_exhaustive]
pub enum NetworkErrorKind {
    /// The host name does not exist (the resolver's permanent answer, e.g. a typo or the
    /// `.invalid` domain). Not retried: check the URL.
    NameNotResolved,
    /// The resolver failed for now (no DNS server reachable, a timeout). Retried.
    NameResolutionTemporary,
    /// Nothing accepted the connection: refused, or the host or network is unreachable.
    /// Retried.
    ConnectionRefused,
    /// The connection could not be opened in time. Retried.
    ConnectTimeout,
    /// The server did not answer in time, after the connection was opened (or the whole
    /// request ran over the manager's `request_timeout_ms`). Retried.
    ReadTimeout,
    /// The connection was reset or closed before the answer was complete. Retried.
    ConnectionReset,
    /// The server's TLS certificate is not trusted: its issuer is unknown (a private CA, a
    /// TLS-inspecting proxy) or its signature does not verify. Not retried: add the CA to
    /// the trust store.
    CertificateUntrusted,
    /// The server's TLS certificate has expired or is not yet valid. Not retried: check the
    /// device's clock, or the server must renew its certificate.
    CertificateExpired,
    /// The server's TLS certificate was issued for another name. Not retried: check the host
    /// in the URL.
    CertificateWrongName,
    /// The server's TLS certificate has been revoked. Not retried.
    CertificateRevoked,
    /// Another TLS handshake failure (no common protocol version or cipher, a server that
    /// does not speak TLS on that port). Not retried.
    TlsHandshake,
    /// The HTTP proxy refused or failed the connection. Retried.
    Proxy,
    /// Any other failure, including a transport error that gave no kind. Retried.
    Other,
}

impl NetworkErrorKind {
    /// Whether authwire retries an attempt that failed this way (with backoff, within the
    /// manager's attempt and time budget). A failure that cannot recover by waiting (a name
    /// that does not exist, every certificate and handshake failure) fails at once.
    #[must_use]
    pub fn is_retried(self) -> bool {
        !matches!(
            self,
            Self::NameNotResolved
                | Self::CertificateUntrusted
                | Self::CertificateExpired
                | Self::CertificateWrongName
                | Self::CertificateRevoked
                | Self::TlsHandshake
        )
    }

    /// The sentence of an [`AuthError::Network`] of this kind: what failed at `origin`
    /// (`https://host[:port]`), the transport's own `detail` when it adds something, and what
    /// to do.
    pub(crate) fn sentence(self, origin: &str, detail: &str) -> String {
        let host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
        let what = match self {
            Self::NameNotResolved => format!("{host} did not resolve (no such host name)"),
            Self::NameResolutionTemporary => {
                format!("{host} could not be resolved (the DNS resolver failed)")
            }
            Self::ConnectionRefused => {
                format!("could not connect to {origin} (refused or unreachable)")
            }
            Self::ConnectTimeout => format!("could not connect to {origin} in time"),
            Self::ReadTimeout => format!("{origin} did not answer in time"),
            Self::ConnectionReset => {
                format!("the connection to {origin} was reset before the answer was complete")
            }
            Self::CertificateUntrusted => {
                format!("the TLS certificate of {host} is not trusted (unknown issuer)")
            }
            Self::CertificateExpired => {
                format!("the TLS certificate of {host} has expired or is not yet valid")
            }
            Self::CertificateWrongName => {
                format!("the TLS certificate of {host} was issued for another name")
            }
            Self::CertificateRevoked => format!("the TLS certificate of {host} has been revoked"),
            Self::TlsHandshake => format!("the TLS handshake with {host} failed"),
            Self::Proxy => format!("the proxy failed the request to {origin}"),
            Self::Other => format!("the request to {origin} failed"),
        };
        let hint = match self {
            Self::NameNotResolved => "check the URL",
            Self::NameResolutionTemporary => "check the network and DNS settings; retry later",
            Self::ConnectionRefused => {
                "check that the server is up and the port is right; retry later"
            }
            Self::ConnectTimeout => "check the network, firewall or proxy; retry later",
            Self::ReadTimeout | Self::ConnectionReset | Self::Other => "retry later",
            Self::CertificateUntrusted => {
                "add your organisation's CA to the system trust store or set SSL_CERT_FILE \
                 (or to your HTTP client's trust settings when you give a transport)"
            }
            Self::CertificateExpired => {
                "check this device's date and time; otherwise the server must renew its certificate"
            }
            Self::CertificateWrongName => {
                "check the host name in the URL (a TLS-inspecting proxy can also cause this)"
            }
            Self::CertificateRevoked => "the server must replace its certificate",
            Self::TlsHandshake => {
                "check that the URL points to an HTTPS endpoint and that the server accepts TLS 1.2 or 1.3"
            }
            Self::Proxy => "check the proxy settings (HTTPS_PROXY, NO_PROXY); retry later",
        };
        let detail = detail.trim();
        if detail.is_empty() || what.contains(detail) {
            format!("{what}: {hint}")
        } else {
            format!("{what} ({detail}): {hint}")
        }
    }
}

/// Whether authwire retries a network failure of this `kind`: the same as
/// [`NetworkErrorKind::is_retried`], for the generated bindings (each language's layer also
/// offers it on the kind itself).
#[uniffi::export]
#[must_use]
pub fn network_error_is_retried(kind: NetworkErrorKind) -> bool {
    kind.is_retried()
}

fn retry_after_hint(retry_after_ms: Option<u64>) -> String {
    match retry_after_ms {
        Some(ms) => format!(", retry after {ms} ms"),
        None => String::new(),
    }
}

impl AuthError {
    pub(crate) fn invalid_input(reason: impl Into<String>) -> Self {
        Self::InvalidInput {
            reason: reason.into(),
        }
    }

    /// A network failure of `kind` at `origin`, with its sentence.
    pub(crate) fn network(kind: NetworkErrorKind, origin: &str, detail: &str) -> Self {
        Self::Network {
            kind,
            reason: kind.sentence(origin, detail),
        }
    }

    /// The kind of a [`AuthError::Network`], `None` for every other variant.
    #[must_use]
    pub fn network_kind(&self) -> Option<NetworkErrorKind> {
        match self {
            Self::Network { kind, .. } => Some(*kind),
            _ => None,
        }
    }

    /// The server's own text, for the variants that carry one
    /// ([`Unauthorized`](Self::Unauthorized), [`Server`](Self::Server),
    /// [`HttpStatus`](Self::HttpStatus), and the `error_description` of
    /// [`OAuth`](Self::OAuth)); `None` for every other variant. The text is already scrubbed
    /// of every secret authwire holds. For the whole sentence, use `to_string()`.
    #[must_use]
    pub fn server_message(&self) -> Option<&str> {
        match self {
            Self::Unauthorized { message, .. }
            | Self::Server { message, .. }
            | Self::HttpStatus { message, .. } => Some(message),
            Self::OAuth { description, .. } => Some(description),
            _ => None,
        }
    }

    /// The HTTP status of the server's answer, for the variants that come from one; `None`
    /// for every other variant (a [`RateLimited`](Self::RateLimited) error is always 429).
    #[must_use]
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Unauthorized { status, .. }
            | Self::OAuth { status, .. }
            | Self::Server { status, .. }
            | Self::HttpStatus { status, .. } => Some(*status),
            Self::RateLimited { .. } => Some(429),
            _ => None,
        }
    }

    /// How long the server asked to wait (its `Retry-After`) for a
    /// [`RateLimited`](Self::RateLimited) error that carried one; `None` otherwise.
    #[must_use]
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        match self {
            Self::RateLimited { retry_after_ms } => {
                retry_after_ms.map(std::time::Duration::from_millis)
            }
            _ => None,
        }
    }

    pub(crate) fn invalid_configuration(reason: impl Into<String>) -> Self {
        Self::InvalidConfiguration {
            reason: reason.into(),
        }
    }
}

/// The `Result` type of every fallible authwire call.
pub type Result<T, E = AuthError> = std::result::Result<T, E>;
