//! One contest of a ballot, encrypted and proven (spec §7).
//!
//! A contest with `n` options, each option's value in `[0, S]` and the
//! total in `[min, max]`, is encrypted as one ciphertext per option, one
//! range proof per option over `[0, S]`, and — unless the bound is implied
//! by the per-option bounds — one range proof that the homomorphic sum of
//! the option ciphertexts lies in `[min, max]`. This covers approval and
//! plurality (`S = 1`), score (`S > 1`) and budget voting (`max` = budget).
//!
//! Transcripts: the application passes a transcript already holding the
//! context (election fingerprint, credential, contest index; spec §7.2).
//! Option `i` is proven on a clone extended with
//! `part = "option"`, `index = i` (u64); the total on a clone extended with
//! `part = "total"`. A proof therefore cannot move to another option,
//! contest, credential or election (docs/attacks.md A6, B1).

use merlin::Transcript;
use rand_core::{CryptoRng, RngCore};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::batch::{BatchVerifier, Item};
use crate::elgamal::{Ciphertext, CiphertextSum, Nonce, PublicKey};
use crate::error::{Error, Result};
use crate::group::{canonical_hex_serde, Reader, Writer};
use crate::proofs::range::RangeProof;

/// Most options a contest may have.
pub const MAX_OPTIONS: u32 = 1024;

/// The public rules of a contest that its proofs are checked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ContestBounds {
    options: u32,
    max_per_option: u64,
    min_total: u64,
    max_total: u64,
}

impl ContestBounds {
    /// `options` options, each in `[0, max_per_option]`, total in `[min_total, max_total]`.
    pub fn new(options: u32, max_per_option: u64, min_total: u64, max_total: u64) -> Result<Self> {
        if options == 0 || options > MAX_OPTIONS {
            return Err(Error::InvalidParameter(
                "a contest has between 1 and 1024 options",
            ));
        }
        if max_per_option == 0 {
            return Err(Error::InvalidParameter(
                "the largest value per option must be at least 1",
            ));
        }
        if min_total > max_total {
            return Err(Error::InvalidParameter(
                "the minimum total exceeds the maximum total",
            ));
        }
        let reachable = (options as u128) * (max_per_option as u128);
        if min_total as u128 > reachable {
            return Err(Error::InvalidParameter(
                "the minimum total cannot be reached with these options",
            ));
        }
        Ok(ContestBounds {
            options,
            max_per_option,
            min_total,
            max_total,
        })
    }

    /// Number of options.
    pub fn options(&self) -> u32 {
        self.options
    }
    /// Largest value per option.
    pub fn max_per_option(&self) -> u64 {
        self.max_per_option
    }
    /// Total bounds.
    pub fn total_range(&self) -> (u64, u64) {
        (self.min_total, self.max_total)
    }

    /// Whether the total needs its own proof (spec §7.1 (K2)): not when
    /// `min = 0` and `max ≥ n·S` (implied by the option proofs).
    pub fn needs_total_proof(&self) -> bool {
        let reachable = (self.options as u128) * (self.max_per_option as u128);
        !(self.min_total == 0 && self.max_total as u128 >= reachable)
    }

    fn check_choices(&self, choices: &[u64]) -> Result<u64> {
        if choices.len() != self.options as usize {
            return Err(Error::WrongLength {
                field: "choices",
                expected: self.options as u64,
                found: choices.len() as u64,
            });
        }
        let mut total: u64 = 0;
        for &c in choices {
            if c > self.max_per_option {
                return Err(Error::PlaintextOutOfRange {
                    value: c,
                    min: 0,
                    max: self.max_per_option,
                });
            }
            total = total.checked_add(c).ok_or(Error::InvalidParameter(
                "the sum of the choices does not fit in 64 bits",
            ))?;
        }
        if total < self.min_total || total > self.max_total {
            return Err(Error::PlaintextOutOfRange {
                value: total,
                min: self.min_total,
                max: self.max_total,
            });
        }
        Ok(total)
    }
}

/// The secret opening of an encrypted contest: the values and nonces.
/// Wiped on drop; revealed only for a Benaloh audit.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct ContestOpening {
    values: Vec<u64>,
    nonces: Vec<Nonce>,
}

impl core::fmt::Debug for ContestOpening {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("ContestOpening(<redacted>)")
    }
}

impl ContestOpening {
    /// Reveal the values and nonces (audit only: the ballot must be spoiled).
    pub fn reveal(mut self) -> (Vec<u64>, Vec<curve25519_dalek::scalar::Scalar>) {
        let values = std::mem::take(&mut self.values);
        let nonces = std::mem::take(&mut self.nonces)
            .into_iter()
            .map(Nonce::reveal)
            .collect();
        (values, nonces)
    }
}

/// An encrypted contest with its proofs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncryptedContest {
    ciphertexts: Vec<Ciphertext>,
    option_proofs: Vec<RangeProof>,
    total_proof: Option<RangeProof>,
}

fn option_transcript(base: &Transcript, i: usize) -> Transcript {
    let mut t = base.clone();
    t.append_message(b"part", b"option");
    t.append_u64(b"index", i as u64);
    t
}

fn total_transcript(base: &Transcript) -> Transcript {
    let mut t = base.clone();
    t.append_message(b"part", b"total");
    t
}

