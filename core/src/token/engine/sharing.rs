//! The engine's side of token sharing: at the refresh point, the token comes through the
//! store protocol (`crate::store::shared`) when the options name a store.

use std::sync::Arc;
use std::time::Duration;

use super::super::clock::Mono;
use super::super::policy;
use super::Engine;
use crate::credential::Fetched;
use crate::error::AuthError;
use crate::listener::AuthEvent;
use crate::secret::Secret;
use crate::store::shared::{Host, Obtained};

impl Host for Engine {
    fn current_token(&self) -> Option<Secret> {
        let state = self.state.read().unwrap_or_else(|e| e.into_inner());
        state.current.as_ref().map(|c| c.token.clone())
    }

    fn is_fresh(&self, lifetime: Duration, age: Duration) -> bool {
        // The earliest refresh point any jitter could give it: a token adopted now is not
        // refreshed again at once.
        let now = self.clock.monotonic();
        let requested_at = Mono(now.0.saturating_sub(age));
        let schedule = policy::schedule(&self.options, requested_at, lifetime, Duration::ZERO, 1.0);
        now < schedule.refresh_at
    }

    fn default_lifetime(&self) -> Duration {
        Duration::from_secs(self.options.default_lifetime_secs)
    }

    fn emit(&self, event: AuthEvent) {
        Engine::emit(self, event);
    }
}

impl Engine {
    /// A token for the refresh: through the store if there is one, else requested.
    pub(super) async fn obtain(
        self: &Arc<Self>,
    ) -> Result<(Fetched, Mono), (AuthError, Option<Duration>)> {
        if let crate::credential::Source::Session(session) = &self.source {
            let session = Arc::clone(session);
            return self.obtain_session(&session).await;
        }
        let Some(shared) = &self.shared else {
            return self.fetch_with_retries().await;
        };
        let request = || self.fetch_with_retries();
        match shared
            .obtain(&**self, request, |(fetched, _)| fetched)
            .await
        {
            Obtained::Requested(outcome) => outcome,
            Obtained::Adopted { fetched, age } => {
                // Its lifetime started when the other process requested it.
                let now = self.clock.monotonic();
                Ok((fetched, Mono(now.0.saturating_sub(age))))
            }
        }
    }
}
