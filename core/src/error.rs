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
    /// The token server could not be reached, or did not answer in time. Retry later.
    #[error("network error: {reason}; retry later")]
    Network {
        /// What failed (connect, timeout, TLS), without any credential.
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

    pub(crate) fn invalid_configuration(reason: impl Into<String>) -> Self {
        Self::InvalidConfiguration {
            reason: reason.into(),
        }
    }
}

/// The `Result` type of every fallible authwire call.
pub type Result<T, E = AuthError> = std::result::Result<T, E>;
