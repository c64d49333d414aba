//! Batch verification against individual verification (spec §8): random
//! mixes of valid and invalid proofs of every kind in one batch; the batch
//! names exactly the invalid items (W3), and each item's own `verify`
//! agrees.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use curve25519_dalek::scalar::Scalar;
use rand_core::RngCore;
use urna_crypto::{BatchVerifier, Error, SchnorrProof};

/// One batch entry: the bytes, the statement, and whether it should pass.
struct Entry {
    what: String,
    bytes: Vec<u8>,
    stmt: Statement,
    valid: bool,
}

/// A random entry: a fixture, kept valid or made invalid by tampering
/// with one field or by changing one element of its statement.
fn random_entry(rng: &mut rand_chacha::ChaCha20Rng) -> Entry {
    let all = cases();
    let c = &all[rng.next_u32() as usize % all.len()];
    match rng.next_u32() % 3 {
        0 => {
            let fields = c.layout();
            let f = &fields[rng.next_u32() as usize % fields.len()];
            Entry {
                what: format!("{}: {} tampered", c.name, f.name),
                bytes: tamper(&c.bytes, f),
                stmt: c.stmt.clone(),
                valid: false,
            }
        }
        1 => {
            let mut variants = c.stmt.variants();
            let i = rng.next_u32() as usize % variants.len();
            let (name, stmt) = variants.swap_remove(i);
            Entry {
                what: format!("{}: statement with {name}", c.name),
                bytes: c.bytes.clone(),
                stmt,
                valid: false,
            }
        }
        _ => Entry {
            what: format!("{}: valid", c.name),
            bytes: c.bytes.clone(),
            stmt: c.stmt.clone(),
            valid: true,
        },
    }
}

fn run_batch(entries: &[Entry], seed: u64) -> Result<(), Error> {
    let mut batch = BatchVerifier::with_rng(&mut insecure_deterministic_rng(seed));
    for e in entries {
        e.stmt.add_to_batch(&e.bytes, &mut batch);
    }
    assert_eq!(batch.len(), entries.len());
    batch.vartime_check()
}

fn expected(entries: &[Entry]) -> Result<(), Error> {
    let failing: Vec<usize> = (0..entries.len()).filter(|&i| !entries[i].valid).collect();
    if failing.is_empty() {
        Ok(())
    } else {
        Err(Error::BatchFailed { failing })
    }
}

#[test]
fn every_fixture_in_one_batch_passes() {
    let entries: Vec<Entry> = cases()
        .iter()
        .map(|c| Entry {
            what: c.name.to_string(),
            bytes: c.bytes.clone(),
            stmt: c.stmt.clone(),
            valid: true,
        })
        .collect();
    assert_eq!(run_batch(&entries, 1), Ok(()));
    // Twice over, in another order, with OS-random weights.
    let mut batch = BatchVerifier::new();
    for e in entries.iter().rev().chain(entries.iter()) {
        e.stmt.add_to_batch(&e.bytes, &mut batch);
    }
    assert_eq!(batch.vartime_check(), Ok(()));
}

#[test]
fn random_mixes_name_exactly_the_invalid_items() {
    let mut kinds_valid = std::collections::BTreeSet::new();
    let mut kinds_invalid = std::collections::BTreeSet::new();
    for seed in 0..5u64 {
        let mut rng = insecure_deterministic_rng(100 + seed);
        let entries: Vec<Entry> = (0..16).map(|_| random_entry(&mut rng)).collect();
        for e in &entries {
            let kind = e.what.split(':').next().unwrap().to_string();
            if e.valid {
                kinds_valid.insert(kind);
            } else {
                kinds_invalid.insert(kind);
            }
        }
        // Individual verification agrees with the intended validity.
        for (i, e) in entries.iter().enumerate() {
            assert_eq!(
                e.stmt.check(&e.bytes).is_valid(),
                e.valid,
                "item {i}: {}",
                e.what
            );
        }
        let got = run_batch(&entries, seed);
        assert_eq!(
            got,
            expected(&entries),
            "seed {seed}: {:?}",
            entries.iter().map(|e| &e.what).collect::<Vec<_>>()
        );
        if let Err(e) = got {
            assert_eq!(e.code(), "ERR_PROOF_INVALID");
        }
    }
    // The mixes cover every proof type, valid and invalid.
    assert_eq!(kinds_invalid.len(), cases().len(), "{kinds_invalid:?}");
    assert!(kinds_valid.len() >= cases().len() - 2, "{kinds_valid:?}");
}

