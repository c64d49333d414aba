//! What every request handler shares, on the board and on a mirror: the
//! registry of elections, the keys, the sequencer's queue, storage, metrics
//! and the rate limiter. Its own module, so that the HTTP routes and the
//! page handlers both depend on it and not on each other.

use std::sync::Arc;

use tokio::sync::{mpsc, Semaphore};

use crate::metrics::{Metrics, RateLimiter};
use crate::sequencer::{BoardKeys, Command, Registry};
use crate::store::Store;

/// Shared by every handler.
pub struct AppState {
    /// Elections by id.
    pub registry: Registry,
    /// This server's own key: the board's (tree heads and promises), or a
    /// mirror's (its promises and gossip only).
    pub keys: Arc<BoardKeys>,
    /// The key whose signed tree heads this server serves: the board's own
    /// public key, or on a mirror the upstream board's.
    pub log_key: urna_log::BoardPublicKey,
    /// To the sequencer.
    pub tx: mpsc::Sender<Command>,
    /// Storage (read path).
    pub store: Arc<dyn Store>,
    /// Metrics.
    pub metrics: Arc<Metrics>,
    /// Per-credential ballot limit.
    pub limiter: RateLimiter,
    /// One permit per record download streaming now (`max_record_streams`):
    /// a download holds it until its body is done or dropped.
    pub record_streams: Arc<Semaphore>,
}
