//! Sign-in with the authorization code grant and PKCE (RFC 6749 §4.1, RFC 7636 with S256).

use std::sync::Arc;

use base64::Engine as _;
use sha2::{Digest, Sha256};

use super::SessionTokens;
use super::answer::parse_response;
use super::source::{Client, SignInParts};
use crate::credential::ClientAuthMethod;
use crate::error::{AuthError, Result};
use crate::exchange::Endpoint;
use crate::secret::{REDACTED, Secret};
use crate::token::options::TokenOptions;
use crate::transport::{Guarded, check_url};

/// One sign-in with the authorization code grant and PKCE (RFC 7636, `S256`): the protocol
/// half. The browser step belongs to the app (`ASWebAuthenticationSession`, Custom Tabs, the
/// system browser with a loopback or private-use redirect, RFC 8252).
///
/// 1. Open [`authorization_url`](Self::authorization_url) in the browser. It carries a fresh
///    `state`, the PKCE challenge, and a `nonce` when the `openid` scope is asked.
/// 2. When the browser comes back to the redirect URI, pass the whole URL to
///    [`finish`](Self::finish): it checks `state`, turns an `error` into
///    [`AuthError::OAuth`], exchanges the code with the verifier, and returns the
///    [`SessionTokens`] that start a [`TokenManager::user_session`](crate::TokenManager::user_session).
///
/// The verifier never leaves this object; it prints as
/// `AuthorizationCodeFlow(client_id=..., redirect_uri=..., state/verifier=[redacted])`.
#[derive(uniffi::Object)]
#[uniffi::export(Debug, Display)]
pub struct AuthorizationCodeFlow {
    authorize: Endpoint,
    token_url: Endpoint,
    client: Client,
    redirect_uri: String,
    scopes: Vec<String>,
    state: Secret,
    nonce: Option<Secret>,
    verifier: Secret,
    http: Arc<Guarded>,
}

impl std::fmt::Debug for AuthorizationCodeFlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "AuthorizationCodeFlow(client_id={:?}, redirect_uri={:?}, state={REDACTED}, verifier={REDACTED})",
            self.client.id.expose(),
            self.redirect_uri
        )
    }
}

impl std::fmt::Display for AuthorizationCodeFlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

impl AuthorizationCodeFlow {
    /// A new sign-in (fresh `state`, verifier and `nonce`). `authorization_url` and
    /// `token_url` are the server's endpoints; `redirect_uri` is registered for the client
    /// (a private-use scheme such as `com.example.app:/oauth2redirect`, or a loopback
    /// URL); `client_secret` only for a confidential client.
    ///
    /// # Errors
    /// [`AuthError::InvalidConfiguration`] for a non-HTTPS endpoint, an empty client id, a
    /// redirect URI that is not an absolute URI, an invalid scope or invalid options.
    pub fn new(
        authorization_url: &str,
        token_url: &str,
        client_id: &str,
        redirect_uri: &str,
        scopes: &[&str],
        client_secret: Option<(&str, ClientAuthMethod)>,
        options: impl Into<Option<TokenOptions>>,
    ) -> Result<Self> {
        let authorize = check_url(authorization_url)?;
        if !redirect_uri.contains(':') || redirect_uri.chars().any(|c| c.is_control() || c == ' ') {
            return Err(AuthError::invalid_configuration(
                "the redirect URI must be an absolute URI (a private-use scheme such as com.example.app:/callback, or http://127.0.0.1:<port>/...)",
            ));
        }
        let SignInParts {
            token_url,
            client,
            scopes,
            http,
        } = SignInParts::new(token_url, client_id, scopes, client_secret, options.into())?;
        let verifier = Secret::new(super::random_token(32));
        Ok(Self {
            authorize,
            token_url,
            client,
            redirect_uri: redirect_uri.to_owned(),
            nonce: scopes
                .iter()
                .any(|s| s == "openid")
                .then(|| Secret::new(super::random_token(16))),
            scopes,
            state: Secret::new(super::random_token(16)),
            verifier,
            http,
        })
    }

    /// The code of `redirect_url`, after checking it belongs to this sign-in.
    fn code_of(&self, redirect_url: &str) -> Result<Secret> {
        let invalid = |reason: &str| AuthError::InvalidResponse {
            reason: reason.to_owned(),
        };
        let base = self
            .redirect_uri
            .split(['?', '#'])
            .next()
            .unwrap_or_default();
        let (target, query) = match redirect_url.split_once('?') {
            Some((target, query)) => (target, query.split('#').next().unwrap_or_default()),
            None => (redirect_url.split('#').next().unwrap_or_default(), ""),
        };
        if target != base {
            return Err(invalid(
                "the redirect is not to this sign-in's redirect URI",
            ));
        }
        let mut params: Vec<(String, String)> = Vec::new();
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            if matches!(
                &*name,
                "code" | "state" | "error" | "error_description" | "iss"
            ) && params.iter().any(|(n, _)| *n == name)
            {
                return Err(invalid(&format!(
                    "the redirect repeats the parameter {name:?} (RFC 6749 §3.1 forbids it): it is malformed or forged"
                )));
            }
            params.push((name.into_owned(), value.into_owned()));
        }
        let get = |name: &str| {
            params
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        let state_ok = get("state").is_some_and(|s| {
            s.len() == self.state.expose().len()
                && s.bytes()
                    .zip(self.state.expose().bytes())
                    .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                    == 0
        });
        if !state_ok {
            return Err(invalid(
                "the redirect's state does not match this sign-in (a forged, replayed or stale redirect): start a new sign-in",
            ));
        }
        if let Some(error) = get("error") {
            let clean = |text: &str| -> String {
                crate::exchange::one_line(text).chars().take(200).collect()
            };
            return Err(AuthError::OAuth {
                status: 302,
                error: clean(error),
                description: clean(get("error_description").unwrap_or_default()),
            });
        }
        match get("code") {
            Some(code) if !code.is_empty() && !code.chars().any(char::is_control) => {
                Ok(Secret::new(code))
            }
            _ => Err(invalid("the redirect has no authorization code")),
        }
    }

