//! Tree roots and proof generation (`spec/log.md` §2 (L4), §3 (L5), §4 (L7)).
//!
//! Every hash that RFC 9162's recursive definitions (MTH, PATH, SUBPROOF)
//! need is the root of a *perfect* subtree (2^ℓ leaves starting at a
//! multiple of 2^ℓ) or of a range on the right border, which is a fold of
//! O(log n) perfect subtrees. So generation is written once, against a
//! [`NodeSource`] that yields perfect-subtree hashes:
//!
//! - [`MemoryTree`] stores every perfect node: O(1) per node, O(log n) per proof;
//! - [`LeafHashes`] (a slice) and [`LeafFn`] (a closure `leaf_hash(i)`)
//!   recompute nodes from leaf hashes: O(n) per proof, no extra storage;
//! - a server can implement the trait over its own node store.

use crate::error::{Error, ProofFailure, Result};
use crate::hash::{empty_root, node_hash, Hash};
use crate::proof::{ConsistencyProof, InclusionProof};

/// Yields the root hash of perfect subtrees of one tree.
pub trait NodeSource {
    /// Errors of the underlying store; proof-generation errors of this crate
    /// convert into it.
    type Error: From<Error>;

    /// `MTH(D[index·2^level : (index+1)·2^level])`, the root of the perfect
    /// subtree of `2^level` leaves starting at leaf `index·2^level`.
    /// Level 0 is the leaf hash of entry `index`.
    fn perfect_node(&mut self, level: u32, index: u64) -> core::result::Result<Hash, Self::Error>;

    /// How many leaves the source holds; proofs for larger trees are
    /// refused up front. `u64::MAX` if the source does not know.
    fn available(&self) -> u64 {
        u64::MAX
    }
}

/// Largest power of two strictly below `n`, for `n ≥ 2` (the split `k` of
/// RFC 9162 §2.1.1).
fn split(n: u64) -> u64 {
    1u64 << (63 - (n - 1).leading_zeros())
}

/// `MTH(D[start:end])` for a range reached by the RFC's recursion (start is
/// a multiple of the largest power of two ≤ end − start), `end > start`:
/// `NH(p₀, NH(p₁, … p_k))` over the perfect subtrees `p₀, p₁, …` of the
/// binary decomposition of `end − start`, largest first (L4).
fn range_root<S: NodeSource + ?Sized>(
    src: &mut S,
    start: u64,
    end: u64,
) -> core::result::Result<Hash, S::Error> {
    let mut pieces = Vec::with_capacity(64);
    let mut pos = start;
    while pos < end {
        let level = 63 - (end - pos).leading_zeros();
        pieces.push(src.perfect_node(level, pos >> level)?);
        pos += 1u64 << level;
    }
    let mut acc = pieces.pop().unwrap_or_else(empty_root);
    while let Some(left) = pieces.pop() {
        acc = node_hash(&left, &acc);
    }
    Ok(acc)
}

/// `MTH(D[0:size])` (`spec/log.md` §2 (L3), (L4)).
pub fn tree_root<S: NodeSource + ?Sized>(
    src: &mut S,
    size: u64,
) -> core::result::Result<Hash, S::Error> {
    check_available(src, size, Error::Inconsistent)?;
    if size == 0 {
        return Ok(empty_root());
    }
    range_root(src, 0, size)
}

fn check_available<S: NodeSource + ?Sized>(
    src: &S,
    size: u64,
    kind: fn(ProofFailure) -> Error,
) -> core::result::Result<(), S::Error> {
    let available = src.available();
    if size > available {
        return Err(kind(ProofFailure::SizeBeyondSource { size, available }).into());
    }
    Ok(())
}

/// The inclusion proof `PATH(index, D[0:size])` (`spec/log.md` §3 (L5)).
pub fn prove_inclusion<S: NodeSource + ?Sized>(
    src: &mut S,
    index: u64,
    size: u64,
) -> core::result::Result<InclusionProof, S::Error> {
    if index >= size {
        return Err(Error::InclusionInvalid(ProofFailure::IndexBeyondSize { index, size }).into());
    }
    check_available(src, size, Error::InclusionInvalid)?;
    let mut out = Vec::new();
    path(src, index, 0, size, &mut out)?;
    Ok(InclusionProof::from_path(out)?)
}

