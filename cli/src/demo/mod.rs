//! `authwire demo`: the token manager under load, against local servers, with no account
//! and no network beyond loopback.
//!
//! Many workers call a protected resource through a real HTTP client, each asking the one
//! shared `TokenManager` for the header before every call. The resource accepts only
//! unexpired tokens that the local token server issued, so the summary shows whether the
//! manager ever let an expired token out.

mod fleet;
mod server;

use std::collections::BTreeMap;
use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use authwire::{ApiKey, AuthError, TokenManager, TokenStats};
use clap::Args;
use tokio::task::JoinSet;

use self::server::{DemoServers, Faults, RETRY_AFTER_SECS, SLOW_DELAY};
use crate::error::{CliError, CliResult, EXIT_DEMO_FAILED, EXIT_INVALID};
use crate::output::print_lines;

/// Examples shown under `authwire demo --help`.
pub const DEMO_EXAMPLES: &str = "\
Examples:
  authwire demo
  authwire demo --duration 60 --workers 64 --lifetime 3
  authwire demo --faults 5xx,429,slow --fault-rate 0.3
  authwire demo --faults revoke --fault-rate 1 --duration 10
  authwire demo --serve --port 8765 --key-file /tmp/authwire-demo-key.json
  authwire demo --processes 8 --duration 10 --lifetime 2
  authwire demo --processes 8 --store redis://127.0.0.1:6379

