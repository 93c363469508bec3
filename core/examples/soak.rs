//! Soak and lifecycle figures for the Rust core: threads, open file descriptors and resident
//! memory of this process before, during and after each phase. Prints figures; asserts
//! nothing about speed. Linux only (it reads `/proc/self`).
//!
//! ```text
//! cargo run --release -p authwire --example soak [-- --managers N --calls N]
//! ```
//!
//! It starts `tests/scenarios/server.py` with `python3` (or `AUTHWIRE_SOAK_PYTHON`), then:
//!
//! 1. creates `--managers` (default 10 000) API-key-exchange managers, each on a namespace of
//!    its own, has each fetch its token (one `authorization()`), then drops them all; twice,
//!    so that a leak shows apart from the allocator's high-water mark;
//! 2. makes `--calls` (default 10 000 000) header-builder calls, `basic_auth` and
//!    `bearer_auth` alternating;
//! 3. makes `--calls` cached `authorization()` calls on one manager;
//! 4. drops a manager while its token request waits on the server's `stall` scenario (the
//!    caller gave up waiting; the refresh goes on in the background until the drop).
//!
//! `start` is measured once the server runs and before any manager exists; `warm` after one
//! manager has fetched a token and been dropped (the core's I/O threads have started). The
//! verdict compares the end with both.

use std::hint::black_box;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use authwire::{ApiKey, TokenManager, TokenOptions, basic_auth, bearer_auth};

/// The API key `tests/scenarios/server.py` accepts.
const API_KEY: &str = "scenario-api-key-5f2b";

/// Threads, open file descriptors and resident memory of this process.
#[derive(Clone, Copy)]
struct Sample {
    threads: i64,
    fds: i64,
    rss_kib: i64,
}

fn status_field(status: &str, name: &str) -> i64 {
    status
        .lines()
        .find_map(|line| line.strip_prefix(name))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|value| value.parse().ok())
        .unwrap_or(-1)
}

fn sample() -> Sample {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let fds = std::fs::read_dir("/proc/self/fd").map_or(-1, |dir| dir.count() as i64);
    Sample {
        threads: status_field(&status, "Threads:"),
        fds,
        rss_kib: status_field(&status, "VmRSS:"),
    }
}

fn report(phase: &str, when: &str) -> Sample {
    let s = sample();
    println!(
        "{phase:<28} {when:<7} threads {:>4}  fds {:>5}  rss {:>8.1} MiB",
        s.threads,
        s.fds,
        s.rss_kib as f64 / 1024.0
    );
    s
}

fn delta(label: &str, end: Sample, base: Sample) -> String {
    format!(
        "threads {:+}, fds {:+}, RSS {:+.1} MiB ({label})",
        end.threads - base.threads,
        end.fds - base.fds,
        (end.rss_kib - base.rss_kib) as f64 / 1024.0
    )
}

/// Starts the scenario server; it stops when its stdin (kept in the `Child`) closes.
fn start_server() -> (Child, u16) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/scenarios/server.py");
    let python = std::env::var("AUTHWIRE_SOAK_PYTHON").unwrap_or_else(|_| "python3".into());
    let mut child = Command::new(python)
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start tests/scenarios/server.py");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("server stdout"))
        .read_line(&mut line)
        .expect("read the server's PORT line");
    let port = line
        .trim()
        .strip_prefix("PORT ")
        .and_then(|port| port.parse().ok())
        .unwrap_or_else(|| panic!("server printed {line:?}, not 'PORT <n>'"));
    (child, port)
}

fn manager(
    port: u16,
    scenario: &str,
    namespace: &str,
    options: Option<TokenOptions>,
) -> Arc<TokenManager> {
    let url = format!("http://127.0.0.1:{port}/{scenario}/{namespace}/token");
    Arc::new(
        TokenManager::api_key_exchange(&url, &ApiKey::from_encoded_key(API_KEY).unwrap(), options)
            .unwrap(),
    )
}

fn rate(calls: u64, elapsed: Duration) -> String {
    format!(
        "{:.2} M calls/s ({:.0} ns/call)",
        calls as f64 / elapsed.as_secs_f64() / 1e6,
        elapsed.as_nanos() as f64 / calls as f64
    )
}

