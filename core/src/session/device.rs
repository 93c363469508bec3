//! Sign-in with the device authorization grant (RFC 8628): for CLIs, TVs and devices
//! without a browser.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::SessionTokens;
use super::answer::parse_response;
use super::source::{Client, SignInParts};
use crate::credential::ClientAuthMethod;
use crate::error::{AuthError, Result};
use crate::exchange::{Endpoint, Retry};
use crate::secret::{REDACTED, Secret};
use crate::token::options::TokenOptions;
use crate::transport::{Guarded, check_url};

/// RFC 8628 §3.2: "If no value is provided, clients MUST use 5 as the default."
const DEFAULT_INTERVAL: Duration = Duration::from_secs(5);
/// RFC 8628 §3.5: `slow_down` adds 5 seconds to the interval.
const SLOW_DOWN: Duration = Duration::from_secs(5);
/// The longest interval accepted from a server (a larger one is a broken answer).
const MAX_INTERVAL: Duration = Duration::from_secs(3600);
const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// What to show the user while a [`DeviceAuthorizationFlow`] waits: the code to type and
/// where. None of it is secret (the device code stays inside the flow).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DeviceCode {
    /// The code the user types at the verification URI, e.g. `WDJB-MJHT`.
    pub user_code: String,
    /// Where the user goes, on another device: always `https`.
    pub verification_uri: String,
    /// The verification URI with the code in it (for a QR code), when the server gives one.
    pub verification_uri_complete: Option<String>,
    /// How long the code is valid, in seconds.
    pub expires_in_secs: u64,
    /// How often the flow polls, in seconds.
    pub interval_secs: u64,
}

struct Started {
    device_code: Secret,
    expires_at: Instant,
    interval: Duration,
}

/// One sign-in with the device authorization grant (RFC 8628).
///
/// 1. [`start`](Self::start) asks the server for a code and returns the [`DeviceCode`] to
///    show: "go to `verification_uri` and type `user_code`".
/// 2. [`wait`](Self::wait) polls the token endpoint at the server's `interval` (5 s when it
///    names none), keeps waiting on `authorization_pending`, adds 5 s on each `slow_down`,
///    and returns the [`SessionTokens`] once the user approves. `access_denied` and
///    `expired_token` (or the code's lifetime running out) end it with [`AuthError::OAuth`];
///    [`cancel`](Self::cancel) ends it with [`AuthError::Cancelled`].
#[derive(uniffi::Object)]
#[uniffi::export(Debug, Display)]
pub struct DeviceAuthorizationFlow {
    device_url: Endpoint,
    token_url: Endpoint,
    client: Client,
    scopes: Vec<String>,
    http: Arc<Guarded>,
    started: std::sync::Mutex<Option<Started>>,
    cancelled: AtomicBool,
    wake: tokio::sync::Notify,
}

impl std::fmt::Debug for DeviceAuthorizationFlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "DeviceAuthorizationFlow(client_id={:?}, device_code={REDACTED})",
            self.client.id.expose()
        )
    }
}

impl std::fmt::Display for DeviceAuthorizationFlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

fn invalid(reason: impl Into<String>) -> AuthError {
    AuthError::InvalidResponse {
        reason: reason.into(),
    }
}

impl DeviceAuthorizationFlow {
    /// A device sign-in at `device_authorization_url` (RFC 8628 §3.1), then `token_url`.
    ///
    /// # Errors
    /// [`AuthError::InvalidConfiguration`] for a non-HTTPS endpoint, an empty client id, an
    /// invalid scope or invalid options.
    pub fn new(
        device_authorization_url: &str,
        token_url: &str,
        client_id: &str,
        scopes: &[&str],
        client_secret: Option<(&str, ClientAuthMethod)>,
        options: impl Into<Option<TokenOptions>>,
    ) -> Result<Self> {
        let device_url = check_url(device_authorization_url)?;
        let SignInParts {
            token_url,
            client,
            scopes,
            http,
        } = SignInParts::new(token_url, client_id, scopes, client_secret, options.into())?;
        Ok(Self {
            device_url,
            token_url,
            client,
            scopes,
            http,
            started: std::sync::Mutex::new(None),
            cancelled: AtomicBool::new(false),
            wake: tokio::sync::Notify::new(),
        })
    }

    async fn post(
        &self,
        url: &Endpoint,
        form: Vec<(&str, &str)>,
    ) -> std::result::Result<crate::exchange::Response, crate::exchange::AttemptError> {
        let request = self.client.form_request(url, form);
        let mut secrets = self.client.secret_forms();
        if let Some(started) = &*self.started.lock().unwrap_or_else(|e| e.into_inner()) {
            secrets.push(started.device_code.expose().to_owned());
        }
        super::send_once(Arc::clone(&self.http), request, secrets).await
    }