The demo starts, on 127.0.0.1 with random ports, an XTD-shaped token server
(POST /v1/token {\"apiKey\"} -> {\"token\", \"expirationTime\"}) and a protected
resource (GET /resource, 200 for an unexpired token the server issued, else 401).
One TokenManager (api_key_exchange) serves every worker; a worker that gets a 401
calls invalidate(token) and retries once. Live progress goes to stderr, the
summary table to stdout. Faults hit --fault-rate of the token requests: 5xx
answers 503; 429 answers 429 with Retry-After: 1; slow answers after 1.5 s;
revoke (that share of issued tokens) makes the resource reject a token partway
through its life, so workers get 401, invalidate it and retry.
Exit code 0, or 1 when an expired token reached the resource or no call was served.

--processes N runs N worker processes (each with its own TokenManager and --workers
tasks) twice against the same servers: without a token store, then with --store
(default: a file in a temporary directory), and compares the token requests.

--serve runs only the server, on one port, for your own requests (see cli/README.md):
POST /v1/token (XTD, key from --key-file), POST /oauth/token (client credentials
demo-client / demo-secret), GET /resource, and HEAD|GET /csrf (Basic demo:demo).";

/// `authwire demo`.
#[derive(Args, Debug, Clone)]
pub struct DemoCmd {
    /// How long the workers run, in seconds [default: 20; with --serve: until stopped]
    #[arg(long, value_name = "SECS")]
    pub duration: Option<f64>,
    /// How many concurrent workers call the resource
    #[arg(long, value_name = "N", default_value_t = 32)]
    pub workers: usize,
    /// The lifetime of each token the local server issues, in seconds
    #[arg(long, value_name = "SECS", default_value_t = 5)]
    pub lifetime: u64,
    /// Faults to inject: a comma-separated list of 5xx, 429, slow, revoke
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub faults: Vec<String>,
    /// The fraction of token requests (for revoke: of issued tokens) that get a fault
    #[arg(long, value_name = "FRACTION", default_value_t = 0.2)]
    pub fault_rate: f64,
    /// Each worker pauses this long between its calls, in milliseconds
    #[arg(long, value_name = "MS", default_value_t = 1)]
    pub pause_ms: u64,
    /// Only run the local server (token, resource and CSRF routes on one port) for your own
    /// requests; prints its base URL on stdout
    #[arg(long, requires = "key_file")]
    pub serve: bool,
    /// With --serve: the port on 127.0.0.1 (0 picks a free one)
    #[arg(long, value_name = "PORT", default_value_t = 0, requires = "serve")]
    pub port: u16,
    /// With --serve: write the server's XTD API-key file here (mode 0600), for `authwire token`
    #[arg(long, value_name = "PATH", requires = "serve")]
    pub key_file: Option<PathBuf>,
    /// Run N worker processes, without and then with a token store, and compare the token
    /// requests
    #[arg(long, value_name = "N", conflicts_with = "serve")]
    pub processes: Option<usize>,
    #[arg(long, value_name = "SPEC", help = crate::store::STORE_HELP)]
    pub store: Option<String>,
    /// Internal: one worker process of --processes
    #[arg(long, hide = true)]
    pub fleet_worker: bool,
}

/// What the workers counted.
#[derive(Debug, Default)]
struct Metrics {
    calls: AtomicU64,
    served: AtomicU64,
    recovered_401: AtomicU64,
    /// Set once any worker got a header.
    had_token: AtomicBool,
    /// The longest wait for a header while the first token was being fetched, in µs.
    first_wait_us: AtomicU64,
    /// The longest wait for a header after that, in µs.
    later_wait_us: AtomicU64,
    errors: Mutex<BTreeMap<String, u64>>,
}

impl Metrics {
    fn error(&self, kind: String) {
        *self
            .errors
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(kind)
            .or_default() += 1;
    }

    fn error_count(&self) -> u64 {
        self.errors
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .sum()
    }
}

impl DemoCmd {
    fn faults(&self) -> CliResult<Faults> {
        let mut faults = Faults {
            rate: self.fault_rate,
            ..Faults::default()
        };
        for name in &self.faults {
            match name.trim().to_ascii_lowercase().as_str() {
                "5xx" | "503" | "500" => faults.server_error = true,
                "429" => faults.rate_limit = true,
                "slow" => faults.slow = true,
                "revoke" => faults.revoke = true,
                "" | "none" => {}
                other => {
                    return Err(CliError::usage(format!(
                        "unknown fault {other:?}: use a comma-separated list of 5xx, 429, slow, revoke"
                    )));
                }
            }
        }
        if !(0.0..=1.0).contains(&self.fault_rate) {
            return Err(CliError::usage("--fault-rate must be between 0 and 1"));
        }
        Ok(faults)
    }

    /// Runs the demo and prints its summary; returns the exit code.
    ///
    /// # Errors
    /// Bad flags (2), or a local server that cannot start (3).
    pub fn run(&self) -> CliResult<i32> {
        let faults = self.faults()?;
        if let Some(duration) = self.duration
            && !(duration.is_finite() && duration > 0.0 && duration <= 86_400.0)
        {
            return Err(CliError::usage(
                "--duration must be a number of seconds above 0 (at most 86400)",
            ));
        }
        if self.workers == 0 || self.workers > 10_000 {
            return Err(CliError::usage("--workers must be between 1 and 10000"));
        }
        if self.lifetime == 0 {
            return Err(CliError::usage("--lifetime must be at least 1 second"));
        }
        bypass_proxies_for_loopback();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("authwire-demo")
            .enable_all()
            .build()
            .map_err(|err| CliError::invalid(format!("cannot start the demo's runtime: {err}")))?;
        let code = match (&self.key_file, self.processes) {
            _ if self.fleet_worker => runtime.block_on(fleet::worker_process(self)),
            (_, Some(processes)) => runtime.block_on(fleet::run(self, processes, faults)),
            (Some(key_file), _) if self.serve => runtime.block_on(self.serve(faults, key_file)),
            _ => runtime.block_on(self.run_async(faults)),
        };
        // Connections still open on the servers' side would otherwise delay the exit.
        runtime.shutdown_timeout(Duration::from_millis(100));
        code
    }

    /// `--serve`: the local server alone, until `--duration` passes or the process is stopped.
    async fn serve(&self, faults: Faults, key_file: &Path) -> CliResult<i32> {
        let api_key_text = random_key("demo");
        write_key_file(key_file, &api_key_text)?;
        let lifetime = Duration::from_secs(self.lifetime);
        let (servers, base) = DemoServers::start_single(self.port, api_key_text, lifetime, faults)
            .await
            .map_err(|err| {
                CliError::with_code(
                    EXIT_INVALID,
                    format!("cannot listen on 127.0.0.1:{}: {err}", self.port),
                )
            })?;
        print_lines(&[&base])?;
        eprintln!(
            "authwire demo --serve on {base} (token lifetime {} s, faults: {}):\n  \
             POST {base}/v1/token     XTD exchange; API-key file: {}\n  \
             POST {base}/oauth/token  OAuth2 client credentials: demo-client / demo-secret\n  \
             GET  {base}/resource     needs Authorization: Bearer <a token from either>\n  \
             HEAD {base}/csrf         CSRF fetch for user demo, password demo\n\
             {}",
            self.lifetime,
            fault_names(&faults),
            key_file.display(),
            match self.duration {
                Some(secs) => format!("stopping after {secs} s"),
                None => "stop with Ctrl-C".to_owned(),
            }
        );
        match self.duration {
            Some(secs) => tokio::time::sleep(Duration::from_secs_f64(secs)).await,
            None => std::future::pending::<()>().await,
        }
        let c = &servers.counters;
        eprintln!(
            "authwire demo --serve: {} tokens issued, {} resource calls served, {} rejected",
            c.tokens_issued.load(Ordering::Relaxed),
            c.resource_ok.load(Ordering::Relaxed),
            c.resource_missing.load(Ordering::Relaxed)
                + c.resource_unknown.load(Ordering::Relaxed)
                + c.resource_revoked.load(Ordering::Relaxed)
                + c.resource_expired.load(Ordering::Relaxed),
        );
        Ok(0)
    }

    async fn run_async(&self, faults: Faults) -> CliResult<i32> {
        let api_key_text = random_key("demo");
        let lifetime = Duration::from_secs(self.lifetime);
        let servers = DemoServers::start(api_key_text.clone(), lifetime, faults)
            .await
            .map_err(|err| {
                CliError::with_code(
                    EXIT_INVALID,
                    format!("cannot start the local servers: {err}"),
                )
            })?;
        let api_key = ApiKey::from_encoded_key(&api_key_text)?;
        let options = crate::store::options(self.store.as_deref())?;
        let manager = Arc::new(TokenManager::api_key_exchange(
            &servers.token_url,
            &api_key,
            options,
        )?);
        let client = reqwest::Client::builder()
            .no_proxy()
            .pool_max_idle_per_host(self.workers)
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|err| CliError::invalid(format!("cannot set up the HTTP client: {err}")))?;
        eprintln!(
            "authwire demo: token server {}, resource {}; {} workers for {} s, token lifetime {} s, faults: {}",
            servers.token_url,
            servers.resource_url,
            self.workers,
            self.duration.unwrap_or(20.0),
            self.lifetime,
            fault_names(&faults),
        );

        let metrics = Arc::new(Metrics::default());
        let started = Instant::now();
        let deadline = started + Duration::from_secs_f64(self.duration.unwrap_or(20.0));
        let mut workers = JoinSet::new();
        for _ in 0..self.workers {
            workers.spawn(worker(Worker {
                manager: Arc::clone(&manager),
                client: client.clone(),
                url: servers.resource_url.clone(),
                metrics: Arc::clone(&metrics),
                deadline,
                pause: Duration::from_millis(self.pause_ms),
            }));
        }
        let progress = tokio::spawn(progress(
            Arc::clone(&manager),
            Arc::clone(&metrics),
            started,
            deadline,
        ));
        while workers.join_next().await.is_some() {}
        progress.abort();
        let _ = progress.await;
        let elapsed = started.elapsed();
        if std::io::stderr().is_terminal() {
            eprint!("\r\x1b[2K");
        }

        let summary = Summary {
            workers: self.workers,
            elapsed,
            lifetime: self.lifetime,
            faults,
            stats: manager.stats(),
            metrics: &metrics,
            servers: &servers,
        };
        print_lines(&summary.lines())?;
        let expired = servers.counters.resource_expired.load(Ordering::Relaxed);
        let served = metrics.served.load(Ordering::Relaxed);
        if expired > 0 {
            eprintln!(
                "authwire: demo failed: {expired} calls reached the resource with an expired token"
            );
            return Ok(EXIT_DEMO_FAILED);
        }
        if served == 0 {
            eprintln!("authwire: demo failed: no call was served");
            return Ok(EXIT_DEMO_FAILED);
        }
        Ok(0)
    }
}

/// Everything the demo talks to is on 127.0.0.1, but the core's HTTP client (like most)
/// sends even loopback requests through `HTTP_PROXY` unless `NO_PROXY` lists the address:
/// add 127.0.0.1 and localhost to `NO_PROXY` / `no_proxy` before the client is built.
fn bypass_proxies_for_loopback() {
    const LOOPBACK: &str = "127.0.0.1,localhost";
    for name in ["NO_PROXY", "no_proxy"] {
        let value = match std::env::var(name) {
            Ok(existing) if !existing.trim().is_empty() => format!("{existing},{LOOPBACK}"),
            _ => LOOPBACK.to_owned(),
        };
        // SAFETY: called from `DemoCmd::run` before the demo's runtime or the core's runtime
        // starts, while the main thread is the only thread of the process.
        unsafe { std::env::set_var(name, value) };
    }
}

/// A random key-like string, `<prefix>-<32 hex digits>` (fastrand: fine for a local demo,
/// not for real credentials).
fn random_key(prefix: &str) -> String {
    format!(
        "{prefix}-{:016x}{:016x}",
        fastrand::u64(..),
        fastrand::u64(..)
    )
}

/// Writes an XTD-shaped API-key file for `demo --serve`, readable only by its owner.
fn write_key_file(path: &Path, encoded_key: &str) -> CliResult<()> {
    let text = serde_json::json!({
        "appClientId": "authwire-demo",
        "appClientSecret": random_key("demo-secret"),
        "encodedKey": encoded_key,
    })
    .to_string();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .and_then(|mut file| {
            // An existing file keeps its mode on open: restrict it before writing the key.
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt as _;
                file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
            }
            file.write_all(text.as_bytes())
        })
        .map_err(|err| {
            CliError::invalid(format!(
                "cannot write the API-key file {}: {err}",
                path.display()
            ))
        })
}

