//! Fuzz harness of the organizer's election definition parser (issue 13,
//! item 7): `urna_admin::definition::parse`, which turns a hand-written
//! TOML file into a manifest (`spec/record.md` §3). Bounded, seeded
//! property tests run by `cargo test`; the shared machinery is in
//! `election/tests/fuzz_support/mod.rs`.
//!
//! The seeds are the definition `urna election example` prints and
//! variants of it with every contest kind. Mutations are TOML-aware (lines
//! deleted, repeated, swapped or inserted; values and keys replaced by
//! boundary values of every TOML type) or byte-level.
//!
//! Properties: `parse` never panics; an error points at a line and column
//! inside the file; a definition that parses gives a manifest that is valid
//! (`spec/record.md` §3.3) and survives both of the manifest's forms, the
//! canonical encoding (§3.4) and JSON, so what `urna election check`
//! accepts a board and a verifier can read.

#[path = "../../election/tests/fuzz_support/mod.rs"]
mod fuzz_support;

use fuzz_support::{measure, mutated, run};
use proptest::prelude::*;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use urna_admin::definition::{parse, EXAMPLE};
use urna_crypto::{PublicKey, SecretKey};
use urna_election::Manifest;

fn keys() -> (PublicKey, PublicKey) {
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    (
        SecretKey::generate(&mut rng).public_key(),
        SecretKey::generate(&mut rng).public_key(),
    )
}

/// The example and variants with a plurality and a budget contest, a
/// weighted election and a time offset.
fn seeds() -> Vec<String> {
    let plurality = EXAMPLE
        .replace("kind = \"approval\"", "kind = \"plurality\"")
        .replace("min = 0\nmax = 2\n", "");
    let budget = EXAMPLE
        .replace(
            "kind = \"score\"",
            "kind = \"budget\"\nmax_per_option = 3\nbudget = 4",
        )
        .replace("max_score = 5\n", "")
        .replace("weighted = false", "weighted = true")
        .replace("08:00:00Z", "10:00:00+02:00");
    vec![EXAMPLE.to_string(), plurality, budget]
}

/// One TOML-aware edit, at line `n` modulo the number of lines.
#[derive(Clone, Debug)]
enum Edit {
    Delete(usize),
    Repeat(usize),
    Swap(usize, usize),
    Insert(usize, &'static str),
    /// Replace what follows the line's `=` (or the whole line).
    Value(usize, String),
    /// Replace the key before the line's `=`.
    Key(usize, &'static str),
}

const LINES: &[&str] = &[
    "[[contests]]",
    "[[trustees]]",
    "name = \"Trustee D\"",
    "[title]",
    "[description]",
    "en = \"More text\"",
    "kind = \"plurality\"",
    "kind = \"budget\"",
    "max_per_option = 10",
    "budget = 20",
    "min = 1",
    "max = 1",
    "options = []",
    "options = [ { id = \"x\", title = { en = \"X\" } } ]",
    "id = \"another\"",
    "title = { en = \"T\" }",
    "threshold = 1",
    "weighted = true",
    "unknown_key = 1",
    "",
    "#",
    "[",
    "= 1",
];

const KEYS: &[&str] = &[
    "election_id",
    "default_language",
    "opens_at",
    "closes_at",
    "threshold",
    "weighted",
    "title",
    "description",
    "trustees",
    "contests",
    "id",
    "kind",
    "min",
    "max",
    "max_score",
    "max_per_option",
    "budget",
    "options",
    "name",
    "en",
    "ru",
    "EN",
    "en-",
    "x-private-language-tag-of-too-many-parts",
    "\"quoted key\"",
    "a.b",
];

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        prop_oneof![
            Just("0"),
            Just("1"),
            Just("-1"),
            Just("33"),
            Just("1025"),
            Just("4294967295"),
            Just("4294967296"),
            Just("18446744073709551615"),
            Just("18446744073709551616"),
            Just("9223372036854775807"),
            Just("1.5"),
            Just("nan"),
            Just("inf"),
            Just("true"),
            Just("\"\""),
            Just("\"council\""),
            Just("\"é\""),
            Just("\"\\u0000\""),
            Just("2026-02-30T00:00:00Z"),
            Just("2026-12-01"),
            Just("08:00:00"),
            Just("2026-12-01T08:00:00"),
            Just("1969-12-31T23:59:59Z"),
            Just("1970-01-01T00:00:00Z"),
            Just("9999-12-31T23:59:59+23:59"),
            Just("0000-01-01T00:00:00-23:59"),
            Just("2026-12-01T08:00:60Z"),
            Just("2026-12-01T08:00:00.999999999Z"),
            Just("[]"),
            Just("{}"),
            Just("{ en = \"\" }"),
            Just("{ ru = \"Только по-русски\" }"),
            Just("[ { id = \"a\", title = { en = \"A\" } }, { id = \"a\", title = { en = \"A\" } } ]"),
            Just("[ { name = \"A\" } ]"),
        ]
        .prop_map(str::to_string),
        "[a-z0-9_-]{0,70}".prop_map(|s| format!("\"{s}\"")),
        (1usize..400).prop_map(|n| format!("\"{}\"", "é".repeat(n))),
        (60usize..70).prop_map(|n| {
            let langs: Vec<String> = (0..n).map(|i| format!("l-{i} = \"t\"")).collect();
            format!("{{ en = \"T\", {} }}", langs.join(", "))
        }),
        Just(format!("\"{}\"", "x".repeat(70_000))),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        2 => any::<usize>().prop_map(Edit::Delete),
        1 => any::<usize>().prop_map(Edit::Repeat),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Edit::Swap(a, b)),
        2 => (any::<usize>(), proptest::sample::select(LINES)).prop_map(|(n, l)| Edit::Insert(n, l)),
        5 => (any::<usize>(), value()).prop_map(|(n, v)| Edit::Value(n, v)),
        1 => (any::<usize>(), proptest::sample::select(KEYS)).prop_map(|(n, k)| Edit::Key(n, k)),
    ]
}

