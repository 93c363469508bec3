//! `authwire token`: runs a `TokenManager` and prints (or keeps printing) its header.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use authwire::{
    ApiKey, AuthEvent, AuthListener, ClientAuthMethod, CustomExchange, ExpiryFormat, TokenManager,
};
use clap::{Args, ValueEnum};
use serde::Deserialize;
use zeroize::Zeroizing;

use crate::error::{CliError, CliResult, EXIT_REMOTE};
use crate::output::{Then, ValueFlag, deliver_authorization, print_lines};
use crate::secret::{read_secret_file, read_secret_stdin, secret_args};

secret_args! {
    /// Where the OAuth2 client secret comes from.
    ClientSecretArgs {
        what: "client secret",
        flag: "client-secret",
        default_env: "AUTHWIRE_CLIENT_SECRET",
    }
}

/// Examples shown under `authwire token --help`.
pub const TOKEN_EXAMPLES: &str = r#"Token sources (exactly one):
  --api-key-file PATH | --api-key-stdin   XTD API key file ({"appClientId", "appClientSecret",
                                          "encodedKey"}); needs --token-url
  --client-id ID                          OAuth2 client credentials; needs --token-url; the
                                          secret comes from $AUTHWIRE_CLIENT_SECRET or a
                                          --client-secret-* flag
  --config FILE                           a custom JSON exchange described in JSON or TOML

Config file (TOML; the same keys work in JSON):
  url = "https://auth.example.com/api/token"      # or give --token-url
  request_body = '{"key": "${env:VENDOR_KEY}"}'   # JSON text, or a table / object
  token_field = "data.access"                     # dotted path into the response
  expiry_field = "data.expires"                   # optional
  expiry_format = "seconds_from_now"              # or epoch_seconds, epoch_milliseconds
  scheme = "Bearer"                               # optional, default Bearer
  [headers]                                       # optional extra request headers
  X-Tenant = "acme"
  `${env:NAME}` in request_body strings and header values is replaced by the
  environment variable NAME, so the file itself need not hold a secret.

Examples:
  authwire token --api-key-file xtd-key.json --token-url https://xtd.example.com/v1/token
      Authorization: Bearer eyJhbGciOi...
  AUTHWIRE_CLIENT_SECRET=s3cret authwire token --client-id my-app \
      --token-url https://auth.example.com/oauth/token --scope read --value
  authwire token --config vendor.toml --watch
      12:00:01 token refreshed: lifetime 300.0 s, next refresh in 267.4 s
  authwire token --api-key-file xtd-key.json --token-url https://xtd.example.com/v1/token \
      --store file:/run/myapp/tokens --value
      (every process with this store and key shares one token per lifetime)
  authwire token --api-key-file xtd-key.json --token-url https://xtd.example.com/v1/token \
      exec -- sh -c 'curl -sf -H "Authorization: $AUTHORIZATION" https://api.example.com/v1/items'

--watch prints one line per refresh on stdout (retries and failures on stderr) and
never the token, unless --show-token is given; it stops after --count refreshes or
on Ctrl-C. Plain http:// is accepted only for loopback addresses."#;

/// How the client authenticates to an OAuth2 token endpoint.
#[derive(ValueEnum, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ClientAuth {
    /// HTTP Basic over the percent-encoded client id and secret (client_secret_basic, the
    /// default; Keycloak, Okta, Auth0, Azure AD, Authlib, django-oauth-toolkit...)
    #[default]
    Basic,
    /// client_id and client_secret in the form body (client_secret_post)
    Post,
    /// HTTP Basic over the id and secret as they are, for servers that do not decode them
    /// (Doorkeeper, Cloud Foundry UAA)
    BasicUnencoded,
}

/// `authwire token`.
#[derive(Args, Debug, Clone)]
#[command(group(clap::ArgGroup::new("source").required(true).multiple(false)
    .args(["api_key_file", "api_key_stdin", "client_id", "config"])))]
