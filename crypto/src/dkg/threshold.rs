//! The public threshold key and threshold decryption (spec/trustees.md §10, §12).
//!
//! **Partial decryption.** Trustee `j` posts `D_j = s_j·α` with the
//! Chaum–Pedersen proof of spec/crypto.md §5.3 against its verification key
//! `X_j` ([`DecryptionShare`]), on the application's transcript extended
//! with `trustee = j` (L1).
//!
//! **Combination.** For a set `S` of `k` valid shares,
//! `M = β − Σ_{j∈S} λ_j·D_j = m·G` with `λ_j = Π_{m∈S, m≠j} m / (m − j)` (L5).
//! Any `k` valid shares give the same `M`; fewer give nothing.
//!
//! **Verifier.** (L2) every share's proof, in one batch; (L3) shares from
//! trustees outside the qualified set, second shares of a trustee and
//! shares whose proof fails are dropped and named; (L4) at least `k` remain,
//! else [`Error::InsufficientShares`] (docs/attacks.md D1, D7).
//!
//! Everything here handles public data only and runs in variable time.

use std::collections::BTreeSet;

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::VartimeMultiscalarMul;
use merlin::Transcript;

use super::CeremonyParams;
use crate::batch::BatchVerifier;
use crate::elgamal::{Ciphertext, PublicKey};
use crate::error::{Error, Result};
use crate::group::{canonical_hex_serde, GroupElement, Reader, Writer};
use crate::proofs::decryption::DecryptionShare;

/// The public key material a ceremony produces: the qualified trustees,
/// the joint election key `K`, each qualified trustee's verification key
/// `X_j`, and the certified transcript hash.
///
/// Invariants: `qualified` is strictly ascending within `1..=n`, has at
/// least `k` entries and one verification key each; the verification keys
/// lie on one polynomial of degree `< k` whose value at 0 is `K` (O4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThresholdKey {
    params: CeremonyParams,
    qualified: Vec<u8>,
    joint_key: PublicKey,
    verification_keys: Vec<PublicKey>,
    transcript_hash: [u8; 32],
}

/// The result of a threshold decryption.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CombinedDecryption {
    point: RistrettoPoint,
    used: Vec<u8>,
    rejected: Vec<Error>,
}

impl CombinedDecryption {
    /// `M = m·G`; [`crate::dlog`] recovers `m`.
    pub fn point(&self) -> &RistrettoPoint {
        &self.point
    }
    /// The trustees whose shares were combined (the first `k` valid, by index).
    pub fn used(&self) -> &[u8] {
        &self.used
    }
    /// The shares that were dropped, each error naming its trustee.
    pub fn rejected(&self) -> &[Error] {
        &self.rejected
    }
}

/// The transcript of trustee `j`'s partial decryption: the application's
/// transcript (which names the election and the tally entry) extended with
/// `trustee = j` (spec/trustees.md §12 (L1)).
pub fn decryption_transcript(base: &Transcript, trustee: u8) -> Transcript {
    let mut t = base.clone();
    t.append_u64(b"trustee", trustee.into());
    t
}

/// Lagrange coefficients at `x` for the distinct non-zero `indices`:
/// `λ_j(x) = Π_{m≠j} (x − m) / (j − m)`.
fn lagrange_at(indices: &[u8], x: u8) -> Result<Vec<Scalar>> {
    let distinct: BTreeSet<u8> = indices.iter().copied().collect();
    if distinct.len() != indices.len() || distinct.contains(&0) {
        return Err(Error::DkgParams(
            "interpolation indices must be distinct and non-zero",
        ));
    }
    let x = Scalar::from(x);
    Ok(indices
        .iter()
        .map(|&j| {
            let j_s = Scalar::from(j);
            let (num, den) = indices.iter().filter(|&&m| m != j).fold(
                (Scalar::ONE, Scalar::ONE),
                |(num, den), &m| {
                    let m = Scalar::from(m);
                    (num * (x - m), den * (j_s - m))
                },
            );
            num * den.invert()
        })
        .collect())
}

/// `λ_j = Π_{m≠j} m / (m − j)`, the coefficients that interpolate at 0
/// (spec/trustees.md §12 (L5)). The indices must be distinct and non-zero.
pub fn lagrange_coefficients_at_zero(indices: &[u8]) -> Result<Vec<Scalar>> {
    lagrange_at(indices, 0)
}

