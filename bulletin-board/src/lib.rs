//! # Urna's bulletin board
//!
//! A public, untrusted server that keeps one append-only Merkle log per
//! election (RFC 9162 shape, `spec/log.md`), signs tree heads with its
//! Ed25519 key, enforces the election lifecycle of `spec/record.md` §6.3,
//! accepts ballots only after full verification, and serves entries,
//! proofs and the election record that `tally verify` checks. The HTTP API
//! is `spec/api.md`.
//!
//! What a client needs ([`receipt`]: promises and receipts, and the error
//! body [`ErrorBody`]) is public; the server's internals are reachable for
//! the binary and the tests but are not a stable API.
//!
//! The board never depends on the verifier (`tally`): a bug here cannot
//! hide itself from the audit (docs/design.md).
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod audit_quota;
pub mod clock;
pub mod config;
mod error;
pub mod heads;
pub mod http;
mod load;
pub mod machine;
pub mod metrics;
pub mod mirror;
pub mod page;
pub mod public_page;
pub mod receipt;
pub mod replay;
pub mod sequencer;
mod stall;
pub mod state;
pub mod store;

use std::collections::HashMap;
use std::io::Write as _;
use std::path::Path;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use anyhow::Context as _;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use rand_core::{OsRng, RngCore};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot, Semaphore};
use zeroize::Zeroizing;

pub use config::Config;
pub use error::{status_of, ApiError, ErrorBody};
pub use mirror::{gossip, relay, start_mirror, MirrorConfig, RunningMirror};

use crate::metrics::{Metrics, RateLimiter};
use crate::sequencer::{load_election, BoardKeys, Sequencer};
use crate::state::AppState;
use crate::store::Store;

/// Read the board key seed from `path`, creating it (mode 0600) if missing.
pub fn load_or_create_key(path: &Path) -> anyhow::Result<Zeroizing<[u8; 32]>> {
    if path.exists() {
        let text = Zeroizing::new(
            std::fs::read_to_string(path)
                .with_context(|| format!("reading the board key {}", path.display()))?,
        );
        let bytes = Zeroizing::new(
            hex::decode(text.trim()).with_context(|| format!("{}: not hex", path.display()))?,
        );
        let seed: [u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| anyhow::anyhow!("{}: a board key is 32 bytes", path.display()))?;
        return Ok(Zeroizing::new(seed));
    }
    let mut seed = Zeroizing::new([0u8; 32]);
    OsRng.fill_bytes(seed.as_mut());
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .with_context(|| format!("creating the board key {}", path.display()))?;
    let hex = Zeroizing::new(hex::encode(seed.as_ref()));
    f.write_all(hex.as_bytes())?;
    f.write_all(b"\n")?;
    f.sync_all()?;
    tracing::info!(path = %path.display(), "created a new board key");
    Ok(seed)
}

/// A board running in this process.
pub struct RunningBoard {
    /// The address it listens on.
    pub addr: std::net::SocketAddr,
    /// The board's public key.
    pub public_key: urna_log::BoardPublicKey,
    shutdown: Option<oneshot::Sender<()>>,
    server: tokio::task::JoinHandle<()>,
    sequencer: Option<std::thread::JoinHandle<()>>,
}

impl RunningBoard {
    /// Stop accepting, finish in-flight requests, stop the sequencer and
    /// release the database.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.server).await;
        if let Some(j) = self.sequencer.take() {
            let _ = tokio::task::spawn_blocking(move || j.join()).await;
        }
    }

    /// Wait until the server stops (it stops on `shutdown` or ctrl-c in `main`).
    pub async fn wait(mut self) {
        let _ = (&mut self.server).await;
    }
}

/// Open the store the configuration names and start the board.
pub async fn start(config: Config) -> anyhow::Result<RunningBoard> {
    let read = store::ReadPool {
        connections: config.read_connections,
        ..store::ReadPool::default()
    };
    let store = store::open_with(&config.database_url, read)
        .await
        .with_context(|| "opening the database".to_string())?;
    start_with_store(config, store).await
}

