//! Transferable evidence that the board misbehaved (`spec/log.md` §9).
//!
//! Evidence is two heads signed by one board key that no honest log could
//! have signed together, plus, where the heads alone do not show it, two
//! inclusion proofs. Anyone can check it offline with
//! [`Evidence::verify`]; it names the key, so it needs no other context.
//!
//! Three kinds are recognised (docs/attacks.md E5):
//!
//! - split view (L25): same size, different roots;
//! - rollback (L26): a later timestamp on a smaller tree;
//! - conflicting leaf (L27): one leaf index proven, by valid inclusion
//!   proofs, to hold different leaf hashes under the two roots. That is
//!   how a fork between heads of *different* sizes is shown: if the larger
//!   tree extended the smaller one, leaf `i < min(size)` would be the same
//!   in both.
//!
//! A consistency proof that fails is not evidence: it is not signed, and
//! anyone can make a failing proof between two honest heads. Such
//! "evidence" is rejected (L24).

use crate::codec::{Reader, Writer};
use crate::error::{Error, EvidenceKind, ProofFailure, Result};
use crate::hash::Hash;
use crate::head::{BoardPublicKey, SignedTreeHead};
use crate::proof::{verify_inclusion_by_leaf_hash, InclusionProof};

/// Domain-separation label at the start of the evidence encoding (L22).
pub const EVIDENCE_LABEL: &[u8; 17] = b"urna/v1/evidence\n";

/// The same leaf index shown to hold different leaves in two trees (L27).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConflictingLeaf {
    /// The leaf index, below both tree sizes.
    pub index: u64,
    /// The leaf hash under the first head's root.
    pub first_leaf_hash: Hash,
    /// Its inclusion proof in the first tree.
    pub first_proof: InclusionProof,
    /// The leaf hash under the second head's root.
    pub second_leaf_hash: Hash,
    /// Its inclusion proof in the second tree.
    pub second_proof: InclusionProof,
}

/// Two signed heads (and possibly a conflicting leaf) that together prove
/// the board equivocated or rolled back (`spec/log.md` §9).
///
/// Nothing is checked at construction or decoding; call
/// [`Evidence::verify`]. JSON form (§11): `public_key`, `first`, `second`,
/// `conflicting_leaf` (or `null`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    /// The board key that signed both heads.
    pub public_key: BoardPublicKey,
    /// One head.
    pub first: SignedTreeHead,
    /// The other head.
    pub second: SignedTreeHead,
    /// For heads that do not contradict each other on their own.
    #[serde(default)]
    pub conflicting_leaf: Option<ConflictingLeaf>,
}

impl Evidence {
    /// Evidence from two heads alone (split view or rollback), if they are
    /// evidence; `None` if not (including when a head fails to verify).
    pub fn from_heads(
        public_key: BoardPublicKey,
        first: SignedTreeHead,
        second: SignedTreeHead,
    ) -> Option<Self> {
        let e = Evidence {
            public_key,
            first,
            second,
            conflicting_leaf: None,
        };
        e.verify().ok().map(|_| e)
    }

