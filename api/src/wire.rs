//! The JSON answers of the board's read API that clients parse
//! (`spec/api.md` §5): one definition each, shared by the board's clients.
//! Bytes travel as lower-case hex; heads and proofs in their own JSON form
//! (`urna-log`).

use serde::{Deserialize, Serialize};
use urna_log::{ConsistencyProof, InclusionProof, SignedTreeHead};

/// Largest page of entries the board serves (`spec/api.md` §5.5).
pub const ENTRIES_PAGE: u64 = 1000;

/// `GET /api/board`: the board's public key (hex).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct BoardInfo {
    /// Ed25519 public key, 64 lower-case hex digits.
    pub board_key: String,
}

/// One log entry of a page.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct EntryRow {
    /// Log index.
    pub index: u64,
    /// The entry's canonical bytes, hex.
    pub entry: String,
}

/// `GET /api/elections/{id}/entries?start=&end=`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct EntriesPage {
    /// Size of the tree the page is read under.
    pub tree_size: u64,
    /// The entries, in order.
    pub entries: Vec<EntryRow>,
}

/// `GET /api/elections/{id}/tree-head`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct TreeHeadAnswer {
    /// The latest signed tree head.
    pub tree_head: SignedTreeHead,
}

/// `GET /api/elections/{id}/proof/consistency?first=&second=`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ConsistencyAnswer {
    /// The proof that the tree of size `first` is a prefix of `second`'s.
    pub consistency_proof: ConsistencyProof,
}

/// `GET /api/elections/{id}/proof/inclusion?index=&tree_size=`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct InclusionAnswer {
    /// The proof of the entry under `tree_head`.
    pub inclusion_proof: InclusionProof,
    /// The head the proof is for (absent when a size was asked for).
    pub tree_head: Option<SignedTreeHead>,
}

/// The body of every entry submission: `{"entry": "<hex>"}`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct EntryBody {
    /// The entry's canonical bytes, lower-case hex.
    pub entry: String,
}
