//! The voting page in a real browser (headless Chromium through
//! `tests/browser/smoke.mjs`) against a real board on loopback. Ignored by
//! `cargo test`: `scripts/test-browser` installs Chromium and the npm
//! packages and runs it with `--ignored`.

mod common;

use std::process::Command;

use common::{post_all, sample, Backend, TestBoard};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and tests/browser/node_modules: run scripts/test-browser"]
async fn voting_page_in_headless_chromium() {
    let b = TestBoard::start(Backend::Sqlite).await.unwrap();
    let s = sample();
    post_all(&b, &s.id, s.setup(), 0).await;
    let info = b.get(&format!("/api/elections/{}", s.id)).await.json();
    let fingerprint = info["fingerprint"]
        .as_str()
        .expect("a fingerprint")
        .to_string();
    let url = format!("http://{}/vote/{}", b.addr, s.id);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/browser/smoke.mjs");
    let out = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(script)
            .arg(&url)
            .arg(&fingerprint)
            .output()
            .expect("running node")
    })
    .await
    .unwrap();
    println!("{}", String::from_utf8_lossy(&out.stdout));
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    b.stop().await;
    assert!(out.status.success(), "the browser checks failed");
}
