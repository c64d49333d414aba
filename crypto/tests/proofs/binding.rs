//! A5, A6, A9: sub-challenges, cross-context replay, a bulletproof bound to
//! the wrong thing.

use super::*;

// ---------------------------------------------------------------------------
// A5: sub-challenges
// ---------------------------------------------------------------------------

#[test]
fn a05_sub_challenges_moved_between_branches_rejected() {
    // Σ c_j is unchanged, so only the per-branch equations can catch it.
    for name in [DISJ01, DISJ14] {
        let c = case(name);
        let n = u32_at(&c.bytes, 1) as usize;
        for i in 0..n {
            for j in 0..n {
                if i == j {
                    continue;
                }
                let mut branches = decode_disjunctive(&c.bytes);
                let delta = Scalar::from(1_000_003u64);
                branches[i].2 += delta;
                branches[j].2 -= delta;
                let sum: Scalar = branches.iter().map(|b| b.2).sum();
                let orig: Scalar = decode_disjunctive(&c.bytes).iter().map(|b| b.2).sum();
                assert_eq!(sum, orig);
                assert!(
                    matches!(
                        c.stmt.check(&encode_disjunctive(&branches)),
                        Outcome::Verify(_)
                    ),
                    "{name}: c_{i} += δ, c_{j} -= δ"
                );
            }
        }
    }
}

#[test]
fn a05_every_branch_simulated_rejected() {
    // The "phantom challenge" shape: every branch is simulated with
    // sub-challenges picked freely, so each branch's equations hold, but
    // Σ c_j ≠ c. This is also the only way to "prove" 2 ∈ [0, 1] (B5).
    let mut rng = insecure_deterministic_rng(18);
    let key = election_key();
    let k = key.public_key();
    let ctx = option_context(&base_context(), 0);
    for (m, lo, hi) in [(2u64, 0u64, 1u64), (1, 0, 1), (7, 1, 4), (0, 1, 4)] {
        let (ct, r) = encrypt_known(&k, m, &mut rng);
        let bytes = ref_disjunctive_prove(&ctx, &[], &k.point(), &ct, m, &r, lo, hi, &mut rng);
        let branches = decode_disjunctive(&bytes);
        let (alpha, beta) = (ct.alpha().point(), ct.beta().point());
        let cb = (&alpha, &beta);
        let consistent =
            ref_disjunctive_verify(&ctx, &[], &k.point(), cb, lo, hi, &branches, false);
        let in_range = (lo..=hi).contains(&m);
        assert!(consistent, "every branch equation holds");
        assert_eq!(
            ref_disjunctive_verify(&ctx, &[], &k.point(), cb, lo, hi, &branches, true),
            in_range
        );
        let stmt = Statement::Range {
            ctx: ctx.clone(),
            k: k.clone(),
            ct,
            min: lo,
            max: hi,
        };
        assert_eq!(
            stmt.check(&bytes).is_valid(),
            in_range,
            "m = {m} in [{lo},{hi}]"
        );
        if !in_range {
            // Fixing the sum by moving the difference onto one branch breaks that branch.
            let mut fixed = branches.clone();
            let commitments: Vec<_> = fixed.iter().map(|b| (b.0, b.1)).collect();
            let c = ref_disjunctive_challenge(&ctx, &[], &k.point(), cb, lo, hi, &commitments);
            let sum: Scalar = fixed.iter().map(|b| b.2).sum();
            fixed[0].2 += c - sum;
            assert!(matches!(
                stmt.check(&encode_disjunctive(&fixed)),
                Outcome::Verify(_)
            ));
        }
    }
}

// ---------------------------------------------------------------------------
// A6: cross-context replay
// ---------------------------------------------------------------------------

