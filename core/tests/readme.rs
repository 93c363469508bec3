//! The README shows `examples/readme_token.rs` word for word, so the sample that CI runs
//! against the demo server is the one readers copy.

#[test]
fn readme_contains_the_token_sample_verbatim() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("../README.md")).unwrap();
    let sample = std::fs::read_to_string(root.join("examples/readme_token.rs")).unwrap();
    assert!(
        readme.contains(&format!("```rust,no_run\n{sample}```")),
        "README.md must show core/examples/readme_token.rs verbatim"
    );
}
