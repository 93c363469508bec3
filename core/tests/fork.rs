//! A forked child (gunicorn/Celery prefork, multiprocessing) gets working token managers:
//! the parent's runtime threads do not exist there, and a refresh that was under way at
//! fork time must not leave the child waiting forever.
#![cfg(unix)]

mod support;

use std::time::{Duration, Instant};

use authwire::{ApiKey, TokenManager};
use support::server::{Reply, TestServer};

#[test]
fn a_forked_child_refreshes_with_its_own_runtime() {
    let server = TestServer::start(|_, n| {
        let delay = if n == 1 { 1500 } else { 0 };
        Reply::json(
            200,
            serde_json::json!({"token": format!("t{n}"), "expirationTime": 300}),
        )
        .after(Duration::from_millis(delay))
    });
    let key = ApiKey::from_encoded_key("key").unwrap();
    let manager = TokenManager::api_key_exchange(&server.url("/t"), &key, None).unwrap();
    assert_eq!(manager.authorization().unwrap(), "Bearer t0");
    // A slow refresh is under way in the parent when the process forks.
    assert!(manager.invalidate("t0"));
    std::thread::sleep(Duration::from_millis(100));

    // SAFETY: the child only calls into the manager and then `_exit`s.
    let child = unsafe { libc::fork() };
    assert!(child >= 0, "fork failed");
    if child == 0 {
        let ok = manager
            .authorization()
            .is_ok_and(|header| header.starts_with("Bearer t"));
        // SAFETY: ends the child without running the parent's destructors.
        unsafe { libc::_exit(if ok { 0 } else { 1 }) }
    }

    let started = Instant::now();
    let mut status = 0;
    loop {
        // SAFETY: waits for our own child.
        let done = unsafe { libc::waitpid(child, &mut status, libc::WNOHANG) };
        if done == child {
            break;
        }
        if started.elapsed() > Duration::from_secs(20) {
            // SAFETY: stops our own child.
            unsafe { libc::kill(child, libc::SIGKILL) };
            panic!("the forked child hung waiting for the parent's refresh");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "child status {status}"
    );
    assert_eq!(manager.authorization().unwrap(), "Bearer t1");
}