/// PATH(m, D[a:b]), appending from the leaf level up:
/// `PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n])` if `m < k`, else
/// `PATH(m − k, D[k:n]) : MTH(D[0:k])`.
fn path<S: NodeSource + ?Sized>(
    src: &mut S,
    m: u64,
    a: u64,
    b: u64,
    out: &mut Vec<Hash>,
) -> core::result::Result<(), S::Error> {
    if b - a <= 1 {
        return Ok(());
    }
    let k = split(b - a);
    if m < a + k {
        path(src, m, a, a + k, out)?;
        out.push(range_root(src, a + k, b)?);
    } else {
        path(src, m, a + k, b, out)?;
        let level = k.trailing_zeros();
        out.push(src.perfect_node(level, a >> level)?);
    }
    Ok(())
}

/// The consistency proof `PROOF(size1, D[0:size2])` (`spec/log.md` §4 (L7)).
/// Empty when `size1 = 0` or `size1 = size2` (L9).
pub fn prove_consistency<S: NodeSource + ?Sized>(
    src: &mut S,
    size1: u64,
    size2: u64,
) -> core::result::Result<ConsistencyProof, S::Error> {
    if size1 > size2 {
        return Err(Error::Inconsistent(ProofFailure::SizeDecreasing { size1, size2 }).into());
    }
    check_available(src, size2, Error::Inconsistent)?;
    let mut out = Vec::new();
    if size1 > 0 {
        subproof(src, size1, 0, size2, true, &mut out)?;
    }
    Ok(ConsistencyProof::from_path(out)?)
}

/// SUBPROOF(m, D[a:b], complete) of RFC 9162 §2.1.4.1, with `m` counted
/// from `a`.
fn subproof<S: NodeSource + ?Sized>(
    src: &mut S,
    m: u64,
    a: u64,
    b: u64,
    complete: bool,
    out: &mut Vec<Hash>,
) -> core::result::Result<(), S::Error> {
    let n = b - a;
    if m == n {
        if !complete {
            out.push(range_root(src, a, b)?);
        }
        return Ok(());
    }
    let k = split(n);
    if m <= k {
        subproof(src, m, a, a + k, complete, out)?;
        out.push(range_root(src, a + k, b)?);
    } else {
        subproof(src, m - k, a + k, b, false, out)?;
        let level = k.trailing_zeros();
        out.push(src.perfect_node(level, a >> level)?);
    }
    Ok(())
}

/// Append a leaf hash to a stack of perfect-subtree roots `(height, root)`,
/// merging equal heights (the compact-range append of §12).
fn push_merge(stack: &mut Vec<(u32, Hash)>, leaf: Hash) {
    let mut h = leaf;
    let mut height = 0;
    while let Some(&(top, left)) = stack.last() {
        if top != height {
            break;
        }
        stack.pop();
        h = node_hash(&left, &h);
        height += 1;
    }
    stack.push((height, h));
}

/// `NH(p₁, NH(p₂, … p_k))` over the stack, or the empty root (L3), (L4).
fn fold_right(mut stack: Vec<(u32, Hash)>) -> Hash {
    let Some((_, mut acc)) = stack.pop() else {
        return empty_root();
    };
    while let Some((_, left)) = stack.pop() {
        acc = node_hash(&left, &acc);
    }
    acc
}

/// Fold leaf hashes `index·2^level …` (2^level of them) into their
/// perfect-subtree root, in O(level) memory.
fn fold_perfect<E>(
    level: u32,
    index: u64,
    mut leaf: impl FnMut(u64) -> core::result::Result<Hash, E>,
) -> core::result::Result<Hash, E> {
    let first = index << level;
    let mut stack = Vec::with_capacity(level as usize + 1);
    for i in 0..(1u64 << level) {
        push_merge(&mut stack, leaf(first + i)?);
    }
    Ok(fold_right(stack))
}

/// A [`NodeSource`] over a slice of leaf hashes: nodes are recomputed from
/// the leaves (O(2^level) per node, O(n) per proof).
#[derive(Clone, Copy, Debug)]
pub struct LeafHashes<'a>(pub &'a [Hash]);

impl NodeSource for LeafHashes<'_> {
    type Error = Error;

    fn perfect_node(&mut self, level: u32, index: u64) -> Result<Hash> {
        let leaves = self.0;
        fold_perfect(level, index, |i| {
            usize::try_from(i)
                .ok()
                .and_then(|i| leaves.get(i))
                .copied()
                .ok_or(Error::Inconsistent(ProofFailure::SizeBeyondSource {
                    size: i.saturating_add(1),
                    available: leaves.len() as u64,
                }))
        })
    }

    fn available(&self) -> u64 {
        self.0.len() as u64
    }
}

