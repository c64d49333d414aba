//! Talking to a bulletin board: the [`BoardApi`] trait the client's flows
//! use. An in-memory board for tests and demonstrations is
//! `crate::MemoryBoard`, behind the `testing` feature.
//!
//! The HTTP transport (`spec/api.md`) is a thin implementation of
//! [`BoardApi`]; the browser page does its own `fetch` and hands the
//! answers to the same checks ([`crate::BallotFile::accept_receipt`]).

use urna_election::AuditRequest;
use urna_log::{BoardPublicKey, InclusionProof, SignedTreeHead};

use crate::election::ElectionBundle;
use crate::error::Result;
use crate::receipt::BoardReceipt;

/// What the client needs from a board (or a mirror relaying to one).
///
/// Submissions take the canonical log-entry bytes (`spec/record.md` §6.1)
/// and must be idempotent: the same bytes twice give the same receipt
/// (docs/attacks.md B3). Errors the board answers with its own code are
/// [`crate::ClientError::Board`]; failures to get an answer are
/// [`crate::ClientError::Transport`] (retry with the same bytes).
pub trait BoardApi {
    /// The board's Ed25519 public key.
    fn board_key(&self) -> Result<BoardPublicKey>;
    /// The election bundle of an election (`spec/client.md` §3.1).
    fn election_bundle(&self, election_id: &str) -> Result<ElectionBundle>;
    /// Submit a cast ballot entry (tag 5).
    fn submit_ballot(&self, election_id: &str, entry: &[u8]) -> Result<BoardReceipt>;
    /// Submit an audited (spoiled) ballot entry (tag 6) with the
    /// credential's request (`spec/api.md` §5.6), which the board checks
    /// and charges but never logs.
    fn submit_spoiled(
        &self,
        election_id: &str,
        entry: &[u8],
        request: &AuditRequest,
    ) -> Result<BoardReceipt>;
    /// Every audited-ballot entry (tag 6) of the election's log, in log
    /// order: what a second device searches for a tracking code.
    fn audited_entries(&self, election_id: &str) -> Result<Vec<Vec<u8>>>;
    /// The latest signed tree head and the inclusion proof of the entry at
    /// `log_index` under it.
    fn inclusion_proof(
        &self,
        election_id: &str,
        log_index: u64,
    ) -> Result<(SignedTreeHead, InclusionProof)>;
}
