//! `authwire login`, `authwire session`: a user session for scripts and devices without a
//! browser, signed in with the device authorization grant (RFC 8628) and kept in a local
//! file sealed with a key file.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Args;

use authwire::{
    DeviceAuthorizationFlow, FileStore, KeyFileSealingKey, SessionOptions, TokenManager,
    TokenOptions,
};

use crate::error::{CliError, CliResult};
use crate::output::print_lines;

/// Examples shown under `authwire login --help`.
pub const LOGIN_EXAMPLES: &str = "\
Examples:
  authwire login --device-url https://auth.example.com/oauth/device \\
      --token-url https://auth.example.com/oauth/token --client-id my-cli \\
      --scope read --session-file ~/.config/my-cli/session
      To sign in, open https://auth.example.com/device and enter the code WDJB-MJHT
      signed in; the session is in ~/.config/my-cli/session
  authwire session --token-url https://auth.example.com/oauth/token --client-id my-cli \\
      --session-file ~/.config/my-cli/session
      Authorization: Bearer eyJ...

The code and where to enter it go to stderr; nothing secret is printed. The session
file is sealed with a key in <session-file>.key (32 random bytes, mode 0600, created
on first use; --key-file names another). Every process that uses the same files
shares the session and its rotating refresh token.";

/// Where the session lives: the store file and its sealing key.
#[derive(Args, Debug, Clone)]
pub struct SessionFiles {
    /// The token endpoint
    #[arg(long, value_name = "URL")]
    pub token_url: String,
    /// The OAuth2 client id (a public client: no secret)
    #[arg(long, value_name = "ID")]
    pub client_id: String,
    /// The file that keeps the session (its directory must exist)
    #[arg(long, value_name = "PATH")]
    pub session_file: PathBuf,
    /// The sealing key file (default: <session-file>.key)
    #[arg(long, value_name = "PATH")]
    pub key_file: Option<PathBuf>,
    /// The RFC 7009 revocation endpoint, used by `session --sign-out`
    #[arg(long, value_name = "URL")]
    pub revocation_url: Option<String>,
}

impl SessionFiles {
    fn key_path(&self) -> PathBuf {
        self.key_file.clone().unwrap_or_else(|| {
            let mut name = self.session_file.as_os_str().to_os_string();
            name.push(".key");
            PathBuf::from(name)
        })
    }

    fn manager(&self, tokens: Option<&authwire::SessionTokens>) -> CliResult<TokenManager> {
        let store = FileStore::new(&self.session_file)?;
        let mut session = SessionOptions::default()
            .sealing_key(Arc::new(KeyFileSealingKey::new(self.key_path())));
        if let Some(url) = &self.revocation_url {
            session = session.revocation_url(url.clone());
        }
        Ok(TokenManager::user_session(
            &self.token_url,
            &self.client_id,
            tokens,
            session,
            TokenOptions::default().store(Arc::new(store)),
        )?)
    }
}

/// `authwire login`.
#[derive(Args, Debug, Clone)]
pub struct LoginCmd {
    /// The device authorization endpoint (RFC 8628 §3.1)
    #[arg(long, value_name = "URL")]
    pub device_url: String,
    /// A scope to ask for (repeat for more)
    #[arg(long = "scope", value_name = "SCOPE")]
    pub scopes: Vec<String>,
    #[command(flatten)]
    pub files: SessionFiles,
}

impl LoginCmd {
    /// Runs the device flow, shows the code, and stores the session.
    ///
    /// # Errors
    /// The flow's error (denied, expired, network), or a store that cannot be used.
    pub fn run(&self) -> CliResult<i32> {
        let scopes: Vec<&str> = self.scopes.iter().map(String::as_str).collect();
        let flow = DeviceAuthorizationFlow::new(
            &self.device_url,
            &self.files.token_url,
            &self.files.client_id,
            &scopes,
            None,
            None,
        )?;
        let code = flow.start_blocking()?;
        match &code.verification_uri_complete {
            Some(complete) => eprintln!(
                "To sign in, open {} and enter the code {} (or open {complete})",
                code.verification_uri, code.user_code
            ),
            None => eprintln!(
                "To sign in, open {} and enter the code {}",
                code.verification_uri, code.user_code
            ),
        }
        let tokens = flow.wait()?;
        let manager = self.files.manager(Some(&tokens))?;
        drop(manager);
        print_lines(&[format!(
            "signed in; the session is in {}",
            display(&self.files.session_file)
        )])?;
        Ok(0)
    }
}

/// `authwire session`.
#[derive(Args, Debug, Clone)]
pub struct SessionCmd {
    #[command(flatten)]
    pub files: SessionFiles,
    /// End the session (here and for every process sharing the file) instead of printing
    /// its header
    #[arg(long)]
    pub sign_out: bool,
}

impl SessionCmd {
    /// Prints the stored session's header (refreshed when needed), or signs out.
    ///
    /// # Errors
    /// `sign-in required` (exit 4) when the session is over; a store that cannot be used.
    pub fn run(&self) -> CliResult<i32> {
        let manager = self.files.manager(None)?;
        if self.sign_out {
            manager.sign_out()?;
            print_lines(&["signed out"])?;
            return Ok(0);
        }
        let header = manager.authorization().map_err(CliError::from)?;
        print_lines(&[format!("Authorization: {header}")])?;
        Ok(0)
    }
}

fn display(path: &Path) -> String {
    path.display().to_string()
}
