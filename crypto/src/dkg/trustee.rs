//! One trustee's side of the ceremony, and the key share it ends with
//! (spec/trustees.md §6–§11).
//!
//! All of a trustee's secrets are fixed when it is created: its two keys
//! and its polynomial. Each round is then a function of that state and the
//! messages posted so far, so a command-line tool can run every step in a
//! fresh process from files:
//!
//! ```text
//! Trustee::new(params, i, rng)       → save Trustee::to_bytes (secret)
//! trustee.round1(rng)                → post Round1Message
//! trustee.round2(&record, rng)       → post Round2Message      (needs round 1)
//! trustee.round3(&record, rng)       → post Round3Message      (needs rounds 1–2)
//! trustee.round4(&record, rng)       → post Round4Message, save KeyShare::to_bytes (secret)
//! verify_ceremony(params, &record)   → ThresholdKey, once every certificate is posted
//! key_share.partial_decrypt(..)      → DecryptionShare
//! ```
//!
//! Re-running a round gives a new, differently randomized message: post
//! only one per round (two are equivocation, spec/trustees.md §9 (Q2)).

use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;
use rand_core::{CryptoRng, RngCore};
use subtle::ConstantTimeEq;
use zeroize::{ZeroizeOnDrop, Zeroizing};

use super::ceremony::{accepted_round1, accepted_round2, ensure_quorum, evaluate};
use super::identity::TrusteeKeys;
use super::messages::{Round1Message, Round2Message, Round3Message, Round4Message};
use super::params::PARAMS_LEN;
use super::polynomial::{feldman_check, Polynomial};
use super::record::CeremonyRecord;
use super::{
    commitment_hash, decryption_transcript, CeremonyParams, Complaint, Disqualification,
    EncryptedShare, ThresholdKey, TrusteeIdentity,
};
use crate::elgamal::{Ciphertext, PublicKey, SecretKey};
use crate::error::{Error, Result};
use crate::group::{g_table, GroupElement, Reader, Writer};
use crate::proofs::decryption::DecryptionShare;

/// Version tag of the secret state encodings.
const TRUSTEE_STATE_TAG: u8 = 0x81;
const KEY_SHARE_TAG: u8 = 0x82;

/// One trustee's secret state for one ceremony. Wiped on drop; never printed.
#[derive(Clone)]
pub struct Trustee {
    params: CeremonyParams,
    index: u8,
    keys: TrusteeKeys,
    polynomial: Polynomial,
}

impl ZeroizeOnDrop for Trustee {}

impl core::fmt::Debug for Trustee {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Trustee({}, <redacted>)", self.index)
    }
}

impl Trustee {
    /// Trustee `index` of the ceremony, with fresh keys and a fresh
    /// polynomial of degree `k − 1` (spec/trustees.md §2 (P3), §6 (R1)).
    pub fn new<R: RngCore + CryptoRng>(
        params: &CeremonyParams,
        index: u8,
        rng: &mut R,
    ) -> Result<Self> {
        let keys = TrusteeKeys::generate(rng);
        Self::with_keys(params, index, keys, rng)
    }

    /// As [`Trustee::new`], with existing identity keys.
    pub fn with_keys<R: RngCore + CryptoRng>(
        params: &CeremonyParams,
        index: u8,
        keys: TrusteeKeys,
        rng: &mut R,
    ) -> Result<Self> {
        params.check_index(index)?;
        Ok(Trustee {
            params: *params,
            index,
            keys,
            polynomial: Polynomial::random(params.threshold(), rng),
        })
    }

    /// The ceremony parameters.
    pub fn params(&self) -> &CeremonyParams {
        &self.params
    }
    /// This trustee's index.
    pub fn index(&self) -> u8 {
        self.index
    }
    /// This trustee's identity keys (for tools that sign their own messages).
    pub fn keys(&self) -> &TrusteeKeys {
        &self.keys
    }

    /// Round 1 (spec/trustees.md §6 (R2)): the identity with proofs of
    /// possession, and the hash of the commitments to come.
    pub fn round1<R: RngCore + CryptoRng>(&self, rng: &mut R) -> Result<Round1Message> {
        let identity = self.keys.identity(&self.params, self.index, rng)?;
        let h = commitment_hash(&self.params, self.index, &self.polynomial.commitments());
        Ok(Round1Message::sign_unchecked(
            &self.params,
            &self.keys,
            identity,
            h,
            rng,
        ))
    }

