//! Inclusion and consistency proofs: their types, canonical encodings, and
//! the verification algorithms of RFC 9162 §2.1.3.2 and §2.1.4.2
//! (`spec/log.md` §3–§5).
//!
//! The algorithms are implemented here rather than taken from a crate
//! (`ct-merkle` 0.3 is on `digest` 0.11, which would put a second SHA-2 line
//! in the graph, and it leaves the size-0 and equal-size cases to the
//! caller): every edge case of `spec/log.md` (L6), (L8), (L9) is decided in
//! this file, and the negative vectors of docs/attacks.md E3, E4 exercise each branch.
//!
//! Proofs carry only the list of hashes. The leaf index and the tree sizes
//! always come from the verifier's own context (a signed tree head, a
//! receipt), never from the proof, so a proof cannot talk the verifier
//! into a different statement.

use crate::codec::{Reader, Writer};
use crate::error::{Error, ProofFailure, Result};
use crate::hash::{empty_root, leaf_hash, node_hash, Hash};

/// Most hashes an inclusion proof can hold: the depth of a tree of `2^64 − 1`
/// leaves (`spec/log.md` §5 (L10)).
pub const MAX_INCLUSION_PROOF_LEN: usize = 64;
/// Most hashes a consistency proof can hold: an inclusion path plus the
/// seed subtree (`spec/log.md` §5 (L10)).
pub const MAX_CONSISTENCY_PROOF_LEN: usize = 65;

