//! The modules of each crate import each other without circles: for every
//! crate of the workspace, the graph "top-level module A names `crate::B`"
//! must be acyclic (a module folder counts as one module; a crate's root
//! file is not a node). A circle means two concerns cannot be read, tested
//! or moved apart; the usual fix is a third module both depend on (as the
//! board's `state` module is for its HTTP routes and its pages).
//!
//! The graph is read from the source text, as a reviewer would: every
//! `crate::name` path in a file is an edge from the file's top-level
//! module to `name`, if `name` is another top-level module of the crate.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Graph = BTreeMap<String, BTreeSet<String>>;

fn repo_root() -> PathBuf {
    let dir = std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR is set by cargo");
    Path::new(&dir).parent().unwrap().to_path_buf()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The top-level module a file under `src/` belongs to (`None` for the
/// crate root and binaries).
fn top_module(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel.components().next()?.as_os_str().to_str()?.to_string();
    if first == "bin" || first == "lib.rs" || first == "main.rs" {
        return None;
    }
    Some(first.trim_end_matches(".rs").to_string())
}

/// `crate::name` references in `text`, comments included (a doc link to
/// another module is a dependency of the reader too).
fn crate_refs(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(i) = rest.find("crate::") {
        let after = &rest[i + "crate::".len()..];
        let preceded_by_ident = rest[..i]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_');
        let name: String = after
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !preceded_by_ident && !name.is_empty() {
            out.insert(name);
        }
        rest = after;
    }
    out
}

fn crate_graph(src: &Path) -> Graph {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut graph = Graph::new();
    for f in &files {
        if let Some(m) = top_module(src, f) {
            graph.entry(m).or_default();
        }
    }
    for f in &files {
        let Some(m) = top_module(src, f) else {
            continue;
        };
        let text = std::fs::read_to_string(f).unwrap();
        for r in crate_refs(&text) {
            if r != m && graph.contains_key(&r) {
                graph.get_mut(&m).unwrap().insert(r);
            }
        }
    }
    graph
}

/// One circle of the graph, if it has any.
fn find_cycle(graph: &Graph) -> Option<Vec<String>> {
    fn visit(
        g: &Graph,
        n: &str,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(n.to_string(), 1);
        stack.push(n.to_string());
        for m in g.get(n).into_iter().flatten() {
            match state.get(m.as_str()) {
                Some(1) => {
                    let at = stack.iter().position(|x| x == m).unwrap();
                    let mut cycle = stack[at..].to_vec();
                    cycle.push(m.clone());
                    return Some(cycle);
                }
                Some(_) => {}
                None => {
                    if let Some(c) = visit(g, m, state, stack) {
                        return Some(c);
                    }
                }
            }
        }
        stack.pop();
        state.insert(n.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in graph.keys() {
        if !state.contains_key(n) {
            if let Some(c) = visit(graph, n, &mut state, &mut Vec::new()) {
                return Some(c);
            }
        }
    }
    None
}

#[test]
fn no_crate_has_an_import_circle() {
    let root = repo_root();
    let mut crates = 0;
    let mut circles = Vec::new();
    for e in std::fs::read_dir(&root).unwrap() {
        let dir = e.unwrap().path();
        let src = dir.join("src");
        if !dir.join("Cargo.toml").is_file() || !src.is_dir() {
            continue;
        }
        crates += 1;
        if let Some(c) = find_cycle(&crate_graph(&src)) {
            circles.push(format!("{}: {}", dir.display(), c.join(" -> ")));
        }
    }
    assert!(
        crates >= 8,
        "only {crates} crates found under {}",
        root.display()
    );
    assert!(
        circles.is_empty(),
        "import circles:\n{}",
        circles.join("\n")
    );
}

#[test]
fn the_check_finds_a_circle_and_reads_paths() {
    let mut g = Graph::new();
    g.entry("http".into()).or_default().insert("page".into());
    g.entry("page".into()).or_default().insert("state".into());
    g.entry("state".into()).or_default();
    assert_eq!(find_cycle(&g), None);
    g.get_mut("state").unwrap().insert("http".into());
    assert_eq!(
        find_cycle(&g),
        Some(vec![
            "http".into(),
            "page".into(),
            "state".into(),
            "http".into()
        ])
    );
    let refs =
        crate_refs("use crate::state::AppState; xcrate::no; urna_crate::y; crate::http::f()");
    assert_eq!(
        refs.into_iter().collect::<Vec<_>>(),
        vec!["http".to_string(), "state".to_string()]
    );
}
