//! The board's scenarios, each run against SQLite and PostgreSQL by the
//! same function (`both_backends!`). Test names start with the
//! docs/attacks.md id they cover.

mod common;

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

use common::{post_all, sample, Backend, TestBoard};
use hyper::StatusCode;
use merlin::Transcript;
use rand_core::OsRng;
use urna_board::store::{
    BallotRow, BoxFut, ElectionCommit, Store, StoreError, StoreResult, StoredEntry, StoredHead,
};
use urna_crypto::{SecretKey, Signature};
use urna_election::entry::tag;
use urna_election::{Entry, Hash32, Phase, SpoiledBallot, StateChange};
use urna_log::{check_extends, ConsistencyProof, SignedTreeHead};

async fn board(backend: Backend) -> Option<TestBoard> {
    TestBoard::start(backend).await
}

/// Assert a refusal: status, code, and nothing already accepted changed.
async fn refused(b: &TestBoard, id: &str, path: &str, body: Vec<u8>, status: u16, code: &str) {
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

fn json_entry(entry: &[u8]) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({ "entry": hex::encode(entry) })).unwrap()
}

fn head_of(v: &serde_json::Value) -> SignedTreeHead {
    serde_json::from_value(v["tree_head"].clone()).unwrap()
}

both_backends!(
    happy_path_record_verifies,
    b03_same_ballot_twice_same_receipt,
    b04_revote_accepted_and_counted,
    g03_spoiled_ballot_can_never_be_cast,
    b09_ballot_for_another_election_refused,
    c01_unknown_credential_refused,
    b01_copied_ballot_proof_invalid,
    a14_bad_ballot_signature_refused,
    a11_duplicate_ciphertext_refused,
    f05_oversized_body_413,
    b07_malformed_body_refused,
    b11_ballot_before_open_and_after_close_refused,
    s2_unsigned_or_wrongly_signed_open_close_refused,
    o3_lifecycle_order_enforced,
    f09_hostile_ids_are_not_found,
    f02_storage_failure_gives_503_and_no_receipt,
    e06_restart_keeps_the_log_and_extends_it,
    f01_concurrent_ballots_are_batched,
    d10_board_result_provisional_then_official,
);

async fn happy_path_record_verifies(backend: Backend) {
    let Some(b) = board(backend).await else {
        return;
    };
    let s = sample();
    // Every entry of the sample election, in order, through the API.
    post_all(&b, &s.id, &s.entries, 0).await;
    let info = b.get(&format!("/api/elections/{}", s.id)).await.json();
    assert_eq!(info["state"], "closed");
    assert_eq!(info["entries"], s.entries.len());
    assert_eq!(info["result_posted"], true);
    assert_eq!(info["ballots_spoiled"], 1);

    // The exported record is exactly the log, and the verifier accepts it.
    let record = b.record(&s.id).await;
    let report = tally::verify::verify_record(&record[..], None);
    assert!(report.ok(), "{:?}", report.failures);
    assert_eq!(report.entries, s.entries.len() as u64);
    assert_eq!(
        urna_sim::sample::read_entries(&record[..]).unwrap(),
        s.entries
    );

    // Entries by range.
    let page = b
        .get(&format!("/api/elections/{}/entries?start=3&end=5", s.id))
        .await
        .json();
    assert_eq!(page["entries"][0]["index"], 3);
    assert_eq!(page["entries"][1]["entry"], hex::encode(&s.entries[4]));

    // Inclusion by index and by tracking code, consistency between sizes.
    let head = head_of(
        &b.get(&format!("/api/elections/{}/tree-head", s.id))
            .await
            .json(),
    )
    .verify(&b.public, &s.id)
    .unwrap();
    let p = b
        .get(&format!("/api/elections/{}/proof/inclusion?index=2", s.id))
        .await
        .json();
    let proof = serde_json::from_value(p["inclusion_proof"].clone()).unwrap();
    urna_log::verify_inclusion(&s.entries[2], 2, head.tree_size, &proof, &head.root_hash).unwrap();
    let bi = s.index_of(tag::BALLOT, None);
    let code = urna_board::machine::tracking_code_of_entry(&s.entries[bi]);
    let r = b
        .get(&format!(
            "/api/elections/{}/ballots/{}",
            s.id,
            hex::encode(code)
        ))
        .await
        .receipt();
    assert_eq!(r.log_index, bi as u64);
    r.verify(&b.public, &s.entries[bi]).unwrap();
    let c = b
        .get(&format!(
            "/api/elections/{}/proof/consistency?first=5&second={}",
            s.id, head.tree_size
        ))
        .await
        .json();
    let old = head_of(&serde_json::json!({"tree_head": c["first_tree_head"]}))
        .verify(&b.public, &s.id)
        .unwrap();
    let cp: ConsistencyProof = serde_json::from_value(c["consistency_proof"].clone()).unwrap();
    check_extends(&old, &head, &cp).unwrap();

    // Health, metrics, OpenAPI.
    assert_eq!(b.get("/healthz").await.status, StatusCode::OK);
    let m = String::from_utf8(b.get("/metrics").await.body.to_vec()).unwrap();
    assert!(m.contains("urna_ballots_accepted_total 10"), "{m}");
    assert!(m.contains("urna_verify_batch_size_count"));
    let doc = b.get("/api/openapi.json").await.json();
    assert_eq!(doc["openapi"], "3.1.0");
    b.stop().await;
}

