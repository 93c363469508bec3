//! The CLI's error type and exit codes.

use std::fmt;

use authwire::{AuthError, NetworkErrorKind};

/// Exit code for a command line that cannot be used as given (clap's own code too).
pub const EXIT_USAGE: i32 = 2;
/// Exit code for a value, file or configuration that cannot be used (fix it; retrying
/// cannot help).
pub const EXIT_INVALID: i32 = 3;
/// Exit code for a failure talking to a server: rejected credentials, network, server errors.
pub const EXIT_REMOTE: i32 = 4;
/// Exit code of `exec` when the command cannot be found (as in a POSIX shell).
pub const EXIT_NOT_FOUND: i32 = 127;
/// Exit code of `exec` when the command was found but cannot be run (as in a POSIX shell).
pub const EXIT_NOT_EXECUTABLE: i32 = 126;
/// Exit code of `demo` when its check failed (an expired token reached the resource, or no
/// call was served).
pub const EXIT_DEMO_FAILED: i32 = 1;

/// An error to print on stderr, with the exit code it ends the process with. The message
/// never contains a secret.
#[derive(Debug)]
pub struct CliError {
    /// The process exit code.
    pub code: i32,
    /// One readable sentence (more lines may follow with hints).
    pub message: String,
}

impl CliError {
    /// A usage error (exit code 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            code: EXIT_USAGE,
            message: message.into(),
        }
    }

    /// An invalid input or configuration error (exit code 3).
    pub fn invalid(message: impl Into<String>) -> Self {
        Self {
            code: EXIT_INVALID,
            message: message.into(),
        }
    }

    /// An error with an explicit exit code.
    pub fn with_code(code: i32, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}

/// The exit code for an [`AuthError`]: 3 for what the user must fix locally, 4 for what
/// happened on the way to or at the server.
pub fn auth_exit_code(error: &AuthError) -> i32 {
    match error {
        AuthError::InvalidInput { .. } | AuthError::InvalidConfiguration { .. } => EXIT_INVALID,
        // Network, Unauthorized, OAuth, RateLimited, Server, HttpStatus, InvalidResponse,
        // RefreshLoop, and whatever the core adds later: all happen at or on the way to a server.
        _ => EXIT_REMOTE,
    }
}

impl From<AuthError> for CliError {
    /// The error's sentence; for a network failure a second line names its kind and whether
    /// it was retried, e.g. `  kind: certificate-untrusted (not retried: retrying cannot help)`.
    fn from(error: AuthError) -> Self {
        let mut message = error.to_string();
        if let Some(kind) = error.network_kind() {
            let retried = if kind.is_retried() {
                "retried before giving up"
            } else {
                "not retried: retrying cannot help"
            };
            message.push_str(&format!("\n  kind: {} ({retried})", kind_name(kind)));
        }
        Self {
            code: auth_exit_code(&error),
            message,
        }
    }
}

/// The kebab-case name of a network failure kind, as the CLI prints it.
pub fn kind_name(kind: NetworkErrorKind) -> String {
    let mut name = String::new();
    for (i, c) in format!("{kind:?}").chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                name.push('-');
            }
            name.push(c.to_ascii_lowercase());
        } else {
            name.push(c);
        }
    }
    name
}

/// The CLI's `Result`.
pub type CliResult<T> = Result<T, CliError>;