impl EncryptedContest {
    /// Encrypt `choices` (one value per option) and prove them.
    pub fn encrypt<R: RngCore + CryptoRng>(
        context: &Transcript,
        k: &PublicKey,
        bounds: &ContestBounds,
        choices: &[u64],
        rng: &mut R,
    ) -> Result<(Self, ContestOpening)> {
        let total = bounds.check_choices(choices)?;
        let mut ciphertexts = Vec::with_capacity(choices.len());
        let mut nonces = Vec::with_capacity(choices.len());
        let mut option_proofs = Vec::with_capacity(choices.len());
        let mut sum = CiphertextSum::zero();
        for (i, &m) in choices.iter().enumerate() {
            let (ct, r) = k.encrypt(m, rng);
            let mut t = option_transcript(context, i);
            option_proofs.push(RangeProof::prove(
                &mut t,
                k,
                &ct,
                m,
                &r,
                0,
                bounds.max_per_option,
                rng,
            )?);
            sum.add(&ct);
            ciphertexts.push(ct);
            nonces.push(r);
        }
        let total_proof = if bounds.needs_total_proof() {
            let total_ct = sum.to_ciphertext();
            let r = Nonce::sum(&nonces);
            let mut t = total_transcript(context);
            Some(RangeProof::prove(
                &mut t,
                k,
                &total_ct,
                total,
                &r,
                bounds.min_total,
                bounds.max_total,
                rng,
            )?)
        } else {
            None
        };
        Ok((
            EncryptedContest {
                ciphertexts,
                option_proofs,
                total_proof,
            },
            ContestOpening {
                values: choices.to_vec(),
                nonces,
            },
        ))
    }

    /// The option ciphertexts.
    pub fn ciphertexts(&self) -> &[Ciphertext] {
        &self.ciphertexts
    }

    /// Check the structure against the rules (before any cryptography):
    /// one ciphertext and one proof per option, a total proof iff required.
    pub fn check_shape(&self, bounds: &ContestBounds) -> Result<()> {
        let n = bounds.options as u64;
        for (field, found) in [
            ("contest ciphertexts", self.ciphertexts.len() as u64),
            ("contest option proofs", self.option_proofs.len() as u64),
        ] {
            if found != n {
                return Err(Error::WrongLength {
                    field,
                    expected: n,
                    found,
                });
            }
        }
        if self.total_proof.is_some() != bounds.needs_total_proof() {
            return Err(Error::WrongLength {
                field: "contest total proof",
                expected: bounds.needs_total_proof() as u64,
                found: self.total_proof.is_some() as u64,
            });
        }
        Ok(())
    }

    /// Add every proof of the contest to a batch item (spec §7.3).
    pub fn add_to_batch(
        &self,
        context: &Transcript,
        k: &PublicKey,
        bounds: &ContestBounds,
        item: &mut Item<'_>,
    ) {
        if self.check_shape(bounds).is_err() {
            return item.fail();
        }
        let mut sum = CiphertextSum::zero();
        for (i, (ct, proof)) in self.ciphertexts.iter().zip(&self.option_proofs).enumerate() {
            let mut t = option_transcript(context, i);
            proof.add_to_batch(&mut t, k, ct, 0, bounds.max_per_option, item);
            sum.add(ct);
        }
        if let Some(proof) = &self.total_proof {
            let total_ct = sum.to_ciphertext();
            let mut t = total_transcript(context);
            proof.add_to_batch(
                &mut t,
                k,
                &total_ct,
                bounds.min_total,
                bounds.max_total,
                item,
            );
        }
    }

    /// Verify on its own (variable time; public data).
    pub fn verify(
        &self,
        context: &Transcript,
        k: &PublicKey,
        bounds: &ContestBounds,
    ) -> Result<()> {
        self.check_shape(bounds)?;
        let mut b = BatchVerifier::new();
        self.add_to_batch(context, k, bounds, &mut b.item());
        b.vartime_check()
            .map_err(|_| Error::ProofInvalid { proof: "contest" })
    }

    /// Append `u32 n ‖ ciphertextⁿ ‖ range proofⁿ ‖ u8 has_total ‖ [total proof]`.
    pub fn write(&self, w: &mut Writer) {
        w.u32(self.ciphertexts.len() as u32);
        for ct in &self.ciphertexts {
            ct.write(w);
        }
        for p in &self.option_proofs {
            p.write(w);
        }
        match &self.total_proof {
            Some(p) => {
                w.u8(1);
                p.write(w);
            }
            None => {
                w.u8(0);
            }
        }
    }

    /// Read from a larger encoding.
    pub fn read(r: &mut Reader<'_>) -> Result<Self> {
        let n = r.count(MAX_OPTIONS, "contest option count")?;
        let ciphertexts = (0..n)
            .map(|_| Ciphertext::read(r))
            .collect::<Result<Vec<_>>>()?;
        let option_proofs = (0..n)
            .map(|_| RangeProof::read(r))
            .collect::<Result<Vec<_>>>()?;
        let total_proof = match r.u8("contest total proof flag")? {
            0 => None,
            1 => Some(RangeProof::read(r)?),
            _ => {
                return Err(Error::Malformed {
                    field: "contest total proof flag",
                })
            }
        };
        Ok(EncryptedContest {
            ciphertexts,
            option_proofs,
            total_proof,
        })
    }

    /// The canonical encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new();
        self.write(&mut w);
        w.into_bytes()
    }

    /// Decode (no trailing bytes).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let c = Self::read(&mut r)?;
        r.finish("encrypted contest")?;
        Ok(c)
    }
}

canonical_hex_serde!(EncryptedContest, "encrypted contest");
