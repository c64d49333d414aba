//! docs/attacks.md F15: a hostile record cannot make `tally verify` use
//! memory in proportion to what its frames claim. Frames that claim to be
//! huge ballots were buffered by the thousand before decoding (48 frames
//! of 16 MiB took the verifier to 773 MiB); now the buffer is bounded in
//! bytes. The test runs the real binary under a data-segment limit
//! (`prlimit --data`, the heap and private mappings) that the old
//! buffering exceeds and the bounded one does not.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

use urna_election::entry::tag;
use urna_election::record::{kind, RecordWriter};

const BIN: &str = env!("CARGO_BIN_EXE_tally");

#[test]
fn f15_hostile_ballot_frames_are_verified_in_bounded_memory() {
    if Command::new("prlimit").arg("--version").output().is_err() {
        eprintln!("SKIPPED: prlimit (util-linux) is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hostile.urna");
    let file = std::fs::File::create(&path).unwrap();
    let mut w = RecordWriter::new(std::io::BufWriter::new(file)).unwrap();
    w.frame(kind::BOARD_KEY, &[7u8; 32]).unwrap();
    // 32 "ballots" of 8 MiB each: 256 MiB if held together.
    let mut junk = vec![0u8; 8 << 20];
    junk[0] = tag::BALLOT;
    for _ in 0..32 {
        w.frame(kind::ENTRY, &junk).unwrap();
    }
    w.finish().unwrap();
    drop(junk);
    let out = Command::new("prlimit")
        .arg("--data=200000000")
        .arg(BIN)
        .args(["verify", "--json"])
        .arg(&path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // It ran to its verdict (a failure, of course) instead of aborting
    // on an allocation failure.
    let report: serde_json::Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("no report ({e}); exit {:?}; stderr: {stderr}", out.status));
    assert!(report["failures_total"].as_u64().unwrap() > 0, "{stdout}");
    let failures = report["failures"].as_array().unwrap();
    // Every frame was read and judged, the last one included (ballots
    // before any setup: R6).
    assert!(
        failures
            .iter()
            .any(|f| f["check"] == "R6" && f["entry"] == 31),
        "the last junk ballot is judged: {stdout}"
    );
}
