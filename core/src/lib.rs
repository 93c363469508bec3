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
//!
//! Short-lived tokens come from a [`TokenManager`]; CSRF-protected write calls from a
//! [`CsrfSession`]. Their token requests go through the built-in HTTP client (cargo feature
//! `reqwest-transport`, on by default) or through the host's own HTTP stack: an
//! [`HttpTransport`] given in [`TokenOptions::transport`].

#![warn(missing_docs)]

mod api_key;
mod credential;
mod csrf;
mod error;
mod exchange;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod header;
mod listener;
mod runtime;
mod secret;
mod session;
mod store;
mod token;
mod transport;

pub use api_key::ApiKey;
pub use credential::signer::{
    JwtAlgorithm, JwtSigner, SignerError, pem_signer, pem_signer_from_file,
};
pub use credential::{ClientAuthMethod, CsrfFetchMethod, ExpiryFormat};
pub use csrf::{CsrfHeaders, CsrfSession};
pub use error::{AuthError, NetworkErrorKind, Result, network_error_is_retried};
pub use header::{
    AUTHORIZATION, BasicCredentials, basic_auth, bearer_auth, decode_basic, open_connectors_auth,
    scheme_auth, scheme_auth_params,
};
pub use listener::{AuthEvent, AuthListener};
pub use secret::REDACTED;
pub use session::{
    AuthorizationCodeFlow, DeviceAuthorizationFlow, DeviceCode, KeyFileSealingKey, SealingKey,
    SessionOptions, SessionTokens,
};
pub use store::{FileStore, StoreError, TokenStore};
#[cfg(feature = "redis-store")]
pub use store::{RedisStore, RedisStoreOptions};
pub use token::options::TokenOptions;
pub use token::signed::JwtOptions;
pub use token::{AccessToken, CustomExchange, TokenManager, TokenStats};
pub use transport::{
    BlockingHttpTransport, HttpHeader, HttpRequest, HttpResponse, HttpTransport, HttpTransportError,
};

uniffi::setup_scaffolding!("authwire");
