//! Mirrors (spec/api.md §8): docs/attacks.md E11 (a mirror appends only
//! what it verified, refuses a tampered entry and keeps serving its last
//! good state) and E5 (a board that shows two histories to two mirrors is
//! caught by their gossip, with evidence `tally check-evidence` confirms).
//! Everything runs in this process on loopback, over SQLite.

mod common;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use common::{post_all, request, sample, Backend, TestBoard, TestDb};
use hyper::Method;
use urna_log::BoardKey;

use common::mirrors::*;

both_backends!(e11_mirror_verifies_republishes_and_refuses_a_tampered_entry);

/// The mirror's own database on `backend` (the board's on SQLite).
async fn e11_mirror_verifies_republishes_and_refuses_a_tampered_entry(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let s = sample();
    let board = TestBoard::start(Backend::Sqlite).await.unwrap();
    post_all(&board, &s.id, s.setup(), 0).await;
    let n = s.setup().len() as u64;
    post_all(
        &board,
        &s.id,
        &[s.ballot(0, 0, 101), s.ballot(1, 0, 102)],
        n,
    )
    .await;

    let proxy = Proxy::new(board.addr);
    let paddr = serve_proxy(&proxy).await;
    let m = mirror_of(&format!("http://{paddr}"), &db, vec![]).await;
    assert_eq!(
        m.board_key, board.public,
        "the mirror follows the board's key"
    );

    // It copies the log and serves the board's own signed head.
    let want = head_of(board.addr, &s.id).await.unwrap();
    until("the mirror catches up", || async {
        head_of(m.addr, &s.id).await == Some(want)
    })
    .await;
    let (bh, be) = board.snapshot(&s.id).await;
    let mh = request(
        m.addr,
        Method::GET,
        &format!("/api/elections/{}/tree-head", s.id),
        None,
    )
    .await
    .json();
    let me = request(
        m.addr,
        Method::GET,
        &format!("/api/elections/{}/entries?start=0&end=1000", s.id),
        None,
    )
    .await
    .json();
    assert_eq!(
        (bh, be),
        (mh, me),
        "the mirror serves the board's log byte for byte"
    );
    let info = request(m.addr, Method::GET, "/api/board", None)
        .await
        .json();
    assert_eq!(info["board_key"], hex::encode(board.public.to_bytes()));

    // The record downloaded from the mirror verifies as the board's.
    let rec = request(
        m.addr,
        Method::GET,
        &format!("/api/elections/{}/record", s.id),
        None,
    )
    .await;
    let report = tally::verify::verify_record(&rec.body[..], None);
    assert!(report.ok(), "{:?}", report.failures);

    // Writes other than ballots are refused, read-only.
    let a = request(
        m.addr,
        Method::POST,
        &format!("/api/elections/{}/close", s.id),
        Some(b"{}".to_vec()),
    )
    .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert_eq!(a.code(), "ERR_READ_ONLY");

    // From now on the proxy alters every new entry.
    let good = head_of(m.addr, &s.id).await.unwrap();
    proxy.tamper_from.store(good.tree_size, Ordering::SeqCst);
    post_all(&board, &s.id, &[s.ballot(2, 0, 103)], good.tree_size).await;
    until("the mirror halts", || async {
        !status(m.addr).await["elections"][0]["halted"].is_null()
    })
    .await;
    let st = status(m.addr).await;
    let reason = st["elections"][0]["halted"].as_str().unwrap().to_string();
    assert!(
        reason.contains(&format!("entry {}", good.tree_size)) && reason.contains("refused"),
        "{reason}"
    );
    // It keeps serving the last good state, and still does later.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(head_of(m.addr, &s.id).await, Some(good));
    let a = request(
        m.addr,
        Method::GET,
        &format!("/api/elections/{}/entries?start=0&end=1000", s.id),
        None,
    )
    .await
    .json();
    assert_eq!(
        a["entries"].as_array().unwrap().len() as u64,
        good.tree_size
    );
    // It takes no ballot for an election it stopped following.
    let a = request(
        m.addr,
        Method::POST,
        &format!("/api/elections/{}/ballots", s.id),
        Some(
            serde_json::to_vec(&serde_json::json!({"entry": hex::encode(s.ballot(3, 0, 104))}))
                .unwrap(),
        ),
    )
    .await;
    assert_eq!(a.code(), "ERR_MIRROR_HALTED");
    // No evidence: an altered entry is the proxy's doing, not the board's.
    assert_eq!(st["evidence"], 0);

    m.shutdown().await;
    board.stop().await;
    db.cleanup().await;
}

