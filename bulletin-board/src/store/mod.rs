//! Storage behind one trait ([`Store`]) with one implementation over sqlx,
//! [`SqlStore`], for both databases: SQLite ([`sqlite::SqliteStore`], WAL +
//! `synchronous=FULL`, the embedded default) and PostgreSQL
//! ([`postgres::PgStore`], `synchronous_commit=on`). The queries are written
//! once (`sql.rs`); what the databases do differently (connection settings,
//! migrations, the sequencer lock, batch inserts) is the [`Dialect`] trait
//! (`dialect.rs`).
//!
//! Two pools (docs/attacks.md F18): the writer's — the sequencer's commits,
//! its replays, a mirror's queue — and a separate, bounded pool for the
//! read path ([`ReadPool`]: entries pages, the record, `/healthz`, a
//! mirror's queue and evidence lookups), so that no number of readers can
//! take the connection a commit needs. A read that waits longer than the
//! read pool's acquire timeout fails (503); a commit never waits on a
//! reader.
//!
//! Every query is a runtime `sqlx::query(..).bind(..)`: no input is ever
//! formatted into SQL (docs/attacks.md F9). The log tables are append-only
//! (triggers reject UPDATE/DELETE), and their primary keys make the
//! sequencer's commit a compare-and-swap: a second writer that tries to
//! append the same log index fails with [`StoreError::Conflict`] instead of
//! forking the log (docs/attacks.md E6).
//!
//! Crash behaviour of [`Store::commit`], the only write: everything of one
//! batch (new elections, entries, ballot index rows, the signed tree head
//! covering them) is one transaction. A crash before the commit returns
//! leaves nothing; after it, everything. No receipt is sent before it
//! returns `Ok` (docs/attacks.md F1, E7).

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

mod dialect;
mod sql;
#[cfg(test)]
mod tests;

pub use dialect::Dialect;
pub use sql::{ReadRow, SqlStore};

/// `SqliteStore`: the one store over SQLite, by the name callers use.
pub mod sqlite {
    /// The store over SQLite.
    pub type SqliteStore = super::SqlStore<sqlx::Sqlite>;
}

/// `PgStore`: the one store over PostgreSQL, by the name callers use.
pub mod postgres {
    /// The store over PostgreSQL.
    pub type PgStore = super::SqlStore<sqlx::Postgres>;
}

/// A boxed `Send` future (keeps [`Store`] object-safe without a macro crate).
pub type BoxFut<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Why a storage operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique or primary-key constraint was violated: someone else wrote
    /// the same log index or tracking code first (maps to a reload, never
    /// to an overwrite).
    #[error("constraint violation: {0}")]
    Conflict(String),
    /// The database cannot be reached or the write cannot be made durable.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// Every connection of the pool stayed busy for its acquire timeout
    /// (on the read pool: too many readers at once).
    #[error("storage busy: {0}")]
    Busy(String),
    /// Stored data contradicts itself or this board (wrong board key, …).
    #[error("storage integrity: {0}")]
    Integrity(String),
}

/// Shorthand.
pub type StoreResult<T> = Result<T, StoreError>;

/// The read path's own pool (`spec/api.md` §7: `read_connections`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadPool {
    /// Most connections the read path holds at once.
    pub connections: u32,
    /// How long a read waits for one of them before it fails (503).
    pub acquire_timeout: Duration,
}

impl Default for ReadPool {
    /// 4 connections, 5 s.
    fn default() -> Self {
        ReadPool {
            connections: 4,
            acquire_timeout: Duration::from_secs(5),
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Database(db)
                if matches!(
                    db.kind(),
                    sqlx::error::ErrorKind::UniqueViolation
                        | sqlx::error::ErrorKind::ForeignKeyViolation
                ) =>
            {
                StoreError::Conflict(db.message().to_string())
            }
            sqlx::Error::PoolTimedOut => StoreError::Busy(e.to_string()),
            _ => StoreError::Unavailable(e.to_string()),
        }
    }
}

/// One log entry as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredEntry {
    /// Log index (0-based).
    pub seq: u64,
    /// Entry tag (`spec/record.md` §6.1).
    pub tag: u8,
    /// Canonical entry bytes (the Merkle leaf data).
    pub bytes: Vec<u8>,
    /// `SHA-256(0x00 ‖ bytes)` as stored (re-checked on load, docs/attacks.md E8).
    pub leaf_hash: [u8; 32],
}

/// One row of the ballot index (cast or audited ballot).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BallotRow {
    /// Tracking code (`spec/record.md` (H5)).
    pub tracking_code: [u8; 32],
    /// Log index of the ballot entry.
    pub seq: u64,
    /// The credential public key (public data; never a voter identity).
    pub credential: [u8; 32],
    /// Audited (spoiled) rather than cast.
    pub spoiled: bool,
    /// When the board accepted it (the time in its receipt).
    pub accepted_at_ms: u64,
}