/// One worker's loop: header, call, and on 401 invalidate and retry once.
struct Worker {
    manager: Arc<TokenManager>,
    client: reqwest::Client,
    url: String,
    metrics: Arc<Metrics>,
    deadline: Instant,
    pause: Duration,
}

async fn worker(w: Worker) {
    while Instant::now() < w.deadline {
        w.metrics.calls.fetch_add(1, Ordering::Relaxed);
        match call_with_retry(&w).await {
            Ok(()) => {
                w.metrics.served.fetch_add(1, Ordering::Relaxed);
                if !w.pause.is_zero() {
                    tokio::time::sleep(w.pause).await;
                }
            }
            Err(kind) => {
                w.metrics.error(kind);
                // Do not spin on a failing token server: every error costs the worker a beat.
                tokio::time::sleep(Duration::from_millis(50).max(w.pause)).await;
            }
        }
    }
}

/// One call; a 401 invalidates the token it carried and the call is retried once.
async fn call_with_retry(w: &Worker) -> Result<(), String> {
    let header = header(w).await?;
    match call(w, &header).await? {
        200 => Ok(()),
        401 => {
            w.manager.invalidate(&header);
            let header = self::header(w).await?;
            match call(w, &header).await? {
                200 => {
                    w.metrics.recovered_401.fetch_add(1, Ordering::Relaxed);
                    Ok(())
                }
                401 => Err("resource: 401 again after invalidate + retry".to_owned()),
                status => Err(format!("resource: HTTP {status}")),
            }
        }
        status => Err(format!("resource: HTTP {status}")),
    }
}