fn arg(args: &[String], name: &str, default: u64) -> u64 {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map_or(default, |v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{name} wants a number"))
        })
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let managers = arg(&args, "--managers", 10_000);
    let calls = arg(&args, "--calls", 10_000_000);
    let (mut server, port) = start_server();
    println!(
        "authwire soak: Rust core {}, {managers} managers, {calls} calls per call phase",
        env!("CARGO_PKG_VERSION")
    );

    let start = report("0 process", "start");
    {
        let warm_up = manager(port, "ok", "warm-up", None);
        warm_up.authorization().unwrap();
    }
    std::thread::sleep(Duration::from_millis(200));
    let warm = report("0 process", "warm");

    // Phase 1: many managers, each fetching its token, then all dropped; twice, so that a
    // leak (growth in each round) shows apart from the allocator's high-water mark.
    for round in 1..=2 {
        let phase = format!("1 managers, round {round}");
        report(&phase, "start");
        let began = Instant::now();
        let mut all = Vec::with_capacity(managers as usize);
        for i in 0..managers {
            let m = manager(port, "ok", &format!("soak-{round}-{i}"), None);
            black_box(m.authorization().unwrap());
            all.push(m);
        }
        let created = began.elapsed();
        report(&phase, "middle");
        drop(all);
        std::thread::sleep(Duration::from_millis(500));
        report(&phase, "end");
        println!(
            "  phase 1: {managers} managers created with a token each in {:.1} s ({:.0} managers/s)",
            created.as_secs_f64(),
            managers as f64 / created.as_secs_f64()
        );
    }

    // Phase 2: header builders.
    report("2 header builders", "start");
    let began = Instant::now();
    for i in 0..calls {
        if i == calls / 2 {
            report("2 header builders", "middle");
        }
        if i % 2 == 0 {
            black_box(basic_auth(black_box("soak-user"), black_box("soak-password")).unwrap());
        } else {
            black_box(bearer_auth(black_box("mF_9.B5f-4.1JqM")).unwrap());
        }
    }
    let builders = began.elapsed();
    report("2 header builders", "end");
    let builders_rate = rate(calls, builders);
    println!("  phase 2: {builders_rate} (middle sample included)");

    // Phase 3: cached authorization() on one manager.
    let one = manager(port, "ok", "soak-cached", None);
    one.authorization().unwrap();
    report("3 cached authorization()", "start");
    let began = Instant::now();
    for i in 0..calls {
        if i == calls / 2 {
            report("3 cached authorization()", "middle");
        }
        black_box(one.authorization().unwrap());
    }
    let cached = began.elapsed();
    report("3 cached authorization()", "end");
    let cached_rate = rate(calls, cached);
    println!("  phase 3: {cached_rate} (middle sample included)");
    let stats = one.stats();
    println!(
        "  phase 3: token requests of that manager: {}",
        stats.token_requests
    );
    drop(one);

    // Phase 4: a manager dropped while its token request is in flight.
    let before_stall = report("4 drop in flight", "start");
    let options = TokenOptions::default().request_timeout(Duration::from_millis(60_000));
    let stalled = manager(port, "stall", "soak-in-flight", Some(options));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let waited = runtime.block_on(async {
        tokio::time::timeout(Duration::from_millis(300), stalled.authorization_async()).await
    });
    drop(runtime);
    assert!(waited.is_err(), "the stall scenario never answers");
    report("4 drop in flight", "middle");
    let dropped = Instant::now();
    drop(stalled);
    std::thread::sleep(Duration::from_millis(1000));
    let after_drop = report("4 drop in flight", "end");
    println!(
        "  phase 4: dropped with its request in flight; no crash; {:.1} s later {}",
        dropped.elapsed().as_secs_f64(),
        delta("vs phase start", after_drop, before_stall)
    );

    let end = report("0 process", "end");
    println!("rate: phase 2 header builders {builders_rate}");
    println!("rate: phase 3 cached authorization() {cached_rate}");
    println!(
        "verdict: {}; {}",
        delta("end vs start", end, start),
        delta("end vs warm", end, warm)
    );

    drop(server.stdin.take());
    let _ = server.wait();
}
