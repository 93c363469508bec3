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