/// A signed tree head as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredHead {
    /// Tree size.
    pub tree_size: u64,
    /// The 162-byte signed tree head (`spec/log.md` (L13)).
    pub head: Vec<u8>,
}

/// Everything one batch appends to one election.
#[derive(Clone, Debug)]
pub struct ElectionCommit {
    /// The election id.
    pub election: String,
    /// `Some(manifest hash)` if this batch creates the election.
    pub create: Option<[u8; 32]>,
    /// New entries, consecutive from the current log size.
    pub entries: Vec<StoredEntry>,
    /// New ballot index rows.
    pub ballots: Vec<BallotRow>,
    /// The signed tree head covering every entry, new ones included.
    pub head: StoredHead,
    /// Its timestamp (ms).
    pub head_timestamp_ms: u64,
    /// Creation time (ms), for new elections.
    pub now_ms: u64,
}

/// A ballot a mirror accepted for relaying (`spec/api.md` §8.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelayRow {
    /// The election id.
    pub election: String,
    /// The ballot's tracking code (the queue key: one ballot, one row).
    pub tracking_code: [u8; 32],
    /// The canonical ballot entry bytes.
    pub entry: Vec<u8>,
    /// When the mirror accepted it (the time in its promise).
    pub received_ms: u64,
    /// The mirror's signed promise (`spec/api.md` (M4)).
    pub promise: Vec<u8>,
    /// The final outcome, once there is one.
    pub outcome: Option<RelayOutcome>,
}

/// `(election, queued, delivered, refused)`: a mirror's relay queue in numbers.
pub type RelayCounts = (String, u64, u64, u64);

/// How a relayed ballot ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelayOutcome {
    /// The board accepted it (`detail` is its receipt, JSON), or refused
    /// it for good (`detail` is `CODE: message`).
    pub delivered: bool,
    /// The receipt or the refusal.
    pub detail: String,
    /// When.
    pub at_ms: u64,
}

/// Equivocation evidence a mirror found (`spec/log.md` §9).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvidenceRow {
    /// The election whose log showed it.
    pub election: String,
    /// `split_view`, `rollback` or `conflicting_leaf`.
    pub kind: String,
    /// When it was found.
    pub found_ms: u64,
    /// The canonical evidence encoding (`spec/log.md` (L22)).
    pub evidence: Vec<u8>,
}

fn unsupported<T>() -> StoreResult<T> {
    Err(StoreError::Unavailable(
        "this store keeps no mirror tables".into(),
    ))
}