#[test]
fn a06_option_proof_moved_to_another_option_rejected() {
    let c = case(APPROVAL);
    let parts = ContestParts::parse(&c.bytes);
    assert_eq!(c.stmt.check(&parts.to_bytes()), Outcome::Valid);
    // Options 0 and 2 both encrypt 1. Swapping their proofs, or swapping the
    // (ciphertext, proof) pairs so the total is unchanged, must fail: only
    // the option index in the transcript tells them apart.
    let mut proofs_swapped = parts.clone();
    proofs_swapped.proofs.swap(0, 2);
    assert!(matches!(
        c.stmt.check(&proofs_swapped.to_bytes()),
        Outcome::Verify(_)
    ));
    let mut pairs_swapped = proofs_swapped.clone();
    pairs_swapped.ciphertexts.swap(0, 2);
    assert!(matches!(
        c.stmt.check(&pairs_swapped.to_bytes()),
        Outcome::Verify(_)
    ));
    // An option's (ciphertext, proof) checked on its own under another index.
    let Statement::Contest { ctx, k, .. } = &c.stmt else {
        unreachable!()
    };
    let ct0 = Ciphertext::from_bytes(&parts.ciphertexts[0]).unwrap();
    let proof0 = RangeProof::from_bytes(&parts.proofs[0]).unwrap();
    proof0
        .verify(&mut option_context(ctx, 0), k, &ct0, 0, 1)
        .unwrap();
    for other in [1, 2, 3, 1 << 32] {
        assert!(proof0
            .verify(&mut option_context(ctx, other), k, &ct0, 0, 1)
            .is_err());
    }
    // The total proof is bound to the "total" part, not to an option.
    let total = RangeProof::from_bytes(parts.total.as_ref().unwrap()).unwrap();
    let sum = {
        let mut s = urna_crypto::CiphertextSum::zero();
        for b in &parts.ciphertexts {
            s.add(&Ciphertext::from_bytes(b).unwrap());
        }
        s.to_ciphertext()
    };
    let mut total_ctx = ctx.clone();
    total_ctx.append_message(b"part", b"total");
    total.verify(&mut total_ctx.clone(), k, &sum, 1, 2).unwrap();
    assert!(total
        .verify(&mut option_context(ctx, 0), k, &sum, 1, 2)
        .is_err());
}

#[test]
fn a06_contest_replayed_in_another_contest_or_election_rejected() {
    for name in [APPROVAL, SCORE] {
        let c = case(name);
        for (election, credential, contest) in [
            (&b"election-1"[..], &b"credential-A"[..], 1u64),
            (b"election-2", b"credential-A", 0),
            (b"election-1", b"credential-A", u64::MAX),
        ] {
            let s = c.stmt.with_ctx(context(election, credential, contest));
            assert!(matches!(s.check(&c.bytes), Outcome::Verify(_)), "{name}");
        }
    }
}

#[test]
fn a06_decryption_proof_presented_as_key_pok_rejected() {
    // (T₁, z) of a decryption proof satisfies z·G = T₁ + c·X for the
    // decryption challenge c; only the domain separator stops it from
    // passing as a proof of knowledge of x.
    let c = case(DECRYPTION);
    let Statement::Dec { ctx, x, .. } = &c.stmt else {
        unreachable!()
    };
    let mut as_pok = c.bytes[32..64].to_vec();
    as_pok.extend_from_slice(&c.bytes[96..128]);
    let pok = SchnorrProof::from_bytes(&as_pok).unwrap();
    assert!(pok.verify(&mut ctx.clone(), x).is_err());
}

#[test]
fn a06_pok_and_signature_are_not_interchangeable() {
    let mut rng = insecure_deterministic_rng(19);
    let key = sk_of(77);
    let ctx = base_context();
    let pok = SchnorrProof::prove(&mut ctx.clone(), &key, &mut rng);
    let as_sig = Signature::from_bytes(&pok.to_bytes()).unwrap();
    assert_eq!(
        as_sig.verify(&mut ctx.clone(), &key.public_key(), b""),
        Err(Error::SignatureInvalid)
    );
    let sig = Signature::sign(&mut ctx.clone(), &key, b"", &mut rng);
    let as_pok = SchnorrProof::from_bytes(&sig.to_bytes()).unwrap();
    assert!(as_pok.verify(&mut ctx.clone(), &key.public_key()).is_err());
}

