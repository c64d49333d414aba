//! Mirror mode (`urna-board mirror --upstream URL`, `spec/api.md` §8).
//!
//! A mirror copies elections' logs from a board (or from another mirror),
//! verifies everything before it republishes anything, and serves the same
//! read API and voting page, read-only:
//!
//! - every upstream tree head must verify under the board key (pinned with
//!   `--upstream-key`, or learnt on first contact and then kept in the
//!   database, which refuses another key later);
//! - a new head must extend the last verified one: the consistency proof
//!   the upstream serves is checked (`spec/log.md` §8, (L17)–(L21));
//! - every new entry is applied to the same election state machine the
//!   board runs ([`Machine`]): decoding, canonical form, lifecycle,
//!   signatures and every ballot proof (`trusted = false`);
//! - the recomputed Merkle root over all entries must equal the signed
//!   root (M2); only then are entries and the board's own head committed
//!   and served. The mirror signs no tree head: the record it serves is
//!   signed by the board, so `tally verify` accepts it as the board's.
//!
//! On anything a correct board never serves (a bad head, an inconsistent
//! head, an entry the state machine refuses, entries that do not hash to
//! the signed root) the mirror stops following that election, keeps
//! serving its last verified state, reports why (`GET /api/mirror/status`)
//! and keeps any evidence of equivocation (`GET /api/evidence`,
//! docs/attacks.md E5, E11). Unreachable upstreams are not misbehaviour:
//! the mirror retries.
//!
//! Crash behaviour: the only writes are the log commit (one transaction,
//! as on the board), the relay queue and evidence rows; a crash before a
//! commit leaves the last verified state, and the next start re-checks
//! the stored log (docs/attacks.md E8) and resumes from it.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use anyhow::Context as _;
use serde::Deserialize;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};
pub use urna_api::client::Answer;
use urna_api::client::BoardClient;
use urna_election::Entry;
use urna_log::{
    check_extends, BoardPublicKey, ConflictingLeaf, ConsistencyProof, Evidence, EvidenceKind,
    InclusionProof, SignedTreeHead,
};

use crate::election::{kind_of_bytes, Machine};
use crate::http::AppState;
use crate::metrics::{Metrics, RateLimiter};
use crate::sequencer::{load_election, lookup, now_ms, BoardKeys, Registry};
use crate::store::{EvidenceRow, Store, StoreError};

/// `urna-board mirror`: copy, verify and republish a board's elections.
#[derive(clap::Parser, Clone, Debug)]
#[command(name = "urna-board mirror", version, about)]
pub struct MirrorConfig {
    /// The board (or another mirror) to copy from, e.g.
    /// `http://board.example.org` or `http://….onion` (through torsocks).
    #[arg(long, env = "URNA_MIRROR_UPSTREAM")]
    pub upstream: String,
    /// Pin the board's public key (64 hex digits). Without it the key is
    /// learnt from the upstream's `/api/board` on first start and kept in
    /// the database; the mirror refuses to follow another key later.
    #[arg(long, env = "URNA_MIRROR_UPSTREAM_KEY")]
    pub upstream_key: Option<String>,
    /// Elections to mirror (repeat); default: every election the upstream lists.
    #[arg(
        long = "election",
        env = "URNA_MIRROR_ELECTIONS",
        value_delimiter = ','
    )]
    pub elections: Vec<String>,
    /// Other mirrors (or boards) to exchange signed tree heads with (repeat).
    #[arg(long = "peer", env = "URNA_MIRROR_PEERS", value_delimiter = ',')]
    pub peers: Vec<String>,
    /// Address to listen on.
    #[arg(long, env = "URNA_MIRROR_LISTEN", default_value = "127.0.0.1:8081")]
    pub listen: std::net::SocketAddr,
    /// Database (`sqlite://path`, a path, or `postgres://…`).
    #[arg(
        long,
        env = "URNA_MIRROR_DATABASE_URL",
        default_value = "sqlite://urna-mirror.db"
    )]
    pub database_url: String,
    /// The mirror's own Ed25519 key (signs its promises and nothing else),
    /// created on first start if missing.
    #[arg(long, env = "URNA_MIRROR_KEY_FILE", default_value = "mirror.key")]
    pub key_file: PathBuf,
    /// Milliseconds between two polls of the upstream.
    #[arg(long, env = "URNA_MIRROR_SYNC_INTERVAL_MS", default_value_t = 3000)]
    pub sync_interval_ms: u64,
    /// Milliseconds between two rounds of tree-head gossip with the peers.
    #[arg(long, env = "URNA_MIRROR_GOSSIP_INTERVAL_MS", default_value_t = 10000)]
    pub gossip_interval_ms: u64,
    /// Milliseconds between two attempts to relay queued ballots.
    #[arg(long, env = "URNA_MIRROR_RELAY_INTERVAL_MS", default_value_t = 2000)]
    pub relay_interval_ms: u64,
    /// Seconds before a request is answered 408.
    #[arg(long, env = "URNA_MIRROR_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    pub request_timeout_secs: u64,
    /// Seconds a client has to send its request headers.
    #[arg(long, env = "URNA_MIRROR_HEADER_TIMEOUT_SECS", default_value_t = 10)]
    pub header_timeout_secs: u64,
    /// Most open connections.
    #[arg(long, env = "URNA_MIRROR_MAX_CONNECTIONS", default_value_t = 4096)]
    pub max_connections: usize,
    /// Log filter (tracing `EnvFilter` syntax).
    #[arg(long, env = "URNA_MIRROR_LOG", default_value = "info")]
    pub log: String,
}