both_backends!(mirror_tables_are_append_only_and_idempotent);

/// The relay queue and the evidence table on both databases.
async fn mirror_tables_are_append_only_and_idempotent(backend: Backend) {
    use urna_board::store::{EvidenceRow, RelayOutcome, RelayRow};
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let store = urna_board::store::open(&db.url).await.unwrap();
    let row = RelayRow {
        election: "e1".into(),
        tracking_code: [7; 32],
        entry: vec![5, 1, 2, 3],
        received_ms: 1000,
        promise: vec![9; 255],
        outcome: None,
    };
    assert!(store.relay_enqueue(&row).await.unwrap());
    let other = RelayRow {
        entry: vec![5, 9, 9],
        received_ms: 2000,
        ..row.clone()
    };
    assert!(
        !store.relay_enqueue(&other).await.unwrap(),
        "one row per ballot"
    );
    let second = RelayRow {
        tracking_code: [8; 32],
        received_ms: 1500,
        ..row.clone()
    };
    assert!(store.relay_enqueue(&second).await.unwrap());
    assert_eq!(
        store.relay_rows(Some("e1")).await.unwrap(),
        vec![row.clone(), second.clone()]
    );
    assert!(store.relay_rows(Some("e2")).await.unwrap().is_empty());
    let done = RelayOutcome {
        delivered: true,
        detail: "{}".into(),
        at_ms: 3000,
    };
    store.relay_finish("e1", [7; 32], &done).await.unwrap();
    let refused = RelayOutcome {
        delivered: false,
        detail: "ERR_X: no".into(),
        at_ms: 4000,
    };
    store.relay_finish("e1", [7; 32], &refused).await.unwrap();
    let rows = store.relay_rows(None).await.unwrap();
    assert_eq!(
        rows[0].outcome,
        Some(done.clone()),
        "the first outcome stays"
    );
    assert_eq!(rows[1].outcome, None);
    assert_eq!(
        store
            .relay_row("e1", [7; 32])
            .await
            .unwrap()
            .unwrap()
            .outcome,
        Some(done)
    );
    assert_eq!(store.relay_row("e1", [9; 32]).await.unwrap(), None);
    assert_eq!(store.relay_pending().await.unwrap(), vec![second.clone()]);
    let third = RelayRow {
        election: "e2".into(),
        ..row.clone()
    };
    assert!(store.relay_enqueue(&third).await.unwrap());
    store.relay_finish("e2", [7; 32], &refused).await.unwrap();
    assert_eq!(
        store.relay_counts().await.unwrap(),
        vec![("e1".to_string(), 1, 1, 0), ("e2".to_string(), 0, 0, 1)]
    );
    let ev = EvidenceRow {
        election: "e1".into(),
        kind: "split_view".into(),
        found_ms: 5,
        evidence: vec![1, 2, 3],
    };
    assert!(store.add_evidence(&ev).await.unwrap());
    assert!(!store.add_evidence(&ev).await.unwrap(), "kept once");
    assert_eq!(store.evidence().await.unwrap(), vec![ev]);
    // Triggers refuse to change or remove any of it.
    for sql in [
        "UPDATE relay_queue SET received_ms = 0",
        "DELETE FROM relay_outcomes",
        "DELETE FROM evidence",
    ] {
        use sqlx::Connection;
        let r = match backend {
            Backend::Sqlite => {
                let mut c = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
                sqlx::query(sql).execute(&mut c).await.map(|_| ())
            }
            Backend::Postgres => {
                let mut c = sqlx::PgConnection::connect(&db.url).await.unwrap();
                sqlx::query(sql).execute(&mut c).await.map(|_| ())
            }
        };
        assert!(r.is_err(), "{sql} was allowed");
    }
    drop(store);
    db.cleanup().await;
}