/// Asks the manager for the header, timing the wait.
async fn header(w: &Worker) -> Result<String, String> {
    // A wait that starts before any token exists belongs to the first fetch.
    let first = !w.metrics.had_token.load(Ordering::Relaxed);
    let asked = Instant::now();
    let result = w.manager.authorization_async().await;
    let waited = u64::try_from(asked.elapsed().as_micros()).unwrap_or(u64::MAX);
    let slot = if first {
        &w.metrics.first_wait_us
    } else {
        &w.metrics.later_wait_us
    };
    slot.fetch_max(waited, Ordering::Relaxed);
    if result.is_ok() {
        w.metrics.had_token.store(true, Ordering::Relaxed);
    }
    result.map_err(|error| error_kind(&error))
}

async fn call(w: &Worker, header: &str) -> Result<u16, String> {
    let response = w
        .client
        .get(&w.url)
        .header(authwire::AUTHORIZATION, header)
        .send()
        .await
        .map_err(|err| {
            if err.is_timeout() {
                "resource: timeout".to_owned()
            } else {
                "resource: request failed".to_owned()
            }
        })?;
    let status = response.status().as_u16();
    // Read the body so the connection goes back to the pool.
    let _ = response.bytes().await;
    Ok(status)
}

/// A short, stable label for an error, for the summary's "errors by kind".
fn error_kind(error: &AuthError) -> String {
    match error {
        AuthError::Server { status, .. } => format!("token: server error (HTTP {status})"),
        AuthError::RateLimited { .. } => "token: rate limited (HTTP 429)".to_owned(),
        AuthError::Network { .. } => "token: network error".to_owned(),
        AuthError::Unauthorized { status, .. } => format!("token: unauthorized (HTTP {status})"),
        AuthError::RefreshLoop { .. } => "token: refresh loop".to_owned(),
        AuthError::InvalidResponse { .. } => "token: invalid response".to_owned(),
        AuthError::HttpStatus { status, .. } => format!("token: HTTP {status}"),
        AuthError::OAuth { error, .. } => format!("token: OAuth2 {error}"),
        // InvalidInput, InvalidConfiguration, and any variant the core adds later.
        _ => "token: invalid configuration or other error".to_owned(),
    }
}

