//! The trustee key ceremony and threshold decryption (spec/trustees.md),
//! run end to end in memory, with every misbehaviour of docs/attacks.md D1–D7.
//! Tests are named after the case they cover.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use urna_crypto::dkg::{
    commitment_hash, evaluate_ceremony, verify_ceremony, CeremonyMessage, CeremonyOutcome,
    CeremonyParams, CeremonyRecord, Complaint, EncryptedShare, KeyShare, Round1Message,
    Round2Message, Round3Message, Round4Message, ThresholdKey, Trustee, TrusteeIdentity,
    TrusteeKeys,
};
use urna_crypto::group::{generator_g, GroupElement};
use urna_crypto::{Ciphertext, DecryptionShare, Error, SchnorrProof, SecretKey};

const ELECTION_A: [u8; 32] = [0xa1; 32];
const ELECTION_B: [u8; 32] = [0xb2; 32];

/// The only randomness of these tests: reproducible, and never for real keys.
fn insecure_deterministic_rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

fn params(election: [u8; 32], n: u32, k: u32) -> CeremonyParams {
    CeremonyParams::new(election, n, k).unwrap()
}

/// An in-memory board: the trustees and the record they post to.
struct Ceremony {
    params: CeremonyParams,
    trustees: Vec<Trustee>,
    record: CeremonyRecord,
}

impl Ceremony {
    fn new(election: [u8; 32], n: u32, k: u32, rng: &mut ChaCha20Rng) -> Self {
        let params = params(election, n, k);
        let trustees = params
            .indices()
            .map(|i| Trustee::new(&params, i, rng).unwrap())
            .collect();
        Ceremony {
            params,
            trustees,
            record: CeremonyRecord::new(),
        }
    }

    fn trustee(&self, i: u8) -> &Trustee {
        &self.trustees[usize::from(i) - 1]
    }

    fn others(&self, skip: &[u8]) -> Vec<&Trustee> {
        self.trustees
            .iter()
            .filter(|t| !skip.contains(&t.index()))
            .collect()
    }

    fn round1_except(&mut self, skip: &[u8], rng: &mut ChaCha20Rng) {
        let msgs: Vec<_> = self
            .others(skip)
            .iter()
            .map(|t| t.round1(rng).unwrap())
            .collect();
        self.record.round1.extend(msgs);
    }

    fn round2_except(&mut self, skip: &[u8], rng: &mut ChaCha20Rng) {
        let snapshot = self.record.clone();
        let msgs: Vec<_> = self
            .others(skip)
            .iter()
            .map(|t| t.round2(&snapshot, rng).unwrap())
            .collect();
        self.record.round2.extend(msgs);
    }

    fn round3_except(&mut self, skip: &[u8], rng: &mut ChaCha20Rng) {
        let snapshot = self.record.clone();
        let msgs: Vec<_> = self
            .others(skip)
            .iter()
            .map(|t| t.round3(&snapshot, rng).unwrap())
            .collect();
        self.record.round3.extend(msgs);
    }

    /// Round 4 for every qualified trustee; returns their key shares.
    fn round4(&mut self, rng: &mut ChaCha20Rng) -> Vec<KeyShare> {
        let snapshot = self.record.clone();
        let outcome = evaluate_ceremony(&self.params, &snapshot).unwrap();
        let mut shares = Vec::new();
        for t in &self.trustees {
            let r = t.round4(&snapshot, rng);
            if outcome.key().qualified().contains(&t.index()) {
                let (cert, share) = r.unwrap();
                self.record.round4.push(cert);
                shares.push(share);
            } else {
                assert!(r.is_err(), "a disqualified trustee got a key share");
            }
        }
        shares
    }

    fn run_rounds_1_to_3(&mut self, rng: &mut ChaCha20Rng) {
        self.round1_except(&[], rng);
        self.round2_except(&[], rng);
        self.round3_except(&[], rng);
    }

    fn round1_of(&self, i: u8) -> &Round1Message {
        self.record.round1.iter().find(|m| m.sender() == i).unwrap()
    }

    fn round2_of(&self, i: u8) -> &Round2Message {
        self.record.round2.iter().find(|m| m.sender() == i).unwrap()
    }

    fn replace_round2(&mut self, m: Round2Message) {
        self.record.round2.retain(|x| x.sender() != m.sender());
        self.record.round2.push(m);
    }

    fn replace_round1(&mut self, m: Round1Message) {
        self.record.round1.retain(|x| x.sender() != m.sender());
        self.record.round1.push(m);
    }
}

/// Run a whole honest ceremony and check its public result.
fn honest(n: u32, k: u32, seed: u64) -> (Ceremony, Vec<KeyShare>, CeremonyOutcome) {
    let mut rng = insecure_deterministic_rng(seed);
    let mut c = Ceremony::new(ELECTION_A, n, k, &mut rng);
    c.run_rounds_1_to_3(&mut rng);
    assert!(c.record.round3.iter().all(|m| m.complaints().is_empty()));
    let shares = c.round4(&mut rng);
    let outcome = verify_ceremony(&c.params, &c.record).unwrap();
    assert!(outcome.disqualified().is_empty());
    assert_eq!(outcome.key().qualified().len(), n as usize);
    (c, shares, outcome)
}

/// The application's transcript for one tally entry.
fn tally_context() -> Transcript {
    let mut t = Transcript::new(b"urna/v1/test/tally");
    t.append_message(b"entry", b"contest 0, option 0");
    t
}

fn partial_decryptions(
    shares: &[KeyShare],
    ct: &Ciphertext,
    rng: &mut ChaCha20Rng,
) -> Vec<(u8, DecryptionShare)> {
    shares
        .iter()
        .map(|s| {
            (
                s.index(),
                s.partial_decrypt(&tally_context(), ct, rng).unwrap(),
            )
        })
        .collect()
}