pub struct TokenCmd {
    /// XTD: the downloaded API-key file (JSON with appClientId, appClientSecret, encodedKey)
    #[arg(long, value_name = "PATH", requires = "token_url")]
    pub api_key_file: Option<PathBuf>,
    /// XTD: read the API-key file's JSON from standard input
    #[arg(long, requires = "token_url")]
    pub api_key_stdin: bool,
    /// OAuth2 client credentials: the client id
    #[arg(long, value_name = "ID", requires = "token_url")]
    pub client_id: Option<String>,
    #[command(flatten)]
    client_secret: ClientSecretArgs,
    /// OAuth2: a scope to request (repeat the flag, or separate scopes with spaces)
    #[arg(long = "scope", value_name = "SCOPE")]
    pub scopes: Vec<String>,
    /// OAuth2: how the client authenticates to the token endpoint
    #[arg(long, value_enum, default_value_t = ClientAuth::Basic)]
    pub client_auth: ClientAuth,
    /// A custom exchange described in a JSON or TOML file (see below)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The token endpoint (https://, or http:// to a loopback address); overrides `url` of --config
    #[arg(long, value_name = "URL")]
    pub token_url: Option<String>,
    /// Keep the token fresh and print a line at each refresh (without the token)
    #[arg(long)]
    pub watch: bool,
    /// With --watch: stop after this many tokens were obtained (the first one included)
    #[arg(long, value_name = "N", requires = "watch")]
    pub count: Option<u64>,
    /// With --watch: add the full header to each refresh line
    #[arg(long, requires = "watch")]
    pub show_token: bool,
    #[arg(long, value_name = "SPEC", help = crate::store::STORE_HELP)]
    pub store: Option<String>,
    #[command(flatten)]
    output: ValueFlag,
    #[command(subcommand)]
    then: Option<Then>,
}

impl TokenCmd {
    /// Builds the manager, then prints its header, keeps watching it, or runs `exec`.
    ///
    /// # Errors
    /// Bad flags or files (2, 3), or the token request's failure (4).
    pub fn run(&self) -> CliResult<i32> {
        if self.watch && self.then.is_some() {
            return Err(CliError::usage(
                "--watch cannot be combined with exec: a command's environment cannot be refreshed",
            ));
        }
        let manager = self.build_manager()?;
        if self.watch {
            return watch(&manager, self.count, self.show_token);
        }
        let value = Zeroizing::new(manager.authorization()?);
        deliver_authorization(&value, &self.output, self.then.as_ref())
    }

    fn build_manager(&self) -> CliResult<TokenManager> {
        let options = || crate::store::options(self.store.as_deref());
        if let Some(path) = &self.api_key_file {
            let key = ApiKey::from_file(path)?;
            return Ok(TokenManager::api_key_exchange(
                self.url()?,
                &key,
                options()?,
            )?);
        }
        if self.api_key_stdin {
            let text = read_secret_stdin("API-key file")?;
            let key = ApiKey::from_json(&text)?;
            return Ok(TokenManager::api_key_exchange(
                self.url()?,
                &key,
                options()?,
            )?);
        }
        if let Some(client_id) = &self.client_id {
            let secret = self.client_secret.read_required()?;
            let scopes: Vec<&str> = self
                .scopes
                .iter()
                .flat_map(|s| s.split_whitespace())
                .collect();
            let method = match self.client_auth {
                ClientAuth::Basic => ClientAuthMethod::ClientSecretBasic,
                ClientAuth::Post => ClientAuthMethod::ClientSecretPost,
                ClientAuth::BasicUnencoded => ClientAuthMethod::ClientSecretBasicUnencoded,
            };
            return Ok(TokenManager::client_credentials_with_method(
                self.url()?,
                client_id,
                &secret,
                &scopes,
                method,
                options()?,
            )?);
        }
        if let Some(path) = &self.config {
            let config = ExchangeConfig::load(path)?;
            let url = match (&self.token_url, &config.url) {
                (Some(url), _) | (None, Some(url)) => url.clone(),
                (None, None) => {
                    return Err(CliError::invalid(format!(
                        "the config file {} has no \"url\" and no --token-url was given",
                        path.display()
                    )));
                }
            };
            let body = Zeroizing::new(config.request_body()?);
            let mut exchange = CustomExchange::default();
            if let Some(field) = &config.expiry_field {
                exchange = exchange.expiry_field(field);
            }
            if let Some(format) = config.expiry_format {
                exchange = exchange.expiry_format(format.into());
            }
            for (name, value) in config.headers()? {
                exchange = exchange.header(name, value);
            }
            if let Some(scheme) = &config.scheme {
                exchange = exchange.scheme(scheme);
            }
            return Ok(TokenManager::custom_exchange(
                &url,
                &body,
                &config.token_field,
                exchange,
                options()?,
            )?);
        }
        Err(CliError::usage(
            "give one token source: --api-key-file, --api-key-stdin, --client-id or --config",
        ))
    }

