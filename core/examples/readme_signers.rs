//! The documentation's Rust signer sample (docs/guides/signers.md): App Store Connect with the
//! `.p8` key downloaded from App Store Connect. `cargo run -p authwire --example
//! readme_signers -- AuthKey_2X9R4HXF34.p8` (compiled by tests/run-all; it needs a real key and
//! Apple's servers to do more).
use std::time::Duration;

use authwire::{AuthError, TokenManager, pem_signer};

fn main() -> Result<(), AuthError> {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: readme_signers AuthKey_<KEY_ID>.p8");
        return Ok(());
    };
    // p8: the text of AuthKey_2X9R4HXF34.p8, downloaded from App Store Connect.
    let p8 = std::fs::read_to_string(&path).map_err(|err| AuthError::InvalidConfiguration {
        reason: format!("{path}: {err}"),
    })?;
    let signer = pem_signer(&p8, "2X9R4HXF34")?;
    let tokens = TokenManager::app_store_connect(
        "57246542-96fe-1a63-e053-0824d011072a",
        signer,
        Duration::from_secs(20 * 60),
        None,
    )?;
    let header = tokens.authorization()?;
    println!("{}", &header[..header.len().min(20)]);
    Ok(())
}