/// Live progress on stderr: one line redrawn in place on a terminal, a line every five
/// seconds otherwise.
async fn progress(
    manager: Arc<TokenManager>,
    metrics: Arc<Metrics>,
    started: Instant,
    deadline: Instant,
) {
    let terminal = std::io::stderr().is_terminal();
    let period = if terminal {
        Duration::from_millis(200)
    } else {
        Duration::from_secs(5)
    };
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    loop {
        ticker.tick().await;
        if Instant::now() >= deadline {
            continue;
        }
        let stats = manager.stats();
        let line = format!(
            "elapsed {:5.1} s | served {} | token requests {} | refreshes {} | errors {}",
            started.elapsed().as_secs_f64(),
            metrics.served.load(Ordering::Relaxed),
            stats.token_requests,
            stats.refreshes.saturating_sub(1),
            metrics.error_count(),
        );
        let mut err = std::io::stderr().lock();
        let _ = if terminal {
            write!(err, "\r\x1b[2K{line}")
        } else {
            writeln!(err, "{line}")
        };
        let _ = err.flush();
    }
}

fn fault_names(faults: &Faults) -> String {
    if !faults.any() {
        return "none".to_owned();
    }
    let names: Vec<&str> = [
        (faults.server_error, "5xx"),
        (faults.rate_limit, "429"),
        (faults.slow, "slow"),
        (faults.revoke, "revoke"),
    ]
    .into_iter()
    .filter_map(|(on, name)| on.then_some(name))
    .collect();
    format!("{} at rate {}", names.join(","), faults.rate)
}

