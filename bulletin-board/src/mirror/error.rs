//! Why a mirror could not follow an election.

use crate::store::StoreError;

/// Why a mirror operation failed.
#[derive(Debug, thiserror::Error)]
pub enum MirrorError {
    /// The upstream (or a peer) could not be reached, or answered with a
    /// transient error: try again later. Not misbehaviour.
    #[error("unreachable: {0}")]
    Unreachable(String),
    /// The board asked to send this one ballot later (429, its
    /// credential's rate limit): retry it later, but go on with the rest
    /// of the queue (docs/attacks.md F13).
    #[error("deferred: {0}")]
    Deferred(String),
    /// The upstream served something no correct board serves: the mirror
    /// stops following the election.
    #[error("{0}")]
    Misbehaviour(String),
    /// The mirror's own database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}
