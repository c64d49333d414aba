//! D1–D3: ceremonies end to end, the parameters, and the proofs of
//! possession and of knowledge of the coefficients.

use super::*;

// ------------------------------------------------------------------ D1

#[test]
fn d01_ceremony_1_of_1_end_to_end() {
    end_to_end(1, 1, 11);
}

#[test]
fn d01_ceremony_2_of_3_end_to_end() {
    end_to_end(3, 2, 23);
}

#[test]
fn d01_ceremony_3_of_5_end_to_end() {
    end_to_end(5, 3, 35);
}

#[test]
fn d01_ceremony_5_of_9_end_to_end() {
    end_to_end(9, 5, 59);
}

#[test]
fn d01_lost_keys_fewer_than_k_fail_cleanly() {
    let (_c, shares, outcome) = honest(5, 3, 101);
    let mut rng = insecure_deterministic_rng(102);
    let (ct, _) = outcome.key().joint_key().encrypt(7, &mut rng);
    // n − k + 1 = 3 trustees lost their keys: 2 shares remain.
    let parts = partial_decryptions(&shares[..2], &ct, &mut rng);
    match outcome
        .key()
        .verify_and_combine(&tally_context(), &ct, &parts)
    {
        Err(Error::InsufficientShares {
            needed,
            valid,
            invalid,
            missing,
        }) => {
            assert_eq!(needed, 3);
            assert_eq!(valid, vec![1, 2]);
            assert!(invalid.is_empty());
            assert_eq!(missing, vec![3, 4, 5]);
        }
        other => panic!("{other:?}"),
    }
    // One trustee lost its key: the other four decrypt.
    let parts = partial_decryptions(&shares[1..], &ct, &mut rng);
    let d = outcome
        .key()
        .verify_and_combine(&tally_context(), &ct, &parts)
        .unwrap();
    assert_eq!(*d.point(), m_g(7));
    assert_eq!(d.used(), &[2, 3, 4]);
}

// ------------------------------------------------------------------ D2

fn assert_params_error<T: core::fmt::Debug>(r: urna_crypto::Result<T>) {
    let e = r.unwrap_err();
    assert_eq!(e.code(), "ERR_DKG_PARAMS", "{e}");
}

#[test]
fn d02_zero_index_rejected() {
    assert_params_error(CeremonyParams::from_roster(ELECTION_A, 2, &[0, 1, 2]));
    let p = params(ELECTION_A, 3, 2);
    let mut rng = insecure_deterministic_rng(1);
    assert_params_error(Trustee::new(&p, 0, &mut rng));
    assert_params_error(p.check_index(0));
}

#[test]
fn d02_duplicate_index_rejected() {
    assert_params_error(CeremonyParams::from_roster(ELECTION_A, 2, &[1, 2, 2]));
}

#[test]
fn d02_non_contiguous_indices_rejected() {
    assert_params_error(CeremonyParams::from_roster(ELECTION_A, 2, &[1, 2, 4]));
    let p = CeremonyParams::from_roster(ELECTION_A, 2, &[3, 1, 2]).unwrap();
    assert_eq!((p.trustees(), p.threshold()), (3, 2));
}

#[test]
fn d02_index_above_n_rejected() {
    let p = params(ELECTION_A, 3, 2);
    let mut rng = insecure_deterministic_rng(2);
    assert_params_error(Trustee::new(&p, 4, &mut rng));
}

#[test]
fn d02_threshold_zero_rejected() {
    assert_params_error(CeremonyParams::new(ELECTION_A, 3, 0));
}

#[test]
fn d02_threshold_above_n_rejected() {
    assert_params_error(CeremonyParams::new(ELECTION_A, 3, 4));
}

#[test]
fn d02_more_than_255_trustees_rejected() {
    assert_params_error(CeremonyParams::new(ELECTION_A, 256, 2));
    let roster: Vec<u32> = (1..=256).collect();
    assert_params_error(CeremonyParams::from_roster(ELECTION_A, 2, &roster));
    assert_params_error(CeremonyParams::new(ELECTION_A, 0, 0));
}

#[test]
fn d02_params_decoding_checks_bounds() {
    let mut b = params(ELECTION_A, 3, 2).to_bytes();
    b[33] = 4; // k > n
    assert_params_error(CeremonyParams::from_bytes(&b));
}

