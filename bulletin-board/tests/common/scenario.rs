//! Helpers of the board's scenario tests (`tests/scenarios.rs`,
//! `tests/lifecycle.rs`).

use super::{Backend, TestBoard};
use merlin::Transcript;
use rand_core::OsRng;
use urna_crypto::{SecretKey, Signature};
use urna_log::SignedTreeHead;

pub async fn board(backend: Backend) -> Option<TestBoard> {
    TestBoard::start(backend).await
}

/// Assert a refusal: status, code, and nothing already accepted changed.
pub async fn refused(b: &TestBoard, id: &str, path: &str, body: Vec<u8>, status: u16, code: &str) {
    let before = b.snapshot(id).await;
    let a = b.post_raw(path, body).await;
    assert_eq!(
        a.status.as_u16(),
        status,
        "{path}: {}",
        String::from_utf8_lossy(&a.body)
    );
    assert_eq!(
        a.code(),
        code,
        "{path}: {}",
        String::from_utf8_lossy(&a.body)
    );
    assert!(!a.json()["message"].as_str().unwrap_or("").is_empty());
    assert_eq!(
        b.snapshot(id).await,
        before,
        "a refused request changed the log"
    );
}

pub fn json_entry(entry: &[u8]) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({ "entry": hex::encode(entry) })).unwrap()
}

pub fn head_of(v: &serde_json::Value) -> SignedTreeHead {
    serde_json::from_value(v["tree_head"].clone()).unwrap()
}

/// Re-sign a ballot entry's bytes under another credential (Cortier–Smyth copy).
pub fn resign(entry: &[u8], key: &SecretKey) -> Vec<u8> {
    let mut e = entry.to_vec();
    e[33..65].copy_from_slice(&key.public_key().to_bytes());
    let n = e.len();
    let sig = Signature::sign(
        &mut Transcript::new(b"urna/v1/ballot-signature"),
        key,
        &e[1..n - 64],
        &mut OsRng,
    );
    e[n - 64..].copy_from_slice(&sig.to_bytes());
    e
}

/// The manifest entry of a copy of `base` under election `id`, organized
/// and signed by `organizer` (a stranger's or a second election).
pub fn manifest_entry(base: &urna_election::Manifest, id: &str, organizer: &SecretKey) -> Vec<u8> {
    let mut m = base.clone();
    m.election_id = id.to_string();
    m.organizer_key = organizer.public_key();
    urna_election::entry::sign_manifest(m, organizer, &mut OsRng)
        .unwrap()
        .to_bytes()
}
