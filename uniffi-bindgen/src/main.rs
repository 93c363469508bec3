//! The uniffi binding generator, pinned to the uniffi version the core is built with.
//! Used by `bindings-kotlin/generate` and `bindings-swift/generate`.
fn main() {
    uniffi::uniffi_bindgen_main()
}
