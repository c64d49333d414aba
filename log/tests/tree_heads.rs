//! Signed tree heads, the extension rule and equivocation evidence:
//! docs/attacks.md E10, E6 and E5 (`spec/log.md` §6–§9).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ed25519_dalek::{Signer, SigningKey};
use urna_log::{
    check_extends, empty_root, BoardKey, BoardPublicKey, ConflictingLeaf, ConsistencyProof, Error,
    Evidence, EvidenceKind, Hash, HeadFailure, MemoryTree, SignedTreeHead, VerifiedTreeHead,
};

const T0: u64 = 1_767_225_600_000;

/// The election whose log these heads are of.
const E: &str = "e1";

fn board() -> BoardKey {
    BoardKey::from_seed(&[0x42; 32])
}

fn tree(n: u32) -> MemoryTree {
    let mut t = MemoryTree::new();
    for i in 0..n {
        t.push_entry(format!("entry {i}").as_bytes());
    }
    t
}

fn head(key: &BoardKey, t: &MemoryTree, size: u64, ts: u64) -> SignedTreeHead {
    key.sign_tree_head(E, size, ts, t.root_at(size).unwrap())
        .unwrap()
}

fn verified(key: &BoardKey, h: &SignedTreeHead) -> VerifiedTreeHead {
    h.verify(&key.public_key(), E).unwrap()
}

/// Sign arbitrary fields with the raw key, bypassing `sign_tree_head`'s checks.
fn raw_sign(seed: [u8; 32], mut h: SignedTreeHead) -> SignedTreeHead {
    h.signature = SigningKey::from_bytes(&seed)
        .sign(&h.signed_body())
        .to_bytes();
    h
}

fn checkpoint_failure(e: Error) -> HeadFailure {
    match e {
        Error::CheckpointInvalid(f) => f,
        other => panic!("expected ERR_CHECKPOINT_INVALID, got {other:?}"),
    }
}

#[test]
fn e10_valid_head_verifies_and_round_trips() {
    let key = board();
    let t = tree(5);
    let h = head(&key, &t, 5, T0);
    let v = h.verify(&key.public_key(), E).unwrap();
    assert_eq!(v.tree_size, 5);
    assert_eq!(v.log_id, key.log_id(E));
    assert_eq!(SignedTreeHead::decode(&h.to_bytes()).unwrap(), h);
    let json = serde_json::to_string(&h).unwrap();
    assert_eq!(serde_json::from_str::<SignedTreeHead>(&json).unwrap(), h);
    assert_eq!(serde_json::to_string(&v).unwrap(), json);
    // The empty tree.
    let e = key.sign_tree_head(E, 0, T0, empty_root()).unwrap();
    e.verify(&key.public_key(), E).unwrap();
}

#[test]
fn e10_bad_signature_rejected() {
    let key = board();
    let pk = key.public_key();
    let h = head(&key, &tree(5), 5, T0);
    // Any single-bit change to the signature or to the signed fields.
    let bytes = h.to_bytes();
    for byte in 18..bytes.len() {
        for bit in [0, 7] {
            let mut b = bytes.clone();
            b[byte] ^= 1 << bit;
            let m = SignedTreeHead::decode(&b).unwrap();
            let f = checkpoint_failure(m.verify(&pk, E).unwrap_err());
            assert!(
                matches!(
                    f,
                    HeadFailure::BadSignature
                        | HeadFailure::WrongLogId
                        | HeadFailure::ZeroTimestamp
                ),
                "byte {byte}: {f:?}"
            );
        }
    }
    // A signature by another key over the same body.
    let other = raw_sign([9; 32], h);
    assert_eq!(
        checkpoint_failure(other.verify(&pk, E).unwrap_err()),
        HeadFailure::BadSignature
    );
    // All-zero signature.
    let mut z = h;
    z.signature = [0; 64];
    assert_eq!(
        z.verify(&pk, E).unwrap_err().code(),
        "ERR_CHECKPOINT_INVALID"
    );
}