    /// Round 2 (spec/trustees.md §7): once round 1 is closed, reveal the
    /// commitments with their proofs and deal one encrypted share to every
    /// other accepted trustee.
    pub fn round2<R: RngCore + CryptoRng>(
        &self,
        record: &CeremonyRecord,
        rng: &mut R,
    ) -> Result<Round2Message> {
        let round1 = self.accepted_round1(record)?;
        let commitments = self.polynomial.commitments();
        let proofs =
            self.polynomial
                .prove_coefficients(&self.params, self.index, &commitments, rng);
        let mut shares = Vec::with_capacity(round1.len());
        // spec/trustees.md §7.2 (F1)
        for (j, key) in round1.iter().filter(|(j, _)| *j != self.index) {
            let s = self.polynomial.evaluate(*j);
            shares.push(EncryptedShare::encrypt(
                &self.params,
                self.index,
                *j,
                key,
                &s,
                rng,
            )?);
        }
        Ok(Round2Message::sign_unchecked(
            &self.params,
            &self.keys,
            self.index,
            commitments.into_iter().zip(proofs).collect(),
            shares,
            rng,
        ))
    }

    /// Round 3 (spec/trustees.md §8): check every share dealt to this
    /// trustee (V1)–(V3) and complain, verifiably, about each bad one.
    pub fn round3<R: RngCore + CryptoRng>(
        &self,
        record: &CeremonyRecord,
        rng: &mut R,
    ) -> Result<Round3Message> {
        let dealers = self.accepted_round2(record)?;
        let mut complaints = Vec::new();
        for (i, m) in &dealers {
            if *i == self.index {
                continue;
            }
            let good = m
                .share_for(self.index)
                .and_then(|s| self.open_share(*i, s, &m.commitments()));
            if good.is_none() {
                let share = m.share_for(self.index).ok_or(Error::DkgShareInvalid {
                    dealer: *i,
                    recipient: self.index,
                })?;
                complaints.push(Complaint::create(
                    &self.params,
                    &self.keys,
                    self.index,
                    *i,
                    share,
                    rng,
                )?);
            }
        }
        Ok(Round3Message::sign_unchecked(
            &self.params,
            &self.keys,
            self.index,
            complaints,
            rng,
        ))
    }

    /// Round 4 (spec/trustees.md §10, §11): derive the results, the secret
    /// share `s_j = Σ_{i∈QUAL} f_i(j)` (O3), and certify the transcript.
    /// Fails with [`Error::DkgTooFewQualified`] if the ceremony stops, or
    /// with the reason this trustee was disqualified.
    pub fn round4<R: RngCore + CryptoRng>(
        &self,
        record: &CeremonyRecord,
        rng: &mut R,
    ) -> Result<(Round4Message, KeyShare)> {
        let e = evaluate(&self.params, record)?;
        let key = e.outcome.key().clone();
        if !key.qualified().contains(&self.index) {
            return Err(self.exclusion_reason(e.outcome.disqualified(), 3));
        }
        self.check_own_round2(e.round2.get(&self.index).copied())?;
        // spec/trustees.md §10 (O3)
        let mut s = self.polynomial.evaluate(self.index);
        for i in key.qualified().iter().filter(|&&i| i != self.index) {
            let m = e.round2.get(i).ok_or(Error::DkgMessageMissing {
                trustee: *i,
                round: 2,
            })?;
            let share = m
                .share_for(self.index)
                .and_then(|c| self.open_share(*i, c, &m.commitments()))
                .ok_or(Error::DkgShareInvalid {
                    dealer: *i,
                    recipient: self.index,
                })?;
            *s += *share;
        }
        let secret = SecretKey::from_bytes(Zeroizing::new(s.to_bytes()).as_ref())?;
        let share = KeyShare::new(self.index, secret, key)?;
        // spec/trustees.md §11 (X1)
        let cert = Round4Message::sign_unchecked(
            &self.params,
            &self.keys,
            self.index,
            *share.key.transcript_hash(),
            share.key.joint_key().clone(),
            rng,
        );
        Ok((cert, share))
    }