async fn b03_same_ballot_twice_same_receipt(backend: Backend) {
    let Some(b) = board(backend).await else {
        return;
    };
    let s = sample();
    post_all(&b, &s.id, s.setup(), 0).await;
    let ballot = s.ballot(0, 0, 1);
    let first = b.post_entry(&s.id, &ballot).await.receipt();
    let head = b.snapshot(&s.id).await;
    let second = b.post_entry(&s.id, &ballot).await.receipt();
    // Same promise, same index; no second leaf.
    assert_eq!(second.promise, first.promise);
    assert_eq!(second.log_index, first.log_index);
    assert_eq!(second.tracking_code, first.tracking_code);
    assert_eq!(b.snapshot(&s.id).await, head);
    second.verify(&b.public, &ballot).unwrap();
    // Concurrent retries of a new ballot: one leaf, one promise.
    let ballot2 = s.ballot(1, 0, 2);
    let (x, y) = tokio::join!(b.post_entry(&s.id, &ballot2), b.post_entry(&s.id, &ballot2));
    assert_eq!(x.receipt().promise, y.receipt().promise);
    let info = b.get(&format!("/api/elections/{}", s.id)).await.json();
    assert_eq!(info["ballots_cast"], 2);
    b.stop().await;
}

async fn b04_revote_accepted_and_counted(backend: Backend) {
    let Some(b) = board(backend).await else {
        return;
    };
    let s = sample();
    post_all(&b, &s.id, s.setup(), 0).await;
    let first = b.post_entry(&s.id, &s.ballot(3, 0, 10)).await.receipt();
    let again = b.post_entry(&s.id, &s.ballot(3, 1, 11)).await.receipt();
    assert_eq!(again.log_index, first.log_index + 1);
    assert_ne!(again.tracking_code, first.tracking_code);
    let info = b.get(&format!("/api/elections/{}", s.id)).await.json();
    assert_eq!(info["ballots_cast"], 2);
    // The record of the election so far verifies (the re-vote supersedes).
    let report = tally::verify::verify_record(&b.record(&s.id).await[..], None);
    assert!(report.ok(), "{:?}", report.failures);
    assert_eq!(report.ballots_counted, 1);
    b.stop().await;
}

async fn g03_spoiled_ballot_can_never_be_cast(backend: Backend) {
    let Some(b) = board(backend).await else {
        return;
    };
    let s = sample();
    post_all(&b, &s.id, s.setup(), 0).await;
    let (ballot, opening) = s.encrypt(2, 0, 20);
    let spoiled = Entry::Spoiled(SpoiledBallot {
        ballot: ballot.clone(),
        openings: opening.reveal(),
    })
    .to_bytes();
    let r = b.post_entry(&s.id, &spoiled).await.receipt();
    assert_eq!(r.kind, "spoiled");
    // The same audit again: the same receipt.
    assert_eq!(
        b.post_entry(&s.id, &spoiled).await.receipt().promise,
        r.promise
    );
    // Casting the audited ballot is refused, now and forever.
    let cast = Entry::Ballot(ballot).to_bytes();
    let path = format!("/api/elections/{}/ballots", s.id);
    refused(
        &b,
        &s.id,
        &path,
        json_entry(&cast),
        409,
        "ERR_BALLOT_SPOILED",
    )
    .await;
    // A cast ballot cannot be audited afterwards.
    let (ballot2, opening2) = s.encrypt(4, 0, 21);
    b.post_entry(&s.id, &Entry::Ballot(ballot2.clone()).to_bytes())
        .await
        .receipt();
    let late_audit = Entry::Spoiled(SpoiledBallot {
        ballot: ballot2,
        openings: opening2.reveal(),
    })
    .to_bytes();
    let path = format!("/api/elections/{}/spoiled", s.id);
    refused(
        &b,
        &s.id,
        &path,
        json_entry(&late_audit),
        409,
        "ERR_BALLOT_SPOILED",
    )
    .await;
    // An audit whose openings lie is refused.
    let (ballot3, opening3) = s.encrypt(5, 0, 22);
    let mut openings = opening3.reveal();
    openings[0].0[0] ^= 1;
    let lying = Entry::Spoiled(SpoiledBallot {
        ballot: ballot3,
        openings,
    })
    .to_bytes();
    refused(
        &b,
        &s.id,
        &path,
        json_entry(&lying),
        422,
        "ERR_PROOF_INVALID",
    )
    .await;
    let report = tally::verify::verify_record(&b.record(&s.id).await[..], None);
    assert!(report.ok(), "{:?}", report.failures);
    b.stop().await;
}