/// `spec/log.md` §6 (L11), §7 (L14): a key only in its canonical
/// encoding and not of small order; `S` below ℓ; `R` canonical and not of
/// small order.
#[test]
fn e10_non_canonical_keys_and_signatures_rejected() {
    // y = 3 is on the curve and not of small order; y = p + 3 = 2^255 − 16
    // encodes the same point non-canonically (RFC 8032 §5.1.3 refuses y ≥ p,
    // curve25519-dalek's decompression alone would reduce it).
    let mut canonical = [0u8; 32];
    canonical[0] = 3;
    BoardPublicKey::from_bytes(&canonical).unwrap();
    let mut non_canonical = [0xffu8; 32];
    non_canonical[0] = 0xf0;
    non_canonical[31] = 0x7f;
    for sign in [0, 0x80] {
        let mut k = non_canonical;
        k[31] |= sign;
        assert_eq!(
            BoardPublicKey::from_bytes(&k).unwrap_err().code(),
            "ERR_ENCODING",
            "sign bit {sign:#x}"
        );
    }

    let key = board();
    let pk = key.public_key();
    let h = head(&key, &tree(5), 5, T0);
    // S + ℓ satisfies the same equation but is not canonical.
    const ELL: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let mut big = h;
    let mut carry = 0u16;
    for (i, l) in ELL.iter().enumerate() {
        let v = u16::from(big.signature[32 + i]) + u16::from(*l) + carry;
        big.signature[32 + i] = v as u8;
        carry = v >> 8;
    }
    assert_eq!(carry, 0);
    assert_eq!(
        checkpoint_failure(big.verify(&pk, E).unwrap_err()),
        HeadFailure::BadSignature
    );
    // R of small order (the identity, y = 1).
    let mut small = h;
    small.signature[..32].copy_from_slice(&{
        let mut r = [0u8; 32];
        r[0] = 1;
        r
    });
    assert_eq!(
        checkpoint_failure(small.verify(&pk, E).unwrap_err()),
        HeadFailure::BadSignature
    );
}

#[test]
fn e10_wrong_log_id_rejected() {
    let key = board();
    let other = BoardKey::from_seed(&[0x43; 32]);
    let h = head(&other, &tree(3), 3, T0);
    // Another board's valid head, checked against our key.
    assert_eq!(
        checkpoint_failure(h.verify(&key.public_key(), E).unwrap_err()),
        HeadFailure::WrongLogId
    );
    // Our key's signature, but over a foreign log id.
    let mut forged = head(&key, &tree(3), 3, T0);
    forged.log_id = other.log_id(E);
    let forged = raw_sign([0x42; 32], forged);
    assert_eq!(
        checkpoint_failure(forged.verify(&key.public_key(), E).unwrap_err()),
        HeadFailure::WrongLogId
    );
    // check_extends between heads of two different boards.
    let a = verified(&key, &head(&key, &tree(3), 3, T0));
    let b = verified(&other, &head(&other, &tree(3), 3, T0 + 1));
    assert_eq!(
        checkpoint_failure(check_extends(&a, &b, &ConsistencyProof::default()).unwrap_err()),
        HeadFailure::WrongLogId
    );
}

#[test]
fn e10_zero_timestamp_rejected() {
    let key = board();
    let t = tree(2);
    assert_eq!(
        checkpoint_failure(key.sign_tree_head(E, 2, 0, t.root()).unwrap_err()),
        HeadFailure::ZeroTimestamp
    );
    // Validly signed by the board key, but with timestamp 0.
    let mut h = head(&key, &t, 2, T0);
    h.timestamp_ms = 0;
    let h = raw_sign([0x42; 32], h);
    assert_eq!(
        checkpoint_failure(h.verify(&key.public_key(), E).unwrap_err()),
        HeadFailure::ZeroTimestamp
    );
}