    /// Starts the sign-in, awaited: see [`start`](Self::start).
    ///
    /// # Errors
    /// As [`start`](Self::start).
    pub async fn start_async(&self) -> Result<DeviceCode> {
        let scope = self.scopes.join(" ");
        let mut form = Vec::new();
        if !scope.is_empty() {
            form.push(("scope", scope.as_str()));
        }
        let response = self
            .post(&self.device_url, form)
            .await
            .map_err(|e| e.error)?;
        if !(200..300).contains(&response.status) {
            return Err(crate::exchange::status_error(&response, &|t| t).error);
        }
        let body: serde_json::Value = serde_json::from_slice(&response.body)
            .map_err(|_| invalid("the device authorization response is not JSON"))?;
        let text = |name: &str| body.get(name).and_then(|v| v.as_str());
        let device_code = text("device_code")
            .filter(|c| !c.is_empty() && !c.chars().any(char::is_control))
            .ok_or_else(|| invalid("the device authorization response has no device_code"))?;
        let user_code = text("user_code")
            .filter(|c| !c.is_empty() && !c.chars().any(char::is_control) && c.len() <= 64)
            .ok_or_else(|| invalid("the device authorization response has no usable user_code"))?;
        let https = |uri: &str| {
            Endpoint::parse(uri).is_ok_and(|e| e.is_https()) && !uri.chars().any(char::is_control)
        };
        let verification_uri = text("verification_uri")
            .or_else(|| text("verification_url"))
            .ok_or_else(|| invalid("the device authorization response has no verification_uri"))?;
        if !https(verification_uri) {
            return Err(invalid(
                "the verification_uri is not an https URL: refusing to send the user there",
            ));
        }
        let complete = text("verification_uri_complete").filter(|u| https(u));
        let expires_in = body
            .get("expires_in")
            .and_then(serde_json::Value::as_u64)
            .filter(|s| (1..=86_400).contains(s))
            .ok_or_else(|| {
                invalid("the device authorization response's expires_in is missing or not between 1 s and 1 day")
            })?;
        let interval = match body.get("interval") {
            None | Some(serde_json::Value::Null) => DEFAULT_INTERVAL,
            Some(v) => match v.as_u64() {
                Some(secs) if secs >= 1 && Duration::from_secs(secs) <= MAX_INTERVAL => {
                    Duration::from_secs(secs)
                }
                _ => {
                    return Err(invalid(format!(
                        "the device authorization response's interval ({}) is not between 1 s and {} s",
                        crate::exchange::one_line(&v.to_string())
                            .chars()
                            .take(20)
                            .collect::<String>(),
                        MAX_INTERVAL.as_secs()
                    )));
                }
            },
        };
        *self.started.lock().unwrap_or_else(|e| e.into_inner()) = Some(Started {
            device_code: Secret::new(device_code),
            expires_at: Instant::now() + Duration::from_secs(expires_in),
            interval,
        });
        Ok(DeviceCode {
            user_code: user_code.to_owned(),
            verification_uri: verification_uri.to_owned(),
            verification_uri_complete: complete.map(str::to_owned),
            expires_in_secs: expires_in,
            interval_secs: interval.as_secs(),
        })
    }

    /// Polls until the user approves, blocking the calling thread; returns the session's
    /// tokens. From async code use [`wait_async`](Self::wait_async).
    ///
    /// # Errors
    /// [`AuthError::OAuth`] with `access_denied` (the user refused) or `expired_token` (the
    /// code expired, also when its lifetime ran out here); [`AuthError::Cancelled`] after
    /// [`cancel`](Self::cancel); [`AuthError::InvalidResponse`] for an answer without a
    /// refresh token or not a Bearer token answer; [`AuthError::InvalidConfiguration`]
    /// before `start`.
    pub fn wait(&self) -> Result<SessionTokens> {
        // `wait_async` sleeps on tokio's timer, driven by the core's runtime.
        let _context = crate::runtime::get().enter();
        futures::executor::block_on(self.wait_async())
    }

    /// Asks the server for a code (RFC 8628 §3.1), blocking; returns what to show the user.
    ///
    /// # Errors
    /// As [`start`](Self::start).
    pub fn start_blocking(&self) -> Result<DeviceCode> {
        futures::executor::block_on(self.start_async())
    }

