//! Mirrors (spec/api.md §8): docs/attacks.md E11 (a mirror appends only
//! what it verified, refuses a tampered entry and keeps serving its last
//! good state) and E5 (a board that shows two histories to two mirrors is
//! caught by their gossip, with evidence `tally check-evidence` confirms).
//! Everything runs in this process on loopback, over SQLite.

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, Uri};
use axum::routing::get;
use axum::{Json, Router};
use common::{post_all, request, sample, Backend, TestBoard, TestDb};
use hyper::Method;
use urna_board::{start_mirror, MirrorConfig, RunningMirror};
use urna_log::{BoardKey, MemoryTree, SignedTreeHead};

async fn mirror_of(upstream: &str, db: &TestDb, peers: Vec<String>) -> RunningMirror {
    let mut c = MirrorConfig::for_tests(upstream, &db.url, db.dir.join("mirror.key"));
    c.peers = peers;
    start_mirror(c).await.unwrap()
}

async fn head_of(addr: std::net::SocketAddr, id: &str) -> Option<SignedTreeHead> {
    let a = request(
        addr,
        Method::GET,
        &format!("/api/elections/{id}/tree-head"),
        None,
    )
    .await;
    (a.status == StatusCode::OK)
        .then(|| serde_json::from_value(a.json()["tree_head"].clone()).unwrap())
}

/// Poll until `f` holds (30 s at most: CI machines are slow and shared).
async fn until<F, Fut>(what: &str, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..600 {
        if f().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for: {what}");
}

async fn status(addr: std::net::SocketAddr) -> serde_json::Value {
    request(addr, Method::GET, "/api/mirror/status", None)
        .await
        .json()
}

// ---------------------------------------------------------------- E11

/// An entry index and the bytes served there instead.
type Substitute = Option<(u64, Vec<u8>)>;

/// A proxy in front of the board that alters the hex of every entry at
/// index `tamper_from` or later (`u64::MAX`: none), or answers 502 to
/// everything while `down` (the board is cut off).
#[derive(Clone)]
struct Proxy {
    board: String,
    tamper_from: Arc<AtomicU64>,
    down: Arc<std::sync::atomic::AtomicBool>,
    /// Serve these bytes instead of the entry at this index.
    substitute: Arc<std::sync::Mutex<Substitute>>,
}

impl Proxy {
    fn new(board: std::net::SocketAddr) -> Self {
        Proxy {
            board: format!("http://{board}"),
            tamper_from: Arc::new(AtomicU64::new(u64::MAX)),
            down: Arc::new(std::sync::atomic::AtomicBool::new(false)),
            substitute: Arc::new(std::sync::Mutex::new(None)),
        }
    }
}

async fn proxy_any(
    State(p): State<Proxy>,
    method: axum::http::Method,
    uri: Uri,
    body: axum::body::Bytes,
) -> (StatusCode, Json<serde_json::Value>) {
    if p.down.load(Ordering::SeqCst) {
        return (
            StatusCode::BAD_GATEWAY,
            Json(serde_json::json!({"code": "ERR_HTTP", "message": "cut off"})),
        );
    }
    let url = format!("{}{}", p.board, uri);
    let from = p.tamper_from.load(Ordering::SeqCst);
    let post = method == axum::http::Method::POST;
    let (status, mut v) = tokio::task::spawn_blocking(move || {
        let r = if post {
            ureq::post(&url)
                .set("content-type", "application/json")
                .send_bytes(&body)
        } else {
            ureq::get(&url).call()
        };
        match r {
            Ok(resp) => (
                resp.status(),
                resp.into_json::<serde_json::Value>().unwrap(),
            ),
            Err(ureq::Error::Status(s, resp)) => (s, resp.into_json().unwrap()),
            Err(e) => panic!("proxy: {e}"),
        }
    })
    .await
    .unwrap();
    if uri.path().ends_with("/entries") {
        let substitute = p.substitute.lock().unwrap().clone();
        for row in v["entries"].as_array_mut().unwrap() {
            if let Some((at, bytes)) = &substitute {
                if row["index"].as_u64() == Some(*at) {
                    row["entry"] = serde_json::Value::String(hex::encode(bytes));
                }
            }
            if row["index"].as_u64().unwrap() >= from {
                let mut hex_entry = row["entry"].as_str().unwrap().to_string();
                // Flip the last hex digit (a signature or proof byte).
                let last = hex_entry.pop().unwrap();
                hex_entry.push(if last == '0' { '1' } else { '0' });
                row["entry"] = serde_json::Value::String(hex_entry);
            }
        }
    }
    (StatusCode::from_u16(status).unwrap(), Json(v))
}

async fn serve_proxy(p: &Proxy) -> std::net::SocketAddr {
    serve(Router::new().fallback(proxy_any).with_state(p.clone())).await
}

async fn serve(router: Router) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr
}

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