#[test]
fn e10_empty_tree_with_non_empty_root_rejected() {
    let key = board();
    assert_eq!(
        checkpoint_failure(key.sign_tree_head(E, 0, T0, Hash([1; 32])).unwrap_err()),
        HeadFailure::EmptyTreeRoot
    );
    let mut h = key.sign_tree_head(E, 0, T0, empty_root()).unwrap();
    h.root_hash = Hash([1; 32]);
    let h = raw_sign([0x42; 32], h);
    assert_eq!(
        checkpoint_failure(h.verify(&key.public_key(), E).unwrap_err()),
        HeadFailure::EmptyTreeRoot
    );
}

#[test]
fn e10_check_extends_accepts_growth() {
    let key = board();
    let t = tree(20);
    let sizes = [0u64, 1, 2, 3, 7, 8, 8, 13, 20];
    let heads: Vec<_> = sizes
        .iter()
        .enumerate()
        .map(|(i, &s)| verified(&key, &head(&key, &t, s, T0 + i as u64)))
        .collect();
    for w in heads.windows(2) {
        let proof = t.consistency_proof(w[0].tree_size, w[1].tree_size).unwrap();
        check_extends(&w[0], &w[1], &proof).unwrap();
    }
    // Any earlier head to any later one.
    for i in 0..heads.len() {
        for j in i..heads.len() {
            let proof = t
                .consistency_proof(heads[i].tree_size, heads[j].tree_size)
                .unwrap();
            check_extends(&heads[i], &heads[j], &proof).unwrap();
        }
    }
    // Same head twice; same size re-signed at the same time.
    check_extends(&heads[3], &heads[3], &ConsistencyProof::default()).unwrap();
}

#[test]
fn e10_size_decrease_rejected() {
    // Also E6: a restored backup signing a smaller tree.
    let key = board();
    let t = tree(10);
    let prev = verified(&key, &head(&key, &t, 10, T0));
    for (size, ts) in [(9, T0 + 1), (9, T0), (0, T0 + 5), (1, T0 - 1)] {
        let next = verified(&key, &head(&key, &t, size, ts));
        let err = check_extends(&prev, &next, &ConsistencyProof::default()).unwrap_err();
        assert_eq!(
            checkpoint_failure(err),
            HeadFailure::SizeDecreased {
                prev: 10,
                next: size
            }
        );
    }
}

#[test]
fn e10_timestamp_going_back_rejected() {
    let key = board();
    let t = tree(10);
    let prev = verified(&key, &head(&key, &t, 5, T0));
    for size in [5, 6, 10] {
        let next = verified(&key, &head(&key, &t, size, T0 - 1));
        let proof = t.consistency_proof(5, size).unwrap();
        let err = check_extends(&prev, &next, &proof).unwrap_err();
        assert_eq!(
            checkpoint_failure(err),
            HeadFailure::TimestampWentBack {
                prev: T0,
                next: T0 - 1
            }
        );
    }
}

#[test]
fn e10_equal_sizes_with_different_roots_is_equivocation() {
    let key = board();
    let a = tree(6);
    let mut b = tree(5);
    b.push_entry(b"another sixth entry");
    let ha = verified(&key, &head(&key, &a, 6, T0));
    let hb = verified(&key, &head(&key, &b, 6, T0 + 1));
    let err = check_extends(&ha, &hb, &ConsistencyProof::default()).unwrap_err();
    assert_eq!(err.code(), "ERR_LOG_EQUIVOCATION");
    assert_eq!(
        err,
        Error::Equivocation(EvidenceKind::SplitView { size: 6 })
    );
    // Even with the timestamps the other way round.
    let err = check_extends(&hb, &ha, &ConsistencyProof::default()).unwrap_err();
    assert_eq!(err.code(), "ERR_LOG_EQUIVOCATION");
}

