//! The README's Rust token-manager sample. Start the local demo server first:
//! `authwire demo --serve --port 8765 --key-file /tmp/authwire-demo-key.json &`
use std::time::Duration;

use authwire::{ApiKey, AuthError, TokenManager, TokenOptions};

fn main() -> Result<(), AuthError> {
    // The API-key file downloaded from the XTD portal (here: written by the demo server).
    let key = ApiKey::from_file("/tmp/authwire-demo-key.json")?;
    let options = TokenOptions::default().request_timeout(Duration::from_secs(5));
    let tokens = TokenManager::api_key_exchange("http://127.0.0.1:8765/v1/token", &key, options)?;

    // Share `tokens` with every thread and task (in an `Arc`, or by reference): one token
    // request serves them all, and while the token is fresh this is a cache read (about 50 ns).
    let header = tokens.authorization()?;
    println!("Authorization: {header}");

    // The API answered 401 for a request that carried `header`: discard it (only the first
    // of many parallel 401s refreshes) and ask again.
    tokens.invalidate(&header);
    let fresh = tokens.authorization()?;
    assert_ne!(fresh, header);

    // From async code, await instead of blocking (any executor; the core runs its own I/O).
    let same = futures::executor::block_on(tokens.authorization_async())?;
    assert_eq!(same, fresh);
    println!("{:?}", tokens.stats());
    Ok(())
}
