//! The board's scenarios of the election's lifecycle, storage and restarts,
//! each run against SQLite and PostgreSQL by the same function
//! (`both_backends!`). Test names start with the docs/attacks.md id they
//! cover. Ballot intake is in `tests/scenarios.rs`.

mod common;

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

use common::{post_all, sample, Backend, TestBoard};
use hyper::StatusCode;
use rand_core::OsRng;
use urna_board::store::{
    BallotRow, BoxFut, ElectionCommit, Store, StoreError, StoreResult, StoredEntry, StoredHead,
};
use urna_crypto::SecretKey;
use urna_election::entry::tag;
use urna_election::{Entry, Hash32, Phase, StateChange};
use urna_log::{check_extends, ConsistencyProof};

use common::scenario::*;

both_backends!(
    b11_ballot_before_open_and_after_close_refused,
    s2_unsigned_or_wrongly_signed_open_close_refused,
    o3_lifecycle_order_enforced,
    f09_hostile_ids_are_not_found,
    f02_storage_failure_gives_503_and_no_receipt,
    e06_restart_keeps_the_log_and_extends_it,
    f01_concurrent_ballots_are_batched,
    d10_board_result_provisional_then_official,
);

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
