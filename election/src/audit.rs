//! Audited ballots that cannot be tied to a credential (spec/record.md
//! §5.5, §6.1 tag 6), and the credential's request that asks a board to
//! publish one (`spec/api.md` §5.6).
//!
//! The device seals a full ballot and shows its tracking code (H5)
//! `H("urna/v1/tracking-code", H_c ‖ H_b)`. An audit publishes only what
//! `H_c` covers (fingerprint and ciphertexts), the openings, and `H_b`:
//!
//! ```text
//! audit = fingerprint ‖ BE32(nc) ‖ (BE32(n) ‖ ciphertextⁿ)^nc     (what H_c hashes)
//!       ‖ ((u64 m ‖ scalar r)ⁿ)^nc                                 one opening per ciphertext
//!       ‖ bytes32 H_b
//! ```
//!
//! No credential, signature or proof: every proof's transcript binds the
//! credential (§5.2), so a published proof would let anyone test each
//! listed credential against it (docs/attacks.md G10). `H_b` hashes the
//! proofs' and the signature's fresh randomness, which nobody but the
//! device knows, so it hides the credential it also commits to.

use rand_core::{CryptoRng, RngCore};
use urna_crypto::group::{Reader, Writer};
use urna_crypto::{Ciphertext, PublicKey, Scalar, SecretKey, Signature};

use crate::ballot::{ciphertext_hash, write_ciphertexts, BallotOpening, ElectionContext};
use crate::codec::Hash32;
use crate::error::{ElectionError, Result};
use crate::{EncryptedBallot, TrackingCode};

/// One audited option: its ciphertext and the revealed value and nonce.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenedCiphertext {
    /// `(α, β)`.
    pub ciphertext: Ciphertext,
    /// The revealed value `m`.
    pub value: u64,
    /// The revealed randomness `r`.
    pub nonce: Scalar,
}

/// A Benaloh-audited ballot as the record holds it: no credential, no
/// signature, no proof. Every ciphertext carries its opening, so the shape
/// "one opening per ciphertext" holds by construction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpoiledBallot {
    /// The election fingerprint the ballot was sealed for.
    pub fingerprint: Hash32,
    /// Per contest, per option: the ciphertext and its opening.
    pub contests: Vec<Vec<OpenedCiphertext>>,
    /// `H_b` of the sealed ballot (H5).
    pub seal: Hash32,
}

impl SpoiledBallot {
    /// The audit of a sealed ballot: its ciphertexts, their openings and
    /// `H_b`. The ballot itself (credential, proofs, signature) stays on
    /// the device and must never be cast.
    pub fn of(ballot: &EncryptedBallot, opening: BallotOpening) -> Self {
        let contests = ballot
            .contests()
            .iter()
            .zip(opening.reveal())
            .map(|(c, (values, nonces))| {
                c.ciphertexts()
                    .iter()
                    .zip(values)
                    .zip(nonces)
                    .map(|((ct, value), nonce)| OpenedCiphertext {
                        ciphertext: *ct,
                        value,
                        nonce,
                    })
                    .collect()
            })
            .collect();
        SpoiledBallot {
            fingerprint: ballot.fingerprint(),
            contests,
            seal: ballot.seal_hash(),
        }
    }

    /// `H_c` (H5), recomputed from the audit.
    pub fn ciphertext_hash(&self) -> Hash32 {
        ciphertext_hash(
            &self.fingerprint,
            self.contests
                .iter()
                .map(|c| c.iter().map(|o| &o.ciphertext)),
        )
    }

    /// The tracking code the device showed before the audit (H5).
    pub fn tracking_code(&self) -> TrackingCode {
        TrackingCode::of_parts(&self.ciphertext_hash(), &self.seal)
    }

    /// The revealed values, `values[contest][option]`.
    pub fn values(&self) -> Vec<Vec<u64>> {
        self.contests
            .iter()
            .map(|c| c.iter().map(|o| o.value).collect())
            .collect()
    }

