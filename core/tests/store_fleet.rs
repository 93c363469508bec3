//! A fleet of real processes sharing one token through a `FileStore` or a `RedisStore`.
//!
//! Each test starts a token server and a protected resource on 127.0.0.1 (the resource
//! answers 401 to an unknown or expired token), then runs worker processes: this test
//! binary again, with `AUTHWIRE_FLEET_WORKER` set, running only `fleet_worker`. Each worker
//! has its own `TokenManager` over the same credential and store, calls the resource in a
//! loop, and prints its events and a summary on stdout.
//!
//! The Redis tests use the server that `tests/run-all` starts (`AUTHWIRE_TEST_REDIS_URL`),
//! or start their own when they must stop it; without a `redis-server` they say that they
//! were skipped.
#![cfg(unix)]

mod support;

use std::collections::HashMap;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use authwire::{ApiKey, AuthEvent, AuthListener, TokenManager, TokenOptions, TokenStore};
use support::server::{Reply, TestServer};

const KEY: &str = "ZmxlZXQta2V5LTAxMjM0NTY3ODk6ZmxlZXQtc2VjcmV0LTk4NzY1NDMyMTA";

/// The fleet tests share two CPU cores with everything else: one fleet at a time.
static ONE_FLEET: Mutex<()> = Mutex::new(());

// ----------------------------------------------------------------------------------------
// The token server and the resource

/// Token server + resource. Tokens live `lifetime`; the resource checks each one.
struct Fleet {
    server: TestServer,
    token_requests: Arc<AtomicUsize>,
    issued: Arc<Mutex<Vec<String>>>,
    /// The next token request stalls (the server never answers it in time).
    stall_next: Arc<AtomicBool>,
    stalled: Arc<AtomicBool>,
}

impl Fleet {
    fn start(lifetime: Duration) -> Self {
        let token_requests = Arc::new(AtomicUsize::new(0));
        let issued_at: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
        let issued: Arc<Mutex<Vec<String>>> = Arc::default();
        let stall_next = Arc::new(AtomicBool::new(false));
        let stalled = Arc::new(AtomicBool::new(false));
        let (count, map, list, stall, was_stalled) = (
            token_requests.clone(),
            issued_at.clone(),
            issued.clone(),
            stall_next.clone(),
            stalled.clone(),
        );
        let server = TestServer::start(move |request, _| {
            if request.path == "/token" {
                let n = count.fetch_add(1, Ordering::SeqCst);
                if stall.swap(false, Ordering::SeqCst) {
                    was_stalled.store(true, Ordering::SeqCst);
                    return Reply::text(503, "stalled").after(Duration::from_secs(60));
                }
                let token = format!("fleet{n}x{:016x}", fastrand::u64(..));
                map.lock().unwrap().insert(token.clone(), Instant::now());
                list.lock().unwrap().push(token.clone());
                return Reply::json(
                    200,
                    serde_json::json!({"token": token, "expirationTime": lifetime.as_secs_f64()}),
                );
            }
            let token = request
                .header("authorization")
                .and_then(|h| h.strip_prefix("Bearer "))
                .unwrap_or("");
            let valid = map
                .lock()
                .unwrap()
                .get(token)
                .is_some_and(|at| at.elapsed() < lifetime);
            if valid {
                Reply::text(200, "ok")
            } else {
                Reply::text(401, "expired or unknown token")
            }
        });
        Self {
            server,
            token_requests,
            issued,
            stall_next,
            stalled,
        }
    }

    fn token_requests(&self) -> usize {
        self.token_requests.load(Ordering::SeqCst)
    }
}

// ----------------------------------------------------------------------------------------
// Worker processes

#[derive(Debug, Default, Clone, serde::Deserialize)]
struct Summary {
    pid: u32,
    calls: u64,
    errors: u64,
    unauthorized: u64,
    max_wait_ms: u64,
    token_requests: u64,
}

