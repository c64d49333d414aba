//! Fuzz harnesses of the transparency log's decoders (issue 13, item 7):
//! signed tree heads (`spec/log.md` §7 (L13)) in their binary and JSON
//! forms, inclusion and consistency proofs (§5 (L10)), board keys (§6
//! (L11)) and equivocation evidence (§9 (L22)). Bounded, seeded property
//! tests run by `cargo test`; how inputs are made and what is checked is in
//! `election/tests/fuzz_support/mod.rs`, shared by every harness.
//!
//! Besides the shared properties (no panic, bounded allocation, canonical
//! encodings), a mutated head or proof must never verify unless it is,
//! byte for byte, a head or proof that really verifies: a mutation that
//! verified would be a forgery or a second preimage.

#[path = "../../election/tests/fuzz_support/mod.rs"]
mod fuzz_support;

use fuzz_support::{check_canonical, measure, mutated, mutated_json, random_after, run};
use proptest::prelude::*;
use urna_log::{
    verify_consistency, verify_inclusion, BoardKey, BoardPublicKey, ConflictingLeaf,
    ConsistencyProof, Evidence, InclusionProof, MemoryTree, SignedTreeHead, EVIDENCE_LABEL,
    TREE_HEAD_LABEL,
};

/// The election whose log the heads are of.
const E: &str = "council-2026";
const T0: u64 = 1_767_225_600_000;
const LEAVES: u64 = 21;
/// Heads and proofs hold fixed-size fields: decoding allocates little.
const PER_BYTE: usize = 8;
const FIXED: usize = 16 * 1024;

fn key() -> BoardKey {
    BoardKey::from_seed(&[0x42; 32])
}

fn tree(fork_at: Option<u64>) -> MemoryTree {
    let mut t = MemoryTree::new();
    for i in 0..LEAVES {
        let forked = if fork_at == Some(i) { " (forked)" } else { "" };
        t.push_entry(format!("entry {i}{forked}").as_bytes());
    }
    t
}

/// Heads of the honest tree at sizes 0, 1, 5 and 21.
fn heads() -> Vec<SignedTreeHead> {
    let (k, t) = (key(), tree(None));
    [0u64, 1, 5, LEAVES]
        .iter()
        .enumerate()
        .map(|(i, &size)| {
            k.sign_tree_head(E, size, T0 + i as u64, t.root_at(size).unwrap())
                .unwrap()
        })
        .collect()
}

/// Every inclusion proof of the honest tree at its full size, with the
/// leaf index it is for.
fn inclusion_proofs() -> Vec<(u64, InclusionProof)> {
    let t = tree(None);
    (0..LEAVES)
        .map(|i| (i, t.inclusion_proof(i, LEAVES).unwrap()))
        .collect()
}

/// Consistency proofs of the honest tree from some sizes to its full size.
fn consistency_proofs() -> Vec<(u64, ConsistencyProof)> {
    let t = tree(None);
    [1u64, 2, 3, 7, 8, 13, 20]
        .iter()
        .map(|&s| (s, t.consistency_proof(s, LEAVES).unwrap()))
        .collect()
}

/// Evidence of the three kinds: a split view, a rollback and a
/// conflicting leaf between heads of different sizes.
fn evidence() -> Vec<Evidence> {
    let k = key();
    let pk = k.public_key();
    let (honest, forked) = (tree(None), tree(Some(3)));
    let h = |t: &MemoryTree, size: u64, ts: u64| {
        k.sign_tree_head(E, size, T0 + ts, t.root_at(size).unwrap())
            .unwrap()
    };
    let split = Evidence::from_heads(pk, h(&honest, 8, 1), h(&forked, 8, 2)).unwrap();
    let rollback = Evidence::from_heads(pk, h(&honest, 9, 1), h(&honest, 6, 2)).unwrap();
    let leaf = Evidence {
        public_key: pk,
        first: h(&honest, 5, 1),
        second: h(&forked, 12, 2),
        conflicting_leaf: Some(ConflictingLeaf {
            index: 3,
            first_leaf_hash: honest.leaf_hash(3).unwrap(),
            first_proof: honest.inclusion_proof(3, 5).unwrap(),
            second_leaf_hash: forked.leaf_hash(3).unwrap(),
            second_proof: forked.inclusion_proof(3, 12).unwrap(),
        }),
    };
    leaf.verify().unwrap();
    vec![split, rollback, leaf]
}

#[test]
fn seeds_are_valid() {
    let pk = key().public_key();
    for h in heads() {
        assert_eq!(SignedTreeHead::decode(&h.to_bytes()).unwrap(), h);
        h.verify(&pk, E).unwrap();
    }
    for e in evidence() {
        assert_eq!(Evidence::decode(&e.to_bytes()).unwrap(), e);
    }
}

#[test]
fn head_decoding_mutated() {
    let pk = key().public_key();
    let valid: Vec<Vec<u8>> = heads().iter().map(SignedTreeHead::to_bytes).collect();
    let seeds = valid.clone();
    run(
        "tree head, mutated",
        50_000,
        0x5eed_0101,
        2500,
        mutated(seeds),
        |input| {
            let Some(h) = check_canonical(
                "tree head",
                &input,
                SignedTreeHead::decode,
                SignedTreeHead::to_bytes,
                PER_BYTE,
                FIXED,
            )?
            else {
                return Ok(false);
            };
            if h.verify(&pk, E).is_ok() {
                prop_assert!(valid.contains(&input), "a mutated tree head verifies");
            }
            Ok(true)
        },
    );
}

