//! RFC 6962 reference-tree known answers and the negative proof probes of
//! docs/attacks.md E3 and E4 (`spec/log.md` §2–§4).
//!
//! The reference tree, its roots for sizes 1..8, the inclusion paths and the
//! consistency proofs are copied from google/certificate-transparency
//! `cpp/merkletree/merkle_tree_test.cc` (commit 0e901cacd1388fa16f78b184612f6cd16e5ceec1:
//! `kInputs`, `kSHA256Roots`, `kSHA256Paths`, `kSHA256Proofs`; its leaf
//! numbers are 1-based, ours 0-based). The same data is the
//! transparency-dev/merkle `testdata/` base (e.g. `testdata/inclusion/1/happy-path.json`
//! has root `XcnaeacG…` = `5dc9da79…`). The probe categories follow
//! `VerifierCheck`/`VerifierConsistencyCheck` in that file and the file names
//! of transparency-dev/merkle `testdata/{inclusion,consistency}/*`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use urna_log::{
    consistency_proof_from_leaf_hashes, empty_root, inclusion_proof_from_leaf_hashes, leaf_hash,
    root_from_leaf_hashes, verify_consistency, verify_inclusion, verify_inclusion_by_leaf_hash,
    CompactRange, ConsistencyProof, Hash, InclusionProof, MemoryTree,
};

/// `kInputs`.
const INPUTS: [&str; 8] = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
];

/// `kSHA256Roots`: the root after each of the 8 leaves.
const ROOTS: [&str; 8] = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

