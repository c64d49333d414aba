//! The verifier conformance suite (`spec/conformance/`, spec/record.md §10):
//! the committed records and `cases.json` are exactly what
//! `urna-sim conformance` makes, and the real `tally verify --json` binary
//! gives every case its expected verdict (exit status), failures (check id
//! and log index, compared as a multiset) and, for the honest record, the
//! `passed` count of every check (spec/record.md §10.4) and the result.
//! The expectations are written by hand in `sim/src/conformance.rs`, from
//! the spec, never from a report of this verifier.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

fn suite() -> PathBuf {
    PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR is set by cargo"))
        .join("../spec/conformance")
}

const REGENERATE: &str =
    "regenerate with `cargo run -p urna-sim -- conformance --out spec/conformance` \
     (or URNA_REGENERATE_VECTORS=1) and commit the diff with the format change";

#[test]
fn committed_suite_is_what_the_generator_makes() {
    let dir = suite();
    if std::env::var_os("URNA_REGENERATE_VECTORS").is_some() {
        urna_sim::conformance::write(&dir).unwrap();
    }
    let cases = urna_sim::conformance::cases().unwrap();
    let text = std::fs::read_to_string(dir.join("cases.json"))
        .unwrap_or_else(|e| panic!("spec/conformance/cases.json: {e}; {REGENERATE}"));
    assert!(
        text == urna_sim::conformance::cases_text(&cases),
        "spec/conformance/cases.json is not what the generator makes: {REGENERATE}"
    );
    for c in &cases {
        let p = dir.join("records").join(format!("{}.urna", c.name));
        let committed = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        assert!(
            committed == c.record,
            "{} is not what the generator makes: {REGENERATE}",
            p.display()
        );
    }
    let on_disk: BTreeSet<String> = std::fs::read_dir(dir.join("records"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let made: BTreeSet<String> = cases.iter().map(|c| format!("{}.urna", c.name)).collect();
    assert_eq!(on_disk, made, "stray or missing record files");
    // Every check of spec/record.md §10.2 has a case.
    let checks: BTreeSet<&str> = cases.iter().map(|c| c.check.id()).collect();
    assert_eq!(checks.len(), 14, "checks without a case: {checks:?}");
}

/// `(check, entry)` pairs, sorted: entries in log order, then failures
/// naming no entry, each group by check number.
fn failures(list: &Value) -> Vec<(u32, Option<u64>)> {
    let mut v: Vec<(u32, Option<u64>)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let check = f["check"].as_str().unwrap();
            let n: u32 = check.strip_prefix('R').unwrap().parse().unwrap();
            (n, f["entry"].as_u64())
        })
        .collect();
    v.sort_by_key(|(c, e)| (e.is_none(), *e, *c));
    v
}

#[test]
fn tally_verify_json_meets_every_expectation() {
    let dir = suite();
    let cases: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("cases.json")).unwrap()).unwrap();
    let cases = cases["cases"].as_array().unwrap();
    assert!(cases.len() > 14);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let record = dir.join(case["record"].as_str().unwrap());
        let out = Command::new(env!("CARGO_BIN_EXE_tally"))
            .args(["verify", "--json"])
            .arg(&record)
            .output()
            .unwrap();
        let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "{name}: no JSON report ({e}): {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
        let pass = case["verdict"] == "pass";
        assert_eq!(out.status.success(), pass, "{name}: exit status");
        let want = failures(&case["failures"]);
        let got = failures(&report["failures"]);
        assert_eq!(
            got, want,
            "{name}: failures (check, entry); report: {:#}",
            report["failures"]
        );
        assert_eq!(report["failures_total"].as_u64(), Some(want.len() as u64));
        if let Some(passed) = case.get("passed") {
            for c in report["checks"].as_array().unwrap() {
                let id = c["id"].as_str().unwrap();
                assert_eq!(c["passed"], passed[id], "{name}: {id} passed");
                assert_eq!(c["failed"], 0, "{name}: {id} failed");
                assert_eq!(c["ran"], true, "{name}: {id} ran");
            }
            assert_eq!(report["result"], case["result"], "{name}: result");
        }
    }
}
