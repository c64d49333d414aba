//! What every request handler shares, on the board and on a mirror: the
//! registry of elections, the keys, the sequencer's queue, storage, metrics
//! and the rate limiter. Its own module, so that the HTTP routes and the
//! page handlers both depend on it and not on each other.

use std::sync::Arc;

use tokio::sync::{mpsc, Semaphore};

use crate::audit_quota::AuditQuota;
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
    /// Per-credential audit quota (`spec/api.md` §5.6).
    pub audits: AuditQuota,
    /// Who may create elections, and how many (`spec/api.md` §5.1).
    pub creation: CreationPolicy,
    /// One permit per record download streaming now (`max_record_streams`):
    /// a download holds it until its body is done or dropped.
    pub record_streams: Arc<Semaphore>,
}

/// Who may create elections on this board (`spec/api.md` §5.1,
/// docs/attacks.md F16): organizer keys the operator named, each up to a
/// number of elections. Anonymous creation is refused unless the operator
/// opens it (development and tests only).
#[derive(Clone, Debug, Default)]
pub struct CreationPolicy {
    /// Organizer public keys (canonical encodings) that may create elections.
    pub organizers: std::collections::HashSet<[u8; 32]>,
    /// Anyone may create elections (`--open-creation`).
    pub open: bool,
    /// Most elections one organizer key may have on the board.
    pub max_per_organizer: usize,
}

impl CreationPolicy {
    /// The policy of a board's settings; a key that is not 64 hex digits
    /// of a valid public key is named in the error.
    pub fn from_config(
        keys: &[String],
        open: bool,
        max_per_organizer: usize,
    ) -> Result<Self, String> {
        let mut organizers = std::collections::HashSet::new();
        for k in keys {
            let k = k.trim();
            let bytes: [u8; 32] = hex::decode(k)
                .ok()
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| format!("organizer key `{k}`: not 64 hex digits"))?;
            urna_crypto::PublicKey::from_bytes(&bytes)
                .map_err(|e| format!("organizer key `{k}`: {e}"))?;
            organizers.insert(bytes);
        }
        Ok(CreationPolicy {
            organizers,
            open,
            max_per_organizer,
        })
    }
}
