//! The documentation shows the Rust samples that run: every `core/examples/readme_*.rs` is
//! included word for word in a page of the site (`docs/`, through a pymdownx.snippets line
//! `--8<-- "core/examples/<file>"`, which `mkdocs build --strict` resolves), and tests/run-all
//! runs each of them. The README's own Rust blocks, if any, are doctests (`src/lib.rs`).

use std::path::Path;

fn markdown_files(dir: &Path, found: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if path.file_name().is_some_and(|name| name != "generated") {
                markdown_files(&path, found);
            }
        } else if path.extension().is_some_and(|ext| ext == "md") {
            found.push(std::fs::read_to_string(&path).unwrap());
        }
    }
}

#[test]
fn the_site_includes_every_rust_sample() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut pages = Vec::new();
    markdown_files(&root.join("../docs"), &mut pages);
    let mut samples = 0;
    for entry in std::fs::read_dir(root.join("examples")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if !(name.starts_with("readme_") && name.ends_with(".rs")) {
            continue;
        }
        samples += 1;
        let include = format!("--8<-- \"core/examples/{name}\"");
        assert!(
            pages.iter().any(|page| page.contains(&include)),
            "no page under docs/ includes core/examples/{name} ({include})"
        );
    }
    assert!(
        samples >= 4,
        "expected the readme_* samples of core/examples, found {samples}"
    );
}