    /// The sign-in's end, awaited: checks `redirect_url` and exchanges its code.
    ///
    /// # Errors
    /// As [`finish`](Self::finish).
    pub async fn finish_async(&self, redirect_url: &str) -> Result<SessionTokens> {
        let code = self.code_of(redirect_url)?;
        let request = self.client.form_request(
            &self.token_url,
            vec![
                ("grant_type", "authorization_code"),
                ("code", code.expose()),
                ("redirect_uri", &self.redirect_uri),
                ("code_verifier", self.verifier.expose()),
            ],
        );
        let mut secrets = vec![code.expose().to_owned(), self.verifier.expose().to_owned()];
        secrets.extend(self.client.secret_forms());
        // One attempt: a code is single-use, so a retried exchange could only fail.
        let response = super::send_once(Arc::clone(&self.http), request, secrets)
            .await
            .map_err(|e| e.error)?;
        let answer = parse_response(&response, &|t| t).map_err(|e| e.error)?;
        let refresh_token = answer.refresh_token.ok_or_else(|| AuthError::InvalidResponse {
            reason: "the token response has no refresh_token: ask for the offline_access scope, or allow the client the refresh_token grant".to_owned(),
        })?;
        Ok(SessionTokens {
            access_token: answer.fetched.token,
            refresh_token,
            expires_in: answer.fetched.lifetime,
            scope: answer.scope,
            id_token: answer.id_token,
        })
    }
}

#[uniffi::export]
impl AuthorizationCodeFlow {
    /// A new sign-in: see the Rust `AuthorizationCodeFlow::new`. `client_secret` (with
    /// `auth_method`) only for a confidential client.
    ///
    /// # Errors
    /// [`AuthError::InvalidConfiguration`] for a non-HTTPS endpoint, an empty client id, a
    /// redirect URI that is not absolute, an invalid scope or invalid options.
    #[uniffi::constructor(
        name = "new",
        default(scopes = [], client_secret = None, auth_method = None, options = None)
    )]
    #[allow(clippy::too_many_arguments)]
    fn ffi_new(
        authorization_url: &str,
        token_url: &str,
        client_id: &str,
        redirect_uri: &str,
        scopes: Vec<String>,
        client_secret: Option<String>,
        auth_method: Option<ClientAuthMethod>,
        options: Option<TokenOptions>,
    ) -> Result<Arc<Self>> {
        let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
        Self::new(
            authorization_url,
            token_url,
            client_id,
            redirect_uri,
            &scopes,
            client_secret
                .as_deref()
                .map(|s| (s, auth_method.unwrap_or_default())),
            options,
        )
        .map(Arc::new)
    }

    /// The URL to open in the browser: `response_type=code`, `client_id`, `redirect_uri`,
    /// `scope`, `state`, `code_challenge` (S256) and, with the `openid` scope, `nonce`.
    pub fn authorization_url(&self) -> String {
        let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(Sha256::digest(self.verifier.expose().as_bytes()));
        let scope = self.scopes.join(" ");
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.append_pair("response_type", "code");
        query.append_pair("client_id", self.client.id.expose());
        query.append_pair("redirect_uri", &self.redirect_uri);
        if !scope.is_empty() {
            query.append_pair("scope", &scope);
        }
        query.append_pair("state", self.state.expose());
        query.append_pair("code_challenge", &challenge);
        query.append_pair("code_challenge_method", "S256");
        if let Some(nonce) = &self.nonce {
            query.append_pair("nonce", nonce.expose());
        }
        let base = self.authorize.as_str();
        let sep = if base.contains('?') { '&' } else { '?' };
        format!("{base}{sep}{}", query.finish())
    }

    /// The `nonce` sent with the `openid` scope, to compare with the ID token's `nonce`
    /// claim when you validate it; `None` without `openid`.
    pub fn nonce(&self) -> Option<String> {
        self.nonce.as_ref().map(|n| n.expose().to_owned())
    }

    /// The sign-in's end, blocking: checks `redirect_url` (the whole URL the browser came
    /// back with) and exchanges its code with the PKCE verifier. From async code use
    /// `finish_async`.
    ///
    /// # Errors
    /// [`AuthError::InvalidResponse`] when the redirect is not for this sign-in (another
    /// redirect URI, a `state` that does not match, a repeated parameter, no code) or the
    /// answer is not a Bearer token answer with a refresh token; [`AuthError::OAuth`] for an
    /// `error` in the redirect (status 302, e.g. `access_denied`) or from the token endpoint
    /// (e.g. `invalid_grant` for a wrong verifier or a replayed code); network errors.
    pub fn finish(&self, redirect_url: &str) -> Result<Arc<SessionTokens>> {
        futures::executor::block_on(self.finish_async(redirect_url)).map(Arc::new)
    }

    /// The sign-in's end, awaited without blocking a thread.
    ///
    /// # Errors
    /// As `finish`.
    #[uniffi::method(name = "finish_async")]
    async fn ffi_finish_async(&self, redirect_url: String) -> Result<Arc<SessionTokens>> {
        self.finish_async(&redirect_url).await.map(Arc::new)
    }
}