/// A whole election (ceremony, list, ballots with re-votes, an audit,
/// close, decryption shares, result) copied by a mirror in one catch-up,
/// every entry re-checked: the mirror's view and record equal the board's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e11_mirror_copies_and_rechecks_a_whole_election() {
    let s = sample();
    let board = TestBoard::start(Backend::Sqlite).await.unwrap();
    post_all(&board, &s.id, &s.entries, 0).await;
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    let m = mirror_of(&format!("http://{}", board.addr), &db, vec![]).await;
    let want = head_of(board.addr, &s.id).await;
    until("the mirror catches up", || async {
        head_of(m.addr, &s.id).await == want
    })
    .await;
    let path = format!("/api/elections/{}", s.id);
    let b = board.get(&path).await.json();
    let mi = request(m.addr, Method::GET, &path, None).await.json();
    assert_eq!(b, mi, "the mirror's election state is the board's");
    assert_eq!(mi["state"], "closed");
    assert_eq!(mi["result_posted"], true);
    let rec = request(m.addr, Method::GET, &format!("{path}/record"), None).await;
    let report = tally::verify::verify_record(&rec.body[..], None);
    assert!(report.ok(), "{:?}", report.failures);
    assert_eq!(
        urna_sim::sample::read_entries(&rec.body[..]).unwrap(),
        s.entries
    );
    // The mirror takes no ballot after the close (the cut-off, K2).
    let a = request(
        m.addr,
        Method::POST,
        &format!("{path}/ballots"),
        Some(
            serde_json::to_vec(&serde_json::json!({"entry": hex::encode(s.ballot(0, 9, 901))}))
                .unwrap(),
        ),
    )
    .await;
    assert_eq!(a.code(), "ERR_ELECTION_CLOSED");
    m.shutdown().await;
    board.stop().await;
    db.cleanup().await;
}

/// An entry the state machine accepts (a valid ballot) but that is not
/// the one the board signed: only the recomputed root shows it (M3).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e11_mirror_refuses_a_valid_entry_the_board_did_not_sign() {
    let s = sample();
    let board = TestBoard::start(Backend::Sqlite).await.unwrap();
    post_all(&board, &s.id, s.setup(), 0).await;
    let proxy = Proxy::new(board.addr);
    let n = s.setup().len() as u64;
    *proxy.substitute.lock().unwrap() = Some((n, s.ballot(4, 0, 801)));
    let paddr = serve_proxy(&proxy).await;
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    let m = mirror_of(&format!("http://{paddr}"), &db, vec![]).await;
    let setup = head_of(board.addr, &s.id).await;
    until("the mirror copies the setup", || async {
        head_of(m.addr, &s.id).await == setup
    })
    .await;
    post_all(&board, &s.id, &[s.ballot(3, 0, 802)], n).await;
    until("the mirror halts", || async {
        !status(m.addr).await["elections"][0]["halted"].is_null()
    })
    .await;
    let reason = status(m.addr).await["elections"][0]["halted"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        reason.contains("ERR_LOG_INCONSISTENT") && reason.contains("root"),
        "{reason}"
    );
    assert_eq!(head_of(m.addr, &s.id).await, setup, "the last good state");
    m.shutdown().await;
    board.stop().await;
    db.cleanup().await;
}

// ------------------------------------------------- store-and-forward