async fn b09_ballot_for_another_election_refused(backend: Backend) {
    let Some(b) = board(backend).await else {
        return;
    };
    let s = sample();
    post_all(&b, &s.id, s.setup(), 0).await;
    // Same manifest and key, another credential list: another fingerprint.
    let mut entries: Vec<urna_election::CredentialEntry> = s.ctx.credentials().entries().to_vec();
    entries.push(urna_election::CredentialEntry {
        public: SecretKey::generate(&mut OsRng).public_key(),
        weight: 1,
    });
    let list = urna_election::CredentialList::new(entries).unwrap();
    let other =
        urna_election::ElectionContext::new(s.manifest.clone(), s.ctx.election_key().clone(), list)
            .unwrap();
    let choice = urna_sim::sample::choices_for(s.shape, 0, 0);
    let (ballot, _) =
        urna_election::EncryptedBallot::encrypt(&other, &s.secrets.voters[0], &choice, &mut OsRng)
            .unwrap();
    let path = format!("/api/elections/{}/ballots", s.id);
    refused(
        &b,
        &s.id,
        &path,
        json_entry(&Entry::Ballot(ballot).to_bytes()),
        422,
        "ERR_WRONG_ELECTION",
    )
    .await;
    b.stop().await;
}

async fn c01_unknown_credential_refused(backend: Backend) {
    let Some(b) = board(backend).await else {
        return;
    };
    let s = sample();
    post_all(&b, &s.id, s.setup(), 0).await;
    let stranger = SecretKey::generate(&mut OsRng);
    let choice = urna_sim::sample::choices_for(s.shape, 0, 0);
    let (ballot, _) =
        urna_election::EncryptedBallot::encrypt(&s.ctx, &stranger, &choice, &mut OsRng).unwrap();
    let path = format!("/api/elections/{}/ballots", s.id);
    refused(
        &b,
        &s.id,
        &path,
        json_entry(&Entry::Ballot(ballot).to_bytes()),
        403,
        "ERR_CREDENTIAL_UNKNOWN",
    )
    .await;
    b.stop().await;
}