/// A running worker, whose stdout lines are collected as they come.
struct Worker {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Worker {
    fn spawn(fleet: &Fleet, store: &str, mode: &str, secs: f64, timeout_ms: u64) -> Self {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "fleet_worker", "--nocapture", "--test-threads=1"])
            .env("AUTHWIRE_FLEET_WORKER", "1")
            .env("FLEET_URL", fleet.server.url("/"))
            .env("FLEET_STORE", store)
            .env("FLEET_MODE", mode)
            .env("FLEET_SECS", secs.to_string())
            .env("FLEET_TIMEOUT_MS", timeout_ms.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let lines: Arc<Mutex<Vec<String>>> = Arc::default();
        let sink = lines.clone();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                sink.lock().unwrap().push(line);
            }
        });
        Self {
            child,
            lines,
            reader: Some(reader),
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    #[cfg_attr(not(feature = "redis-store"), allow(dead_code))]
    fn events(&self, kind: &str) -> usize {
        self.lines()
            .iter()
            .filter(|l| l.starts_with("EVENT ") && l.ends_with(&format!(" {kind}")))
            .count()
    }

    /// Waits for the worker to exit and returns its summary.
    fn finish(mut self) -> Summary {
        let status = self.child.wait().unwrap();
        if let Some(reader) = self.reader.take() {
            reader.join().unwrap();
        }
        let lines = self.lines();
        assert!(status.success(), "worker failed: {status}\n{lines:#?}");
        let summary = lines
            .iter()
            .find_map(|l| l.strip_prefix("SUMMARY "))
            .unwrap_or_else(|| panic!("no summary from the worker:\n{lines:#?}"));
        serde_json::from_str(summary).unwrap()
    }

    fn kill(&mut self) {
        // SAFETY: sends SIGKILL to our own child process.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGKILL) };
        let _ = self.child.wait();
    }
}

/// A `FileStore` or `RedisStore` from `file:PATH` or `redis://...`.
fn open_store(spec: &str) -> Option<Arc<dyn TokenStore>> {
    if let Some(path) = spec.strip_prefix("file:") {
        return Some(Arc::new(authwire::FileStore::new(path).unwrap()));
    }
    #[cfg(feature = "redis-store")]
    if spec.starts_with("redis://") {
        return Some(Arc::new(
            authwire::RedisStore::new(spec, authwire::RedisStoreOptions::default()).unwrap(),
        ));
    }
    assert_eq!(spec, "none", "unknown store {spec}");
    None
}

struct PrintEvents;

impl AuthListener for PrintEvents {
    fn on_event(&self, event: AuthEvent) {
        let kind = format!("{event:?}");
        let kind = kind.split([' ', '{', '(']).next().unwrap_or("").to_owned();
        let mut out = std::io::stdout().lock();
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis();
        let _ = writeln!(out, "EVENT {} {ms} {kind}", std::process::id());
        let _ = out.flush();
    }
}