fn apply(src: &str, edits: &[Edit]) -> String {
    let mut lines: Vec<String> = src.lines().map(str::to_string).collect();
    for e in edits {
        let n = lines.len().max(1);
        match e {
            Edit::Delete(i) if !lines.is_empty() => {
                lines.remove(i % n);
            }
            Edit::Repeat(i) if !lines.is_empty() => {
                let l = lines[i % n].clone();
                lines.insert(i % n, l);
            }
            Edit::Swap(a, b) if !lines.is_empty() => lines.swap(a % n, b % n),
            Edit::Insert(i, l) => lines.insert(i % (lines.len() + 1), l.to_string()),
            Edit::Value(i, v) if !lines.is_empty() => {
                let l = &mut lines[i % n];
                *l = match l.split_once('=') {
                    Some((k, _)) => format!("{k}= {v}"),
                    None => v.clone(),
                };
            }
            Edit::Key(i, k) if !lines.is_empty() => {
                let l = &mut lines[i % n];
                if let Some((_, v)) = l.split_once('=') {
                    *l = format!("{k} ={v}");
                }
            }
            _ => {}
        }
    }
    lines.join("\n")
}

fn definitions() -> impl Strategy<Value = String> {
    let seeds = seeds();
    let bytes = mutated(seeds.iter().map(|s| s.clone().into_bytes()).collect())
        .prop_map(|b| String::from_utf8_lossy(&b).into_owned());
    let n = seeds.len();
    let structured = (0..n, proptest::collection::vec(edit(), 1..4))
        .prop_map(move |(i, edits)| apply(&seeds[i], &edits));
    prop_oneof![3 => structured, 1 => bytes]
}

#[test]
fn seeds_parse() {
    let (o, a) = keys();
    for s in seeds() {
        let m = parse(&s, &o, &a).unwrap();
        assert_eq!(Manifest::from_bytes(&m.to_bytes()).unwrap(), m);
    }
}

#[test]
fn definition_parsing_mutated() {
    let (o, a) = keys();
    run(
        "definition, mutated",
        50_000,
        0x5eed_0301,
        2500,
        definitions(),
        |src| {
            let (parsed, alloc) = measure(|| parse(&src, &o, &a));
            // TOML parsing keeps spans, tables and strings: a generous
            // bound, but still one that a count or length taken on trust
            // would break.
            fuzz_support::assert_allocation_bounded("definition", src.len(), alloc, 256, 1 << 20)?;
            match parsed {
                Ok(m) => {
                    prop_assert!(m.validate().is_ok());
                    prop_assert!(m.organizer_key == o && m.credential_authority_key == a);
                    let decoded = Manifest::from_bytes(&m.to_bytes());
                    prop_assert!(
                        decoded.as_ref() == Ok(&m),
                        "a definition that parses gives a manifest whose encoding does not decode back: {:?}",
                        decoded.err()
                    );
                    let back = Manifest::from_json(&m.to_json()).ok();
                    prop_assert_eq!(back.as_ref(), Some(&m));
                    Ok(true)
                }
                Err(e) => {
                    let lines = src.lines().count().max(1);
                    prop_assert!(
                        (1..=lines + 1).contains(&e.line) && e.column >= 1,
                        "error at line {}, column {}, in a file of {lines} lines: {e}",
                        e.line,
                        e.column
                    );
                    prop_assert!(!e.message.is_empty());
                    Ok(false)
                }
            }
        },
    );
}