    fn url(&self) -> CliResult<&str> {
        self.token_url
            .as_deref()
            .ok_or_else(|| CliError::usage("--token-url is required for this token source"))
    }
}

/// The expiry format as written in a config file.
#[derive(Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ExpiryFormatConfig {
    /// Seconds from now (OAuth2 `expires_in`).
    SecondsFromNow,
    /// Seconds since the Unix epoch (JWT `exp`).
    EpochSeconds,
    /// Milliseconds since the Unix epoch.
    EpochMilliseconds,
}

impl From<ExpiryFormatConfig> for ExpiryFormat {
    fn from(format: ExpiryFormatConfig) -> Self {
        match format {
            ExpiryFormatConfig::SecondsFromNow => ExpiryFormat::SecondsFromNow,
            ExpiryFormatConfig::EpochSeconds => ExpiryFormat::EpochSeconds,
            ExpiryFormatConfig::EpochMilliseconds => ExpiryFormat::EpochMilliseconds,
        }
    }
}

/// A custom token exchange, as read from `--config FILE`.
#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct ExchangeConfig {
    /// The token endpoint (may be left out when `--token-url` is given).
    pub url: Option<String>,
    /// The request body: JSON text, or a JSON object / TOML table.
    pub request_body: serde_json::Value,
    /// The dotted path of the token in the response.
    pub token_field: String,
    /// The dotted path of the expiry in the response.
    pub expiry_field: Option<String>,
    /// What the expiry field means.
    pub expiry_format: Option<ExpiryFormatConfig>,
    /// Extra request headers.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// The scheme of the header (default Bearer).
    pub scheme: Option<String>,
}

impl ExchangeConfig {
    /// Reads a config file: TOML for `.toml`, JSON for `.json`, otherwise JSON when the text
    /// starts with `{` and TOML if not.
    ///
    /// # Errors
    /// Invalid input (exit 3) when the file cannot be read or parsed. Messages give the
    /// position and the field, never a value from the file.
    pub fn load(path: &Path) -> CliResult<Self> {
        let text = read_secret_file(path, "config")?;
        let shown = path.display();
        let is_toml = match path.extension().and_then(|e| e.to_str()) {
            Some(ext) if ext.eq_ignore_ascii_case("toml") => true,
            Some(ext) if ext.eq_ignore_ascii_case("json") => false,
            _ => !text.trim_start().starts_with('{'),
        };
        let value: serde_json::Value = if is_toml {
            toml::from_str(&text).map_err(|err| {
                let line = err
                    .span()
                    .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1);
                CliError::invalid(format!(
                    "the config file {shown} is not valid TOML{}: {}",
                    line.map(|l| format!(" (line {l})")).unwrap_or_default(),
                    err.message().lines().next().unwrap_or("syntax error")
                ))
            })?
        } else {
            serde_json::from_str(&text).map_err(|err| {
                CliError::invalid(format!(
                    "the config file {shown} is not valid JSON (line {}, column {})",
                    err.line(),
                    err.column()
                ))
            })?
        };
        serde_json::from_value(value).map_err(|err| {
            CliError::invalid(format!(
                "the config file {shown} is not usable: {}",
                hide_values(&err.to_string())
            ))
        })
    }

    /// The request body as JSON text, with `${env:NAME}` replaced in its strings.
    ///
    /// # Errors
    /// Invalid input (exit 3) for a body string that is not JSON or an unset variable.
    pub fn request_body(&self) -> CliResult<String> {
        let mut body = match &self.request_body {
            serde_json::Value::String(text) => serde_json::from_str(text).map_err(|err| {
                CliError::invalid(format!(
                    "the config's request_body is not valid JSON text (line {}, column {})",
                    err.line(),
                    err.column()
                ))
            })?,
            other => other.clone(),
        };
        expand_json(&mut body)?;
        Ok(body.to_string())
    }

    /// The extra headers, with `${env:NAME}` replaced in their values.
    ///
    /// # Errors
    /// Invalid input (exit 3) for an unset variable.
    pub fn headers(&self) -> CliResult<HashMap<String, String>> {
        self.headers
            .iter()
            .map(|(name, value)| Ok((name.clone(), expand_env(value)?)))
            .collect()
    }
}

