//! The documentation's Rust hand-over sample (docs/guides/sessions.md): a session that starts
//! from tokens another library obtained (AppAuth's `OIDTokenResponse`, Auth0's `Credentials`,
//! a web login). tests/run-all runs it with tokens from a real sign-in at the servers of
//! tests/scenarios/session_servers.py.
use std::time::Duration;

use authwire::{SessionOptions, SessionTokens, TokenManager};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = |name: &str| std::env::var(name).unwrap_or_default();
    // The fields every sign-in library exposes.
    let tokens = SessionTokens::new(
        &env("ACCESS_TOKEN"),
        &env("REFRESH_TOKEN"),
        Some(Duration::from_secs(
            env("EXPIRES_IN").parse().unwrap_or(3600),
        )),
        Some(env("SCOPE")),
        None,
    )?;
    println!("{tokens:?}"); // SessionTokens(access_token=[redacted], refresh_token=[redacted], ...)
    let session = TokenManager::user_session(
        &env("TOKEN_URL"),
        &env("CLIENT_ID"),
        Some(&tokens),
        SessionOptions::default(),
        None,
    )?;
    let first = session.authorization()?;
    std::thread::sleep(Duration::from_secs(2)); // here the access tokens live 2 s
    let second = session.authorization()?; // refreshed with the handed-over refresh token
    println!("{}", first != second); // true
    Ok(())
}