    /// The `α` of every ciphertext, in ballot order (R7).
    pub fn alphas(&self) -> impl Iterator<Item = [u8; 32]> + '_ {
        self.contests
            .iter()
            .flatten()
            .map(|o| o.ciphertext.alpha().to_bytes())
    }

    /// (V1), the shape, and (A1) (spec/record.md §5.5): right election;
    /// one contest per manifest contest and one ciphertext per option;
    /// each ciphertext opens to its value, `α = r·G`, `β = m·G + r·K`;
    /// each value within `[0, S]` and each contest's total within
    /// `[min, max]` (checked here, since the audit has no proof).
    pub fn verify(&self, ctx: &ElectionContext) -> Result<()> {
        if self.fingerprint != ctx.fingerprint() {
            return Err(ElectionError::WrongElection(format!(
                "the audited ballot is for election fingerprint {}, this election is {}",
                self.fingerprint.to_hex(),
                ctx.fingerprint().to_hex()
            )));
        }
        let bounds = ctx.bounds();
        if self.contests.len() != bounds.len() {
            return Err(ElectionError::BallotShape(format!(
                "the audit has {} contests, the manifest {}",
                self.contests.len(),
                bounds.len()
            )));
        }
        for (ci, (opened, b)) in self.contests.iter().zip(bounds).enumerate() {
            if opened.len() != b.options() as usize {
                return Err(ElectionError::BallotShape(format!(
                    "contest {ci}: the audit has {} options, the manifest {}",
                    opened.len(),
                    b.options()
                )));
            }
            for (oi, o) in opened.iter().enumerate() {
                if !ctx
                    .election_key()
                    .vartime_check_opening(&o.ciphertext, o.value, &o.nonce)
                {
                    return Err(ElectionError::ProofInvalid(format!(
                        "audited ballot: contest {ci} option {oi} does not open to the revealed value"
                    )));
                }
            }
            let total = opened
                .iter()
                .try_fold(0u64, |t, o| {
                    (o.value <= b.max_per_option())
                        .then(|| t.checked_add(o.value))
                        .flatten()
                })
                .ok_or_else(|| {
                    ElectionError::BallotShape(format!(
                        "audited ballot: contest {ci} opens to a value above {}",
                        b.max_per_option()
                    ))
                })?;
            let (min, max) = b.total_range();
            if total < min || total > max {
                return Err(ElectionError::BallotShape(format!(
                    "audited ballot: contest {ci} opens to a total of {total}, outside [{min}, {max}]"
                )));
            }
        }
        Ok(())
    }

    /// The body of a tag-6 entry (spec/record.md §6.1).
    pub fn write(&self, w: &mut Writer) {
        write_ciphertexts(
            w,
            &self.fingerprint,
            self.contests
                .iter()
                .map(|c| c.iter().map(|o| &o.ciphertext)),
        );
        for o in self.contests.iter().flatten() {
            w.u64(o.value).scalar(&o.nonce);
        }
        w.fixed(&self.seal.0);
    }

    /// Read a tag-6 body.
    pub fn read(r: &mut Reader<'_>) -> Result<Self> {
        let fingerprint = Hash32::read(r, "audit fingerprint")?;
        let nc = r.count(crate::manifest::MAX_CONTESTS as u32, "audit contest count")?;
        let mut cts = Vec::with_capacity(nc as usize);
        for _ in 0..nc {
            let no = r.count(urna_crypto::contest::MAX_OPTIONS, "audit option count")?;
            cts.push(
                (0..no)
                    .map(|_| Ciphertext::read(r).map_err(ElectionError::from))
                    .collect::<Result<Vec<_>>>()?,
            );
        }
        let mut contests = Vec::with_capacity(cts.len());
        for c in cts {
            let mut opened = Vec::with_capacity(c.len());
            for ciphertext in c {
                opened.push(OpenedCiphertext {
                    ciphertext,
                    value: r.u64("audit value")?,
                    nonce: r.scalar("audit nonce")?,
                });
            }
            contests.push(opened);
        }
        let seal = Hash32::read(r, "audit seal hash")?;
        Ok(SpoiledBallot {
            fingerprint,
            contests,
            seal,
        })
    }
}

fn request_transcript() -> merlin::Transcript {
    merlin::Transcript::new(b"urna/v1/audit-request")
}

/// What a device sends with an audit, never published: the credential and
/// its signature over the tracking code, on the transcript
/// `"urna/v1/audit-request"` (no ballot or action signature verifies on
/// it). The board checks it against the credential list and charges that
/// credential's audit quota, so audits cannot flood the board and nobody
/// can spend another voter's quota (docs/attacks.md F20, F21).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRequest {
    /// The credential that asks.
    pub credential: PublicKey,
    /// Its signature over the 32-byte tracking code.
    pub signature: Signature,
}

impl AuditRequest {
    /// Sign the request for the audit with tracking code `code`.
    pub fn sign<R: RngCore + CryptoRng>(
        code: &TrackingCode,
        credential: &SecretKey,
        rng: &mut R,
    ) -> Self {
        AuditRequest {
            credential: credential.public_key(),
            signature: Signature::sign(&mut request_transcript(), credential, &code.0 .0, rng),
        }
    }

    /// Does the signature verify for `code`? (`ERR_SIGNATURE_INVALID`.)
    pub fn verify(&self, code: &TrackingCode) -> Result<()> {
        self.signature
            .verify(&mut request_transcript(), &self.credential, &code.0 .0)
            .map_err(|_| {
                ElectionError::SignatureInvalid(
                    "the audit request's credential signature does not verify".into(),
                )
            })
    }
}

#[cfg(test)]
mod tests;