/// Re-sign a ballot entry's bytes under another credential (Cortier–Smyth copy).
fn resign(entry: &[u8], key: &SecretKey) -> Vec<u8> {
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

async fn b01_copied_ballot_proof_invalid(backend: Backend) {
    let Some(b) = board(backend).await else {
        return;
    };
    let s = sample();
    post_all(&b, &s.id, s.setup(), 0).await;
    let original = s.ballot(0, 0, 30);
    b.post_entry(&s.id, &original).await.receipt();
    // Voter 1 copies voter 0's ciphertexts and proofs and signs them.
    let copy = resign(&original, &s.secrets.voters[1]);
    let path = format!("/api/elections/{}/ballots", s.id);
    refused(
        &b,
        &s.id,
        &path,
        json_entry(&copy),
        422,
        "ERR_PROOF_INVALID",
    )
    .await;
    b.stop().await;
}

async fn a14_bad_ballot_signature_refused(backend: Backend) {
    let Some(b) = board(backend).await else {
        return;
    };
    let s = sample();
    post_all(&b, &s.id, s.setup(), 0).await;
    let mut ballot = s.ballot(0, 0, 31);
    let n = ballot.len();
    ballot[n - 32] ^= 1; // low byte of the response z: still canonical
    let path = format!("/api/elections/{}/ballots", s.id);
    refused(
        &b,
        &s.id,
        &path,
        json_entry(&ballot),
        422,
        "ERR_SIGNATURE_INVALID",
    )
    .await;
    b.stop().await;
}

async fn a11_duplicate_ciphertext_refused(backend: Backend) {
    let Some(b) = board(backend).await else {
        return;
    };
    let s = sample();
    post_all(&b, &s.id, s.setup(), 0).await;
    // Two voters whose clients used the same randomness.
    let first = s.encrypt(0, 0, 40).0;
    let second = s.encrypt(1, 0, 40).0;
    assert_eq!(
        first.contests()[0].ciphertexts()[0].alpha(),
        second.contests()[0].ciphertexts()[0].alpha(),
        "the same seed must give the same α"
    );
    b.post_entry(&s.id, &Entry::Ballot(first).to_bytes())
        .await
        .receipt();
    let path = format!("/api/elections/{}/ballots", s.id);
    refused(
        &b,
        &s.id,
        &path,
        json_entry(&Entry::Ballot(second).to_bytes()),
        409,
        "ERR_DUPLICATE_CIPHERTEXT",
    )
    .await;
    b.stop().await;
}

async fn f05_oversized_body_413(backend: Backend) {
    let Some(b) = board(backend).await else {
        return;
    };
    let s = sample();
    post_all(&b, &s.id, s.setup(), 0).await;
    let big = format!("{{\"entry\":\"{}\"}}", "00".repeat(1_100_000)).into_bytes();
    let path = format!("/api/elections/{}/ballots", s.id);
    refused(&b, &s.id, &path, big, 413, "ERR_BODY_TOO_LARGE").await;
    // Over the global limit, announced by Content-Length: refused before
    // any byte of the body is read.
    let before = b.snapshot(&s.id).await;
    let (status, body) = common::raw_request(
        b.addr,
        &format!(
            "POST /api/elections/{}/ceremony HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{{\"entry\":\"",
            s.id,
            100 << 20
        ),
    )
    .await;
    assert_eq!(status, 413, "{body}");
    assert!(body.contains("ERR_BODY_TOO_LARGE"), "{body}");
    assert_eq!(b.snapshot(&s.id).await, before);
    b.stop().await;
}

async fn b07_malformed_body_refused(backend: Backend) {
    let Some(b) = board(backend).await else {
        return;
    };
    let s = sample();
    post_all(&b, &s.id, s.setup(), 0).await;
    let ballot = s.ballot(6, 0, 50);
    let path = format!("/api/elections/{}/ballots", s.id);
    let cases: Vec<(Vec<u8>, u16, &str)> = vec![
        (b"not json".to_vec(), 400, "ERR_ENCODING"),
        (b"{\"entry\": 5}".to_vec(), 400, "ERR_ENCODING"),
        (b"{\"entry\": \"zz\"}".to_vec(), 400, "ERR_ENCODING"),
        (b"{\"entry\": \"050\"}".to_vec(), 400, "ERR_ENCODING"),
        (
            format!("{{\"entry\": \"{}\", \"x\": 1}}", hex::encode(&ballot)).into_bytes(),
            400,
            "ERR_ENCODING",
        ),
        (
            format!("{{\"entry\": \"{}\"}}", hex::encode_upper(&ballot)).into_bytes(),
            400,
            "ERR_NON_CANONICAL",
        ),
        (json_entry(&ballot[..ballot.len() - 1]), 400, "ERR_ENCODING"),
        (json_entry(&[]), 400, "ERR_ENCODING"),
        (json_entry(&s.entries[0]), 400, "ERR_INVALID"),
    ];
    for (body, status, code) in cases {
        refused(&b, &s.id, &path, body, status, code).await;
    }
    // Trailing bytes: refused, whatever the decoder's code.
    let mut long = ballot.clone();
    long.push(0);
    let a = b.post_hex(&path, &long).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    // A non-canonical point (the credential field set to all 0xff).
    let mut bad_point = ballot.clone();
    bad_point[33..65].fill(0xff);
    refused(
        &b,
        &s.id,
        &path,
        json_entry(&bad_point),
        400,
        "ERR_ENCODING",
    )
    .await;
    // The untouched ballot is still accepted afterwards.
    b.post_entry(&s.id, &ballot).await.receipt();
    b.stop().await;
}

async fn b11_ballot_before_open_and_after_close_refused(backend: Backend) {
    let Some(b) = board(backend).await else {
        return;
    };
    let s = sample();
    let open = s.index_of(tag::STATE, Some(1));
    post_all(&b, &s.id, &s.entries[..open], 0).await;
    let ballot = s.ballot(0, 0, 60);
    let path = format!("/api/elections/{}/ballots", s.id);
    refused(
        &b,
        &s.id,
        &path,
        json_entry(&ballot),
        409,
        "ERR_ELECTION_NOT_OPEN",
    )
    .await;
    let close = s.index_of(tag::STATE, Some(2));
    post_all(&b, &s.id, &s.entries[open..=close], open as u64).await;
    refused(
        &b,
        &s.id,
        &path,
        json_entry(&ballot),
        409,
        "ERR_ELECTION_CLOSED",
    )
    .await;
    // A ballot accepted before the close still gets its receipt (B3).
    let bi = s.index_of(tag::BALLOT, None);
    let r = b.post_entry(&s.id, &s.entries[bi]).await.receipt();
    assert_eq!(r.log_index, bi as u64);
    b.stop().await;
}

async fn s2_unsigned_or_wrongly_signed_open_close_refused(backend: Backend) {
    let Some(b) = board(backend).await else {
        return;
    };
    let s = sample();
    let open = s.index_of(tag::STATE, Some(1));
    post_all(&b, &s.id, &s.entries[..open], 0).await;
    let fp = s.ctx.fingerprint();
    let state = |phase, fp, key: &SecretKey| {
        Entry::State(StateChange::sign(phase, fp, 1_800_000_000, key, &mut OsRng)).to_bytes()
    };
    let open_path = format!("/api/elections/{}/open", s.id);
    let close_path = format!("/api/elections/{}/close", s.id);
    // Signed by the credential authority, not the organizer.
    refused(
        &b,
        &s.id,
        &open_path,
        json_entry(&state(Phase::Open, fp, &s.secrets.authority)),
        422,
        "ERR_SIGNATURE_INVALID",
    )
    .await;
    // A forged (bit-flipped) organizer signature.
    let mut forged = state(Phase::Open, fp, s.organizer());
    let n = forged.len();
    forged[n - 32] ^= 1;
    refused(
        &b,
        &s.id,
        &open_path,
        json_entry(&forged),
        422,
        "ERR_SIGNATURE_INVALID",
    )
    .await;
    // Signed, but for another fingerprint.
    refused(
        &b,
        &s.id,
        &open_path,
        json_entry(&state(Phase::Open, Hash32([7; 32]), s.organizer())),
        422,
        "ERR_WRONG_ELECTION",
    )
    .await;
    // Close before open; an open entry on the close endpoint.
    refused(
        &b,
        &s.id,
        &close_path,
        json_entry(&state(Phase::Close, fp, s.organizer())),
        409,
        "ERR_LIFECYCLE",
    )
    .await;
    refused(
        &b,
        &s.id,
        &close_path,
        json_entry(&s.entries[open]),
        400,
        "ERR_INVALID",
    )
    .await;
    // The organizer's real open entry works; a second open does not.
    post_all(&b, &s.id, &s.entries[open..=open], open as u64).await;
    refused(
        &b,
        &s.id,
        &open_path,
        json_entry(&state(Phase::Open, fp, s.organizer())),
        409,
        "ERR_LIFECYCLE",
    )
    .await;
    // Close signed by the wrong key.
    refused(
        &b,
        &s.id,
        &close_path,
        json_entry(&state(Phase::Close, fp, &s.secrets.voters[0])),
        422,
        "ERR_SIGNATURE_INVALID",
    )
    .await;
    let close = state(Phase::Close, fp, s.organizer());
    b.post_entry(&s.id, &close).await.receipt();
    refused(
        &b,
        &s.id,
        &close_path,
        json_entry(&state(Phase::Close, fp, s.organizer())),
        409,
        "ERR_LIFECYCLE",
    )
    .await;
    b.stop().await;
}

async fn o3_lifecycle_order_enforced(backend: Backend) {
    let Some(b) = board(backend).await else {
        return;
    };
    let s = sample();
    let cred = s.index_of(tag::CREDENTIALS, None);
    let open = s.index_of(tag::STATE, Some(1));
    // An incomplete ceremony: the list (which ends the ceremony run) is refused.
    post_all(&b, &s.id, &s.entries[..cred - 1], 0).await;
    let path = format!("/api/elections/{}/credentials", s.id);
    let before = b.snapshot(&s.id).await;
    let a = b.post_hex(&path, &s.entries[cred]).await;
    assert_eq!(
        a.status.as_u16(),
        422,
        "{}",
        String::from_utf8_lossy(&a.body)
    );
    assert!(a.code().starts_with("ERR_DKG_"), "{}", a.code());
    assert_eq!(b.snapshot(&s.id).await, before);
    // The last ceremony message completes it; then the list is accepted.
    post_all(&b, &s.id, &s.entries[cred - 1..=cred], cred as u64 - 1).await;
    // No ceremony message after the run ended; no second list.
    let cpath = format!("/api/elections/{}/ceremony", s.id);
    refused(
        &b,
        &s.id,
        &cpath,
        json_entry(&s.entries[1]),
        409,
        "ERR_LIFECYCLE",
    )
    .await;
    refused(
        &b,
        &s.id,
        &path,
        json_entry(&s.entries[cred]),
        409,
        "ERR_CREDENTIALS_CHANGED",
    )
    .await;
    // A second manifest for the same election id.
    refused(
        &b,
        &s.id,
        "/api/elections",
        json_entry(&s.entries[0]),
        409,
        "ERR_ELECTION_EXISTS",
    )
    .await;
    // Shares and result only after close.
    let share = s.index_of(tag::TALLY, None);
    let result = s.index_of(tag::RESULT, None);
    let tpath = format!("/api/elections/{}/tally-shares", s.id);
    let rpath = format!("/api/elections/{}/result", s.id);
    refused(
        &b,
        &s.id,
        &tpath,
        json_entry(&s.entries[share]),
        409,
        "ERR_LIFECYCLE",
    )
    .await;
    post_all(&b, &s.id, &s.entries[open..share], open as u64).await;
    // Result before enough shares.
    refused(
        &b,
        &s.id,
        &rpath,
        json_entry(&s.entries[result]),
        409,
        "ERR_INSUFFICIENT_SHARES",
    )
    .await;
    post_all(&b, &s.id, &s.entries[share..result], share as u64).await;
    // A share from the same trustee again.
    refused(
        &b,
        &s.id,
        &tpath,
        json_entry(&s.entries[share]),
        422,
        "ERR_SHARE_INVALID",
    )
    .await;
    // A result with other totals, correctly signed.
    let Entry::Result(r) = Entry::from_bytes(&s.entries[result]).unwrap() else {
        panic!()
    };
    let mut totals = r.totals.clone();
    totals[0][0] += 1;
    let wrong = Entry::Result(urna_election::ElectionResult::sign(
        totals,
        &s.ctx.fingerprint(),
        s.organizer(),
        &mut OsRng,
    ))
    .to_bytes();
    refused(
        &b,
        &s.id,
        &rpath,
        json_entry(&wrong),
        422,
        "ERR_TALLY_MISMATCH",
    )
    .await;
    post_all(&b, &s.id, &s.entries[result..], result as u64).await;
    refused(
        &b,
        &s.id,
        &rpath,
        json_entry(&s.entries[result]),
        409,
        "ERR_LIFECYCLE",
    )
    .await;
    let report = tally::verify::verify_record(&b.record(&s.id).await[..], None);
    assert!(report.ok(), "{:?}", report.failures);
    b.stop().await;
}

async fn f09_hostile_ids_are_not_found(backend: Backend) {
    let Some(b) = board(backend).await else {
        return;
    };
    let s = sample();
    post_all(&b, &s.id, s.setup(), 0).await;
    let before = b.snapshot(&s.id).await;
    for id in [
        "%27%20OR%201%3D1--",
        "x%27%3B%20DROP%20TABLE%20entries%3B--",
        "%00",
        "%E2%80%99",
        &"a".repeat(10_000),
    ] {
        for suffix in ["", "/tree-head", "/record", "/entries"] {
            let a = b.get(&format!("/api/elections/{id}{suffix}")).await;
            assert!(
                a.status == StatusCode::NOT_FOUND || a.status == StatusCode::BAD_REQUEST,
                "{id}{suffix}: {}",
                a.status
            );
        }
        let a = b
            .post_hex(&format!("/api/elections/{id}/ballots"), &s.ballot(0, 0, 70))
            .await;
        assert_eq!(a.status, StatusCode::NOT_FOUND);
    }
    let a = b
        .get(&format!(
            "/api/elections/{}/ballots/%27%20OR%201%3D1--",
            s.id
        ))
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    let a = b
        .get(&format!("/api/elections/{}/entries?start=%27", s.id))
        .await;
    assert_eq!(a.code(), "ERR_INVALID");
    assert_eq!(b.snapshot(&s.id).await, before);
    assert_eq!(b.get("/no/such/route").await.code(), "ERR_NOT_FOUND");
    b.stop().await;
}

/// A store that fails commits on demand: 1 = fail without persisting,
/// 2 = persist, then report failure (docs/style.md item 13).
struct FaultyStore {
    inner: Arc<dyn Store>,
    mode: Arc<AtomicU8>,
}

impl Store for FaultyStore {
    fn init_board_key<'a>(&'a self, public: [u8; 32]) -> BoxFut<'a, StoreResult<()>> {
        self.inner.init_board_key(public)
    }
    fn elections(&self) -> BoxFut<'_, StoreResult<Vec<String>>> {
        self.inner.elections()
    }
    fn entries<'a>(
        &'a self,
        election: &'a str,
        start: u64,
        end: u64,
    ) -> BoxFut<'a, StoreResult<Vec<StoredEntry>>> {
        self.inner.entries(election, start, end)
    }
    fn heads<'a>(
        &'a self,
        election: &'a str,
        max_size: u64,
    ) -> BoxFut<'a, StoreResult<Vec<StoredHead>>> {
        self.inner.heads(election, max_size)
    }
    fn ballots<'a>(&'a self, election: &'a str) -> BoxFut<'a, StoreResult<Vec<BallotRow>>> {
        self.inner.ballots(election)
    }
    fn commit(&self, batch: Vec<ElectionCommit>) -> BoxFut<'_, StoreResult<()>> {
        let mode = self.mode.load(Ordering::SeqCst);
        Box::pin(async move {
            match mode {
                1 => Err(StoreError::Unavailable("injected: disk full".into())),
                2 => {
                    self.inner.commit(batch).await?;
                    Err(StoreError::Unavailable(
                        "injected: fsync error after commit".into(),
                    ))
                }
                _ => self.inner.commit(batch).await,
            }
        })
    }
    fn ping(&self) -> BoxFut<'_, StoreResult<()>> {
        self.inner.ping()
    }
}