fn subsets<T: Clone>(items: &[T], size: usize) -> Vec<Vec<T>> {
    if size == 0 {
        return vec![Vec::new()];
    }
    if items.len() < size {
        return Vec::new();
    }
    let mut with_first: Vec<Vec<T>> = subsets(&items[1..], size - 1)
        .into_iter()
        .map(|mut s| {
            s.insert(0, items[0].clone());
            s
        })
        .collect();
    with_first.extend(subsets(&items[1..], size));
    with_first
}

fn m_g(m: u64) -> RistrettoPoint {
    generator_g() * Scalar::from(m)
}

/// D1: every k-subset of partial decryptions gives the plaintext; no
/// (k−1)-subset does.
fn check_threshold_decryption(key: &ThresholdKey, shares: &[KeyShare], seed: u64) {
    let mut rng = insecure_deterministic_rng(seed);
    let k = usize::from(key.params().threshold());
    let (ct, _) = key.joint_key().encrypt(42, &mut rng);
    let parts = partial_decryptions(shares, &ct, &mut rng);
    for subset in subsets(&parts, k) {
        let d = key
            .verify_and_combine(&tally_context(), &ct, &subset)
            .unwrap();
        assert_eq!(*d.point(), m_g(42));
        assert!(d.rejected().is_empty());
    }
    for subset in subsets(&parts, k - 1) {
        let e = key
            .verify_and_combine(&tally_context(), &ct, &subset)
            .unwrap_err();
        assert_eq!(e.code(), "ERR_INSUFFICIENT_SHARES");
    }
    let all = key
        .verify_and_combine(&tally_context(), &ct, &parts)
        .unwrap();
    assert_eq!(
        urna_crypto::vartime_discrete_log(all.point(), 100).unwrap(),
        42
    );
}