/// The end-of-run table.
struct Summary<'a> {
    workers: usize,
    elapsed: Duration,
    lifetime: u64,
    faults: Faults,
    stats: TokenStats,
    metrics: &'a Metrics,
    servers: &'a DemoServers,
}

impl Summary<'_> {
    fn lines(&self) -> Vec<String> {
        let m = self.metrics;
        let c = &self.servers.counters;
        let served = m.served.load(Ordering::Relaxed);
        let secs = self.elapsed.as_secs_f64();
        let expired = c.resource_expired.load(Ordering::Relaxed);
        let errors = m.errors.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let total_errors: u64 = errors.values().sum();

        let mut rows: Vec<(String, String)> = vec![
            (
                "calls served (HTTP 200 from /resource)".into(),
                format!("{served} ({:.0}/s)", served as f64 / secs.max(1e-9)),
            ),
            (
                "token requests (retries included)".into(),
                self.stats.token_requests.to_string(),
            ),
            (
                "refreshes (new tokens after the first)".into(),
                self.stats.refreshes.saturating_sub(1).to_string(),
            ),
            (
                "token request retries".into(),
                self.stats.retries.to_string(),
            ),
            (
                "calls that waited for a token request".into(),
                self.stats.waits.to_string(),
            ),
            (
                "401s recovered by invalidate + retry".into(),
                m.recovered_401.load(Ordering::Relaxed).to_string(),
            ),
            (
                "invalidations that started a refresh".into(),
                self.stats.invalidations.to_string(),
            ),
            (
                "longest wait for a header (first token)".into(),
                millis(m.first_wait_us.load(Ordering::Relaxed)),
            ),
            (
                "longest wait for a header (afterwards)".into(),
                millis(m.later_wait_us.load(Ordering::Relaxed)),
            ),
        ];
        if self.faults.any() {
            rows.push((
                "faults injected (5xx / 429 / slow / revoke)".into(),
                format!(
                    "{} / {} / {} / {}",
                    c.injected_5xx.load(Ordering::Relaxed),
                    c.injected_429.load(Ordering::Relaxed),
                    c.injected_slow.load(Ordering::Relaxed),
                    c.injected_revoke.load(Ordering::Relaxed)
                ),
            ));
        }
        rows.push(("errors".into(), total_errors.to_string()));
        for (kind, count) in &errors {
            rows.push((format!("  {kind}"), count.to_string()));
        }
        rows.push((
            "expired token reached the resource".into(),
            if expired == 0 {
                "no".to_owned()
            } else {
                format!("YES ({expired} calls)")
            },
        ));

        let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
        let value_width = rows.iter().map(|(_, v)| v.len()).max().unwrap_or(0).max(5);
        let mut lines = vec![
            format!(
                "authwire demo summary: {} workers, {:.1} s, token lifetime {} s, faults: {}",
                self.workers,
                secs,
                self.lifetime,
                fault_names(&self.faults)
            ),
            String::new(),
            format!("{:<width$}  {:>value_width$}", "metric", "value"),
            format!("{}  {}", "-".repeat(width), "-".repeat(value_width)),
        ];
        lines.extend(
            rows.into_iter()
                .map(|(k, v)| format!("{k:<width$}  {v:>value_width$}")),
        );
        if self.faults.slow || self.faults.rate_limit {
            lines.push(String::new());
            lines.push(format!(
                "(slow answers take {:.1} s; a 429 asks to retry after {RETRY_AFTER_SECS} s)",
                SLOW_DELAY.as_secs_f64()
            ));
        }
        lines
    }
}

fn millis(micros: u64) -> String {
    format!("{:.1} ms", micros as f64 / 1000.0)
}
