//! What the mirror's tasks and handlers share, and each election's
//! status.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use urna_log::{BoardPublicKey, Evidence, EvidenceKind};

use crate::machine::Machine;
use crate::sequencer::now_ms;
use crate::state::AppState;
use crate::store::EvidenceRow;

use super::{MirrorError, Upstream};

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
    pub(super) elections: Vec<String>,
    pub(super) status: Mutex<HashMap<String, ElectionStatus>>,
    pub(super) machines: tokio::sync::Mutex<HashMap<String, Machine>>,
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

    pub(super) fn update(&self, id: &str, f: impl FnOnce(&mut ElectionStatus)) {
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