/// `M = β − Σ λ_j·D_j` over the first `k` shares by index (spec/trustees.md §12 (L5)).
///
/// # WARNING
/// The shares are *not* verified: use [`ThresholdKey::verify_and_combine`]
/// unless every share was verified already. Variable time (public data).
pub fn combine_shares_unchecked(
    threshold: u8,
    ct: &Ciphertext,
    shares: &[(u8, GroupElement)],
) -> Result<RistrettoPoint> {
    let mut sorted: Vec<(u8, GroupElement)> = shares.to_vec();
    sorted.sort_by_key(|(j, _)| *j);
    sorted.truncate(usize::from(threshold));
    if sorted.len() < usize::from(threshold) || threshold == 0 {
        return Err(Error::InsufficientShares {
            needed: threshold,
            valid: sorted.iter().map(|(j, _)| *j).collect(),
            invalid: Vec::new(),
            missing: Vec::new(),
        });
    }
    if ct.alpha().is_identity() {
        // spec/crypto.md §5.3 (D4): the empty aggregate decrypts to β under
        // every key; its shares are fillers and take no part.
        return Ok(ct.beta().point());
    }
    let indices: Vec<u8> = sorted.iter().map(|(j, _)| *j).collect();
    let lambdas = lagrange_coefficients_at_zero(&indices)?;
    let sum =
        RistrettoPoint::vartime_multiscalar_mul(lambdas, sorted.iter().map(|(_, d)| d.point()));
    Ok(ct.beta().point() - sum)
}

impl ThresholdKey {
    pub(crate) fn new(
        params: CeremonyParams,
        qualified: Vec<u8>,
        joint_key: PublicKey,
        verification_keys: Vec<PublicKey>,
        transcript_hash: [u8; 32],
    ) -> Self {
        ThresholdKey {
            params,
            qualified,
            joint_key,
            verification_keys,
            transcript_hash,
        }
    }

    /// The ceremony parameters.
    pub fn params(&self) -> &CeremonyParams {
        &self.params
    }
    /// The qualified trustees, ascending.
    pub fn qualified(&self) -> &[u8] {
        &self.qualified
    }
    /// The joint election key `K` (spec/trustees.md §10 (O1)).
    pub fn joint_key(&self) -> &PublicKey {
        &self.joint_key
    }
    /// `X_j` of a qualified trustee (spec/trustees.md §10 (O2)).
    pub fn verification_key(&self, trustee: u8) -> Option<&PublicKey> {
        let pos = self.qualified.iter().position(|&j| j == trustee)?;
        self.verification_keys.get(pos)
    }
    /// Every `(j, X_j)`, by ascending `j`.
    pub fn verification_keys(&self) -> impl Iterator<Item = (u8, &PublicKey)> {
        self.qualified.iter().copied().zip(&self.verification_keys)
    }
    /// The transcript hash the trustees certify (spec/trustees.md §3.4 (H2)).
    pub fn transcript_hash(&self) -> &[u8; 32] {
        &self.transcript_hash
    }

    /// Verify up to `n` partial decryptions of `ct` (one batch, (L2)),
    /// drop and name the bad ones (L3), and combine the first `k` valid
    /// ones (L5); fail with [`Error::InsufficientShares`] if fewer than `k`
    /// are valid (L4). `base` is the application's transcript (see
    /// [`decryption_transcript`]).
    pub fn verify_and_combine(
        &self,
        base: &Transcript,
        ct: &Ciphertext,
        shares: &[(u8, DecryptionShare)],
    ) -> Result<CombinedDecryption> {
        let mut rejected = Vec::new();
        let mut seen = BTreeSet::new();
        let mut candidates: Vec<(u8, &DecryptionShare, &PublicKey)> = Vec::new();
        // spec/trustees.md §12 (L3)
        for (j, share) in shares {
            let reject = |reason| Error::ShareInvalid {
                trustee: *j,
                reason,
            };
            if !seen.insert(*j) {
                rejected.push(reject("more than one share from this trustee"));
            } else if let Some(x) = self.verification_key(*j) {
                candidates.push((*j, share, x));
            } else {
                rejected.push(reject("not a qualified trustee"));
            }
        }
        // spec/trustees.md §12 (L2)
        let mut b = BatchVerifier::new();
        for (j, share, x) in &candidates {
            share.add_to_batch(&mut decryption_transcript(base, *j), x, ct, &mut b.item());
        }
        let failing = match b.vartime_check() {
            Ok(()) => Vec::new(),
            Err(Error::BatchFailed { failing }) => failing,
            Err(e) => return Err(e),
        };
        let mut valid = Vec::new();
        for (pos, (j, share, _)) in candidates.iter().enumerate() {
            if failing.contains(&pos) {
                rejected.push(Error::ShareInvalid {
                    trustee: *j,
                    reason: "the decryption proof does not verify",
                });
            } else {
                valid.push((*j, *share.share()));
            }
        }
        valid.sort_by_key(|(j, _)| *j);
        // spec/trustees.md §12 (L4)
        if valid.len() < usize::from(self.params.threshold()) {
            return Err(self.insufficient(&valid, &rejected, &seen));
        }
        let point = combine_shares_unchecked(self.params.threshold(), ct, &valid)?;
        let used = valid
            .iter()
            .take(usize::from(self.params.threshold()))
            .map(|(j, _)| *j)
            .collect();
        Ok(CombinedDecryption {
            point,
            used,
            rejected,
        })
    }

