//! Every spec citation in the workspace's Rust code names a section and
//! check ids that `spec/*.md` defines (docs/style.md item 3; the conventions are
//! in `spec/crypto.md` §1.4).
//!
//! A *citation* is the word `spec`, optionally followed by `/<file>.md`
//! (with an optional closing backtick), then the section sign and a section
//! number, optionally more `, §n.m` sections, then optionally check ids in
//! parentheses: one id, a list separated by commas, or a range written with
//! an en dash between two ids. A citation may wrap onto the next comment
//! line: comment markers are stripped and lines are joined before scanning.
//!
//! In `spec/*.md`, a *section* is a numbered Markdown heading (`## 5 …`,
//! `### 5.4 …`) and an *id* is defined by writing it in bold inside
//! parentheses, outside code spans and fenced code blocks. An id belongs to
//! the section whose heading precedes it; each spec file has its own ids. A
//! citation that names a file is resolved in that file, one that names none
//! in any spec file. The check fails when a cited section does not exist,
//! when a cited id is not defined, or when an id is cited under a section
//! that is neither the section that defines it nor an ancestor of it. It
//! also fails when a spec file defines an id or a section twice.
//!
//! The crates scanned are the workspace members of the root `Cargo.toml`
//! (at least the crates listed in `CRATES`), skipping build output.
//!
//! The fake citations in the unit tests below are built with the `\u{a7}`
//! escape, so this file's own source holds no citation to undefined text.
//!
//! References to files outside the repository, and citations of `docs/`,
//! are checked by `tests/repository_references.rs`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use regex::Regex;

mod common;
use common::{expand_range, workspace_root};

/// Crates whose Rust sources are always scanned, in addition to the
/// workspace members found in the root `Cargo.toml`.
const CRATES: &[&str] = &[
    "crypto",
    "bulletin-board",
    "voter-client",
    "wasm",
    "tally",
    "tests",
];

/// Directories never scanned (build output, JavaScript dependencies).
const SKIP_DIRS: &[&str] = &["target", "node_modules"];

/// The section sign, written as an escape so that this file cites nothing.
const SECTION_SIGN: char = '\u{a7}';

/// Fewer citations than this means the scanner is broken, not the code.
const MIN_CITATIONS: usize = 20;

/// Where each section and id of the spec is defined.
#[derive(Debug, Default)]
struct SpecIndex {
    /// `(spec file name, section number)`, e.g. `("crypto.md", "5.4")`.
    sections: BTreeSet<(String, String)>,
    /// id (without parentheses) to every `(spec file name, section)` defining it.
    ids: BTreeMap<String, Vec<(String, String)>>,
}

/// One citation found in a Rust source file.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Citation {
    /// `path:line` of the citation's start.
    location: String,
    /// The citation as written (after comment markers were stripped).
    text: String,
    /// The spec file the citation names, e.g. `crypto.md`, if any.
    file: Option<String>,
    /// The cited section numbers, e.g. `["5.1", "5.2"]`.
    sections: Vec<String>,
    /// The cited ids with ranges expanded, e.g. `["R1", "R2", "R3"]`.
    ids: Vec<String>,
    /// Ranges that could not be expanded (different prefixes, reversed).
    bad_ranges: Vec<String>,
}

fn heading_re() -> Regex {
    Regex::new(r"^#{1,6}\s+(\d+(?:\.\d+)*)\.?(?:\s|$)").unwrap()
}

fn id_definition_re() -> Regex {
    Regex::new(r"\*\*\(([A-Z]{1,3}[0-9]{1,3})\)\*\*").unwrap()
}

fn code_span_re() -> Regex {
    Regex::new(r"``.*?``|`[^`]*`").unwrap()
}

fn citation_re() -> Regex {
    let s = SECTION_SIGN;
    let id = r"\([A-Z]{1,3}[0-9]{1,3}\)";
    Regex::new(&format!(
        r"\bspec(?:/(?P<file>[A-Za-z0-9_-]+\.md)`?)?\s*{s}\s?(?P<sec>\d+(?:\.\d+)*)(?P<more>(?:\s*(?:,|and)\s*{s}\s?\d+(?:\.\d+)*)*)(?P<ids>(?:\s*(?:,|and|or)?\s*{id}(?:\s*[–—-]\s*{id})?)*)"
    ))
    .unwrap()
}

