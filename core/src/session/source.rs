//! A user session as a token source: its client, its refresh token and what it shares.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::answer::Answer;
use super::key::SealingKey;
use super::sync::SessionStore;
use crate::credential::{ClientAuthMethod, percent_encode};
use crate::error::{AuthError, Result};
use crate::exchange::{Endpoint, Request};
use crate::secret::Secret;
use crate::store::TokenStore;
use crate::transport::check_url;

/// How a user session's client authenticates, and where its refresh token is revoked; the
/// optional parts of [`TokenManager::user_session`](crate::TokenManager::user_session).
///
/// The default is a public client (every mobile and desktop app that cannot keep a secret):
/// `client_id` in the form, no secret, and no revocation at sign-out.
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct SessionOptions {
    pub(crate) client_secret: Option<Secret>,
    pub(crate) auth_method: ClientAuthMethod,
    pub(crate) revocation_url: Option<String>,
    pub(crate) sealing_key: Option<Arc<dyn SealingKey>>,
}

impl std::fmt::Debug for SessionOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionOptions")
            .field("client_secret", &self.client_secret)
            .field("auth_method", &self.auth_method)
            .field("revocation_url", &self.revocation_url)
            .field(
                "sealing_key",
                &format_args!(
                    "{}",
                    if self.sealing_key.is_some() {
                        "Some(..)"
                    } else {
                        "None"
                    }
                ),
            )
            .finish()
    }
}

impl SessionOptions {
    /// A confidential client (a desktop or server app that keeps a secret), authenticated
    /// with `method`.
    #[must_use]
    pub fn client_secret(mut self, secret: &str, method: ClientAuthMethod) -> Self {
        self.client_secret = Some(Secret::new(secret));
        self.auth_method = method;
        self
    }

    /// The RFC 7009 revocation endpoint: sign-out revokes the refresh token there (best
    /// effort).
    #[must_use]
    pub fn revocation_url(mut self, url: impl Into<String>) -> Self {
        self.revocation_url = Some(url.into());
        self
    }

    /// The key that seals the session in the store of [`TokenOptions::store`]
    /// (required with a store).
    ///
    /// [`TokenOptions::store`]: crate::TokenOptions::store
    #[must_use]
    pub fn sealing_key(mut self, key: Arc<dyn SealingKey>) -> Self {
        self.sealing_key = Some(key);
        self
    }
}

/// How the client authenticates at the token and revocation endpoints.
pub(crate) struct Client {
    pub(crate) id: Secret,
    secret: Option<Secret>,
    method: ClientAuthMethod,
}

impl Client {
    pub(crate) fn new(id: &str, secret: Option<Secret>, method: ClientAuthMethod) -> Result<Self> {
        if id.is_empty() {
            return Err(AuthError::invalid_configuration("the client id is empty"));
        }
        if id.chars().any(char::is_control) {
            return Err(AuthError::invalid_configuration(
                "the client id contains a control character",
            ));
        }
        if let Some(secret) = &secret
            && method == ClientAuthMethod::ClientSecretBasicUnencoded
        {
            crate::header::basic_auth(id, secret.expose()).map_err(|err| {
                AuthError::invalid_configuration(format!(
                    "ClientSecretBasicUnencoded cannot send these credentials: {err}"
                ))
            })?;
        }
        Ok(Self {
            id: Secret::new(id),
            secret,
            method,
        })
    }