    /// Decrypt a share and run (V1)–(V3); `None` if it is bad.
    fn open_share(
        &self,
        dealer: u8,
        share: &EncryptedShare,
        commitments: &[GroupElement],
    ) -> Option<Zeroizing<Scalar>> {
        let s = share.decrypt(&self.params, dealer, self.keys.encryption())?;
        // spec/trustees.md §8.1 (V3)
        feldman_check(&s, commitments, self.index).then_some(s)
    }

    /// The accepted round-1 senders with their encryption keys; ours must
    /// be among them, unchanged, and at least `k` (spec/trustees.md §9 (Q5)).
    fn accepted_round1(&self, record: &CeremonyRecord) -> Result<Vec<(u8, PublicKey)>> {
        let p = accepted_round1(&self.params, record)?;
        let own = p.accepted.iter().find(|(j, _)| *j == self.index);
        match own {
            Some((_, m)) => self.check_own_round1(m)?,
            None => return Err(self.exclusion_reason(&p.excluded, 1)),
        }
        let senders: Vec<u8> = p.accepted.iter().map(|(j, _)| *j).collect();
        ensure_quorum(&self.params, &senders, &p.excluded)?;
        Ok(p.accepted
            .iter()
            .map(|(j, m)| (*j, m.identity().encryption_key().clone()))
            .collect())
    }

    /// The accepted round-2 messages; ours must be among them, unchanged,
    /// and at least `k` (spec/trustees.md §9 (Q5)).
    fn accepted_round2<'a>(
        &self,
        record: &'a CeremonyRecord,
    ) -> Result<Vec<(u8, &'a Round2Message)>> {
        let p = accepted_round2(&self.params, record)?;
        match p.accepted.iter().find(|(j, _)| *j == self.index) {
            Some((_, m)) => self.check_own_round2(Some(m))?,
            None => return Err(self.exclusion_reason(&p.excluded, 2)),
        }
        let senders: Vec<u8> = p.accepted.iter().map(|(j, _)| *j).collect();
        ensure_quorum(&self.params, &senders, &p.excluded)?;
        Ok(p.accepted)
    }

    /// Why this trustee is not among the accepted senders of `round`.
    fn exclusion_reason(&self, excluded: &[Disqualification], round: u8) -> Error {
        excluded
            .iter()
            .find(|d| d.trustee() == self.index)
            .map(|d| d.reason().clone())
            .unwrap_or(Error::DkgMessageMissing {
                trustee: self.index,
                round,
            })
    }

    fn check_own_round1(&self, m: &Round1Message) -> Result<()> {
        let h = commitment_hash(&self.params, self.index, &self.polynomial.commitments());
        let ours = m.identity().signing_key() == &self.keys.signing().public_key()
            && m.identity().encryption_key() == &self.keys.encryption().public_key()
            && m.commitment_hash() == &h;
        if !ours {
            return Err(Error::DkgMessageInvalid {
                trustee: self.index,
                round: 1,
                reason: "the round-1 message under our index is not ours",
            });
        }
        Ok(())
    }

    fn check_own_round2(&self, m: Option<&Round2Message>) -> Result<()> {
        match m {
            None => Err(Error::DkgMessageMissing {
                trustee: self.index,
                round: 2,
            }),
            Some(m) if m.commitments() != self.polynomial.commitments() => {
                Err(Error::DkgMessageInvalid {
                    trustee: self.index,
                    round: 2,
                    reason: "the round-2 message under our index is not ours",
                })
            }
            Some(_) => Ok(()),
        }
    }

    /// The secret state: `0x81 ‖ params ‖ i ‖ s ‖ e ‖ a_0 … a_{k−1}`. The
    /// caller must store it safely (a `SECRET_*` file) and never post it.
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(Vec::with_capacity(
            2 + PARAMS_LEN + 64 + 32 * self.polynomial.len(),
        ));
        out.push(TRUSTEE_STATE_TAG);
        out.extend_from_slice(&self.params.to_bytes());
        out.push(self.index);
        self.keys.write_secret(&mut out);
        self.polynomial.write_secret(&mut out);
        out
    }

    /// Decode the secret state written by [`Trustee::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        if r.u8("trustee state tag")? != TRUSTEE_STATE_TAG {
            return Err(Error::Malformed {
                field: "trustee state tag",
            });
        }
        let params = CeremonyParams::read(&mut r)?;
        let index = r.u8("trustee index")?;
        params.check_index(index)?;
        let keys = TrusteeKeys::read_secret(&mut r)?;
        let polynomial = Polynomial::read_secret(&mut r, params.threshold())?;
        r.finish("trustee state")?;
        Ok(Trustee {
            params,
            index,
            keys,
            polynomial,
        })
    }

    /// The public identity this trustee announces in round 1.
    pub fn identity<R: RngCore + CryptoRng>(&self, rng: &mut R) -> Result<TrusteeIdentity> {
        self.keys.identity(&self.params, self.index, rng)
    }
}

