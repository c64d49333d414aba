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
//!   board runs ([`Machine`](crate::machine::Machine)): decoding,
//!   canonical form, lifecycle, signatures and every ballot proof
//!   (`trusted = false`);
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

mod error;
mod follow;
pub mod gossip;
pub mod relay;
mod state;
mod upstream;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use anyhow::Context as _;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};
use urna_log::BoardPublicKey;

use crate::metrics::{Metrics, RateLimiter};
use crate::sequencer::{load_election, BoardKeys, Registry};
use crate::state::AppState;
use crate::store::Store;

pub use error::MirrorError;
pub use follow::find_conflict;
pub use state::{kind_name, ElectionStatus, MirrorState};
pub use upstream::{
    cap_of, Answer, Upstream, ENTRIES_ANSWER_MAX, LIST_ANSWER_MAX, SMALL_ANSWER_MAX,
};

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

/// Record downloads a mirror streams at once (the board's default,
/// `spec/api.md` §7).
pub const MIRROR_RECORD_STREAMS: usize = 32;

/// A mirror's write timeout, seconds (the board's default).
pub const MIRROR_WRITE_TIMEOUT_SECS: u64 = 30;

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
        // A mirror publishes no audit (read-only, §8.3).
        audits: crate::audit_quota::AuditQuota::new(0),
        record_streams: Arc::new(tokio::sync::Semaphore::new(MIRROR_RECORD_STREAMS)),
        // A mirror creates no election (it is read-only, §8.3).
        creation: crate::state::CreationPolicy::default(),
    });
    let state = Arc::new(MirrorState {
        app: app.clone(),
        upstream,
        peers: config.peers.iter().map(|p| Upstream::new(p)).collect(),
        elections: config.elections.clone(),
        status: Mutex::new(HashMap::new()),
        machines: tokio::sync::Mutex::new(machines),
    });

    let router = relay::router(app, state.clone());
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
        crate::Limits {
            header_timeout: Duration::from_secs(config.header_timeout_secs),
            write_timeout: Duration::from_secs(MIRROR_WRITE_TIMEOUT_SECS),
            max_connections: config.max_connections,
        },
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
            gossip::gossip_round(&s).await;
        }
    }));
    let s = state.clone();
    let every = Duration::from_millis(config.relay_interval_ms.max(50));
    tasks.push(tokio::spawn(async move {
        loop {
            tokio::time::sleep(every).await;
            relay::relay_round(&s).await;
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
