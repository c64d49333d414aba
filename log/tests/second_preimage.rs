//! Case E1: leaf/node second preimage (`spec/log.md` §2 (L1), (L2)).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use urna_log::{leaf_hash, node_hash, verify_inclusion, InclusionProof, MemoryTree};

#[test]
fn e01_leaf_node_second_preimage_rejected() {
    // A 4-leaf tree and its two level-1 hashes.
    let entries: [&[u8]; 4] = [b"a", b"b", b"c", b"d"];
    let tree = MemoryTree::from_leaf_hashes(entries.iter().map(|e| leaf_hash(e)));
    let root = tree.root();
    let l: Vec<_> = entries.iter().map(|e| leaf_hash(e)).collect();
    let n01 = node_hash(&l[0], &l[1]);
    let n23 = node_hash(&l[2], &l[3]);
    assert_eq!(root, node_hash(&n01, &n23));

    // The 64-byte concatenation n01 ‖ n23, submitted as leaf data.
    let mut forged = Vec::new();
    forged.extend_from_slice(n01.as_bytes());
    forged.extend_from_slice(n23.as_bytes());
    assert_eq!(forged.len(), 64);
    assert_ne!(leaf_hash(&forged), root, "leaf and node hashes must differ");

    // Claim: the forged entry is the only leaf of a 1-leaf tree with that root.
    let err = verify_inclusion(&forged, 0, 1, &InclusionProof::default(), &root).unwrap_err();
    assert_eq!(err.code(), "ERR_INCLUSION_INVALID");
    // Claim: n01 (as 32 bytes of data) is leaf 0 of a 2-leaf tree with that root.
    let proof = InclusionProof::from_path(vec![n23]).unwrap();
    let err = verify_inclusion(n01.as_bytes(), 0, 2, &proof, &root).unwrap_err();
    assert_eq!(err.code(), "ERR_INCLUSION_INVALID");
    // Claim: the forged 64 bytes are leaf 0 of a 2-leaf tree.
    let err = verify_inclusion(&forged, 0, 2, &proof, &root).unwrap_err();
    assert_eq!(err.code(), "ERR_INCLUSION_INVALID");

    // Control: an honest 64-byte entry in a real tree verifies.
    let mut honest = MemoryTree::new();
    honest.push_entry(b"first");
    let i = honest.push_entry(&forged);
    honest.push_entry(b"third");
    let p = honest.inclusion_proof(i, 3).unwrap();
    verify_inclusion(&forged, i, 3, &p, &honest.root()).unwrap();
}