async fn f02_storage_failure_gives_503_and_no_receipt(backend: Backend) {
    let mode = Arc::new(AtomicU8::new(0));
    let m = mode.clone();
    let Some(b) = TestBoard::start_with_store(backend, move |inner| {
        Arc::new(FaultyStore { inner, mode: m }) as Arc<dyn Store>
    })
    .await
    else {
        return;
    };
    let s = sample();
    post_all(&b, &s.id, s.setup(), 0).await;
    let path = format!("/api/elections/{}/ballots", s.id);
    let next = s.setup().len() as u64;

    // Fail and not persist: 503, nothing changes, a retry succeeds.
    mode.store(1, Ordering::SeqCst);
    let ballot = s.ballot(0, 0, 80);
    refused(
        &b,
        &s.id,
        &path,
        json_entry(&ballot),
        503,
        "ERR_STORAGE_UNAVAILABLE",
    )
    .await;
    mode.store(0, Ordering::SeqCst);
    assert_eq!(b.post_entry(&s.id, &ballot).await.receipt().log_index, next);

    // Fail after persisting: 503 without a receipt; the retry gets the
    // receipt of what was persisted (one leaf, B3).
    mode.store(2, Ordering::SeqCst);
    let ballot2 = s.ballot(1, 0, 81);
    let a = b.post_entry(&s.id, &ballot2).await;
    assert_eq!(a.status.as_u16(), 503);
    assert_eq!(a.code(), "ERR_STORAGE_UNAVAILABLE");
    mode.store(0, Ordering::SeqCst);
    let r = b.post_entry(&s.id, &ballot2).await.receipt();
    assert_eq!(r.log_index, next + 1);
    let info = b.get(&format!("/api/elections/{}", s.id)).await.json();
    assert_eq!(info["entries"], next + 2);
    let report = tally::verify::verify_record(&b.record(&s.id).await[..], None);
    assert!(report.ok(), "{:?}", report.failures);
    b.stop().await;
}

