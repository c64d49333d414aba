//! The voting page and the election's public pages in a real browser
//! (headless Chromium through `tests/browser/smoke.mjs` and
//! `tests/browser/result.mjs`) against a real board on loopback. Ignored
//! by `cargo test`: `scripts/test-browser` installs Chromium and the npm
//! packages and runs them with `--ignored`.

mod common;

use std::process::Command;

use common::{post_all, sample, Backend, TestBoard};
use urna_election::entry::tag;
use urna_election::Entry;

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
    let script = format!(
        "{}/../tests/browser/smoke.mjs",
        std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR is set by cargo")
    );
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

/// `spec/api.md` §5.11: a sample election run to its published result,
/// then the election page and the result page in Chromium.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and tests/browser/node_modules: run scripts/test-browser"]
async fn result_page_in_headless_chromium() {
    let b = TestBoard::start(Backend::Sqlite).await.unwrap();
    let s = sample();
    post_all(&b, &s.id, &s.entries, 0).await;
    let info = b.get(&format!("/api/elections/{}", s.id)).await.json();
    assert_eq!(info["result"]["official"], true);
    let fingerprint = info["fingerprint"]
        .as_str()
        .expect("a fingerprint")
        .to_string();
    let Entry::Result(r) = Entry::from_bytes(&s.entries[s.index_of(tag::RESULT, None)]).unwrap()
    else {
        panic!("not a result entry")
    };
    let totals = serde_json::to_string(&r.totals).unwrap();
    let base = format!("http://{}", b.addr);
    let id = s.id.clone();
    let script = format!(
        "{}/../tests/browser/result.mjs",
        std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR is set by cargo")
    );
    let out = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(script)
            .arg(&base)
            .arg(&id)
            .arg(&fingerprint)
            .arg(&totals)
            .output()
            .expect("running node")
    })
    .await
    .unwrap();
    println!("{}", String::from_utf8_lossy(&out.stdout));
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    b.stop().await;
    assert!(
        out.status.success(),
        "the browser checks of the result page failed"
    );
}
