//! Reading secrets from an environment variable, a file, standard input, or (only when asked
//! for explicitly) the command line.
//!
//! Every secret has four flags, e.g. for the Basic password `--password-env NAME`,
//! `--password-file PATH`, `--password-stdin` and `--password-arg VALUE`; at most one may be
//! given. Without any of them the secret is read from its default environment variable
//! (`AUTHWIRE_PASSWORD` for the password).

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use zeroize::Zeroizing;

use crate::error::{CliError, CliResult};

/// A secret value, wiped from memory when dropped.
pub type SecretString = Zeroizing<String>;

/// Where one secret comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    /// An environment variable; `explicit` when named with `--*-env` rather than defaulted.
    Env {
        /// The variable's name.
        name: String,
        /// Whether the user named the variable (then it must be set).
        explicit: bool,
    },
    /// A file; one trailing line ending is removed.
    File(PathBuf),
    /// Standard input, read to its end; one trailing line ending is removed.
    Stdin,
    /// The command line itself (visible to other users in `ps` and kept in shell history).
    Arg(String),
}

/// How a secret's flags are named, for messages.
#[derive(Debug, Clone, Copy)]
pub struct SecretNames {
    /// What the secret is, e.g. "password".
    pub what: &'static str,
    /// The flag prefix, e.g. "password" for `--password-env` and friends.
    pub flag: &'static str,
    /// The default environment variable, e.g. `AUTHWIRE_PASSWORD`.
    pub default_env: &'static str,
}

static STDIN_TAKEN: AtomicBool = AtomicBool::new(false);

impl SecretSource {
    /// Reads a secret that must be given.
    ///
    /// # Errors
    /// A usage error (exit 2) when no source supplied it; an invalid-input error (exit 3)
    /// when the file or standard input cannot be read or is not UTF-8.
    pub fn read_required(&self, names: SecretNames) -> CliResult<SecretString> {
        self.read_optional(names)?.ok_or_else(|| {
            CliError::usage(format!(
                "no {what} given: set the environment variable {env}, or use --{flag}-file PATH, --{flag}-stdin or --{flag}-arg VALUE",
                what = names.what,
                env = names.default_env,
                flag = names.flag,
            ))
        })
    }

    /// Reads a secret that may be left out: `None` when it comes from its default
    /// environment variable and that is not set.
    ///
    /// # Errors
    /// A usage error (exit 2) when an explicitly named variable is not set or standard input
    /// was already used for another secret; an invalid-input error (exit 3) when the file or
    /// standard input cannot be read or is not UTF-8.
    pub fn read_optional(&self, names: SecretNames) -> CliResult<Option<SecretString>> {
        match self {
            SecretSource::Env { name, explicit } => match std::env::var(name) {
                Ok(value) => Ok(Some(Zeroizing::new(value))),
                Err(std::env::VarError::NotPresent) if !explicit => Ok(None),
                Err(std::env::VarError::NotPresent) => Err(CliError::usage(format!(
                    "the environment variable {name} (named by --{}-env for the {}) is not set",
                    names.flag, names.what
                ))),
                Err(std::env::VarError::NotUnicode(_)) => Err(CliError::invalid(format!(
                    "the environment variable {name} (the {}) is not valid UTF-8",
                    names.what
                ))),
            },
            SecretSource::File(path) => read_secret_file(path, names.what).map(Some),
            SecretSource::Stdin => read_secret_stdin(names.what).map(Some),
            SecretSource::Arg(value) => Ok(Some(Zeroizing::new(value.clone()))),
        }
    }
}

/// Reads a whole file holding a secret, removing one trailing line ending.
///
/// # Errors
/// Invalid input (exit 3) when the file cannot be read or is not UTF-8.
pub fn read_secret_file(path: &Path, what: &str) -> CliResult<SecretString> {
    let bytes = Zeroizing::new(std::fs::read(path).map_err(|err| {
        CliError::invalid(format!(
            "cannot read the {what} file {}: {}",
            path.display(),
            io_reason(&err)
        ))
    })?);
    let text = std::str::from_utf8(&bytes).map_err(|_| {
        CliError::invalid(format!(
            "the {what} file {} is not valid UTF-8",
            path.display()
        ))
    })?;
    Ok(Zeroizing::new(strip_line_ending(text).to_owned()))
}

/// Reads standard input to its end for one secret, removing one trailing line ending.
///
/// # Errors
/// A usage error (exit 2) when standard input was already used for another secret;
/// invalid input (exit 3) when it cannot be read or is not UTF-8.
pub fn read_secret_stdin(what: &str) -> CliResult<SecretString> {
    take_stdin(what)?;
    let mut bytes = Zeroizing::new(Vec::new());
    std::io::stdin().read_to_end(&mut bytes).map_err(|err| {
        CliError::invalid(format!(
            "cannot read the {what} from standard input: {}",
            io_reason(&err)
        ))
    })?;
    let text = std::str::from_utf8(&bytes).map_err(|_| {
        CliError::invalid(format!("the {what} on standard input is not valid UTF-8"))
    })?;
    Ok(Zeroizing::new(strip_line_ending(text).to_owned()))
}

