//! Every proof type through its canonical encoding: round trips, tampering
//! with each field, flipping every byte.

use super::*;

// ---------------------------------------------------------------------------
// 1. Round trip
// ---------------------------------------------------------------------------

fn round_trip(name: &str) {
    let c = case(name);
    assert_eq!(c.stmt.check(&c.bytes), Outcome::Valid, "{name}");
    assert_eq!(
        c.stmt.reencode(&c.bytes).unwrap(),
        c.bytes,
        "{name}: decode∘encode"
    );
    // The layout helper accounts for every byte it claims to know.
    assert!(!c.layout().is_empty());
}

#[test]
fn round_trip_schnorr_pok() {
    round_trip(SCHNORR);
    let key = sk_of(42);
    let p = SchnorrProof::prove(
        &mut base_context(),
        &key,
        &mut insecure_deterministic_rng(2),
    );
    let q = SchnorrProof::from_bytes(&p.to_bytes()).unwrap();
    assert_eq!(p, q);
    q.verify(&mut base_context(), &key.public_key()).unwrap();
    let json = serde_json::to_string(&p).unwrap();
    assert_eq!(json, format!("\"{}\"", hex::encode(p.to_bytes())));
    assert_eq!(serde_json::from_str::<SchnorrProof>(&json).unwrap(), p);
}

#[test]
fn round_trip_signature() {
    round_trip(SIGNATURE);
    let key = sk_of(43);
    let s = Signature::sign(
        &mut base_context(),
        &key,
        b"m",
        &mut insecure_deterministic_rng(3),
    );
    let t = Signature::from_bytes(&s.to_bytes()).unwrap();
    assert_eq!(s, t);
    t.verify(&mut base_context(), &key.public_key(), b"m")
        .unwrap();
    let json = serde_json::to_string(&s).unwrap();
    assert_eq!(serde_json::from_str::<Signature>(&json).unwrap(), s);
}

#[test]
fn round_trip_decryption_share() {
    round_trip(DECRYPTION);
    let mut rng = insecure_deterministic_rng(4);
    let trustee = sk_of(44);
    let (ct, _) = election_key().public_key().encrypt(9, &mut rng);
    let d = DecryptionShare::create(&mut base_context(), &trustee, &ct, &mut rng).unwrap();
    let e = DecryptionShare::from_bytes(&d.to_bytes()).unwrap();
    assert_eq!(d, e);
    assert_eq!(e.share().point(), trustee.partial_decrypt(&ct));
    e.verify(&mut base_context(), &trustee.public_key(), &ct)
        .unwrap();
    let json = serde_json::to_string(&d).unwrap();
    assert_eq!(serde_json::from_str::<DecryptionShare>(&json).unwrap(), d);
}

#[test]
fn round_trip_disjunctive_zero_one() {
    round_trip(DISJ01);
    // Both plaintexts of the 0/1 proof.
    let mut rng = insecure_deterministic_rng(5);
    for m in [0, 1] {
        let c = range_case("m", m, 0, 1, &mut rng);
        assert_eq!(c.stmt.check(&c.bytes), Outcome::Valid);
    }
}

#[test]
fn round_trip_disjunctive_wide() {
    round_trip(DISJ14);
    // Every plaintext of [1,4], a single-value range and the widest
    // disjunctive range (16 branches).
    let mut rng = insecure_deterministic_rng(6);
    for m in 1..=4 {
        let c = range_case("m", m, 1, 4, &mut rng);
        assert_eq!(c.stmt.check(&c.bytes), Outcome::Valid);
        assert_eq!(c.bytes[0], 1, "[1,4] uses the disjunctive proof");
    }
    for (m, lo, hi) in [(5, 5, 5), (100, 90, 105), (90, 90, 105)] {
        let c = range_case("m", m, lo, hi, &mut rng);
        assert_eq!(c.stmt.check(&c.bytes), Outcome::Valid);
        assert_eq!(c.bytes[0], 1);
        assert_eq!(u32_at(&c.bytes, 1) as u64, hi - lo + 1);
    }
}

#[test]
fn round_trip_bulletproof_one_sided() {
    round_trip(BP255);
    let c = case(BP255);
    assert_eq!(c.bytes[0], 2, "[0,255] uses the bulletproof");
    // One-sided, n = 8: one commitment, 2·lg(8) + 9 = 15 elements.
    assert_eq!(u32_at(&c.bytes, 225), 15 * 32);
    let mut rng = insecure_deterministic_rng(7);
    for m in [0, 255] {
        let c = range_case("m", m, 0, 255, &mut rng);
        assert_eq!(c.stmt.check(&c.bytes), Outcome::Valid, "m = {m}");
    }
}

