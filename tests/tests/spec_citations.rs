//! Every spec citation in the workspace's Rust code names a section and
//! check ids that `spec/*.md` defines (docs/style.md item 3; the conventions are
//! in `spec/crypto.md` §1.4); and no file of the repository refers to a
//! file outside it, while every citation of `docs/` resolves.
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
//! The second check, [`no_reference_leaves_the_repository`], reads every
//! text file of the repository (tracked or new, as `git ls-files` lists
//! them; without git, a walk that skips build output) and fails, naming
//! `file:line`, on:
//!
//! - a name of the background documents the project was started from,
//!   which live outside the repository (the names are in
//!   [`outside_names`]; their content is now `docs/attacks.md`,
//!   `docs/design.md` and `docs/style.md`);
//! - a relative path that climbs above the repository root, counted from
//!   the directory of the file that writes it;
//! - a path to a Markdown file named like those documents (design, style,
//!   dependencies; in any case) that is not a file of the repository;
//! - a `docs/….md` path, or a relative Markdown link in a `.md` file, that
//!   names no existing file;
//! - a citation `docs/attacks.md X` (a list `A6, B1`, a range `D1–D7`) of
//!   an id that `docs/attacks.md` does not define as a heading
//!   (`### A11 — …`) or a bold label (`**A11**`).
//!
//! The names it looks for are assembled at run time, so this file holds
//! none of them.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use regex::Regex;

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

/// Expand `(R1)–(R3)` into `R1, R2, R3`; `None` if it is not a valid range.
fn expand_range(lo: &str, hi: &str) -> Option<Vec<String>> {
    let split = |id: &str| -> Option<(String, u32)> {
        let digits = id.find(|c: char| c.is_ascii_digit())?;
        Some((id[..digits].to_string(), id[digits..].parse().ok()?))
    };
    let (p_lo, n_lo) = split(lo)?;
    let (p_hi, n_hi) = split(hi)?;
    if p_lo != p_hi || n_lo > n_hi || n_hi - n_lo > 100 {
        return None;
    }
    Some((n_lo..=n_hi).map(|n| format!("{p_lo}{n}")).collect())
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

fn workspace_root() -> PathBuf {
    Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR is set by cargo"))
        .parent()
        .expect("tests/ lives inside the workspace")
        .to_path_buf()
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

// ---------------------------------------------------------------------------
// References outside the repository, and citations of `docs/`.
// ---------------------------------------------------------------------------

/// Directories never read when git cannot list the files.
const WALK_SKIP_DIRS: &[&str] = &["target", "node_modules", ".git", "demo-data"];

/// Fewer files than this means the listing is broken, not the repository.
const MIN_FILES: usize = 100;

/// Fewer `docs/attacks.md` citations than this means the scanner is broken.
const MIN_ATTACK_CITATIONS: usize = 50;

/// Fewer ids than this in `docs/attacks.md` means its parser is broken.
const MIN_ATTACK_IDS: usize = 60;

/// Characters that may continue a path (a `../` after one of them is part
/// of a longer path, such as `{}/../spec` or `pkg/../x`, not a path of its
/// own).
fn is_path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/' | '-' | '~' | '$' | '}')
}

/// The background documents' names, which must not appear in the
/// repository: `(what to look for, what to cite instead)`. Assembled at run
/// time so that this file does not contain them.
fn outside_names() -> Vec<(String, &'static str)> {
    let up = "..\u{2f}";
    vec![
        (
            format!("{}-{}", "security", "cases").to_uppercase(),
            "docs/attacks.md",
        ),
        (format!("{up}shared"), "a file in the repository"),
        (
            format!("/{}/{}", "work", "shared"),
            "a file in the repository",
        ),
    ]
}

/// The other background documents' names in capitals (design, style,
/// dependencies; with or without `.md`), with what to cite instead.
fn upper_case_names() -> Vec<(String, &'static str)> {
    vec![
        ("design".to_uppercase(), "docs/design.md"),
        ("style".to_uppercase(), "docs/style.md item N"),
        ("dependencies".to_uppercase(), "docs/design.md"),
    ]
}

/// Where `docs/attacks.md` defines its ids: ids to the line of definition,
/// and the problems (an id defined twice).
fn attack_ids(text: &str) -> (BTreeMap<String, usize>, Vec<String>) {
    let heading = Regex::new(r"^#{2,4}\s+([A-H][0-9]{1,2})\b").unwrap();
    let label = Regex::new(r"^\*\*([A-H][0-9]{1,2})\b").unwrap();
    let mut ids = BTreeMap::new();
    let mut problems = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let Some(cap) = heading.captures(line).or_else(|| label.captures(line)) else {
            continue;
        };
        let id = cap[1].to_string();
        if let Some(first) = ids.insert(id.clone(), n + 1) {
            problems.push(format!(
                "docs/attacks.md:{}: {id} is defined twice (first at line {first})",
                n + 1
            ));
        }
    }
    (ids, problems)
}

