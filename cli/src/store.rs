//! `--store`: where token managers of several processes share their token.

use std::sync::Arc;

use authwire::{FileStore, RedisStore, RedisStoreOptions, TokenOptions, TokenStore};

use crate::error::{CliError, CliResult};

/// The help text of every `--store` flag.
pub const STORE_HELP: &str = "Share the token with other processes through a token store: \
file:PATH (one host; a local file, created mode 0600) or redis://[user:password@]host[:port][/db] \
(rediss:// for TLS; many hosts). Every process with the same credential and store sends one \
token request per lifetime; the store never holds the credential or a token in clear";

/// Opens the store that `spec` names.
///
/// # Errors
/// A usage error for an unknown form, an invalid-configuration error for a store that
/// cannot be used (a missing directory, a network filesystem, a bad Redis URL).
pub fn open(spec: &str) -> CliResult<Arc<dyn TokenStore>> {
    let opened = if let Some(path) = spec.strip_prefix("file:") {
        if path.is_empty() {
            return Err(CliError::usage(
                "--store file: needs a path, e.g. file:/run/app/tokens",
            ));
        }
        FileStore::new(path).map(|store| Arc::new(store) as Arc<dyn TokenStore>)
    } else if spec.starts_with("redis://") || spec.starts_with("rediss://") {
        RedisStore::new(spec, RedisStoreOptions::default())
            .map(|store| Arc::new(store) as Arc<dyn TokenStore>)
    } else {
        return Err(CliError::usage(
            "--store takes file:PATH, redis://host[:port] or rediss://host[:port]",
        ));
    };
    opened.map_err(|error| CliError::invalid(error.to_string()))
}

/// Token options with the store `spec` names, or `None` (the defaults) without one.
///
/// # Errors
/// As [`open`].
pub fn options(spec: Option<&str>) -> CliResult<Option<TokenOptions>> {
    let Some(spec) = spec else {
        return Ok(None);
    };
    Ok(Some(TokenOptions::default().store(open(spec)?)))
}