/// What a qualified trustee keeps after the ceremony: its secret share
/// `s_j` and the public [`ThresholdKey`]. Wiped on drop; never printed.
///
/// Invariant: `s_j·G = X_j` (spec/trustees.md §10 (O3)).
#[derive(Clone)]
pub struct KeyShare {
    index: u8,
    secret: SecretKey,
    key: ThresholdKey,
}

impl ZeroizeOnDrop for KeyShare {}

impl core::fmt::Debug for KeyShare {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "KeyShare({}, <redacted>)", self.index)
    }
}

impl KeyShare {
    fn new(index: u8, secret: SecretKey, key: ThresholdKey) -> Result<Self> {
        let x = key
            .verification_key(index)
            .ok_or(Error::DkgMessageMissing {
                trustee: index,
                round: 3,
            })?;
        // (O3) s_j·G = X_j, compared in constant time.
        let sg = (secret.as_scalar() * g_table()).compress();
        if !bool::from(sg.as_bytes().ct_eq(&x.to_bytes())) {
            return Err(Error::DkgShareInvalid {
                dealer: index,
                recipient: index,
            });
        }
        Ok(KeyShare { index, secret, key })
    }

    /// The trustee index.
    pub fn index(&self) -> u8 {
        self.index
    }
    /// The public result of the ceremony.
    pub fn threshold_key(&self) -> &ThresholdKey {
        &self.key
    }
    /// The joint election key `K`.
    pub fn joint_key(&self) -> &PublicKey {
        self.key.joint_key()
    }

    /// `D_j = s_j·α` with its proof against `X_j`, on
    /// [`decryption_transcript`]`(base, j)` (spec/trustees.md §12 (L1)).
    ///
    /// The caller must first have checked the certified ceremony
    /// ([`super::verify_ceremony`]) and that `ct` is the aggregate it
    /// recomputed itself (docs/attacks.md D8).
    pub fn partial_decrypt<R: RngCore + CryptoRng>(
        &self,
        base: &Transcript,
        ct: &Ciphertext,
        rng: &mut R,
    ) -> Result<DecryptionShare> {
        if ct.alpha().is_identity() {
            // spec/crypto.md §5.3 (D4): the empty aggregate's fixed share.
            return Ok(DecryptionShare::empty_aggregate());
        }
        let mut t = decryption_transcript(base, self.index);
        DecryptionShare::create(&mut t, &self.secret, ct, rng)
    }

    /// The secret key file: `0x82 ‖ j ‖ s_j ‖ threshold key`. The caller
    /// must store it safely and never post it.
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let mut w = Writer::new();
        self.key.write(&mut w);
        let public = w.into_bytes();
        let mut out = Zeroizing::new(Vec::with_capacity(34 + public.len()));
        out.push(KEY_SHARE_TAG);
        out.push(self.index);
        out.extend_from_slice(self.secret.to_bytes().as_ref());
        out.extend_from_slice(&public);
        out
    }

    /// Decode and check (O3), (O4).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        if r.u8("key share tag")? != KEY_SHARE_TAG {
            return Err(Error::Malformed {
                field: "key share tag",
            });
        }
        let index = r.u8("trustee index")?;
        let secret = SecretKey::from_bytes(r.take(32, "secret share")?)?;
        let key = ThresholdKey::read(&mut r)?;
        r.finish("key share")?;
        Self::new(index, secret, key)
    }
}