/// `kSHA256EmptyTreeHash`.
const EMPTY: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// `kSHA256Paths` (0-based index, tree size, path).
const PATHS: [(u64, u64, &[&str]); 4] = [
    (
        0,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        &[
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        3,
        &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
    ),
    (
        1,
        5,
        &[
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
];

/// `kSHA256Proofs` (size1, size2, proof).
const PROOFS: [(u64, u64, &[&str]); 4] = [
    (1, 1, &[]),
    (
        1,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        &[
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
];

fn hx(s: &str) -> Hash {
    Hash::from_hex(s, "test").unwrap()
}

fn entries() -> Vec<Vec<u8>> {
    INPUTS.iter().map(|s| hex::decode(s).unwrap()).collect()
}

fn leaves() -> Vec<Hash> {
    entries().iter().map(|e| leaf_hash(e)).collect()
}

fn flip(h: &Hash, bit: usize) -> Hash {
    let mut b = h.to_bytes();
    b[bit / 8] ^= 1 << (bit % 8);
    Hash(b)
}

#[test]
fn rfc6962_reference_roots() {
    assert_eq!(empty_root(), hx(EMPTY));
    assert_eq!(root_from_leaf_hashes(&[]), hx(EMPTY));
    let l = leaves();
    let mut mem = MemoryTree::new();
    let mut range = CompactRange::new();
    for (n, root) in ROOTS.iter().enumerate() {
        mem.push_entry(&entries()[n]);
        range.push_entry(&entries()[n]).unwrap();
        assert_eq!(root_from_leaf_hashes(&l[..=n]), hx(root), "size {}", n + 1);
        assert_eq!(mem.root(), hx(root));
        assert_eq!(range.root(), hx(root));
    }
    for (n, root) in ROOTS.iter().enumerate() {
        assert_eq!(mem.root_at(n as u64 + 1).unwrap(), hx(root));
    }
}

#[test]
fn rfc6962_reference_inclusion_paths() {
    let l = leaves();
    let e = entries();
    for (index, size, path) in PATHS {
        let want = InclusionProof::from_path(path.iter().map(|s| hx(s)).collect()).unwrap();
        let got = inclusion_proof_from_leaf_hashes(&l[..size as usize], index).unwrap();
        assert_eq!(got, want, "index {index} size {size}");
        let root = hx(ROOTS[size as usize - 1]);
        verify_inclusion(&e[index as usize], index, size, &want, &root).unwrap();
    }
}

#[test]
fn rfc6962_reference_consistency_proofs() {
    let l = leaves();
    for (size1, size2, proof) in PROOFS {
        let want = ConsistencyProof::from_path(proof.iter().map(|s| hx(s)).collect()).unwrap();
        let got = consistency_proof_from_leaf_hashes(&l[..size2 as usize], size1).unwrap();
        assert_eq!(got, want, "{size1} -> {size2}");
        let (r1, r2) = (hx(ROOTS[size1 as usize - 1]), hx(ROOTS[size2 as usize - 1]));
        verify_consistency(size1, size2, &r1, &r2, &want).unwrap();
    }
}

/// Every E3 probe for one (leaf, index, size): the happy path passes, every
/// mutant fails with `ERR_INCLUSION_INVALID`.
fn inclusion_probes(entry: &[u8], index: u64, size: u64, proof: &InclusionProof, root: &Hash) {
    verify_inclusion(entry, index, size, proof, root).unwrap();
    let path = proof.path().to_vec();
    let mk = |p: Vec<Hash>| InclusionProof::from_path(p).unwrap();
    let mut probes: Vec<(String, Vec<u8>, u64, u64, InclusionProof, Hash)> = vec![
        (
            "wrong-leaf".into(),
            b"WrongLeaf".to_vec(),
            index,
            size,
            proof.clone(),
            *root,
        ),
        (
            "leafIdx+1".into(),
            entry.to_vec(),
            index + 1,
            size,
            proof.clone(),
            *root,
        ),
        (
            "leafIdx^2".into(),
            entry.to_vec(),
            index ^ 2,
            size,
            proof.clone(),
            *root,
        ),
        (
            "treeSize*2".into(),
            entry.to_vec(),
            index,
            size * 2,
            proof.clone(),
            *root,
        ),
        (
            "treeSize/2".into(),
            entry.to_vec(),
            index,
            size / 2,
            proof.clone(),
            *root,
        ),
        (
            "empty-root".into(),
            entry.to_vec(),
            index,
            size,
            proof.clone(),
            empty_root(),
        ),
        (
            "random-root".into(),
            entry.to_vec(),
            index,
            size,
            proof.clone(),
            Hash([0x5a; 32]),
        ),
        (
            "root-bit".into(),
            entry.to_vec(),
            index,
            size,
            proof.clone(),
            flip(root, 77),
        ),
    ];
    if index > 0 {
        probes.push((
            "leafIdx-1".into(),
            entry.to_vec(),
            index - 1,
            size,
            proof.clone(),
            *root,
        ));
    }
    for j in 0..path.len() {
        for bit in [0, 3, 255] {
            let mut p = path.clone();
            p[j] = flip(&p[j], bit);
            probes.push((
                format!("modified-proof[{j}]-bit-{bit}"),
                entry.to_vec(),
                index,
                size,
                mk(p),
                *root,
            ));
        }
        let mut p = path.clone();
        p[j] = empty_root();
        probes.push((
            format!("proof[{j}]-is-empty-root"),
            entry.to_vec(),
            index,
            size,
            mk(p),
            *root,
        ));
        let mut p = path.clone();
        p.remove(j);
        probes.push((
            format!("removed-component-{j}"),
            entry.to_vec(),
            index,
            size,
            mk(p),
            *root,
        ));
    }
    for j in 0..=path.len() {
        for filler in [Hash([0; 32]), *root] {
            let mut p = path.clone();
            p.insert(j, filler);
            if p.len() <= urna_log::MAX_INCLUSION_PROOF_LEN {
                probes.push((
                    format!("inserted-component-{j}"),
                    entry.to_vec(),
                    index,
                    size,
                    mk(p),
                    *root,
                ));
            }
        }
    }
    // Preceding and trailing garbage are the insertions at 0 and at the end.
    for (name, e, i, s, p, r) in probes {
        let err = verify_inclusion(&e, i, s, &p, &r).expect_err(&name);
        assert_eq!(err.code(), "ERR_INCLUSION_INVALID", "{name}");
    }
}

#[test]
fn e03_inclusion_negative_probes_reference_tree() {
    let e = entries();
    for (index, size, path) in PATHS {
        let proof = InclusionProof::from_path(path.iter().map(|s| hx(s)).collect()).unwrap();
        inclusion_probes(
            &e[index as usize],
            index,
            size,
            &proof,
            &hx(ROOTS[size as usize - 1]),
        );
    }
    // `VerifyPath` invalid cases: empty tree, index beyond size.
    let none = InclusionProof::default();
    for (i, s) in [(0, 0), (1, 0), (1, 1), (2, 1)] {
        for root in [empty_root(), Hash([0; 32])] {
            let err = verify_inclusion(b"", i, s, &none, &root).unwrap_err();
            assert_eq!(err.code(), "ERR_INCLUSION_INVALID");
        }
    }
}

#[test]
fn e03_inclusion_negative_probes_all_sizes() {
    // As `VerifyPath` "More tests with reference path generator": every leaf
    // of every tree size up to 128 (entries are the bytes 0..255).
    let entries: Vec<Vec<u8>> = (0..=255u8).map(|b| vec![b]).collect();
    let all: Vec<Hash> = entries.iter().map(|e| leaf_hash(e)).collect();
    let tree = MemoryTree::from_leaf_hashes(all.iter().copied());
    for size in 1..=128u64 {
        let root = tree.root_at(size).unwrap();
        for index in 0..size {
            let proof = tree.inclusion_proof(index, size).unwrap();
            inclusion_probes(&entries[index as usize], index, size, &proof, &root);
        }
    }
}

/// Every E4 probe for one (size1, size2): the happy path passes, every
/// mutant fails with `ERR_LOG_INCONSISTENT`.
fn consistency_probes(
    size1: u64,
    size2: u64,
    root1: &Hash,
    root2: &Hash,
    proof: &ConsistencyProof,
) {
    verify_consistency(size1, size2, root1, root2, proof).unwrap();
    let path = proof.path().to_vec();
    let mk = |p: Vec<Hash>| ConsistencyProof::from_path(p).unwrap();
    let mut probes: Vec<(String, u64, u64, Hash, Hash, ConsistencyProof)> = vec![
        // E4 extra cases.
        (
            "size2<size1".into(),
            size2 + 1,
            size2,
            *root1,
            *root2,
            proof.clone(),
        ),
        (
            "size1=size2,non-empty".into(),
            size2,
            size2,
            *root2,
            *root2,
            mk(vec![*root2]),
        ),
        (
            "size1=0,non-empty".into(),
            0,
            size2,
            empty_root(),
            *root2,
            mk(vec![*root2]),
        ),
        (
            "size1=0,bad-root".into(),
            0,
            size2,
            *root1,
            *root2,
            ConsistencyProof::default(),
        ),
    ];
    if !path.is_empty() {
        let p = proof.clone();
        probes.extend([
            (
                "size1-1".to_string(),
                size1 - 1,
                size2,
                *root1,
                *root2,
                p.clone(),
            ),
            (
                "size1+1".into(),
                size1 + 1,
                size2,
                *root1,
                *root2,
                p.clone(),
            ),
            (
                "size1^2".into(),
                size1 ^ 2,
                size2,
                *root1,
                *root2,
                p.clone(),
            ),
            (
                "size2*2".into(),
                size1,
                size2 * 2,
                *root1,
                *root2,
                p.clone(),
            ),
            (
                "size2/2".into(),
                size1,
                size2 / 2,
                *root1,
                *root2,
                p.clone(),
            ),
            (
                "wrong-root1".into(),
                size1,
                size2,
                Hash([0x77; 32]),
                *root2,
                p.clone(),
            ),
            (
                "wrong-root2".into(),
                size1,
                size2,
                *root1,
                Hash([0x77; 32]),
                p.clone(),
            ),
            (
                "empty-root2".into(),
                size1,
                size2,
                *root1,
                empty_root(),
                p.clone(),
            ),
            (
                "swapped-roots".into(),
                size1,
                size2,
                *root2,
                *root1,
                p.clone(),
            ),
            (
                "empty-proof".into(),
                size1,
                size2,
                *root1,
                *root2,
                ConsistencyProof::default(),
            ),
        ]);
        for j in 0..path.len() {
            for bit in [0, 4, 255] {
                let mut q = path.clone();
                q[j] = flip(&q[j], bit);
                probes.push((
                    format!("modified-proof[{j}]-bit-{bit}"),
                    size1,
                    size2,
                    *root1,
                    *root2,
                    mk(q),
                ));
            }
            let mut q = path.clone();
            q[j] = empty_root();
            probes.push((
                format!("proof[{j}]-is-empty-root"),
                size1,
                size2,
                *root1,
                *root2,
                mk(q),
            ));
            let mut q = path.clone();
            q.remove(j);
            probes.push((format!("removed-{j}"), size1, size2, *root1, *root2, mk(q)));
        }
        let mut q = path.clone();
        q.truncate(path.len() - 1);
        probes.push(("truncated".into(), size1, size2, *root1, *root2, mk(q)));
        for (name, filler) in [
            ("garbage", Hash([0; 32])),
            ("last", path[path.len() - 1]),
            ("first", path[0]),
            ("root1", *root1),
        ] {
            let mut q = path.clone();
            q.push(filler);
            probes.push((
                format!("trailing-{name}"),
                size1,
                size2,
                *root1,
                *root2,
                mk(q),
            ));
            let mut q = path.clone();
            q.insert(0, filler);
            probes.push((
                format!("preceding-{name}"),
                size1,
                size2,
                *root1,
                *root2,
                mk(q),
            ));
        }
    }
    for (name, s1, s2, r1, r2, p) in probes {
        let err = verify_consistency(s1, s2, &r1, &r2, &p).expect_err(&name);
        assert_eq!(
            err.code(),
            "ERR_LOG_INCONSISTENT",
            "{name} ({size1} -> {size2})"
        );
    }
}

#[test]
fn e04_consistency_negative_probes_reference_tree() {
    for (size1, size2, proof) in PROOFS {
        let proof = ConsistencyProof::from_path(proof.iter().map(|s| hx(s)).collect()).unwrap();
        consistency_probes(
            size1,
            size2,
            &hx(ROOTS[size1 as usize - 1]),
            &hx(ROOTS[size2 as usize - 1]),
            &proof,
        );
    }
    // `VerifyConsistencyProof` fixed cases.
    let e = empty_root();
    let none = ConsistencyProof::default();
    let one = ConsistencyProof::from_path(vec![e]).unwrap();
    let r = hx(ROOTS[0]);
    verify_consistency(0, 0, &e, &e, &none).unwrap();
    verify_consistency(0, 1, &e, &r, &none).unwrap();
    verify_consistency(1, 1, &r, &r, &none).unwrap();
    for (s1, s2, r1, r2, p) in [
        (1, 0, r, r, &none), // time travel
        (2, 1, r, r, &none),
        (1, 2, r, r, &none), // empty proof
        (1, 1, e, r, &none), // roots differ
        (0, 0, e, e, &one),  // roots match, proof not empty
        (0, 1, e, e, &one),
        (1, 1, e, e, &one),
    ] {
        let err = verify_consistency(s1, s2, &r1, &r2, p).unwrap_err();
        assert_eq!(err.code(), "ERR_LOG_INCONSISTENT", "{s1} -> {s2}");
    }
}

#[test]
fn e04_consistency_negative_probes_all_sizes() {
    let all: Vec<Hash> = (0..=255u8).map(|b| leaf_hash(&[b])).collect();
    let tree = MemoryTree::from_leaf_hashes(all.iter().copied());
    for size2 in 1..=128u64 {
        let root2 = tree.root_at(size2).unwrap();
        for size1 in 1..=size2 {
            let proof = tree.consistency_proof(size1, size2).unwrap();
            consistency_probes(size1, size2, &tree.root_at(size1).unwrap(), &root2, &proof);
        }
    }
}

#[test]
fn e03_node_hash_as_leaf_hash_is_caught_only_by_the_entry_api() {
    // Documents why `verify_inclusion` takes the entry: the raw leaf-hash
    // variant would accept an interior node one level up.
    let l = leaves();
    let tree = MemoryTree::from_leaf_hashes(l[..4].iter().copied());
    let n01 = urna_log::node_hash(&l[0], &l[1]);
    let n23 = urna_log::node_hash(&l[2], &l[3]);
    let proof = InclusionProof::from_path(vec![n23]).unwrap();
    let root = tree.root();
    // As a "leaf hash" in a 2-leaf tree, n01 verifies against the 4-leaf root ...
    verify_inclusion_by_leaf_hash(&n01, 0, 2, &proof, &root).unwrap();
    // ... but no entry hashes to it, and the size is wrong for the signed head.
    assert!(verify_inclusion_by_leaf_hash(&n01, 0, 4, &proof, &root).is_err());
    assert!(verify_inclusion(n01.as_bytes(), 0, 2, &proof, &root).is_err());
}
