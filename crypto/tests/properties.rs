//! Property tests: ElGamal homomorphism and weighting (spec §4.2 (C2), (C3)),
//! canonical codecs (decode∘encode is the identity, and anything that
//! decodes re-encodes to the same bytes), and prove/verify over random
//! statements.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use curve25519_dalek::scalar::Scalar;
use proptest::prelude::*;
use urna_crypto::{
    vartime_discrete_log, Ciphertext, CiphertextSum, ContestBounds, DecryptionShare,
    EncryptedContest, Error, PublicKey, RangeProof, SchnorrProof, SecretKey, Signature,
};

fn key_from_seed(seed: u64) -> SecretKey {
    SecretKey::generate(&mut insecure_deterministic_rng(seed))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn homomorphism_enc_a_plus_enc_b_decrypts_to_a_plus_b(
        a in 0u64..100_000,
        b in 0u64..100_000,
        seed in any::<u64>(),
    ) {
        let key = key_from_seed(seed);
        let pk = key.public_key();
        let mut rng = insecure_deterministic_rng(seed ^ 1);
        let (ca, ra) = pk.encrypt(a, &mut rng);
        let (cb, rb) = pk.encrypt(b, &mut rng);
        let sum = (&ca + &cb).to_ciphertext();
        prop_assert_eq!(key.decrypt_to_point(&sum), mg(a + b));
        prop_assert_eq!(vartime_discrete_log(&key.decrypt_to_point(&sum), 200_000).unwrap(), a + b);
        // The sum is the encryption of a + b with nonce ra + rb.
        prop_assert!(pk.vartime_check_opening(&sum, a + b, &(ra.reveal() + rb.reveal())));
    }

    #[test]
    fn weighted_sums_decrypt_to_the_weighted_total(
        entries in prop::collection::vec((0u64..50, 1u64..1_000), 0..8),
        seed in any::<u64>(),
    ) {
        let key = key_from_seed(seed);
        let pk = key.public_key();
        let mut rng = insecure_deterministic_rng(seed ^ 2);
        let mut sum = CiphertextSum::zero();
        let mut left = CiphertextSum::zero();
        let mut right = CiphertextSum::zero();
        let mut expected = 0u64;
        for (i, (m, w)) in entries.iter().enumerate() {
            let (ct, _) = pk.encrypt(*m, &mut rng);
            sum.vartime_add_weighted(&ct, *w);
            if i % 2 == 0 {
                left.vartime_add_weighted(&ct, *w);
            } else {
                right.vartime_add_weighted(&ct, *w);
            }
            expected += m * w;
        }
        let total = sum.to_ciphertext();
        prop_assert_eq!(key.decrypt_to_point(&total), mg(expected));
        prop_assert_eq!(vartime_discrete_log(&key.decrypt_to_point(&total), 400_000).unwrap(), expected);
        // Partial sums merge to the same ciphertext (parallel aggregation).
        left.merge(&right);
        prop_assert_eq!(left.to_ciphertext(), total);
    }

    #[test]
    fn weight_one_is_plain_addition(m in 0u64..1000, seed in any::<u64>()) {
        let pk = key_from_seed(seed).public_key();
        let (ct, _) = pk.encrypt(m, &mut insecure_deterministic_rng(seed));
        let mut a = CiphertextSum::zero();
        a.vartime_add_weighted(&ct, 1);
        let mut b = CiphertextSum::zero();
        b.add(&ct);
        prop_assert_eq!(a.to_ciphertext(), b.to_ciphertext());
        prop_assert_eq!(a.to_ciphertext(), ct);
    }

    #[test]
    fn ciphertext_and_key_decode_encode_identity(m in any::<u64>(), seed in any::<u64>()) {
        let pk = key_from_seed(seed).public_key();
        let (ct, _) = pk.encrypt(m, &mut insecure_deterministic_rng(seed));
        let bytes = ct.to_bytes();
        let back = Ciphertext::from_bytes(&bytes).unwrap();
        prop_assert_eq!(back, ct);
        prop_assert_eq!(back.to_bytes(), bytes);
        let json = serde_json::to_string(&ct).unwrap();
        prop_assert_eq!(serde_json::from_str::<Ciphertext>(&json).unwrap(), ct);
        let kb = pk.to_bytes();
        prop_assert_eq!(PublicKey::from_bytes(&kb).unwrap().to_bytes(), kb);
    }

    #[test]
    fn anything_that_decodes_is_canonical(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        // Random bytes rarely decode; when they do, they re-encode identically,
        // and no decoder panics.
        if let Ok(c) = Ciphertext::from_bytes(&bytes) {
            prop_assert_eq!(c.to_bytes().to_vec(), bytes.clone());
        }
        if let Ok(p) = SchnorrProof::from_bytes(&bytes) {
            prop_assert_eq!(p.to_bytes().to_vec(), bytes.clone());
        }
        if let Ok(p) = DecryptionShare::from_bytes(&bytes) {
            prop_assert_eq!(p.to_bytes().to_vec(), bytes.clone());
        }
        if let Ok(p) = RangeProof::from_bytes(&bytes) {
            prop_assert_eq!(p.to_bytes(), bytes.clone());
        }
        if let Ok(c) = EncryptedContest::from_bytes(&bytes) {
            prop_assert_eq!(c.to_bytes(), bytes.clone());
        }
        let _ = PublicKey::from_bytes(&bytes);
    }

    #[test]
    fn valid_points_and_scalars_in_random_positions_stay_canonical(
        seed in any::<u64>(),
        which in 0usize..1000,
    ) {
        // A structurally valid proof with random group elements and scalars
        // decodes, re-encodes to the same bytes, and does not verify.
        let c = &cases()[which % cases().len()];
        let fields = c.layout();
        let f = &fields[which % fields.len()];
        let mut rng = insecure_deterministic_rng(seed);
        let mut bytes = c.bytes.clone();
        let v = match f.kind {
            Kind::Point | Kind::InnerPoint => (g() * random_scalar(&mut rng)).compress().to_bytes(),
            Kind::Scalar | Kind::InnerScalar => random_scalar(&mut rng).to_bytes(),
        };
        put(&mut bytes, f.at, &v);
        prop_assert_eq!(c.stmt.reencode(&bytes).unwrap(), bytes.clone());
        prop_assert!(!c.stmt.check(&bytes).is_valid(), "{}: {}", c.name, f.name);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn schnorr_signature_and_share_round_trip(seed in any::<u64>(), msg in prop::collection::vec(any::<u8>(), 0..64)) {
        let mut rng = insecure_deterministic_rng(seed);
        let key = SecretKey::generate(&mut rng);
        let pk = key.public_key();
        let ctx = base_context();
        let p = SchnorrProof::prove(&mut ctx.clone(), &key, &mut rng);
        let q = SchnorrProof::from_bytes(&p.to_bytes()).unwrap();
        prop_assert_eq!(q, p);
        prop_assert!(q.verify(&mut ctx.clone(), &pk).is_ok());
        let s = Signature::sign(&mut ctx.clone(), &key, &msg, &mut rng);
        let t = Signature::from_bytes(&s.to_bytes()).unwrap();
        prop_assert_eq!(t, s);
        prop_assert!(t.verify(&mut ctx.clone(), &pk, &msg).is_ok());
        let mut other = msg.clone();
        other.push(1);
        prop_assert!(t.verify(&mut ctx.clone(), &pk, &other).is_err());
        let (ct, _) = election_key().public_key().encrypt(seed % 100, &mut rng);
        let d = DecryptionShare::create(&mut ctx.clone(), &key, &ct, &mut rng).unwrap();
        let e = DecryptionShare::from_bytes(&d.to_bytes()).unwrap();
        prop_assert_eq!(e, d);
        prop_assert!(e.verify(&mut ctx.clone(), &pk, &ct).is_ok());
    }

    #[test]
    fn disjunctive_prove_verify_round_trip(
        seed in any::<u64>(),
        min in 0u64..1_000_000,
        width in 0u64..16,
        offset in 0u64..16,
    ) {
        let max = min + width;
        let m = min + offset % (width + 1);
        let mut rng = insecure_deterministic_rng(seed);
        let c = range_case("p", m, min, max, &mut rng);
        prop_assert_eq!(c.bytes[0], 1);
        prop_assert_eq!(c.stmt.check(&c.bytes), Outcome::Valid);
        prop_assert_eq!(c.stmt.reencode(&c.bytes).unwrap(), c.bytes.clone());
        let Statement::Range { ctx, k, ct, .. } = &c.stmt else { unreachable!() };
        if m > 0 {
            // The same proof never verifies for the neighbouring range that excludes m.
            let below = Statement::Range { ctx: ctx.clone(), k: k.clone(), ct: *ct, min: min.saturating_sub(1), max: m - 1 };
            prop_assert!(!below.check(&c.bytes).is_valid());
        }
    }

    #[test]
    fn contest_round_trip(seed in any::<u64>(), choices in prop::collection::vec(0u64..=1, 1..5)) {
        let n = choices.len() as u32;
        let total: u64 = choices.iter().sum();
        let bounds = ContestBounds::new(n, 1, 0, total.max(1)).unwrap();
        let mut rng = insecure_deterministic_rng(seed);
        let c = contest_case("p", bounds, &choices, &mut rng);
        prop_assert_eq!(c.stmt.check(&c.bytes), Outcome::Valid);
        prop_assert_eq!(c.stmt.reencode(&c.bytes).unwrap(), c.bytes.clone());
        let json = serde_json::to_string(&EncryptedContest::from_bytes(&c.bytes).unwrap()).unwrap();
        prop_assert_eq!(
            serde_json::from_str::<EncryptedContest>(&json).unwrap().to_bytes(),
            c.bytes.clone()
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4))]

    #[test]
    fn bulletproof_prove_verify_round_trip(
        seed in any::<u64>(),
        min in 0u64..(1 << 40),
        width in 16u64..(1 << 20),
        offset in any::<u64>(),
    ) {
        let max = min + width;
        let m = min + offset % (width + 1);
        let mut rng = insecure_deterministic_rng(seed);
        let c = range_case("p", m, min, max, &mut rng);
        prop_assert_eq!(c.bytes[0], 2);
        prop_assert_eq!(c.stmt.check(&c.bytes), Outcome::Valid);
        prop_assert_eq!(c.stmt.reencode(&c.bytes).unwrap(), c.bytes.clone());
        let f = c.layout();
        let tampered = tamper(&c.bytes, &f[(seed as usize) % f.len()]);
        prop_assert!(!c.stmt.check(&tampered).is_valid());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn a12_discrete_log_finds_counts_within_the_bound_and_only_those(
        m in 0u64..(1 << 22),
        slack in 0u64..(1 << 20),
        over in 1u64..(1 << 20),
    ) {
        let bound = m + slack;
        prop_assert_eq!(vartime_discrete_log(&mg(m), bound), Ok(m));
        // A value above the bound is never returned, whatever it is.
        if let Some(big) = bound.checked_add(over) {
            prop_assert_eq!(
                vartime_discrete_log(&mg(big), bound),
                Err(Error::TallyOutOfRange { bound })
            );
        }
        // Nor is the negative −m (a huge scalar).
        if m > 0 {
            prop_assert_eq!(
                vartime_discrete_log(&(-mg(m)), bound),
                Err(Error::TallyOutOfRange { bound })
            );
        }
    }
}

#[test]
fn scalar_helpers_are_consistent() {
    // The proptests above lean on these helpers.
    let s = Scalar::from(77u64);
    let mut b = vec![0u8; 40];
    put(&mut b, 3, s.as_bytes());
    assert_eq!(scalar_at(&b, 3), s);
    assert_eq!(point_at(g().compress().as_bytes(), 0), g());
}
