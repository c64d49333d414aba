//! Range proof for wide ranges: a Pedersen commitment with a bulletproofs
//! range proof, linked to the ElGamal ciphertext by a sigma proof (spec §5.5).
//!
//! **Statement.** The election key `K`, a ciphertext `(α, β)`, bounds
//! `a ≤ b` (u64) and the bit size `n ∈ {8, 16, 32, 64}`, the smallest with
//! `b − a < 2ⁿ` — all fixed by the statement, never read from the proof
//! (docs/attacks.md A9). The prover knows `m ∈ [a, b]`, `r` with
//! `α = r·G`, `β = m·G + r·K`.
//!
//! **Prover.**
//! 1. Draw `s`; commit `V = m·G + s·H` (`H` from spec §2.3, never `K`:
//!    whoever knows `log_G K` could open a commitment under `K` to anything).
//! 2. Link proof: draw `ρ_m, ρ_r, ρ_s`; send `T₁ = ρ_r·G`,
//!    `T₂ = ρ_m·G + ρ_r·K`, `T₃ = ρ_m·G + ρ_s·H`; get `c`; send
//!    `z_m = ρ_m + c·m`, `z_r = ρ_r + c·r`, `z_s = ρ_s + c·s`.
//! 3. Range: if `a = 0` and `b = 2ⁿ − 1`, one bulletproof that `V` opens to a
//!    value in `[0, 2ⁿ)`; otherwise one aggregated bulletproof (m = 2) for the
//!    commitments `V − a·G` (value `m − a`, blinding `s`) and `b·G − V`
//!    (value `b − m`, blinding `−s`). Both values in `[0, 2ⁿ)` and their sum
//!    `b − a < 2ⁿ < ℓ` force `m ∈ [a, b]`. Pedersen generators: `B = G`,
//!    `B_blinding = H`; bulletproof generators: the crate's
//!    `BulletproofGens::new(64, 2)`.
//!
//! **Verifier.**
//! - (B1) `z_r·G − T₁ − c·α = 0`
//! - (B2) `z_m·G + z_r·K − T₂ − c·β = 0`
//! - (B3) `z_m·G + z_s·H − T₃ − c·V = 0`
//! - (B4) the bulletproof verifies for the commitments of step 3 and `n`,
//!   on the same transcript, continued after `c`.
//!
//! **Transcript** (after the application's context):
//!
//! | step | label | value |
//! |---|---|---|
//! | 1 | `dom-sep` | `urna/v1/range-bulletproof` |
//! | 2 | `a`, `b`, `n` | bounds and bit size (u64) |
//! | 3 | `K`, `alpha`, `beta` | key and ciphertext |
//! | 4 | `V` | the commitment |
//! | 5 | `T1`, `T2`, `T3` | link commitments |
//! | 6 | `c` | link challenge |
//! | 7 | (bulletproofs) | `rangeproof v1`, `n`, `m`, each commitment, … (the crate's own labels) |
//!
//! **Encoding.** `V ‖ T₁ ‖ T₂ ‖ T₃ ‖ z_m ‖ z_r ‖ z_s ‖ u32 len ‖ bulletproof`,
//! where the bulletproof bytes must re-encode identically.

use std::sync::OnceLock;

use bulletproofs::{BulletproofGens, PedersenGens, RangeProof};
use curve25519_dalek::ristretto::CompressedRistretto;
use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;
use rand_core::{CryptoRng, OsRng, RngCore};
use zeroize::Zeroizing;

use crate::batch::Item;
use crate::elgamal::{Ciphertext, Nonce, PublicKey};
use crate::error::{Error, Result};
use crate::group::{g_table, generator_g, generator_h, h_table, GroupElement, Reader, Writer};
use crate::transcript::{prover_rng, TranscriptProtocol};

/// Domain separator.
pub const BULLETPROOF_LABEL: &[u8] = b"urna/v1/range-bulletproof";

/// Longest accepted bulletproof encoding (m = 2, n = 64: 2·lg(128)+9 = 23 elements).
pub const MAX_BULLETPROOF_LEN: usize = 23 * 32;

/// A bulletproofs-based range proof over an ElGamal ciphertext.
#[derive(Clone, Debug)]
pub struct BulletproofRangeProof {
    v: GroupElement,
    t1: GroupElement,
    t2: GroupElement,
    t3: GroupElement,
    z_m: Scalar,
    z_r: Scalar,
    z_s: Scalar,
    proof: RangeProof,
    proof_bytes: Vec<u8>,
}

