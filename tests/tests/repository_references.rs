//! No file of the repository refers to a file outside it, and every
//! citation of `docs/` resolves: [`no_reference_leaves_the_repository`]
//! reads every text file of the repository (tracked or new, as `git ls-files` lists
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

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use regex::Regex;

mod common;
use common::{expand_range, workspace_root};

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
