//! The one store on both databases: durability settings, pool sizes, the
//! board-key check, the commit's all-or-nothing and its error mapping, the
//! sequencer lock. PostgreSQL runs when `URNA_TEST_POSTGRES_URL` is set (a
//! fresh database per test), as in the board's integration tests.

use sqlx::Connection;

use super::postgres::PgStore;
use super::sqlite::SqliteStore;
use super::*;

fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() % 1_000_000_000)
        .unwrap_or(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}_{}_{n}_{t}", std::process::id())
}

/// A fresh PostgreSQL database: `(server URL, name, database URL)`.
async fn pg_database() -> Option<(String, String, String)> {
    let base = match std::env::var("URNA_TEST_POSTGRES_URL") {
        Ok(u) if !u.is_empty() => u,
        _ => {
            assert!(
                !std::env::var("CI").is_ok_and(|v| v == "true"),
                "URNA_TEST_POSTGRES_URL is not set"
            );
            eprintln!("SKIPPED: URNA_TEST_POSTGRES_URL is not set");
            return None;
        }
    };
    let name = unique("urna_store");
    let mut c = sqlx::PgConnection::connect(&base).await.unwrap();
    // `name` is made here (letters, digits, `_`).
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut c)
        .await
        .unwrap();
    let (prefix, _) = base.rsplit_once('/').unwrap();
    let url = format!("{prefix}/{name}");
    Some((base, name, url))
}

async fn drop_pg_database(base: &str, name: &str) {
    if let Ok(mut c) = sqlx::PgConnection::connect(base).await {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut c)
            .await;
    }
}

fn entry(seq: u64) -> StoredEntry {
    StoredEntry {
        seq,
        tag: 200 + seq as u8,
        bytes: vec![seq as u8; 3],
        leaf_hash: [seq as u8; 32],
    }
}

fn batch(election: &str, create: bool, seqs: std::ops::Range<u64>) -> ElectionCommit {
    let end = seqs.end;
    ElectionCommit {
        election: election.into(),
        create: create.then_some([7; 32]),
        ballots: seqs
            .clone()
            .map(|s| BallotRow {
                tracking_code: [s as u8 + 1; 32],
                seq: s,
                credential: [9; 32],
                spoiled: s % 2 == 1,
                accepted_at_ms: 1_000 + s,
            })
            .collect(),
        entries: seqs.map(entry).collect(),
        head: StoredHead {
            tree_size: end,
            head: vec![end as u8; 162],
        },
        head_timestamp_ms: 5_000 + end,
        now_ms: 4_000,
    }
}

/// What both databases must do alike.
async fn behaves(store: &dyn Store) {
    store.init_board_key([1; 32]).await.unwrap();
    store.init_board_key([1; 32]).await.unwrap();
    assert!(matches!(
        store.init_board_key([2; 32]).await,
        Err(StoreError::Integrity(_))
    ));

    store
        .commit(vec![batch("e1", true, 0..2), batch("e2", true, 0..1)])
        .await
        .unwrap();
    store.commit(vec![batch("e1", false, 2..3)]).await.unwrap();
    assert_eq!(store.elections().await.unwrap(), ["e1", "e2"]);
    assert_eq!(
        store.entries("e1", 0, u64::MAX).await.unwrap(),
        (0..3).map(entry).collect::<Vec<_>>()
    );
    assert_eq!(
        store.entries("e1", 1, 2).await.unwrap(),
        vec![entry(1)],
        "half-open range"
    );
    let heads = store.heads("e1", u64::MAX).await.unwrap();
    assert_eq!(
        heads.iter().map(|h| h.tree_size).collect::<Vec<_>>(),
        [2, 3]
    );
    assert_eq!(heads[1].head, vec![3; 162]);
    assert_eq!(store.heads("e1", 2).await.unwrap().len(), 1);
    let mut want = batch("e1", false, 0..2).ballots;
    want.extend(batch("e1", false, 2..3).ballots);
    assert_eq!(store.ballots("e1").await.unwrap(), want);

    // The compare-and-swap: the same log index twice, an election created
    // twice, an entry of an unknown election: a conflict, and nothing of
    // the batch is kept (the valid e3 in the same batch included).
    for bad in [
        batch("e1", false, 2..3),
        batch("e2", true, 1..2),
        batch("nope", false, 0..1),
    ] {
        let r = store.commit(vec![batch("e3", true, 0..1), bad]).await;
        assert!(matches!(r, Err(StoreError::Conflict(_))), "{r:?}");
    }
    assert_eq!(store.elections().await.unwrap(), ["e1", "e2"]);
    assert_eq!(store.entries("e1", 0, u64::MAX).await.unwrap().len(), 3);
    assert_eq!(store.heads("e2", u64::MAX).await.unwrap().len(), 1);
    store.ping().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_store() {
    let dir = std::env::temp_dir().join(unique("urna-store-test"));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("board.db");
    // A plain path is accepted and the file created.
    let store = SqliteStore::open(path.to_str().unwrap()).await.unwrap();
    assert_eq!(store.pool().options().get_max_connections(), 4);
    let mut c = store.pool().acquire().await.unwrap();
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut *c)
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
        .fetch_one(&mut *c)
        .await
        .unwrap();
    assert_eq!(sync, 2, "synchronous=FULL");
    let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(&mut *c)
        .await
        .unwrap();
    assert_eq!(fk, 1);
    drop(c);
    behaves(&store).await;
    store.pool().close().await;
    drop(store);
    // Reopened through `open`, by URL, the log is still there.
    let store = open(&format!("sqlite://{}", path.display())).await.unwrap();
    assert_eq!(store.entries("e1", 0, u64::MAX).await.unwrap().len(), 3);
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_store() {
    let Some((base, name, url)) = pg_database().await else {
        return;
    };
    let store = PgStore::open(&url).await.unwrap();
    assert_eq!(store.pool().options().get_max_connections(), 8);
    let sync: String = sqlx::query_scalar("SHOW synchronous_commit")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(sync, "on");
    // A second sequencer on the same database is refused.
    let second = PgStore::open(&url).await;
    let err = second.expect_err("a second store took the sequencer lock");
    assert!(err.to_string().contains("sequencer lock"), "{err}");
    behaves(&store).await;
    drop(store);
    drop_pg_database(&base, &name).await;
}
