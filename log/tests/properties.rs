//! Property tests (docs/attacks.md E3, E4; `spec/log.md` §2–§5, §12): for random tree
//! sizes every generated proof verifies and every single-bit mutation of
//! the proof, the leaf or the roots fails; every decoder inverts its
//! encoder and never panics on arbitrary bytes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use urna_log::{
    leaf_hash, root_from_leaf_hashes, verify_consistency, verify_inclusion_by_leaf_hash, BoardKey,
    CompactRange, ConsistencyProof, Evidence, Hash, InclusionProof, LeafFn, MemoryTree,
    SignedTreeHead,
};

fn leaves(seed: u64, n: u64) -> Vec<Hash> {
    (0..n)
        .map(|i| {
            let mut e = seed.to_be_bytes().to_vec();
            e.extend_from_slice(&i.to_be_bytes());
            leaf_hash(&e)
        })
        .collect()
}

fn flip(h: &Hash, bit: usize) -> Hash {
    let mut b = h.to_bytes();
    b[bit / 8] ^= 1 << (bit % 8);
    Hash(b)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn e03_inclusion_proofs_verify_and_every_bit_flip_fails(
        seed in any::<u64>(), size in 1u64..=300, pick in any::<u64>(),
    ) {
        let l = leaves(seed, size);
        let tree = MemoryTree::from_leaf_hashes(l.iter().copied());
        let index = pick % size;
        let root = tree.root();
        let proof = tree.inclusion_proof(index, size).unwrap();
        // The recomputing source gives the same proof.
        let mut src = LeafFn(|i: u64| -> urna_log::Result<Hash> { Ok(l[i as usize]) });
        prop_assert_eq!(&urna_log::prove_inclusion(&mut src, index, size).unwrap(), &proof);
        let leaf = l[index as usize];
        verify_inclusion_by_leaf_hash(&leaf, index, size, &proof, &root).unwrap();
        for bit in 0..256 {
            prop_assert!(verify_inclusion_by_leaf_hash(&flip(&leaf, bit), index, size, &proof, &root).is_err());
            prop_assert!(verify_inclusion_by_leaf_hash(&leaf, index, size, &proof, &flip(&root, bit)).is_err());
            for j in 0..proof.path().len() {
                let mut p = proof.path().to_vec();
                p[j] = flip(&p[j], bit);
                let p = InclusionProof::from_path(p).unwrap();
                prop_assert!(verify_inclusion_by_leaf_hash(&leaf, index, size, &p, &root).is_err());
            }
        }
        // Bit flips in the index (those that stay below the size and give a
        // different position must fail too).
        for bit in 0..64 {
            let i2 = index ^ (1 << bit);
            prop_assert!(verify_inclusion_by_leaf_hash(&leaf, i2, size, &proof, &root).is_err());
        }
        // Every bit flip of the encoding fails to decode or to verify.
        let enc = proof.to_bytes();
        for byte in 0..enc.len() {
            let mut b = enc.clone();
            b[byte] ^= 1 << (pick % 8);
            if let Ok(p) = InclusionProof::decode(&b) {
                prop_assert!(verify_inclusion_by_leaf_hash(&leaf, index, size, &p, &root).is_err());
            }
        }
    }

    #[test]
    fn e04_consistency_proofs_verify_and_every_bit_flip_fails(
        seed in any::<u64>(), size2 in 1u64..=300, pick in any::<u64>(),
    ) {
        let l = leaves(seed, size2);
        let tree = MemoryTree::from_leaf_hashes(l.iter().copied());
        let size1 = pick % (size2 + 1);
        let (root1, root2) = (tree.root_at(size1).unwrap(), tree.root_at(size2).unwrap());
        let proof = tree.consistency_proof(size1, size2).unwrap();
        prop_assert_eq!(
            &urna_log::consistency_proof_from_leaf_hashes(&l, size1).unwrap(),
            &proof
        );
        verify_consistency(size1, size2, &root1, &root2, &proof).unwrap();
        for bit in 0..256 {
            prop_assert!(verify_consistency(size1, size2, &flip(&root1, bit), &root2, &proof).is_err());
            if size1 > 0 {
                // From the empty tree, any second root is consistent.
                prop_assert!(verify_consistency(size1, size2, &root1, &flip(&root2, bit), &proof).is_err());
            }
            for j in 0..proof.path().len() {
                let mut p = proof.path().to_vec();
                p[j] = flip(&p[j], bit);
                let p = ConsistencyProof::from_path(p).unwrap();
                prop_assert!(verify_consistency(size1, size2, &root1, &root2, &p).is_err());
            }
        }
    }

    #[test]
    fn compact_range_matches_memory_tree(seed in any::<u64>(), size in 0u64..=600) {
        let l = leaves(seed, size);
        let mut c = CompactRange::new();
        for h in &l {
            c.push(*h).unwrap();
        }
        let tree = MemoryTree::from_leaf_hashes(l.iter().copied());
        prop_assert_eq!(c.root(), tree.root());
        prop_assert_eq!(c.root(), root_from_leaf_hashes(&l));
        prop_assert_eq!(&tree.compact_range(size).unwrap(), &c);
        prop_assert_eq!(&CompactRange::decode(&c.to_bytes()).unwrap(), &c);
    }

    #[test]
    fn decoders_round_trip(seed in any::<[u8; 32]>(), size in 1u64..1000, ts in 1u64.., n in 0usize..=64) {
        let key = BoardKey::from_seed(&seed);
        let root = leaf_hash(&seed);
        let h = key.sign_tree_head("e", size, ts, root).unwrap();
        prop_assert_eq!(SignedTreeHead::decode(&h.to_bytes()).unwrap(), h);
        h.verify(&key.public_key(), "e").unwrap();
        let path: Vec<Hash> = (0..n as u64).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let p = InclusionProof::from_path(path.clone()).unwrap();
        prop_assert_eq!(&InclusionProof::decode(&p.to_bytes()).unwrap(), &p);
        let c = ConsistencyProof::from_path(path).unwrap();
        prop_assert_eq!(&ConsistencyProof::decode(&c.to_bytes()).unwrap(), &c);
    }

    #[test]
    fn decoders_never_panic_and_accept_only_canonical_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..700)) {
        if let Ok(p) = InclusionProof::decode(&bytes) {
            prop_assert_eq!(p.to_bytes(), bytes.clone());
        }
        if let Ok(p) = ConsistencyProof::decode(&bytes) {
            prop_assert_eq!(p.to_bytes(), bytes.clone());
        }
        if let Ok(h) = SignedTreeHead::decode(&bytes) {
            prop_assert_eq!(h.to_bytes(), bytes.clone());
        }
        if let Ok(c) = CompactRange::decode(&bytes) {
            prop_assert_eq!(c.to_bytes(), bytes.clone());
        }
        if let Ok(e) = Evidence::decode(&bytes) {
            prop_assert_eq!(e.to_bytes(), bytes.clone());
            let _ = e.verify();
        }
    }
}
