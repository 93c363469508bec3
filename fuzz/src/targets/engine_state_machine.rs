//! The real token engine (an API-key-exchange manager) driven by a sequence of events read
//! from the input: callers arriving, token answers with lifetimes, faults (5xx, 429 with
//! `Retry-After`, 401 with an OAuth2 error, network errors, garbage, redirects), invalidations
//! of the current or an unknown token, and time steps on a test clock.
//!
//! The transport holds every request until the input says how it is answered, so the driver
//! knows at each step which refresh is in flight. After each event it waits until every task
//! of the core's runtime is parked at the transport or finished (no real sleeping: retries
//! back off for at most 2 ms, and the clock only moves when the input says so).
//!
//! Invariants:
//! - at most one token request is in flight;
//! - no caller is ever handed a token past its lifetime (as announced, at least one second,
//!   counted from when its request was sent), nor a token that was never issued;
//! - every caller that waited on a refresh gets that refresh's result, the same for all;
//!   no caller is left waiting when no request is in flight;
//! - an error never contains any part of the credential, even when the server echoes it;
//! - the refresh-loop guard: once more than `loop_max_invalidations` invalidations fall
//!   within `loop_window_ms` (with no refresh in flight), no token request is sent and every
//!   caller gets `RefreshLoop` until the window ends; a token is discarded at most once;
//! - a refresh never panics (its task ending unexpectedly is reported as a crash).

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use authwire::fuzzing::{TestClock, api_key_manager, runtime_tasks_alive};
use authwire::{
    AccessToken, AuthError, AuthEvent, AuthListener, HttpHeader, HttpRequest, HttpResponse,
    HttpTransport, HttpTransportError, TokenOptions,
};
use futures::channel::oneshot;

use crate::input::{Input, filler, planted_secret};

type Outcome = Result<HttpResponse, HttpTransportError>;
type Call = Pin<Box<dyn Future<Output = authwire::Result<AccessToken>> + Send>>;

/// How long (real time) the driver waits for the engine to settle before it reports a hang.
const HANG: Duration = Duration::from_secs(10);

#[derive(Default)]
struct GateState {
    /// Requests waiting for their answer, with the test-clock time they were sent.
    pending: Vec<(oneshot::Sender<Outcome>, Duration)>,
    in_flight: usize,
    overlap: bool,
    sends: u64,
}

/// The transport: parks each request until the driver answers it.
struct Gate {
    state: Mutex<GateState>,
    clock: Arc<TestClock>,
}

struct InFlight<'a>(&'a Gate);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.state.lock().unwrap().in_flight -= 1;
    }
}

#[async_trait::async_trait]
impl HttpTransport for Gate {
    async fn send(&self, _request: HttpRequest) -> Result<HttpResponse, HttpTransportError> {
        let (tx, rx) = oneshot::channel();
        {
            let mut state = self.state.lock().unwrap();
            state.in_flight += 1;
            if state.in_flight > 1 {
                state.overlap = true;
            }
            state.sends += 1;
            state.pending.push((tx, self.clock.elapsed()));
        }
        let _in_flight = InFlight(self);
        rx.await.unwrap_or_else(|_| {
            Err(HttpTransportError::Network {
                reason: "the driver dropped the request".to_owned(),
            })
        })
    }
}

/// Records whether any refresh task ended unexpectedly.
#[derive(Default)]
struct Events(Mutex<Vec<String>>);

impl AuthListener for Events {
    fn on_event(&self, event: AuthEvent) {
        if let AuthEvent::RefreshFailed { reason, .. } = event {
            self.0.lock().unwrap().push(reason);
        }
    }
}

struct Driver {
    clock: Arc<TestClock>,
    gate: Arc<Gate>,
    manager: Arc<authwire::TokenManager>,
    events: Arc<Events>,
    /// Token → (sent at, lifetime the engine may count on).
    issued: HashMap<String, (Duration, Duration)>,
    discarded: Vec<String>,
    last_token: Option<String>,
    callers: Vec<Call>,
    invalidations: VecDeque<Duration>,
    max_invalidations: usize,
    window: Duration,
    /// The guard's end and the request count when it tripped.
    guard: Option<(Duration, u64)>,
    default_lifetime: Duration,
    next_token: u32,
}