#[test]
fn a06_range_proof_kinds_are_not_interchangeable() {
    // A proof of the wrong kind for the range fails even when its own
    // statement would hold (docs/attacks.md A9: the ballot never picks the kind).
    let mut rng = insecure_deterministic_rng(20);
    let k = election_key().public_key();
    let ctx = option_context(&base_context(), 0);
    let (ct, r) = k.encrypt(3, &mut rng);
    let disj = DisjunctiveProof::prove(&mut ctx.clone(), &k, &ct, 3, &r, 0, 20, &mut rng);
    assert!(disj.is_err(), "a 21-branch disjunctive proof is refused");
    let disj = RangeProof::prove(&mut ctx.clone(), &k, &ct, 3, &r, 0, 15, &mut rng).unwrap();
    assert!(matches!(disj, RangeProof::Disjunctive(_)));
    disj.verify(&mut ctx.clone(), &k, &ct, 0, 15).unwrap();
    assert!(disj.verify(&mut ctx.clone(), &k, &ct, 0, 16).is_err());
    let bp = RangeProof::prove(&mut ctx.clone(), &k, &ct, 3, &r, 0, 16, &mut rng).unwrap();
    assert!(matches!(bp, RangeProof::Bulletproof(_)));
    bp.verify(&mut ctx.clone(), &k, &ct, 0, 16).unwrap();
    assert!(bp.verify(&mut ctx.clone(), &k, &ct, 0, 15).is_err());
}

// ---------------------------------------------------------------------------
// A9: bulletproof bound to the wrong thing
// ---------------------------------------------------------------------------

fn bp_statement(m: u64, lo: u64, hi: u64, seed: u64) -> (Statement, Scalar, Ciphertext) {
    let mut rng = insecure_deterministic_rng(seed);
    let k = election_key().public_key();
    let (ct, r) = encrypt_known(&k, m, &mut rng);
    let stmt = Statement::Range {
        ctx: option_context(&base_context(), 0),
        k,
        ct,
        min: lo,
        max: hi,
    };
    (stmt, r, ct)
}

fn ref_bp(stmt: &Statement, r: &Scalar, m: u64, mutation: &BpMutation, seed: u64) -> Vec<u8> {
    let Statement::Range {
        ctx,
        k,
        ct,
        min,
        max,
    } = stmt
    else {
        unreachable!()
    };
    let mut rng = insecure_deterministic_rng(seed);
    ref_bulletproof_prove(ctx, mutation, &k.point(), ct, m, r, *min, *max, &mut rng)
}

#[test]
fn a09_commitment_of_another_ciphertext_rejected() {
    // Two valid proofs for two ciphertexts of the same range: any mix of the
    // link part of one with V or the bulletproof of the other fails.
    let one = case(BP3_1000);
    let mut rng = insecure_deterministic_rng(21);
    let two = range_case("other", 517, 3, 1000, &mut rng);
    assert_eq!(two.stmt.check(&two.bytes), Outcome::Valid);
    assert_eq!(one.bytes.len(), two.bytes.len());
    let v = 1..33;
    let link = 33..225;
    let bp = 225..two.bytes.len();
    let splice = |ranges: &[std::ops::Range<usize>]| {
        let mut out = one.bytes.clone();
        for r in ranges {
            out[r.clone()].copy_from_slice(&two.bytes[r.clone()]);
        }
        out
    };
    for (what, mixed) in [
        ("V of the other", splice(std::slice::from_ref(&v))),
        (
            "bulletproof of the other",
            splice(std::slice::from_ref(&bp)),
        ),
        (
            "V and bulletproof of the other",
            splice(&[v.clone(), bp.clone()]),
        ),
        (
            "link proof of the other",
            splice(std::slice::from_ref(&link)),
        ),
    ] {
        assert!(
            matches!(one.stmt.check(&mixed), Outcome::Verify(_)),
            "{what}"
        );
    }
}