impl MirrorConfig {
    /// Defaults for tests: loopback, short intervals.
    pub fn for_tests(upstream: &str, database_url: &str, key_file: PathBuf) -> Self {
        MirrorConfig {
            upstream: upstream.to_string(),
            upstream_key: None,
            elections: Vec::new(),
            peers: Vec::new(),
            listen: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
            database_url: database_url.to_string(),
            key_file,
            sync_interval_ms: 200,
            gossip_interval_ms: 300,
            relay_interval_ms: 200,
            request_timeout_secs: 30,
            header_timeout_secs: 10,
            max_connections: 1024,
            log: "warn".into(),
        }
    }
}

/// Why a mirror operation failed.
#[derive(Debug, thiserror::Error)]
pub enum MirrorError {
    /// The upstream (or a peer) could not be reached, or answered with a
    /// transient error: try again later. Not misbehaviour.
    #[error("unreachable: {0}")]
    Unreachable(String),
    /// The upstream served something no correct board serves: the mirror
    /// stops following the election.
    #[error("{0}")]
    Misbehaviour(String),
    /// The mirror's own database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The wire crate's board client (`urna_api::client`), run on tokio's
/// blocking pool, for one upstream or peer base URL.
#[derive(Clone)]
pub struct Upstream {
    /// Base URL, no trailing `/`.
    pub base: String,
    client: BoardClient,
}

impl Upstream {
    /// A client for `base`.
    pub fn new(base: &str) -> Self {
        let client = BoardClient::with(
            base,
            "urna-mirror",
            Duration::from_secs(10),
            Duration::from_secs(60),
        );
        Upstream {
            base: client.base().to_string(),
            client,
        }
    }

