//! Reads cannot hurt writes (issue 15; docs/attacks.md F18, F19), on real
//! boards over SQLite and PostgreSQL:
//!
//! - a read flood (inclusion proofs for old sizes, record downloads,
//!   entries pages, health checks) while ballots are cast: every ballot
//!   is accepted, no voter sees a 503, and the read pool never holds more
//!   connections than configured;
//! - a head of a given size is found without the database: a store that
//!   counts (and refuses) head reads sees none after start;
//! - immutable answers carry `Cache-Control: …immutable`, latest ones
//!   `no-store`;
//! - a client that stops reading the record is cut off by the write
//!   timeout, and the stream cap refuses one download too many;
//! - a mirror refuses an upstream answer larger than a correct one can be.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{big_sample, path_for, request, Answer, Backend, TestDb};
use hyper::{Method, StatusCode};
use urna_board::store::postgres::PgStore;
use urna_board::store::sqlite::SqliteStore;
use urna_board::store::{
    BallotRow, BoxFut, ElectionCommit, ReadPool, Store, StoreError, StoreResult, StoredEntry,
    StoredHead,
};
use urna_board::{Config, RunningBoard};

/// A board over a store opened here with `read` connections, and a probe
/// of how many connections its read pool holds now.
struct Board {
    board: RunningBoard,
    db: TestDb,
    read_pool_size: Box<dyn Fn() -> u32 + Send + Sync>,
}

async fn board_with(
    backend: Backend,
    read: u32,
    set: impl FnOnce(&mut Config),
    wrap: impl FnOnce(Arc<dyn Store>) -> Arc<dyn Store>,
) -> Option<Board> {
    let db = TestDb::new(backend).await?;
    let pool = ReadPool {
        connections: read,
        ..ReadPool::default()
    };
    let (store, read_pool_size): (Arc<dyn Store>, Box<dyn Fn() -> u32 + Send + Sync>) =
        match backend {
            Backend::Sqlite => {
                let s = Arc::new(SqliteStore::open_with(&db.url, pool).await.unwrap());
                let probe = s.clone();
                (s, Box::new(move || probe.read_pool().size()))
            }
            Backend::Postgres => {
                let s = Arc::new(PgStore::open_with(&db.url, pool).await.unwrap());
                let probe = s.clone();
                (s, Box::new(move || probe.read_pool().size()))
            }
        };
    let mut config = db.config();
    config.read_connections = read;
    set(&mut config);
    let board = urna_board::start_with_store(config, wrap(store))
        .await
        .unwrap();
    Some(Board {
        board,
        db,
        read_pool_size,
    })
}

impl Board {
    async fn get(&self, path: &str) -> Answer {
        request(self.board.addr, Method::GET, path, None).await
    }

    async fn stop(self) {
        self.board.shutdown().await;
        self.db.cleanup().await;
    }

    /// The setup of the big sample, posted: returns the election id.
    async fn setup(&self) -> String {
        let s = big_sample();
        for (i, e) in s.setup().iter().enumerate() {
            let body = serde_json::to_vec(&serde_json::json!({"entry": hex::encode(e)})).unwrap();
            let a = request(
                self.board.addr,
                Method::POST,
                &path_for(&s.id, e),
                Some(body),
            )
            .await;
            assert_eq!(
                a.status,
                StatusCode::OK,
                "entry {i}: {}",
                String::from_utf8_lossy(&a.body)
            );
        }
        s.id.clone()
    }
}

