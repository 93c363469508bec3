//! The documentation's Rust device-flow sample (docs/guides/sessions.md): sign in on a device
//! without a browser (a CLI, a TV). tests/run-all runs it against the real servers of
//! tests/scenarios/session_servers.py and approves the code from the test, as a user would on
//! their phone.
use std::io::Write as _;

use authwire::{AuthError, DeviceAuthorizationFlow, SessionOptions, TokenManager};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.into());
    let token_url = env("TOKEN_URL", "https://auth.example.com/oauth/token");
    let flow = DeviceAuthorizationFlow::new(
        &env("DEVICE_URL", "https://auth.example.com/oauth/device"),
        &token_url,
        &env("CLIENT_ID", "my-tv-app"),
        &["read"],
        None,
        None,
    )?;
    let code = flow.start_blocking()?;
    println!(
        "Open {} and enter {}",
        code.verification_uri, code.user_code
    );
    std::io::stdout().flush()?;
    // Polls every `interval` seconds (5 s more after each slow_down) until the user decides.
    let tokens = match flow.wait() {
        Ok(tokens) => tokens,
        Err(AuthError::OAuth { error, .. }) if error == "access_denied" => {
            println!("the user said no");
            return Ok(());
        }
        Err(other) => return Err(other.into()),
    };
    let session = TokenManager::user_session(
        &token_url,
        &env("CLIENT_ID", "my-tv-app"),
        Some(&tokens),
        SessionOptions::default(),
        None,
    )?;
    println!("{}", session.authorization()?.starts_with("Bearer ")); // true
    Ok(())
}
