//! Everything in which the two databases differ, in one place: how a
//! connection is opened and made durable, which migrations folder applies,
//! the sequencer lock, how a batch of entries and ballots is inserted, and
//! how a driver reports affected rows. The shared queries (`sql.rs`) are
//! written once in the SQL both accept: `$N` placeholders (sqlx's SQLite
//! driver binds `$N` like `?N`), `ON CONFLICT … DO NOTHING`, and `CAST(…)`
//! instead of PostgreSQL's `::`.
//!
//! SQLite: WAL journal, `synchronous=FULL` (a commit is on disk before it
//! returns, docs/attacks.md F1), foreign keys on, 4 connections for the
//! writer; the read pool's connections are opened read-only.
//!
//! PostgreSQL: `synchronous_commit=on` on every connection (a reported
//! commit survives a crash, docs/attacks.md F1), bulk inserts with `UNNEST`
//! (one round trip per table per batch), 8 connections for the writer (the
//! read pool's sessions are `default_transaction_read_only`), and a session
//! advisory lock held for the life of the store, so that two boards never
//! sequence the same database (docs/design.md: the sequencer role;
//! docs/attacks.md E6).

use std::future::Future;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgConnection, PgPoolOptions, PgQueryResult};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePoolOptions,
    SqliteQueryResult, SqliteSynchronous,
};
use sqlx::{Connection, Database, Pool, Postgres, Sqlite};
use tokio::sync::Mutex;

use super::{to_i64, BallotRow, ReadPool, StoreResult, StoredEntry};

/// What one database does its own way (implemented by `sqlx::Sqlite` and
/// `sqlx::Postgres`; the store over it is [`super::SqlStore`]).
pub trait Dialect: Database {
    /// Held for the life of the store (PostgreSQL: the connection that
    /// owns the sequencer lock; dropping it releases the lock).
    type Guard: Send + Sync + std::fmt::Debug + 'static;

    /// Connect with this database's durability settings and pool size,
    /// take the guard, and migrate; then open the separate, bounded pool
    /// of the read path (`read`), which never writes.
    fn connect(
        url: &str,
        read: ReadPool,
    ) -> impl Future<Output = anyhow::Result<(Pool<Self>, Pool<Self>, Self::Guard)>> + Send;

    /// Rows an `INSERT … ON CONFLICT DO NOTHING` wrote.
    fn rows_affected(result: &Self::QueryResult) -> u64;

    /// Insert log entries of one election inside the commit's transaction.
    fn insert_entries<'a>(
        tx: &'a mut Self::Connection,
        election: &'a str,
        entries: &'a [StoredEntry],
    ) -> impl Future<Output = StoreResult<()>> + Send + 'a;

    /// Insert ballot index rows of one election inside the commit's
    /// transaction.
    fn insert_ballots<'a>(
        tx: &'a mut Self::Connection,
        election: &'a str,
        ballots: &'a [BallotRow],
    ) -> impl Future<Output = StoreResult<()>> + Send + 'a;
}

impl Dialect for Sqlite {
    type Guard = ();

