//! `tally` is the auditor's tool: its help lists the auditor's commands
//! only (the simulator is `urna-sim`'s), and `tally trustee …` (the
//! trustee tool before it became `urna-trustee`) says where the trustee
//! tool went instead of running.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_tally");

fn tally(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(BIN).args(args).output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn help_lists_the_auditors_commands() {
    let (code, out, _) = tally(&["--help"]);
    assert_eq!(code, 0);
    for cmd in ["verify", "fetch", "check-evidence", "tally"] {
        assert!(out.contains(&format!("  {cmd} ")), "{cmd}:\n{out}");
    }
    // The trustee tool and the simulator are other crates' binaries.
    for cmd in ["trustee", "sample", "demo", "bench-encrypt"] {
        assert!(!out.contains(&format!("  {cmd} ")), "{cmd}:\n{out}");
    }
}

#[test]
fn the_trustee_command_points_to_urna_trustee() {
    for args in [
        &["trustee"][..],
        &["trustee", "--help"],
        &["trustee", "init", "--manifest", "m.json", "--index", "2"],
    ] {
        let (code, out, err) = tally(args);
        assert_eq!(code, 2, "{args:?}");
        assert!(out.is_empty(), "{out}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("urna-trustee"), "{err}");
    }
}

/// `tally verify` and `tally tally` show the result with the contests' and
/// options' names from the record's manifest, never as a bare array.
#[test]
fn results_are_shown_by_name() {
    let record = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../spec/samples/election-1.urna"
    );
    let manifest = tally::cli::file_manifest(std::path::Path::new(record)).unwrap();
    let lang = manifest.default_language.clone();
    for cmd in ["verify", "tally"] {
        let (code, out, err) = tally(&[cmd, record]);
        assert_eq!(code, 0, "{cmd}: {err}");
        assert!(!out.contains("[["), "{cmd} prints a bare array:\n{out}");
        for contest in &manifest.contests {
            assert!(out.contains(&contest.title.0[&lang]), "{cmd}:\n{out}");
            for option in &contest.options {
                let line = format!("{}: ", option.title.0[&lang]);
                assert!(out.contains(&line), "{cmd}: no `{line}`:\n{out}");
            }
        }
    }
}
