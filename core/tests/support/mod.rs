//! Shared helpers for the core's integration tests.
#![allow(dead_code)]

pub mod python;
pub mod server;
pub mod transport;

use std::path::PathBuf;

/// The shared vectors file, copied into this repository's tests/.
pub fn vectors() -> serde_json::Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/auth-vectors.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A listener that keeps every event, for tests that check what a manager reported.
#[derive(Default)]
pub struct Events(std::sync::Mutex<Vec<authwire::AuthEvent>>);

impl Events {
    /// Every event so far, in order.
    pub fn all(&self) -> Vec<authwire::AuthEvent> {
        self.0.lock().unwrap().clone()
    }
}

impl authwire::AuthListener for Events {
    fn on_event(&self, event: authwire::AuthEvent) {
        self.0.lock().unwrap().push(event);
    }
}