/// A friend with connectivity submits someone's sealed ballot file through
/// a mirror while the board is cut off (what `urna-vote submit --board
/// MIRROR FILE` does): the mirror queues it with a signed promise; once
/// the board is back the same submission returns the board's receipt,
/// which the voter cross-checks against the mirror. A server showing a
/// head of the board key that forks from the receipt's is caught, with
/// evidence `tally check-evidence` confirms.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e11_sealed_ballot_file_through_a_mirror_while_the_board_is_cut_off() {
    use voter_client::http::{cross_check, HttpBoard};
    use voter_client::{BallotFile, BoardApi, ClientError, Election, ExpectedFingerprint};

    let s = sample();
    let board = TestBoard::start(Backend::Sqlite).await.unwrap();
    post_all(&board, &s.id, s.setup(), 0).await;
    let proxy = Proxy::new(board.addr);
    let paddr = serve_proxy(&proxy).await;
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    let m = mirror_of(&format!("http://{paddr}"), &db, vec![]).await;
    let want = head_of(board.addr, &s.id).await;
    until("the mirror catches up", || async {
        head_of(m.addr, &s.id).await == want
    })
    .await;

    // The voter sealed a ballot offline and handed over the file.
    let file = BallotFile::from_ballot(&s.id, s.encrypt(6, 0, 700).0)
        .unwrap()
        .to_bytes();
    let submit = |file: Vec<u8>, url: String| {
        tokio::task::spawn_blocking(move || {
            let f = BallotFile::from_bytes(&file).unwrap();
            let http = HttpBoard::new(&url);
            let bundle = http.election_bundle(f.election_id()).unwrap();
            let election =
                Election::load(&bundle, &ExpectedFingerprint::Full(f.fingerprint())).unwrap();
            f.verify(&election).unwrap();
            f.submit(&http, &election)
        })
    };
    proxy.down.store(true, Ordering::SeqCst);
    let murl = format!("http://{}", m.addr);
    let r = submit(file.clone(), murl.clone()).await.unwrap();
    let Err(ClientError::Queued { answer }) = r else {
        panic!("expected a queued answer, got {r:?}")
    };
    let v: serde_json::Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(v["status"], "queued");
    assert_eq!(v["mirror_key"], hex::encode(m.mirror_key.to_bytes()));

    // The board comes back; the relay delivers; the same submission now
    // returns the board's receipt.
    proxy.down.store(false, Ordering::SeqCst);
    until("delivered", || async {
        status(m.addr).await["elections"][0]["relay"]["delivered"] == 1
    })
    .await;
    let receipt = submit(file.clone(), murl.clone()).await.unwrap().unwrap();
    receipt.verify().unwrap();
    assert_eq!(receipt.board_key, board.public);

    // Cross-check the receipt's head against the mirror (it catches up).
    let head = receipt.board.tree_head;
    until("the mirror holds the ballot", || async {
        head_of(m.addr, &s.id).await == Some(head)
    })
    .await;
    let (burl, key, id) = (format!("http://{}", board.addr), board.public, s.id.clone());
    let ok = {
        let (burl, murl, id) = (burl.clone(), murl.clone(), id.clone());
        tokio::task::spawn_blocking(move || {
            cross_check(
                &HttpBoard::new(&burl),
                &HttpBoard::new(&murl),
                &id,
                &key,
                &head,
            )
        })
        .await
        .unwrap()
    };
    assert_eq!(ok.unwrap(), head);

    // A "mirror" run by whoever holds the seized board key shows a head
    // of the same size over another history: split view, with evidence.
    let seed = hex::decode(std::fs::read_to_string(board.db.key_file()).unwrap().trim()).unwrap();
    let stolen = BoardKey::from_seed(&<[u8; 32]>::try_from(seed).unwrap());
    let fake = Arc::new(fork(
        &stolen,
        &s.id,
        {
            let mut e = s.setup().to_vec();
            e.push(s.ballot(7, 0, 701));
            e
        },
        head.timestamp_ms + 1,
    ));
    assert_eq!(fake.head.tree_size, head.tree_size);
    let faddr = serve_fork(fake).await;
    let furl = format!("http://{faddr}");
    let err = tokio::task::spawn_blocking(move || {
        cross_check(
            &HttpBoard::new(&burl),
            &HttpBoard::new(&furl),
            &id,
            &key,
            &head,
        )
    })
    .await
    .unwrap()
    .unwrap_err();
    assert_eq!(err.code(), "ERR_LOG_EQUIVOCATION");
    let ClientError::Inconsistent {
        evidence: Some(ev), ..
    } = err
    else {
        panic!("no evidence: {err:?}")
    };
    let (_, kind) = tally::evidence::check_evidence_file(ev.as_bytes()).unwrap();
    assert!(matches!(kind, urna_log::EvidenceKind::SplitView { .. }));

    m.shutdown().await;
    board.stop().await;
    db.cleanup().await;
}

// ---------------------------------------------------------------- E5
