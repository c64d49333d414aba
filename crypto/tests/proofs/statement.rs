//! A4: every statement element is in the transcript (statement changes,
//! mutant provers, weak Fiat–Shamir).

use super::*;

// ---------------------------------------------------------------------------
// 3. Statement changes (A4: every element is in the transcript)
// ---------------------------------------------------------------------------

fn statement_changes(name: &str) {
    let c = case(name);
    let variants = c.stmt.variants();
    assert!(variants.len() >= 4);
    for (what, stmt) in variants {
        let out = stmt.check(&c.bytes);
        assert!(
            matches!(out, Outcome::Verify(_)),
            "{name}: checked against a statement with {what}: expected a verification failure, got {out:?}"
        );
    }
}

#[test]
fn a04_statement_change_schnorr_pok() {
    statement_changes(SCHNORR);
}

#[test]
fn a04_statement_change_signature() {
    statement_changes(SIGNATURE);
}

#[test]
fn a04_statement_change_decryption_share() {
    statement_changes(DECRYPTION);
}

#[test]
fn a04_statement_change_disjunctive_zero_one() {
    statement_changes(DISJ01);
}

#[test]
fn a04_statement_change_disjunctive_wide() {
    statement_changes(DISJ14);
}

#[test]
fn a04_statement_change_bulletproof_one_sided() {
    statement_changes(BP255);
}

#[test]
fn a04_statement_change_bulletproof_two_sided() {
    statement_changes(BP3_1000);
}

#[test]
fn a04_statement_change_contest() {
    statement_changes(APPROVAL);
    statement_changes(SCORE);
}

#[test]
fn statement_change_errors_name_the_proof() {
    let c = case(SIGNATURE);
    for (_, s) in c.stmt.variants() {
        assert_eq!(s.check(&c.bytes), Outcome::Verify(Error::SignatureInvalid));
    }
    let c = case(DECRYPTION);
    for (_, s) in c.stmt.variants() {
        let Outcome::Verify(e) = s.check(&c.bytes) else {
            panic!("decodes")
        };
        assert_eq!(
            e,
            Error::ProofInvalid {
                proof: "decryption"
            }
        );
        assert_eq!(e.code(), "ERR_PROOF_INVALID");
    }
}

// ---------------------------------------------------------------------------
// A4: mutant provers that leave one statement element out of the transcript
// ---------------------------------------------------------------------------

/// The reference prover with nothing left out is accepted (so the reference
/// follows the documented transcript); with any one element left out it is
/// rejected.
fn omit_each(labels: &[&'static [u8]], mut check: impl FnMut(&[&'static [u8]]) -> Outcome) {
    assert_eq!(
        check(&[]),
        Outcome::Valid,
        "the reference prover must follow the spec"
    );
    for l in labels {
        let out = check(&[l]);
        assert!(
            matches!(out, Outcome::Verify(_)),
            "a proof whose transcript omits {:?} was not rejected: {out:?}",
            String::from_utf8_lossy(l)
        );
    }
}

#[test]
fn a04_mutant_schnorr_pok_omitting_statement_rejected() {
    let mut rng = insecure_deterministic_rng(10);
    let x = Scalar::from(0xabcdu64);
    let ctx = trustee_context(b"election-1", 3, 0);
    let pk = pk_of(g() * x);
    let stmt = Statement::Pok {
        ctx: ctx.clone(),
        x: pk,
    };
    omit_each(&[b"dom-sep", b"X", b"T"], |omit| {
        stmt.check(&ref_schnorr_prove(
            &ctx, omit, POK_LABEL, &x, None, &mut rng,
        ))
    });
}

#[test]
fn a04_mutant_signature_omitting_statement_rejected() {
    let mut rng = insecure_deterministic_rng(11);
    let x = Scalar::from(0xbcdeu64);
    let ctx = base_context();
    let msg = b"ballot".to_vec();
    let stmt = Statement::Sig {
        ctx: ctx.clone(),
        x: pk_of(g() * x),
        msg: msg.clone(),
    };
    omit_each(&[b"dom-sep", b"X", b"msg", b"T"], |omit| {
        stmt.check(&ref_schnorr_prove(
            &ctx,
            omit,
            SIGNATURE_LABEL,
            &x,
            Some(&msg),
            &mut rng,
        ))
    });
}

#[test]
fn a04_mutant_decryption_omitting_statement_rejected() {
    let mut rng = insecure_deterministic_rng(12);
    let x = Scalar::from(0xcdefu64);
    let ctx = trustee_context(b"election-1", 2, 5);
    let (ct, _) = election_key().public_key().encrypt(4, &mut rng);
    let stmt = Statement::Dec {
        ctx: ctx.clone(),
        x: pk_of(g() * x),
        ct,
    };
    omit_each(
        &[b"dom-sep", b"X", b"alpha", b"beta", b"D", b"T1", b"T2"],
        |omit| stmt.check(&ref_decryption_prove(&ctx, omit, &x, &ct, &mut rng)),
    );
}