/// serde's "invalid type: string \"...\"" quotes the value, which may be a secret: keep
/// only what was expected.
fn hide_values(message: &str) -> String {
    if !message.contains('"') {
        return message.to_owned();
    }
    match message.split_once(", expected ") {
        Some((kind, expected)) => {
            let kind = kind.split(':').next().unwrap_or("invalid value");
            format!("{kind} (value not shown), expected {expected}")
        }
        None => "a value has the wrong type (value not shown)".to_owned(),
    }
}

fn expand_json(value: &mut serde_json::Value) -> CliResult<()> {
    match value {
        serde_json::Value::String(text) => *text = expand_env(text)?,
        serde_json::Value::Array(items) => items.iter_mut().try_for_each(expand_json)?,
        serde_json::Value::Object(map) => map.values_mut().try_for_each(expand_json)?,
        _ => {}
    }
    Ok(())
}

/// Replaces each `${env:NAME}` in `text` with the variable's value.
///
/// # Errors
/// Invalid input (exit 3) when a named variable is not set or the reference is not closed.
pub fn expand_env(text: &str) -> CliResult<String> {
    const OPEN: &str = "${env:";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(OPEN) {
        out.push_str(&rest[..at]);
        let after = &rest[at + OPEN.len()..];
        let end = after.find('}').ok_or_else(|| {
            CliError::invalid("the config has a `${env:` without its closing `}`")
        })?;
        let name = &after[..end];
        let value = std::env::var(name).map_err(|_| {
            CliError::invalid(format!(
                "the config refers to the environment variable {name:?}, which is not set"
            ))
        })?;
        out.push_str(&value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Sends every event to the watching thread.
struct ChannelListener(Mutex<Sender<AuthEvent>>);

impl AuthListener for ChannelListener {
    fn on_event(&self, event: AuthEvent) {
        let sender = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let _ = sender.send(event);
    }
}

/// `--watch`: keeps the token fresh, printing one line per event, until `count` tokens were
/// obtained (or forever).
fn watch(manager: &TokenManager, count: Option<u64>, show_token: bool) -> CliResult<i32> {
    let (sender, events) = mpsc::channel();
    manager.set_listener(Some(Arc::new(ChannelListener(Mutex::new(sender)))));
    let mut obtained = 0u64;
    loop {
        let token = manager.token().inspect_err(|_| {
            // The failure's own event says why; print it before the error line.
            drain(&events, manager, show_token, &mut obtained);
        })?;
        if drain(&events, manager, show_token, &mut obtained)
            && count.is_some_and(|n| obtained >= n)
        {
            return Ok(0);
        }
        // A token that is never refreshed (a static one) has no refresh point: wait for good.
        let refresh_in = token.refresh_in().unwrap_or(Duration::MAX);
        drop(token);
        if !refresh_in.is_zero() {
            std::thread::sleep(refresh_in);
            continue;
        }
        // The refresh point has passed: asking again starts the one background refresh; wait
        // for its outcome (or for the token to stop being usable, when the next ask waits).
        let Ok(current) = manager.token() else {
            continue;
        };
        // Poll at least once a second: after a failed refresh the next one may start only
        // when its cool-down has passed, and only when someone asks.
        let wait = current
            .expires_in()
            .unwrap_or(Duration::MAX)
            .clamp(Duration::from_millis(50), Duration::from_secs(1));
        drop(current);
        match events.recv_timeout(wait) {
            Ok(event) => {
                let counted = print_event(&event, manager, show_token, &mut obtained);
                let more = drain(&events, manager, show_token, &mut obtained);
                if (counted || more) && count.is_some_and(|n| obtained >= n) {
                    return Ok(0);
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                return Err(CliError::with_code(
                    EXIT_REMOTE,
                    "the token manager stopped",
                ));
            }
        }
    }
}

/// Prints every pending event; returns whether a new token was among them.
fn drain(
    events: &Receiver<AuthEvent>,
    manager: &TokenManager,
    show_token: bool,
    obtained: &mut u64,
) -> bool {
    let mut any = false;
    while let Ok(event) = events.try_recv() {
        any |= print_event(&event, manager, show_token, obtained);
    }
    any
}

/// Prints one event; returns whether it was a new token.
fn print_event(
    event: &AuthEvent,
    manager: &TokenManager,
    show_token: bool,
    obtained: &mut u64,
) -> bool {
    let now = clock_now();
    match event {
        AuthEvent::TokenRefreshed {
            lifetime_ms,
            refresh_in_ms,
        } => {
            *obtained += 1;
            let mut line = format!(
                "{now} token refreshed: lifetime {:.1} s, next refresh in {:.1} s",
                *lifetime_ms as f64 / 1000.0,
                *refresh_in_ms as f64 / 1000.0
            );
            if show_token {
                // The event carries no token by design; the manager's current one is the new one.
                if let Ok(value) = manager.authorization() {
                    line.push_str(&format!(" | {}: {}", authwire::AUTHORIZATION, value));
                }
            }
            let _ = print_lines(&[line]);
            true
        }
        AuthEvent::RefreshRetrying {
            network_kind: _,
            attempt,
            delay_ms,
            reason,
        } => {
            eprintln!("{now} attempt {attempt} failed, retrying in {delay_ms} ms: {reason}");
            false
        }
        AuthEvent::RefreshFailed {
            network_kind: _,
            reason,
            serving_stale,
        } => {
            let tail = if *serving_stale {
                "; the current token is still valid and kept"
            } else {
                ""
            };
            eprintln!("{now} refresh failed: {reason}{tail}");
            false
        }
        AuthEvent::StoreTokenAdopted { age_ms } => {
            eprintln!(
                "{now} token taken from the store (another process requested it {age_ms} ms ago)"
            );
            false
        }
        AuthEvent::StoreUnavailable {
            reason,
            retry_in_ms,
        } => {
            eprintln!(
                "{now} token store unavailable, requesting directly: {reason}; trying it again in {retry_in_ms} ms"
            );
            false
        }
        AuthEvent::StoreRecovered => {
            eprintln!("{now} token store available again");
            false
        }
        AuthEvent::StoreEntryRejected { reason } => {
            eprintln!("{now} token store entry ignored: {reason}");
            false
        }
        AuthEvent::StoreWaitTimedOut { waited_ms } => {
            eprintln!(
                "{now} no token from the process holding the store's lock after {waited_ms} ms: requested directly"
            );
            false
        }
        // Requests, invalidations and any kind of event added later print nothing.
        _ => false,
    }
}

/// The UTC time of day, `HH:MM:SS`.
fn clock_now() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
        % 86_400;
    format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_messages_lose_their_values() {
        let hidden = hide_values("invalid type: string \"hunter2\", expected a map");
        assert!(!hidden.contains("hunter2"), "{hidden}");
        assert!(hidden.contains("expected a map"), "{hidden}");
        assert_eq!(hide_values("missing field `url`"), "missing field `url`");
    }

    #[test]
    fn env_references_expand() {
        // SAFETY: the variable name is unique to this test.
        unsafe { std::env::set_var("AUTHWIRE_CLI_TEST_EXPAND", "v\"1") };
        assert_eq!(
            expand_env("a${env:AUTHWIRE_CLI_TEST_EXPAND}b").unwrap(),
            "av\"1b"
        );
        assert!(expand_env("${env:AUTHWIRE_CLI_TEST_UNSET_XYZ}").is_err());
        assert!(expand_env("${env:OPEN").is_err());
        let mut body = serde_json::json!({"k": ["${env:AUTHWIRE_CLI_TEST_EXPAND}"]});
        expand_json(&mut body).unwrap();
        assert_eq!(body.to_string(), r#"{"k":["v\"1"]}"#);
    }
}