impl PartialEq for BulletproofRangeProof {
    fn eq(&self, o: &Self) -> bool {
        self.v == o.v
            && self.t1 == o.t1
            && self.t2 == o.t2
            && self.t3 == o.t3
            && self.z_m == o.z_m
            && self.z_r == o.z_r
            && self.z_s == o.z_s
            && self.proof_bytes == o.proof_bytes
    }
}
impl Eq for BulletproofRangeProof {}

/// The bit size for `[a, b]`: the smallest `n ∈ {8, 16, 32, 64}` with `b − a < 2ⁿ`.
pub fn bit_size(min: u64, max: u64) -> Result<usize> {
    if min > max {
        return Err(Error::InvalidParameter("range with min > max"));
    }
    let width = max - min;
    Ok([8usize, 16, 32]
        .into_iter()
        .find(|&n| width < (1u64 << n))
        .unwrap_or(64))
}

fn one_sided(min: u64, max: u64, n: usize) -> bool {
    min == 0 && (n == 64 && max == u64::MAX || n < 64 && max == (1u64 << n) - 1)
}

fn pedersen_gens() -> PedersenGens {
    PedersenGens {
        B: generator_g(),
        B_blinding: generator_h(),
    }
}

fn bp_gens() -> &'static BulletproofGens {
    static GENS: OnceLock<BulletproofGens> = OnceLock::new();
    GENS.get_or_init(|| BulletproofGens::new(64, 2))
}

/// Steps 1–3 of the transcript (everything but `V`).
fn absorb_statement(
    t: &mut Transcript,
    k: &PublicKey,
    ct: &Ciphertext,
    min: u64,
    max: u64,
    n: usize,
) {
    t.domain_sep(BULLETPROOF_LABEL);
    t.append_u64_value(b"a", min);
    t.append_u64_value(b"b", max);
    t.append_u64_value(b"n", n as u64);
    t.append_element(b"K", k.element());
    t.append_element(b"alpha", ct.alpha());
    t.append_element(b"beta", ct.beta());
}

