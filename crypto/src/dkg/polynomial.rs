//! Secret polynomials, their Feldman commitments, the proofs of knowledge of
//! their coefficients and the round-1 commitment hash (spec/trustees.md §6, §7.1).
//!
//! **Statement.** Dealer `i` holds `f_i(x) = Σ_{l<k} a_{i,l}·x^l` and
//! publishes `C_{i,l} = a_{i,l}·G` for `l = 0 … k−1`.
//!
//! **Prover.** One Schnorr proof of knowledge of each `a_{i,l}` (spec/crypto.md §5.1),
//! on the context transcript (purpose `coefficient-pok`, trustee `i`) extended
//! with *all* commitments and then `l`, so a proof cannot be moved to another
//! coefficient, dealer, commitment vector or election (docs/attacks.md D3).
//!
//! **Verifier.** (C1) `k` commitments; (C2) none is the identity (a zero
//! coefficient, in particular a zero polynomial); (C3) they hash to the round-1
//! value; (C4) every proof: `z·G − T − c·C_{i,l} = 0`.
//! Recipients check their share with (V3) `f_i(j)·G = Σ_l j^l·C_{i,l}`.
//!
//! **Transcript** (proof of coefficient `l`):
//!
//! | step | label | value |
//! |---|---|---|
//! | 1 | context | spec/trustees.md §3.1, `purpose = coefficient-pok`, `trustee = i` |
//! | 2 | `C` | `C_{i,0}`, …, `C_{i,k−1}` in order |
//! | 3 | `l` | the coefficient index (u64) |
//! | 4 | Schnorr steps | `dom-sep = urna/v1/schnorr-pok`, `X = C_{i,l}`, `T`, `c` |

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::VartimeMultiscalarMul;
use merlin::Transcript;
use rand_core::{CryptoRng, RngCore};
use sha2::{Digest, Sha256};
use zeroize::{ZeroizeOnDrop, Zeroizing};

use super::{context, CeremonyParams};
use crate::elgamal::SecretKey;
use crate::error::Result;
use crate::group::{g_table, GroupElement, Reader, Writer};
use crate::proofs::schnorr::SchnorrProof;

/// Prefix of the commitment hash (spec/trustees.md §3.3 (H1)).
pub const COMMITMENT_HASH_LABEL: &[u8] = b"urna/v1/dkg/commitment-hash";

/// A dealer's secret polynomial of degree `k − 1`.
///
/// Invariant: every coefficient is non-zero, so every commitment is a
/// non-identity point (spec/trustees.md §6 (R1)). Wiped on drop (each
/// coefficient is a [`SecretKey`]).
#[derive(Clone)]
pub(crate) struct Polynomial {
    coefficients: Vec<SecretKey>,
}

impl ZeroizeOnDrop for Polynomial {}

impl Polynomial {
    /// `k` uniformly random non-zero coefficients (spec/trustees.md §6 (R1)).
    pub(crate) fn random<R: RngCore + CryptoRng>(k: u8, rng: &mut R) -> Self {
        Polynomial {
            coefficients: (0..k).map(|_| SecretKey::generate(rng)).collect(),
        }
    }

    /// The number of coefficients, `k`.
    pub(crate) fn len(&self) -> usize {
        self.coefficients.len()
    }

    /// `C_l = a_l·G` (constant time, fixed-base table).
    pub(crate) fn commitments(&self) -> Vec<GroupElement> {
        self.coefficients
            .iter()
            .map(|a| GroupElement::from_point(a.as_scalar() * g_table()))
            .collect()
    }

    /// `f(x)` by Horner's rule (constant time in the coefficients).
    pub(crate) fn evaluate(&self, x: u8) -> Zeroizing<Scalar> {
        let x = Scalar::from(x);
        let mut acc = Zeroizing::new(Scalar::ZERO);
        for a in self.coefficients.iter().rev() {
            *acc = *acc * x + a.as_scalar();
        }
        acc
    }