    /// A form POST to `url` with `form` and this client's authentication.
    pub(crate) fn form_request<'a>(
        &'a self,
        url: &Endpoint,
        mut form: Vec<(&'a str, &'a str)>,
    ) -> Request {
        let mut headers = vec![
            (
                "content-type".to_owned(),
                Secret::new("application/x-www-form-urlencoded"),
            ),
            ("accept".to_owned(), Secret::new("application/json")),
        ];
        match (&self.secret, self.method) {
            (None, _) => form.push(("client_id", self.id.expose())),
            (Some(secret), ClientAuthMethod::ClientSecretPost) => {
                form.push(("client_id", self.id.expose()));
                form.push(("client_secret", secret.expose()));
            }
            (Some(secret), ClientAuthMethod::ClientSecretBasicUnencoded) => {
                let value = crate::header::basic_auth(self.id.expose(), secret.expose())
                    .expect("checked when the session was built");
                headers.push(("authorization".to_owned(), Secret::new(value)));
            }
            (Some(secret), _) => {
                let (id, secret) = (
                    percent_encode(self.id.expose()),
                    percent_encode(secret.expose()),
                );
                let value = crate::header::basic_auth(id.expose(), secret.expose())
                    .expect("percent-encoded credentials hold no ':' and no control");
                headers.push(("authorization".to_owned(), Secret::new(value)));
            }
        }
        let body = serde_urlencoded::to_string(&form).expect("strings always encode");
        Request {
            method: "POST",
            url: url.clone(),
            headers,
            body: Some(Secret::new(body)),
        }
    }

    /// The secrets of this client, for scrubbing server text.
    pub(crate) fn secret_forms(&self) -> Vec<String> {
        let mut forms = Vec::new();
        if let Some(secret) = &self.secret {
            forms.push(secret.expose().to_owned());
            forms.push(percent_encode(secret.expose()).expose().to_owned());
            for (id, secret) in [
                (self.id.expose().to_owned(), secret.expose().to_owned()),
                (
                    percent_encode(self.id.expose()).expose().to_owned(),
                    percent_encode(secret.expose()).expose().to_owned(),
                ),
            ] {
                if let Ok(value) = crate::header::basic_auth(&id, &secret) {
                    forms.push(value.trim_start_matches("Basic ").to_owned());
                    forms.push(value);
                }
            }
        }
        forms
    }
}

/// What every sign-in helper makes of its arguments: the token endpoint, the client, the
/// scopes and the transport (with the core's policy around it).
pub(crate) struct SignInParts {
    pub(crate) token_url: Endpoint,
    pub(crate) client: Client,
    pub(crate) scopes: Vec<String>,
    pub(crate) http: Arc<crate::transport::Guarded>,
}

impl SignInParts {
    pub(crate) fn new(
        token_url: &str,
        client_id: &str,
        scopes: &[&str],
        client_secret: Option<(&str, ClientAuthMethod)>,
        options: Option<crate::TokenOptions>,
    ) -> Result<Self> {
        let options = options.unwrap_or_default();
        options.validate()?;
        let token_url = check_url(token_url)?;
        let scopes: Vec<String> = scopes.iter().map(|s| (*s).to_owned()).collect();
        crate::token::check_scopes(&scopes)?;
        let client = Client::new(
            client_id,
            client_secret.map(|(s, _)| Secret::new(s)),
            client_secret.map_or(ClientAuthMethod::default(), |(_, m)| m),
        )?;
        let http = Arc::new(crate::transport::Guarded::new(
            &options.transport_settings(),
            Some(&token_url),
        )?);
        Ok(Self {
            token_url,
            client,
            scopes,
            http,
        })
    }
}

/// What this process knows of the session.
pub(crate) struct State {
    /// The session's id (random, fixed at sign-in) and how many rotations it has seen: a
    /// stored entry with another id or a higher generation is newer than ours.
    pub(crate) sid: String,
    pub(crate) generation: u64,
    pub(crate) refresh_token: Option<Secret>,
    pub(crate) scope: Option<String>,
    pub(crate) id_token: Option<Secret>,
    /// Why the session ended, once it has.
    pub(crate) ended: Option<String>,
    /// Our state is newer than the store's (a write failed): write it at the next chance.
    pub(crate) unsaved: bool,
}

/// A user session: the token source of `TokenManager::user_session`.
pub(crate) struct SessionSource {
    pub(crate) url: Endpoint,
    pub(crate) client: Client,
    pub(crate) revocation_url: Option<Endpoint>,
    pub(crate) store: Option<Arc<SessionStore>>,
    pub(crate) state: Mutex<State>,
    /// Mirrors `state.ended.is_some()`, read on every call.
    pub(crate) ended: AtomicBool,
    /// When the store was last checked for another process's rotation or sign-out
    /// (milliseconds on the manager's clock).
    pub(crate) last_check_ms: AtomicU64,
    /// The extras of the last successful refresh answer (its refresh token, scope, ID
    /// token), taken by the session's refresh right after the request.
    pub(crate) pending: Mutex<Option<Answer>>,
    /// The access token `invalidate` discarded: never adopted from the store again.
    pub(crate) rejected: Mutex<Option<Secret>>,
    /// The rotated refresh token of a successful answer that was refused (see
    /// `answer::salvage_refresh_token`), kept by the session's refresh.
    pub(crate) salvaged: Mutex<Option<Secret>>,
}

