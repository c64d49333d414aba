//! The one store: every query of [`Store`] written once, generic over the
//! sqlx database, with what differs between SQLite and PostgreSQL behind
//! [`Dialect`] (`dialect.rs`).
//!
//! Why a generic over `sqlx::Database` rather than sqlx's `Any` driver or a
//! macro: `Any` (sqlx 0.8) has no array types, so PostgreSQL would lose its
//! one-statement `UNNEST` batch insert; its connect options are a URL only,
//! so WAL, `synchronous=FULL`, foreign keys, the busy timeout and
//! `synchronous_commit` would move into URL parameters and after-connect
//! hooks; it does not rewrite placeholders either; and it decodes through a
//! runtime value enum. A macro would keep two expanded copies and hide the
//! shared code from rustfmt and from type errors at its definition. The
//! generic is checked once against the exact column types both drivers
//! need, each instance is the native driver, and the differences are one
//! trait with two implementations.

use futures_util::TryStreamExt as _;
use sqlx::{ColumnIndex, Decode, Encode, Executor, IntoArguments, Pool, Row, Type};

use super::dialect::Dialect;
use super::ReadPool;
use super::{evidence_digest, EvidenceRow, RelayCounts, RelayOutcome, RelayRow};
use super::{
    to_32, to_i64, to_u64, BallotRow, BoxFut, ElectionCommit, Store, StoreError, StoreResult,
    StoredEntry, StoredHead,
};

/// The board's store over database `D` ([`super::sqlite::SqliteStore`],
/// [`super::postgres::PgStore`]).
#[derive(Debug)]
pub struct SqlStore<D: Dialect> {
    /// The writer's: commits, replays, a mirror's queue.
    pool: Pool<D>,
    /// The read path's, bounded (`store/mod.rs`).
    reads: Pool<D>,
    /// What the dialect holds for the life of the store (the sequencer lock).
    _guard: D::Guard,
}

impl<D: Dialect> Clone for SqlStore<D>
where
    D::Guard: Clone,
{
    fn clone(&self) -> Self {
        SqlStore {
            pool: self.pool.clone(),
            reads: self.reads.clone(),
            _guard: self._guard.clone(),
        }
    }
}

impl<D: Dialect> SqlStore<D> {
    /// Connect, take the dialect's guard (PostgreSQL: the sequencer lock)
    /// and migrate. SQLite takes `sqlite://path`, `sqlite:path` or a plain
    /// path, and creates the file if missing.
    pub async fn open(url: &str) -> anyhow::Result<Self> {
        Self::open_with(url, ReadPool::default()).await
    }

    /// [`SqlStore::open`] with this read pool.
    pub async fn open_with(url: &str, read: ReadPool) -> anyhow::Result<Self> {
        let (pool, reads, guard) = D::connect(url, read).await?;
        Ok(SqlStore {
            pool,
            reads,
            _guard: guard,
        })
    }

    /// The writer's pool (tests inspect the schema through it).
    pub fn pool(&self) -> &Pool<D> {
        &self.pool
    }

    /// The read path's pool (tests check its bound).
    pub fn read_pool(&self) -> &Pool<D> {
        &self.reads
    }
}

/// Typed column reads, by name: BIGINT, TEXT, BLOB/BYTEA, BOOLEAN.
pub trait ReadRow {
    /// A BIGINT column.
    fn int(&self, col: &str) -> StoreResult<i64>;
    /// A nullable BIGINT column (from a LEFT JOIN).
    fn opt_int(&self, col: &str) -> StoreResult<Option<i64>>;
    /// A TEXT column.
    fn text(&self, col: &str) -> StoreResult<String>;
    /// A BLOB/BYTEA column.
    fn bytes(&self, col: &str) -> StoreResult<Vec<u8>>;
    /// A BOOLEAN column.
    fn flag(&self, col: &str) -> StoreResult<bool>;

    /// A non-negative BIGINT column.
    fn uint(&self, col: &str) -> StoreResult<u64> {
        to_u64(self.int(col)?)
    }
    /// A 32-byte BLOB/BYTEA column.
    fn bytes32(&self, col: &str, what: &str) -> StoreResult<[u8; 32]> {
        to_32(&self.bytes(col)?, what)
    }
}

impl<R: Row> ReadRow for R
where
    for<'c> &'c str: ColumnIndex<R>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Option<i64>: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Vec<u8>: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> bool: Decode<'r, R::Database> + Type<R::Database>,
{
    fn int(&self, col: &str) -> StoreResult<i64> {
        Ok(self.try_get(col)?)
    }
    fn opt_int(&self, col: &str) -> StoreResult<Option<i64>> {
        Ok(self.try_get(col)?)
    }
    fn text(&self, col: &str) -> StoreResult<String> {
        Ok(self.try_get(col)?)
    }
    fn bytes(&self, col: &str) -> StoreResult<Vec<u8>> {
        Ok(self.try_get(col)?)
    }
    fn flag(&self, col: &str) -> StoreResult<bool> {
        Ok(self.try_get(col)?)
    }
}

