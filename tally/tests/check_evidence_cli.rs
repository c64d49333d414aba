//! `tally check-evidence FILE` through the real binary (docs/attacks.md E5,
//! `spec/log.md` §9): a clear verdict and exit code for valid evidence of
//! each kind, for heads that prove nothing, and for unreadable files.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

use urna_log::{BoardKey, ConflictingLeaf, Evidence, MemoryTree};

const BIN: &str = env!("CARGO_BIN_EXE_tally");

fn run(bytes: &[u8]) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("evidence");
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new(BIN)
        .arg("check-evidence")
        .arg(&path)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap(), text)
}

fn tree(entries: &[&[u8]]) -> MemoryTree {
    let mut t = MemoryTree::new();
    for e in entries {
        t.push_entry(e);
    }
    t
}

#[test]
fn e05_check_evidence_confirms_each_kind_and_rejects_non_evidence() {
    let key = BoardKey::from_seed(&[3; 32]);
    let a = tree(&[b"manifest", b"open", b"ballot-a"]);
    let b = tree(&[b"manifest", b"open", b"ballot-b", b"ballot-c"]);
    let ha = key.sign_tree_head("e1", 3, 100, a.root()).unwrap();
    let hb3 = key
        .sign_tree_head("e1", 3, 101, b.root_at(3).unwrap())
        .unwrap();
    let hb4 = key.sign_tree_head("e1", 4, 102, b.root()).unwrap();

    // Split view, as JSON (spec/log.md §11).
    let split = Evidence::from_heads(key.public_key(), ha, hb3).unwrap();
    let (code, out) = run(&serde_json::to_vec(&split).unwrap());
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("VALID EVIDENCE") && out.contains("split view"),
        "{out}"
    );

    // The same two trees as two *elections'* logs on one board: honest,
    // not evidence (spec/log.md (L12), (L23)) — no false accusation.
    let other = key
        .sign_tree_head("e2", 3, 101, b.root_at(3).unwrap())
        .unwrap();
    let framed = Evidence {
        public_key: key.public_key(),
        first: ha,
        second: other,
        conflicting_leaf: None,
    };
    let (code, out) = run(&serde_json::to_vec(&framed).unwrap());
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("ERR_EVIDENCE_INVALID"), "{out}");

    // Conflicting leaf between sizes 3 and 4, binary (L22).
    let leaf = ConflictingLeaf {
        index: 2,
        first_leaf_hash: a.leaf_hash(2).unwrap(),
        first_proof: a.inclusion_proof(2, 3).unwrap(),
        second_leaf_hash: b.leaf_hash(2).unwrap(),
        second_proof: b.inclusion_proof(2, 4).unwrap(),
    };
    let fork = Evidence {
        public_key: key.public_key(),
        first: ha,
        second: hb4,
        conflicting_leaf: Some(leaf.clone()),
    };
    let (code, out) = run(&fork.to_bytes());
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("conflicting leaf") && out.contains("leaf 2"),
        "{out}"
    );

    // Rollback, as hex.
    let small_later = key
        .sign_tree_head("e1", 2, 200, b.root_at(2).unwrap())
        .unwrap();
    let rb = Evidence::from_heads(key.public_key(), hb4, small_later).unwrap();
    let (code, out) = run(hex::encode(rb.to_bytes()).as_bytes());
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("rollback"), "{out}");

    // Two honest heads (the log only grew) are not evidence: exit 1.
    let honest = Evidence {
        public_key: key.public_key(),
        first: hb3,
        second: hb4,
        conflicting_leaf: None,
    };
    let (code, out) = run(&serde_json::to_vec(&honest).unwrap());
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("NOT EVIDENCE") && out.contains("ERR_EVIDENCE_INVALID"),
        "{out}"
    );

    // A leaf that is the same in both trees proves nothing either.
    let same = Evidence {
        conflicting_leaf: Some(ConflictingLeaf {
            index: 0,
            first_leaf_hash: a.leaf_hash(0).unwrap(),
            first_proof: a.inclusion_proof(0, 3).unwrap(),
            second_leaf_hash: b.leaf_hash(0).unwrap(),
            second_proof: b.inclusion_proof(0, 4).unwrap(),
        }),
        ..fork.clone()
    };
    assert_eq!(run(&same.to_bytes()).0, 1);

    // Another board's key over the same heads: the signatures fail.
    let other = Evidence {
        public_key: BoardKey::from_seed(&[4; 32]).public_key(),
        ..split
    };
    let (code, out) = run(&serde_json::to_vec(&other).unwrap());
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("ERR_CHECKPOINT_INVALID"), "{out}");

    // Garbage and a missing file: exit 2.
    assert_eq!(run(b"not evidence at all").0, 2);
    let out = Command::new(BIN)
        .args(["check-evidence", "/nonexistent/evidence.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