/// Index the sections and ids of `(file name, text)` spec files. Returns the
/// index and the problems found in the spec itself.
fn index_spec(files: &[(String, String)]) -> (SpecIndex, Vec<String>) {
    let heading = heading_re();
    let id_def = id_definition_re();
    let code_span = code_span_re();
    let mut index = SpecIndex::default();
    let mut problems = Vec::new();
    for (name, text) in files {
        let mut section: Option<String> = None;
        let mut in_fence = false;
        for (n, line) in text.lines().enumerate() {
            let trimmed = line.trim_start();
            if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
                in_fence = !in_fence;
                continue;
            }
            if in_fence {
                continue;
            }
            if let Some(cap) = heading.captures(line) {
                let number = cap[1].to_string();
                if !index.sections.insert((name.clone(), number.clone())) {
                    problems.push(format!(
                        "spec/{name}:{}: section {SECTION_SIGN}{number} is defined twice",
                        n + 1
                    ));
                }
                section = Some(number);
                continue;
            }
            let outside_code = code_span.replace_all(line, "");
            for cap in id_def.captures_iter(&outside_code) {
                let id = cap[1].to_string();
                match &section {
                    Some(sec) => index
                        .ids
                        .entry(id)
                        .or_default()
                        .push((name.clone(), sec.clone())),
                    None => problems.push(format!(
                        "spec/{name}:{}: ({id}) is defined before any numbered heading",
                        n + 1
                    )),
                }
            }
        }
    }
    for (id, defs) in &index.ids {
        let mut per_file: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (f, sec) in defs {
            per_file.entry(f).or_default().push(sec);
        }
        for (f, secs) in per_file {
            if secs.len() > 1 {
                let places: Vec<String> = secs
                    .iter()
                    .map(|sec| format!("{SECTION_SIGN}{sec}"))
                    .collect();
                problems.push(format!(
                    "spec/{f}: ({id}) is defined {} times: {}",
                    secs.len(),
                    places.join(", ")
                ));
            }
        }
    }
    (index, problems)
}

/// Find the citations in one Rust source. `path` is only used in locations.
fn find_citations(path: &str, source: &str) -> Vec<Citation> {
    // Strip comment markers and join lines, remembering where each line starts.
    let mut flat = String::with_capacity(source.len());
    let mut line_starts: Vec<usize> = Vec::new();
    for line in source.lines() {
        let mut l = line.trim_start();
        for marker in ["//!", "///", "//"] {
            if let Some(rest) = l.strip_prefix(marker) {
                l = rest;
                break;
            }
        }
        line_starts.push(flat.len());
        flat.push_str(l.trim());
        flat.push(' ');
    }
    let line_of = |offset: usize| line_starts.partition_point(|&s| s <= offset);

    let citation = citation_re();
    let section = Regex::new(r"\d+(?:\.\d+)*").unwrap();
    let id_or_range =
        Regex::new(r"\(([A-Z]{1,3}[0-9]{1,3})\)(?:\s*[–—-]\s*\(([A-Z]{1,3}[0-9]{1,3})\))?")
            .unwrap();
    let mut out = Vec::new();
    for cap in citation.captures_iter(&flat) {
        let whole = cap.get(0).unwrap();
        let mut sections = vec![cap["sec"].to_string()];
        sections.extend(
            section
                .find_iter(&cap["more"])
                .map(|m| m.as_str().to_string()),
        );
        let mut ids = Vec::new();
        let mut bad_ranges = Vec::new();
        for r in id_or_range.captures_iter(&cap["ids"]) {
            match r.get(2) {
                None => ids.push(r[1].to_string()),
                Some(hi) => match expand_range(&r[1], hi.as_str()) {
                    Some(expanded) => ids.extend(expanded),
                    None => bad_ranges.push(r[0].to_string()),
                },
            }
        }
        out.push(Citation {
            location: format!("{path}:{}", line_of(whole.start())),
            text: whole.as_str().trim_end().to_string(),
            file: cap.name("file").map(|m| m.as_str().to_string()),
            sections,
            ids,
            bad_ranges,
        });
    }
    out
}

/// Whether `section` is `cited` or lies under it (`5.4` is under `5` and `5.4`).
fn is_within(section: &str, cited: &str) -> bool {
    section == cited
        || section
            .strip_prefix(cited)
            .is_some_and(|rest| rest.starts_with('.'))
}