/// `rel` resolved against the directory `dir` (components from the
/// repository root), as a root-relative path; `None` if it climbs above
/// the root.
fn resolve(dir: &[&str], rel: &str) -> Option<String> {
    let mut parts: Vec<&str> = dir.to_vec();
    for part in rel.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// The line (1-based) of byte `offset`, given the byte offsets where lines start.
fn line_at(line_starts: &[usize], offset: usize) -> usize {
    line_starts.partition_point(|&s| s <= offset)
}

/// Every problem of one file (`rel`: its path from the repository root) as
/// `rel:line: what`. `ids` are the ids `docs/attacks.md` defines; `exists`
/// says whether a root-relative path is a file or directory of the
/// repository. Also returns the number of `docs/attacks.md` citations found.
fn check_references(
    rel: &str,
    text: &str,
    ids: &BTreeMap<String, usize>,
    exists: &dyn Fn(&str) -> bool,
) -> (Vec<String>, usize) {
    let mut problems = Vec::new();
    let dir: Vec<&str> = match rel.rfind('/') {
        Some(i) => rel[..i].split('/').collect(),
        None => Vec::new(),
    };
    let outside = outside_names();
    let upper: Vec<(Regex, &str)> = upper_case_names()
        .into_iter()
        .map(|(n, instead)| (Regex::new(&format!(r"\b{n}(?:\.md)?\b")).unwrap(), instead))
        .collect();
    let lower_doc = Regex::new(r"(?i)\b(?:design|style|dependencies)\.md\b").unwrap();
    let climb = Regex::new(r"(?:\.\./)+").unwrap();
    let docs_path = Regex::new(r"docs/[A-Za-z0-9_/-]+\.md").unwrap();
    let md_link = Regex::new(r"\]\(([^)\s]+)\)").unwrap();
    let scheme = Regex::new(r"^[A-Za-z][A-Za-z0-9+.-]*:").unwrap();
    let is_markdown = rel.ends_with(".md");

    for (n, line) in text.lines().enumerate() {
        let at = format!("{rel}:{}", n + 1);
        let lower_line = line.to_lowercase();
        for (name, instead) in &outside {
            if lower_line.contains(&name.to_lowercase()) {
                problems.push(format!(
                    "{at}: cites `{name}`, outside the repository: cite {instead}"
                ));
            }
        }
        for (re, instead) in &upper {
            for m in re.find_iter(line) {
                problems.push(format!(
                    "{at}: cites `{}`, a document outside the repository: cite {instead}",
                    m.as_str()
                ));
            }
        }
        for m in lower_doc.find_iter(line) {
            if upper.iter().any(|(re, _)| re.is_match(m.as_str())) {
                continue; // reported above
            }
            let start = line[..m.start()]
                .char_indices()
                .rev()
                .take_while(|&(_, c)| is_path_char(c))
                .last()
                .map_or(m.start(), |(i, _)| i);
            let token = &line[start..m.end()];
            if token.starts_with("docs/") {
                continue; // checked as a docs path below
            }
            if !resolve(&dir, token).is_some_and(|p| exists(&p)) {
                problems.push(format!(
                    "{at}: cites `{token}`, which is not a file of the repository (cite docs/design.md or docs/style.md)"
                ));
            }
        }
        for m in climb.find_iter(line) {
            if line[..m.start()]
                .chars()
                .next_back()
                .is_some_and(is_path_char)
            {
                continue; // part of a longer path
            }
            let ups = m.as_str().len() / 3;
            if ups > dir.len() {
                let rest: String = line[m.end()..]
                    .chars()
                    .take_while(|&c| is_path_char(c))
                    .collect();
                problems.push(format!(
                    "{at}: `{}{rest}` climbs above the repository root",
                    m.as_str()
                ));
            }
        }
        for m in docs_path.find_iter(line) {
            if line[..m.start()]
                .chars()
                .next_back()
                .is_some_and(is_path_char)
            {
                continue; // some other folder's docs/
            }
            if !exists(m.as_str()) {
                problems.push(format!(
                    "{at}: cites `{}`, which does not exist",
                    m.as_str()
                ));
            }
        }
        if is_markdown {
            for cap in md_link.captures_iter(line) {
                let target = &cap[1];
                if scheme.is_match(target) || target.starts_with('#') || target.starts_with('/') {
                    continue;
                }
                let path = target.split(['#', '?']).next().unwrap_or("");
                if path.is_empty() {
                    continue;
                }
                match resolve(&dir, path) {
                    None => problems.push(format!(
                        "{at}: the link `{target}` climbs above the repository root"
                    )),
                    Some(p) if !exists(&p) => problems.push(format!(
                        "{at}: the link `{target}` names `{p}`, which does not exist"
                    )),
                    Some(_) => {}
                }
            }
        }
    }

    // `docs/attacks.md` citations, over comment-stripped, joined lines (a
    // citation may wrap).
    let mut flat = String::with_capacity(text.len());
    let mut line_starts = Vec::new();
    for line in text.lines() {
        let mut l = line.trim_start();
        for marker in ["//!", "///", "//", "--", "#", "*"] {
            if let Some(rest) = l.strip_prefix(marker) {
                l = rest;
                break;
            }
        }
        line_starts.push(flat.len());
        flat.push_str(l.trim());
        flat.push(' ');
    }
    let id = r"[A-H][0-9]{1,2}\b";
    let citation = Regex::new(&format!(
        r"docs/attacks\.md`?(?P<ids>(?:(?:\s*(?:,|;|/|\band\b|\bor\b)\s*|\s+){id}(?:\s*[–—-]\s*{id})?)*)"
    ))
    .unwrap();
    let one = Regex::new(&format!(r"({id})(?:\s*[–—-]\s*({id}))?")).unwrap();
    let mut count = 0;
    for cap in citation.captures_iter(&flat) {
        count += 1;
        let at = format!(
            "{rel}:{}",
            line_at(&line_starts, cap.get(0).unwrap().start())
        );
        for r in one.captures_iter(&cap["ids"]) {
            let cited = match r.get(2) {
                None => vec![r[1].to_string()],
                Some(hi) => match expand_range(&r[1], hi.as_str()) {
                    Some(all) => all,
                    None => {
                        problems.push(format!(
                            "{at}: `{}` is not a range of docs/attacks.md ids",
                            &r[0]
                        ));
                        continue;
                    }
                },
            };
            for c in cited {
                if !ids.contains_key(&c) {
                    problems.push(format!("{at}: docs/attacks.md defines no {c}"));
                }
            }
        }
    }
    (problems, count)
}

/// The repository's files, root-relative: what git tracks plus new files it
/// does not ignore; without git, a walk that skips build output.
fn repository_files(root: &Path) -> Vec<String> {
    let listed = std::process::Command::new("git")
        .arg("-C")
        .arg(root)
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .output();
    let mut files: Vec<String> = match listed {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout)
            .split('\0')
            .filter(|f| !f.is_empty())
            .map(str::to_string)
            .collect(),
        _ => {
            let mut found = Vec::new();
            walk(root, root, &mut found);
            found
        }
    };
    files.sort();
    files.dedup();
    files
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            if !WALK_SKIP_DIRS.contains(&name.as_str()) {
                walk(root, &path, out);
            }
        } else if let Ok(rel) = path.strip_prefix(root) {
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
}

