//! The uniffi binding generator, for maturin: it looks for a `uniffi-bindgen` binary in the
//! crate it builds, and a Python sdist holds only this crate. The Kotlin and Swift scripts use
//! the workspace crate `uniffi-bindgen/` instead, which never rebuilds the core library.
fn main() {
    uniffi::uniffi_bindgen_main()
}