/// One history of the lying board.
struct Fork {
    entries: Vec<Vec<u8>>,
    tree: MemoryTree,
    head: SignedTreeHead,
    key: String,
    id: String,
}

type Forked = State<Arc<Fork>>;

async fn lie_board(State(f): Forked) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "board_key": f.key, "log_id": f.head.log_id, "version": "lying" }))
}

async fn lie_list(State(f): Forked) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "elections": [ { "election_id": f.id, "tree_head": f.head } ] }))
}

async fn lie_head(State(f): Forked, Path(_id): Path<String>) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "tree_head": f.head, "encoded": hex::encode(f.head.to_bytes()) }))
}

#[derive(serde::Deserialize)]
struct Range {
    start: u64,
    end: u64,
}

async fn lie_entries(
    State(f): Forked,
    Path(_id): Path<String>,
    Query(r): Query<Range>,
) -> Json<serde_json::Value> {
    let end = r.end.min(f.entries.len() as u64);
    let rows: Vec<serde_json::Value> = (r.start..end)
        .map(|i| {
            let e = &f.entries[i as usize];
            serde_json::json!({
                "index": i,
                "kind": "x",
                "leaf_hash": hex::encode(urna_log::leaf_hash(e).0),
                "entry": hex::encode(e),
            })
        })
        .collect();
    Json(serde_json::json!({ "tree_size": f.head.tree_size, "entries": rows }))
}

fn fork(key: &BoardKey, id: &str, entries: Vec<Vec<u8>>, ts: u64) -> Fork {
    let mut tree = MemoryTree::new();
    for e in &entries {
        tree.push_entry(e);
    }
    let head = key.sign_tree_head(id, tree.len(), ts, tree.root()).unwrap();
    Fork {
        entries,
        tree,
        head,
        key: hex::encode(key.public_key().to_bytes()),
        id: id.to_string(),
    }
}

