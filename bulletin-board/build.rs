//! Embeds the voting page (`wasm/www/`, `spec/client.md` §8) into the
//! board: every file under it (but `index.html`, served as the page, and
//! hidden files) becomes an entry of a generated table of
//! `include_bytes!`, so running the board needs no files and the bytes
//! served are exactly the committed ones.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn walk(dir: &Path, rel: &str, out: &mut Vec<(String, PathBuf)>) {
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry"))
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let path = e.path();
        let rel_name = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        if path.is_dir() {
            walk(&path, &rel_name, out);
        } else {
            println!("cargo:rerun-if-changed={}", path.display());
            out.push((rel_name, path));
        }
    }
}

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let www = manifest.join("../wasm/www");
    let www = www
        .canonicalize()
        .unwrap_or_else(|e| panic!("{}: {e}", www.display()));
    let mut files = Vec::new();
    walk(&www, "", &mut files);
    assert!(
        files.iter().any(|(n, _)| n == "index.html"),
        "wasm/www/index.html is missing"
    );
    let mut src = String::from("/// The files of `wasm/www/` (relative path, bytes).\n");
    src.push_str("pub static FILES: &[(&str, &[u8])] = &[\n");
    for (name, path) in &files {
        let _ = writeln!(
            src,
            "    ({name:?}, include_bytes!({:?})),",
            path.display().to_string()
        );
    }
    src.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR")).join("www.rs");
    std::fs::write(&out, src).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
}
