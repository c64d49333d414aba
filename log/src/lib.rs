//! # urna-log
//!
//! The transparency-log math of Urna's bulletin board, shared by the board,
//! the mirrors, the independent verifier and the browser client:
//!
//! - RFC 9162 §2.1 Merkle trees over SHA-256: leaf and node hashing, roots,
//!   inclusion and consistency proofs (generation and verification);
//! - an incremental [`CompactRange`] (O(log n) state) and an in-memory
//!   [`MemoryTree`], plus proof generation over any [`NodeSource`];
//! - Ed25519 signed tree heads, the [`check_extends`] rule, and
//!   offline-checkable [`Evidence`] of equivocation.
//!
//! No I/O, no clock, no global state; compiles to `wasm32-unknown-unknown`.
//! The normative description is `spec/log.md`; code cites its check ids
//! as `spec/log.md §N (Lk)`.
//!
//! ```
//! use urna_log::{check_extends, verify_inclusion, BoardKey, MemoryTree};
//!
//! let key = BoardKey::from_seed(&[42; 32]);
//! let mut tree = MemoryTree::new();
//! tree.push_entry(b"manifest");
//! let old = key.sign_tree_head("council-2026", tree.len(), 1_000, tree.root()).unwrap();
//! let i = tree.push_entry(b"ballot");
//! let new = key.sign_tree_head("council-2026", tree.len(), 2_000, tree.root()).unwrap();
//!
//! // A voter checks that their ballot is in the signed tree.
//! let proof = tree.inclusion_proof(i, new.tree_size).unwrap();
//! verify_inclusion(b"ballot", i, new.tree_size, &proof, &new.root_hash).unwrap();
//!
//! // A mirror checks that the board only grew.
//! let pk = key.public_key();
//! let (old, new) = (
//!     old.verify(&pk, "council-2026").unwrap(),
//!     new.verify(&pk, "council-2026").unwrap(),
//! );
//! let consistency = tree.consistency_proof(old.tree_size, new.tree_size).unwrap();
//! check_extends(&old, &new, &consistency).unwrap();
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod codec;
mod compact;
mod error;
mod evidence;
mod hash;
mod head;
#[cfg(feature = "openapi")]
mod openapi;
mod proof;
mod tree;

pub use compact::CompactRange;
pub use error::{Error, EvidenceKind, HeadFailure, ProofFailure, Result};
pub use evidence::{ConflictingLeaf, Evidence, EVIDENCE_LABEL};
pub use hash::{empty_root, leaf_hash, node_hash, Hash, LEAF_PREFIX, NODE_PREFIX};
pub use head::{
    check_extends, BoardKey, BoardPublicKey, SignedTreeHead, VerifiedTreeHead, TREE_HEAD_LABEL,
};
pub use proof::{
    root_from_inclusion_proof, verify_consistency, verify_inclusion, verify_inclusion_by_leaf_hash,
    ConsistencyProof, InclusionProof, MAX_CONSISTENCY_PROOF_LEN, MAX_INCLUSION_PROOF_LEN,
};
pub use tree::{
    consistency_proof_from_leaf_hashes, inclusion_proof_from_leaf_hashes, prove_consistency,
    prove_inclusion, root_from_leaf_hashes, tree_root, LeafFn, LeafHashes, MemoryTree, NodeSource,
};