    /// Check the evidence offline (`spec/log.md` §9):
    ///
    /// 1. both heads verify under `public_key` (L23, with L13–L16), else
    ///    `ERR_CHECKPOINT_INVALID`; they name the same log (L12), else
    ///    `ERR_EVIDENCE_INVALID`; and they are not the same head;
    /// 2. with a conflicting leaf: the index is below both sizes, both
    ///    inclusion proofs verify (else `ERR_INCLUSION_INVALID`) and the
    ///    leaf hashes differ (L27);
    /// 3. otherwise: same size and different roots (L25), or the head with
    ///    the later timestamp has the smaller size (L26).
    ///
    /// Anything else is `ERR_EVIDENCE_INVALID` (L24).
    pub fn verify(&self) -> Result<EvidenceKind> {
        // (L23)
        let a = self.first.verify_signature(&self.public_key)?;
        let b = self.second.verify_signature(&self.public_key)?;
        // One log: the log id names the board key and the election (L12),
        // so heads of two elections on one board are never evidence.
        if a.log_id != b.log_id {
            return Err(Error::EvidenceInvalid(
                "the two heads are of different logs (another election, or another board)",
            ));
        }
        if a == b {
            return Err(Error::EvidenceInvalid("the two heads are the same"));
        }
        // (L27)
        if let Some(c) = &self.conflicting_leaf {
            for head in [&a, &b] {
                if c.index >= head.tree_size {
                    return Err(Error::InclusionInvalid(ProofFailure::IndexBeyondSize {
                        index: c.index,
                        size: head.tree_size,
                    }));
                }
            }
            verify_inclusion_by_leaf_hash(
                &c.first_leaf_hash,
                c.index,
                a.tree_size,
                &c.first_proof,
                &a.root_hash,
            )?;
            verify_inclusion_by_leaf_hash(
                &c.second_leaf_hash,
                c.index,
                b.tree_size,
                &c.second_proof,
                &b.root_hash,
            )?;
            if c.first_leaf_hash == c.second_leaf_hash {
                return Err(Error::EvidenceInvalid("the leaf is the same in both trees"));
            }
            return Ok(EvidenceKind::ConflictingLeaf { index: c.index });
        }
        // (L25)
        if a.tree_size == b.tree_size {
            if a.root_hash != b.root_hash {
                return Ok(EvidenceKind::SplitView { size: a.tree_size });
            }
            return Err(Error::EvidenceInvalid(
                "same size and same root: both heads can be honest",
            ));
        }
        // (L26)
        let (earlier, later) = if a.timestamp_ms <= b.timestamp_ms {
            (&a, &b)
        } else {
            (&b, &a)
        };
        if earlier.timestamp_ms < later.timestamp_ms && later.tree_size < earlier.tree_size {
            return Ok(EvidenceKind::Rollback);
        }
        // (L24)
        Err(Error::EvidenceInvalid(
            "heads of different sizes need a conflicting leaf to show a fork",
        ))
    }

    /// Append the canonical encoding (L22):
    /// `"urna/v1/evidence\n" ‖ public_key ‖ first ‖ second ‖ u8 tag`, then,
    /// if the tag is 1, `u64 index ‖ first_leaf_hash ‖ first_proof ‖
    /// second_leaf_hash ‖ second_proof`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(EVIDENCE_LABEL);
        out.extend_from_slice(&self.public_key.to_bytes());
        self.first.encode(out);
        self.second.encode(out);
        match &self.conflicting_leaf {
            None => out.push(0),
            Some(c) => {
                let mut w = Writer::new();
                w.u8(1).u64(c.index).fixed(c.first_leaf_hash.as_bytes());
                out.extend_from_slice(&w.into_bytes());
                c.first_proof.encode(out);
                out.extend_from_slice(c.second_leaf_hash.as_bytes());
                c.second_proof.encode(out);
            }
        }
    }

    /// The canonical encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode(&mut out);
        out
    }

    /// Decode the canonical encoding: exact label, known tag, valid public
    /// key (L11), no trailing bytes. Call [`Evidence::verify`] next.
    pub fn decode(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        if r.take(EVIDENCE_LABEL.len(), "evidence label")? != EVIDENCE_LABEL {
            return Err(Error::Malformed {
                field: "evidence label",
            });
        }
        let public_key = BoardPublicKey::from_bytes(r.take(32, "public_key")?)?;
        let first = SignedTreeHead::read(&mut r)?;
        let second = SignedTreeHead::read(&mut r)?;
        let conflicting_leaf = match r.u8("evidence tag")? {
            0 => None,
            1 => Some(ConflictingLeaf {
                index: r.u64("index")?,
                first_leaf_hash: Hash(r.array("first_leaf_hash")?),
                first_proof: InclusionProof::read(&mut r)?,
                second_leaf_hash: Hash(r.array("second_leaf_hash")?),
                second_proof: InclusionProof::read(&mut r)?,
            }),
            _ => {
                return Err(Error::Malformed {
                    field: "evidence tag",
                })
            }
        };
        r.finish("evidence")?;
        Ok(Evidence {
            public_key,
            first,
            second,
            conflicting_leaf,
        })
    }
}