/// A [`NodeSource`] over a function `leaf_hash(i)`, e.g. a read from the
/// board's entry store: nodes are recomputed from the leaves (O(n) per proof).
#[derive(Clone, Copy, Debug)]
pub struct LeafFn<F>(pub F);

impl<F, E> NodeSource for LeafFn<F>
where
    F: FnMut(u64) -> core::result::Result<Hash, E>,
    E: From<Error>,
{
    type Error = E;

    fn perfect_node(&mut self, level: u32, index: u64) -> core::result::Result<Hash, E> {
        fold_perfect(level, index, &mut self.0)
    }
}

/// `MTH` of a list of leaf hashes (`spec/log.md` §2 (L4)).
pub fn root_from_leaf_hashes(leaves: &[Hash]) -> Hash {
    let mut stack = Vec::with_capacity(64);
    for l in leaves {
        push_merge(&mut stack, *l);
    }
    fold_right(stack)
}

/// `PATH(index, leaves)`: the inclusion proof for leaf `index` in the tree
/// made of all of `leaves` (`spec/log.md` §3 (L5)).
pub fn inclusion_proof_from_leaf_hashes(leaves: &[Hash], index: u64) -> Result<InclusionProof> {
    prove_inclusion(&mut LeafHashes(leaves), index, leaves.len() as u64)
}

/// `PROOF(size1, leaves)`: the consistency proof from the first `size1`
/// leaves to all of `leaves` (`spec/log.md` §4 (L7)).
pub fn consistency_proof_from_leaf_hashes(leaves: &[Hash], size1: u64) -> Result<ConsistencyProof> {
    prove_consistency(&mut LeafHashes(leaves), size1, leaves.len() as u64)
}

/// An in-memory Merkle tree that keeps every perfect node: appends in
/// amortised O(1), roots and proofs for any past size in O(log n).
///
/// Memory: about two hashes (64 bytes) per leaf. The board can rebuild it
/// from the stored leaf hashes at start-up, and a test can use it as an
/// oracle.
///
/// Invariant: `levels[ℓ][i]` is the root of the perfect subtree of
/// `2^ℓ` leaves starting at leaf `i·2^ℓ`, for every such subtree that is
/// complete; `levels[0]` is the list of leaf hashes.
#[derive(Clone, Debug, Default)]
pub struct MemoryTree {
    levels: Vec<Vec<Hash>>,
}

impl MemoryTree {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// A tree holding these leaf hashes, in order.
    pub fn from_leaf_hashes(leaves: impl IntoIterator<Item = Hash>) -> Self {
        let mut t = Self::new();
        for l in leaves {
            t.push(l);
        }
        t
    }

    /// Number of leaves.
    pub fn len(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    /// Whether the tree has no leaves.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Append a leaf hash; returns its index.
    pub fn push(&mut self, leaf_hash: Hash) -> u64 {
        let index = self.len();
        let mut level = 0;
        let mut h = leaf_hash;
        loop {
            if self.levels.len() == level {
                self.levels.push(Vec::new());
            }
            let row = &mut self.levels[level];
            row.push(h);
            let n = row.len();
            if n % 2 == 1 {
                break;
            }
            h = node_hash(&row[n - 2], &row[n - 1]);
            level += 1;
        }
        index
    }

    /// Append the leaf for `entry` (L1); returns its index.
    pub fn push_entry(&mut self, entry: &[u8]) -> u64 {
        self.push(crate::leaf_hash(entry))
    }

    /// The leaf hash at `index`.
    pub fn leaf_hash(&self, index: u64) -> Option<Hash> {
        let i = usize::try_from(index).ok()?;
        self.levels.first()?.get(i).copied()
    }

    /// The leaf hashes, in order.
    pub fn leaf_hashes(&self) -> &[Hash] {
        self.levels.first().map_or(&[], |l| l.as_slice())
    }

    /// The current root (L3, L4).
    pub fn root(&self) -> Hash {
        self.root_at(self.len()).unwrap_or_else(|_| empty_root())
    }

    /// The root of the tree made of the first `size` leaves.
    pub fn root_at(&self, size: u64) -> Result<Hash> {
        tree_root(&mut Nodes(self), size)
    }

    /// Inclusion proof for leaf `index` in the tree of the first `size` leaves (L5).
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<InclusionProof> {
        prove_inclusion(&mut Nodes(self), index, size)
    }

    /// Consistency proof from size `size1` to size `size2` (L7).
    pub fn consistency_proof(&self, size1: u64, size2: u64) -> Result<ConsistencyProof> {
        prove_consistency(&mut Nodes(self), size1, size2)
    }

    /// The compact range of the first `size` leaves (to hand over to an
    /// incremental appender).
    pub fn compact_range(&self, size: u64) -> Result<crate::CompactRange> {
        crate::CompactRange::from_source(&mut Nodes(self), size)
    }
}

/// Read access to a [`MemoryTree`] as a [`NodeSource`].
struct Nodes<'a>(&'a MemoryTree);