fn cache_control(a: &Answer) -> String {
    a.headers
        .get("cache-control")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

fn ballot_body(voter: usize, round: usize) -> Vec<u8> {
    let e = big_sample().ballot(voter, round, 500_000 + (voter * 100 + round) as u64);
    serde_json::to_vec(&serde_json::json!({"entry": hex::encode(e)})).unwrap()
}

/// F18: 24 readers hammer proofs for old sizes, the record, entries pages
/// and `/healthz` over a read pool of 2 connections while 8 clients cast
/// 96 ballots. Every ballot gets its receipt (no 503 to a voter), a
/// reader is answered or told `503 ERR_BUSY` (nothing else), and the read
/// pool never holds more than its 2 connections.
async fn f18_read_flood_does_not_starve_commits(backend: Backend) {
    let Some(b) = board_with(backend, 2, |_| {}, |s| s).await else {
        return;
    };
    let b = Arc::new(b);
    let id = b.setup().await;
    let base = b.get(&format!("/api/elections/{id}")).await.json()["entries"]
        .as_u64()
        .unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let answered = Arc::new(AtomicUsize::new(0));
    let busy = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicU32::new(0));
    let mut readers = Vec::new();
    for r in 0..24u64 {
        let (b, id, stop, answered, busy) = (
            b.clone(),
            id.clone(),
            stop.clone(),
            answered.clone(),
            busy.clone(),
        );
        readers.push(tokio::spawn(async move {
            let mut i = 0u64;
            while !stop.load(Ordering::Relaxed) {
                i += 1;
                let path = match (r + i) % 4 {
                    0 => format!(
                        "/api/elections/{id}/proof/inclusion?index={}&tree_size={base}",
                        i % base
                    ),
                    1 => format!("/api/elections/{id}/record"),
                    2 => format!("/api/elections/{id}/entries?start=0&end={base}"),
                    _ => "/healthz".to_string(),
                };
                let a = b.get(&path).await;
                match a.status {
                    StatusCode::OK => answered.fetch_add(1, Ordering::Relaxed),
                    StatusCode::SERVICE_UNAVAILABLE => {
                        assert_eq!(a.code(), "ERR_BUSY", "{path}");
                        busy.fetch_add(1, Ordering::Relaxed)
                    }
                    s => panic!("{path}: {s} {}", String::from_utf8_lossy(&a.body)),
                };
            }
        }));
    }
    let probe = {
        let (b, stop, most) = (b.clone(), stop.clone(), most.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                most.fetch_max((b.read_pool_size)(), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        })
    };

    let mut voters = Vec::new();
    for c in 0..8usize {
        let (addr, id) = (b.board.addr, id.clone());
        voters.push(tokio::spawn(async move {
            for v in (c..96).step_by(8) {
                let a = request(
                    addr,
                    Method::POST,
                    &format!("/api/elections/{id}/ballots"),
                    Some(ballot_body(v, 1)),
                )
                .await;
                assert_eq!(
                    a.status,
                    StatusCode::OK,
                    "voter {v}: {}",
                    String::from_utf8_lossy(&a.body)
                );
            }
        }));
    }
    for v in voters {
        v.await.unwrap();
    }
    stop.store(true, Ordering::Relaxed);
    for r in readers {
        r.await.unwrap();
    }
    probe.await.unwrap();
    let info = b.get(&format!("/api/elections/{id}")).await.json();
    assert_eq!(info["ballots_cast"], 96, "{info}");
    let most = most.load(Ordering::Relaxed);
    assert!(
        most <= 2,
        "the read pool held {most} connections, more than 2"
    );
    assert!(most >= 1, "the probe never saw the read pool in use");
    assert!(answered.load(Ordering::Relaxed) > 0);
    eprintln!(
        "{backend:?}: {} reads answered, {} busy, read pool at most {most}",
        answered.load(Ordering::Relaxed),
        busy.load(Ordering::Relaxed)
    );
    Arc::into_inner(b).unwrap().stop().await;
}

/// A store that counts head reads and refuses them once `armed`: the
/// read path must find every head without it.
struct NoHeadReads {
    inner: Arc<dyn Store>,
    armed: AtomicBool,
    reads: AtomicUsize,
}

impl Store for NoHeadReads {
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
    fn read_entries<'a>(
        &'a self,
        election: &'a str,
        start: u64,
        end: u64,
        max_bytes: usize,
    ) -> BoxFut<'a, StoreResult<Vec<StoredEntry>>> {
        self.inner.read_entries(election, start, end, max_bytes)
    }
    fn heads<'a>(
        &'a self,
        election: &'a str,
        max_size: u64,
    ) -> BoxFut<'a, StoreResult<Vec<StoredHead>>> {
        if self.armed.load(Ordering::SeqCst) {
            self.reads.fetch_add(1, Ordering::SeqCst);
            return Box::pin(async { Err(StoreError::Unavailable("head read".into())) });
        }
        self.inner.heads(election, max_size)
    }
    fn ballots<'a>(&'a self, election: &'a str) -> BoxFut<'a, StoreResult<Vec<BallotRow>>> {
        self.inner.ballots(election)
    }
    fn commit(&self, batch: Vec<ElectionCommit>) -> BoxFut<'_, StoreResult<()>> {
        self.inner.commit(batch)
    }
    fn ping(&self) -> BoxFut<'_, StoreResult<()>> {
        self.inner.ping()
    }
}

