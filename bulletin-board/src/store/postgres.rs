//! PostgreSQL storage: `synchronous_commit=on` on every connection (a
//! reported commit survives a crash, docs/attacks.md F1), bulk inserts with
//! `UNNEST` (one round trip per table per batch), and a session advisory
//! lock held for the life of the store, so that two boards never sequence
//! the same database (docs/design.md: the sequencer role; docs/attacks.md E6).

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgConnection, PgPoolOptions};
use sqlx::{Connection, PgPool, Row};
use tokio::sync::Mutex;

use super::{evidence_digest, EvidenceRow, RelayCounts, RelayOutcome, RelayRow};
use super::{
    to_32, to_i64, to_u64, BallotRow, BoxFut, ElectionCommit, Store, StoreError, StoreResult,
    StoredEntry, StoredHead,
};

/// Key of the advisory lock that makes this process the database's sequencer.
const SEQUENCER_LOCK: i64 = 0x75726e61_626f6172; // "urnaboar"

/// The PostgreSQL store.
#[derive(Debug)]
pub struct PgStore {
    pool: PgPool,
    /// Holds the session advisory lock; dropping it releases the lock.
    _lock: Mutex<PgConnection>,
}

impl PgStore {
    /// Connect, take the sequencer lock and migrate.
    pub async fn open(url: &str) -> anyhow::Result<Self> {
        let opts = PgConnectOptions::from_str(url)?.options([("synchronous_commit", "on")]);
        let mut lock = PgConnection::connect_with(&opts).await?;
        let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(SEQUENCER_LOCK)
            .fetch_one(&mut lock)
            .await?;
        if !got {
            anyhow::bail!(
                "another board process holds the sequencer lock of this database; refusing to start (a second sequencer would fork the log)"
            );
        }
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(opts)
            .await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(PgStore {
            pool,
            _lock: Mutex::new(lock),
        })
    }

