//! The core's own async runtime, so no caller has to manage one.
//!
//! Token requests run on a small tokio runtime owned by the library. Blocking calls wait on
//! it from any thread; async calls await it from any executor (asyncio, coroutines, Swift
//! concurrency, tokio), because a tokio `JoinHandle` can be awaited anywhere.

use std::sync::LazyLock;

use tokio::runtime::{Builder, Runtime};

static RUNTIME: LazyLock<Runtime> = LazyLock::new(|| {
    Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("authwire-io")
        .enable_all()
        .build()
        .expect("the authwire runtime could not start (no threads available?)")
});

/// The shared runtime, started on first use.
pub(crate) fn get() -> &'static Runtime {
    &RUNTIME
}