#[test]
fn all_valid_and_all_invalid_batches() {
    let mut rng = insecure_deterministic_rng(200);
    let mut invalid = Vec::new();
    while invalid.len() < 9 {
        let e = random_entry(&mut rng);
        if !e.valid {
            invalid.push(e);
        }
    }
    assert_eq!(
        run_batch(&invalid, 2),
        Err(Error::BatchFailed {
            failing: (0..9).collect()
        })
    );
    assert_eq!(BatchVerifier::new().vartime_check(), Ok(()));
    assert!(BatchVerifier::new().is_empty());
}

#[test]
fn undecodable_and_structurally_bad_items_are_named() {
    // An item whose bytes do not decode, one with the wrong branch count
    // (R4) and one with a range proof of the wrong kind (P1) fail outright.
    let disj = case("disjunctive [1,4]");
    let bp = case("bulletproof [0,255]");
    let Statement::Range { ctx, k, ct, .. } = &disj.stmt else {
        unreachable!()
    };
    let entries = vec![
        Entry {
            what: "valid".into(),
            bytes: disj.bytes.clone(),
            stmt: disj.stmt.clone(),
            valid: true,
        },
        Entry {
            what: "truncated".into(),
            bytes: disj.bytes[..100].to_vec(),
            stmt: disj.stmt.clone(),
            valid: false,
        },
        Entry {
            what: "4 branches for [1,5]".into(),
            bytes: disj.bytes.clone(),
            stmt: Statement::Range {
                ctx: ctx.clone(),
                k: k.clone(),
                ct: *ct,
                min: 1,
                max: 5,
            },
            valid: false,
        },
        Entry {
            what: "disjunctive proof for [0,255]".into(),
            bytes: disj.bytes.clone(),
            stmt: Statement::Range {
                ctx: ctx.clone(),
                k: k.clone(),
                ct: *ct,
                min: 0,
                max: 255,
            },
            valid: false,
        },
        Entry {
            what: "bulletproof for [1,4]".into(),
            bytes: bp.bytes.clone(),
            stmt: Statement::Range {
                ctx: ctx.clone(),
                k: k.clone(),
                ct: *ct,
                min: 1,
                max: 4,
            },
            valid: false,
        },
        Entry {
            what: "valid bp".into(),
            bytes: bp.bytes.clone(),
            stmt: bp.stmt.clone(),
            valid: true,
        },
    ];
    for e in &entries {
        assert_eq!(e.stmt.check(&e.bytes).is_valid(), e.valid, "{}", e.what);
    }
    assert_eq!(run_batch(&entries, 3), expected(&entries));
}

#[test]
fn errors_that_cancel_without_weights_are_caught() {
    // Two Schnorr proofs for the same key with z + δ and z' − δ: the
    // unweighted sum of their equations is zero. Random weights keep them
    // apart, and both are named.
    let c = case("schnorr pok");
    let mut rng = insecure_deterministic_rng(300);
    let Statement::Pok { ctx, x } = &c.stmt else {
        unreachable!()
    };
    let key = sk_of(0x7305_7ee1);
    assert_eq!(key.public_key(), *x);
    let other = SchnorrProof::prove(&mut ctx.clone(), &key, &mut rng)
        .to_bytes()
        .to_vec();
    let delta = Scalar::from(5u64);
    let shift = |bytes: &[u8], d: Scalar| {
        let mut b = bytes.to_vec();
        put(&mut b, 32, &(scalar_at(bytes, 32) + d).to_bytes());
        b
    };
    let entries = vec![
        Entry {
            what: "z + δ".into(),
            bytes: shift(&c.bytes, delta),
            stmt: c.stmt.clone(),
            valid: false,
        },
        Entry {
            what: "valid".into(),
            bytes: c.bytes.clone(),
            stmt: c.stmt.clone(),
            valid: true,
        },
        Entry {
            what: "z' − δ".into(),
            bytes: shift(&other, -delta),
            stmt: c.stmt.clone(),
            valid: false,
        },
    ];
    for seed in 0..8 {
        assert_eq!(run_batch(&entries, seed), expected(&entries));
    }
    // The same invalid proof twice is named twice.
    let twice = vec![
        Entry {
            what: "a".into(),
            bytes: shift(&c.bytes, delta),
            stmt: c.stmt.clone(),
            valid: false,
        },
        Entry {
            what: "b".into(),
            bytes: shift(&c.bytes, delta),
            stmt: c.stmt.clone(),
            valid: false,
        },
    ];
    assert_eq!(run_batch(&twice, 9), expected(&twice));
}

#[test]
fn seeded_batches_are_reproducible() {
    let mut rng = insecure_deterministic_rng(400);
    let entries: Vec<Entry> = (0..6).map(|_| random_entry(&mut rng)).collect();
    let a = run_batch(&entries, 42);
    let b = run_batch(&entries, 42);
    assert_eq!(a, b);
    assert_eq!(a, expected(&entries));
}
