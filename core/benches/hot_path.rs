//! The cached `authorization()` hot path, one thread and eight threads at once, and the
//! header builders. Run: `cargo bench -p authwire --bench hot_path`.

#[path = "../tests/support/server.rs"]
mod server;

use std::hint::black_box;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use authwire::{ApiKey, TokenManager};
use criterion::{Criterion, criterion_group, criterion_main};

fn manager() -> (server::TestServer, Arc<TokenManager>) {
    let server = server::TestServer::start(|_, n| {
        server::Reply::json(
            200,
            serde_json::json!({"token": format!("token-{n}"), "expirationTime": 3600}),
        )
    });
    let key = ApiKey::from_encoded_key("bench-key").unwrap();
    let manager = TokenManager::api_key_exchange(&server.url("/v1/token"), &key, None).unwrap();
    manager.authorization().unwrap();
    (server, std::sync::Arc::new(manager))
}

fn hot_path(c: &mut Criterion) {
    let (_server, manager) = manager();
    let mut group = c.benchmark_group("cached_authorization");
    group.bench_function("1_thread", |b| {
        b.iter(|| black_box(manager.authorization().unwrap()))
    });
    group.bench_function("8_threads", |b| {
        b.iter_custom(|iters| {
            // Eight threads each make `iters` calls at once; the figure is the time per call
            // seen by one thread while all eight run.
            let barrier = Arc::new(Barrier::new(8));
            let threads: Vec<_> = (0..8)
                .map(|_| {
                    let (manager, barrier) = (manager.clone(), barrier.clone());
                    std::thread::spawn(move || {
                        barrier.wait();
                        let start = Instant::now();
                        for _ in 0..iters {
                            black_box(manager.authorization().unwrap());
                        }
                        start.elapsed()
                    })
                })
                .collect();
            let total: Duration = threads.into_iter().map(|t| t.join().unwrap()).sum();
            total / 8
        })
    });
    group.finish();
    assert_eq!(
        manager.stats().token_requests,
        1,
        "the benchmark must measure the cache"
    );
}

fn builders(c: &mut Criterion) {
    c.bench_function("basic_auth", |b| {
        b.iter(|| {
            black_box(authwire::basic_auth(black_box("Aladdin"), black_box("open sesame")).unwrap())
        })
    });
    c.bench_function("bearer_auth", |b| {
        b.iter(|| black_box(authwire::bearer_auth(black_box("mF_9.B5f-4.1JqM")).unwrap()))
    });
    c.bench_function("scheme_auth_params", |b| {
        b.iter(|| {
            black_box(
                authwire::scheme_auth_params(
                    black_box("Token"),
                    black_box(&[("token", "abc"), ("realm", "x@y")]),
                )
                .unwrap(),
            )
        })
    });
    c.bench_function("scheme_auth_auth_params", |b| {
        b.iter(|| {
            black_box(
                authwire::scheme_auth(black_box("Token"), black_box(r#"token="abc", realm="x@y""#))
                    .unwrap(),
            )
        })
    });
    c.bench_function("decode_basic", |b| {
        b.iter(|| {
            black_box(
                authwire::decode_basic(black_box("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==")).unwrap(),
            )
        })
    });
}

criterion_group!(benches, hot_path, builders);
criterion_main!(benches);