macro_rules! proof_type {
    ($name:ident, $max:ident, $what:literal) => {
        impl $name {
            /// Wrap a list of hashes, ordered from the leaf level up.
            /// Fails only if the list is longer than any valid proof (L10).
            pub fn from_path(path: Vec<Hash>) -> Result<Self> {
                if path.len() > $max {
                    return Err(Error::TooLong {
                        field: $what,
                        max: $max as u64,
                        found: path.len() as u64,
                    });
                }
                Ok(Self { path })
            }

            /// The hashes, ordered from the leaf level up.
            pub fn path(&self) -> &[Hash] {
                &self.path
            }

            /// The hashes, by value.
            pub fn into_path(self) -> Vec<Hash> {
                self.path
            }

            /// Append the canonical encoding: `u32` count, then the hashes (L10).
            pub fn encode(&self, out: &mut Vec<u8>) {
                let mut w = Writer::new();
                w.u32(self.path.len() as u32);
                for h in &self.path {
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
                let p = Self::read(&mut r)?;
                r.finish($what)?;
                Ok(p)
            }

            pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self> {
                let n = r.count($max as u32, $what)?;
                let mut path = Vec::with_capacity(n as usize);
                for _ in 0..n {
                    path.push(Hash(r.array($what)?));
                }
                Ok(Self { path })
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(
                &self,
                s: S,
            ) -> core::result::Result<S::Ok, S::Error> {
                self.path.serialize(s)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(
                d: D,
            ) -> core::result::Result<Self, D::Error> {
                let path = Vec::<Hash>::deserialize(d)?;
                Self::from_path(path).map_err(serde::de::Error::custom)
            }
        }
    };
}

/// An inclusion proof (RFC 9162 `inclusion_path`): the sibling hashes on the
/// way from a leaf to the root, ordered from the leaf level up.
///
/// Invariant: at most [`MAX_INCLUSION_PROOF_LEN`] hashes. JSON form: an
/// array of lower-case hex strings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InclusionProof {
    path: Vec<Hash>,
}
proof_type!(InclusionProof, MAX_INCLUSION_PROOF_LEN, "inclusion proof");

/// A consistency proof (RFC 9162 `consistency_path`), ordered from the
/// leaf level up.
///
/// Invariant: at most [`MAX_CONSISTENCY_PROOF_LEN`] hashes. JSON form: an
/// array of lower-case hex strings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConsistencyProof {
    path: Vec<Hash>,
}
proof_type!(
    ConsistencyProof,
    MAX_CONSISTENCY_PROOF_LEN,
    "consistency proof"
);

/// Check that `entry` is the leaf at `index` of the tree of `size` leaves
/// whose root is `root` (`spec/log.md` §3 (L6), with the leaf hash of (L1)).
///
/// This is the path for untrusted input: the leaf hash is computed here from
/// the entry bytes, so an interior node can never be passed off as a leaf
/// (docs/attacks.md E1). Fails with `ERR_INCLUSION_INVALID`.
pub fn verify_inclusion(
    entry: &[u8],
    index: u64,
    size: u64,
    proof: &InclusionProof,
    root: &Hash,
) -> Result<()> {
    verify_inclusion_by_leaf_hash(&leaf_hash(entry), index, size, proof, root)
}

/// Like [`verify_inclusion`], for a leaf hash the caller computed itself
/// with [`leaf_hash`] (`spec/log.md` §3 (L6)).
///
/// # WARNING
///
/// Never pass a leaf hash received from someone else: a node hash given as
/// a "leaf hash" verifies at a higher level of the tree (docs/attacks.md E1).
pub fn verify_inclusion_by_leaf_hash(
    leaf_hash: &Hash,
    index: u64,
    size: u64,
    proof: &InclusionProof,
    root: &Hash,
) -> Result<()> {
    if root_from_inclusion_proof(leaf_hash, index, size, proof)? != *root {
        return Err(Error::InclusionInvalid(ProofFailure::RootMismatch));
    }
    Ok(())
}

/// The root that an inclusion proof implies for the leaf hash at `index` in
/// a tree of `size` leaves: RFC 9162 §2.1.3.2 steps 1–5 up to the final
/// comparison (`spec/log.md` §3 (L6)).
pub fn root_from_inclusion_proof(
    leaf_hash: &Hash,
    index: u64,
    size: u64,
    proof: &InclusionProof,
) -> Result<Hash> {
    // (L6) step 1: leaf_index < tree_size.
    if index >= size {
        return Err(Error::InclusionInvalid(ProofFailure::IndexBeyondSize {
            index,
            size,
        }));
    }
    // Step 2: fn = leaf_index, sn = tree_size − 1. Step 3: r = hash.
    let (mut fnode, mut snode) = (index, size - 1);
    let mut r = *leaf_hash;
    // Step 4.
    for p in proof.path() {
        // 4a: a proof longer than the path to the root.
        if snode == 0 {
            return Err(Error::InclusionInvalid(ProofFailure::WrongLength));
        }
        if fnode & 1 == 1 || fnode == snode {
            // 4b: p is a left sibling.
            r = node_hash(p, &r);
            // 4b ii: skip the levels where the node on the right border has
            // no right sibling.
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            // p is a right sibling.
            r = node_hash(&r, p);
        }
        // 4c.
        fnode >>= 1;
        snode >>= 1;
    }
    // Step 5: sn = 0, i.e. the proof reached the root (not shorter).
    if snode != 0 {
        return Err(Error::InclusionInvalid(ProofFailure::WrongLength));
    }
    Ok(r)
}

/// Check that the tree of `size2` leaves with root `root2` extends the tree
/// of `size1` leaves with root `root1` (`spec/log.md` §4 (L8), (L9)).
///
/// Edge cases (L9): `size2 < size1` fails; `size1 = size2` needs an empty
/// proof and equal roots; `size1 = 0` needs an empty proof and
/// `root1 = SHA-256("")` (the empty tree is a prefix of every tree).
/// Fails with `ERR_LOG_INCONSISTENT`.
pub fn verify_consistency(
    size1: u64,
    size2: u64,
    root1: &Hash,
    root2: &Hash,
    proof: &ConsistencyProof,
) -> Result<()> {
    let fail = |f| Err(Error::Inconsistent(f));
    // (L9) edge cases first.
    if size2 < size1 {
        return fail(ProofFailure::SizeDecreasing { size1, size2 });
    }
    if size1 == 0 {
        if !proof.path().is_empty() {
            return fail(ProofFailure::EmptyTreeNonEmptyProof);
        }
        if *root1 != empty_root() || (size2 == 0 && *root2 != empty_root()) {
            return fail(ProofFailure::EmptyTreeRoot);
        }
        return Ok(());
    }
    if size1 == size2 {
        if !proof.path().is_empty() {
            return fail(ProofFailure::EqualSizesNonEmptyProof);
        }
        if root1 != root2 {
            return fail(ProofFailure::RootMismatch);
        }
        return Ok(());
    }
    // (L8): 0 < size1 < size2.
    let (fr, sr) =
        chain_consistency(size1, size2, root1, proof.path()).map_err(Error::Inconsistent)?;
    // Step 7.
    if fr != *root1 || sr != *root2 {
        return fail(ProofFailure::RootMismatch);
    }
    Ok(())
}

/// RFC 9162 §2.1.4.2 steps 1–6 for `0 < size1 < size2`: the first and
/// second roots the proof implies.
fn chain_consistency(
    size1: u64,
    size2: u64,
    root1: &Hash,
    path: &[Hash],
) -> core::result::Result<(Hash, Hash), ProofFailure> {
    // Step 1: a proof between different sizes is never empty.
    let Some((first, rest)) = path.split_first() else {
        return Err(ProofFailure::WrongLength);
    };
    // Step 2: if size1 is a power of two, prepend root1 (its tree is a
    // complete subtree of the second one, and the proof omits it).
    let (seed, rest) = if size1.is_power_of_two() {
        (*root1, path)
    } else {
        (*first, rest)
    };
    // Step 3.
    let (mut fnode, mut snode) = (size1 - 1, size2 - 1);
    // Step 4: start at the level of the seed subtree.
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    // Step 5.
    let (mut fr, mut sr) = (seed, seed);
    // Step 6.
    for c in rest {
        // 6a: a proof longer than the path to the root.
        if snode == 0 {
            return Err(ProofFailure::WrongLength);
        }
        if fnode & 1 == 1 || fnode == snode {
            // 6b: c is a left sibling, part of both trees.
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            // c is a right sibling, only in the second tree.
            sr = node_hash(&sr, c);
        }
        // 6c.
        fnode >>= 1;
        snode >>= 1;
    }
    // Step 7 (first part): sn = 0, the proof reached the second root.
    if snode != 0 {
        return Err(ProofFailure::WrongLength);
    }
    Ok((fr, sr))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(b: u8) -> Hash {
        Hash([b; 32])
    }

    #[test]
    fn single_leaf_tree() {
        let l = leaf_hash(b"a");
        let p = InclusionProof::default();
        verify_inclusion(b"a", 0, 1, &p, &l).unwrap();
        assert!(verify_inclusion(b"a", 1, 1, &p, &l).is_err());
        assert!(verify_inclusion(b"a", 0, 0, &p, &l).is_err());
        assert!(verify_inclusion(b"a", 0, 2, &p, &l).is_err());
    }

    #[test]
    fn consistency_edge_cases() {
        let e = empty_root();
        let empty = ConsistencyProof::default();
        let one = ConsistencyProof::from_path(vec![h(1)]).unwrap();
        verify_consistency(0, 0, &e, &e, &empty).unwrap();
        verify_consistency(0, 5, &e, &h(9), &empty).unwrap();
        assert_eq!(
            verify_consistency(0, 5, &h(1), &h(9), &empty),
            Err(Error::Inconsistent(ProofFailure::EmptyTreeRoot))
        );
        assert_eq!(
            verify_consistency(0, 0, &e, &h(9), &empty),
            Err(Error::Inconsistent(ProofFailure::EmptyTreeRoot))
        );
        assert_eq!(
            verify_consistency(0, 5, &e, &h(9), &one),
            Err(Error::Inconsistent(ProofFailure::EmptyTreeNonEmptyProof))
        );
        verify_consistency(3, 3, &h(2), &h(2), &empty).unwrap();
        assert_eq!(
            verify_consistency(3, 3, &h(2), &h(2), &one),
            Err(Error::Inconsistent(ProofFailure::EqualSizesNonEmptyProof))
        );
        assert_eq!(
            verify_consistency(3, 3, &h(2), &h(3), &empty),
            Err(Error::Inconsistent(ProofFailure::RootMismatch))
        );
        assert_eq!(
            verify_consistency(4, 3, &h(2), &h(2), &empty),
            Err(Error::Inconsistent(ProofFailure::SizeDecreasing {
                size1: 4,
                size2: 3
            }))
        );
        assert_eq!(
            verify_consistency(1, 2, &h(2), &h(3), &empty),
            Err(Error::Inconsistent(ProofFailure::WrongLength))
        );
    }

    #[test]
    fn failure_reasons_are_precise() {
        let leaves: Vec<Hash> = (0u8..7).map(|i| leaf_hash(&[i])).collect();
        let tree = crate::MemoryTree::from_leaf_hashes(leaves.iter().copied());
        let root = tree.root();
        let proof = tree.inclusion_proof(2, 7).unwrap();
        let with = |f: &dyn Fn(&mut Vec<Hash>)| {
            let mut p = proof.path().to_vec();
            f(&mut p);
            InclusionProof::from_path(p).unwrap()
        };
        let incl = |p: &InclusionProof| verify_inclusion_by_leaf_hash(&leaves[2], 2, 7, p, &root);
        let wrong_len = Err(Error::InclusionInvalid(ProofFailure::WrongLength));
        assert_eq!(incl(&with(&|p| p.push(h(0)))), wrong_len, "trailing (4a)");
        assert_eq!(incl(&with(&|p| p.insert(0, h(0)))), wrong_len, "preceding");
        assert_eq!(
            incl(&with(&|p| p.truncate(p.len() - 1))),
            wrong_len,
            "truncated (5)"
        );
        assert_eq!(
            incl(&with(&|p| p[0] = h(0))),
            Err(Error::InclusionInvalid(ProofFailure::RootMismatch))
        );

        let (r3, r7) = (tree.root_at(3).unwrap(), root);
        let cproof = tree.consistency_proof(3, 7).unwrap();
        let cwith = |f: &dyn Fn(&mut Vec<Hash>)| {
            let mut p = cproof.path().to_vec();
            f(&mut p);
            ConsistencyProof::from_path(p).unwrap()
        };
        let cons = |p: &ConsistencyProof| verify_consistency(3, 7, &r3, &r7, p);
        let wrong_len = Err(Error::Inconsistent(ProofFailure::WrongLength));
        assert_eq!(cons(&cwith(&|p| p.push(h(0)))), wrong_len, "trailing (6a)");
        assert_eq!(
            cons(&cwith(&|p| p.truncate(p.len() - 1))),
            wrong_len,
            "truncated (7)"
        );
        assert_eq!(
            cons(&cwith(&|p| p[1] = h(0))),
            Err(Error::Inconsistent(ProofFailure::RootMismatch))
        );
        // The first root is checked, not only the second (step 7).
        assert_eq!(
            verify_consistency(3, 7, &h(1), &r7, &cproof),
            Err(Error::Inconsistent(ProofFailure::RootMismatch))
        );
    }

    #[test]
    fn proof_codec_round_trip_and_limits() {
        let p = InclusionProof::from_path(vec![h(1), h(2)]).unwrap();
        let b = p.to_bytes();
        assert_eq!(b.len(), 4 + 64);
        assert_eq!(InclusionProof::decode(&b).unwrap(), p);
        let mut long = b.clone();
        long.push(0);
        assert_eq!(
            InclusionProof::decode(&long).unwrap_err().code(),
            "ERR_ENCODING"
        );
        assert_eq!(
            InclusionProof::decode(&b[..b.len() - 1])
                .unwrap_err()
                .code(),
            "ERR_ENCODING"
        );
        assert!(InclusionProof::from_path(vec![h(0); 65]).is_err());
        assert!(ConsistencyProof::from_path(vec![h(0); 65]).is_ok());
        assert!(ConsistencyProof::from_path(vec![h(0); 66]).is_err());
        let mut huge = vec![0, 0, 0, 65];
        huge.extend(vec![0u8; 65 * 32]);
        assert!(InclusionProof::decode(&huge).is_err());
        assert!(ConsistencyProof::decode(&huge).is_ok());
    }
}