fn poll_once(call: &mut Call) -> Poll<authwire::Result<AccessToken>> {
    let waker = futures::task::noop_waker();
    call.as_mut().poll(&mut Context::from_waker(&waker))
}

impl Driver {
    /// Waits until every task of the core's runtime is parked at the transport or done.
    fn quiesce(&self) {
        let start = Instant::now();
        loop {
            let alive = runtime_tasks_alive();
            {
                let state = self.gate.state.lock().unwrap();
                assert!(!state.overlap, "two token requests were in flight at once");
                assert!(
                    state.pending.len() <= 1,
                    "two token requests were in flight at once"
                );
                if alive == state.pending.len() && state.in_flight == state.pending.len() {
                    return;
                }
            }
            assert!(
                start.elapsed() < HANG,
                "the engine did not settle ({alive} tasks alive)"
            );
            std::thread::yield_now();
        }
    }

    fn pending_request(&self) -> bool {
        !self.gate.state.lock().unwrap().pending.is_empty()
    }

    fn sends(&self) -> u64 {
        self.gate.state.lock().unwrap().sends
    }

    fn now(&self) -> Duration {
        self.clock.elapsed()
    }

    fn guard_active(&mut self) -> bool {
        match self.guard {
            Some((until, _)) if self.now() < until => true,
            _ => {
                self.guard = None;
                false
            }
        }
    }

    /// Checks one caller's result as of now, whether it was served from the cache at once or
    /// waited for a refresh (`_waited`: the same rules hold for both).
    fn check(
        &mut self,
        result: &authwire::Result<AccessToken>,
        _waited: bool,
    ) -> Result<String, String> {
        let in_guard = self.guard_active();
        match result {
            Ok(token) => {
                let value = token.value().to_owned();
                let (sent_at, lifetime) = *self
                    .issued
                    .get(&value)
                    .unwrap_or_else(|| panic!("a token that was never issued: {value:?}"));
                let now = self.now();
                // Waiters included: a token whose lifetime (counted from its request) ended
                // before its answer arrived is never handed out (a finding of this target,
                // fixed in the engine).
                assert!(
                    now < sent_at + lifetime,
                    "an expired token was handed out: sent at {sent_at:?}, lifetime {lifetime:?}, now {now:?}"
                );
                assert!(
                    !in_guard,
                    "a token was handed out while the refresh-loop guard holds"
                );
                assert_eq!(token.authorization(), format!("Bearer {value}"));
                self.last_token = Some(value.clone());
                Ok(value)
            }
            Err(error) => {
                let text = format!("{error} {error:?}");
                assert!(
                    !text.contains("S3"),
                    "part of the credential is in {text:?}"
                );
                assert!(
                    !text.contains("stopped unexpectedly"),
                    "a refresh task ended unexpectedly: {text}"
                );
                if in_guard {
                    assert!(
                        matches!(error, AuthError::RefreshLoop { .. }),
                        "{error:?} while the refresh-loop guard holds"
                    );
                }
                Err(error.to_string())
            }
        }
    }

    /// Polls every waiting caller; returns the results of those that finished.
    fn poll_callers(&mut self) -> Vec<Result<String, String>> {
        let mut done = Vec::new();
        let mut still = Vec::new();
        for mut call in std::mem::take(&mut self.callers) {
            match poll_once(&mut call) {
                Poll::Ready(result) => done.push(result),
                Poll::Pending => still.push(call),
            }
        }
        self.callers = still;
        done.iter().map(|r| self.check(r, true)).collect()
    }

    /// After the engine settled: waiting callers need a request in flight.
    fn settle(&mut self) -> Vec<Result<String, String>> {
        self.quiesce();
        let start = Instant::now();
        let mut done = self.poll_callers();
        while !self.callers.is_empty() && !self.pending_request() {
            assert!(
                start.elapsed() < HANG,
                "{} callers wait with no token request in flight",
                self.callers.len()
            );
            std::thread::yield_now();
            done.extend(self.poll_callers());
        }
        if let Some((_, sends)) = self.guard
            && self.guard_active()
        {
            assert_eq!(
                self.sends(),
                sends,
                "a token request was sent while the refresh-loop guard holds"
            );
        }
        done
    }