#[test]
fn head_decoding_random() {
    let prefixes = vec![TREE_HEAD_LABEL.to_vec(), Vec::new()];
    run(
        "tree head, random",
        20_000,
        0x5eed_0102,
        0,
        random_after(prefixes, 200),
        |input| {
            Ok(check_canonical(
                "tree head",
                &input,
                SignedTreeHead::decode,
                SignedTreeHead::to_bytes,
                PER_BYTE,
                FIXED,
            )?
            .is_some())
        },
    );
}

/// The JSON form (`spec/log.md` §11), as boards and mirrors serve it.
#[test]
fn head_json_mutated() {
    let pk = key().public_key();
    let valid = heads();
    let seeds = valid
        .iter()
        .map(|h| serde_json::to_string(h).unwrap())
        .collect();
    run(
        "tree head JSON, mutated",
        30_000,
        0x5eed_0103,
        1000,
        mutated_json(seeds),
        |input| {
            let (parsed, a) = measure(|| serde_json::from_slice::<SignedTreeHead>(&input));
            fuzz_support::assert_allocation_bounded("tree head JSON", input.len(), a, 32, FIXED)?;
            let Ok(h) = parsed else {
                return Ok(false);
            };
            let back = serde_json::from_str::<SignedTreeHead>(&serde_json::to_string(&h).unwrap());
            prop_assert_eq!(back.ok(), Some(h));
            prop_assert_eq!(SignedTreeHead::decode(&h.to_bytes()).ok(), Some(h));
            if h.verify(&pk, E).is_ok() {
                prop_assert!(valid.contains(&h), "a mutated tree head verifies");
            }
            Ok(true)
        },
    );
}

#[test]
fn inclusion_proof_decoding_mutated() {
    let t = tree(None);
    let root = t.root();
    let proofs = inclusion_proofs();
    let seeds = proofs.iter().map(|(_, p)| p.to_bytes()).collect();
    run(
        "inclusion proof, mutated",
        30_000,
        0x5eed_0104,
        1500,
        mutated(seeds),
        |input| {
            let Some(p) = check_canonical(
                "inclusion proof",
                &input,
                InclusionProof::decode,
                InclusionProof::to_bytes,
                PER_BYTE,
                FIXED,
            )?
            else {
                return Ok(false);
            };
            // The decoded proof against every leaf of the tree (and one past
            // it): verifies only for the leaf whose real proof it is.
            for i in 0..=LEAVES {
                let entry = format!("entry {i}");
                if verify_inclusion(entry.as_bytes(), i, LEAVES, &p, &root).is_ok() {
                    let real = proofs.get(i as usize).map(|(_, r)| r);
                    prop_assert!(real == Some(&p), "a mutated inclusion proof verifies");
                }
            }
            Ok(true)
        },
    );
}

#[test]
fn consistency_proof_decoding_mutated() {
    let t = tree(None);
    let root = t.root();
    let proofs = consistency_proofs();
    let seeds = proofs.iter().map(|(_, p)| p.to_bytes()).collect();
    run(
        "consistency proof, mutated",
        30_000,
        0x5eed_0105,
        1500,
        mutated(seeds),
        |input| {
            let Some(p) = check_canonical(
                "consistency proof",
                &input,
                ConsistencyProof::decode,
                ConsistencyProof::to_bytes,
                PER_BYTE,
                FIXED,
            )?
            else {
                return Ok(false);
            };
            for (size, real) in &proofs {
                let old = t.root_at(*size).unwrap();
                if verify_consistency(*size, LEAVES, &old, &root, &p).is_ok() {
                    prop_assert!(*real == p, "a mutated consistency proof verifies");
                }
            }
            Ok(true)
        },
    );
}

#[test]
fn board_key_decoding_random() {
    let real = key().public_key().to_bytes().to_vec();
    run(
        "board key, random",
        20_000,
        0x5eed_0106,
        1000,
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..40),
            proptest::collection::vec(any::<u8>(), 32),
            mutated(vec![real]),
        ],
        |input| {
            Ok(check_canonical(
                "board key",
                &input,
                BoardPublicKey::from_bytes,
                |k| k.to_bytes().to_vec(),
                PER_BYTE,
                FIXED,
            )?
            .is_some())
        },
    );
}

/// Evidence is checked offline by anyone, from bytes anyone can send: its
/// decoder and [`Evidence::verify`] both take hostile input.
#[test]
fn evidence_decoding_mutated() {
    let seeds = evidence().iter().map(Evidence::to_bytes).collect();
    run(
        "evidence, mutated",
        20_000,
        0x5eed_0107,
        1500,
        prop_oneof![
            4 => mutated(seeds),
            1 => random_after(vec![EVIDENCE_LABEL.to_vec()], 600),
        ],
        |input| {
            let Some(e) = check_canonical(
                "evidence",
                &input,
                Evidence::decode,
                Evidence::to_bytes,
                PER_BYTE,
                FIXED,
            )?
            else {
                return Ok(false);
            };
            let _ = e.verify();
            Ok(true)
        },
    );
}

/// The JSON form of evidence (`spec/log.md` §11).
#[test]
fn evidence_json_mutated() {
    let seeds = evidence()
        .iter()
        .map(|e| serde_json::to_string(e).unwrap())
        .collect();
    run(
        "evidence JSON, mutated",
        20_000,
        0x5eed_0108,
        600,
        mutated_json(seeds),
        |input| {
            let (parsed, a) = measure(|| serde_json::from_slice::<Evidence>(&input));
            fuzz_support::assert_allocation_bounded("evidence JSON", input.len(), a, 32, FIXED)?;
            let Ok(e) = parsed else {
                return Ok(false);
            };
            let _ = e.verify();
            prop_assert_eq!(Evidence::decode(&e.to_bytes()).ok(), Some(e));
            Ok(true)
        },
    );
}