/// The board's storage.
pub trait Store: Send + Sync + 'static {
    /// Record the board's public key on first use; fail with
    /// [`StoreError::Integrity`] if the database belongs to another key
    /// (a different key would sign heads no verifier accepts, R13).
    fn init_board_key<'a>(&'a self, public: [u8; 32]) -> BoxFut<'a, StoreResult<()>>;
    /// Every election id, in creation order.
    fn elections(&self) -> BoxFut<'_, StoreResult<Vec<String>>>;
    /// Entries with `start ≤ seq < end`, ascending (the writer's pool:
    /// replays).
    fn entries<'a>(
        &'a self,
        election: &'a str,
        start: u64,
        end: u64,
    ) -> BoxFut<'a, StoreResult<Vec<StoredEntry>>>;
    /// The read path's entries, on the read pool: those with
    /// `start ≤ seq < end`, ascending, stopping before the first entry
    /// that would take their bytes over `max_bytes` (the first one is
    /// always given), so a page is bounded in bytes, not only in entries.
    fn read_entries<'a>(
        &'a self,
        election: &'a str,
        start: u64,
        end: u64,
        max_bytes: usize,
    ) -> BoxFut<'a, StoreResult<Vec<StoredEntry>>> {
        Box::pin(async move {
            let mut rows = self.entries(election, start, end).await?;
            let n = within_budget(rows.iter().map(|e| e.bytes.len()), max_bytes);
            rows.truncate(n);
            Ok(rows)
        })
    }
    /// Signed tree heads with `tree_size ≤ max_size`, ascending.
    fn heads<'a>(
        &'a self,
        election: &'a str,
        max_size: u64,
    ) -> BoxFut<'a, StoreResult<Vec<StoredHead>>>;
    /// The ballot index of an election.
    fn ballots<'a>(&'a self, election: &'a str) -> BoxFut<'a, StoreResult<Vec<BallotRow>>>;
    /// Append one batch, all of it or nothing, durably.
    fn commit(&self, batch: Vec<ElectionCommit>) -> BoxFut<'_, StoreResult<()>>;
    /// A cheap round trip on the read pool, for `/healthz`.
    fn ping(&self) -> BoxFut<'_, StoreResult<()>>;

    /// Mirror: queue a ballot durably; `false` if this tracking code is
    /// already queued for the election (the row is then left unchanged).
    fn relay_enqueue<'a>(&'a self, row: &'a RelayRow) -> BoxFut<'a, StoreResult<bool>> {
        let _ = row;
        Box::pin(async { unsupported() })
    }
    /// Mirror: every queued ballot with its outcome, by reception time
    /// (all elections when `election` is `None`).
    fn relay_rows<'a>(
        &'a self,
        election: Option<&'a str>,
    ) -> BoxFut<'a, StoreResult<Vec<RelayRow>>> {
        let _ = election;
        Box::pin(async { unsupported() })
    }
    /// Mirror: one queued ballot with its outcome, by its key.
    fn relay_row<'a>(
        &'a self,
        election: &'a str,
        tracking_code: [u8; 32],
    ) -> BoxFut<'a, StoreResult<Option<RelayRow>>> {
        let _ = (election, tracking_code);
        Box::pin(async { unsupported() })
    }
    /// Mirror: the ballots still waiting for an outcome, oldest first.
    fn relay_pending(&self) -> BoxFut<'_, StoreResult<Vec<RelayRow>>> {
        Box::pin(async { unsupported() })
    }
    /// Mirror: per election, how many ballots are queued, delivered and
    /// refused.
    fn relay_counts(&self) -> BoxFut<'_, StoreResult<Vec<RelayCounts>>> {
        Box::pin(async { unsupported() })
    }
    /// Mirror: record a queued ballot's final outcome (once; a second
    /// outcome is ignored).
    fn relay_finish<'a>(
        &'a self,
        election: &'a str,
        tracking_code: [u8; 32],
        outcome: &'a RelayOutcome,
    ) -> BoxFut<'a, StoreResult<()>> {
        let _ = (election, tracking_code, outcome);
        Box::pin(async { unsupported() })
    }
    /// Mirror: keep evidence; `false` if the same evidence is kept already.
    fn add_evidence<'a>(&'a self, row: &'a EvidenceRow) -> BoxFut<'a, StoreResult<bool>> {
        let _ = row;
        Box::pin(async { unsupported() })
    }
    /// Mirror: all evidence kept, oldest first.
    fn evidence(&self) -> BoxFut<'_, StoreResult<Vec<EvidenceRow>>> {
        Box::pin(async { unsupported() })
    }
}

/// How many of entries of these sizes fit `max_bytes`: at least one (if
/// there is one), then as long as the total stays within the budget.
pub(crate) fn within_budget(sizes: impl IntoIterator<Item = usize>, max_bytes: usize) -> usize {
    let mut total = 0usize;
    let mut n = 0usize;
    for len in sizes {
        total = total.saturating_add(len);
        if n > 0 && total > max_bytes {
            break;
        }
        n += 1;
    }
    n
}

/// SHA-256 of evidence bytes: the key that keeps each piece once.
pub(crate) fn evidence_digest(bytes: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).to_vec()
}

/// Which database a URL names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// `sqlite:…` or a plain file path.
    Sqlite,
    /// `postgres://…` or `postgresql://…`.
    Postgres,
}

/// Tell the backend from a database URL.
pub fn backend_of(url: &str) -> Backend {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Backend::Postgres
    } else {
        Backend::Sqlite
    }
}

/// Open (and migrate) the store a URL names, with the default read pool.
pub async fn open(url: &str) -> anyhow::Result<std::sync::Arc<dyn Store>> {
    open_with(url, ReadPool::default()).await
}

/// Open (and migrate) the store a URL names, with this read pool.
pub async fn open_with(url: &str, read: ReadPool) -> anyhow::Result<std::sync::Arc<dyn Store>> {
    Ok(match backend_of(url) {
        Backend::Postgres => std::sync::Arc::new(postgres::PgStore::open_with(url, read).await?),
        Backend::Sqlite => std::sync::Arc::new(sqlite::SqliteStore::open_with(url, read).await?),
    })
}

pub(crate) fn to_i64(v: u64) -> StoreResult<i64> {
    i64::try_from(v).map_err(|_| StoreError::Integrity(format!("{v} does not fit a BIGINT")))
}

pub(crate) fn to_u64(v: i64) -> StoreResult<u64> {
    u64::try_from(v).map_err(|_| StoreError::Integrity(format!("negative value {v} in the log")))
}

pub(crate) fn to_32(v: &[u8], what: &str) -> StoreResult<[u8; 32]> {
    v.try_into()
        .map_err(|_| StoreError::Integrity(format!("{what}: stored value is not 32 bytes")))
}