#[test]
fn e10_failing_consistency_proof_is_inconsistent() {
    let key = board();
    let a = tree(8);
    let mut forked = tree(4);
    for i in 0..8 {
        forked.push_entry(format!("fork {i}").as_bytes());
    }
    let prev = verified(&key, &head(&key, &a, 8, T0));
    let next = verified(&key, &head(&key, &forked, 12, T0 + 1));
    // The honest-looking proof from the forked tree does not link the roots.
    let proof = forked.consistency_proof(8, 12).unwrap();
    let err = check_extends(&prev, &next, &proof).unwrap_err();
    assert_eq!(err.code(), "ERR_LOG_INCONSISTENT");
    // Neither does an empty one, nor a proof with a non-empty path between equal sizes.
    assert_eq!(
        check_extends(&prev, &next, &ConsistencyProof::default())
            .unwrap_err()
            .code(),
        "ERR_LOG_INCONSISTENT"
    );
    let same = verified(&key, &head(&key, &a, 8, T0 + 2));
    let junk = ConsistencyProof::from_path(vec![Hash([0; 32])]).unwrap();
    assert_eq!(
        check_extends(&prev, &same, &junk).unwrap_err().code(),
        "ERR_LOG_INCONSISTENT"
    );
}

#[test]
fn e10_json_is_strict() {
    let key = board();
    let h = head(&key, &tree(3), 3, T0);
    let mut v = serde_json::to_value(h).unwrap();
    assert_eq!(v["log_id"], key.log_id(E).to_hex());
    v["extra"] = serde_json::json!(1);
    assert!(serde_json::from_value::<SignedTreeHead>(v).is_err());
    let mut v = serde_json::to_value(h).unwrap();
    v["root_hash"] = serde_json::json!(h.root_hash.to_hex().to_uppercase());
    assert!(serde_json::from_value::<SignedTreeHead>(v).is_err());
    let mut v = serde_json::to_value(h).unwrap();
    v["signature"] = serde_json::json!(&hex::encode(h.signature)[2..]);
    assert!(serde_json::from_value::<SignedTreeHead>(v).is_err());
    let mut v = serde_json::to_value(h).unwrap();
    v.as_object_mut().unwrap().remove("timestamp_ms");
    assert!(serde_json::from_value::<SignedTreeHead>(v).is_err());
    let pk = serde_json::to_value(key.public_key()).unwrap();
    assert_eq!(
        serde_json::from_value::<BoardPublicKey>(pk).unwrap(),
        key.public_key()
    );
}

/// Two trees that agree on their first 4 leaves and differ from leaf 4 on.
fn fork() -> (MemoryTree, MemoryTree) {
    let a = tree(10);
    let mut b = tree(4);
    for i in 0..6 {
        b.push_entry(format!("rewritten {i}").as_bytes());
    }
    (a, b)
}

fn round_trips(e: &Evidence) {
    assert_eq!(&Evidence::decode(&e.to_bytes()).unwrap(), e);
    let json = serde_json::to_string(e).unwrap();
    assert_eq!(&serde_json::from_str::<Evidence>(&json).unwrap(), e);
}

#[test]
fn e05_split_view_evidence_verifies() {
    let key = board();
    let (a, b) = fork();
    let ha = head(&key, &a, 7, T0);
    let hb = head(&key, &b, 7, T0 + 1);
    let e = Evidence::from_heads(key.public_key(), ha, hb).unwrap();
    assert_eq!(e.verify().unwrap(), EvidenceKind::SplitView { size: 7 });
    round_trips(&e);
    // Same timestamps, same size: still a split view.
    let hb = head(&key, &b, 7, T0);
    let e = Evidence::from_heads(key.public_key(), ha, hb).unwrap();
    assert_eq!(e.verify().unwrap(), EvidenceKind::SplitView { size: 7 });
}

#[test]
fn e05_rollback_evidence_verifies() {
    let key = board();
    let t = tree(10);
    let big = head(&key, &t, 10, T0);
    let small_later = head(&key, &t, 6, T0 + 1);
    let e = Evidence::from_heads(key.public_key(), big, small_later).unwrap();
    assert_eq!(e.verify().unwrap(), EvidenceKind::Rollback);
    let e = Evidence::from_heads(key.public_key(), small_later, big).unwrap();
    assert_eq!(e.verify().unwrap(), EvidenceKind::Rollback);
    round_trips(&e);
}

