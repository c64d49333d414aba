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