    fn call(&mut self) {
        let manager = Arc::clone(&self.manager);
        let mut call: Call = Box::pin(async move { manager.token_async().await });
        match poll_once(&mut call) {
            Poll::Ready(result) => {
                let _ = self.check(&result, false);
            }
            Poll::Pending => self.callers.push(call),
        }
        self.settle();
    }

    /// Answers the request in flight (if any) with `outcome`; `lifetime` is what a token in
    /// it lets the engine count on.
    fn answer(&mut self, outcome: impl FnOnce(&mut Self) -> (Outcome, Option<(String, Duration)>)) {
        self.quiesce();
        let Some((tx, sent_at)) = self.gate.state.lock().unwrap().pending.pop() else {
            return;
        };
        let waiting = self.callers.len();
        let (outcome, token) = outcome(self);
        if let Some((token, lifetime)) = token {
            self.issued.insert(token, (sent_at, lifetime));
        }
        let _ = tx.send(outcome);
        let results = self.settle();
        if !self.pending_request() {
            // The refresh ended: every caller that waited on it has its result, the same.
            assert!(
                self.callers.is_empty(),
                "callers still wait after their refresh ended"
            );
            assert_eq!(
                results.len(),
                waiting,
                "not every waiter got the refresh's result"
            );
            if let Some(first) = results.first() {
                assert!(
                    results.iter().all(|r| r == first),
                    "waiters of one refresh got different results: {results:?}"
                );
            }
        }
    }

    fn invalidate(&mut self, token: &str, with_scheme: bool) {
        let was_current = if with_scheme {
            self.manager.invalidate(&format!("Bearer {token}"))
        } else {
            self.manager.invalidate(token)
        };
        if !was_current {
            self.settle();
            return;
        }
        assert!(
            self.issued.contains_key(token),
            "an unknown token was current"
        );
        assert!(
            !self.discarded.iter().any(|t| t == token),
            "a token was discarded twice"
        );
        self.discarded.push(token.to_owned());
        let now = self.now();
        self.invalidations.push_back(now);
        while self
            .invalidations
            .front()
            .is_some_and(|t| now - *t > self.window)
        {
            self.invalidations.pop_front();
        }
        self.settle();
        if self.invalidations.len() > self.max_invalidations && !self.pending_request() {
            let until = self.invalidations[0] + self.window;
            self.guard = Some((until, self.sends()));
        }
    }

    fn finish(&mut self) {
        loop {
            self.quiesce();
            let Some((tx, _)) = self.gate.state.lock().unwrap().pending.pop() else {
                break;
            };
            let _ = tx.send(Err(HttpTransportError::Network {
                reason: "the input ended".to_owned(),
            }));
        }
        self.settle();
        assert!(self.callers.is_empty(), "callers still wait at the end");
        for reason in self.events.0.lock().unwrap().iter() {
            assert!(
                !reason.contains("S3"),
                "part of the credential in an event: {reason}"
            );
            assert!(
                !reason.contains("stopped unexpectedly"),
                "a refresh task ended unexpectedly"
            );
        }
    }
}

fn json(status: u16, body: serde_json::Value, headers: Vec<(&str, String)>) -> Outcome {
    Ok(HttpResponse {
        status,
        headers: headers
            .into_iter()
            .map(|(name, value)| HttpHeader {
                name: name.to_owned(),
                value,
            })
            .chain(std::iter::once(HttpHeader {
                name: "Content-Type".to_owned(),
                value: "application/json".to_owned(),
            }))
            .collect(),
        body: body.to_string().into_bytes(),
    })
}

