//! The board's scenarios of ballot intake, each run against SQLite and
//! PostgreSQL by the same function (`both_backends!`). Test names start
//! with the docs/attacks.md id they cover. The lifecycle's scenarios are
//! in `tests/lifecycle.rs`.

mod common;

use common::{post_all, sample, Backend};
use hyper::StatusCode;
use rand_core::OsRng;
use urna_crypto::SecretKey;
use urna_election::entry::tag;
use urna_election::{Entry, SpoiledBallot};
use urna_log::{check_extends, ConsistencyProof};

use common::scenario::*;

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
    let Entry::Ballot(ballot) = Entry::from_bytes(&s.entries[bi]).unwrap() else {
        panic!("not a ballot")
    };
    let r = b
        .get(&format!(
            "/api/elections/{}/ballots/{}",
            s.id,
            ballot.tracking_code().to_hex()
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
    let spoiled = Entry::Spoiled(SpoiledBallot::of(&ballot, opening)).to_bytes();
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
    let late_audit = Entry::Spoiled(SpoiledBallot::of(&ballot2, opening2)).to_bytes();
    let path = format!("/api/elections/{}/spoiled", s.id);
    let voter = &s.secrets.voters[4];
    let code = ballot2.tracking_code();
    let body = |e: &[u8]| common::audit_request_body(e, voter, &code);
    refused(
        &b,
        &s.id,
        &path,
        body(&late_audit),
        409,
        "ERR_BALLOT_SPOILED",
    )
    .await;
    // An audit whose openings lie is refused.
    let (ballot3, opening3) = s.encrypt(5, 0, 22);
    let mut lie = SpoiledBallot::of(&ballot3, opening3);
    lie.contests[0][0].value ^= 1;
    let lying = Entry::Spoiled(lie).to_bytes();
    let code = ballot3.tracking_code();
    let body = common::audit_request_body(&lying, voter, &code);
    refused(&b, &s.id, &path, body, 422, "ERR_PROOF_INVALID").await;
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