// ------------------------------------------------------------------ D3

/// Replace trustee `i`'s round-1 identity by `identity`, re-signed.
fn resigned_round1(
    c: &Ceremony,
    i: u8,
    identity: TrusteeIdentity,
    rng: &mut ChaCha20Rng,
) -> Round1Message {
    let hash = *c.round1_of(i).commitment_hash();
    Round1Message::sign_unchecked(&c.params, c.trustee(i).keys(), identity, hash, rng)
}

/// Expect trustee `bad` to be excluded with `code` while the others finish.
pub(super) fn assert_excluded_and_completes(
    c: &mut Ceremony,
    bad: u8,
    code: &str,
    rng: &mut ChaCha20Rng,
) {
    let outcome = evaluate_ceremony(&c.params, &c.record).unwrap();
    assert!(!outcome.key().qualified().contains(&bad));
    let d = outcome
        .disqualified()
        .iter()
        .find(|d| d.trustee() == bad)
        .unwrap();
    assert_eq!(d.reason().code(), code, "{}", d.reason());
    let shares = c.round4(rng);
    let verified = verify_ceremony(&c.params, &c.record).unwrap();
    assert_eq!(verified, outcome);
    check_threshold_decryption(verified.key(), &shares, 777);
}

#[test]
fn d03_pop_from_other_election_rejected() {
    let mut rng = insecure_deterministic_rng(31);
    let mut c = Ceremony::new(ELECTION_A, 3, 2, &mut rng);
    c.round1_except(&[], &mut rng);
    // Trustee 3 replays proofs of possession made for election B.
    let other = params(ELECTION_B, 3, 2);
    let replayed = c.trustee(3).keys().identity(&other, 3, &mut rng).unwrap();
    let m = resigned_round1(&c, 3, replayed, &mut rng);
    assert!(matches!(
        m.verify(&c.params),
        Err(Error::DkgPopInvalid { trustee: 3, .. })
    ));
    c.replace_round1(m);
    c.round2_except(&[3], &mut rng);
    c.round3_except(&[3], &mut rng);
    assert_excluded_and_completes(&mut c, 3, "ERR_DKG_POP_INVALID", &mut rng);
}

#[test]
fn d03_pop_for_other_index_rejected() {
    let mut rng = insecure_deterministic_rng(32);
    let c = Ceremony::new(ELECTION_A, 3, 2, &mut rng);
    let keys = c.trustee(3).keys();
    let for_two = keys.identity(&c.params, 2, &mut rng).unwrap();
    let moved = TrusteeIdentity::from_parts(
        3,
        for_two.signing_key().clone(),
        for_two.encryption_key().clone(),
        *for_two.signing_pop(),
        *for_two.encryption_pop(),
    );
    let m = Round1Message::sign_unchecked(&c.params, keys, moved, [0; 32], &mut rng);
    let e = m.verify(&c.params).unwrap_err();
    assert_eq!(e.code(), "ERR_DKG_POP_INVALID");
}

#[test]
fn d03_pop_roles_swapped_rejected() {
    let mut rng = insecure_deterministic_rng(33);
    let c = Ceremony::new(ELECTION_A, 3, 2, &mut rng);
    let keys = c.trustee(1).keys();
    let id = keys.identity(&c.params, 1, &mut rng).unwrap();
    let swapped = TrusteeIdentity::from_parts(
        1,
        id.signing_key().clone(),
        id.encryption_key().clone(),
        *id.encryption_pop(),
        *id.signing_pop(),
    );
    let m = Round1Message::sign_unchecked(&c.params, keys, swapped, [0; 32], &mut rng);
    assert!(matches!(
        m.verify(&c.params),
        Err(Error::DkgPopInvalid { trustee: 1, .. })
    ));
    // A proof for one key presented for the other key fails too.
    let crossed = TrusteeIdentity::from_parts(
        1,
        id.signing_key().clone(),
        id.signing_key().clone(),
        *id.signing_pop(),
        *id.signing_pop(),
    );
    assert_eq!(
        crossed.verify(&c.params).unwrap_err().code(),
        "ERR_DKG_POP_INVALID"
    );
}