    /// One request; `body` makes it a `POST` of that JSON. Refusals are
    /// an [`Answer`]; errors mean no answer.
    pub async fn call(
        &self,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Result<Answer, MirrorError> {
        let client = self.client.clone();
        let path = path.to_string();
        tokio::task::spawn_blocking(move || client.call(&path, body.as_ref()))
            .await
            .map_err(|e| MirrorError::Unreachable(e.to_string()))?
            .map_err(|e| MirrorError::Unreachable(e.to_string()))
    }

    /// `GET path` that must succeed; refusals are `Unreachable` (a board
    /// that refuses a read is down or does not have it, not lying).
    pub async fn get_json(&self, path: &str) -> Result<serde_json::Value, MirrorError> {
        match self.call(path, None).await? {
            Answer::Ok(_, v) => Ok(v),
            Answer::Refused(status, r) => Err(MirrorError::Unreachable(format!(
                "{}{path}: {status} {}: {}",
                self.base, r.code, r.message
            ))),
        }
    }

    async fn get_field<T: for<'de> Deserialize<'de>>(
        &self,
        path: &str,
        field: &str,
    ) -> Result<T, MirrorError> {
        let v = self.get_json(path).await?;
        serde_json::from_value(v.get(field).cloned().unwrap_or_default()).map_err(|e| {
            MirrorError::Misbehaviour(format!(
                "{}{path}: the `{field}` field is malformed: {e}",
                self.base
            ))
        })
    }
}

/// Per-election state of the mirror, as reported by the status endpoint.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct ElectionStatus {
    /// Why the mirror stopped following this election (misbehaviour), if it did.
    pub halted: Option<String>,
    /// The last transient error (upstream unreachable), cleared on success.
    pub last_error: Option<String>,
    /// When the last successful poll ended (ms).
    pub last_sync_ms: u64,
}

/// Everything the mirror's tasks and handlers share.
pub struct MirrorState {
    /// The read path's state (registry, store, keys: the mirror's own
    /// key in `keys`, the board's in `log_key`).
    pub app: Arc<AppState>,
    /// The upstream.
    pub upstream: Upstream,
    /// Gossip peers.
    pub peers: Vec<Upstream>,
    elections: Vec<String>,
    status: Mutex<HashMap<String, ElectionStatus>>,
    machines: tokio::sync::Mutex<HashMap<String, Machine>>,
}

impl MirrorState {
    /// The mirror's own public key (its promises).
    pub fn mirror_key(&self) -> BoardPublicKey {
        self.app.keys.public
    }

    /// The board key whose heads this mirror serves.
    pub fn log_key(&self) -> BoardPublicKey {
        self.app.log_key
    }

