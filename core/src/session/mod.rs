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

/// Sends one request on the core's runtime (the transport and tokio's timer need it) and
/// scrubs `secrets` from any text that comes back. The future is boxed so that every caller
/// shares one spawned task type (the mobile core's size).
pub(crate) async fn send_once(
    http: std::sync::Arc<crate::transport::Guarded>,
    request: crate::exchange::Request,
    secrets: Vec<String>,
) -> Result<crate::exchange::Response, crate::exchange::AttemptError> {
    let task: std::pin::Pin<
        Box<
            dyn std::future::Future<
                    Output = Result<crate::exchange::Response, crate::exchange::AttemptError>,
                > + Send,
        >,
    > = Box::pin(async move {
        let scrub = move |mut text: String| {
            for secret in &secrets {
                if secret.len() >= 4 {
                    text = text.replace(secret.as_str(), crate::secret::REDACTED);
                }
            }
            text
        };
        http.send(request, &scrub).await
    });
    crate::runtime::get().spawn(task).await.unwrap_or_else(|_| {
        Err(crate::exchange::AttemptError::fatal(
            crate::error::AuthError::invalid_configuration("the request stopped unexpectedly"),
        ))
    })
}