#[test]
fn d03_missing_pop_rejected() {
    let mut rng = insecure_deterministic_rng(34);
    let c = Ceremony::new(ELECTION_A, 3, 2, &mut rng);
    let m = c.trustee(1).round1(&mut rng).unwrap();
    let bytes = m.to_bytes();
    // The proofs sit at bytes 98..226: zeroed (an absent proof) or cut off.
    let mut zeroed = bytes.clone();
    zeroed[98..226].fill(0);
    let e = Round1Message::from_bytes(&zeroed).unwrap_err();
    assert_eq!(e.code(), "ERR_IDENTITY_POINT", "{e}");
    let mut cut = bytes[..98].to_vec();
    cut.extend_from_slice(&bytes[226..]);
    assert_eq!(
        Round1Message::from_bytes(&cut).unwrap_err().code(),
        "ERR_ENCODING"
    );
}

/// Trustee `i`'s round-1 and round-2 messages revealing `coefficients`
/// instead of its honest ones, with a round-1 hash that matches them (so
/// only the checks of round 2 can catch it).
fn forged(
    c: &Ceremony,
    i: u8,
    coefficients: Vec<(GroupElement, SchnorrProof)>,
    rng: &mut ChaCha20Rng,
) -> (Round1Message, Round2Message) {
    let commitments: Vec<GroupElement> = coefficients.iter().map(|(c, _)| *c).collect();
    let h = commitment_hash(&c.params, i, &commitments);
    let keys = c.trustee(i).keys();
    let identity = keys.identity(&c.params, i, rng).unwrap();
    let r1 = Round1Message::sign_unchecked(&c.params, keys, identity, h, rng);
    let honest = c.trustee(i).round2(&c.record, rng).unwrap();
    let r2 = Round2Message::sign_unchecked(
        &c.params,
        keys,
        i,
        coefficients,
        honest.shares().to_vec(),
        rng,
    );
    (r1, r2)
}

/// Post [`forged`] messages for trustee `i`.
fn reveal_instead(
    c: &mut Ceremony,
    i: u8,
    coefficients: Vec<(GroupElement, SchnorrProof)>,
    rng: &mut ChaCha20Rng,
) {
    let (r1, r2) = forged(c, i, coefficients, rng);
    c.replace_round1(r1);
    c.replace_round2(r2);
}

#[test]
fn d03_rogue_key_without_coefficient_pok_rejected() {
    let mut rng = insecure_deterministic_rng(35);
    let mut c = Ceremony::new(ELECTION_A, 3, 2, &mut rng);
    c.round1_except(&[], &mut rng);
    c.round2_except(&[3], &mut rng);
    // Trustee 3 sets C_{3,0} = x·G − C_{1,0} − C_{2,0}, so that it would know
    // the joint key x, and cannot prove knowledge of its coefficient.
    let x = SecretKey::generate(&mut rng);
    let others: RistrettoPoint = [1u8, 2]
        .iter()
        .map(|&i| c.round2_of(i).commitments()[0].point())
        .sum();
    let rogue = GroupElement::from_point(generator_g() * Scalar::from(5u64) - others);
    let honest = c.trustee(3).round2(&c.record, &mut rng).unwrap();
    let mut coefficients = honest.coefficients().to_vec();
    coefficients[0].0 = rogue;
    coefficients[0].1 = SchnorrProof::prove(&mut Transcript::new(b"any"), &x, &mut rng);
    reveal_instead(&mut c, 3, coefficients, &mut rng);
    let (r1, r2) = (c.round1_of(3).clone(), c.round2_of(3).clone());
    let recipients = [1u8, 2];
    assert!(matches!(
        r2.verify(&c.params, &r1, &recipients),
        Err(Error::DkgPopInvalid { trustee: 3, .. })
    ));
    // The honest trustees deal on the record with 3's new round-1 message.
    c.record.round2.retain(|m| m.sender() == 3);
    c.round2_except(&[3], &mut rng);
    c.round3_except(&[3], &mut rng);
    assert_excluded_and_completes(&mut c, 3, "ERR_DKG_POP_INVALID", &mut rng);
}

#[test]
fn d03_coefficient_proofs_of_another_trustee_rejected() {
    let mut rng = insecure_deterministic_rng(36);
    let mut c = Ceremony::new(ELECTION_A, 3, 2, &mut rng);
    c.round1_except(&[], &mut rng);
    // Trustee 3 copies trustee 1's commitments and proofs (bound to index 1).
    let copied = c.trustee(1).round2(&c.record, &mut rng).unwrap();
    reveal_instead(&mut c, 3, copied.coefficients().to_vec(), &mut rng);
    c.round2_except(&[3], &mut rng);
    c.round3_except(&[3], &mut rng);
    assert_excluded_and_completes(&mut c, 3, "ERR_DKG_POP_INVALID", &mut rng);
}

