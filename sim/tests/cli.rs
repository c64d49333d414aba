//! `urna-sim` through the real binary: `sample` writes a record the
//! verifier accepts, `demo` decrypts to the simulated votes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_urna-sim");

fn sim(args: &[&str]) -> String {
    let out = Command::new(BIN).args(args).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "urna-sim {args:?} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn sample_writes_a_record_that_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("small.urna");
    let out = sim(&[
        "sample",
        path.to_str().unwrap(),
        "--voters",
        "3",
        "--ballots",
        "4",
        "--seed",
        "1",
    ]);
    assert!(out.contains("log entries"), "{out}");
    let report = tally::verify::verify_record(&std::fs::read(&path).unwrap()[..], None);
    assert!(report.ok(), "{:#?}", report.failures);
    assert_eq!(report.ballots_cast, 4);
}

#[test]
fn demo_decrypts_to_the_votes() {
    let out = sim(&["demo", "--ballots", "20", "--quiet"]);
    assert!(
        out.contains("result verified: decrypted totals equal the votes cast"),
        "{out}"
    );
}

/// spec/crypto.md §5.3 (D4), spec/record.md §7.3 (Y5): an election in
/// which no ballot is counted (only audited ballots) still gets its
/// trustees' shares (the empty-aggregate filler), publishes an all-zero
/// result, and verifies.
#[test]
fn zero_counted_ballots_publish_and_verify_all_zero() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.urna");
    let out = sim(&[
        "sample",
        path.to_str().unwrap(),
        "--voters",
        "3",
        "--ballots",
        "0",
        "--spoiled",
        "2",
        "--seed",
        "7",
    ]);
    assert!(out.contains("log entries"), "{out}");
    let report = tally::verify::verify_record(&std::fs::read(&path).unwrap()[..], None);
    assert!(report.ok(), "{:#?}", report.failures);
    assert_eq!(report.ballots_counted, 0);
    assert_eq!(report.ballots_spoiled, 2);
    let result = report.result.expect("a verified result");
    assert!(!result.is_empty());
    assert!(result.iter().flatten().all(|&n| n == 0), "{result:?}");
}