/// Heads of every size the board signed, through proofs, the head
/// endpoint and the record, while head reads from the database are
/// refused: all answered, none read.
async fn heads_of_a_given_size_come_from_memory(backend: Backend) {
    let counting = Arc::new(std::sync::Mutex::new(None::<Arc<NoHeadReads>>));
    let slot = counting.clone();
    let Some(b) = board_with(
        backend,
        4,
        |_| {},
        move |inner| {
            let s = Arc::new(NoHeadReads {
                inner,
                armed: AtomicBool::new(false),
                reads: AtomicUsize::new(0),
            });
            *slot.lock().unwrap() = Some(s.clone());
            s
        },
    )
    .await
    else {
        return;
    };
    let store = counting.lock().unwrap().clone().unwrap();
    let id = b.setup().await;
    // One head per entry of the setup (posted one at a time), then ballots.
    let mut sizes = Vec::new();
    for v in 0..6 {
        let a = request(
            b.board.addr,
            Method::POST,
            &format!("/api/elections/{id}/ballots"),
            Some(ballot_body(v, 2)),
        )
        .await;
        sizes.push(a.receipt().tree_head.tree_size);
    }
    store.armed.store(true, Ordering::SeqCst);
    let latest = *sizes.last().unwrap();
    for &size in &sizes {
        let a = b
            .get(&format!("/api/elections/{id}/tree-head?tree_size={size}"))
            .await;
        assert_eq!(
            a.status,
            StatusCode::OK,
            "{}",
            String::from_utf8_lossy(&a.body)
        );
        let head: urna_log::SignedTreeHead =
            serde_json::from_value(a.json()["tree_head"].clone()).unwrap();
        head.verify(&b.board.public_key, &id).unwrap();
        assert_eq!(head.tree_size, size);
        let p = b
            .get(&format!(
                "/api/elections/{id}/proof/inclusion?index=0&tree_size={size}"
            ))
            .await
            .json();
        assert_eq!(p["tree_head"], a.json()["tree_head"], "size {size}");
        let c = b
            .get(&format!(
                "/api/elections/{id}/proof/consistency?first={size}&second={latest}"
            ))
            .await
            .json();
        assert_eq!(c["first_tree_head"], a.json()["tree_head"], "size {size}");
    }
    let rec = b.get(&format!("/api/elections/{id}/record")).await;
    assert_eq!(rec.status, StatusCode::OK);
    let report = tally::verify::verify_record(&rec.body[..], None);
    assert!(
        report.ok(),
        "the record from memory heads does not verify: {:?}",
        report.failures
    );
    assert_eq!(
        store.reads.load(Ordering::SeqCst),
        0,
        "the read path read heads from the database"
    );
    b.stop().await;
}

/// Immutable answers are cacheable for a year; anything "latest" is not.
async fn immutable_answers_are_cacheable_and_latest_ones_not(backend: Backend) {
    let Some(b) = board_with(backend, 4, |_| {}, |s| s).await else {
        return;
    };
    let id = b.setup().await;
    let size = b.get(&format!("/api/elections/{id}")).await.json()["entries"]
        .as_u64()
        .unwrap();
    let immutable = "public, max-age=31536000, immutable";
    let e = format!("/api/elections/{id}");
    for (path, want) in [
        (format!("{e}/entries?start=0&end=1"), immutable),
        (format!("{e}/entries?start=1&end={}", size - 1), immutable),
        (format!("{e}/entries?start=0&end={size}"), "no-store"),
        (format!("{e}/entries?start=0"), "no-store"),
        (
            format!("{e}/proof/inclusion?index=0&tree_size={size}"),
            immutable,
        ),
        (format!("{e}/proof/inclusion?index=0"), "no-store"),
        (
            format!("{e}/proof/consistency?first=1&second={size}"),
            immutable,
        ),
        (format!("{e}/proof/consistency?first=1"), "no-store"),
        (format!("{e}/tree-head?tree_size=1"), immutable),
        (format!("{e}/tree-head"), "no-store"),
        (format!("{e}/record"), "no-store"),
        (e.clone(), "no-store"),
        ("/api/elections".to_string(), "no-store"),
    ] {
        let a = b.get(&path).await;
        assert_eq!(a.status, StatusCode::OK, "{path}");
        assert_eq!(cache_control(&a), want, "{path}");
    }
    // No head of a size the board never signed: 404, never cached.
    let a = b
        .get(&format!("{e}/tree-head?tree_size={}", size + 1))
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert_eq!(cache_control(&a), "no-store");
    b.stop().await;
}

both_backends!(
    f18_read_flood_does_not_starve_commits,
    heads_of_a_given_size_come_from_memory,
    immutable_answers_are_cacheable_and_latest_ones_not,
);