/// One GET of the resource with `authorization`; returns the status.
fn call_resource(base: &str, authorization: &str) -> u16 {
    let address = base.trim_start_matches("http://").trim_end_matches('/');
    let Ok(mut stream) = TcpStream::connect(address) else {
        return 0;
    };
    let request = format!(
        "GET /resource HTTP/1.1\r\nHost: {address}\r\nAuthorization: {authorization}\r\nConnection: close\r\n\r\n"
    );
    if stream.write_all(request.as_bytes()).is_err() {
        return 0;
    }
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// The worker process (a no-op unless started by a fleet test).
#[test]
fn fleet_worker() {
    if std::env::var_os("AUTHWIRE_FLEET_WORKER").is_none() {
        return;
    }
    let env = |name: &str| std::env::var(name).unwrap();
    let base = env("FLEET_URL");
    let secs: f64 = env("FLEET_SECS").parse().unwrap();
    let timeout_ms: u64 = env("FLEET_TIMEOUT_MS").parse().unwrap();
    let mut options = TokenOptions::default()
        .request_timeout(Duration::from_millis(timeout_ms))
        .max_attempts(1);
    if let Some(store) = open_store(&env("FLEET_STORE")) {
        options = options.store(store);
    }
    let key = ApiKey::from_encoded_key(KEY).unwrap();
    let manager =
        TokenManager::api_key_exchange(&format!("{base}token"), &key, Some(options)).unwrap();
    manager.set_listener(Some(Arc::new(PrintEvents)));
    let mut summary = serde_json::json!({"pid": std::process::id()});
    let (mut calls, mut errors, mut unauthorized, mut max_wait) = (0u64, 0u64, 0u64, 0u64);
    let mut call = |manager: &TokenManager| {
        let started = Instant::now();
        let header = manager.authorization();
        max_wait = max_wait.max(started.elapsed().as_millis() as u64);
        calls += 1;
        match header {
            Ok(header) => {
                if call_resource(&base, &header) != 200 {
                    unauthorized += 1;
                }
                Some(header)
            }
            Err(_) => {
                errors += 1;
                None
            }
        }
    };
    match env("FLEET_MODE").as_str() {
        "run" => {
            let until = Instant::now() + Duration::from_secs_f64(secs);
            while Instant::now() < until {
                call(&manager);
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        "invalidate" => {
            // Get the token, wait for the start signal (a file), all invalidate it at once.
            let header = call(&manager).expect("a first token");
            let go =
                PathBuf::from(env("FLEET_STORE").trim_start_matches("file:")).with_extension("go");
            println!("READY {}", std::process::id());
            while !go.exists() {
                std::thread::sleep(Duration::from_millis(2));
            }
            manager.invalidate(&header);
            let next = call(&manager).expect("a new token");
            assert_ne!(next, header);
        }
        other => panic!("unknown mode {other}"),
    }
    summary["calls"] = calls.into();
    summary["errors"] = errors.into();
    summary["unauthorized"] = unauthorized.into();
    summary["max_wait_ms"] = max_wait.into();
    summary["token_requests"] = manager.stats().token_requests.into();
    println!("SUMMARY {summary}");
}

/// Runs `n` workers for `secs` and returns their summaries.
fn run_fleet(fleet: &Fleet, store: &str, n: usize, secs: f64) -> Vec<Summary> {
    let workers: Vec<Worker> = (0..n)
        .map(|_| Worker::spawn(fleet, store, "run", secs, 2000))
        .collect();
    workers.into_iter().map(Worker::finish).collect()
}

fn assert_served_well(summaries: &[Summary]) {
    for s in summaries {
        assert!(s.calls > 10, "worker {} made only {} calls", s.pid, s.calls);
        assert_eq!(s.errors, 0, "a caller got an error: {s:?}");
        assert_eq!(
            s.unauthorized, 0,
            "an expired token reached the resource: {s:?}"
        );
    }
}

/// Everything the store holds on disk, raw and base64-decoded.
fn file_bytes(path: &Path) -> Vec<u8> {
    use base64::Engine as _;
    let raw = std::fs::read(path).unwrap_or_default();
    let mut all = raw.clone();
    if let Ok(map) = serde_json::from_slice::<HashMap<String, serde_json::Value>>(&raw) {
        for value in map.values() {
            if let Some(v) = value["v"].as_str() {
                all.extend(base64::engine::general_purpose::STANDARD.decode(v).unwrap());
            }
        }
    }
    all
}

fn assert_no_secret_in(bytes: &[u8], fleet: &Fleet) {
    let text = String::from_utf8_lossy(bytes);
    assert!(!text.contains(KEY), "the credential is in the store");
    for token in fleet.issued.lock().unwrap().iter() {
        assert!(
            !text.contains(token.as_str()),
            "a token is in the store in clear"
        );
    }
}

// ----------------------------------------------------------------------------------------
// FileStore

#[test]
fn eight_processes_share_one_token_per_lifetime_through_a_file() {
    let _one = ONE_FLEET.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens");
    let fleet = Fleet::start(Duration::from_secs(2));
    let summaries = run_fleet(&fleet, &format!("file:{}", path.display()), 8, 10.0);
    assert_served_well(&summaries);
    let requests = fleet.token_requests();
    println!("FileStore: 8 processes, 10 s of 2-second tokens: {requests} token requests");
    // One per ~1.6 s of lifetime (refresh point) is 7; without the store it would be ~56.
    assert!(requests <= 10, "{requests} token requests for the fleet");
    let own: u64 = summaries.iter().map(|s| s.token_requests).sum();
    assert_eq!(own as usize, requests);
    assert_no_secret_in(&file_bytes(&path), &fleet);
}

#[test]
fn a_killed_lock_holder_is_taken_over_and_nobody_waits_past_the_request_timeout() {
    let _one = ONE_FLEET.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let store = format!("file:{}", dir.path().join("tokens").display());
    killed_holder(&store);
}

fn killed_holder(store: &str) {
    let fleet = Fleet::start(Duration::from_secs(2));
    let timeout_ms = 2000;
    let mut workers: Vec<Worker> = (0..6)
        .map(|_| Worker::spawn(&fleet, store, "run", 9.0, timeout_ms))
        .collect();
    // Let the fleet share a first token, then stall the next request and kill its sender.
    std::thread::sleep(Duration::from_millis(800));
    fleet.stall_next.store(true, Ordering::SeqCst);
    let deadline = Instant::now() + Duration::from_secs(5);
    while !fleet.stalled.load(Ordering::SeqCst) {
        assert!(Instant::now() < deadline, "no token request was stalled");
        std::thread::sleep(Duration::from_millis(5));
    }
    // The stalled request was the one requester's: the worker that asked last.
    std::thread::sleep(Duration::from_millis(100));
    let last_request = |w: &Worker| {
        w.lines()
            .iter()
            .filter_map(|line| {
                let mut parts = line.split(' ');
                (parts.next()? == "EVENT").then_some(())?;
                let _pid = parts.next()?;
                let ms: u128 = parts.next()?.parse().ok()?;
                (parts.next()? == "TokenRequested").then_some(ms)
            })
            .max()
            .unwrap_or(0)
    };
    let holder = (0..workers.len())
        .max_by_key(|&i| last_request(&workers[i]))
        .unwrap();
    let before = fleet.token_requests();
    let mut killed = workers.remove(holder);
    let killed_pid = killed.pid();
    killed.kill();
    let summaries: Vec<Summary> = workers.into_iter().map(Worker::finish).collect();
    assert_served_well(&summaries);
    let max_wait = summaries.iter().map(|s| s.max_wait_ms).max().unwrap();
    let after = fleet.token_requests() - before;
    println!(
        "killed holder {killed_pid}: {after} token requests after the stall, longest caller wait {max_wait} ms"
    );
    // About 8 s of 2-second tokens remain: about one request per lifetime, the stalled one
    // and the takeover included, not one per process (7 processes would make 28 or more).
    // Room for two late refreshes on a machine under heavy load (9 was seen at load 12).
    assert!(after <= 10, "{after} token requests after the stall");
    assert!(
        max_wait < timeout_ms + 1000,
        "a caller waited {max_wait} ms (request timeout {timeout_ms} ms)"
    );
}

#[test]
fn fifty_processes_invalidating_the_same_token_cause_one_request() {
    let _one = ONE_FLEET.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens");
    let store = format!("file:{}", path.display());
    let fleet = Fleet::start(Duration::from_secs(300));
    let workers: Vec<Worker> = (0..50)
        .map(|_| Worker::spawn(&fleet, &store, "invalidate", 0.0, 5000))
        .collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    while workers
        .iter()
        .any(|w| !w.lines().iter().any(|l| l.starts_with("READY ")))
    {
        assert!(Instant::now() < deadline, "the workers did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(fleet.token_requests(), 1, "the 50 shared the first token");
    std::fs::write(path.with_extension("go"), b"").unwrap();
    let summaries: Vec<Summary> = workers.into_iter().map(Worker::finish).collect();
    for s in &summaries {
        assert_eq!(s.errors, 0);
    }
    assert_eq!(
        fleet.token_requests(),
        2,
        "50 invalidations of one token: one new token for the fleet"
    );
}

// ----------------------------------------------------------------------------------------
// In one process: what a store may hold, and stores that fail

/// A store whose every call fails, hangs or panics.
struct BrokenStore {
    how: &'static str,
    calls: AtomicUsize,
}

impl TokenStore for BrokenStore {
    fn read(&self, _key: String) -> Result<Option<Vec<u8>>, authwire::StoreError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        match self.how {
            "error" => Err(authwire::StoreError::Unavailable {
                reason: "down".into(),
            }),
            "hang" => {
                std::thread::sleep(Duration::from_secs(30));
                Ok(None)
            }
            "garbage" => Ok(Some(b"\x00garbage".to_vec())),
            _ => panic!("the store panics"),
        }
    }
    fn write(&self, _: String, _: Vec<u8>, _: u64) -> Result<(), authwire::StoreError> {
        Ok(())
    }
    fn compare_and_delete(&self, _: String, _: Vec<u8>) -> Result<bool, authwire::StoreError> {
        Ok(false)
    }
    fn try_lock(&self, _: String, _: String, _: u64) -> Result<bool, authwire::StoreError> {
        Ok(true)
    }
    fn unlock(&self, _: String, _: String) -> Result<(), authwire::StoreError> {
        Ok(())
    }
}

#[derive(Default)]
struct Events(Mutex<Vec<AuthEvent>>);

impl AuthListener for Events {
    fn on_event(&self, event: AuthEvent) {
        self.0.lock().unwrap().push(event);
    }
}

fn manager_with(fleet: &Fleet, key: &str, store: Arc<dyn TokenStore>) -> Arc<TokenManager> {
    let options = TokenOptions::default()
        .request_timeout(Duration::from_millis(1000))
        .store(store);
    let key = ApiKey::from_encoded_key(key).unwrap();
    Arc::new(
        TokenManager::api_key_exchange(&fleet.server.url("/token"), &key, Some(options)).unwrap(),
    )
}

#[test]
fn a_failing_hanging_panicking_or_garbage_store_never_fails_a_caller() {
    let fleet = Fleet::start(Duration::from_secs(300));
    for how in ["error", "hang", "panic", "garbage"] {
        let store = Arc::new(BrokenStore {
            how,
            calls: AtomicUsize::new(0),
        });
        let manager = manager_with(&fleet, KEY, store.clone());
        let events = Arc::new(Events::default());
        manager.set_listener(Some(events.clone()));
        let started = Instant::now();
        let header = manager.authorization().unwrap();
        assert!(header.starts_with("Bearer fleet"), "{how}");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{how}: the store held the caller up"
        );
        assert!(store.calls.load(Ordering::SeqCst) > 0);
        let events = events.0.lock().unwrap().clone();
        let expected = if how == "garbage" {
            events
                .iter()
                .any(|e| matches!(e, AuthEvent::StoreEntryRejected { .. }))
        } else {
            events
                .iter()
                .any(|e| matches!(e, AuthEvent::StoreUnavailable { .. }))
        };
        assert!(expected, "{how}: {events:?}");
    }
}

#[test]
fn tampered_corrupted_and_foreign_entries_are_never_served() {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let fleet = Fleet::start(Duration::from_secs(300));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens");
    let file = || -> Arc<dyn TokenStore> { Arc::new(authwire::FileStore::new(&path).unwrap()) };
    let other_key = "b3RoZXIta2V5LTAxMjM0NTY3ODk6b3RoZXItc2VjcmV0";

    // Two credentials, each with its entry in the file.
    let first = manager_with(&fleet, KEY, file()).authorization().unwrap();
    manager_with(&fleet, other_key, file())
        .authorization()
        .unwrap();
    assert_eq!(fleet.token_requests(), 2);
    let read = || -> serde_json::Map<String, serde_json::Value> {
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap()
    };
    let names: Vec<String> = read().keys().cloned().collect();
    assert_eq!(names.len(), 2);
    // A second manager with the first credential adopts its token: the entry is good.
    assert_eq!(
        manager_with(&fleet, KEY, file()).authorization().unwrap(),
        first
    );
    assert_eq!(fleet.token_requests(), 2);

    let rewrite = |change: &dyn Fn(&mut serde_json::Map<String, serde_json::Value>)| {
        let mut map = read();
        change(&mut map);
        std::fs::write(&path, serde_json::to_vec(&map).unwrap()).unwrap();
    };
    let check_refused = |what: &str| {
        let before = fleet.token_requests();
        let manager = manager_with(&fleet, KEY, file());
        let events = Arc::new(Events::default());
        manager.set_listener(Some(events.clone()));
        let header = manager.authorization().unwrap();
        assert_ne!(header, first, "{what}: the entry was served");
        assert_eq!(fleet.token_requests(), before + 1, "{what}");
        let events = events.0.lock().unwrap().clone();
        assert!(
            events
                .iter()
                .any(|e| matches!(e, AuthEvent::StoreEntryRejected { .. })),
            "{what}: {events:?}"
        );
    };

    // Swap the two entries: each is now under the other credential's name.
    rewrite(&|map| {
        let (a, b) = (map[&names[0]].clone(), map[&names[1]].clone());
        map.insert(names[0].clone(), b);
        map.insert(names[1].clone(), a);
    });
    check_refused("foreign");
    // Flip one bit of every entry.
    rewrite(&|map| {
        for value in map.values_mut() {
            let mut bytes = b64.decode(value["v"].as_str().unwrap()).unwrap();
            let middle = bytes.len() / 2;
            bytes[middle] ^= 0x20;
            value["v"] = b64.encode(bytes).into();
        }
    });
    check_refused("tampered");
    // Replace every entry with bytes that are not an entry at all.
    rewrite(&|map| {
        for value in map.values_mut() {
            value["v"] = b64.encode(b"aw1 truncated").into();
        }
    });
    check_refused("corrupted");
    assert_no_secret_in(&file_bytes(&path), &fleet);
}

// ----------------------------------------------------------------------------------------
// RedisStore

#[cfg(feature = "redis-store")]
mod redis_fleet {
    use super::*;

    /// Says on the terminal (past the test harness's output capture) that a test skipped.
    fn skipped(test: &str, why: &str) {
        let _ = writeln!(std::io::stderr().lock(), "SKIPPED {test}: {why}");
    }

    /// The Redis server `tests/run-all` started, or `None` (the test then says it skipped).
    fn shared_redis(test: &str) -> Option<String> {
        let url = std::env::var("AUTHWIRE_TEST_REDIS_URL").ok();
        if url.is_none() {
            skipped(
                test,
                "AUTHWIRE_TEST_REDIS_URL is not set (tests/run-all sets it when redis-server is installed)",
            );
        }
        url
    }

    /// A private redis-server this test may stop and start.
    pub(super) struct PrivateRedis {
        binary: PathBuf,
        pub(super) port: u16,
        child: Option<Child>,
    }

    impl PrivateRedis {
        pub(super) fn start(test: &str) -> Option<Self> {
            let binary = std::env::var_os("AUTHWIRE_TEST_REDIS_SERVER")
                .map(PathBuf::from)
                .or_else(|| {
                    std::env::split_paths(&std::env::var_os("PATH")?)
                        .map(|dir| dir.join("redis-server"))
                        .find(|p| p.is_file())
                });
            let Some(binary) = binary else {
                skipped(
                    test,
                    "no redis-server installed (Debian: apt-get install redis-server)",
                );
                return None;
            };
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            let mut redis = Self {
                binary,
                port,
                child: None,
            };
            redis.restart();
            Some(redis)
        }

        pub(super) fn url(&self) -> String {
            format!("redis://127.0.0.1:{}", self.port)
        }

        pub(super) fn restart(&mut self) {
            let child = Command::new(&self.binary)
                .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
                .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
                .stdout(Stdio::null())
                .spawn()
                .unwrap();
            self.child = Some(child);
            let deadline = Instant::now() + Duration::from_secs(10);
            while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
                assert!(Instant::now() < deadline, "redis-server did not start");
                std::thread::sleep(Duration::from_millis(20));
            }
        }

        pub(super) fn stop(&mut self) {
            if let Some(mut child) = self.child.take() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }

    impl Drop for PrivateRedis {
        fn drop(&mut self) {
            self.stop();
        }
    }

    /// Every value under `authwire:*` in the Redis at `url`.
    fn redis_bytes(url: &str) -> Vec<u8> {
        let client = redis::Client::open(url).unwrap();
        let mut connection = client.get_connection().unwrap();
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg("authwire:*")
            .query(&mut connection)
            .unwrap();
        let mut all = Vec::new();
        for key in keys {
            all.extend(key.as_bytes());
            let value: Option<Vec<u8>> =
                redis::cmd("GET").arg(&key).query(&mut connection).unwrap();
            all.extend(value.unwrap_or_default());
        }
        all
    }

    fn flush(url: &str) {
        let client = redis::Client::open(url).unwrap();
        let mut connection = client.get_connection().unwrap();
        let () = redis::cmd("FLUSHALL").query(&mut connection).unwrap();
    }

    #[test]
    fn eight_processes_share_one_token_per_lifetime_through_redis() {
        let Some(url) = shared_redis("eight_processes_share_one_token_per_lifetime_through_redis")
        else {
            return;
        };
        let _one = ONE_FLEET.lock().unwrap_or_else(|e| e.into_inner());
        flush(&url);
        let fleet = Fleet::start(Duration::from_secs(2));
        let summaries = run_fleet(&fleet, &url, 8, 10.0);
        assert_served_well(&summaries);
        let requests = fleet.token_requests();
        println!("RedisStore: 8 processes, 10 s of 2-second tokens: {requests} token requests");
        assert!(requests <= 10, "{requests} token requests for the fleet");
        let stored = redis_bytes(&url);
        assert!(!stored.is_empty(), "the token is in Redis");
        assert_no_secret_in(&stored, &fleet);
    }

    #[test]
    fn a_killed_lock_holder_in_redis_is_taken_over() {
        let Some(url) = shared_redis("a_killed_lock_holder_in_redis_is_taken_over") else {
            return;
        };
        let _one = ONE_FLEET.lock().unwrap_or_else(|e| e.into_inner());
        flush(&url);
        killed_holder(&url);
    }

    #[test]
    fn processes_keep_serving_while_redis_is_down_and_share_again_when_it_is_back() {
        let Some(mut redis) =
            PrivateRedis::start("processes_keep_serving_while_redis_is_down_and_share_again")
        else {
            return;
        };
        let _one = ONE_FLEET.lock().unwrap_or_else(|e| e.into_inner());
        let fleet = Fleet::start(Duration::from_secs(2));
        let workers: Vec<Worker> = (0..4)
            .map(|_| Worker::spawn(&fleet, &redis.url(), "run", 12.0, 2000))
            .collect();
        std::thread::sleep(Duration::from_secs(3));
        let shared_phase = fleet.token_requests();
        redis.stop();
        std::thread::sleep(Duration::from_secs(4));
        let down_phase = fleet.token_requests() - shared_phase;
        let unavailable: usize = workers.iter().map(|w| w.events("StoreUnavailable")).sum();
        redis.restart();
        std::thread::sleep(Duration::from_millis(1500));
        let restarted = fleet.token_requests();
        let recovered: usize = workers.iter().map(|w| w.events("StoreRecovered")).sum();
        let summaries: Vec<Summary> = workers.into_iter().map(Worker::finish).collect();
        let back_phase = fleet.token_requests() - restarted;
        println!(
            "Redis up 3 s: {shared_phase} requests; down 4 s: {down_phase}; back (last ~3.5 s): {back_phase}; \
             {unavailable} StoreUnavailable events, {recovered} StoreRecovered"
        );
        assert_served_well(&summaries);
        assert!(unavailable >= 4, "every process reported the outage");
        assert!(down_phase >= 4, "each process requested its own tokens");
        assert!(recovered >= 1, "the processes found Redis again");
        assert!(
            back_phase <= 4,
            "sharing resumed: {back_phase} requests in the last 3.5 s"
        );
    }
}
