//! The fuzz targets; each module's `run` takes one input and asserts its invariants.

pub mod engine_state_machine;
pub mod headers;
pub mod other_inputs;
pub mod sealed_store;
pub mod token_answer;
pub mod transport_guard;