async fn serve_fork(f: Arc<Fork>) -> std::net::SocketAddr {
    serve(
        Router::new()
            .route("/api/board", get(lie_board))
            .route("/api/elections", get(lie_list))
            .route("/api/elections/{id}/tree-head", get(lie_head))
            .route("/api/elections/{id}/entries", get(lie_entries))
            .with_state(f),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e05_lying_board_is_caught_by_mirror_gossip_with_checkable_evidence() {
    let s = sample();
    // The seized board key signs two histories that share the setup.
    let key = BoardKey::from_seed(&[0x5e; 32]);
    let mut a = s.setup().to_vec();
    a.extend([s.ballot(0, 0, 201), s.ballot(1, 0, 202)]);
    let mut b = s.setup().to_vec();
    b.extend([
        s.ballot(0, 0, 301),
        s.ballot(1, 0, 302),
        s.ballot(2, 0, 303),
    ]);
    let t0 = 1_800_000_000_000;
    let fa = Arc::new(fork(&key, &s.id, a, t0));
    let fb = Arc::new(fork(&key, &s.id, b, t0 + 1));
    let (aa, ab) = (serve_fork(fa.clone()).await, serve_fork(fb.clone()).await);

    // Two mirrors, each shown one history; they gossip with each other.
    let (d1, d2) = (
        TestDb::new(Backend::Sqlite).await.unwrap(),
        TestDb::new(Backend::Sqlite).await.unwrap(),
    );
    // Reserve mirror 2's port first so that mirror 1 can name it as a peer.
    let l2 = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let p2 = l2.local_addr().unwrap();
    drop(l2);
    let m1 = mirror_of(&format!("http://{aa}"), &d1, vec![format!("http://{p2}")]).await;
    let mut c2 = MirrorConfig::for_tests(&format!("http://{ab}"), &d2.url, d2.dir.join("k"));
    c2.listen = p2;
    c2.peers = vec![format!("http://{}", m1.addr)];
    let m2 = start_mirror(c2).await.unwrap();

    // Each history verifies on its own: both mirrors follow "their" board …
    until("both mirrors sync", || async {
        head_of(m1.addr, &s.id).await == Some(fa.head)
            && head_of(m2.addr, &s.id).await == Some(fb.head)
    })
    .await;
    // … until gossip shows the fork: conflicting-leaf evidence (the heads
    // have different sizes), kept and served by both.
    for m in [&m1, &m2] {
        until("evidence", || async {
            let v = request(m.addr, Method::GET, "/api/evidence", None)
                .await
                .json();
            !v["evidence"].as_array().unwrap().is_empty()
        })
        .await;
        let v = request(m.addr, Method::GET, "/api/evidence", None)
            .await
            .json();
        let item = &v["evidence"][0];
        assert_eq!(item["kind"], "conflicting_leaf");
        assert_eq!(item["election"], s.id.as_str());
        // `tally check-evidence` on the served item, and on the encoding.
        let (ev, kind) = tally::evidence::check_evidence_file(item.to_string().as_bytes()).unwrap();
        assert_eq!(
            kind,
            urna_log::EvidenceKind::ConflictingLeaf {
                index: s.setup().len() as u64
            }
        );
        assert_eq!(ev.public_key, key.public_key());
        let raw = hex::decode(item["encoded"].as_str().unwrap()).unwrap();
        tally::evidence::check_evidence_file(&raw).unwrap();
        // The mirror stopped following the lying board and says why,
        // still serving what it verified.
        let st = status(m.addr).await;
        let halted = st["elections"][0]["halted"].as_str().unwrap();
        assert!(halted.contains("ERR_LOG_EQUIVOCATION"), "{halted}");
        assert!(head_of(m.addr, &s.id).await.is_some());
    }

    // A pushed head of the same size as mirror 1's but another root is a
    // split view (L25): refused with 409 and kept.
    let other = key
        .sign_tree_head(
            &s.id,
            fa.head.tree_size,
            t0 + 5,
            fb.tree.root_at(fa.head.tree_size).unwrap(),
        )
        .unwrap();
    let a = request(
        m1.addr,
        Method::POST,
        "/api/gossip/tree-heads",
        Some(
            serde_json::to_vec(&serde_json::json!({"election": s.id, "tree_heads": [other]}))
                .unwrap(),
        ),
    )
    .await;
    assert_eq!(a.status, StatusCode::CONFLICT, "{}", a.json());
    assert_eq!(a.code(), "ERR_LOG_EQUIVOCATION");
    let v = request(m1.addr, Method::GET, "/api/evidence", None)
        .await
        .json();
    assert!(v["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["kind"] == "split_view"));
    // A smaller tree signed later than a verified head is a rollback (L26).
    let back = key
        .sign_tree_head(
            &s.id,
            fa.head.tree_size - 1,
            t0 + 10,
            fa.tree.root_at(fa.head.tree_size - 1).unwrap(),
        )
        .unwrap();
    let a = request(
        m1.addr,
        Method::POST,
        "/api/gossip/tree-heads",
        Some(
            serde_json::to_vec(&serde_json::json!({"election": s.id, "tree_heads": [back]}))
                .unwrap(),
        ),
    )
    .await;
    assert_eq!(a.code(), "ERR_LOG_EQUIVOCATION");
    let v = request(m1.addr, Method::GET, "/api/evidence", None)
        .await
        .json();
    let rollback = v["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "rollback")
        .expect("rollback evidence kept");
    let (_, kind) = tally::evidence::check_evidence_file(rollback.to_string().as_bytes()).unwrap();
    assert_eq!(kind, urna_log::EvidenceKind::Rollback);
    // A head the board key did not sign is ignored as a forgery (G1).
    let mut forged = other;
    forged.signature[5] ^= 1;
    let a = request(
        m1.addr,
        Method::POST,
        "/api/gossip/tree-heads",
        Some(
            serde_json::to_vec(&serde_json::json!({"election": s.id, "tree_heads": [forged]}))
                .unwrap(),
        ),
    )
    .await;
    assert_eq!(a.code(), "ERR_CHECKPOINT_INVALID");
    // A head consistent with mirror 1's log is fine.
    let a = request(
        m1.addr,
        Method::POST,
        "/api/gossip/tree-heads",
        Some(
            serde_json::to_vec(&serde_json::json!({"election": s.id, "tree_heads": [fa.head]}))
                .unwrap(),
        ),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json());

    m1.shutdown().await;
    m2.shutdown().await;
    d1.cleanup().await;
    d2.cleanup().await;
}