#[test]
fn a04_mutant_disjunctive_omitting_statement_rejected() {
    let mut rng = insecure_deterministic_rng(13);
    let k = election_key().public_key();
    let ctx = option_context(&base_context(), 2);
    for (m, lo, hi) in [(1u64, 0u64, 1u64), (0, 0, 1), (3, 1, 4)] {
        let (ct, r) = encrypt_known(&k, m, &mut rng);
        let stmt = Statement::Range {
            ctx: ctx.clone(),
            k: k.clone(),
            ct,
            min: lo,
            max: hi,
        };
        omit_each(
            &[b"dom-sep", b"a", b"b", b"K", b"alpha", b"beta", b"A", b"B"],
            |omit| {
                stmt.check(&ref_disjunctive_prove(
                    &ctx,
                    omit,
                    &k.point(),
                    &ct,
                    m,
                    &r,
                    lo,
                    hi,
                    &mut rng,
                ))
            },
        );
    }
}

#[test]
fn a04_mutant_bulletproof_omitting_statement_rejected() {
    let mut rng = insecure_deterministic_rng(14);
    let k = election_key().public_key();
    let ctx = option_context(&base_context(), 0);
    for (m, lo, hi) in [(200u64, 0u64, 255u64), (517, 3, 1000)] {
        let (ct, r) = encrypt_known(&k, m, &mut rng);
        let stmt = Statement::Range {
            ctx: ctx.clone(),
            k: k.clone(),
            ct,
            min: lo,
            max: hi,
        };
        let labels: &[&'static [u8]] = &[
            b"dom-sep", b"a", b"b", b"n", b"K", b"alpha", b"beta", b"V", b"T1", b"T2", b"T3",
        ];
        omit_each(labels, |omit| {
            let mutation = BpMutation {
                omit: omit.to_vec(),
                ..Default::default()
            };
            stmt.check(&ref_bulletproof_prove(
                &ctx,
                &mutation,
                &k.point(),
                &ct,
                m,
                &r,
                lo,
                hi,
                &mut rng,
            ))
        });
    }
}

#[test]
fn a04_weak_fs_pok_for_a_key_nobody_knows_rejected() {
    // Adaptive attack on a PoK whose challenge omits X: fix T (here H, whose
    // discrete log nobody knows) and z, derive c, then solve for
    // X = c⁻¹·(z·G − T). Nobody knows log_G X, yet the weak check passes.
    let mut rng = insecure_deterministic_rng(15);
    let ctx = trustee_context(b"election-1", 4, 0);
    let T = urna_crypto::group::generator_h();
    let z = random_scalar(&mut rng);
    let c = ref_schnorr_challenge(&ctx, &[b"X"], POK_LABEL, &g(), None, &T);
    let X = (g() * z - T) * c.invert();
    let mut forged = T.compress().to_bytes().to_vec();
    forged.extend_from_slice(z.as_bytes());
    assert!(
        ref_schnorr_verify(&ctx, &[b"X"], POK_LABEL, &X, None, &forged),
        "the forgery works against a weak verifier"
    );
    let stmt = Statement::Pok { ctx, x: pk_of(X) };
    assert!(matches!(stmt.check(&forged), Outcome::Verify(_)));
}