#[test]
fn e05_conflicting_leaf_evidence_verifies() {
    let key = board();
    let (a, b) = fork();
    let ha = head(&key, &a, 6, T0);
    let hb = head(&key, &b, 10, T0 + 1);
    // The heads alone look like honest growth.
    assert!(Evidence::from_heads(key.public_key(), ha, hb).is_none());
    let index = 5;
    let e = Evidence {
        public_key: key.public_key(),
        first: ha,
        second: hb,
        conflicting_leaf: Some(ConflictingLeaf {
            index,
            first_leaf_hash: a.leaf_hash(index).unwrap(),
            first_proof: a.inclusion_proof(index, 6).unwrap(),
            second_leaf_hash: b.leaf_hash(index).unwrap(),
            second_proof: b.inclusion_proof(index, 10).unwrap(),
        }),
    };
    assert_eq!(e.verify().unwrap(), EvidenceKind::ConflictingLeaf { index });
    round_trips(&e);

    // A bad inclusion proof in the evidence is rejected.
    let mut bad = e.clone();
    if let Some(c) = bad.conflicting_leaf.as_mut() {
        c.second_proof = a.inclusion_proof(index, 10).unwrap();
    }
    assert_eq!(bad.verify().unwrap_err().code(), "ERR_INCLUSION_INVALID");
    // An index beyond one of the trees.
    let mut bad = e.clone();
    if let Some(c) = bad.conflicting_leaf.as_mut() {
        c.index = 6;
    }
    assert_eq!(bad.verify().unwrap_err().code(), "ERR_INCLUSION_INVALID");
}

#[test]
fn e05_consistent_heads_are_not_evidence() {
    let key = board();
    let t = tree(10);
    let a = head(&key, &t, 4, T0);
    let b = head(&key, &t, 10, T0 + 1);
    // Two consistent heads, with no proof: not evidence.
    let fake = Evidence {
        public_key: key.public_key(),
        first: a,
        second: b,
        conflicting_leaf: None,
    };
    assert_eq!(fake.verify().unwrap_err().code(), "ERR_EVIDENCE_INVALID");
    assert!(Evidence::from_heads(key.public_key(), a, b).is_none());
    // ... nor with valid inclusion proofs of the same leaf.
    let mut fake2 = fake.clone();
    fake2.conflicting_leaf = Some(ConflictingLeaf {
        index: 2,
        first_leaf_hash: t.leaf_hash(2).unwrap(),
        first_proof: t.inclusion_proof(2, 4).unwrap(),
        second_leaf_hash: t.leaf_hash(2).unwrap(),
        second_proof: t.inclusion_proof(2, 10).unwrap(),
    });
    assert_eq!(fake2.verify().unwrap_err().code(), "ERR_EVIDENCE_INVALID");
    // ... nor with a claimed different leaf whose proof cannot verify.
    let mut fake3 = fake2.clone();
    if let Some(c) = fake3.conflicting_leaf.as_mut() {
        c.second_leaf_hash = Hash([7; 32]);
    }
    assert_eq!(fake3.verify().unwrap_err().code(), "ERR_INCLUSION_INVALID");
    // The same head twice; the same size and root re-signed later.
    let same = Evidence {
        second: a,
        ..fake.clone()
    };
    assert_eq!(same.verify().unwrap_err().code(), "ERR_EVIDENCE_INVALID");
    let resigned = Evidence {
        second: head(&key, &t, 4, T0 + 9),
        ..fake.clone()
    };
    assert_eq!(
        resigned.verify().unwrap_err().code(),
        "ERR_EVIDENCE_INVALID"
    );
    // A smaller tree signed *earlier* is an old head, not a rollback.
    let old = Evidence {
        first: head(&key, &t, 10, T0 + 5),
        second: head(&key, &t, 4, T0),
        ..fake
    };
    assert_eq!(old.verify().unwrap_err().code(), "ERR_EVIDENCE_INVALID");
}