    /// One proof of knowledge per coefficient (spec/trustees.md §7.1 (C4)).
    pub(crate) fn prove_coefficients<R: RngCore + CryptoRng>(
        &self,
        params: &CeremonyParams,
        dealer: u8,
        commitments: &[GroupElement],
        rng: &mut R,
    ) -> Vec<SchnorrProof> {
        let base = coefficient_base_transcript(params, dealer, commitments);
        self.coefficients
            .iter()
            .enumerate()
            .map(|(l, a)| SchnorrProof::prove(&mut coefficient_transcript(&base, l), a, rng))
            .collect()
    }

    /// Append the coefficients (secret: the caller wipes the buffer).
    pub(crate) fn write_secret(&self, out: &mut Vec<u8>) {
        for a in &self.coefficients {
            out.extend_from_slice(a.to_bytes().as_ref());
        }
    }

    /// Read `k` non-zero canonical coefficients.
    pub(crate) fn read_secret(r: &mut Reader<'_>, k: u8) -> Result<Self> {
        let coefficients = (0..k)
            .map(|_| SecretKey::from_bytes(r.take(32, "polynomial coefficient")?))
            .collect::<Result<Vec<_>>>()?;
        Ok(Polynomial { coefficients })
    }
}

/// Steps 1–2 of the coefficient proof transcript.
pub(crate) fn coefficient_base_transcript(
    params: &CeremonyParams,
    dealer: u8,
    commitments: &[GroupElement],
) -> Transcript {
    let mut t = context(params, b"coefficient-pok", dealer);
    for c in commitments {
        t.append_message(b"C", c.compressed().as_bytes());
    }
    t
}

/// Step 3: the transcript of the proof of coefficient `l`.
pub(crate) fn coefficient_transcript(base: &Transcript, l: usize) -> Transcript {
    let mut t = base.clone();
    t.append_u64(b"l", l as u64);
    t
}

/// `h_i = SHA-256(label ‖ params ‖ i ‖ u32 count ‖ C_{i,0} ‖ … ‖ C_{i,k−1})`,
/// published in round 1 before any commitment is revealed, so that no
/// trustee can choose its polynomial after seeing the others'
/// (spec/trustees.md §3.3 (H1), docs/attacks.md D5).
pub fn commitment_hash(
    params: &CeremonyParams,
    dealer: u8,
    commitments: &[GroupElement],
) -> [u8; 32] {
    let mut w = Writer::new();
    w.fixed(COMMITMENT_HASH_LABEL);
    params.write(&mut w);
    w.u8(dealer).u32(commitments.len() as u32);
    for c in commitments {
        w.element(c);
    }
    Sha256::digest(w.into_bytes()).into()
}

/// `Σ_l x^l·C_l`, the point a share at `x` must match (spec/trustees.md §8.1 (V3)).
/// Public data only (variable time).
pub(crate) fn vartime_evaluate_commitments(commitments: &[GroupElement], x: u8) -> RistrettoPoint {
    let x = Scalar::from(x);
    let mut power = Scalar::ONE;
    let mut scalars = Vec::with_capacity(commitments.len());
    for _ in commitments {
        scalars.push(power);
        power *= x;
    }
    RistrettoPoint::vartime_multiscalar_mul(scalars, commitments.iter().map(|c| c.point()))
}

/// (V3) `share·G == Σ_l x^l·C_l`. The share is multiplied in constant time
/// (it may be secret); the right side is public; the comparison is constant time.
pub(crate) fn feldman_check(share: &Scalar, commitments: &[GroupElement], x: u8) -> bool {
    let lhs = share * g_table();
    lhs == vartime_evaluate_commitments(commitments, x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::OsRng;

    #[test]
    fn shares_match_commitments() {
        let p = Polynomial::random(4, &mut OsRng);
        let c = p.commitments();
        for x in 1..=9u8 {
            assert!(feldman_check(&p.evaluate(x), &c, x));
            assert!(!feldman_check(&(*p.evaluate(x) + Scalar::ONE), &c, x));
        }
        // f(0) = a_0.
        assert_eq!(*p.evaluate(0), *p.coefficients[0].as_scalar());
    }
}