impl<D: Dialect> Store for SqlStore<D>
where
    for<'c> &'c mut D::Connection: Executor<'c, Database = D>,
    for<'q> D::Arguments<'q>: IntoArguments<'q, D>,
    for<'q> i64: Encode<'q, D> + Type<D>,
    for<'q> bool: Encode<'q, D> + Type<D>,
    for<'q> &'q str: Encode<'q, D> + Type<D>,
    for<'q> Option<&'q str>: Encode<'q, D> + Type<D>,
    for<'q> &'q [u8]: Encode<'q, D> + Type<D>,
    D::Row: ReadRow,
{
    fn init_board_key<'a>(&'a self, public: [u8; 32]) -> BoxFut<'a, StoreResult<()>> {
        Box::pin(async move {
            sqlx::query("INSERT INTO board_meta (name, value) VALUES ('board_key', $1) ON CONFLICT (name) DO NOTHING")
                .bind(&public[..])
                .execute(&self.pool)
                .await?;
            let row = sqlx::query("SELECT value FROM board_meta WHERE name = 'board_key'")
                .fetch_one(&self.pool)
                .await?;
            let stored = row.bytes("value")?;
            if stored != public {
                return Err(StoreError::Integrity(format!(
                    "this database belongs to board key {}, not {}",
                    hex::encode(stored),
                    hex::encode(public)
                )));
            }
            Ok(())
        })
    }

    fn elections(&self) -> BoxFut<'_, StoreResult<Vec<String>>> {
        Box::pin(async move {
            let rows = sqlx::query("SELECT id FROM elections ORDER BY created_at_ms, id")
                .fetch_all(&self.pool)
                .await?;
            rows.iter().map(|r| r.text("id")).collect()
        })
    }

    fn entries<'a>(
        &'a self,
        election: &'a str,
        start: u64,
        end: u64,
    ) -> BoxFut<'a, StoreResult<Vec<StoredEntry>>> {
        Box::pin(async move {
            // The tag column is SMALLINT on PostgreSQL, INTEGER on SQLite:
            // read both as BIGINT.
            let rows = sqlx::query(
                "SELECT seq, CAST(tag AS BIGINT) AS tag, bytes, leaf_hash FROM entries WHERE election = $1 AND seq >= $2 AND seq < $3 ORDER BY seq",
            )
            .bind(election)
            .bind(to_i64(start)?)
            .bind(to_i64(end.min(i64::MAX as u64))?)
            .fetch_all(&self.pool)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(StoredEntry {
                        seq: r.uint("seq")?,
                        tag: u8::try_from(r.int("tag")?)
                            .map_err(|_| StoreError::Integrity("entry tag".into()))?,
                        bytes: r.bytes("bytes")?,
                        leaf_hash: r.bytes32("leaf_hash", "leaf hash")?,
                    })
                })
                .collect()
        })
    }

    fn read_entries<'a>(
        &'a self,
        election: &'a str,
        start: u64,
        end: u64,
        max_bytes: usize,
    ) -> BoxFut<'a, StoreResult<Vec<StoredEntry>>> {
        Box::pin(async move {
            let end = to_i64(end.min(i64::MAX as u64))?;
            let mut rows = sqlx::query(
                "SELECT seq, CAST(tag AS BIGINT) AS tag, bytes, leaf_hash FROM entries WHERE election = $1 AND seq >= $2 AND seq < $3 ORDER BY seq",
            )
            .bind(election)
            .bind(to_i64(start)?)
            .bind(end)
            .fetch(&self.reads);
            // Row by row, so that a page of large entries is never read
            // whole: stop at the byte budget.
            let mut out: Vec<StoredEntry> = Vec::new();
            let mut total = 0usize;
            while let Some(r) = rows.try_next().await? {
                let bytes = r.bytes("bytes")?;
                total = total.saturating_add(bytes.len());
                if !out.is_empty() && total > max_bytes {
                    break;
                }
                out.push(StoredEntry {
                    seq: r.uint("seq")?,
                    tag: u8::try_from(r.int("tag")?)
                        .map_err(|_| StoreError::Integrity("entry tag".into()))?,
                    bytes,
                    leaf_hash: r.bytes32("leaf_hash", "leaf hash")?,
                });
            }
            Ok(out)
        })
    }

    fn heads<'a>(
        &'a self,
        election: &'a str,
        max_size: u64,
    ) -> BoxFut<'a, StoreResult<Vec<StoredHead>>> {
        Box::pin(async move {
            let rows = sqlx::query(
                "SELECT tree_size, head FROM tree_heads WHERE election = $1 AND tree_size <= $2 ORDER BY tree_size",
            )
            .bind(election)
            .bind(to_i64(max_size.min(i64::MAX as u64))?)
            .fetch_all(&self.pool)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(StoredHead {
                        tree_size: r.uint("tree_size")?,
                        head: r.bytes("head")?,
                    })
                })
                .collect()
        })
    }

    fn ballots<'a>(&'a self, election: &'a str) -> BoxFut<'a, StoreResult<Vec<BallotRow>>> {
        Box::pin(async move {
            let rows = sqlx::query(
                "SELECT tracking_code, seq, credential, spoiled, accepted_at_ms FROM ballots WHERE election = $1 ORDER BY seq",
            )
            .bind(election)
            .fetch_all(&self.pool)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(BallotRow {
                        tracking_code: r.bytes32("tracking_code", "tracking code")?,
                        seq: r.uint("seq")?,
                        credential: r.bytes32("credential", "credential")?,
                        spoiled: r.flag("spoiled")?,
                        accepted_at_ms: r.uint("accepted_at_ms")?,
                    })
                })
                .collect()
        })
    }

    fn commit(&self, batch: Vec<ElectionCommit>) -> BoxFut<'_, StoreResult<()>> {
        Box::pin(async move {
            let mut tx = self.pool.begin().await?;
            for c in &batch {
                if let Some(hash) = c.create {
                    sqlx::query(
                        "INSERT INTO elections (id, manifest_hash, created_at_ms) VALUES ($1, $2, $3)",
                    )
                    .bind(c.election.as_str())
                    .bind(&hash[..])
                    .bind(to_i64(c.now_ms)?)
                    .execute(&mut *tx)
                    .await?;
                }
                D::insert_entries(&mut *tx, &c.election, &c.entries).await?;
                D::insert_ballots(&mut *tx, &c.election, &c.ballots).await?;
                sqlx::query(
                    "INSERT INTO tree_heads (election, tree_size, timestamp_ms, head) VALUES ($1, $2, $3, $4)",
                )
                .bind(c.election.as_str())
                .bind(to_i64(c.head.tree_size)?)
                .bind(to_i64(c.head_timestamp_ms)?)
                .bind(c.head.head.as_slice())
                .execute(&mut *tx)
                .await?;
            }
            // Durable on return: SQLite's WAL + synchronous=FULL fsyncs the
            // WAL at commit; PostgreSQL's synchronous_commit=on waits for
            // the WAL flush.
            tx.commit().await?;
            Ok(())
        })
    }

    fn ping(&self) -> BoxFut<'_, StoreResult<()>> {
        Box::pin(async move {
            sqlx::query("SELECT 1").execute(&self.reads).await?;
            Ok(())
        })
    }

    fn relay_enqueue<'a>(&'a self, row: &'a RelayRow) -> BoxFut<'a, StoreResult<bool>> {
        Box::pin(async move {
            let r = sqlx::query(
                "INSERT INTO relay_queue (election, tracking_code, entry, received_ms, promise) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (election, tracking_code) DO NOTHING",
            )
            .bind(row.election.as_str())
            .bind(&row.tracking_code[..])
            .bind(row.entry.as_slice())
            .bind(to_i64(row.received_ms)?)
            .bind(row.promise.as_slice())
            .execute(&self.pool)
            .await?;
            Ok(D::rows_affected(&r) == 1)
        })
    }

    fn relay_rows<'a>(
        &'a self,
        election: Option<&'a str>,
    ) -> BoxFut<'a, StoreResult<Vec<RelayRow>>> {
        Box::pin(async move {
            let rows = sqlx::query(
                "SELECT q.election, q.tracking_code, q.entry, q.received_ms, q.promise, o.delivered, o.detail, o.at_ms FROM relay_queue q LEFT JOIN relay_outcomes o ON o.election = q.election AND o.tracking_code = q.tracking_code WHERE (CAST($1 AS TEXT) IS NULL OR q.election = $2) ORDER BY q.received_ms, q.tracking_code",
            )
            .bind(election)
            .bind(election)
            .fetch_all(&self.reads)
            .await?;
            rows.iter().map(relay_row).collect()
        })
    }

    fn relay_row<'a>(
        &'a self,
        election: &'a str,
        tracking_code: [u8; 32],
    ) -> BoxFut<'a, StoreResult<Option<RelayRow>>> {
        Box::pin(async move {
            let row = sqlx::query(
                "SELECT q.election, q.tracking_code, q.entry, q.received_ms, q.promise, o.delivered, o.detail, o.at_ms FROM relay_queue q LEFT JOIN relay_outcomes o ON o.election = q.election AND o.tracking_code = q.tracking_code WHERE q.election = $1 AND q.tracking_code = $2",
            )
            .bind(election)
            .bind(&tracking_code[..])
            .fetch_optional(&self.reads)
            .await?;
            row.as_ref().map(relay_row).transpose()
        })
    }

    fn relay_pending(&self) -> BoxFut<'_, StoreResult<Vec<RelayRow>>> {
        Box::pin(async move {
            let rows = sqlx::query(
                "SELECT q.election, q.tracking_code, q.entry, q.received_ms, q.promise, o.delivered, o.detail, o.at_ms FROM relay_queue q LEFT JOIN relay_outcomes o ON o.election = q.election AND o.tracking_code = q.tracking_code WHERE o.election IS NULL ORDER BY q.received_ms, q.tracking_code",
            )
            .fetch_all(&self.pool)
            .await?;
            rows.iter().map(relay_row).collect()
        })
    }

    fn relay_counts(&self) -> BoxFut<'_, StoreResult<Vec<RelayCounts>>> {
        Box::pin(async move {
            let rows = sqlx::query(
                "SELECT q.election AS election, SUM(CASE WHEN o.election IS NULL THEN 1 ELSE 0 END) AS queued, SUM(CASE WHEN o.delivered = 1 THEN 1 ELSE 0 END) AS delivered, SUM(CASE WHEN o.delivered = 0 THEN 1 ELSE 0 END) AS refused FROM relay_queue q LEFT JOIN relay_outcomes o ON o.election = q.election AND o.tracking_code = q.tracking_code GROUP BY q.election ORDER BY q.election",
            )
            .fetch_all(&self.reads)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok((
                        r.text("election")?,
                        r.uint("queued")?,
                        r.uint("delivered")?,
                        r.uint("refused")?,
                    ))
                })
                .collect()
        })
    }

    fn relay_finish<'a>(
        &'a self,
        election: &'a str,
        tracking_code: [u8; 32],
        outcome: &'a RelayOutcome,
    ) -> BoxFut<'a, StoreResult<()>> {
        Box::pin(async move {
            sqlx::query(
                "INSERT INTO relay_outcomes (election, tracking_code, delivered, detail, at_ms) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (election, tracking_code) DO NOTHING",
            )
            .bind(election)
            .bind(&tracking_code[..])
            .bind(i64::from(outcome.delivered))
            .bind(outcome.detail.as_str())
            .bind(to_i64(outcome.at_ms)?)
            .execute(&self.pool)
            .await?;
            Ok(())
        })
    }

    fn add_evidence<'a>(&'a self, row: &'a EvidenceRow) -> BoxFut<'a, StoreResult<bool>> {
        Box::pin(async move {
            let digest = evidence_digest(&row.evidence);
            let r = sqlx::query(
                "INSERT INTO evidence (digest, election, kind, found_ms, evidence) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (digest) DO NOTHING",
            )
            .bind(digest.as_slice())
            .bind(row.election.as_str())
            .bind(row.kind.as_str())
            .bind(to_i64(row.found_ms)?)
            .bind(row.evidence.as_slice())
            .execute(&self.pool)
            .await?;
            Ok(D::rows_affected(&r) == 1)
        })
    }

    fn evidence(&self) -> BoxFut<'_, StoreResult<Vec<EvidenceRow>>> {
        Box::pin(async move {
            let rows = sqlx::query(
                "SELECT election, kind, found_ms, evidence FROM evidence ORDER BY found_ms, digest",
            )
            .fetch_all(&self.reads)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(EvidenceRow {
                        election: r.text("election")?,
                        kind: r.text("kind")?,
                        found_ms: r.uint("found_ms")?,
                        evidence: r.bytes("evidence")?,
                    })
                })
                .collect()
        })
    }
}

fn relay_row(r: &impl ReadRow) -> StoreResult<RelayRow> {
    let outcome = match r.opt_int("delivered")? {
        None => None,
        Some(d) => Some(RelayOutcome {
            delivered: d == 1,
            detail: r.text("detail")?,
            at_ms: r.uint("at_ms")?,
        }),
    };
    Ok(RelayRow {
        election: r.text("election")?,
        tracking_code: r.bytes32("tracking_code", "tracking code")?,
        entry: r.bytes("entry")?,
        received_ms: r.uint("received_ms")?,
        promise: r.bytes("promise")?,
        outcome,
    })
}
