//! The documentation's Rust user-session sample (docs/guides/sessions.md): sign in with PKCE,
//! keep the session in a file shared by every process of the app, sign out. tests/run-all
//! runs it against the real servers of tests/scenarios/session_servers.py (the URLs come
//! from the environment there); `browser` stands in for the system browser.
use std::sync::Arc;

use authwire::{
    AuthError, AuthorizationCodeFlow, FileStore, KeyFileSealingKey, SessionOptions, TokenManager,
    TokenOptions,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.into());
    let token_url = env("TOKEN_URL", "https://auth.example.com/oauth/token");
    let client_id = env("CLIENT_ID", "my-app");
    let redirect_uri = env("REDIRECT_URI", "com.example.app:/oauth2redirect");

    // 1. Sign in: the browser shows the server's login page, then comes back to redirect_uri.
    let flow = AuthorizationCodeFlow::new(
        &env("AUTHORIZE_URL", "https://auth.example.com/oauth/authorize"),
        &token_url,
        &client_id,
        &redirect_uri,
        &["openid", "read"],
        None, // a public client: no secret
        None,
    )?;
    let redirect = browser(&flow.authorization_url())?;
    let tokens = flow.finish(&redirect)?;

    // 2. The session, in a file that the app's other processes share (sealed with a key file).
    let dir = std::env::temp_dir().join(format!("authwire-session-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let session = SessionOptions::default()
        .revocation_url(env("REVOKE_URL", "https://auth.example.com/oauth/revoke"))
        .sealing_key(Arc::new(KeyFileSealingKey::new(dir.join("session.key"))));
    let options = TokenOptions::default().store(Arc::new(FileStore::new(dir.join("session"))?));
    let manager = TokenManager::user_session(
        &token_url,
        &client_id,
        Some(&tokens),
        session.clone(),
        options.clone(),
    )?;
    println!("{}", manager.authorization()?.starts_with("Bearer ")); // true

    // Another process (a widget, a second instance) continues the stored session.
    let other = TokenManager::user_session(&token_url, &client_id, None, session, options)?;
    println!("{}", other.authorization()? == manager.authorization()?); // true

    // 3. Sign out: here, in the other process, and at the server.
    manager.sign_out()?;
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let _ = other.authorization(); // the other process looks at the store now and then...
    std::thread::sleep(std::time::Duration::from_millis(200));
    match other.authorization() {
        Err(AuthError::SignInRequired { .. }) => println!("sign in again"), // ...and sees it
        other => println!("unexpected: {other:?}"),
    }
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

/// The browser step, which belongs to the app (ASWebAuthenticationSession, Custom Tabs, the
/// system browser). Here: the test server signs its user in at once and answers with the
/// redirect, whose Location is what the browser would hand back to the app.
fn browser(url: &str) -> Result<String, Box<dyn std::error::Error>> {
    use std::io::{Read as _, Write as _};
    let rest = url
        .strip_prefix("http://")
        .ok_or("a real app opens https URLs in a browser")?;
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut stream = std::net::TcpStream::connect(host)?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    let location = answer
        .lines()
        .find_map(|line| {
            line.strip_prefix("Location: ")
                .or_else(|| line.strip_prefix("location: "))
        })
        .ok_or("no redirect")?;
    Ok(location.trim().to_owned())
}