/// Every problem with the citations, as `path:line: citation: what is wrong`.
fn check(citations: &[Citation], index: &SpecIndex) -> Vec<String> {
    let mut problems = Vec::new();
    for c in citations {
        let in_scope = |file: &str| c.file.as_deref().is_none_or(|f| f == file);
        let scope = match &c.file {
            Some(f) => format!("spec/{f}"),
            None => "spec/*.md".to_string(),
        };
        let mut report = |what: String| {
            problems.push(format!("{}: `{}`: {what}", c.location, c.text));
        };
        for sec in &c.sections {
            if !index.sections.iter().any(|(f, s)| in_scope(f) && s == sec) {
                report(format!(
                    "section {SECTION_SIGN}{sec} is not defined in {scope}"
                ));
            }
        }
        for range in &c.bad_ranges {
            report(format!("{range} is not a valid id range"));
        }
        for id in &c.ids {
            let defs: Vec<&(String, String)> = index
                .ids
                .get(id)
                .map(|d| d.iter().filter(|(f, _)| in_scope(f)).collect())
                .unwrap_or_default();
            if defs.is_empty() {
                report(format!("({id}) is not defined in {scope}"));
            } else if !defs
                .iter()
                .any(|(_, s)| c.sections.iter().any(|cited| is_within(s, cited)))
            {
                let (f, s) = defs[0];
                report(format!(
                    "({id}) is defined in spec/{f} {SECTION_SIGN}{s}, not under the cited section"
                ));
            }
        }
    }
    problems
}

/// The crate directories to scan: the workspace members and `CRATES`.
fn crate_dirs(root: &Path) -> Vec<PathBuf> {
    let manifest = fs::read_to_string(root.join("Cargo.toml")).expect("root Cargo.toml");
    let members = Regex::new(r"(?s)\bmembers\s*=\s*\[(.*?)\]").unwrap();
    let quoted = Regex::new(r#""([^"]+)""#).unwrap();
    let mut names: BTreeSet<String> = CRATES.iter().map(|c| c.to_string()).collect();
    if let Some(cap) = members.captures(&manifest) {
        names.extend(quoted.captures_iter(&cap[1]).map(|q| q[1].to_string()));
    }
    names
        .into_iter()
        .map(|n| root.join(n))
        .filter(|p| p.is_dir())
        .collect()
}

fn collect_rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            if !name.starts_with('.') && !SKIP_DIRS.contains(&name.as_str()) {
                collect_rust_files(&path, out);
            }
        } else if name.ends_with(".rs") {
            out.push(path);
        }
    }
}

/// The spec files as `(file name, text)`, sorted by name.
fn load_spec(root: &Path) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = fs::read_dir(root.join("spec"))
        .expect("spec/ exists")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let text = fs::read_to_string(&p).expect("spec file is UTF-8");
            (name, text)
        })
        .collect();
    files.sort();
    files
}

#[test]
fn every_spec_citation_is_defined() {
    let root = workspace_root();
    let spec = load_spec(&root);
    assert!(
        spec.iter().any(|(name, _)| name == "crypto.md"),
        "spec/crypto.md is missing"
    );
    let (index, mut problems) = index_spec(&spec);

    let mut sources = Vec::new();
    for dir in crate_dirs(&root) {
        collect_rust_files(&dir, &mut sources);
    }
    sources.sort();
    assert!(
        sources.iter().any(|p| p.ends_with("crypto/src/lib.rs")),
        "the scan did not reach crypto/src/lib.rs"
    );

    let mut citations = Vec::new();
    for path in &sources {
        let rel = path
            .strip_prefix(&root)
            .unwrap_or(path)
            .to_string_lossy()
            .replace('\\', "/");
        let text = fs::read_to_string(path).expect("Rust source is UTF-8");
        citations.extend(find_citations(&rel, &text));
    }
    assert!(
        citations.len() >= MIN_CITATIONS,
        "found only {} spec citations in {} Rust files; expected at least {MIN_CITATIONS}",
        citations.len(),
        sources.len()
    );

    problems.extend(check(&citations, &index));
    assert!(
        problems.is_empty(),
        "{} problem(s) with spec citations ({} citations checked):\n{}",
        problems.len(),
        citations.len(),
        problems.join("\n")
    );
}

/// A small spec used by the unit tests.
fn fake_spec() -> Vec<(String, String)> {
    let text = "\
# Title

## 5 Proofs

### 5.1 Schnorr

**(S1)** `z·G − T − c·X = 0`.

### 5.4 Range

**(R1)** sum. **(R2)** and **(R3)** equations.
An example in a code span is not a definition: `**(Q7)**`.

```text
## 9 not a heading inside a fence
**(Q8)** not a definition inside a fence
```
";
    vec![("crypto.md".to_string(), text.to_string())]
}