#[test]
fn round_trip_bulletproof_two_sided() {
    round_trip(BP3_1000);
    let c = case(BP3_1000);
    // Two-sided, n = 16, aggregated m = 2: 2·lg(32) + 9 = 19 elements.
    assert_eq!(u32_at(&c.bytes, 225), 19 * 32);
    let mut rng = insecure_deterministic_rng(8);
    for (m, lo, hi) in [
        (3, 3, 1000),
        (1000, 3, 1000),
        (16, 0, 16),
        (u64::MAX, 0, u64::MAX),
    ] {
        let c = range_case("m", m, lo, hi, &mut rng);
        assert_eq!(
            c.stmt.check(&c.bytes),
            Outcome::Valid,
            "m = {m} in [{lo},{hi}]"
        );
        assert_eq!(c.stmt.reencode(&c.bytes).unwrap(), c.bytes);
    }
}

#[test]
fn round_trip_contest() {
    round_trip(APPROVAL);
    round_trip(SCORE);
    let mut rng = insecure_deterministic_rng(9);
    let k = election_key().public_key();
    let ctx = base_context();
    // Approval with no total proof needed, plurality, budget.
    for (bounds, choices) in [
        (ContestBounds::new(4, 1, 0, 4).unwrap(), vec![1, 1, 0, 1]),
        (ContestBounds::new(3, 1, 1, 1).unwrap(), vec![0, 1, 0]),
        (ContestBounds::new(2, 10, 0, 12).unwrap(), vec![10, 2]),
    ] {
        let (c, opening) =
            EncryptedContest::encrypt(&ctx, &k, &bounds, &choices, &mut rng).unwrap();
        let bytes = c.to_bytes();
        let d = EncryptedContest::from_bytes(&bytes).unwrap();
        assert_eq!(d, c);
        assert_eq!(d.to_bytes(), bytes);
        d.verify(&ctx, &k, &bounds).unwrap();
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(serde_json::from_str::<EncryptedContest>(&json).unwrap(), c);
        // The opening decrypts to the choices.
        let (values, nonces) = opening.reveal();
        assert_eq!(values, choices);
        for ((ct, m), r) in c.ciphertexts().iter().zip(&values).zip(&nonces) {
            assert!(k.vartime_check_opening(ct, *m, r));
        }
    }
}

// ---------------------------------------------------------------------------
// 2. Tampering
// ---------------------------------------------------------------------------

/// Every field replaced by another valid value: the bytes still decode, and
/// the proof no longer verifies.
fn tamper_each_field(name: &str) {
    let c = case(name);
    let fields = c.layout();
    for f in &fields {
        let bad = tamper(&c.bytes, f);
        assert_ne!(bad, c.bytes);
        let out = c.stmt.check(&bad);
        assert!(
            matches!(out, Outcome::Verify(_)),
            "{name}: {} at {} replaced by a valid value: expected a verification failure, got {out:?}",
            f.name,
            f.at
        );
        assert_eq!(
            c.stmt.reencode(&bad).unwrap(),
            bad,
            "{name}: tampered bytes stay canonical"
        );
    }
}

#[test]
fn tamper_each_field_schnorr_pok() {
    tamper_each_field(SCHNORR);
}

#[test]
fn tamper_each_field_signature() {
    tamper_each_field(SIGNATURE);
}

#[test]
fn tamper_each_field_decryption_share() {
    tamper_each_field(DECRYPTION);
}

#[test]
fn tamper_each_field_disjunctive_zero_one() {
    tamper_each_field(DISJ01);
}

#[test]
fn tamper_each_field_disjunctive_wide() {
    tamper_each_field(DISJ14);
}

#[test]
fn tamper_each_field_bulletproof_one_sided() {
    tamper_each_field(BP255);
}

#[test]
fn tamper_each_field_bulletproof_two_sided() {
    tamper_each_field(BP3_1000);
}

#[test]
fn tamper_each_field_contest_approval() {
    tamper_each_field(APPROVAL);
}

#[test]
fn tamper_each_field_contest_score() {
    tamper_each_field(SCORE);
}

