//! `authwire demo --processes N`: a fleet of worker processes against the local servers,
//! run twice, without a token store and then with one, to compare the token requests the
//! token server sees.
//!
//! Each worker process is this binary again (`demo --fleet-worker`, hidden), with its own
//! `TokenManager` and `--workers` tasks calling the resource. The servers' addresses and
//! the API key reach it through environment variables, never the command line.

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use authwire::{ApiKey, AuthEvent, AuthListener, TokenManager};
use tokio::task::JoinSet;

use super::server::DemoServers;
use super::{DemoCmd, Faults, Metrics, Worker, random_key, worker};
use crate::error::{CliError, CliResult, EXIT_DEMO_FAILED, EXIT_INVALID};
use crate::output::print_lines;

const ENV_TOKEN_URL: &str = "AUTHWIRE_DEMO_TOKEN_URL";
const ENV_RESOURCE_URL: &str = "AUTHWIRE_DEMO_RESOURCE_URL";
const ENV_KEY: &str = "AUTHWIRE_DEMO_API_KEY";
const ENV_SECS: &str = "AUTHWIRE_DEMO_SECS";

/// What one run of the fleet produced.
#[derive(Default)]
struct Run {
    tokens_issued: u64,
    served: u64,
    errors: u64,
    expired: u64,
    adopted: u64,
    store_unavailable: u64,
}

/// Counts the store events of one worker process.
#[derive(Default)]
struct StoreEvents {
    adopted: AtomicU64,
    unavailable: AtomicU64,
}

impl AuthListener for StoreEvents {
    fn on_event(&self, event: AuthEvent) {
        match event {
            AuthEvent::StoreTokenAdopted { .. } => {
                self.adopted.fetch_add(1, Ordering::Relaxed);
            }
            AuthEvent::StoreUnavailable { .. } => {
                self.unavailable.fetch_add(1, Ordering::Relaxed);
            }
            _ => {}
        }
    }
}

/// The parent: servers, two runs of `processes` workers, and the comparison.
pub(super) async fn run(cmd: &DemoCmd, processes: usize, faults: Faults) -> CliResult<i32> {
    if processes == 0 || processes > 256 {
        return Err(CliError::usage("--processes must be between 1 and 256"));
    }
    let scratch = match &cmd.store {
        Some(_) => None,
        None => Some(tempdir()?),
    };
    let store = match (&cmd.store, &scratch) {
        (Some(spec), _) => spec.clone(),
        (None, Some(dir)) => format!("file:{}", dir.join("tokens").display()),
        (None, None) => unreachable!("a scratch directory exists without --store"),
    };
    // Check the store before starting anything.
    crate::store::open(&store)?;
    let api_key = random_key("demo");
    let lifetime = Duration::from_secs(cmd.lifetime);
    let secs = cmd.duration.unwrap_or(10.0);
    let servers = DemoServers::start(api_key.clone(), lifetime, faults)
        .await
        .map_err(|err| {
            CliError::with_code(
                EXIT_INVALID,
                format!("cannot start the local servers: {err}"),
            )
        })?;
    eprintln!(
        "authwire demo: {processes} processes x {} workers, {secs} s per run, token lifetime {} s; \
         first without a store, then with {store}",
        cmd.workers, cmd.lifetime
    );
    let without = run_once(cmd, &servers, &api_key, processes, secs, None).await?;
    let with = run_once(cmd, &servers, &api_key, processes, secs, Some(&store)).await;
    if let Some(dir) = scratch {
        let _ = std::fs::remove_dir_all(dir);
    }
    let with = with?;

    let per_lifetime = |run: &Run| run.tokens_issued as f64 / (secs / cmd.lifetime as f64);
    let rows: Vec<(&str, String, String)> = vec![
        (
            "token requests",
            without.tokens_issued.to_string(),
            with.tokens_issued.to_string(),
        ),
        (
            "token requests per token lifetime",
            format!("{:.1}", per_lifetime(&without)),
            format!("{:.1}", per_lifetime(&with)),
        ),
        (
            "tokens taken from the store",
            without.adopted.to_string(),
            with.adopted.to_string(),
        ),
        (
            "store unavailable events",
            without.store_unavailable.to_string(),
            with.store_unavailable.to_string(),
        ),
        (
            "calls served",
            without.served.to_string(),
            with.served.to_string(),
        ),
        (
            "caller errors",
            without.errors.to_string(),
            with.errors.to_string(),
        ),
        (
            "expired token reached the resource",
            yes_no(without.expired),
            yes_no(with.expired),
        ),
    ];
    let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
    let mut lines = vec![
        format!(
            "authwire demo summary: {processes} processes x {} workers, {secs} s per run, token lifetime {} s",
            cmd.workers, cmd.lifetime
        ),
        String::new(),
        format!(
            "{:<width$}  {:>13}  {:>13}",
            "metric", "without store", "with store"
        ),
        format!(
            "{}  {}  {}",
            "-".repeat(width),
            "-".repeat(13),
            "-".repeat(13)
        ),
    ];
    lines.extend(
        rows.iter()
            .map(|(k, a, b)| format!("{k:<width$}  {a:>13}  {b:>13}")),
    );
    lines.push(String::new());
    lines.push(format!("store: {}", redact_url(&store)));
    print_lines(&lines)?;
    if without.expired + with.expired > 0 {
        eprintln!("authwire: demo failed: an expired token reached the resource");
        return Ok(EXIT_DEMO_FAILED);
    }
    if without.served == 0 || with.served == 0 {
        eprintln!("authwire: demo failed: no call was served");
        return Ok(EXIT_DEMO_FAILED);
    }
    Ok(0)
}