    fn insufficient(
        &self,
        valid: &[(u8, GroupElement)],
        rejected: &[Error],
        seen: &BTreeSet<u8>,
    ) -> Error {
        let valid: Vec<u8> = valid.iter().map(|(j, _)| *j).collect();
        let mut invalid: Vec<u8> = rejected
            .iter()
            .filter_map(|e| match e {
                Error::ShareInvalid { trustee, .. } if !valid.contains(trustee) => Some(*trustee),
                _ => None,
            })
            .collect();
        invalid.sort_unstable();
        invalid.dedup();
        let missing = self
            .qualified
            .iter()
            .copied()
            .filter(|j| !seen.contains(j))
            .collect();
        Error::InsufficientShares {
            needed: self.params.threshold(),
            valid,
            invalid,
            missing,
        }
    }

    /// The verification keys interpolate to `K` at 0 and to each other
    /// (spec/trustees.md §10 (O4)): with `S` the first `k` qualified, `Σ_{j∈S} λ_j(x)·X_j` equals
    /// `K` at `x = 0` and `X_x` for every other qualified `x`.
    fn vartime_check_consistency(&self) -> Result<()> {
        let k = usize::from(self.params.threshold());
        let base: Vec<u8> = self.qualified.iter().copied().take(k).collect();
        let points: Vec<RistrettoPoint> = self
            .verification_keys
            .iter()
            .take(k)
            .map(PublicKey::point)
            .collect();
        let targets =
            core::iter::once((0u8, &self.joint_key)).chain(self.verification_keys().skip(k));
        for (x, expected) in targets {
            let lambdas = lagrange_at(&base, x)?;
            let p = RistrettoPoint::vartime_multiscalar_mul(lambdas, points.iter().copied());
            if p != expected.point() {
                return Err(Error::Malformed {
                    field: "verification keys inconsistent with the joint key",
                });
            }
        }
        Ok(())
    }

    /// `params ‖ transcript_hash ‖ K ‖ u32 count ‖ count × (j ‖ X_j)`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new();
        self.write(&mut w);
        w.into_bytes()
    }

    /// Append to a larger encoding.
    pub fn write(&self, w: &mut Writer) {
        self.params.write(w);
        w.fixed(&self.transcript_hash)
            .element(self.joint_key.element())
            .u32(self.qualified.len() as u32);
        for (j, x) in self.verification_keys() {
            w.u8(j).element(x.element());
        }
    }

    /// Decode and check the invariants, (O4) included.
    ///
    /// Decoding does not prove that a ceremony took place: only
    /// [`super::verify_ceremony`] does. Decode a key from the trustee's own
    /// storage, or compare it with the one a verification produced.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let k = Self::read(&mut r)?;
        r.finish("threshold key")?;
        Ok(k)
    }

    /// Read from a larger encoding (see [`ThresholdKey::from_bytes`]).
    pub fn read(r: &mut Reader<'_>) -> Result<Self> {
        let params = CeremonyParams::read(r)?;
        let mut transcript_hash = [0u8; 32];
        transcript_hash.copy_from_slice(r.take(32, "transcript hash")?);
        let joint_key = PublicKey::from_group_element(r.element("joint key")?)?;
        let count = r.count(params.trustees().into(), "qualified count")?;
        if count < params.threshold().into() {
            return Err(Error::WrongLength {
                field: "qualified count",
                expected: params.threshold().into(),
                found: count.into(),
            });
        }
        let mut qualified = Vec::new();
        let mut verification_keys = Vec::new();
        for _ in 0..count {
            let j = r.u8("trustee index")?;
            params.check_index(j)?;
            if qualified.last().is_some_and(|&last| last >= j) {
                return Err(Error::Malformed {
                    field: "qualified trustees are not strictly ascending",
                });
            }
            qualified.push(j);
            verification_keys.push(PublicKey::from_group_element(
                r.element("verification key")?,
            )?);
        }
        let key = ThresholdKey::new(
            params,
            qualified,
            joint_key,
            verification_keys,
            transcript_hash,
        );
        key.vartime_check_consistency()?;
        Ok(key)
    }
}

canonical_hex_serde!(ThresholdKey, "threshold key");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lagrange_interpolates() {
        // f(x) = 5 + 3x + 2x², f(1) = 10, f(2) = 19, f(4) = 49.
        let l = lagrange_coefficients_at_zero(&[1, 2, 4]).unwrap();
        let f = [10u64, 19, 49].map(Scalar::from);
        let at0: Scalar = l.iter().zip(f).map(|(a, b)| a * b).sum();
        assert_eq!(at0, Scalar::from(5u64));
        assert!(lagrange_coefficients_at_zero(&[1, 1]).is_err());
        assert!(lagrange_coefficients_at_zero(&[0, 1]).is_err());
    }
}
