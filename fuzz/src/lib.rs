//! Coverage-guided fuzz targets for the authwire core, on stable Rust.
//!
//! The crate is one static library exporting libFuzzer's `LLVMFuzzerTestOneInput`;
//! `fuzz/build` compiles it with sanitizer-coverage instrumentation, links it once with
//! clang's libFuzzer and names a copy of the binary after each target. The binary runs the
//! target its file is named after (or the one `AUTHWIRE_FUZZ_TARGET` names). Each target
//! asserts its invariants: a failed assertion or any panic, on any thread, aborts the
//! process, which libFuzzer reports as a crash with the input that caused it.
//! See `fuzz/README.md`.

pub mod input;
pub mod targets;

use std::sync::OnceLock;

/// A target: one input in, invariants asserted.
pub type Target = fn(&[u8]);

/// Every target, by name.
pub const TARGETS: &[(&str, Target)] = &[
    ("token_answer", targets::token_answer::run),
    ("headers", targets::headers::run),
    ("other_inputs", targets::other_inputs::run),
    ("sealed_store", targets::sealed_store::run),
    ("transport_guard", targets::transport_guard::run),
    ("engine_state_machine", targets::engine_state_machine::run),
];

/// The target named by `AUTHWIRE_FUZZ_TARGET`, else by the executable's file name.
fn selected() -> Target {
    static SELECTED: OnceLock<Target> = OnceLock::new();
    *SELECTED.get_or_init(|| {
        let name = std::env::var("AUTHWIRE_FUZZ_TARGET").ok().unwrap_or_else(|| {
            std::env::args_os()
                .next()
                .map(std::path::PathBuf::from)
                .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                .unwrap_or_default()
        });
        // A panic anywhere (also on the core's runtime threads, where tokio would catch it)
        // is a finding: report it, then abort so that libFuzzer saves the input.
        let default_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            default_hook(info);
            std::process::abort();
        }));
        match TARGETS.iter().find(|(n, _)| *n == name) {
            Some((_, target)) => *target,
            None => {
                let names: Vec<&str> = TARGETS.iter().map(|(n, _)| *n).collect();
                eprintln!(
                    "unknown fuzz target {name:?}: name the binary (or set AUTHWIRE_FUZZ_TARGET) after one of {names:?}"
                );
                std::process::exit(2);
            }
        }
    })
}

/// libFuzzer's entry point: runs the selected target on one input.
///
/// # Safety
/// libFuzzer passes a pointer to `size` readable bytes (or a null pointer with size 0).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn LLVMFuzzerTestOneInput(data: *const u8, size: usize) -> i32 {
    let bytes = if data.is_null() || size == 0 {
        &[][..]
    } else {
        // SAFETY: libFuzzer guarantees `size` readable bytes at `data` for this call.
        unsafe { std::slice::from_raw_parts(data, size) }
    };
    selected()(bytes);
    0
}