    /// The pool (tests inspect the schema through it).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

impl Store for PgStore {
    fn init_board_key<'a>(&'a self, public: [u8; 32]) -> BoxFut<'a, StoreResult<()>> {
        Box::pin(async move {
            sqlx::query("INSERT INTO board_meta (name, value) VALUES ('board_key', $1) ON CONFLICT (name) DO NOTHING")
                .bind(public.to_vec())
                .execute(&self.pool)
                .await?;
            let row = sqlx::query("SELECT value FROM board_meta WHERE name = 'board_key'")
                .fetch_one(&self.pool)
                .await?;
            let stored: Vec<u8> = row.try_get("value")?;
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
            rows.iter()
                .map(|r| r.try_get::<String, _>("id").map_err(StoreError::from))
                .collect()
        })
    }

    fn entries<'a>(
        &'a self,
        election: &'a str,
        start: u64,
        end: u64,
    ) -> BoxFut<'a, StoreResult<Vec<StoredEntry>>> {
        Box::pin(async move {
            let rows = sqlx::query(
                "SELECT seq, tag, bytes, leaf_hash FROM entries WHERE election = $1 AND seq >= $2 AND seq < $3 ORDER BY seq",
            )
            .bind(election)
            .bind(to_i64(start)?)
            .bind(to_i64(end.min(i64::MAX as u64))?)
            .fetch_all(&self.pool)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(StoredEntry {
                        seq: to_u64(r.try_get("seq")?)?,
                        tag: u8::try_from(r.try_get::<i16, _>("tag")?)
                            .map_err(|_| StoreError::Integrity("entry tag".into()))?,
                        bytes: r.try_get("bytes")?,
                        leaf_hash: to_32(&r.try_get::<Vec<u8>, _>("leaf_hash")?, "leaf hash")?,
                    })
                })
                .collect()
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
                        tree_size: to_u64(r.try_get("tree_size")?)?,
                        head: r.try_get("head")?,
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
                        tracking_code: to_32(
                            &r.try_get::<Vec<u8>, _>("tracking_code")?,
                            "tracking code",
                        )?,
                        seq: to_u64(r.try_get("seq")?)?,
                        credential: to_32(&r.try_get::<Vec<u8>, _>("credential")?, "credential")?,
                        spoiled: r.try_get("spoiled")?,
                        accepted_at_ms: to_u64(r.try_get("accepted_at_ms")?)?,
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
                    .bind(&c.election)
                    .bind(hash.to_vec())
                    .bind(to_i64(c.now_ms)?)
                    .execute(&mut *tx)
                    .await?;
                }
                if !c.entries.is_empty() {
                    let seqs = c
                        .entries
                        .iter()
                        .map(|e| to_i64(e.seq))
                        .collect::<StoreResult<Vec<i64>>>()?;
                    let tags: Vec<i16> = c.entries.iter().map(|e| i16::from(e.tag)).collect();
                    let bytes: Vec<Vec<u8>> = c.entries.iter().map(|e| e.bytes.clone()).collect();
                    let leaves: Vec<Vec<u8>> =
                        c.entries.iter().map(|e| e.leaf_hash.to_vec()).collect();
                    sqlx::query(
                        "INSERT INTO entries (election, seq, tag, bytes, leaf_hash) \
                         SELECT $1, s, t, b, l FROM UNNEST($2::bigint[], $3::smallint[], $4::bytea[], $5::bytea[]) AS u(s, t, b, l)",
                    )
                    .bind(&c.election)
                    .bind(seqs)
                    .bind(tags)
                    .bind(bytes)
                    .bind(leaves)
                    .execute(&mut *tx)
                    .await?;
                }
                if !c.ballots.is_empty() {
                    let codes: Vec<Vec<u8>> =
                        c.ballots.iter().map(|b| b.tracking_code.to_vec()).collect();
                    let seqs = c
                        .ballots
                        .iter()
                        .map(|b| to_i64(b.seq))
                        .collect::<StoreResult<Vec<i64>>>()?;
                    let creds: Vec<Vec<u8>> =
                        c.ballots.iter().map(|b| b.credential.to_vec()).collect();
                    let spoiled: Vec<bool> = c.ballots.iter().map(|b| b.spoiled).collect();
                    let times = c
                        .ballots
                        .iter()
                        .map(|b| to_i64(b.accepted_at_ms))
                        .collect::<StoreResult<Vec<i64>>>()?;
                    sqlx::query(
                        "INSERT INTO ballots (election, tracking_code, seq, credential, spoiled, accepted_at_ms) \
                         SELECT $1, c, s, k, p, t FROM UNNEST($2::bytea[], $3::bigint[], $4::bytea[], $5::boolean[], $6::bigint[]) AS u(c, s, k, p, t)",
                    )
                    .bind(&c.election)
                    .bind(codes)
                    .bind(seqs)
                    .bind(creds)
                    .bind(spoiled)
                    .bind(times)
                    .execute(&mut *tx)
                    .await?;
                }
                sqlx::query(
                    "INSERT INTO tree_heads (election, tree_size, timestamp_ms, head) VALUES ($1, $2, $3, $4)",
                )
                .bind(&c.election)
                .bind(to_i64(c.head.tree_size)?)
                .bind(to_i64(c.head_timestamp_ms)?)
                .bind(&c.head.head)
                .execute(&mut *tx)
                .await?;
            }
            // Durable on return: synchronous_commit=on waits for the WAL flush.
            tx.commit().await?;
            Ok(())
        })
    }

    fn ping(&self) -> BoxFut<'_, StoreResult<()>> {
        Box::pin(async move {
            sqlx::query("SELECT 1").execute(&self.pool).await?;
            Ok(())
        })
    }
    fn relay_enqueue<'a>(&'a self, row: &'a RelayRow) -> BoxFut<'a, StoreResult<bool>> {
        Box::pin(async move {
            let r = sqlx::query(
                "INSERT INTO relay_queue (election, tracking_code, entry, received_ms, promise) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (election, tracking_code) DO NOTHING",
            )
            .bind(&row.election)
            .bind(row.tracking_code.to_vec())
            .bind(&row.entry)
            .bind(to_i64(row.received_ms)?)
            .bind(&row.promise)
            .execute(&self.pool)
            .await?;
            Ok(r.rows_affected() == 1)
        })
    }

    fn relay_rows<'a>(
        &'a self,
        election: Option<&'a str>,
    ) -> BoxFut<'a, StoreResult<Vec<RelayRow>>> {
        Box::pin(async move {
            let rows = sqlx::query(
                "SELECT q.election, q.tracking_code, q.entry, q.received_ms, q.promise, o.delivered, o.detail, o.at_ms FROM relay_queue q LEFT JOIN relay_outcomes o ON o.election = q.election AND o.tracking_code = q.tracking_code WHERE ($1::TEXT IS NULL OR q.election = $2) ORDER BY q.received_ms, q.tracking_code",
            )
            .bind(election)
            .bind(election)
            .fetch_all(&self.pool)
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
            .bind(tracking_code.to_vec())
            .fetch_optional(&self.pool)
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
            .fetch_all(&self.pool)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok((
                        r.try_get("election")?,
                        to_u64(r.try_get("queued")?)?,
                        to_u64(r.try_get("delivered")?)?,
                        to_u64(r.try_get("refused")?)?,
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
            .bind(tracking_code.to_vec())
            .bind(i64::from(outcome.delivered))
            .bind(&outcome.detail)
            .bind(to_i64(outcome.at_ms)?)
            .execute(&self.pool)
            .await?;
            Ok(())
        })
    }

    fn add_evidence<'a>(&'a self, row: &'a EvidenceRow) -> BoxFut<'a, StoreResult<bool>> {
        Box::pin(async move {
            let r = sqlx::query(
                "INSERT INTO evidence (digest, election, kind, found_ms, evidence) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (digest) DO NOTHING",
            )
            .bind(evidence_digest(&row.evidence))
            .bind(&row.election)
            .bind(&row.kind)
            .bind(to_i64(row.found_ms)?)
            .bind(&row.evidence)
            .execute(&self.pool)
            .await?;
            Ok(r.rows_affected() == 1)
        })
    }

    fn evidence(&self) -> BoxFut<'_, StoreResult<Vec<EvidenceRow>>> {
        Box::pin(async move {
            let rows = sqlx::query(
                "SELECT election, kind, found_ms, evidence FROM evidence ORDER BY found_ms, digest",
            )
            .fetch_all(&self.pool)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(EvidenceRow {
                        election: r.try_get("election")?,
                        kind: r.try_get("kind")?,
                        found_ms: to_u64(r.try_get("found_ms")?)?,
                        evidence: r.try_get("evidence")?,
                    })
                })
                .collect()
        })
    }
}

fn relay_row(r: &sqlx::postgres::PgRow) -> StoreResult<RelayRow> {
    let delivered: Option<i64> = r.try_get("delivered")?;
    let outcome = match delivered {
        None => None,
        Some(d) => Some(RelayOutcome {
            delivered: d == 1,
            detail: r.try_get("detail")?,
            at_ms: to_u64(r.try_get("at_ms")?)?,
        }),
    };
    Ok(RelayRow {
        election: r.try_get("election")?,
        tracking_code: to_32(&r.try_get::<Vec<u8>, _>("tracking_code")?, "tracking code")?,
        entry: r.try_get("entry")?,
        received_ms: to_u64(r.try_get("received_ms")?)?,
        promise: r.try_get("promise")?,
        outcome,
    })
}
