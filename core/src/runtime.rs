//! The core's own async runtime, so no caller has to manage one.
//!
//! Token requests run on a small tokio runtime owned by the library. Blocking calls wait on
//! it from any thread; async calls await it from any executor (asyncio, coroutines, Swift
//! concurrency, tokio), because a tokio `JoinHandle` can be awaited anywhere.
//!
//! A forked child (gunicorn or Celery prefork, `multiprocessing` with fork) inherits no
//! threads, so the parent's runtime is dead there: the first use in a new process starts a
//! runtime of its own. The parent's copy is left alone, since dropping it would wait for
//! threads that do not exist in the child.

use std::sync::Mutex;

use tokio::runtime::{Builder, Runtime};

static RUNTIME: Mutex<Option<(u32, &'static Runtime)>> = Mutex::new(None);

/// The runtime of the current process, started on first use.
pub(crate) fn get() -> &'static Runtime {
    let pid = std::process::id();
    let mut slot = RUNTIME.lock().unwrap_or_else(|e| e.into_inner());
    match *slot {
        Some((owner, runtime)) if owner == pid => runtime,
        _ => {
            let runtime: &'static Runtime = Box::leak(Box::new(
                Builder::new_multi_thread()
                    .worker_threads(2)
                    .thread_name("authwire-io")
                    .enable_all()
                    .build()
                    .expect("the authwire runtime could not start (no threads available?)"),
            ));
            *slot = Some((pid, runtime));
            runtime
        }
    }
}