#[test]
fn d03_zero_polynomial_rejected() {
    let mut rng = insecure_deterministic_rng(37);
    let mut c = Ceremony::new(ELECTION_A, 3, 2, &mut rng);
    c.round1_except(&[], &mut rng);
    let honest = c.trustee(2).round2(&c.record, &mut rng).unwrap();
    let identity = GroupElement::from_bytes_allow_identity(&[0; 32], "test").unwrap();
    let zero: Vec<_> = honest
        .coefficients()
        .iter()
        .map(|(_, p)| (identity, *p))
        .collect();
    reveal_instead(&mut c, 2, zero, &mut rng);
    let m = c.round2_of(2).clone();
    // The encoding carries it; the check names the dealer.
    assert_eq!(Round2Message::from_bytes(&m.to_bytes()).unwrap(), m);
    let e = m.verify(&c.params, c.round1_of(2), &[1, 3]).unwrap_err();
    assert!(
        matches!(e, Error::DkgCommitmentInvalid { trustee: 2, .. }),
        "{e}"
    );
    c.round2_except(&[2], &mut rng);
    c.round3_except(&[2], &mut rng);
    assert_excluded_and_completes(&mut c, 2, "ERR_DKG_COMMITMENT_INVALID", &mut rng);
}

#[test]
fn d03_commitment_count_for_wrong_threshold_rejected() {
    let mut rng = insecure_deterministic_rng(38);
    let mut c = Ceremony::new(ELECTION_A, 3, 2, &mut rng);
    c.round1_except(&[], &mut rng);
    let honest = c.trustee(1).round2(&c.record, &mut rng).unwrap();
    let mut fewer = honest.coefficients().to_vec();
    fewer.pop();
    let (r1, r2) = forged(&c, 1, fewer, &mut rng);
    let e = r2.verify(&c.params, &r1, &[2, 3]).unwrap_err();
    assert_eq!(e.code(), "ERR_DKG_COMMITMENT_INVALID");
    let mut more = honest.coefficients().to_vec();
    more.push(honest.coefficients()[0]);
    reveal_instead(&mut c, 1, more, &mut rng);
    let e = c
        .round2_of(1)
        .verify(&c.params, c.round1_of(1), &[2, 3])
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::DkgCommitmentInvalid {
                trustee: 1,
                reason: "the number of commitments is not the threshold k"
            }
        ),
        "{e}"
    );
    c.round2_except(&[1], &mut rng);
    c.round3_except(&[1], &mut rng);
    assert_excluded_and_completes(&mut c, 1, "ERR_DKG_COMMITMENT_INVALID", &mut rng);
}

/// spec/crypto.md §5.3 (D4): a quorum decrypts the empty aggregate (no
/// counted ballot) to 0 with the fixed filler shares, and a share that is
/// not the filler is named and dropped.
#[test]
fn empty_aggregate_decrypts_to_zero_with_filler_shares() {
    let (_c, shares, outcome) = honest(3, 2, 131);
    let mut rng = insecure_deterministic_rng(132);
    let ct = urna_crypto::CiphertextSum::zero().to_ciphertext();
    let parts = partial_decryptions(&shares[..2], &ct, &mut rng);
    assert!(parts.iter().all(|(_, d)| d.is_empty_aggregate()));
    let m = outcome
        .key()
        .verify_and_combine(&tally_context(), &ct, &parts)
        .unwrap();
    assert_eq!(urna_crypto::vartime_discrete_log(m.point(), 10).unwrap(), 0);
    // A proven share of another ciphertext in one slot: dropped, too few left.
    let (other, _) = outcome.key().joint_key().encrypt(1, &mut rng);
    let mut bad = parts.clone();
    bad[1].1 = shares[1]
        .partial_decrypt(&tally_context(), &other, &mut rng)
        .unwrap();
    assert!(matches!(
        outcome
            .key()
            .verify_and_combine(&tally_context(), &ct, &bad),
        Err(Error::InsufficientShares { .. })
    ));
}
