//! The trustee key ceremony and threshold decryption (spec/trustees.md),
//! run end to end in memory, with every misbehaviour of docs/attacks.md D1–D7.
//! Tests are named after the case they cover.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod encodings;
mod intake;
mod keys;
mod misbehaviour;
mod vectors;

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
