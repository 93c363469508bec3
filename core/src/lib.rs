//! # authwire
//!
//! Correct HTTP `Authorization` headers and self-refreshing API tokens: one Rust core,
//! shipped to Python, Kotlin and Swift through uniffi.
//!
//! ```
//! let value = authwire::basic_auth("Aladdin", "open sesame")?;
//! assert_eq!(value, "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
//! let credentials = authwire::decode_basic(&value)?;
//! assert_eq!(credentials.user_id(), "Aladdin");
//! # Ok::<(), authwire::AuthError>(())
//! ```

mod api_key;
mod error;
mod header;
mod secret;

pub use api_key::ApiKey;
pub use error::{AuthError, Result};
pub use header::{
    AUTHORIZATION, BasicCredentials, basic_auth, bearer_auth, decode_basic, open_connectors_auth,
    scheme_auth,
};
pub use secret::REDACTED;

uniffi::setup_scaffolding!("authwire");