#[test]
fn e05_evidence_with_forged_or_foreign_heads_rejected() {
    let key = board();
    let other = BoardKey::from_seed(&[0x43; 32]);
    let (a, b) = fork();
    let ha = head(&key, &a, 7, T0);
    let hb = head(&other, &b, 7, T0 + 1);
    // One head from another board.
    let e = Evidence {
        public_key: key.public_key(),
        first: ha,
        second: hb,
        conflicting_leaf: None,
    };
    assert_eq!(e.verify().unwrap_err().code(), "ERR_CHECKPOINT_INVALID");
    // A head whose root was altered after signing.
    let mut forged = head(&key, &b, 7, T0 + 1);
    forged.root_hash = Hash([9; 32]);
    let e = Evidence {
        second: forged,
        ..e
    };
    assert_eq!(e.verify().unwrap_err().code(), "ERR_CHECKPOINT_INVALID");
    // Evidence naming a different key than the one that signed.
    let e = Evidence {
        public_key: other.public_key(),
        first: ha,
        second: head(&key, &b, 7, T0 + 1),
        conflicting_leaf: None,
    };
    assert_eq!(e.verify().unwrap_err().code(), "ERR_CHECKPOINT_INVALID");
}

#[test]
fn e05_evidence_decoding_is_strict() {
    let key = board();
    let (a, b) = fork();
    let e = Evidence::from_heads(
        key.public_key(),
        head(&key, &a, 7, T0),
        head(&key, &b, 7, T0 + 1),
    )
    .unwrap();
    let bytes = e.to_bytes();
    assert_eq!(bytes.len(), 17 + 32 + 162 + 162 + 1);
    let mut long = bytes.clone();
    long.push(0);
    assert_eq!(Evidence::decode(&long).unwrap_err().code(), "ERR_ENCODING");
    assert_eq!(
        Evidence::decode(&bytes[..bytes.len() - 1])
            .unwrap_err()
            .code(),
        "ERR_ENCODING"
    );
    let mut tag = bytes.clone();
    *tag.last_mut().unwrap() = 2;
    assert_eq!(Evidence::decode(&tag).unwrap_err().code(), "ERR_ENCODING");
    let mut label = bytes.clone();
    label[0] = b'U';
    assert_eq!(Evidence::decode(&label).unwrap_err().code(), "ERR_ENCODING");
    let mut v = serde_json::to_value(&e).unwrap();
    v["kind"] = serde_json::json!("split_view");
    assert!(serde_json::from_value::<Evidence>(v).is_err());
}

/// Two elections on one board each have their own log (L12): heads of the
/// same size with different roots, one per election, are two honest logs,
/// not a split view, and cannot be passed off as evidence against the board.
#[test]
fn e05_heads_of_two_elections_are_not_evidence() {
    let key = board();
    let (a, b) = (tree(4), tree(5));
    let ha = key.sign_tree_head("election-a", 4, T0, a.root()).unwrap();
    let hb = key
        .sign_tree_head("election-b", 4, T0 + 1, b.root_at(4).unwrap())
        .unwrap();
    let mut b4 = tree(3);
    b4.push_entry(b"another fourth entry");
    let hb2 = key
        .sign_tree_head("election-b", 4, T0 + 2, b4.root())
        .unwrap();
    assert_ne!(ha.log_id, hb.log_id);
    let pk = key.public_key();
    assert!(urna_log::Evidence::from_heads(pk, ha, hb2).is_none());
    let e = urna_log::Evidence {
        public_key: pk,
        first: ha,
        second: hb2,
        conflicting_leaf: None,
    };
    assert_eq!(e.verify().unwrap_err().code(), "ERR_EVIDENCE_INVALID");
    // The same two heads' fork inside election b is evidence.
    assert!(urna_log::Evidence::from_heads(pk, hb, hb2).is_some());
}