/// Flip one bit in every byte position (two different bits): never verifies.
fn flip_every_byte(name: &str) {
    let c = case(name);
    for i in 0..c.bytes.len() {
        for mask in [0x01u8, 0x80] {
            let mut bad = c.bytes.clone();
            bad[i] ^= mask;
            let out = c.stmt.check(&bad);
            assert!(
                !out.is_valid(),
                "{name}: byte {i} ^ {mask:#04x} still verifies"
            );
        }
    }
    // Truncated at every length, and one extra byte: never decodes.
    for len in 0..c.bytes.len() {
        assert!(matches!(c.stmt.check(&c.bytes[..len]), Outcome::Decode(_)));
    }
    let mut longer = c.bytes.clone();
    longer.push(0);
    assert!(matches!(
        c.stmt.check(&longer),
        Outcome::Decode(Error::TrailingBytes { .. })
    ));
}

#[test]
fn flip_every_byte_schnorr_pok() {
    flip_every_byte(SCHNORR);
}

#[test]
fn flip_every_byte_signature() {
    flip_every_byte(SIGNATURE);
}

#[test]
fn flip_every_byte_decryption_share() {
    flip_every_byte(DECRYPTION);
}

#[test]
fn flip_every_byte_disjunctive_zero_one() {
    flip_every_byte(DISJ01);
}

#[test]
fn flip_every_byte_disjunctive_wide() {
    flip_every_byte(DISJ14);
}

#[test]
fn flip_every_byte_bulletproof_one_sided() {
    flip_every_byte(BP255);
}

#[test]
fn flip_every_byte_bulletproof_two_sided() {
    flip_every_byte(BP3_1000);
}

#[test]
fn flip_every_byte_contest_approval() {
    flip_every_byte(APPROVAL);
}

#[test]
fn flip_every_byte_contest_score() {
    flip_every_byte(SCORE);
}

// ---------------------------------------------------------------------------
// 4. The empty aggregate (spec/crypto.md §5.3 (D4))
// ---------------------------------------------------------------------------

fn empty_aggregate() -> Ciphertext {
    urna_crypto::CiphertextSum::zero().to_ciphertext()
}

#[test]
fn empty_aggregate_share_round_trips_and_verifies() {
    let ct = empty_aggregate();
    assert!(ct.alpha().is_identity());
    let filler = DecryptionShare::empty_aggregate();
    let bytes = filler.to_bytes();
    // D = T₁ = T₂ = G, z = 0: canonical, no identity element.
    let g = urna_crypto::group::generator_g().compress().to_bytes();
    assert_eq!(&bytes[..32], &g);
    assert_eq!(&bytes[32..64], &g);
    assert_eq!(&bytes[64..96], &g);
    assert_eq!(&bytes[96..], &[0u8; 32]);
    let decoded = DecryptionShare::from_bytes(&bytes).unwrap();
    assert!(decoded.is_empty_aggregate());
    let trustee = sk_of(45);
    decoded
        .verify(&mut base_context(), &trustee.public_key(), &ct)
        .unwrap();
    // The prover refuses to "prove" the identity; the filler is the share.
    assert!(DecryptionShare::create(
        &mut base_context(),
        &trustee,
        &ct,
        &mut insecure_deterministic_rng(6)
    )
    .is_err());
}

#[test]
fn empty_aggregate_accepts_only_the_filler() {
    let ct = empty_aggregate();
    let trustee = sk_of(46);
    let bytes = DecryptionShare::empty_aggregate().to_bytes();
    // Tampering: every single-bit change is refused (by the codec or by (D4)).
    for i in 0..bytes.len() {
        for bit in [0x01u8, 0x80] {
            let mut b = bytes;
            b[i] ^= bit;
            if let Ok(d) = DecryptionShare::from_bytes(&b) {
                assert!(
                    d.verify(&mut base_context(), &trustee.public_key(), &ct)
                        .is_err(),
                    "byte {i} bit {bit:#x} accepted for the empty aggregate"
                );
            }
        }
    }
    // A real proven share of another ciphertext is not the filler: refused.
    let mut rng = insecure_deterministic_rng(7);
    let (other, _) = election_key().public_key().encrypt(1, &mut rng);
    let real = DecryptionShare::create(&mut base_context(), &trustee, &other, &mut rng).unwrap();
    assert!(real
        .verify(&mut base_context(), &trustee.public_key(), &ct)
        .is_err());
    // Omission of the proof where one is due: the filler for a non-empty
    // aggregate is refused.
    assert!(DecryptionShare::empty_aggregate()
        .verify(&mut base_context(), &trustee.public_key(), &other)
        .is_err());
}