    /// `url` is `sqlite://path`, `sqlite:path` or a plain path; the file is
    /// created if missing.
    async fn connect(url: &str, read: ReadPool) -> anyhow::Result<(Pool<Self>, Pool<Self>, ())> {
        let url = if url.starts_with("sqlite:") {
            url.to_string()
        } else {
            format!("sqlite://{url}")
        };
        let opts = SqliteConnectOptions::from_str(&url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(opts.clone())
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        // Opened lazily, after the writer created the file and the WAL.
        let reads = SqlitePoolOptions::new()
            .max_connections(read.connections.max(1))
            .min_connections(0)
            .acquire_timeout(read.acquire_timeout)
            .connect_lazy_with(opts.read_only(true));
        Ok((pool, reads, ()))
    }

    fn rows_affected(result: &SqliteQueryResult) -> u64 {
        result.rows_affected()
    }

    // One statement per row: SQLite runs in-process, so a round trip is a
    // function call.
    async fn insert_entries(
        tx: &mut SqliteConnection,
        election: &str,
        entries: &[StoredEntry],
    ) -> StoreResult<()> {
        for e in entries {
            sqlx::query(
                "INSERT INTO entries (election, seq, tag, bytes, leaf_hash) VALUES (?, ?, ?, ?, ?)",
            )
            .bind(election)
            .bind(to_i64(e.seq)?)
            .bind(i64::from(e.tag))
            .bind(&e.bytes)
            .bind(e.leaf_hash.to_vec())
            .execute(&mut *tx)
            .await?;
        }
        Ok(())
    }

    async fn insert_ballots(
        tx: &mut SqliteConnection,
        election: &str,
        ballots: &[BallotRow],
    ) -> StoreResult<()> {
        for b in ballots {
            sqlx::query(
                "INSERT INTO ballots (election, tracking_code, seq, credential, spoiled, accepted_at_ms) VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind(election)
            .bind(b.tracking_code.to_vec())
            .bind(to_i64(b.seq)?)
            .bind(b.credential.to_vec())
            .bind(b.spoiled)
            .bind(to_i64(b.accepted_at_ms)?)
            .execute(&mut *tx)
            .await?;
        }
        Ok(())
    }
}

/// Key of the advisory lock that makes this process the database's sequencer.
const SEQUENCER_LOCK: i64 = 0x75726e61_626f6172; // "urnaboar"

/// Tries for the sequencer lock, 100 ms apart, before refusing to start.
const LOCK_ATTEMPTS: u32 = 50;

impl Dialect for Postgres {
    type Guard = Mutex<PgConnection>;

    async fn connect(
        url: &str,
        read: ReadPool,
    ) -> anyhow::Result<(Pool<Self>, Pool<Self>, Mutex<PgConnection>)> {
        let opts = PgConnectOptions::from_str(url)?.options([("synchronous_commit", "on")]);
        let mut lock = PgConnection::connect_with(&opts).await?;
        // A board restarting right after its predecessor stopped finds the
        // lock still held until the server notices the old session is gone
        // (the socket close is not awaited): wait a little for it, then
        // refuse, so a second live sequencer is still never admitted.
        let mut got = false;
        for attempt in 0..LOCK_ATTEMPTS {
            got = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
                .bind(SEQUENCER_LOCK)
                .fetch_one(&mut lock)
                .await?;
            if got || attempt + 1 == LOCK_ATTEMPTS {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        if !got {
            anyhow::bail!(
                "another board process holds the sequencer lock of this database; refusing to start (a second sequencer would fork the log)"
            );
        }
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(opts.clone())
            .await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        let reads = PgPoolOptions::new()
            .max_connections(read.connections.max(1))
            .min_connections(0)
            .acquire_timeout(read.acquire_timeout)
            .connect_lazy_with(opts.options([("default_transaction_read_only", "on")]));
        Ok((pool, reads, Mutex::new(lock)))
    }

    fn rows_affected(result: &PgQueryResult) -> u64 {
        result.rows_affected()
    }

    // One statement per table per batch: the columns travel as arrays.
    async fn insert_entries(
        tx: &mut PgConnection,
        election: &str,
        entries: &[StoredEntry],
    ) -> StoreResult<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let seqs = entries
            .iter()
            .map(|e| to_i64(e.seq))
            .collect::<StoreResult<Vec<i64>>>()?;
        let tags: Vec<i16> = entries.iter().map(|e| i16::from(e.tag)).collect();
        let bytes: Vec<Vec<u8>> = entries.iter().map(|e| e.bytes.clone()).collect();
        let leaves: Vec<Vec<u8>> = entries.iter().map(|e| e.leaf_hash.to_vec()).collect();
        sqlx::query(
            "INSERT INTO entries (election, seq, tag, bytes, leaf_hash) \
             SELECT $1, s, t, b, l FROM UNNEST($2::bigint[], $3::smallint[], $4::bytea[], $5::bytea[]) AS u(s, t, b, l)",
        )
        .bind(election)
        .bind(seqs)
        .bind(tags)
        .bind(bytes)
        .bind(leaves)
        .execute(&mut *tx)
        .await?;
        Ok(())
    }

    async fn insert_ballots(
        tx: &mut PgConnection,
        election: &str,
        ballots: &[BallotRow],
    ) -> StoreResult<()> {
        if ballots.is_empty() {
            return Ok(());
        }
        let codes: Vec<Vec<u8>> = ballots.iter().map(|b| b.tracking_code.to_vec()).collect();
        let seqs = ballots
            .iter()
            .map(|b| to_i64(b.seq))
            .collect::<StoreResult<Vec<i64>>>()?;
        let creds: Vec<Vec<u8>> = ballots.iter().map(|b| b.credential.to_vec()).collect();
        let spoiled: Vec<bool> = ballots.iter().map(|b| b.spoiled).collect();
        let times = ballots
            .iter()
            .map(|b| to_i64(b.accepted_at_ms))
            .collect::<StoreResult<Vec<i64>>>()?;
        sqlx::query(
            "INSERT INTO ballots (election, tracking_code, seq, credential, spoiled, accepted_at_ms) \
             SELECT $1, c, s, k, p, t FROM UNNEST($2::bytea[], $3::bigint[], $4::bytea[], $5::boolean[], $6::bigint[]) AS u(c, s, k, p, t)",
        )
        .bind(election)
        .bind(codes)
        .bind(seqs)
        .bind(creds)
        .bind(spoiled)
        .bind(times)
        .execute(&mut *tx)
        .await?;
        Ok(())
    }
}