/// Runs one input.
pub fn run(data: &[u8]) {
    let mut input = Input::new(data);
    let secret = planted_secret(&mut input);
    let clock = TestClock::new(Duration::from_secs(1_700_000_000));
    let gate = Arc::new(Gate {
        state: Mutex::new(GateState::default()),
        clock: Arc::clone(&clock),
    });
    let max_invalidations = 1 + u32::from(input.byte() % 4);
    let window_ms = *input.pick(&[1_000u64, 10_000, 60_000]);
    let options = TokenOptions::default()
        .max_attempts(1 + u32::from(input.byte() % 3))
        .backoff_initial(Duration::from_millis(1))
        .backoff_max(Duration::from_millis(2))
        .retry_budget(Duration::from_millis(1_000))
        .request_timeout(Duration::from_millis(600_000))
        .default_lifetime(Duration::from_secs(60))
        .loop_max_invalidations(max_invalidations)
        .loop_window(Duration::from_millis(window_ms))
        .transport(Arc::clone(&gate) as Arc<dyn HttpTransport>);
    let manager = api_key_manager(&secret, options, Arc::clone(&clock)).expect("valid options");
    let events = Arc::new(Events::default());
    manager.set_listener(Some(Arc::clone(&events) as Arc<dyn AuthListener>));
    let mut driver = Driver {
        clock,
        gate,
        manager,
        events,
        issued: HashMap::new(),
        discarded: Vec::new(),
        last_token: None,
        callers: Vec::new(),
        invalidations: VecDeque::new(),
        max_invalidations: max_invalidations as usize,
        window: Duration::from_millis(window_ms),
        guard: None,
        default_lifetime: Duration::from_secs(60),
        next_token: 0,
    };
    let mut steps = 0;
    while !input.is_empty() && steps < 64 {
        steps += 1;
        match input.byte() % 8 {
            0 | 1 => {
                for _ in 0..=(input.byte() % 3) {
                    driver.call();
                }
            }
            2 => {
                let lifetime = *input.pick(&[
                    None,
                    Some(0u64),
                    Some(1),
                    Some(2),
                    Some(5),
                    Some(30),
                    Some(300),
                    Some(3600),
                ]);
                let as_string = input.byte().is_multiple_of(2);
                driver.answer(|d| {
                    d.next_token += 1;
                    let token = format!("tok-{}", d.next_token);
                    let mut body = serde_json::json!({ "token": token });
                    if let Some(secs) = lifetime {
                        body["expirationTime"] = if as_string {
                            serde_json::json!(secs.to_string())
                        } else {
                            serde_json::json!(secs)
                        };
                    }
                    let counts_on =
                        lifetime.map_or(d.default_lifetime, |s| Duration::from_secs(s.max(1)));
                    (json(200, body, Vec::new()), Some((token, counts_on)))
                });
            }
            3 => {
                let fault = input.byte() % 9;
                let echo = format!(
                    "{}{}{}",
                    filler(input.bytes(230)),
                    secret,
                    filler(input.bytes(20))
                );
                let retry_after =
                    (*input.pick(&["0", "2", "120", "Sun, 06 Nov 1994 08:49:37 GMT"])).to_owned();
                driver.answer(|_| {
                    let outcome = match fault {
                        0 => json(500, serde_json::json!({ "message": echo }), Vec::new()),
                        1 => json(503, serde_json::json!({ "detail": echo }), vec![("Retry-After", retry_after)]),
                        2 => json(429, serde_json::json!({}), vec![("Retry-After", retry_after)]),
                        3 => json(401, serde_json::json!({ "error": "invalid_client", "error_description": echo }), Vec::new()),
                        4 => json(400, serde_json::json!({ "message": echo }), Vec::new()),
                        5 => Err(HttpTransportError::Network { reason: echo }),
                        6 => json(302, serde_json::json!({ "message": echo }), vec![("Location", echo.clone())]),
                        7 => json(200, serde_json::json!({ "token": "has a space", "expirationTime": 60 }), Vec::new()),
                        _ => Ok(HttpResponse {
                            status: 200,
                            headers: Vec::new(),
                            body: echo.into_bytes(),
                        }),
                    };
                    (outcome, None)
                });
            }
            4 => {
                let step = *input.pick(&[
                    1u64, 10, 100, 250, 500, 1_000, 2_000, 5_000, 30_000, 120_000, 3_600_000,
                ]);
                driver.clock.advance(Duration::from_millis(
                    step * u64::from(1 + input.byte() % 3),
                ));
                driver.settle();
            }
            5 | 6 => {
                if let Some(token) = driver.last_token.clone() {
                    let with_scheme = input.byte().is_multiple_of(2);
                    driver.invalidate(&token, with_scheme);
                }
            }
            _ => {
                assert!(
                    !driver.manager.invalidate("never-issued-token"),
                    "an unknown token was current"
                );
            }
        }
    }
    driver.finish();
}