/// Claims standard input for one secret; a second claim is a usage error.
fn take_stdin(what: &str) -> CliResult<()> {
    if STDIN_TAKEN.swap(true, Ordering::SeqCst) {
        return Err(CliError::usage(format!(
            "standard input can supply only one secret, and it is already used; read the {what} from a file or an environment variable"
        )));
    }
    Ok(())
}

/// Removes one trailing `\n` or `\r\n`: files and `echo` end their line, the secret does not.
fn strip_line_ending(text: &str) -> &str {
    text.strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(text)
}

/// An I/O error's reason without the OS's (possibly localised) decoration.
fn io_reason(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => err.to_string(),
    }
}

/// Defines a clap argument group for one secret: `--<flag>-env NAME`, `--<flag>-file PATH`,
/// `--<flag>-stdin`, `--<flag>-arg VALUE`, at most one of them.
macro_rules! secret_args {
    (
        $(#[$meta:meta])*
        $name:ident {
            what: $what:literal,
            flag: $flag:literal,
            default_env: $default_env:literal,
        }
    ) => {
        $(#[$meta])*
        #[derive(clap::Args, Debug, Clone, Default)]
        #[group(id = concat!($flag, "-source"), multiple = false)]
        pub struct $name {
            /// The environment variable to read it from.
            #[arg(
                id = concat!($flag, "-env"),
                long = concat!($flag, "-env"),
                value_name = "NAME",
                help = concat!("Read the ", $what, " from environment variable NAME [default: ", $default_env, "]")
            )]
            pub env: Option<String>,
            /// The file to read it from.
            #[arg(
                id = concat!($flag, "-file"),
                long = concat!($flag, "-file"),
                value_name = "PATH",
                help = concat!("Read the ", $what, " from a file (one trailing newline is removed)")
            )]
            pub file: Option<std::path::PathBuf>,
            /// Read it from standard input.
            #[arg(
                id = concat!($flag, "-stdin"),
                long = concat!($flag, "-stdin"),
                help = concat!("Read the ", $what, " from standard input (one trailing newline is removed)")
            )]
            pub stdin: bool,
            /// The value itself, on the command line.
            #[arg(
                id = concat!($flag, "-arg"),
                long = concat!($flag, "-arg"),
                value_name = "VALUE",
                help = concat!("Take the ", $what, " from the command line (UNSAFE: visible to every user in `ps` and kept in shell history)")
            )]
            pub arg: Option<String>,
        }

        impl $name {
            /// The names used in messages about this secret.
            pub const NAMES: $crate::secret::SecretNames = $crate::secret::SecretNames {
                what: $what,
                flag: $flag,
                default_env: $default_env,
            };

            /// Where the secret comes from, per the flags given.
            pub fn source(&self) -> $crate::secret::SecretSource {
                use $crate::secret::SecretSource;
                if let Some(path) = &self.file {
                    SecretSource::File(path.clone())
                } else if self.stdin {
                    SecretSource::Stdin
                } else if let Some(value) = &self.arg {
                    SecretSource::Arg(value.clone())
                } else if let Some(name) = &self.env {
                    SecretSource::Env { name: name.clone(), explicit: true }
                } else {
                    SecretSource::Env { name: $default_env.to_owned(), explicit: false }
                }
            }

            /// Reads the secret, which must be given.
            ///
            /// # Errors
            /// See [`SecretSource::read_required`]($crate::secret::SecretSource::read_required).
            #[allow(dead_code, reason = "each secret uses one of the two")]
            pub fn read_required(&self) -> $crate::error::CliResult<$crate::secret::SecretString> {
                self.source().read_required(Self::NAMES)
            }

            /// Reads the secret, which may be left out.
            ///
            /// # Errors
            /// See [`SecretSource::read_optional`]($crate::secret::SecretSource::read_optional).
            #[allow(dead_code, reason = "each secret uses one of the two")]
            pub fn read_optional(&self) -> $crate::error::CliResult<Option<$crate::secret::SecretString>> {
                self.source().read_optional(Self::NAMES)
            }
        }
    };
}

pub(crate) use secret_args;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_ending_is_removed() {
        assert_eq!(strip_line_ending("abc\n"), "abc");
        assert_eq!(strip_line_ending("abc\r\n"), "abc");
        assert_eq!(strip_line_ending("abc\n\n"), "abc\n");
        assert_eq!(strip_line_ending("abc"), "abc");
    }
}
