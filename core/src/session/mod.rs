//! User sessions for apps: a user signs in once (authorization code with PKCE, or the device
//! authorization grant) and the app then lives on a refresh token that the server rotates.
//!
//! - [`SessionTokens`]: the token answer a session starts from, obtained anywhere (the
//!   helpers here, AppAuth, Auth0, a web login).
//! - [`TokenManager::user_session`](crate::TokenManager::user_session): the session as a
//!   token source, so refresh-before-expiry, single flight, 401 handling, events and stats
//!   all apply. The refresh protocol (`sync`) re-reads the shared store under its
//!   cross-process lock before each refresh, saves a rotated refresh token before the new
//!   access token is handed out, and turns `invalid_grant` into
//!   [`AuthError::SignInRequired`](crate::AuthError::SignInRequired) for every process.
//! - [`AuthorizationCodeFlow`] and [`DeviceAuthorizationFlow`]: the protocol halves of
//!   signing in (the browser step belongs to the app).
//! - [`SealingKey`]: the host's stable key that seals a session in a shared store.

pub(crate) mod answer;
mod device;
mod key;
mod pkce;
pub(crate) mod source;
pub(crate) mod sync;

pub use answer::SessionTokens;
pub use device::{DeviceAuthorizationFlow, DeviceCode};
pub use key::{KeyFileSealingKey, SealingKey};
pub use pkce::AuthorizationCodeFlow;
pub use source::SessionOptions;

/// `n` random bytes from the operating system, as unpadded base64url.
pub(crate) fn random_token(n: usize) -> String {
    use base64::Engine as _;
    let mut bytes = vec![0u8; n];
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes)
}