impl BulletproofRangeProof {
    /// Prove that `ct = Enc_K(m; r)` with `m ∈ [min, max]`.
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
        let n = bit_size(min, max)?;
        if m < min || m > max {
            return Err(Error::PlaintextOutOfRange { value: m, min, max });
        }
        // Every secret below (m, the blinding s, the link's nonces ρ and the
        // bulletproof's value and blinding vectors) is wiped on return.
        let m_s = Zeroizing::new(Scalar::from(m));
        absorb_statement(t, k, ct, min, max, n);
        // Nonces bound to the whole statement so far (spec §3.2 (T4)).
        let mut nonce_rng = prover_rng(t, &[&r.0, &m_s], rng);
        let s = Zeroizing::new(Scalar::random(&mut nonce_rng));
        let v = GroupElement::from_point(&*m_s * g_table() + &*s * h_table());
        t.append_element(b"V", &v);
        let (rho_m, rho_r, rho_s) = (
            Zeroizing::new(Scalar::random(&mut nonce_rng)),
            Zeroizing::new(Scalar::random(&mut nonce_rng)),
            Zeroizing::new(Scalar::random(&mut nonce_rng)),
        );
        let t1 = GroupElement::from_point(&*rho_r * g_table());
        let t2 = GroupElement::from_point(&*rho_m * g_table() + k.mul(&rho_r));
        let t3 = GroupElement::from_point(&*rho_m * g_table() + &*rho_s * h_table());
        t.append_element(b"T1", &t1);
        t.append_element(b"T2", &t2);
        t.append_element(b"T3", &t3);
        let c = t.challenge_scalar(b"c");
        let (values, blindings) = if one_sided(min, max, n) {
            (Zeroizing::new(vec![m]), Zeroizing::new(vec![*s]))
        } else {
            (
                Zeroizing::new(vec![m - min, max - m]),
                Zeroizing::new(vec![*s, -*s]),
            )
        };
        let (proof, _commitments) = RangeProof::prove_multiple_with_rng(
            bp_gens(),
            &pedersen_gens(),
            t,
            &values,
            &blindings,
            n,
            &mut nonce_rng,
        )
        .map_err(|_| Error::InvalidParameter("bulletproofs refused the range"))?;
        let proof_bytes = proof.to_bytes();
        Ok(BulletproofRangeProof {
            v,
            t1,
            t2,
            t3,
            z_m: *rho_m + c * *m_s,
            z_r: *rho_r + c * r.0,
            z_s: *rho_s + c * *s,
            proof,
            proof_bytes,
        })
    }

    /// Add (B1)–(B3) to a batch item, and (B4) as a deferred check.
    #[allow(clippy::too_many_arguments)]
    pub fn add_to_batch(
        &self,
        t: &mut Transcript,
        k: &PublicKey,
        ct: &Ciphertext,
        min: u64,
        max: u64,
        item: &mut Item<'_>,
    ) {
        let n = match bit_size(min, max) {
            Ok(n) => n,
            Err(_) => return item.fail(),
        };
        absorb_statement(t, k, ct, min, max, n);
        t.append_element(b"V", &self.v);
        t.append_element(b"T1", &self.t1);
        t.append_element(b"T2", &self.t2);
        t.append_element(b"T3", &self.t3);
        let c = t.challenge_scalar(b"c");
        let kb = item.base(k.element());
        // (B1) z_r·G − T₁ − c·α = 0
        item.equation()
            .g(self.z_r)
            .point(-Scalar::ONE, &self.t1)
            .point(-c, ct.alpha());
        // (B2) z_m·G + z_r·K − T₂ − c·β = 0
        item.equation()
            .g(self.z_m)
            .base(kb, self.z_r)
            .point(-Scalar::ONE, &self.t2)
            .point(-c, ct.beta());
        // (B3) z_m·G + z_s·H − T₃ − c·V = 0
        item.equation()
            .g(self.z_m)
            .h(self.z_s)
            .point(-Scalar::ONE, &self.t3)
            .point(-c, &self.v);
        // (B4)
        let commitments: Vec<CompressedRistretto> = if one_sided(min, max, n) {
            vec![*self.v.compressed()]
        } else {
            let lo = self.v.point() - &Scalar::from(min) * g_table();
            let hi = &Scalar::from(max) * g_table() - self.v.point();
            vec![lo.compress(), hi.compress()]
        };
        let proof = self.proof.clone();
        let mut transcript = t.clone();
        item.defer(Box::new(move || {
            proof
                .verify_multiple_with_rng(
                    bp_gens(),
                    &pedersen_gens(),
                    &mut transcript,
                    &commitments,
                    n,
                    &mut OsRng,
                )
                .is_ok()
        }));
    }

    /// Append the encoding.
    pub fn write(&self, w: &mut Writer) {
        w.element(&self.v)
            .element(&self.t1)
            .element(&self.t2)
            .element(&self.t3)
            .scalar(&self.z_m)
            .scalar(&self.z_r)
            .scalar(&self.z_s)
            .var_bytes(&self.proof_bytes);
    }

    /// Read from a larger encoding.
    pub fn read(r: &mut Reader<'_>) -> Result<Self> {
        let v = r.element("range commitment V")?;
        let t1 = r.element("range link T1")?;
        let t2 = r.element("range link T2")?;
        let t3 = r.element("range link T3")?;
        let z_m = r.scalar("range link z_m")?;
        let z_r = r.scalar("range link z_r")?;
        let z_s = r.scalar("range link z_s")?;
        let bytes = r.var_bytes(MAX_BULLETPROOF_LEN, "bulletproof")?;
        let proof = RangeProof::from_bytes(bytes).map_err(|_| Error::Malformed {
            field: "bulletproof",
        })?;
        // The crate defers point decoding to verification; decode every
        // point here so a bad encoding is an encoding error (spec §2.2 (E1),
        // (E2)): A, S, T1, T2, then the inner-product L/R pairs. The last
        // two 32-byte words and words 4–6 are scalars, checked by the crate.
        let words = bytes.len() / 32;
        for i in (0..words).filter(|&i| i < 4 || (7..words.saturating_sub(2)).contains(&i)) {
            GroupElement::from_bytes(&bytes[i * 32..(i + 1) * 32], "bulletproof point")?;
        }
        Ok(BulletproofRangeProof {
            v,
            t1,
            t2,
            t3,
            z_m,
            z_r,
            z_s,
            proof,
            proof_bytes: bytes.to_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_sizes() {
        assert_eq!(bit_size(0, 255).unwrap(), 8);
        assert_eq!(bit_size(0, 256).unwrap(), 16);
        assert_eq!(bit_size(10, 265).unwrap(), 8);
        assert_eq!(bit_size(0, u64::MAX).unwrap(), 64);
        assert!(one_sided(0, 255, 8));
        assert!(!one_sided(1, 255, 8));
        assert!(bit_size(3, 2).is_err());
    }
}