#[test]
fn checker_reports_an_undefined_citation() {
    let s = SECTION_SIGN;
    let source = format!(
        "//! Fine: spec {s}5.4 (R1), (R2) and spec {s}5.1 (S1).\n\
         /// Undefined section: spec {s}9.\n\
         fn f() {{}} // undefined id: spec {s}5.4 (Z9)\n\
         // id under the wrong section: spec {s}5.1 (R2)\n\
         // named file that does not exist: spec/other.md` {s}5.4\n\
         // id in a code span only: spec {s}5.4 (Q7)\n"
    );
    let (index, spec_problems) = index_spec(&fake_spec());
    assert_eq!(spec_problems, Vec::<String>::new());
    let citations = find_citations("fake/src/lib.rs", &source);
    assert_eq!(citations.len(), 7, "{citations:#?}");
    let problems = check(&citations, &index);
    assert_eq!(
        problems,
        vec![
            format!("fake/src/lib.rs:2: `spec {s}9`: section {s}9 is not defined in spec/*.md"),
            format!(
                "fake/src/lib.rs:3: `spec {s}5.4 (Z9)`: (Z9) is not defined in spec/*.md"
            ),
            format!(
                "fake/src/lib.rs:4: `spec {s}5.1 (R2)`: (R2) is defined in spec/crypto.md {s}5.4, not under the cited section"
            ),
            format!(
                "fake/src/lib.rs:5: `spec/other.md` {s}5.4`: section {s}5.4 is not defined in spec/other.md"
            ),
            format!(
                "fake/src/lib.rs:6: `spec {s}5.4 (Q7)`: (Q7) is not defined in spec/*.md"
            ),
        ]
    );
}

/// What the parser extracted: location, named file, sections, ids, bad ranges.
type Parsed = (
    String,
    Option<String>,
    Vec<String>,
    Vec<String>,
    Vec<String>,
);

#[test]
fn citation_forms_are_parsed() {
    let s = SECTION_SIGN;
    let source = format!(
        "//! Proofs (spec {s}5.1, {s}5.2).\n\
         /// Checks (spec {s}5.4 (R1)–(R3)); wrapped: spec {s}4.2\n\
         /// (C1)); named: (`spec/crypto.md` {s}9).\n\
         // Not citations: RFC 9496 {s}4.3.1, inspect {s}3, spec {s}x.\n\
         // A bad range: spec {s}5.4 (R3)–(B1).\n"
    );
    let found: Vec<Parsed> = find_citations("f.rs", &source)
        .into_iter()
        .map(|c| (c.location, c.file, c.sections, c.ids, c.bad_ranges))
        .collect();
    let v = |xs: &[&str]| xs.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let expected: Vec<Parsed> = vec![
        ("f.rs:1".into(), None, v(&["5.1", "5.2"]), v(&[]), v(&[])),
        (
            "f.rs:2".into(),
            None,
            v(&["5.4"]),
            v(&["R1", "R2", "R3"]),
            v(&[]),
        ),
        ("f.rs:2".into(), None, v(&["4.2"]), v(&["C1"]), v(&[])),
        (
            "f.rs:3".into(),
            Some("crypto.md".into()),
            v(&["9"]),
            v(&[]),
            v(&[]),
        ),
        (
            "f.rs:5".into(),
            None,
            v(&["5.4"]),
            v(&[]),
            v(&["(R3)–(B1)"]),
        ),
    ];
    assert_eq!(found, expected);
}

#[test]
fn spec_index_finds_duplicates_and_orphans() {
    let s = SECTION_SIGN;
    let files =
        vec![
        (
            "a.md".to_string(),
            "**(X1)** before any heading\n## 1 One\n**(X2)** here\n## 1 Again\n**(X2)** twice\n"
                .to_string(),
        ),
        // Another file may reuse an id: ids are per file.
        ("b.md".to_string(), "## 2 Two\n**(X2)** elsewhere\n".to_string()),
    ];
    let (index, problems) = index_spec(&files);
    assert!(index
        .sections
        .contains(&("b.md".to_string(), "2".to_string())));
    assert_eq!(
        problems,
        vec![
            "spec/a.md:1: (X1) is defined before any numbered heading".to_string(),
            format!("spec/a.md:4: section {s}1 is defined twice"),
            format!("spec/a.md: (X2) is defined 2 times: {s}1, {s}1"),
        ]
    );
    // A citation naming a file resolves there, one naming none anywhere.
    let source = format!("// spec/b.md {s}2 (X2); spec/a.md {s}2; spec {s}2 (X2)\n");
    let problems = check(&find_citations("x.rs", &source), &index);
    assert_eq!(
        problems,
        vec![format!(
            "x.rs:1: `spec/a.md {s}2`: section {s}2 is not defined in spec/a.md"
        )]
    );
}
