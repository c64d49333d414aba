//! A range proof of the kind the statement calls for (spec §5.6).
//!
//! The kind is a function of the range alone: `[a, b]` with
//! `b − a + 1 ≤ MAX_BRANCHES` uses the disjunctive proof (fast to verify in
//! a batch), wider ranges the bulletproof. The encoding starts with a tag
//! byte (`0x01` disjunctive, `0x02` bulletproof) that the verifier compares
//! with the kind the statement requires: a ballot never chooses its proof
//! system (docs/attacks.md A9).

use merlin::Transcript;
use rand_core::{CryptoRng, RngCore};

use crate::batch::{BatchVerifier, Item};
use crate::elgamal::{Ciphertext, Nonce, PublicKey};
use crate::error::{Error, Result};
use crate::group::{canonical_hex_serde, Reader, Writer};

use super::bulletproof_range::BulletproofRangeProof;
use super::disjunctive::{DisjunctiveProof, MAX_BRANCHES};

/// The proof that a ciphertext encrypts a value in `[min, max]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RangeProof {
    /// Disjunctive Chaum–Pedersen (small ranges).
    Disjunctive(DisjunctiveProof),
    /// Pedersen commitment + link proof + bulletproof (wide ranges; boxed,
    /// it is ten times the size of a 0/1 proof).
    Bulletproof(Box<BulletproofRangeProof>),
}

const TAG_DISJUNCTIVE: u8 = 1;
const TAG_BULLETPROOF: u8 = 2;

/// Whether `[min, max]` is proven with the disjunctive proof.
pub fn uses_disjunctive(min: u64, max: u64) -> bool {
    min <= max && max - min < MAX_BRANCHES
}

impl RangeProof {
    /// Prove `ct = Enc_K(m; r)` with `m ∈ [min, max]`.
    #[allow(clippy::too_many_arguments)]
    pub fn prove<R: RngCore + CryptoRng>(
        t: &mut Transcript,
        k: &PublicKey,
        ct: &Ciphertext,
        m: u64,
        r: &Nonce,
        min: u64,
        max: u64,
        rng: &mut R,
    ) -> Result<Self> {
        if uses_disjunctive(min, max) {
            DisjunctiveProof::prove(t, k, ct, m, r, min, max, rng).map(RangeProof::Disjunctive)
        } else {
            BulletproofRangeProof::prove(t, k, ct, m, r, min, max, rng)
                .map(|p| RangeProof::Bulletproof(Box::new(p)))
        }
    }

    /// Add this proof's checks to a batch item; a proof of the wrong kind
    /// for the range fails the item.
    pub fn add_to_batch(
        &self,
        t: &mut Transcript,
        k: &PublicKey,
        ct: &Ciphertext,
        min: u64,
        max: u64,
        item: &mut Item<'_>,
    ) {
        match (self, uses_disjunctive(min, max)) {
            (RangeProof::Disjunctive(p), true) => p.add_to_batch(t, k, ct, min, max, item),
            (RangeProof::Bulletproof(p), false) => p.add_to_batch(t, k, ct, min, max, item),
            _ => item.fail(),
        }
    }

    /// Verify on its own (variable time; public data).
    pub fn verify(
        &self,
        t: &mut Transcript,
        k: &PublicKey,
        ct: &Ciphertext,
        min: u64,
        max: u64,
    ) -> Result<()> {
        let mut b = BatchVerifier::new();
        self.add_to_batch(t, k, ct, min, max, &mut b.item());
        b.vartime_check()
            .map_err(|_| Error::ProofInvalid { proof: "range" })
    }

    /// Append `tag ‖ proof`.
    pub fn write(&self, w: &mut Writer) {
        match self {
            RangeProof::Disjunctive(p) => {
                w.u8(TAG_DISJUNCTIVE);
                p.write(w)
            }
            RangeProof::Bulletproof(p) => {
                w.u8(TAG_BULLETPROOF);
                p.write(w)
            }
        }
    }

    /// Read from a larger encoding.
    pub fn read(r: &mut Reader<'_>) -> Result<Self> {
        match r.u8("range proof kind")? {
            TAG_DISJUNCTIVE => DisjunctiveProof::read(r).map(RangeProof::Disjunctive),
            TAG_BULLETPROOF => {
                BulletproofRangeProof::read(r).map(|p| RangeProof::Bulletproof(Box::new(p)))
            }
            _ => Err(Error::Malformed {
                field: "range proof kind",
            }),
        }
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
        let p = Self::read(&mut r)?;
        r.finish("range proof")?;
        Ok(p)
    }
}

canonical_hex_serde!(RangeProof, "range proof");