#[test]
fn no_reference_leaves_the_repository() {
    let root = workspace_root();
    let attacks = fs::read_to_string(root.join("docs/attacks.md")).expect("docs/attacks.md exists");
    let (ids, mut problems) = attack_ids(&attacks);
    assert!(
        ids.len() >= MIN_ATTACK_IDS,
        "docs/attacks.md defines only {} ids; expected at least {MIN_ATTACK_IDS}",
        ids.len()
    );
    let files = repository_files(&root);
    let exists = |p: &str| root.join(p).exists();
    let mut read = 0;
    let mut citations = 0;
    for rel in &files {
        let Ok(bytes) = fs::read(root.join(rel)) else {
            continue; // deleted in the working tree
        };
        if bytes.contains(&0) {
            continue; // binary
        }
        let Ok(text) = String::from_utf8(bytes) else {
            continue;
        };
        read += 1;
        let (found, count) = check_references(rel, &text, &ids, &exists);
        problems.extend(found);
        citations += count;
    }
    assert!(
        read >= MIN_FILES,
        "read only {read} text files of {}; expected at least {MIN_FILES}",
        files.len()
    );
    assert!(
        files.iter().any(|f| f == "crypto/src/lib.rs"),
        "the listing did not reach crypto/src/lib.rs"
    );
    assert!(
        citations >= MIN_ATTACK_CITATIONS,
        "found only {citations} docs/attacks.md citations; expected at least {MIN_ATTACK_CITATIONS}"
    );
    assert!(
        problems.is_empty(),
        "{} reference(s) outside the repository or to nothing ({read} files read):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn reference_checker_reports_every_kind_of_problem() {
    let docs = "docs";
    let up = "..\u{2f}";
    let outside = format!("{}-{}", "security", "cases").to_uppercase();
    let design = "design".to_uppercase();
    let attacks = "\
# Attacks

### A1 — one
### B4 — two
**C7** a bold label
### A1 — again
";
    let (ids, problems) = attack_ids(attacks);
    assert_eq!(
        ids.keys().map(String::as_str).collect::<Vec<_>>(),
        vec!["A1", "B4", "C7"]
    );
    assert_eq!(
        problems,
        vec!["docs/attacks.md:6: A1 is defined twice (first at line 3)".to_string()]
    );

    let design_md = format!("{}.md", "design");
    let style_md = format!("{}.md", "style");
    let existing = [
        "docs/attacks.md",
        "docs/design.md",
        "docs/style.md",
        "docs/guides/mirror.md",
        "spec/log.md",
    ];
    let exists = |p: &str| existing.contains(&p);
    let source = format!(
        "//! Fine: {docs}/attacks.md A1, B4 and C7; {docs}/{design_md}; {docs}/{style_md} item 3.\n\
         //! Fine: `{{}}/{up}spec` and {up}spec/log.md from one level down.\n\
         /// Outside: {outside} A1 and {up}{up}shared/notes here.\n\
         /// Outside: {design}.md and {design}: the sequencer.\n\
         // Undefined: {docs}/attacks.md A2, B1–B5, D3 and a wrapped\n\
         // {docs}/attacks.md\n\
         // H9; a range across letters {docs}/attacks.md A1–B4.\n\
         // Nothing there: {docs}/nothing.md, and {design_md} next to this file.\n\
         fn f() {{}} // climbs: \"{up}{up}{up}elsewhere\"\n"
    );
    let (found, count) = check_references("crypto/src/x.rs", &source, &ids, &exists);
    assert_eq!(count, 4, "citations of docs/attacks.md");
    assert_eq!(
        found,
        vec![
            format!("crypto/src/x.rs:3: cites `{outside}`, outside the repository: cite docs/attacks.md"),
            format!("crypto/src/x.rs:3: cites `{up}shared`, outside the repository: cite a file in the repository"),
            format!(
                "crypto/src/x.rs:4: cites `{design}.md`, a document outside the repository: cite docs/design.md"
            ),
            format!(
                "crypto/src/x.rs:4: cites `{design}`, a document outside the repository: cite docs/design.md"
            ),
            format!("crypto/src/x.rs:8: cites `{design_md}`, which is not a file of the repository (cite docs/design.md or docs/style.md)"),
            format!("crypto/src/x.rs:8: cites `{docs}/nothing.md`, which does not exist"),
            format!("crypto/src/x.rs:9: `{up}{up}{up}elsewhere` climbs above the repository root"),
            format!("crypto/src/x.rs:5: {docs}/attacks.md defines no A2"),
            format!("crypto/src/x.rs:5: {docs}/attacks.md defines no B1"),
            format!("crypto/src/x.rs:5: {docs}/attacks.md defines no B2"),
            format!("crypto/src/x.rs:5: {docs}/attacks.md defines no B3"),
            format!("crypto/src/x.rs:5: {docs}/attacks.md defines no B5"),
            format!("crypto/src/x.rs:5: {docs}/attacks.md defines no D3"),
            format!("crypto/src/x.rs:6: {docs}/attacks.md defines no H9"),
            format!("crypto/src/x.rs:7: `A1–B4` is not a range of {docs}/attacks.md ids"),
        ]
    );

    // Markdown: links resolve from the file's folder.
    let guide = format!(
        "See [the design]({up}{design_md}), [mirrors](mirror.md#start), [web](https://example.org),\n\
         [gone]({up}gone.md) and [out]({up}{up}{up}x.md).\n"
    );
    let (found, count) = check_references("docs/guides/organizer.md", &guide, &ids, &exists);
    assert_eq!(count, 0);
    assert_eq!(
        found,
        vec![
            format!("docs/guides/organizer.md:2: `{up}{up}{up}x.md` climbs above the repository root"),
            format!("docs/guides/organizer.md:2: the link `{up}gone.md` names `{docs}/gone.md`, which does not exist"),
            format!("docs/guides/organizer.md:2: the link `{up}{up}{up}x.md` climbs above the repository root"),
        ]
    );
}
