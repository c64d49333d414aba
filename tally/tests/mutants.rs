//! The verifier against the sample record and one tampered record per check
//! (spec/record.md §10): each mutant must fail with exactly its check named.
//! Tampered records are re-signed by the roles' keys where a lying party
//! could do so (a dishonest board re-signs its tree heads), so only the
//! targeted check can catch them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use tally::report::Report;
use tally::verify::verify_record;
use urna_election::entry::tag;
use urna_election::Entry;
use urna_sim::mutants::ENTRY_MUTANTS;
use urna_sim::sample::{read_entries, write_entries, write_sample, SampleOptions, SampleSummary};

fn sample() -> (Vec<u8>, SampleSummary) {
    let mut out = Vec::new();
    let summary = write_sample(&SampleOptions::default(), &mut out, &|_| {}).unwrap();
    (out, summary)
}

fn verify(bytes: &[u8]) -> Report {
    verify_record(bytes, None)
}

/// Re-sign `entries` as the board and verify.
fn verify_entries(entries: &[Vec<u8>], s: &SampleSummary) -> Report {
    let out = write_entries(entries, &s.secrets.board_seed, 16, Vec::new()).unwrap();
    verify(&out)
}

fn assert_only(report: &Report, check: &str) {
    assert!(!report.ok(), "the mutant for {check} verified");
    assert_eq!(
        report.failed_checks(),
        vec![check],
        "expected only {check} to fail; failures: {:#?}",
        report.failures
    );
}

#[test]
fn sample_verifies_with_the_expected_result() {
    let (bytes, s) = sample();
    let r = verify(&bytes);
    assert!(r.ok(), "{:#?}", r.failures);
    assert_eq!(r.result.as_ref(), Some(&s.totals));
    assert_eq!(r.ballots_cast, 10);
    assert_eq!(r.ballots_counted, 8);
    assert_eq!(r.ballots_spoiled, 1);
    // Every check ran.
    assert!(r.checks.iter().all(|c| c.ran), "{:#?}", r.checks);
}

#[test]
fn committed_sample_is_reproducible_and_verifies() {
    let path = PathBuf::from(
        std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR is set by cargo"),
    )
    .join("../spec/samples/election-1.urna");
    let (bytes, s) = sample();
    if std::env::var_os("URNA_REGENERATE_VECTORS").is_some() {
        std::fs::write(&path, &bytes).unwrap();
    }
    let committed = std::fs::read(&path)
        .expect("spec/samples/election-1.urna (regenerate with URNA_REGENERATE_VECTORS=1)");
    let r = verify(&committed);
    assert!(r.ok(), "{:#?}", r.failures);
    assert_eq!(r.result.as_ref(), Some(&s.totals));
    assert!(
        committed == bytes,
        "the generator no longer reproduces spec/samples/election-1.urna: a format changed"
    );
}

/// Every entry-level mutant of `urna_sim::mutants` fails its check (and,
/// where the mutant is that precise, only it).
#[test]
fn every_entry_mutant_fails_its_check() {
    let (bytes, s) = sample();
    let entries = read_entries(&bytes[..]).unwrap();
    for m in ENTRY_MUTANTS {
        let mut e = entries.clone();
        (m.make)(&mut e, &s);
        let r = verify_entries(&e, &s);
        if m.only {
            assert!(!r.ok(), "{}: the mutant verified", m.name);
            assert_eq!(
                r.failed_checks(),
                vec![m.check.id()],
                "{}: expected only {} to fail; failures: {:#?}",
                m.name,
                m.check,
                r.failures
            );
        } else {
            assert!(
                r.failed_checks().contains(&m.check.id()),
                "{}: {} did not fail: {:#?}",
                m.name,
                m.check,
                r.failures
            );
        }
    }
}

fn mutant(name: &str) -> (Report, SampleSummary) {
    let (bytes, s) = sample();
    let mut entries = read_entries(&bytes[..]).unwrap();
    let m = ENTRY_MUTANTS.iter().find(|m| m.name == name).unwrap();
    (m.make)(&mut entries, &s);
    (verify_entries(&entries, &s), s)
}

#[test]
fn r10_r11_the_failure_names_the_trustee() {
    let (r, _) = mutant("r10_r11_share_over_another_aggregate");
    assert!(
        r.failures.iter().any(|f| f.message.contains("trustee 2")),
        "{:#?}",
        r.failures
    );
}

#[test]
fn c02_a_late_replacement_changes_nothing_else() {
    let (r, s) = mutant("c02_credential_replacement_after_the_opening");
    assert_eq!(
        r.credentials_replaced, 0,
        "the late replacement was not applied"
    );
    assert_eq!(r.result.as_ref(), Some(&s.totals), "nothing else changed");
}

#[test]
fn c02_valid_replacement_before_the_opening_changes_the_fingerprint() {
    // Applied: the opening, signed for the list without it, names another
    // fingerprint (R5) — so a replacement cannot be slipped in unnoticed.
    let (bytes, s) = sample();
    let mut entries = read_entries(&bytes[..]).unwrap();
    urna_sim::mutants::c02_valid_replacement_before_the_opening(&mut entries, &s);
    let r = verify_entries(&entries, &s);
    assert_eq!(r.credentials_replaced, 1);
    assert!(r.failed_checks().contains(&"R5"), "{:#?}", r.failures);
    // Replayed a second time, it is for a stale list: R4.
    let i = entries
        .iter()
        .position(|e| e[0] == tag::REPLACEMENT)
        .unwrap();
    let rep = entries[i].clone();
    entries.insert(i + 1, rep);
    let r = verify_entries(&entries, &s);
    assert!(r.failed_checks().contains(&"R4"), "{:#?}", r.failures);
    assert_eq!(r.credentials_replaced, 1);
}

