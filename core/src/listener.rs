//! Events for logging and metrics. Events never carry a token, a key or a password.

/// Something that happened inside a token manager or CSRF session.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
#[non_exhaustive]
pub enum AuthEvent {
    /// A token request is about to be sent (attempt 1 is the first try).
    TokenRequested {
        /// The attempt number within this refresh, from 1.
        attempt: u32,
    },
    /// A new token was obtained.
    TokenRefreshed {
        /// The token's lifetime, in milliseconds.
        lifetime_ms: u64,
        /// Time until it will be refreshed, in milliseconds.
        refresh_in_ms: u64,
    },
    /// An attempt failed with a retryable error; the next starts after `delay_ms`.
    RefreshRetrying {
        /// The attempt that failed.
        attempt: u32,
        /// The wait before the next attempt, in milliseconds.
        delay_ms: u64,
        /// The kind of network failure, when the attempt failed on the network.
        network_kind: Option<crate::NetworkErrorKind>,
        /// The error, as the sentence of [`AuthError`](crate::AuthError).
        reason: String,
    },
    /// A refresh failed for good.
    RefreshFailed {
        /// The kind of network failure, when the refresh failed on the network.
        network_kind: Option<crate::NetworkErrorKind>,
        /// The error, as the sentence of [`AuthError`](crate::AuthError).
        reason: String,
        /// True when a still-valid token keeps being served meanwhile.
        serving_stale: bool,
    },
    /// `invalidate` discarded the current token.
    TokenInvalidated,
    /// A token that another process requested was taken from the token store, without a
    /// request of this process's own.
    StoreTokenAdopted {
        /// How long ago the other process requested it, in milliseconds.
        age_ms: u64,
    },
    /// The token store failed, hung or answered an error: this manager requests its own
    /// tokens and tries the store again after `retry_in_ms`. Callers are not affected.
    StoreUnavailable {
        /// What failed, as the store reported it.
        reason: String,
        /// When the store is tried again, in milliseconds.
        retry_in_ms: u64,
    },
    /// The token store answered again after failing: tokens are shared again.
    StoreRecovered,
    /// An entry in the token store was ignored, and is never served: it was tampered with,
    /// sealed with another credential, or is not an authwire entry.
    StoreEntryRejected {
        /// Why it was refused.
        reason: String,
    },
    /// A user session ended: the server refused its refresh token (`invalid_grant`), the
    /// user signed out (here or in another process), or no session is stored. Every call
    /// now fails with [`AuthError::SignInRequired`](crate::AuthError::SignInRequired) until
    /// the user signs in again.
    SessionEnded {
        /// Why, without any token.
        reason: String,
    },
    /// The process holding the store's lock did not deliver a token within the request
    /// timeout: this manager requested its own (and stored it for the others).
    StoreWaitTimedOut {
        /// How long it waited, in milliseconds.
        waited_ms: u64,
    },
}

/// Receives [`AuthEvent`]s; implement it in any language to log or count what the manager
/// does. Called from the library's own threads: return quickly and do not block.
#[uniffi::export(with_foreign)]
pub trait AuthListener: Send + Sync {
    /// Called once per event.
    fn on_event(&self, event: AuthEvent);
}