/// Start the board on an opened store (tests wrap stores to inject faults).
pub async fn start_with_store(
    config: Config,
    store: Arc<dyn Store>,
) -> anyhow::Result<RunningBoard> {
    let creation = state::CreationPolicy::from_config(
        &config.organizer_keys,
        config.open_creation,
        config.max_elections_per_organizer,
    )
    .map_err(|e| anyhow::anyhow!("--organizer-key: {e}"))?;
    if creation.organizers.is_empty() && !creation.open {
        tracing::warn!(
            "no --organizer-key given: this board will create no election (see docs/guides/organizer.md)"
        );
    }
    let seed = load_or_create_key(&config.key_file)?;
    let keys = Arc::new(BoardKeys::from_seed(&seed));
    store
        .init_board_key(keys.public.to_bytes())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;

    // Rebuild every election from the database, re-checking every leaf and
    // head; refuse to start on any mismatch (docs/attacks.md E8: never sign
    // a root built from corrupted data).
    let registry = Arc::new(RwLock::new(HashMap::new()));
    let mut machines = HashMap::new();
    let ids = store
        .elections()
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    for id in ids {
        let m = load_election(store.as_ref(), &keys.public, &id)
            .await
            .map_err(|e| {
                anyhow::anyhow!("election `{id}`: the stored log fails its integrity check: {e}")
            })?;
        if let Ok(mut r) = registry.write() {
            r.insert(id.clone(), m.shared.clone());
        }
        machines.insert(id, m);
    }
    tracing::info!(elections = machines.len(), "log loaded and checked");

    let metrics = Arc::new(Metrics::default());
    let (tx, rx) = mpsc::channel(8192);
    let seq = Sequencer::new(
        machines,
        store.clone(),
        keys.clone(),
        registry.clone(),
        metrics.clone(),
        config.max_batch,
        tokio::runtime::Handle::current(),
    );
    let sequencer = std::thread::Builder::new()
        .name("urna-sequencer".into())
        .spawn(move || seq.run(rx))?;

    let state = Arc::new(AppState {
        registry,
        keys: keys.clone(),
        log_key: keys.public,
        tx,
        store,
        metrics,
        limiter: RateLimiter::new(config.rate_limit_per_minute, config.rate_limit_burst),
        audits: audit_quota::AuditQuota::new(config.max_audits_per_credential),
        record_streams: Arc::new(Semaphore::new(config.max_record_streams)),
        creation,
    });
    let app = http::router(state, Duration::from_secs(config.request_timeout_secs));
    let listener = TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("binding {}", config.listen))?;
    let addr = listener.local_addr()?;
    let (stop_tx, stop_rx) = oneshot::channel();
    let server = tokio::spawn(serve(
        listener,
        app,
        Limits {
            header_timeout: Duration::from_secs(config.header_timeout_secs),
            write_timeout: Duration::from_secs(config.write_timeout_secs),
            max_connections: config.max_connections,
        },
        stop_rx,
    ));
    Ok(RunningBoard {
        addr,
        public_key: keys.public,
        shutdown: Some(stop_tx),
        server,
        sequencer: Some(sequencer),
    })
}

/// What the accept loop bounds per connection (`spec/api.md` §7).
pub(crate) struct Limits {
    /// To send the request head.
    pub header_timeout: Duration,
    /// For an answer to make progress on a client that does not read.
    pub write_timeout: Duration,
    /// Open connections.
    pub max_connections: usize,
}

/// The accept loop: HTTP/1.1 with a header-read timeout that really runs
/// (hyper disables it without a timer, docs/attacks.md F7), a write
/// timeout (`stall.rs`: a client that stops reading a streamed answer is
/// cut off, F19), a cap on open connections, and graceful shutdown. The
/// peer address is dropped at accept and never reaches the application
/// (C7).
pub(crate) async fn serve(
    listener: TcpListener,
    app: axum::Router,
    limits: Limits,
    mut stop: oneshot::Receiver<()>,
) {
    let Limits {
        header_timeout,
        write_timeout,
        max_connections,
    } = limits;
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let slots = Arc::new(Semaphore::new(max_connections.max(1)));
    loop {
        tokio::select! {
            conn = listener.accept() => {
                let Ok((stream, _peer)) = conn else { continue };
                let Ok(permit) = slots.clone().try_acquire_owned() else {
                    drop(stream);
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let svc = TowerToHyperService::new(app.clone());
                let mut builder = hyper::server::conn::http1::Builder::new();
                builder
                    .timer(TokioTimer::new())
                    .header_read_timeout(header_timeout)
                    .max_buf_size(64 * 1024);
                let io = stall::WriteTimeout::new(stream, write_timeout.max(Duration::from_millis(1)));
                let conn = builder.serve_connection(TokioIo::new(io), svc);
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    let _ = conn.await;
                    drop(permit);
                });
            }
            _ = &mut stop => break,
        }
    }
    drop(listener);
    let _ = tokio::time::timeout(Duration::from_secs(10), graceful.shutdown()).await;
}
