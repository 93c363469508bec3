//! The documentation's Rust token-store sample (docs/guides/stores.md). Start the demo server
//! first (`authwire demo --serve --port 8765 --key-file /tmp/authwire-demo-key.json`), then
//! `cargo run -p authwire --example readme_store`; tests/run-all runs it.
use std::sync::Arc;

use authwire::{ApiKey, FileStore, TokenManager, TokenOptions, TokenStore};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let directory = std::env::temp_dir().join(format!("authwire-store-{}", std::process::id()));
    std::fs::create_dir_all(&directory)?;
    // One host: a file on a local disk. Many hosts (cargo feature `redis-store`):
    // RedisStore::new("rediss://:password@redis.internal:6380", RedisStoreOptions::default())?
    let store: Arc<dyn TokenStore> = Arc::new(FileStore::new(directory.join("tokens"))?);
    let options = TokenOptions::default().store(store);
    let url = "http://127.0.0.1:8765/v1/token";
    let key = ApiKey::from_file("/tmp/authwire-demo-key.json")?;
    // Two managers for the same credential and store, as two processes would have.
    let first = TokenManager::api_key_exchange(url, &key, options.clone())?;
    let second = TokenManager::api_key_exchange(url, &key, options)?;
    assert_eq!(first.authorization()?, second.authorization()?);
    println!("{}", second.stats().token_requests); // 0: the second adopted the first one's token
    std::fs::remove_dir_all(&directory)?;
    Ok(())
}