impl NodeSource for Nodes<'_> {
    type Error = Error;

    fn perfect_node(&mut self, level: u32, index: u64) -> Result<Hash> {
        let missing = Error::Inconsistent(ProofFailure::SizeBeyondSource {
            size: (index.saturating_add(1)).saturating_mul(1u64 << level.min(63)),
            available: self.0.len(),
        });
        let (Ok(l), Ok(i)) = (usize::try_from(level), usize::try_from(index)) else {
            return Err(missing);
        };
        self.0
            .levels
            .get(l)
            .and_then(|row| row.get(i))
            .copied()
            .ok_or(missing)
    }

    fn available(&self) -> u64 {
        self.0.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;

    /// MTH straight from the RFC's recursive definition.
    fn reference_root(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => empty_root(),
            1 => leaves[0],
            n => {
                let k = split(n as u64) as usize;
                node_hash(&reference_root(&leaves[..k]), &reference_root(&leaves[k..]))
            }
        }
    }

    fn leaves(n: u64) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect()
    }

    #[test]
    fn split_is_largest_power_below() {
        assert_eq!(split(2), 1);
        assert_eq!(split(3), 2);
        assert_eq!(split(4), 2);
        assert_eq!(split(5), 4);
        assert_eq!(split(8), 4);
        assert_eq!(split(9), 8);
        assert_eq!(split(u64::MAX), 1 << 63);
    }

    #[test]
    fn all_roots_agree_with_the_recursive_definition() {
        let all = leaves(70);
        let mut mem = MemoryTree::new();
        for n in 0..=70u64 {
            let want = reference_root(&all[..n as usize]);
            assert_eq!(root_from_leaf_hashes(&all[..n as usize]), want, "n={n}");
            assert_eq!(mem.root(), want, "n={n}");
            let mut f = LeafFn(|i: u64| -> Result<Hash> { Ok(all[i as usize]) });
            assert_eq!(tree_root(&mut f, n).unwrap(), want);
            if n < 70 {
                mem.push(all[n as usize]);
            }
        }
        for n in 0..=70 {
            assert_eq!(mem.root_at(n).unwrap(), reference_root(&all[..n as usize]));
        }
        assert!(mem.root_at(71).is_err());
    }

    #[test]
    fn sources_agree_on_proofs() {
        let all = leaves(37);
        let mem = MemoryTree::from_leaf_hashes(all.iter().copied());
        for n in 1..=37u64 {
            for i in 0..n {
                let a = mem.inclusion_proof(i, n).unwrap();
                let b = inclusion_proof_from_leaf_hashes(&all[..n as usize], i).unwrap();
                assert_eq!(a, b);
            }
            for m in 0..=n {
                let a = mem.consistency_proof(m, n).unwrap();
                let b = consistency_proof_from_leaf_hashes(&all[..n as usize], m).unwrap();
                assert_eq!(a, b);
            }
        }
        assert!(mem.inclusion_proof(5, 38).is_err());
        assert!(mem.inclusion_proof(5, 5).is_err());
        assert!(mem.consistency_proof(6, 5).is_err());
        assert!(mem.consistency_proof(6, 38).is_err());
        assert!(prove_inclusion(&mut LeafHashes(&all), 3, 40).is_err());
    }

    #[test]
    fn leaf_fn_errors_propagate() {
        #[derive(Debug, PartialEq)]
        enum StoreError {
            Down,
            Log(Error),
        }
        impl From<Error> for StoreError {
            fn from(e: Error) -> Self {
                StoreError::Log(e)
            }
        }
        let mut f = LeafFn(|i: u64| {
            if i == 3 {
                Err(StoreError::Down)
            } else {
                Ok(Hash([0; 32]))
            }
        });
        assert_eq!(prove_inclusion(&mut f, 0, 8), Err(StoreError::Down));
        assert!(matches!(
            prove_inclusion(&mut f, 9, 8),
            Err(StoreError::Log(Error::InclusionInvalid(_)))
        ));
    }
}