    /// Waits for the user's approval, awaited: see [`wait`](Self::wait).
    ///
    /// # Errors
    /// As [`wait`](Self::wait).
    pub async fn wait_async(&self) -> Result<SessionTokens> {
        let (device_code, expires_at, mut interval) = {
            let started = self.started.lock().unwrap_or_else(|e| e.into_inner());
            let Some(started) = started.as_ref() else {
                return Err(AuthError::invalid_configuration(
                    "call start() before wait(): there is no device code yet",
                ));
            };
            (
                started.device_code.clone(),
                started.expires_at,
                started.interval,
            )
        };
        let cancelled = || AuthError::Cancelled {
            reason: "the device sign-in was cancelled".to_owned(),
        };
        loop {
            if self.cancelled.load(Ordering::Acquire) {
                return Err(cancelled());
            }
            let now = Instant::now();
            if now >= expires_at {
                return Err(AuthError::OAuth {
                    status: 400,
                    error: "expired_token".to_owned(),
                    description: "the device code expired before the user approved the sign-in"
                        .to_owned(),
                });
            }
            let sleep = interval.min(expires_at - now);
            // Woken early by `cancel`.
            let _ = tokio::time::timeout(sleep, self.wake.notified()).await;
            if self.cancelled.load(Ordering::Acquire) {
                return Err(cancelled());
            }
            let outcome = self
                .post(
                    &self.token_url,
                    vec![
                        ("grant_type", DEVICE_CODE_GRANT),
                        ("device_code", device_code.expose()),
                    ],
                )
                .await;
            let response = match outcome {
                Ok(response) => response,
                // A network failure while waiting: wait on (RFC 8628 §3.5 asks for an
                // exponential back-off on timeouts).
                Err(e) if matches!(e.retry, Retry::Yes { .. }) => {
                    interval = (interval * 2).min(MAX_INTERVAL);
                    continue;
                }
                Err(e) => return Err(e.error),
            };
            match parse_response(&response, &|t| t) {
                Ok(answer) => {
                    let refresh_token = answer.refresh_token.ok_or_else(|| {
                        invalid("the token response has no refresh_token: allow the client the refresh_token grant")
                    })?;
                    return Ok(SessionTokens {
                        access_token: answer.fetched.token,
                        refresh_token,
                        expires_in: answer.fetched.lifetime,
                        scope: answer.scope,
                        id_token: answer.id_token,
                    });
                }
                Err(e) => match &e.error {
                    AuthError::OAuth { error, .. } if error == "authorization_pending" => {}
                    AuthError::OAuth { error, .. } if error == "slow_down" => {
                        interval = (interval + SLOW_DOWN).min(MAX_INTERVAL);
                    }
                    _ if matches!(e.retry, Retry::Yes { .. }) => {
                        interval = (interval * 2).min(MAX_INTERVAL);
                    }
                    _ => return Err(e.error),
                },
            }
        }
    }
}

#[uniffi::export]
impl DeviceAuthorizationFlow {
    /// A device sign-in: see the Rust `DeviceAuthorizationFlow::new`. `client_secret` (with
    /// `auth_method`) only for a confidential client. No request is sent until `start`.
    ///
    /// # Errors
    /// [`AuthError::InvalidConfiguration`] for a non-HTTPS endpoint, an empty client id, an
    /// invalid scope or invalid options.
    #[uniffi::constructor(
        name = "new",
        default(scopes = [], client_secret = None, auth_method = None, options = None)
    )]
    fn ffi_new(
        device_authorization_url: &str,
        token_url: &str,
        client_id: &str,
        scopes: Vec<String>,
        client_secret: Option<String>,
        auth_method: Option<ClientAuthMethod>,
        options: Option<TokenOptions>,
    ) -> Result<Arc<Self>> {
        let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
        Self::new(
            device_authorization_url,
            token_url,
            client_id,
            &scopes,
            client_secret
                .as_deref()
                .map(|s| (s, auth_method.unwrap_or_default())),
            options,
        )
        .map(Arc::new)
    }

    /// Asks the server for a code (RFC 8628 §3.1), blocking; returns what to show the user.
    ///
    /// # Errors
    /// [`AuthError::InvalidResponse`] for an answer without a device or user code, a
    /// verification URI that is not `https`, an `interval` of 0 or over an hour, or an
    /// `expires_in` outside 1 s to 1 day; [`AuthError::OAuth`] for the server's error;
    /// network errors.
    pub fn start(&self) -> Result<DeviceCode> {
        self.start_blocking()
    }

    /// Asks the server for a code, awaited without blocking a thread.
    ///
    /// # Errors
    /// As `start`.
    #[uniffi::method(name = "start_async")]
    async fn ffi_start_async(&self) -> Result<DeviceCode> {
        self.start_async().await
    }

    /// Polls until the user approves, blocking; returns the session's tokens.
    ///
    /// # Errors
    /// [`AuthError::OAuth`] with `access_denied` (the user refused) or `expired_token` (the
    /// code expired, also when its lifetime ran out here); [`AuthError::Cancelled`] after
    /// `cancel`; [`AuthError::InvalidResponse`] for an answer without a refresh token or not
    /// a Bearer token answer; [`AuthError::InvalidConfiguration`] before `start`.
    #[uniffi::method(name = "wait")]
    fn ffi_wait(&self) -> Result<Arc<SessionTokens>> {
        self.wait().map(Arc::new)
    }

    /// Polls until the user approves, awaited without blocking a thread.
    ///
    /// # Errors
    /// As `wait`.
    #[uniffi::method(name = "wait_async")]
    async fn ffi_wait_async(self: Arc<Self>) -> Result<Arc<SessionTokens>> {
        crate::runtime::get()
            .spawn(async move { self.wait_async().await })
            .await
            .unwrap_or_else(|_| {
                Err(AuthError::invalid_configuration(
                    "the wait stopped unexpectedly",
                ))
            })
            .map(Arc::new)
    }

    /// Stops a `wait` under way (it fails with [`AuthError::Cancelled`]) and any later one.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Release);
        self.wake.notify_waiters();
    }
}