#[test]
fn a09_reference_prover_accepted_and_wrong_bit_size_rejected() {
    let (stmt, r, _) = bp_statement(517, 3, 1000, 22);
    assert_eq!(
        stmt.check(&ref_bp(&stmt, &r, 517, &BpMutation::default(), 1)),
        Outcome::Valid
    );
    for n in [8usize, 32, 64] {
        let mutation = BpMutation {
            n: Some(n),
            // With n = 8 the honest values do not fit; prove the low bits.
            ..Default::default()
        };
        let bytes = ref_bp(&stmt, &r, 517, &mutation, 2);
        assert!(
            matches!(stmt.check(&bytes), Outcome::Verify(_)),
            "n = {n} instead of 16"
        );
    }
    // A one-sided proof made for n = 16 and checked with n = 8 …
    let (stmt, r, _) = bp_statement(200, 0, 255, 23);
    assert_eq!(
        stmt.check(&ref_bp(&stmt, &r, 200, &BpMutation::default(), 3)),
        Outcome::Valid
    );
    let bytes = ref_bp(
        &stmt,
        &r,
        200,
        &BpMutation {
            n: Some(16),
            ..Default::default()
        },
        4,
    );
    assert!(matches!(stmt.check(&bytes), Outcome::Verify(_)));
    // … and a proof for n = 64 checked against a range that needs n = 8.
    let mut rng = insecure_deterministic_rng(24);
    let wide = range_case("wide", 200, 0, 1 << 40, &mut rng);
    let Statement::Range { ctx, k, ct, .. } = &wide.stmt else {
        unreachable!()
    };
    let narrow = Statement::Range {
        ctx: ctx.clone(),
        k: k.clone(),
        ct: *ct,
        min: 0,
        max: 255,
    };
    assert!(matches!(narrow.check(&wide.bytes), Outcome::Verify(_)));
}

#[test]
fn a09_commitments_in_the_other_order_rejected() {
    let (stmt, r, _) = bp_statement(517, 3, 1000, 25);
    let bytes = ref_bp(
        &stmt,
        &r,
        517,
        &BpMutation {
            swap: true,
            ..Default::default()
        },
        5,
    );
    assert!(matches!(stmt.check(&bytes), Outcome::Verify(_)));
}

#[test]
fn a09_frozen_heart_bulletproof_on_a_fresh_transcript_rejected() {
    for (m, lo, hi, seed) in [(200u64, 0u64, 255u64, 26u64), (517, 3, 1000, 27)] {
        let (stmt, r, _) = bp_statement(m, lo, hi, seed);
        let fresh = BpMutation {
            fresh_bp_transcript: true,
            ..Default::default()
        };
        assert!(matches!(
            stmt.check(&ref_bp(&stmt, &r, m, &fresh, 6)),
            Outcome::Verify(_)
        ));
        let no_v = BpMutation {
            omit: vec![b"V"],
            ..Default::default()
        };
        assert!(matches!(
            stmt.check(&ref_bp(&stmt, &r, m, &no_v, 7)),
            Outcome::Verify(_)
        ));
    }
}

#[test]
fn a09_out_of_range_value_rejected() {
    // The crate's prover refuses; a reference prover that goes ahead yields
    // values that do not fit in n bits, which the bulletproof rejects.
    let (stmt, r, ct) = bp_statement(1001, 3, 1000, 28);
    let Statement::Range { ctx, k, .. } = &stmt else {
        unreachable!()
    };
    let mut rng = insecure_deterministic_rng(29);
    let nonce = k.encrypt(1001, &mut rng).1;
    assert_eq!(
        RangeProof::prove(&mut ctx.clone(), k, &ct, 1001, &nonce, 3, 1000, &mut rng),
        Err(Error::PlaintextOutOfRange {
            value: 1001,
            min: 3,
            max: 1000
        })
    );
    // 1001 − 3 = 998 fits, 1000 − 1001 wraps to 2⁶⁴ − 1, which does not fit in 16 bits.
    let bytes = ref_bp(&stmt, &r, 1001, &BpMutation::default(), 8);
    assert!(matches!(stmt.check(&bytes), Outcome::Verify(_)));
    // Below the range.
    let (stmt, r, _) = bp_statement(2, 3, 1000, 30);
    let bytes = ref_bp(&stmt, &r, 2, &BpMutation::default(), 9);
    assert!(matches!(stmt.check(&bytes), Outcome::Verify(_)));
    // Claiming in-range bulletproof values for an out-of-range plaintext.
    let (stmt, r, _) = bp_statement(5000, 3, 1000, 31);
    let lie = BpMutation {
        values: Some(vec![14, 983]),
        ..Default::default()
    };
    assert!(matches!(
        stmt.check(&ref_bp(&stmt, &r, 5000, &lie, 10)),
        Outcome::Verify(_)
    ));
}
