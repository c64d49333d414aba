//! Real votes through the voting page in a real browser (headless Chromium
//! through `tests/browser/vote.mjs`) on a demo election whose credential
//! codes are known: two voters (English, then Russian; the first audits one
//! ballot first), then the election is closed, decrypted and its record
//! verified. Ignored by `cargo test`: `scripts/test-browser` installs
//! Chromium and the npm packages and runs it with `--ignored`.

use std::process::Command;

use urna_admin::demo::{finish, start, DemoOptions};

#[test]
#[ignore = "needs Chromium and tests/browser/node_modules: run scripts/test-browser"]
fn voting_page_casts_real_votes_in_headless_chromium() {
    let dir = std::env::temp_dir().join(format!("urna-browser-vote-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (board, rt, started) = start(&DemoOptions {
        dir: dir.clone(),
        listen: "127.0.0.1:0".parse().unwrap(),
        voters: 4,
        ballots: 0,
        finish: false,
        database_url: None,
        audit_every: 0,
    })
    .unwrap();

    let script = format!(
        "{}/../tests/browser/vote.mjs",
        std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR is set by cargo")
    );
    let out = Command::new("node")
        .arg(script)
        .arg(&started.url)
        .arg(&started.fingerprint)
        .arg(&started.credentials[0])
        .arg(&started.credentials[1])
        .arg(&dir)
        .output()
        .expect("running node");
    println!("{}", String::from_utf8_lossy(&out.stdout));
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    let browser_ok = out.status.success();

    // Close, decrypt (2 of 3 trustees), publish, verify the downloaded record.
    let verified = if browser_ok { Some(finish(&dir)) } else { None };
    rt.block_on(board.shutdown());
    assert!(browser_ok, "the browser checks failed");
    let verified = verified.unwrap().expect("the record verifies");
    // Voter 1: Anna and Maryia, media 4, legal 2; voter 2: Ihar, media 5.
    assert_eq!(
        verified,
        vec![vec![1, 1, 1], vec![9, 2]],
        "the verified result is not the votes cast in the browser"
    );
    let record = std::fs::read(dir.join("record.urna")).unwrap();
    let report = tally::verify::verify_record(&record[..], None);
    assert!(report.ok(), "{:#?}", report.failures);
    assert_eq!(report.ballots_cast, 2, "two ballots cast");
    assert_eq!(report.ballots_counted, 2, "two ballots counted");
    assert_eq!(report.ballots_spoiled, 1, "one audited ballot");
    let _ = std::fs::remove_dir_all(&dir);
}