#[test]
fn a04_weak_fs_zero_one_proof_for_non_binary_value_rejected() {
    // Adaptive attack on a 0/1 proof whose challenge omits β: commit first,
    // read c, then choose β. With A₀ = a₀G, B₀ = a₀K, A₁ = a₁G,
    // B₁ = b₁G + a₁K: c₀ = 0, c₁ = c, μ = 1 − b₁/c, β = μ·G + ρ·K and
    // z₀ = a₀, z₁ = a₁ + cρ satisfy (R1)–(R3) for a plaintext μ ∉ {0, 1}.
    let mut rng = insecure_deterministic_rng(16);
    let key = election_key();
    let k = key.public_key();
    let K = k.point();
    let ctx = option_context(&base_context(), 0);
    let rho = random_scalar(&mut rng);
    let alpha = g() * rho;
    let (a0, a1, b1) = (
        random_scalar(&mut rng),
        random_scalar(&mut rng),
        random_scalar(&mut rng),
    );
    let commitments = [(g() * a0, K * a0), (g() * a1, g() * b1 + K * a1)];
    // β is not absorbed, so any point stands in for it.
    let c = ref_disjunctive_challenge(&ctx, &[b"beta"], &K, (&alpha, &g()), 0, 1, &commitments);
    let mu = Scalar::ONE - b1 * c.invert();
    let beta = g() * mu + K * rho;
    let branches = vec![
        (commitments[0].0, commitments[0].1, Scalar::ZERO, a0),
        (commitments[1].0, commitments[1].1, c, a1 + c * rho),
    ];
    assert!(ref_disjunctive_verify(
        &ctx,
        &[b"beta"],
        &K,
        (&alpha, &beta),
        0,
        1,
        &branches,
        true
    ));
    let ct = ct_of(alpha, beta);
    // The ciphertext really encrypts μ, which is neither 0 nor 1.
    assert_eq!(key.decrypt_to_point(&ct), g() * mu);
    assert!(mu != Scalar::ZERO && mu != Scalar::ONE);
    let stmt = Statement::Range {
        ctx,
        k,
        ct,
        min: 0,
        max: 1,
    };
    assert!(matches!(
        stmt.check(&encode_disjunctive(&branches)),
        Outcome::Verify(_)
    ));
}

#[test]
fn a04_weak_fs_wrong_decryption_share_rejected() {
    // A trustee whose proof omits D: T₁ = wG, T₂ = vα with v ≠ w, read c,
    // z = w + c·x, then D = (z·α − T₂)/c. Both checks hold, and D ≠ x·α.
    let mut rng = insecure_deterministic_rng(17);
    let x = Scalar::from(0x7e57u64);
    let X = g() * x;
    let ctx = trustee_context(b"election-1", 1, 0);
    let (ct, _) = election_key().public_key().encrypt(2, &mut rng);
    let alpha = ct.alpha().point();
    let (w, v) = (random_scalar(&mut rng), random_scalar(&mut rng));
    let (T1, T2) = (g() * w, alpha * v);
    let c = ref_decryption_challenge(&ctx, &[b"D"], &X, &ct, &g(), &T1, &T2);
    let z = w + c * x;
    let D = (alpha * z - T2) * c.invert();
    assert_ne!(D, alpha * x, "a wrong share");
    assert_eq!(g() * z, T1 + X * c);
    assert_eq!(alpha * z, T2 + D * c);
    let stmt = Statement::Dec {
        ctx,
        x: pk_of(X),
        ct,
    };
    assert!(matches!(
        stmt.check(&encode_decryption(&D, &T1, &T2, &z)),
        Outcome::Verify(_)
    ));
}

#[test]
fn a04_disjunctive_shifted_statement_only_the_transcript_rejects() {
    // A proof for (α, β) over [a, b] satisfies (R2)–(R3) for (α, β + G)
    // over [a + 1, b + 1]; only absorbing β, a and b tells them apart.
    let c = case(DISJ14);
    let Statement::Range {
        ctx,
        k,
        ct,
        min,
        max,
    } = &c.stmt
    else {
        unreachable!()
    };
    let branches = decode_disjunctive(&c.bytes);
    let (alpha, beta) = (ct.alpha().point(), ct.beta().point());
    let shifted_beta = beta + g();
    // Every branch equation holds for the shifted statement …
    assert!(ref_disjunctive_verify(
        ctx,
        &[],
        &k.point(),
        (&alpha, &shifted_beta),
        min + 1,
        max + 1,
        &branches,
        false
    ));
    // … and the sub-challenges sum to the challenge of the original
    // statement, which a transcript without β, a and b would reproduce.
    let commitments: Vec<_> = branches.iter().map(|b| (b.0, b.1)).collect();
    let sum: Scalar = branches.iter().map(|b| b.2).sum();
    let original = ref_disjunctive_challenge(
        ctx,
        &[],
        &k.point(),
        (&alpha, &beta),
        *min,
        *max,
        &commitments,
    );
    assert_eq!(sum, original);
    let weak: &[&'static [u8]] = &[b"a", b"b", b"beta"];
    assert_eq!(
        ref_disjunctive_challenge(
            ctx,
            weak,
            &k.point(),
            (&alpha, &beta),
            *min,
            *max,
            &commitments
        ),
        ref_disjunctive_challenge(
            ctx,
            weak,
            &k.point(),
            (&alpha, &shifted_beta),
            min + 1,
            max + 1,
            &commitments
        )
    );
    let shifted = Statement::Range {
        ctx: ctx.clone(),
        k: k.clone(),
        ct: ct_of(alpha, shifted_beta),
        min: min + 1,
        max: max + 1,
    };
    assert!(matches!(shifted.check(&c.bytes), Outcome::Verify(_)));
}