    /// A snapshot of every election's status.
    pub fn status(&self) -> HashMap<String, ElectionStatus> {
        match self.status.lock() {
            Ok(s) => s.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    fn update(&self, id: &str, f: impl FnOnce(&mut ElectionStatus)) {
        let mut s = match self.status.lock() {
            Ok(s) => s,
            Err(p) => p.into_inner(),
        };
        f(s.entry(id.to_string()).or_default());
    }

    /// Whether the mirror stopped following `id`.
    pub fn halted(&self, id: &str) -> Option<String> {
        self.status().get(id).and_then(|s| s.halted.clone())
    }

    /// Stop following `id` for `reason` (kept and served; the last
    /// verified state stays published).
    pub fn halt(&self, id: &str, reason: String) {
        tracing::error!(election = id, %reason, "mirror stops following this election");
        self.update(id, |s| {
            if s.halted.is_none() {
                s.halted = Some(reason);
            }
        });
    }

    /// Keep evidence (deduplicated) and stop following the election.
    pub async fn keep_evidence(&self, id: &str, ev: &Evidence) -> Result<(), MirrorError> {
        let kind = match ev.verify() {
            Ok(k) => kind_name(&k),
            Err(e) => {
                return Err(MirrorError::Misbehaviour(format!(
                    "internal: evidence that does not verify: {e}"
                )))
            }
        };
        let row = EvidenceRow {
            election: id.to_string(),
            kind: kind.to_string(),
            found_ms: now_ms(),
            evidence: ev.to_bytes(),
        };
        if self.app.store.add_evidence(&row).await? {
            tracing::error!(election = id, kind, "equivocation evidence kept");
        }
        self.halt(
            id,
            format!(
                "ERR_LOG_EQUIVOCATION: the board signed two inconsistent heads ({kind}); evidence at /api/evidence"
            ),
        );
        Ok(())
    }

    /// The elections to follow: the configured ones, or all the upstream lists.
    async fn election_ids(&self) -> Result<Vec<String>, MirrorError> {
        if !self.elections.is_empty() {
            return Ok(self.elections.clone());
        }
        let v = self.upstream.get_json("/api/elections").await?;
        Ok(v.get("elections")
            .and_then(|e| e.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|e| e.get("election_id")?.as_str().map(str::to_string))
                    .filter(|id| crate::http::valid_id(id))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// One poll of every followed election.
    pub async fn sync_all(&self) {
        let ids = match self.election_ids().await {
            Ok(ids) => ids,
            Err(e) => {
                tracing::warn!(error = %e, "cannot list the upstream's elections");
                return;
            }
        };
        for id in ids {
            if self.halted(&id).is_some() {
                continue;
            }
            match self.sync_election(&id).await {
                Ok(()) => self.update(&id, |s| {
                    s.last_error = None;
                    s.last_sync_ms = now_ms();
                }),
                Err(MirrorError::Unreachable(e)) => {
                    tracing::warn!(election = %id, error = %e, "upstream unreachable; retrying later");
                    self.update(&id, |s| s.last_error = Some(e));
                }
                Err(MirrorError::Misbehaviour(reason)) => self.halt(&id, reason),
                Err(MirrorError::Store(e)) => {
                    tracing::error!(election = %id, error = %e, "mirror storage failed");
                    self.update(&id, |s| s.last_error = Some(format!("storage: {e}")));
                }
            }
        }
    }

    /// Fetch and verify the upstream's latest head for `id` (L13–L16).
    async fn upstream_head(&self, id: &str) -> Result<SignedTreeHead, MirrorError> {
        let head: SignedTreeHead = self
            .upstream
            .get_field(&format!("/api/elections/{id}/tree-head"), "tree_head")
            .await?;
        head.verify(&self.log_key(), id)
            .map(|v| v.into_signed())
            .map_err(|e| {
                MirrorError::Misbehaviour(format!(
                    "{}: the upstream's tree head does not verify under the board key: {e}",
                    e.code()
                ))
            })
    }

    /// One poll of one election (`spec/api.md` §8.1 (M1)–(M3)).
    pub async fn sync_election(&self, id: &str) -> Result<(), MirrorError> {
        let head = self.upstream_head(id).await?;
        let mut machines = self.machines.lock().await;
        let last = machines.get(id).and_then(|m| m.head().copied());
        let from = match last {
            Some(l) if l == head => return Ok(()),
            Some(l) => {
                if let Some(ev) = Evidence::from_heads(self.log_key(), l, head) {
                    drop(machines);
                    self.keep_evidence(id, &ev).await?;
                    return Err(MirrorError::Misbehaviour(
                        "the board's head contradicts the last verified one".into(),
                    ));
                }
                if head.tree_size < l.tree_size {
                    // An older head (a stale cache in front of the board,
                    // or a restored backup): never go back (L19). A fork
                    // shows as a conflicting leaf; otherwise wait for a
                    // current head.
                    let shared = lookup(&self.app.registry, id);
                    drop(machines);
                    if let Some(shared) = shared {
                        if let Some(ev) =
                            find_conflict(&self.upstream, &self.log_key(), &shared, l, head).await?
                        {
                            self.keep_evidence(id, &ev).await?;
                            return Err(MirrorError::Misbehaviour(
                                "the board's head forks from the verified log".into(),
                            ));
                        }
                    }
                    return Err(MirrorError::Unreachable(format!(
                        "the upstream serves a head of {} entries, older than the {} already verified (L19); waiting for a current one",
                        head.tree_size, l.tree_size
                    )));
                }
                if head.tree_size == l.tree_size {
                    return Ok(()); // same tree, re-signed: nothing new
                }
                // (L17)–(L21) with the upstream's consistency proof.
                let proof: ConsistencyProof = self
                    .upstream
                    .get_field(
                        &format!(
                            "/api/elections/{id}/proof/consistency?first={}&second={}",
                            l.tree_size, head.tree_size
                        ),
                        "consistency_proof",
                    )
                    .await?;
                let vl = l.verify(&self.log_key(), id).map_err(|e| {
                    MirrorError::Misbehaviour(format!("stored head does not verify: {e}"))
                })?;
                let vh = head.verify(&self.log_key(), id).map_err(|e| {
                    MirrorError::Misbehaviour(format!("upstream head does not verify: {e}"))
                })?;
                if let Err(e) = check_extends(&vl, &vh, &proof) {
                    let shared = lookup(&self.app.registry, id);
                    drop(machines);
                    if let Some(shared) = shared {
                        if let Some(ev) =
                            find_conflict(&self.upstream, &self.log_key(), &shared, l, head).await?
                        {
                            self.keep_evidence(id, &ev).await?;
                        }
                    }
                    return Err(MirrorError::Misbehaviour(format!(
                        "{}: the board's head of size {} does not extend the verified head of size {}: {e}",
                        e.code(),
                        head.tree_size,
                        l.tree_size
                    )));
                }
                l.tree_size
            }
            None => 0,
        };

        // Fetch every new entry before touching the state machine, so an
        // unreachable upstream leaves it as it was.
        let mut fetched: Vec<Vec<u8>> = Vec::new();
        let mut next = from;
        while next < head.tree_size {
            let end = (next + 1000).min(head.tree_size);
            let rows: Vec<EntryRow> = self
                .upstream
                .get_field(
                    &format!("/api/elections/{id}/entries?start={next}&end={end}"),
                    "entries",
                )
                .await?;
            if rows.is_empty() {
                return Err(MirrorError::Unreachable(format!(
                    "the upstream served no entries from {next} though its head has {}",
                    head.tree_size
                )));
            }
            for row in rows {
                if row.index != next || next >= end {
                    return Err(MirrorError::Misbehaviour(format!(
                        "the upstream served entry {} where entry {next} was asked for",
                        row.index
                    )));
                }
                let bytes = hex::decode(&row.entry).map_err(|e| {
                    MirrorError::Misbehaviour(format!("entry {next} is not hex: {e}"))
                })?;
                fetched.push(bytes);
                next += 1;
            }
        }

        // Apply with the board's own state machine, off the async threads
        // (ballot proofs are verified here).
        let machine = machines.remove(id);
        let log_key = self.log_key();
        let (machine, result) = tokio::task::spawn_blocking(move || {
            let mut machine = machine;
            let r = apply_all(&mut machine, &log_key, from, &fetched, head);
            (machine, r)
        })
        .await
        .map_err(|e| MirrorError::Misbehaviour(format!("internal: {e}")))?;
        let Some(mut machine) = machine else {
            return Err(MirrorError::Misbehaviour(
                "internal: no election state".into(),
            ));
        };
        let commit = match result {
            Ok(c) => c,
            Err(reason) => {
                // The machine holds refused state: drop it; handlers keep
                // serving the last committed state.
                return Err(MirrorError::Misbehaviour(reason));
            }
        };
        let created = machine.uncommitted;
        match self.app.store.commit(vec![commit]).await {
            Ok(()) => {
                machine.committed();
                if created {
                    if let Ok(mut r) = self.app.registry.write() {
                        r.insert(id.to_string(), machine.shared.clone());
                    }
                }
                machines.insert(id.to_string(), machine);
                Ok(())
            }
            Err(e) => {
                // Rebuild from the database (the commit may or may not have landed).
                drop(machine);
                if let Ok(m) = load_election(self.app.store.as_ref(), &log_key, id).await {
                    if let Ok(mut r) = self.app.registry.write() {
                        r.insert(id.to_string(), m.shared.clone());
                    }
                    machines.insert(id.to_string(), m);
                }
                Err(MirrorError::Store(e))
            }
        }
    }
}

/// An entry row of `GET …/entries`.
#[derive(Deserialize)]
struct EntryRow {
    index: u64,
    entry: String,
}

/// Apply fetched entries `from…` to the machine (creating it at entry 0)
/// and prepare the commit under `head`. The error names the entry.
fn apply_all(
    machine: &mut Option<Machine>,
    log_key: &BoardPublicKey,
    from: u64,
    fetched: &[Vec<u8>],
    head: SignedTreeHead,
) -> Result<crate::store::ElectionCommit, String> {
    let now = now_ms();
    let placeholder = |entry: &Entry| SignedTreeHead {
        // The manifest's election: its log (spec/log.md (L12)).
        log_id: match entry {
            Entry::Manifest { manifest, .. } => log_key.log_id(&manifest.election_id),
            _ => head.log_id,
        },
        tree_size: 0,
        timestamp_ms: 1,
        root_hash: urna_log::empty_root(),
        signature: [0; 64],
    };
    crate::replay::apply_entries(machine, &placeholder, from, fetched, now).map_err(|r| {
        let kind = fetched
            .get((r.index - from) as usize)
            .map_or("unknown", |b| kind_of_bytes(b));
        format!(
            "entry {} ({kind}) is refused: {}: {}; the mirror keeps its last verified state",
            r.index, r.code, r.message
        )
    })?;
    let m = machine
        .as_mut()
        .ok_or_else(|| "the upstream's log is empty".to_string())?;
    m.prepare_mirror_commit(head, now).map_err(|e| {
        format!(
            "{}: {} (an entry was altered, or the head was signed over other entries)",
            e.code, e.message
        )
    })
}

/// The name of an evidence kind, as stored and served.
pub fn kind_name(k: &EvidenceKind) -> &'static str {
    match k {
        EvidenceKind::SplitView { .. } => "split_view",
        EvidenceKind::Rollback => "rollback",
        EvidenceKind::ConflictingLeaf { .. } => "conflicting_leaf",
        _ => "other",
    }
}

/// Look for a leaf that differs between this mirror's verified tree (head
/// `ours`) and the tree of `theirs` as served by `source` (`spec/log.md`
/// (L27)): compare leaf hashes below both sizes, then prove the first
/// difference on both sides. `Ok(None)` if the source shows no difference
/// or cannot prove one (its proofs are checked, never trusted).
pub async fn find_conflict(
    source: &Upstream,
    log_key: &BoardPublicKey,
    shared: &crate::election::Shared,
    ours: SignedTreeHead,
    theirs: SignedTreeHead,
) -> Result<Option<Evidence>, MirrorError> {
    let id = shared.id.clone();
    let n = ours.tree_size.min(theirs.tree_size);
    let mut start = 0u64;
    let mut index = None;
    'pages: while start < n {
        let end = (start + 1000).min(n);
        #[derive(Deserialize)]
        struct Row {
            index: u64,
            leaf_hash: urna_log::Hash,
        }
        let rows: Vec<Row> = source
            .get_field(
                &format!("/api/elections/{id}/entries?start={start}&end={end}"),
                "entries",
            )
            .await?;
        if rows.is_empty() {
            break;
        }
        let tree = match shared.tree.read() {
            Ok(t) => t,
            Err(p) => p.into_inner(),
        };
        for r in &rows {
            if r.index >= n {
                break 'pages;
            }
            if tree.leaf_hash(r.index) != Some(r.leaf_hash) {
                index = Some(r.index);
                break 'pages;
            }
        }
        start += rows.len() as u64;
    }
    let Some(index) = index else {
        return Ok(None);
    };
    let theirs_proof: InclusionProof = source
        .get_field(
            &format!(
                "/api/elections/{id}/proof/inclusion?index={index}&tree_size={}",
                theirs.tree_size
            ),
            "inclusion_proof",
        )
        .await?;
    let theirs_leaf: urna_log::Hash = source
        .get_field(
            &format!(
                "/api/elections/{id}/proof/inclusion?index={index}&tree_size={}",
                theirs.tree_size
            ),
            "leaf_hash",
        )
        .await?;
    let (ours_leaf, ours_proof) = {
        let tree = match shared.tree.read() {
            Ok(t) => t,
            Err(p) => p.into_inner(),
        };
        let Some(leaf) = tree.leaf_hash(index) else {
            return Ok(None);
        };
        match tree.inclusion_proof(index, ours.tree_size) {
            Ok(p) => (leaf, p),
            Err(_) => return Ok(None),
        }
    };
    let ev = Evidence {
        public_key: *log_key,
        first: ours,
        second: theirs,
        conflicting_leaf: Some(ConflictingLeaf {
            index,
            first_leaf_hash: ours_leaf,
            first_proof: ours_proof,
            second_leaf_hash: theirs_leaf,
            second_proof: theirs_proof,
        }),
    };
    Ok(ev.verify().is_ok().then_some(ev))
}

/// A mirror running in this process.
pub struct RunningMirror {
    /// The address it listens on.
    pub addr: std::net::SocketAddr,
    /// The mirror's own public key (its promises).
    pub mirror_key: BoardPublicKey,
    /// The board key it follows.
    pub board_key: BoardPublicKey,
    /// Shared state (tests poll it).
    pub state: Arc<MirrorState>,
    shutdown: Option<oneshot::Sender<()>>,
    server: tokio::task::JoinHandle<()>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl RunningMirror {
    /// Stop serving and syncing.
    pub async fn shutdown(mut self) {
        for t in &self.tasks {
            t.abort();
        }
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.server).await;
    }
}

/// The board key: pinned, or stored, or learnt from the upstream.
async fn resolve_board_key(
    config: &MirrorConfig,
    store: &dyn Store,
    upstream: &Upstream,
) -> anyhow::Result<BoardPublicKey> {
    let hex_key = match &config.upstream_key {
        Some(k) => k.clone(),
        None => {
            let v = upstream.get_json("/api/board").await.map_err(|e| {
                anyhow::anyhow!("cannot learn the board key from the upstream: {e}")
            })?;
            v.get("board_key")
                .and_then(|k| k.as_str())
                .map(str::to_string)
                .ok_or_else(|| anyhow::anyhow!("the upstream's /api/board names no board_key"))?
        }
    };
    let bytes = hex::decode(hex_key.trim()).context("the board key is not hex")?;
    let key = BoardPublicKey::from_bytes(&bytes)
        .map_err(|e| anyhow::anyhow!("the board key is not a valid Ed25519 key: {e}"))?;
    // The database belongs to one board key for ever (a mirror never
    // switches to another board's history).
    store
        .init_board_key(key.to_bytes())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(key)
}

/// Open the store and start the mirror: load and re-check what it holds,
/// then serve, sync, gossip and relay.
pub async fn start_mirror(config: MirrorConfig) -> anyhow::Result<RunningMirror> {
    let store = crate::store::open(&config.database_url)
        .await
        .context("opening the database")?;
    let upstream = Upstream::new(&config.upstream);
    // Without `--upstream-key` the upstream must be reachable at start
    // (operators pin the key so a mirror can restart during a shutdown).
    let seed = crate::load_or_create_key(&config.key_file)?;
    let keys = Arc::new(BoardKeys::from_seed(&seed));
    let log_key = resolve_board_key(&config, store.as_ref(), &upstream).await?;

    let registry: Registry = Arc::new(RwLock::new(HashMap::new()));
    let mut machines = HashMap::new();
    for id in store
        .elections()
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
    {
        let m = load_election(store.as_ref(), &log_key, &id)
            .await
            .map_err(|e| {
                anyhow::anyhow!("election `{id}`: the mirrored log fails its check: {e}")
            })?;
        if let Ok(mut r) = registry.write() {
            r.insert(id.clone(), m.shared.clone());
        }
        machines.insert(id, m);
    }

    // No sequencer: the mirror never appends on its own.
    let (tx, _rx) = mpsc::channel(1);
    let app = Arc::new(AppState {
        registry,
        keys: keys.clone(),
        log_key,
        tx,
        store,
        metrics: Arc::new(Metrics::default()),
        limiter: RateLimiter::new(0, 1),
    });
    let state = Arc::new(MirrorState {
        app: app.clone(),
        upstream,
        peers: config.peers.iter().map(|p| Upstream::new(p)).collect(),
        elections: config.elections.clone(),
        status: Mutex::new(HashMap::new()),
        machines: tokio::sync::Mutex::new(machines),
    });

    let router = crate::relay::router(app, state.clone());
    let router =
        crate::http::with_middleware(router, Duration::from_secs(config.request_timeout_secs));
    let listener = TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("binding {}", config.listen))?;
    let addr = listener.local_addr()?;
    let (stop_tx, stop_rx) = oneshot::channel();
    let server = tokio::spawn(crate::serve(
        listener,
        router,
        Duration::from_secs(config.header_timeout_secs),
        config.max_connections,
        stop_rx,
    ));

    let mut tasks = Vec::new();
    let s = state.clone();
    let every = Duration::from_millis(config.sync_interval_ms.max(50));
    tasks.push(tokio::spawn(async move {
        loop {
            s.sync_all().await;
            tokio::time::sleep(every).await;
        }
    }));
    let s = state.clone();
    let every = Duration::from_millis(config.gossip_interval_ms.max(50));
    tasks.push(tokio::spawn(async move {
        loop {
            tokio::time::sleep(every).await;
            crate::gossip::gossip_round(&s).await;
        }
    }));
    let s = state.clone();
    let every = Duration::from_millis(config.relay_interval_ms.max(50));
    tasks.push(tokio::spawn(async move {
        loop {
            tokio::time::sleep(every).await;
            crate::relay::relay_round(&s).await;
        }
    }));

    Ok(RunningMirror {
        addr,
        mirror_key: keys.public,
        board_key: log_key,
        state,
        shutdown: Some(stop_tx),
        server,
        tasks,
    })
}