impl SessionSource {
    pub(crate) fn new(
        token_url: &str,
        client_id: &str,
        session: SessionOptions,
        store: Option<Arc<dyn TokenStore>>,
        request_timeout: std::time::Duration,
    ) -> Result<Self> {
        let url = check_url(token_url)?;
        let revocation_url = session
            .revocation_url
            .as_deref()
            .map(check_url)
            .transpose()?;
        let client = Client::new(client_id, session.client_secret, session.auth_method)?;
        let store = match (store, session.sealing_key) {
            (None, _) => None,
            (Some(_), None) => {
                return Err(AuthError::invalid_configuration(
                    "a user session in a token store needs a sealing key (a Keychain or Keystore \
                     key, or a KeyFileSealingKey): give sealing_key",
                ));
            }
            (Some(store), Some(key)) => {
                let mut identity = Vec::new();
                for part in [url.as_str().as_bytes(), client_id.as_bytes()] {
                    identity.extend_from_slice(&(part.len() as u64).to_be_bytes());
                    identity.extend_from_slice(part);
                }
                Some(Arc::new(SessionStore::new(
                    store,
                    key,
                    identity,
                    request_timeout,
                )))
            }
        };
        Ok(Self {
            url,
            client,
            revocation_url,
            store,
            state: Mutex::new(State {
                sid: String::new(),
                generation: 0,
                refresh_token: None,
                scope: None,
                id_token: None,
                ended: None,
                unsaved: false,
            }),
            ended: AtomicBool::new(false),
            last_check_ms: AtomicU64::new(0),
            pending: Mutex::new(None),
            rejected: Mutex::new(None),
            salvaged: Mutex::new(None),
        })
    }

    pub(crate) fn lock_state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The refresh request for the current refresh token.
    pub(crate) fn refresh_request(&self) -> Result<Request> {
        let state = self.lock_state();
        if let Some(reason) = &state.ended {
            return Err(AuthError::SignInRequired {
                reason: reason.clone(),
            });
        }
        let Some(token) = state.refresh_token.clone() else {
            return Err(AuthError::SignInRequired {
                reason: "there is no session: sign in".to_owned(),
            });
        };
        drop(state);
        Ok(self.client.form_request(
            &self.url,
            vec![
                ("grant_type", "refresh_token"),
                ("refresh_token", token.expose()),
            ],
        ))
    }

    /// Marks the session ended, with why; returns the error every caller gets from now on.
    pub(crate) fn end(&self, reason: &str) -> AuthError {
        let mut state = self.lock_state();
        state.ended = Some(reason.to_owned());
        state.refresh_token = None;
        state.id_token = None;
        self.ended.store(true, Ordering::Release);
        AuthError::SignInRequired {
            reason: reason.to_owned(),
        }
    }

    /// The error of an ended session, or `None` while it lives.
    pub(crate) fn ended_error(&self) -> Option<AuthError> {
        if !self.ended.load(Ordering::Acquire) {
            return None;
        }
        self.lock_state()
            .ended
            .clone()
            .map(|reason| AuthError::SignInRequired { reason })
    }

    /// Starts a new session from `tokens` (a sign-in): a new id, generation 1.
    pub(crate) fn sign_in(&self, tokens: &super::SessionTokens) {
        let mut state = self.lock_state();
        state.sid = super::random_token(12);
        state.generation = 1;
        state.refresh_token = Some(tokens.refresh_token.clone());
        state.scope = tokens.scope.clone();
        state.id_token = tokens.id_token.clone();
        state.ended = None;
        state.unsaved = true;
        self.ended.store(false, Ordering::Release);
    }

    /// The current refresh token, for scrubbing server text.
    pub(crate) fn refresh_token(&self) -> Option<Secret> {
        self.lock_state().refresh_token.clone()
    }
}