async fn e06_restart_keeps_the_log_and_extends_it(backend: Backend) {
    let Some(mut b) = board(backend).await else {
        return;
    };
    let s = sample();
    post_all(&b, &s.id, s.setup(), 0).await;
    let r1 = b.post_entry(&s.id, &s.ballot(0, 0, 90)).await.receipt();
    let before = b.snapshot(&s.id).await;
    b.restart().await;
    assert_eq!(b.snapshot(&s.id).await, before);
    // The old receipt is still served; a retry still gets it (B3).
    let again = b.post_entry(&s.id, &s.ballot(0, 0, 90)).await.receipt();
    assert_eq!(again.promise, r1.promise);
    let r2 = b.post_entry(&s.id, &s.ballot(1, 0, 91)).await.receipt();
    let old = r1.tree_head.verify(&b.public, &s.id).unwrap();
    let new = r2.tree_head.verify(&b.public, &s.id).unwrap();
    let c = b
        .get(&format!(
            "/api/elections/{}/proof/consistency?first={}&second={}",
            s.id, old.tree_size, new.tree_size
        ))
        .await
        .json();
    let proof: ConsistencyProof = serde_json::from_value(c["consistency_proof"].clone()).unwrap();
    check_extends(&old, &new, &proof).unwrap();
    // A different board key on the same database is refused at start.
    let other = b.db.dir.join("other.key");
    let mut cfg = b.db.config();
    cfg.key_file = other;
    if let Some(running) = b.board.take() {
        running.shutdown().await;
    }
    // The stopped board's database sessions may take a moment to close
    // (PostgreSQL, on a busy machine): retry while the database itself is
    // what cannot be opened yet, as crash.rs does for a killed board.
    let mut err = None;
    for _ in 0..40 {
        let e = urna_board::start(cfg.clone())
            .await
            .err()
            .expect("must refuse another key");
        if e.to_string().contains("board key") {
            err = Some(e);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    let err = err.expect("the other key was never refused as such");
    assert!(err.to_string().contains("board key"), "{err}");
    b.restart().await;
    assert_eq!(b.get("/healthz").await.status, StatusCode::OK);
    b.stop().await;
}

async fn f01_concurrent_ballots_are_batched(backend: Backend) {
    let Some(b) = board(backend).await else {
        return;
    };
    let s = common::big_sample();
    post_all(&b, &s.id, s.setup(), 0).await;
    let ballots: Vec<Vec<u8>> = (0..64).map(|v| s.ballot(v, 0, 1000 + v as u64)).collect();
    let addr = b.addr;
    let id = s.id.clone();
    let mut tasks = Vec::new();
    for ballot in ballots.clone() {
        let id = id.clone();
        tasks.push(tokio::spawn(async move {
            let body =
                serde_json::to_vec(&serde_json::json!({"entry": hex::encode(&ballot)})).unwrap();
            common::request(
                addr,
                hyper::Method::POST,
                &format!("/api/elections/{id}/ballots"),
                Some(body),
            )
            .await
        }));
    }
    let mut indices = std::collections::BTreeSet::new();
    for (t, ballot) in tasks.into_iter().zip(&ballots) {
        let r = t.await.unwrap().receipt();
        r.verify(&b.public, ballot).unwrap();
        assert!(indices.insert(r.log_index));
    }
    assert_eq!(indices.len(), 64);
    let m = String::from_utf8(b.get("/metrics").await.body.to_vec()).unwrap();
    assert!(m.contains("urna_ballots_accepted_total 64"), "{m}");
    let report = tally::verify::verify_record(&b.record(&s.id).await[..], None);
    assert!(report.ok(), "{:?}", report.failures);
    assert_eq!(report.ballots_counted, 64);
    b.stop().await;
}

/// `spec/api.md` §5.9: no totals before `k` valid shares; the board's own
/// decryption (provisional) from the `k`-th share on, recomputed on
/// restart; the organizer's totals (official) once the result entry is in.
async fn d10_board_result_provisional_then_official(backend: Backend) {
    let Some(mut b) = board(backend).await else {
        return;
    };
    let s = sample();
    async fn info(b: &TestBoard) -> serde_json::Value {
        b.get(&format!("/api/elections/{}", sample().id))
            .await
            .json()
    }
    let first_share = s.index_of(tag::TALLY, None);
    let result_at = s.index_of(tag::RESULT, None);
    let Entry::Result(announced) = Entry::from_bytes(&s.entries[result_at]).unwrap() else {
        panic!("not a result entry");
    };
    let expected = serde_json::json!(announced.totals);
    assert!(
        announced.totals.iter().flatten().any(|&n| n > 0),
        "the sample's totals are all zero: the test could not tell them apart"
    );
    let k = s.manifest.threshold as usize;
    assert!(
        result_at - first_share >= k,
        "the sample posts fewer than k shares"
    );

    post_all(&b, &s.id, &s.entries[..first_share], 0).await;
    assert_eq!(info(&b).await["state"], "closed");
    assert!(
        info(&b).await["result"].is_null(),
        "a result before any share"
    );
    for i in first_share..result_at {
        post_all(&b, &s.id, &s.entries[i..=i], i as u64).await;
        let v = info(&b).await;
        let shares = i + 1 - first_share;
        assert_eq!(v["tally_shares"], shares);
        if shares < k {
            assert!(v["result"].is_null(), "a result with {shares} < k shares");
        } else {
            assert_eq!(v["result"]["totals"], expected, "after {shares} shares");
            assert_eq!(v["result"]["official"], false);
            assert_eq!(v["result_posted"], false);
        }
    }
    // Replay at startup recomputes the provisional result.
    b.restart().await;
    let v = info(&b).await;
    assert_eq!(v["result"]["totals"], expected);
    assert_eq!(v["result"]["official"], false);

    post_all(&b, &s.id, &s.entries[result_at..], result_at as u64).await;
    let v = info(&b).await;
    assert_eq!(v["result"]["totals"], expected);
    assert_eq!(v["result"]["official"], true);
    assert_eq!(v["result_posted"], true);
    b.restart().await;
    let v = info(&b).await;
    assert_eq!(v["result"]["totals"], expected);
    assert_eq!(v["result"]["official"], true);
    // The list shows the same.
    let list = b.get("/api/elections").await.json();
    assert_eq!(list["elections"][0]["result"], v["result"]);
    b.stop().await;
}