#[test]
fn r01_not_a_record() {
    let r = verify(b"PK\x03\x04 this is a zip file");
    assert_only(&r, "R1");
    let (bytes, _) = sample();
    // Truncated inside a frame.
    let r = verify(&bytes[..bytes.len() - 10]);
    assert!(r.failed_checks().contains(&"R1"));
}

#[test]
fn r13_tree_head_over_another_root() {
    let (bytes, s) = sample();
    let entries = read_entries(&bytes[..]).unwrap();
    let mut out = write_entries(&entries, &s.secrets.board_seed, 16, Vec::new()).unwrap();
    // The board signs one more head, of the right size but a wrong root.
    let key = urna_log::BoardKey::from_seed(&s.secrets.board_seed);
    let Entry::Manifest { manifest, .. } = Entry::from_bytes(&entries[0]).unwrap() else {
        panic!("first entry is not the manifest")
    };
    let head = key
        .sign_tree_head(
            &manifest.election_id,
            entries.len() as u64,
            1_900_000_000_000,
            urna_log::Hash([7; 32]),
        )
        .unwrap()
        .to_bytes();
    out.push(urna_election::record::kind::TREE_HEAD);
    out.extend_from_slice(&(head.len() as u32).to_be_bytes());
    out.extend_from_slice(&head);
    assert_only(&verify(&out), "R13");
}

#[test]
fn r13_entries_after_the_last_tree_head() {
    let (bytes, _) = sample();
    let mut out = bytes.clone();
    // Append an entry frame that no head covers.
    let e = read_entries(&bytes[..]).unwrap()[0].clone();
    out.push(urna_election::record::kind::ENTRY);
    out.extend_from_slice(&(e.len() as u32).to_be_bytes());
    out.extend_from_slice(&e);
    let r = verify(&out);
    assert!(r.failed_checks().contains(&"R13"), "{:#?}", r.failures);
}

/// The record's frames as `(kind, bytes)`, for tests that alter frames.
fn frames(record: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut out = Vec::new();
    let mut rest = &record[urna_election::record::RECORD_MAGIC.len()..];
    while !rest.is_empty() {
        let kind = rest[0];
        let len = u32::from_be_bytes(rest[1..5].try_into().unwrap()) as usize;
        out.push((kind, rest[5..5 + len].to_vec()));
        rest = &rest[5 + len..];
    }
    out
}

fn record_of(frames: &[(u8, Vec<u8>)]) -> Vec<u8> {
    let mut out = urna_election::record::RECORD_MAGIC.to_vec();
    for (kind, bytes) in frames {
        out.push(*kind);
        out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
        out.extend_from_slice(bytes);
    }
    out
}

/// spec/record.md §10.2 (R13): a last head that decodes but whose signature
/// fails is one failure (part 2, at its place); it still stands after every
/// entry, so coverage (part 3) does not fail a second time.
#[test]
fn r13_one_bad_last_head_is_one_failure() {
    let (bytes, s) = sample();
    let mut f = frames(&bytes);
    let last = f.len() - 1;
    assert_eq!(f[last].0, urna_election::record::kind::TREE_HEAD);
    let n = f[last].1.len();
    f[last].1[n - 40] ^= 1; // inside the signature's R
    let r = verify(&record_of(&f));
    let entries = s.entries;
    let got: Vec<(&str, Option<u64>)> =
        r.failures.iter().map(|f| (f.check.id(), f.entry)).collect();
    assert_eq!(got, vec![("R13", Some(entries))], "{:#?}", r.failures);

    // A last head that does not even decode is not a head: the entries
    // after the previous head are then uncovered (a second failure).
    let mut f = frames(&bytes);
    f[last].1.pop();
    let r = verify(&record_of(&f));
    let got: Vec<(&str, Option<u64>)> =
        r.failures.iter().map(|f| (f.check.id(), f.entry)).collect();
    assert_eq!(
        got,
        vec![("R13", Some(entries)), ("R13", None)],
        "{:#?}",
        r.failures
    );
}

/// spec/record.md §10.4: what each check's `passed` counts, for the sample
/// (30 entries: manifest, 12 ceremony messages, list, open, 10 ballots of 8
/// credentials, 1 audited ballot, close, 2 tally shares, result; a tree
/// head after every 16 entries and at the end).
#[test]
fn passed_counts_follow_the_spec() {
    let (bytes, s) = sample();
    let r = verify(&bytes);
    assert!(r.ok(), "{:#?}", r.failures);
    let heads = frames(&bytes)
        .iter()
        .filter(|(k, _)| *k == urna_election::record::kind::TREE_HEAD)
        .count() as u64;
    assert_eq!(heads, 2);
    let expected: [(&str, u64); 14] = [
        ("R1", s.entries), // every entry decodes
        ("R2", 1),         // the manifest
        ("R3", 12),        // each message of the successful run (3 trustees × 4 rounds)
        ("R4", 1),         // the list
        ("R5", 1),         // the open entry
        ("R6", 10),        // each ballot entry
        ("R7", 11),        // each accepted ballot and the valid audited ballot
        ("R8", 8),         // each credential with a counted ballot
        ("R9", 1),         // the audited ballot
        ("R10", 1),        // the aggregate
        ("R11", 2),        // each valid share entry
        ("R12", 1),        // the result
        ("R13", heads),    // each head
        ("R14", 1),        // the close entry
    ];
    let got: Vec<(&str, u64)> = r.checks.iter().map(|c| (c.id, c.passed)).collect();
    assert_eq!(got, expected.to_vec());
    assert!(r.checks.iter().all(|c| c.ran && c.failed == 0));
}