fn end_to_end(n: u32, k: u32, seed: u64) {
    let (c, shares, outcome) = honest(n, k, seed);
    // Every trustee derived the same public result as an auditor.
    for s in &shares {
        assert_eq!(s.threshold_key(), outcome.key());
    }
    // The joint key is the sum of the constant-term commitments.
    let sum: RistrettoPoint = c
        .record
        .round2
        .iter()
        .map(|m| m.commitments()[0].point())
        .sum();
    assert_eq!(outcome.key().joint_key().point(), sum);
    check_threshold_decryption(outcome.key(), &shares, seed + 1);
}

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
fn assert_excluded_and_completes(c: &mut Ceremony, bad: u8, code: &str, rng: &mut ChaCha20Rng) {
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

// ------------------------------------------------------------------ D4

/// Dealer `i` re-signs its round-2 message with the share for `j` replaced.
fn deal_bad_share(c: &mut Ceremony, i: u8, j: u8, garbage: bool, rng: &mut ChaCha20Rng) {
    let honest = c.round2_of(i).clone();
    let key = c.round1_of(j).identity().encryption_key().clone();
    let shares = honest
        .shares()
        .iter()
        .map(|s| {
            if s.recipient() != j {
                return *s;
            }
            let bad =
                EncryptedShare::encrypt(&c.params, i, j, &key, &Scalar::random(rng), rng).unwrap();
            if !garbage {
                return bad;
            }
            // Not even a valid ciphertext: flip a byte, keep the layout.
            let mut w = urna_crypto::group::Writer::new();
            bad.write(&mut w);
            let mut b = w.into_bytes();
            b[40] ^= 1;
            EncryptedShare::read(&mut urna_crypto::group::Reader::new(&b)).unwrap()
        })
        .collect();
    let m = Round2Message::sign_unchecked(
        &c.params,
        c.trustee(i).keys(),
        i,
        honest.coefficients().to_vec(),
        shares,
        rng,
    );
    c.replace_round2(m);
}

fn complaint_from(c: &Ceremony, j: u8) -> Vec<Complaint> {
    c.record
        .round3
        .iter()
        .find(|m| m.sender() == j)
        .unwrap()
        .complaints()
        .to_vec()
}

/// Anyone can check a complaint from the posted messages alone.
fn judge(c: &Ceremony, j: u8, complaint: &Complaint) -> urna_crypto::Result<()> {
    let dealer = c.round2_of(complaint.dealer());
    complaint.verify(
        &c.params,
        j,
        c.round1_of(j).identity().encryption_key(),
        dealer.share_for(j).unwrap(),
        &dealer.commitments(),
    )
}

#[test]
fn d04_bad_share_complaint_upheld_ceremony_completes() {
    let mut rng = insecure_deterministic_rng(41);
    let mut c = Ceremony::new(ELECTION_A, 5, 3, &mut rng);
    c.round1_except(&[], &mut rng);
    c.round2_except(&[], &mut rng);
    deal_bad_share(&mut c, 2, 4, false, &mut rng);
    c.round3_except(&[], &mut rng);
    let complaints = complaint_from(&c, 4);
    assert_eq!(complaints.len(), 1);
    assert_eq!(complaints[0].dealer(), 2);
    judge(&c, 4, &complaints[0]).unwrap();
    // Nobody else complains.
    assert!(c
        .record
        .round3
        .iter()
        .filter(|m| m.sender() != 4)
        .all(|m| m.complaints().is_empty()));
    let outcome = evaluate_ceremony(&c.params, &c.record).unwrap();
    assert_eq!(outcome.key().qualified(), &[1, 3, 4, 5]);
    assert_eq!(
        outcome.disqualified()[0].reason(),
        &Error::DkgShareInvalid {
            dealer: 2,
            recipient: 4
        }
    );
    // The cheater gets no key share.
    assert_eq!(
        c.trustee(2).round4(&c.record, &mut rng).unwrap_err().code(),
        "ERR_DKG_SHARE_INVALID"
    );
    assert_excluded_and_completes(&mut c, 2, "ERR_DKG_SHARE_INVALID", &mut rng);
    // The joint key no longer includes the cheater's polynomial.
    let key = verify_ceremony(&c.params, &c.record).unwrap();
    let sum: RistrettoPoint = [1u8, 3, 4, 5]
        .iter()
        .map(|&i| c.round2_of(i).commitments()[0].point())
        .sum();
    assert_eq!(key.key().joint_key().point(), sum);
}

#[test]
fn d04_undecryptable_share_complaint_upheld() {
    let mut rng = insecure_deterministic_rng(42);
    let mut c = Ceremony::new(ELECTION_A, 3, 2, &mut rng);
    c.round1_except(&[], &mut rng);
    c.round2_except(&[], &mut rng);
    deal_bad_share(&mut c, 1, 3, true, &mut rng);
    c.round3_except(&[], &mut rng);
    let complaints = complaint_from(&c, 3);
    assert_eq!(complaints.len(), 1);
    judge(&c, 3, &complaints[0]).unwrap();
    assert_excluded_and_completes(&mut c, 1, "ERR_DKG_SHARE_INVALID", &mut rng);
}

#[test]
fn d04_false_complaint_dismissed() {
    let mut rng = insecure_deterministic_rng(43);
    let mut c = Ceremony::new(ELECTION_A, 3, 2, &mut rng);
    c.round1_except(&[], &mut rng);
    c.round2_except(&[], &mut rng);
    c.round3_except(&[3], &mut rng);
    // Trustee 3 accuses trustee 1, whose share was fine.
    let share = *c.round2_of(1).share_for(3).unwrap();
    let lie = Complaint::create(&c.params, c.trustee(3).keys(), 3, 1, &share, &mut rng).unwrap();
    let m = Round3Message::sign_unchecked(&c.params, c.trustee(3).keys(), 3, vec![lie], &mut rng);
    c.record.round3.push(m);
    match judge(&c, 3, &lie) {
        Err(Error::DkgComplaintInvalid {
            complainer: 3,
            dealer: 1,
            reason,
        }) => assert_eq!(reason, "the revealed share is valid"),
        other => panic!("{other:?}"),
    }
    // The accused stays; the liar is out.
    assert_excluded_and_completes(&mut c, 3, "ERR_DKG_COMPLAINT_INVALID", &mut rng);
    let outcome = verify_ceremony(&c.params, &c.record).unwrap();
    assert_eq!(outcome.key().qualified(), &[1, 2]);
}

#[test]
fn d04_complaint_with_wrong_dh_proof_dismissed() {
    let mut rng = insecure_deterministic_rng(44);
    let mut c = Ceremony::new(ELECTION_A, 3, 2, &mut rng);
    c.round1_except(&[], &mut rng);
    c.round2_except(&[], &mut rng);
    c.round3_except(&[3], &mut rng);
    // A "revealed" key made for dealer 2's share, presented against dealer 1.
    let wrong_share = *c.round2_of(2).share_for(3).unwrap();
    let forged =
        Complaint::create(&c.params, c.trustee(3).keys(), 3, 1, &wrong_share, &mut rng).unwrap();
    match judge(&c, 3, &forged) {
        Err(Error::DkgComplaintInvalid { reason, .. }) => {
            assert_eq!(reason, "the Diffie–Hellman proof does not verify")
        }
        other => panic!("{other:?}"),
    }
    let m =
        Round3Message::sign_unchecked(&c.params, c.trustee(3).keys(), 3, vec![forged], &mut rng);
    c.record.round3.push(m);
    assert_excluded_and_completes(&mut c, 3, "ERR_DKG_COMPLAINT_INVALID", &mut rng);
}

#[test]
fn d04_too_few_remain_stops_with_evidence() {
    let mut rng = insecure_deterministic_rng(45);
    let mut c = Ceremony::new(ELECTION_A, 3, 2, &mut rng);
    c.round1_except(&[], &mut rng);
    c.round2_except(&[], &mut rng);
    deal_bad_share(&mut c, 2, 1, false, &mut rng);
    deal_bad_share(&mut c, 3, 1, false, &mut rng);
    c.round3_except(&[], &mut rng);
    let complaints = complaint_from(&c, 1);
    assert_eq!(
        complaints.iter().map(Complaint::dealer).collect::<Vec<_>>(),
        vec![2, 3]
    );
    for complaint in &complaints {
        judge(&c, 1, complaint).unwrap();
    }
    let stop = |e: Error| match e {
        Error::DkgTooFewQualified {
            threshold,
            qualified,
            disqualified,
        } => {
            assert_eq!(threshold, 2);
            assert_eq!(qualified, vec![1]);
            let named: Vec<(u8, &str)> = disqualified
                .iter()
                .map(|d| (d.trustee(), d.reason().code()))
                .collect();
            assert_eq!(
                named,
                vec![(2, "ERR_DKG_SHARE_INVALID"), (3, "ERR_DKG_SHARE_INVALID")]
            );
        }
        other => panic!("{other:?}"),
    };
    stop(evaluate_ceremony(&c.params, &c.record).unwrap_err());
    stop(verify_ceremony(&c.params, &c.record).unwrap_err());
    stop(c.trustee(1).round4(&c.record, &mut rng).unwrap_err());
}

#[test]
fn d04_absent_trustee_is_excluded() {
    let mut rng = insecure_deterministic_rng(46);
    let mut c = Ceremony::new(ELECTION_A, 5, 3, &mut rng);
    c.round1_except(&[], &mut rng);
    c.round2_except(&[5], &mut rng);
    c.round3_except(&[5], &mut rng);
    assert_excluded_and_completes(&mut c, 5, "ERR_DKG_MESSAGE_MISSING", &mut rng);
}

// ------------------------------------------------------------------ D5

#[test]
fn d05_reveal_must_match_round1_commitment() {
    let mut rng = insecure_deterministic_rng(51);
    let mut c = Ceremony::new(ELECTION_A, 3, 2, &mut rng);
    c.round1_except(&[], &mut rng);
    // Trustee 3, having seen the others, switches to another polynomial
    // under the same keys.
    let keys = c.trustee(3).keys().clone();
    let switched = Trustee::with_keys(&c.params, 3, keys, &mut rng).unwrap();
    let mut own_view = c.record.clone();
    own_view.round1.retain(|m| m.sender() != 3);
    own_view.round1.push(switched.round1(&mut rng).unwrap());
    let late = switched.round2(&own_view, &mut rng).unwrap();
    let e = late.verify(&c.params, c.round1_of(3), &[1, 2]).unwrap_err();
    assert!(matches!(
        e,
        Error::DkgCommitmentInvalid {
            trustee: 3,
            reason: "the commitments do not match the round-1 hash"
        }
    ));
    c.record.round2.push(late);
    c.round2_except(&[3], &mut rng);
    c.round3_except(&[3], &mut rng);
    assert_excluded_and_completes(&mut c, 3, "ERR_DKG_COMMITMENT_INVALID", &mut rng);
}

#[test]
fn d05_round1_hides_the_commitments() {
    let mut rng = insecure_deterministic_rng(52);
    let c = Ceremony::new(ELECTION_A, 3, 2, &mut rng);
    let m = c.trustee(1).round1(&mut rng).unwrap();
    // Round 1 carries only the identity and a hash: no commitment appears.
    let bytes = m.to_bytes();
    assert_eq!(bytes.len(), 322);
    let mut view = CeremonyRecord::new();
    view.round1.push(m);
    for t in &c.trustees[1..] {
        view.round1.push(t.round1(&mut rng).unwrap());
    }
    let r2 = c.trustee(1).round2(&view, &mut rng).unwrap();
    for cmt in r2.commitments() {
        assert!(!bytes.windows(32).any(|w| w == cmt.to_bytes()));
    }
}

// ------------------------------------------------------------------ D6

#[test]
fn d06_missing_certificate_rejected() {
    let (mut c, _shares, outcome) = honest(3, 2, 61);
    let all = c.record.round4.clone();
    c.record.round4.retain(|m| m.sender() != 2);
    assert_eq!(
        verify_ceremony(&c.params, &c.record),
        Err(Error::DkgTranscriptMismatch { trustees: vec![2] })
    );
    // A certificate of another transcript hash is a mismatch too.
    let mut rng = insecure_deterministic_rng(62);
    let wrong = Round4Message::sign_unchecked(
        &c.params,
        c.trustee(2).keys(),
        2,
        [9; 32],
        outcome.key().joint_key().clone(),
        &mut rng,
    );
    c.record.round4.push(wrong);
    assert_eq!(
        verify_ceremony(&c.params, &c.record).unwrap_err().code(),
        "ERR_DKG_TRANSCRIPT_MISMATCH"
    );
    c.record.round4 = all;
    assert_eq!(verify_ceremony(&c.params, &c.record).unwrap(), outcome);
}

#[test]
fn d06_split_view_detected() {
    let mut rng = insecure_deterministic_rng(63);
    let mut c = Ceremony::new(ELECTION_A, 3, 2, &mut rng);
    c.round1_except(&[], &mut rng);
    c.round2_except(&[], &mut rng);
    // The board shows trustee 3 another (validly signed) round-2 message of 1.
    let other = c.trustee(1).round2(&c.record, &mut rng).unwrap();
    assert_ne!(&other, c.round2_of(1));
    let view_a = c.record.clone();
    let mut view_b = c.record.clone();
    view_b.round2.retain(|m| m.sender() != 1);
    view_b.round2.push(other);
    let r3: Vec<Round3Message> = vec![
        c.trustee(1).round3(&view_a, &mut rng).unwrap(),
        c.trustee(2).round3(&view_a, &mut rng).unwrap(),
        c.trustee(3).round3(&view_b, &mut rng).unwrap(),
    ];
    let view_a = CeremonyRecord {
        round3: r3.clone(),
        ..view_a
    };
    let view_b = CeremonyRecord {
        round3: r3,
        ..view_b
    };
    let certs = vec![
        c.trustee(1).round4(&view_a, &mut rng).unwrap().0,
        c.trustee(2).round4(&view_a, &mut rng).unwrap().0,
        c.trustee(3).round4(&view_b, &mut rng).unwrap().0,
    ];
    assert_ne!(certs[0].transcript_hash(), certs[2].transcript_hash());
    let audited = CeremonyRecord {
        round4: certs.clone(),
        ..view_a
    };
    assert_eq!(
        verify_ceremony(&c.params, &audited),
        Err(Error::DkgTranscriptMismatch { trustees: vec![3] })
    );
    // With both messages of trustee 1 on the record, 1 equivocated.
    let mut full = audited.clone();
    full.round2
        .extend(view_b.round2.iter().filter(|m| m.sender() == 1).cloned());
    let outcome = evaluate_ceremony(&c.params, &full).unwrap();
    assert_eq!(outcome.disqualified()[0].trustee(), 1);
    assert_eq!(
        verify_ceremony(&c.params, &full).unwrap_err().code(),
        "ERR_DKG_TRANSCRIPT_MISMATCH"
    );
}

// ------------------------------------------------------------------ D7

#[test]
fn d07_invalid_partial_decryption_named_and_decryption_completes() {
    let (_c, shares, outcome) = honest(5, 3, 71);
    let key = outcome.key();
    let mut rng = insecure_deterministic_rng(72);
    let (ct, _) = key.joint_key().encrypt(5, &mut rng);
    let (other_ct, _) = key.joint_key().encrypt(6, &mut rng);
    let mut parts = partial_decryptions(&shares, &ct, &mut rng);
    // Trustee 2 sends a share of another ciphertext; trustee 4 a proof made
    // on another transcript.
    parts[1].1 = shares[1]
        .partial_decrypt(&tally_context(), &other_ct, &mut rng)
        .unwrap();
    parts[3].1 = shares[3]
        .partial_decrypt(&Transcript::new(b"elsewhere"), &ct, &mut rng)
        .unwrap();
    let d = key
        .verify_and_combine(&tally_context(), &ct, &parts)
        .unwrap();
    assert_eq!(*d.point(), m_g(5));
    assert_eq!(d.used(), &[1, 3, 5]);
    let named: Vec<(u8, &str)> = d
        .rejected()
        .iter()
        .map(|e| match e {
            Error::ShareInvalid { trustee, .. } => (*trustee, e.code()),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        named,
        vec![(2, "ERR_SHARE_INVALID"), (4, "ERR_SHARE_INVALID")]
    );
    // Without trustee 5 only two valid shares remain.
    match key.verify_and_combine(&tally_context(), &ct, &parts[..4]) {
        Err(Error::InsufficientShares {
            valid,
            invalid,
            missing,
            ..
        }) => {
            assert_eq!(valid, vec![1, 3]);
            assert_eq!(invalid, vec![2, 4]);
            assert_eq!(missing, vec![5]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn d07_duplicate_and_unqualified_shares_rejected() {
    let mut rng = insecure_deterministic_rng(73);
    let mut c = Ceremony::new(ELECTION_A, 4, 2, &mut rng);
    c.round1_except(&[], &mut rng);
    c.round2_except(&[4], &mut rng);
    c.round3_except(&[4], &mut rng);
    let shares = c.round4(&mut rng);
    let key = verify_ceremony(&c.params, &c.record).unwrap().key().clone();
    assert_eq!(key.qualified(), &[1, 2, 3]);
    let (ct, _) = key.joint_key().encrypt(3, &mut rng);
    let mut parts = partial_decryptions(&shares, &ct, &mut rng);
    parts.push(parts[0]);
    parts.push((4, parts[1].1));
    let d = key
        .verify_and_combine(&tally_context(), &ct, &parts)
        .unwrap();
    assert_eq!(*d.point(), m_g(3));
    let reasons: Vec<_> = d.rejected().iter().map(|e| e.to_string()).collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(reasons[0].contains("trustee 1") && reasons[1].contains("trustee 4"));
}

// ------------------------------------------------------------------ replay

#[test]
fn replayed_messages_from_another_election_rejected() {
    let mut rng = insecure_deterministic_rng(81);
    let (a, _, _) = honest(3, 2, 82);
    let mut b = Ceremony::new(ELECTION_B, 3, 2, &mut rng);
    b.run_rounds_1_to_3(&mut rng);
    b.round4(&mut rng);
    let wrong = |e: Error| assert_eq!(e.code(), "ERR_WRONG_ELECTION", "{e}");
    // Message by message.
    wrong(b.record.round1[0].verify(&a.params).unwrap_err());
    wrong(
        b.round2_of(1)
            .verify(&a.params, b.round1_of(1), &[2, 3])
            .unwrap_err(),
    );
    let key = b.round1_of(1).identity().signing_key().clone();
    wrong(
        b.record.round3[0]
            .verify(&a.params, &key, &[2, 3])
            .unwrap_err(),
    );
    wrong(b.record.round4[0].verify(&a.params, &key).unwrap_err());
    // Inside a record, for a trustee and an auditor alike.
    for round in 1..=4 {
        let mut r = a.record.clone();
        match round {
            1 => r.round1[0] = b.record.round1[0].clone(),
            2 => r.round2[0] = b.record.round2[0].clone(),
            3 => r.round3[0] = b.record.round3[0].clone(),
            _ => r.round4[0] = b.record.round4[0].clone(),
        }
        wrong(verify_ceremony(&a.params, &r).unwrap_err());
        if round < 4 {
            wrong(a.trustee(1).round4(&r, &mut rng).unwrap_err());
        }
    }
    // Same election id, other parameters: the signatures do not carry over.
    let p = params(ELECTION_A, 3, 3);
    assert_eq!(
        a.record.round1[0].verify(&p).unwrap_err().code(),
        "ERR_SIGNATURE_INVALID"
    );
}

#[test]
fn unsigned_message_in_record_is_an_error_not_evidence() {
    let (a, _, _) = honest(3, 2, 83);
    let mut r = a.record.clone();
    let mut bytes = r.round2[1].to_bytes();
    let z = bytes.len() - 32;
    bytes[z] ^= 1; // the signature's response, still a canonical scalar
    r.round2[1] = Round2Message::from_bytes(&bytes).unwrap();
    assert!(matches!(
        verify_ceremony(&a.params, &r),
        Err(Error::DkgSignatureInvalid { round: 2, .. })
    ));
}

// ------------------------------------------------------------------ encodings

/// Every flip of one bit at `step`-spaced bytes must be rejected by
/// decoding or by `accepts`.
fn assert_tamper_detected(bytes: &[u8], step: usize, accepts: impl Fn(&[u8]) -> bool) {
    assert!(accepts(bytes));
    for i in (0..bytes.len()).step_by(step) {
        for bit in [0x01u8, 0x80] {
            let mut b = bytes.to_vec();
            b[i] ^= bit;
            assert!(!accepts(&b), "flip of bit {bit:#x} at byte {i} accepted");
        }
    }
}

fn assert_exact_length<T: core::fmt::Debug>(
    bytes: &[u8],
    decode: impl Fn(&[u8]) -> urna_crypto::Result<T>,
) {
    let mut longer = bytes.to_vec();
    longer.push(0);
    assert!(matches!(decode(&longer), Err(Error::TrailingBytes { .. })));
    assert!(decode(&bytes[..bytes.len() - 1]).is_err());
    assert!(decode(&[]).is_err());
}

fn json_round_trip<T>(v: &T)
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + core::fmt::Debug,
{
    let s = serde_json::to_string(v).unwrap();
    assert!(s.starts_with('"') && s.chars().all(|c| !c.is_ascii_uppercase()));
    assert_eq!(&serde_json::from_str::<T>(&s).unwrap(), v);
    let upper = s.to_uppercase();
    assert!(serde_json::from_str::<T>(&upper).is_err());
}

#[test]
fn round1_encoding_round_trip_and_tamper() {
    let (c, _, _) = honest(3, 2, 91);
    let m = c.round1_of(2).clone();
    let bytes = m.to_bytes();
    assert_eq!(Round1Message::from_bytes(&bytes).unwrap(), m);
    json_round_trip(&m);
    assert_exact_length(&bytes, Round1Message::from_bytes);
    assert_tamper_detected(&bytes, 1, |b| {
        Round1Message::from_bytes(b).is_ok_and(|m| m.verify(&c.params).is_ok())
    });
}

#[test]
fn round2_encoding_round_trip_and_tamper() {
    let (c, _, _) = honest(3, 2, 92);
    let m = c.round2_of(2).clone();
    let r1 = c.round1_of(2).clone();
    let bytes = m.to_bytes();
    assert_eq!(Round2Message::from_bytes(&bytes).unwrap(), m);
    json_round_trip(&m);
    assert_exact_length(&bytes, Round2Message::from_bytes);
    assert_tamper_detected(&bytes, 1, |b| {
        Round2Message::from_bytes(b).is_ok_and(|m| m.verify(&c.params, &r1, &[1, 3]).is_ok())
    });
}

#[test]
fn round3_encoding_round_trip_and_tamper() {
    let mut rng = insecure_deterministic_rng(93);
    let mut c = Ceremony::new(ELECTION_A, 3, 2, &mut rng);
    c.round1_except(&[], &mut rng);
    c.round2_except(&[], &mut rng);
    deal_bad_share(&mut c, 1, 2, false, &mut rng);
    deal_bad_share(&mut c, 3, 2, false, &mut rng);
    c.round3_except(&[], &mut rng);
    let m = c
        .record
        .round3
        .iter()
        .find(|m| m.sender() == 2)
        .unwrap()
        .clone();
    assert_eq!(m.complaints().len(), 2);
    let key = c.round1_of(2).identity().signing_key().clone();
    let bytes = m.to_bytes();
    assert_eq!(Round3Message::from_bytes(&bytes).unwrap(), m);
    json_round_trip(&m);
    assert_exact_length(&bytes, Round3Message::from_bytes);
    assert_tamper_detected(&bytes, 1, |b| {
        Round3Message::from_bytes(b).is_ok_and(|m| m.verify(&c.params, &key, &[1, 3]).is_ok())
    });
    // Complaints must be by ascending dealer.
    let mut reversed = m.complaints().to_vec();
    reversed.reverse();
    let bad = Round3Message::sign_unchecked(&c.params, c.trustee(2).keys(), 2, reversed, &mut rng);
    assert_eq!(
        bad.verify(&c.params, &key, &[1, 3]).unwrap_err().code(),
        "ERR_DKG_MESSAGE_INVALID"
    );
}

#[test]
fn round4_encoding_round_trip_and_tamper() {
    let (c, _, _) = honest(3, 2, 94);
    let m = c.record.round4[0].clone();
    let key = c.round1_of(m.sender()).identity().signing_key().clone();
    let bytes = m.to_bytes();
    assert_eq!(bytes.len(), 162);
    assert_eq!(Round4Message::from_bytes(&bytes).unwrap(), m);
    json_round_trip(&m);
    assert_exact_length(&bytes, Round4Message::from_bytes);
    assert_tamper_detected(&bytes, 1, |b| {
        Round4Message::from_bytes(b).is_ok_and(|m| m.verify(&c.params, &key).is_ok())
    });
}

#[test]
fn any_message_decodes_by_tag() {
    let (c, _, _) = honest(3, 2, 95);
    let mut record = CeremonyRecord::new();
    let all: Vec<Vec<u8>> = c
        .record
        .round1
        .iter()
        .map(Round1Message::to_bytes)
        .chain(c.record.round2.iter().map(Round2Message::to_bytes))
        .chain(c.record.round3.iter().map(Round3Message::to_bytes))
        .chain(c.record.round4.iter().map(Round4Message::to_bytes))
        .collect();
    for b in &all {
        let m = CeremonyMessage::from_bytes(b).unwrap();
        assert_eq!(&m.to_bytes(), b);
        assert_eq!(m.round(), b[0]);
        json_round_trip(&m);
        record.push(m);
    }
    assert_eq!(record, c.record);
    assert!(CeremonyMessage::from_bytes(&[5, 0]).is_err());
    assert!(CeremonyMessage::from_bytes(&[]).is_err());
    // A message of one round never decodes as another.
    assert!(Round2Message::from_bytes(&all[0]).is_err());
}

#[test]
fn params_identity_and_threshold_key_encodings() {
    let (c, shares, outcome) = honest(3, 2, 96);
    let p = c.params;
    assert_eq!(CeremonyParams::from_bytes(&p.to_bytes()).unwrap(), p);
    json_round_trip(&p);
    assert_exact_length(&p.to_bytes(), CeremonyParams::from_bytes);

    let id = c.round1_of(1).identity().clone();
    assert_eq!(TrusteeIdentity::from_bytes(&id.to_bytes()).unwrap(), id);
    json_round_trip(&id);
    assert_exact_length(&id.to_bytes(), TrusteeIdentity::from_bytes);
    assert_tamper_detected(&id.to_bytes(), 1, |b| {
        TrusteeIdentity::from_bytes(b).is_ok_and(|i| i.verify(&p).is_ok())
    });

    let key = outcome.key().clone();
    let bytes = key.to_bytes();
    assert_eq!(ThresholdKey::from_bytes(&bytes).unwrap(), key);
    json_round_trip(&key);
    assert_exact_length(&bytes, ThresholdKey::from_bytes);
    // Every change of a key, an index or a count breaks decoding or the
    // consistency check (O4). (The parameters and the transcript hash are
    // checked against the certified record, not here.)
    for i in 34 + 32..bytes.len() {
        for bit in [0x01u8, 0x80] {
            let mut b = bytes.clone();
            b[i] ^= bit;
            assert!(ThresholdKey::from_bytes(&b).is_err(), "flip at {i}");
        }
    }

    // The secret files round-trip and keep working.
    for s in &shares {
        let again = KeyShare::from_bytes(&s.to_bytes()).unwrap();
        assert_eq!(again.threshold_key(), s.threshold_key());
        assert_eq!(again.index(), s.index());
        let mut b = s.to_bytes().to_vec();
        b[3] ^= 1; // the secret share no longer matches X_j
        assert!(KeyShare::from_bytes(&b).is_err());
    }
    check_threshold_decryption(&key, &shares, 97);
}

#[test]
fn trustee_state_round_trips_between_rounds() {
    let mut rng = insecure_deterministic_rng(98);
    let mut c = Ceremony::new(ELECTION_A, 3, 2, &mut rng);
    // Each round runs from the saved state, as a CLI would from a file.
    let reload = |t: &Trustee| Trustee::from_bytes(&t.to_bytes()).unwrap();
    c.trustees = c.trustees.iter().map(reload).collect();
    c.round1_except(&[], &mut rng);
    c.trustees = c.trustees.iter().map(reload).collect();
    c.round2_except(&[], &mut rng);
    c.trustees = c.trustees.iter().map(reload).collect();
    c.round3_except(&[], &mut rng);
    c.trustees = c.trustees.iter().map(reload).collect();
    let shares = c.round4(&mut rng);
    let outcome = verify_ceremony(&c.params, &c.record).unwrap();
    check_threshold_decryption(outcome.key(), &shares, 99);
    let state = c.trustee(1).to_bytes();
    assert!(Trustee::from_bytes(&state[..state.len() - 1]).is_err());
    assert!(format!("{:?}", c.trustee(1)).contains("redacted"));
    assert!(format!("{:?}", shares[0]).contains("redacted"));
    assert!(format!("{:?}", TrusteeKeys::generate(&mut rng)).contains("redacted"));
}

#[test]
fn error_codes_of_the_ceremony() {
    let cases: Vec<(Error, &str)> = vec![
        (Error::DkgParams("x"), "ERR_DKG_PARAMS"),
        (Error::WrongElection { what: "x" }, "ERR_WRONG_ELECTION"),
        (
            Error::DkgPopInvalid {
                trustee: 1,
                what: "x",
            },
            "ERR_DKG_POP_INVALID",
        ),
        (
            Error::DkgShareInvalid {
                dealer: 1,
                recipient: 2,
            },
            "ERR_DKG_SHARE_INVALID",
        ),
        (
            Error::DkgTranscriptMismatch { trustees: vec![1] },
            "ERR_DKG_TRANSCRIPT_MISMATCH",
        ),
        (
            Error::ShareInvalid {
                trustee: 1,
                reason: "x",
            },
            "ERR_SHARE_INVALID",
        ),
        (
            Error::InsufficientShares {
                needed: 2,
                valid: vec![],
                invalid: vec![],
                missing: vec![],
            },
            "ERR_INSUFFICIENT_SHARES",
        ),
    ];
    for (e, code) in cases {
        assert_eq!(e.code(), code);
        assert!(!e.to_string().is_empty());
    }
}

// ------------------------------------------------------------------ vectors

const VECTOR_SEED: u64 = 0x75726e61_646b6731; // "urnadkg1"
/// Read at run time, not compile time: the build cache is shared between
/// checkouts, so a compile-time path may name another (or a deleted) one.
fn vectors_path() -> String {
    format!(
        "{}/../spec/vectors/dkg.json",
        std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR is set by cargo")
    )
}

fn hex32(b: &[u8]) -> String {
    hex::encode(b)
}

/// The 2-of-3 ceremony of `spec/vectors/dkg.json`, from a fixed seed.
fn vector_json() -> serde_json::Value {
    use serde_json::json;
    let mut rng = insecure_deterministic_rng(VECTOR_SEED);
    let mut c = Ceremony::new([0x42; 32], 3, 2, &mut rng);
    c.run_rounds_1_to_3(&mut rng);
    let shares = c.round4(&mut rng);
    let outcome = verify_ceremony(&c.params, &c.record).unwrap();
    let key = outcome.key();
    let (ct, _) = key.joint_key().encrypt(3, &mut rng);
    let parts = partial_decryptions(&shares, &ct, &mut rng);
    let trustees: Vec<_> = c
        .trustees
        .iter()
        .map(|t| {
            let state = t.to_bytes();
            let i = t.index();
            let r2 = c.round2_of(i);
            json!({
                "index": i,
                "insecure_state": hex::encode(&state[..]),
                "signing_key": hex32(&c.round1_of(i).identity().signing_key().to_bytes()),
                "encryption_key": hex32(&c.round1_of(i).identity().encryption_key().to_bytes()),
                "commitment_hash": hex32(c.round1_of(i).commitment_hash()),
                "commitments": r2.commitments().iter().map(|x| hex32(&x.to_bytes())).collect::<Vec<_>>(),
                "coefficient_proofs": r2.coefficients().iter().map(|(_, p)| hex::encode(p.to_bytes())).collect::<Vec<_>>(),
                "verification_key": hex32(&key.verification_key(i).unwrap().to_bytes()),
            })
        })
        .collect();
    let record = |msgs: Vec<Vec<u8>>| msgs.iter().map(hex::encode).collect::<Vec<_>>();
    json!({
        "description": "A 2-of-3 Urna key ceremony (spec/trustees.md) and one threshold decryption. INSECURE test data: every secret comes from insecure_deterministic_rng.",
        "generator": "crypto/tests/dkg.rs::generate_dkg_vectors (ChaCha20Rng::seed_from_u64(0x75726e61646b6731))",
        "spec": "spec/trustees.md §14",
        "params": hex::encode(c.params.to_bytes()),
        "trustees": trustees,
        "record": {
            "round1": record(c.record.round1.iter().map(Round1Message::to_bytes).collect()),
            "round2": record(c.record.round2.iter().map(Round2Message::to_bytes).collect()),
            "round3": record(c.record.round3.iter().map(Round3Message::to_bytes).collect()),
            "round4": record(c.record.round4.iter().map(Round4Message::to_bytes).collect()),
        },
        "qualified": key.qualified(),
        "joint_key": hex32(&key.joint_key().to_bytes()),
        "transcript_hash": hex32(key.transcript_hash()),
        "threshold_key": hex::encode(key.to_bytes()),
        "decryption": {
            "context": "merlin Transcript::new(\"urna/v1/test/tally\"), append_message(\"entry\", \"contest 0, option 0\"); then spec/trustees.md §12 (L1)",
            "plaintext": 3,
            "ciphertext": hex::encode(ct.to_bytes()),
            "shares": parts.iter().map(|(j, d)| json!({"trustee": j, "share": hex::encode(d.to_bytes())})).collect::<Vec<_>>(),
            "plaintext_point": hex32(&m_g(3).compress().to_bytes()),
        },
    })
}

/// Writes `spec/vectors/dkg.json`. Run on purpose only:
/// `cargo test -p urna-crypto --test dkg -- --ignored generate_dkg_vectors`.
#[test]
#[ignore]
fn generate_dkg_vectors() {
    let text = serde_json::to_string_pretty(&vector_json()).unwrap() + "\n";
    std::fs::write(vectors_path(), text).unwrap();
}

#[test]
fn dkg_vectors_are_reproduced() {
    let text = std::fs::read_to_string(vectors_path()).unwrap();
    let committed: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        committed,
        vector_json(),
        "the code no longer reproduces spec/vectors/dkg.json"
    );
}

#[test]
fn dkg_vectors_verify_from_the_file_alone() {
    let text = std::fs::read_to_string(vectors_path()).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let bytes = |x: &serde_json::Value| hex::decode(x.as_str().unwrap()).unwrap();
    let p = CeremonyParams::from_bytes(&bytes(&v["params"])).unwrap();
    assert_eq!((p.trustees(), p.threshold()), (3, 2));
    let mut record = CeremonyRecord::new();
    for round in ["round1", "round2", "round3", "round4"] {
        for m in v["record"][round].as_array().unwrap() {
            record.push(CeremonyMessage::from_bytes(&bytes(m)).unwrap());
        }
    }
    let outcome = verify_ceremony(&p, &record).unwrap();
    let key = outcome.key();
    assert_eq!(key.joint_key().to_bytes().to_vec(), bytes(&v["joint_key"]));
    assert_eq!(key.transcript_hash().to_vec(), bytes(&v["transcript_hash"]));
    assert_eq!(
        &ThresholdKey::from_bytes(&bytes(&v["threshold_key"])).unwrap(),
        key
    );
    for t in v["trustees"].as_array().unwrap() {
        let i = t["index"].as_u64().unwrap() as u8;
        // The insecure secret state reproduces the published commitments.
        let trustee = Trustee::from_bytes(&bytes(&t["insecure_state"])).unwrap();
        assert_eq!(trustee.index(), i);
        let published = record.round2.iter().find(|m| m.sender() == i).unwrap();
        let commitments: Vec<Vec<u8>> = published
            .commitments()
            .iter()
            .map(|c| c.to_bytes().to_vec())
            .collect();
        let listed: Vec<Vec<u8>> = t["commitments"]
            .as_array()
            .unwrap()
            .iter()
            .map(bytes)
            .collect();
        assert_eq!(commitments, listed);
        assert_eq!(
            commitment_hash(&p, i, &published.commitments()).to_vec(),
            bytes(&t["commitment_hash"])
        );
        assert_eq!(
            key.verification_key(i).unwrap().to_bytes().to_vec(),
            bytes(&t["verification_key"])
        );
    }
    let d = &v["decryption"];
    let ct = Ciphertext::from_bytes(&bytes(&d["ciphertext"])).unwrap();
    let parts: Vec<(u8, DecryptionShare)> = d["shares"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["trustee"].as_u64().unwrap() as u8,
                DecryptionShare::from_bytes(&bytes(&s["share"])).unwrap(),
            )
        })
        .collect();
    for pair in subsets(&parts, 2) {
        let r = key
            .verify_and_combine(&tally_context(), &ct, &pair)
            .unwrap();
        assert_eq!(
            r.point().compress().to_bytes().to_vec(),
            bytes(&d["plaintext_point"])
        );
    }
    assert_eq!(
        urna_crypto::vartime_discrete_log(
            key.verify_and_combine(&tally_context(), &ct, &parts)
                .unwrap()
                .point(),
            10
        )
        .unwrap(),
        d["plaintext"].as_u64().unwrap()
    );
}

// ------------------------------------------------------------------ spec ids

/// Every `spec/trustees.md §N (ID)` cited in `crypto/src/dkg/` is defined
/// as `**(ID)**` in section N of the spec (docs/style.md item 3).
#[test]
fn spec_ids_cited_in_dkg_code_exist() {
    let root = format!(
        "{}/..",
        std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR is set by cargo")
    );
    let spec = std::fs::read_to_string(format!("{root}/spec/trustees.md")).unwrap();
    // Section number → ids defined in it (subsections included).
    let mut current = String::new();
    let mut sections: Vec<String> = Vec::new();
    let mut defined: Vec<(String, String)> = Vec::new();
    for line in spec.lines() {
        if line.starts_with('#') {
            let title = line.trim_start_matches('#').trim();
            if let Some(num) = title.split_whitespace().next() {
                current = num.trim_end_matches('.').to_string();
                sections.push(current.clone());
            }
        }
        let mut rest = line;
        while let Some(pos) = rest.find("**(") {
            let after = &rest[pos + 3..];
            if let Some(end) = after.find(")**") {
                defined.push((current.clone(), after[..end].to_string()));
                rest = &after[end..];
            } else {
                break;
            }
        }
    }
    let mut checked = 0;
    let dir = format!("{root}/crypto/src/dkg");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let needle = "spec/trustees.md §";
        let mut rest = text.as_str();
        while let Some(pos) = rest.find(needle) {
            let after = &rest[pos + needle.len()..];
            let section: String = after
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.')
                .collect();
            let tail = &after[section.len()..];
            if let Some(ids) = tail.strip_prefix(" (") {
                let id: String = ids.chars().take_while(|c| *c != ')').collect();
                let ok = defined.iter().any(|(s, d)| {
                    d == &id && (s == &section || s.starts_with(&format!("{section}.")))
                });
                assert!(
                    ok,
                    "{}: §{section} ({id}) is not defined in spec/trustees.md",
                    path.display()
                );
                checked += 1;
            } else {
                // A bare section reference must at least exist.
                let section = section.trim_end_matches('.');
                assert!(
                    sections.iter().any(|s| s == section),
                    "{}: §{section} is not a section of spec/trustees.md",
                    path.display()
                );
            }
            rest = after;
        }
    }
    assert!(checked > 40, "only {checked} citations found");
}
