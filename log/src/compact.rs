//! The compact range `[0, n)`, also called the frontier of the tree
//! (`spec/log.md` §12 (L28)).
//!
//! Write `n = 2^{e₁} + 2^{e₂} + … + 2^{e_k}` with `e₁ > e₂ > … > e_k`. The
//! first `n` leaves split into perfect subtrees of those sizes, left to
//! right, with roots `p₁ … p_k`, and
//!
//! `MTH(D[0:n]) = NH(p₁, NH(p₂, … NH(p_{k−1}, p_k)))`  (L4),
//!
//! because MTH splits at the largest power of two below `n`, which is
//! `2^{e₁}` unless `k = 1`. Appending a leaf merges the trailing subtrees
//! of equal size, like incrementing a binary counter. So a sequencer or a
//! mirror holds `popcount(n) ≤ 64` hashes, appends in amortised O(1), and
//! computes the root in O(log n), without storing the tree.

use crate::codec::{Reader, Writer};
use crate::error::{Error, Result};
use crate::hash::{empty_root, leaf_hash, node_hash, Hash};
use crate::tree::NodeSource;

/// The perfect-subtree roots covering leaves `[0, size)`, largest first.
///
/// Invariant: `hashes.len() == size.count_ones()`, and `hashes[j]` is the
/// root of the j-th perfect subtree of the binary decomposition of `size`.
/// Values come from [`CompactRange::new`] plus appends, from a
/// [`NodeSource`], or from [`CompactRange::from_parts`] (which checks the
/// count; the hashes themselves are trusted as the caller's own state).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CompactRange {
    size: u64,
    hashes: Vec<Hash>,
}

impl CompactRange {
    /// The range of the empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Rebuild from a size and its perfect-subtree roots (e.g. the state a
    /// sequencer persisted). Fails with `ERR_ENCODING` if the number of
    /// hashes is not `popcount(size)`.
    pub fn from_parts(size: u64, hashes: Vec<Hash>) -> Result<Self> {
        if hashes.len() != size.count_ones() as usize {
            return Err(Error::Malformed {
                field: "compact range: number of hashes is not popcount(size)",
            });
        }
        Ok(CompactRange { size, hashes })
    }

    /// The range `[0, size)` read from a node source: O(log n) node reads.
    pub fn from_source<S: NodeSource + ?Sized>(
        src: &mut S,
        size: u64,
    ) -> core::result::Result<Self, S::Error> {
        if size > src.available() {
            return Err(Error::Inconsistent(crate::ProofFailure::SizeBeyondSource {
                size,
                available: src.available(),
            })
            .into());
        }
        let mut hashes = Vec::with_capacity(size.count_ones() as usize);
        let mut pos = 0u64;
        while pos < size {
            let level = 63 - (size - pos).leading_zeros();
            hashes.push(src.perfect_node(level, pos >> level)?);
            pos += 1u64 << level;
        }
        Ok(CompactRange { size, hashes })
    }

    /// Number of leaves covered.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The perfect-subtree roots, largest (leftmost) first.
    pub fn hashes(&self) -> &[Hash] {
        &self.hashes
    }

    /// Append a leaf hash; returns its index. Fails only at `2^64 − 1`
    /// leaves, which no log reaches.
    pub fn push(&mut self, leaf_hash: Hash) -> Result<u64> {
        let index = self.size;
        let new_size = self.size.checked_add(1).ok_or(Error::TooLong {
            field: "tree size",
            max: u64::MAX,
            found: u64::MAX,
        })?;
        // Each trailing one bit of `size` is a subtree of the same height
        // as the carry: merge it.
        let mut h = leaf_hash;
        let mut s = self.size;
        while s & 1 == 1 {
            let Some(left) = self.hashes.pop() else {
                // Unreachable with the invariant; refuse rather than panic.
                return Err(Error::Malformed {
                    field: "compact range",
                });
            };
            h = node_hash(&left, &h);
            s >>= 1;
        }
        self.hashes.push(h);
        self.size = new_size;
        Ok(index)
    }

    /// Append the leaf for `entry` (L1); returns its index.
    pub fn push_entry(&mut self, entry: &[u8]) -> Result<u64> {
        self.push(leaf_hash(entry))
    }

    /// `MTH(D[0:size])` (L3, L4).
    pub fn root(&self) -> Hash {
        let mut it = self.hashes.iter().rev();
        let Some(last) = it.next() else {
            return empty_root();
        };
        it.fold(*last, |acc, left| node_hash(left, &acc))
    }

    /// Append the canonical encoding: `u64` size, then `popcount(size)`
    /// hashes (L28).
    pub fn encode(&self, out: &mut Vec<u8>) {
        let mut w = Writer::new();
        w.u64(self.size);
        for h in &self.hashes {
            w.fixed(h.as_bytes());
        }
        out.extend_from_slice(&w.into_bytes());
    }

    /// The canonical encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode(&mut out);
        out
    }

    /// Decode the canonical encoding; rejects trailing bytes.
    pub fn decode(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let size = r.u64("compact range size")?;
        let mut hashes = Vec::with_capacity(size.count_ones() as usize);
        for _ in 0..size.count_ones() {
            hashes.push(Hash(r.array("compact range hash")?));
        }
        r.finish("compact range")?;
        Ok(CompactRange { size, hashes })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::{root_from_leaf_hashes, MemoryTree};

    #[test]
    fn appends_match_full_tree_and_state_round_trips() {
        let leaves: Vec<Hash> = (0u32..100).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let mut c = CompactRange::new();
        assert_eq!(c.root(), empty_root());
        let mem = MemoryTree::from_leaf_hashes(leaves.iter().copied());
        for (i, l) in leaves.iter().enumerate() {
            assert_eq!(c.push(*l).unwrap(), i as u64);
            let n = i + 1;
            assert_eq!(c.root(), root_from_leaf_hashes(&leaves[..n]));
            assert_eq!(c.hashes().len(), (n as u64).count_ones() as usize);
            assert_eq!(mem.compact_range(n as u64).unwrap(), c);
            let bytes = c.to_bytes();
            assert_eq!(CompactRange::decode(&bytes).unwrap(), c);
            assert!(CompactRange::decode(&bytes[..bytes.len() - 1]).is_err());
            let mut long = bytes.clone();
            long.push(0);
            assert!(CompactRange::decode(&long).is_err());
            let again = CompactRange::from_parts(c.size(), c.hashes().to_vec()).unwrap();
            assert_eq!(again, c);
        }
        assert!(CompactRange::from_parts(3, vec![leaves[0]]).is_err());
        let mut full = CompactRange::from_parts(u64::MAX, vec![leaves[0]; 64]).unwrap();
        assert!(full.push(leaves[0]).is_err());
    }
}