fn yes_no(count: u64) -> String {
    if count == 0 {
        "no".to_owned()
    } else {
        format!("YES ({count})")
    }
}

/// A Redis URL without its password.
fn redact_url(spec: &str) -> String {
    match (spec.find("://"), spec.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}[redacted]{}", &spec[..scheme + 3], &spec[at..])
        }
        _ => spec.to_owned(),
    }
}

fn tempdir() -> CliResult<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(random_key("authwire-demo-store"));
    std::fs::create_dir(&dir)
        .map_err(|err| CliError::invalid(format!("cannot create a temporary directory: {err}")))?;
    Ok(dir)
}

/// Starts `processes` workers, waits for them, and reads the servers' counters.
async fn run_once(
    cmd: &DemoCmd,
    servers: &Arc<DemoServers>,
    api_key: &str,
    processes: usize,
    secs: f64,
    store: Option<&str>,
) -> CliResult<Run> {
    let c = &servers.counters;
    let issued_before = c.tokens_issued.load(Ordering::Relaxed);
    let expired_before = c.resource_expired.load(Ordering::Relaxed);
    let exe = std::env::current_exe()
        .map_err(|err| CliError::invalid(format!("cannot find the authwire binary: {err}")))?;
    let mut children = Vec::new();
    for _ in 0..processes {
        let mut command = Command::new(&exe);
        command
            .args(["demo", "--fleet-worker", "--workers"])
            .arg(cmd.workers.to_string())
            .args(["--pause-ms", &cmd.pause_ms.to_string()])
            .env(ENV_TOKEN_URL, &servers.token_url)
            .env(ENV_RESOURCE_URL, &servers.resource_url)
            .env(ENV_KEY, api_key)
            .env(ENV_SECS, secs.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped());
        if let Some(store) = store {
            command.args(["--store", store]);
        }
        let child = command
            .spawn()
            .map_err(|err| CliError::invalid(format!("cannot start a worker process: {err}")))?;
        children.push(child);
    }
    let mut run = Run::default();
    let results = tokio::task::spawn_blocking(move || {
        children
            .into_iter()
            .map(|mut child| {
                let line = child.stdout.take().and_then(|out| {
                    BufReader::new(out)
                        .lines()
                        .map_while(Result::ok)
                        .find(|l| l.starts_with('{'))
                });
                let _ = child.wait();
                line
            })
            .collect::<Vec<_>>()
    })
    .await
    .map_err(|_| CliError::invalid("a worker process could not be waited for"))?;
    for line in results {
        let Some(value) = line.and_then(|l| serde_json::from_str::<serde_json::Value>(&l).ok())
        else {
            run.errors += 1;
            continue;
        };
        let field = |name: &str| value[name].as_u64().unwrap_or(0);
        run.served += field("served");
        run.errors += field("errors");
        run.adopted += field("adopted");
        run.store_unavailable += field("store_unavailable");
    }
    run.tokens_issued = c.tokens_issued.load(Ordering::Relaxed) - issued_before;
    run.expired = c.resource_expired.load(Ordering::Relaxed) - expired_before;
    Ok(run)
}

/// One worker process (`demo --fleet-worker`): its own manager, `--workers` tasks, and one
/// JSON line with its counts on stdout.
pub(super) async fn worker_process(cmd: &DemoCmd) -> CliResult<i32> {
    let env = |name: &str| {
        std::env::var(name)
            .map_err(|_| CliError::usage(format!("--fleet-worker needs {name} (it is internal)")))
    };
    let token_url = env(ENV_TOKEN_URL)?;
    let resource_url = env(ENV_RESOURCE_URL)?;
    let api_key = ApiKey::from_encoded_key(&env(ENV_KEY)?)?;
    let secs: f64 = env(ENV_SECS)?.parse().unwrap_or(10.0);
    let options = crate::store::options(cmd.store.as_deref())?;
    let manager = Arc::new(TokenManager::api_key_exchange(
        &token_url, &api_key, options,
    )?);
    let events = Arc::new(StoreEvents::default());
    manager.set_listener(Some(events.clone()));
    let client = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(cmd.workers)
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|err| CliError::invalid(format!("cannot set up the HTTP client: {err}")))?;
    let metrics = Arc::new(Metrics::default());
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    let mut tasks = JoinSet::new();
    for _ in 0..cmd.workers {
        tasks.spawn(worker(Worker {
            manager: Arc::clone(&manager),
            client: client.clone(),
            url: resource_url.clone(),
            metrics: Arc::clone(&metrics),
            deadline,
            pause: Duration::from_millis(cmd.pause_ms),
        }));
    }
    while tasks.join_next().await.is_some() {}
    let line = serde_json::json!({
        "served": metrics.served.load(Ordering::Relaxed),
        "errors": metrics.error_count(),
        "token_requests": manager.stats().token_requests,
        "adopted": events.adopted.load(Ordering::Relaxed),
        "store_unavailable": events.unavailable.load(Ordering::Relaxed),
    });
    print_lines(&[line.to_string()])?;
    Ok(0)
}
