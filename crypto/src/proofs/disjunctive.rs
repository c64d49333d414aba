//! Disjunctive Chaum–Pedersen proof that a ciphertext encrypts a value in a
//! small range `[a, b]` (spec §5.4). With `[0, 1]` it is the classic CDS
//! 0/1 proof for one option; with `[min, max]` it bounds a contest's total.
//!
//! **Statement.** The election key `K`, a ciphertext `(α, β)`, bounds
//! `a ≤ b` with `b − a + 1 ≤ MAX_BRANCHES`. The prover knows `r` and
//! `m ∈ [a, b]` with `α = r·G`, `β = m·G + r·K`; equivalently, for the branch
//! `j = m`, `(α, β − j·G)` is an encryption of 0: `α = r·G`, `β − j·G = r·K`.
//!
//! **Prover** (for every branch `j ∈ [a, b]`, in constant time: both the real
//! and the simulated values are computed and one is selected with `subtle`):
//! - simulated branch `j ≠ m`: draw `c_j, z_j`;
//!   `A_j = z_j·G − c_j·α`, `B_j = z_j·K − c_j·(β − j·G)`;
//! - real branch `j = m`: draw `w`; `A_m = w·G`, `B_m = w·K`;
//! - absorb every `(A_j, B_j)`, get `c`; set `c_m = c − Σ_{j≠m} c_j`,
//!   `z_m = w + c_m·r`.
//!
//! **Verifier.**
//! - (R1) `Σ_j c_j = c` (every sub-challenge is fixed by `c`: docs/attacks.md A5);
//! - (R2) for every `j`: `z_j·G − A_j − c_j·α = 0`;
//! - (R3) for every `j`: `z_j·K − B_j − c_j·β + c_j·j·G = 0`.
//!
//! **Transcript** (after the application's context):
//!
//! | step | label | value |
//! |---|---|---|
//! | 1 | `dom-sep` | `urna/v1/range-disjunctive` |
//! | 2 | `a`, `b` | the bounds (u64) |
//! | 3 | `K` | election key |
//! | 4 | `alpha`, `beta` | ciphertext |
//! | 5 | `A`, `B` | each branch's commitments, `j = a … b` in order |
//! | 6 | `c` | challenge |
//!
//! **Encoding.** `u32 n = b − a + 1`, then for each branch `A ‖ B ‖ c ‖ z`.

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::MultiscalarMul;
use merlin::Transcript;
use rand_core::{CryptoRng, RngCore};
use subtle::{ConditionallySelectable, ConstantTimeEq};
use zeroize::Zeroizing;

use crate::batch::Item;
use crate::elgamal::{Ciphertext, Nonce, PublicKey};
use crate::error::{Error, Result};
use crate::group::{g_table, generator_g, GroupElement, Reader, Writer};
use crate::transcript::{prover_rng, TranscriptProtocol};

/// Domain separator.
pub const DISJUNCTIVE_LABEL: &[u8] = b"urna/v1/range-disjunctive";

/// Largest number of branches (`b − a + 1`) a disjunctive proof may have;
/// wider ranges use [`super::bulletproof_range`].
pub const MAX_BRANCHES: u64 = 16;

/// One branch `(A_j, B_j, c_j, z_j)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Branch {
    a: GroupElement,
    b: GroupElement,
    c: Scalar,
    z: Scalar,
}

/// A disjunctive proof over `[a, b]`; `branches[i]` is for `j = a + i`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DisjunctiveProof {
    branches: Vec<Branch>,
}

fn check_bounds(min: u64, max: u64) -> Result<u64> {
    if min > max {
        return Err(Error::InvalidParameter("range with min > max"));
    }
    // Compare before adding 1: `max − min + 1` overflows for [0, u64::MAX].
    if max - min >= MAX_BRANCHES {
        return Err(Error::InvalidParameter(
            "range too wide for a disjunctive proof",
        ));
    }
    Ok(max - min + 1)
}

fn absorb_statement(t: &mut Transcript, k: &PublicKey, ct: &Ciphertext, min: u64, max: u64) {
    t.domain_sep(DISJUNCTIVE_LABEL);
    t.append_u64_value(b"a", min);
    t.append_u64_value(b"b", max);
    t.append_element(b"K", k.element());
    t.append_element(b"alpha", ct.alpha());
    t.append_element(b"beta", ct.beta());
}

impl DisjunctiveProof {
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
        let n = check_bounds(min, max)?;
        if m < min || m > max {
            return Err(Error::PlaintextOutOfRange { value: m, min, max });
        }
        absorb_statement(t, k, ct, min, max);
        let m_s = Zeroizing::new(Scalar::from(m));
        let mut nonce_rng = prover_rng(t, &[&r.0, &m_s], rng);
        // Secret nonce of the real branch: wiped when the prover returns.
        let w = Zeroizing::new(Scalar::random(&mut nonce_rng));
        let alpha = ct.alpha().point();
        let beta = ct.beta().point();
        let real_a = &*w * g_table();
        let real_b = k.mul(&w);

        // The simulated challenges and responses; which branch is real is
        // recomputed in constant time where needed, never stored.
        let mut sims: Zeroizing<Vec<(Scalar, Scalar)>> =
            Zeroizing::new(Vec::with_capacity(n as usize));
        let mut commitments: Vec<(RistrettoPoint, RistrettoPoint)> = Vec::with_capacity(n as usize);
        for i in 0..n {
            let j = min + i;
            let is_real = m.ct_eq(&j);
            let c_j = Scalar::random(&mut nonce_rng);
            let z_j = Scalar::random(&mut nonce_rng);
            // Simulated: A = z·G − c·α ; B = z·K − c·(β − j·G). Constant time.
            let sim_a = RistrettoPoint::multiscalar_mul([z_j, -c_j], [generator_g(), alpha]);
            let shifted = beta - &Scalar::from(j) * g_table();
            let sim_b = k.mul(&z_j) - shifted * c_j;
            let a_j = RistrettoPoint::conditional_select(&sim_a, &real_a, is_real);
            let b_j = RistrettoPoint::conditional_select(&sim_b, &real_b, is_real);
            sims.push((c_j, z_j));
            commitments.push((a_j, b_j));
        }
        let encoded: Vec<(GroupElement, GroupElement)> = commitments
            .iter()
            .map(|(a, b)| (GroupElement::from_point(*a), GroupElement::from_point(*b)))
            .collect();
        for (a_j, b_j) in &encoded {
            t.append_element(b"A", a_j);
            t.append_element(b"B", b_j);
        }
        let c = t.challenge_scalar(b"c");
        let sim_sum: Scalar = sims
            .iter()
            .enumerate()
            .map(|(i, (c_j, _))| {
                let is_real = m.ct_eq(&(min + i as u64));
                Scalar::conditional_select(c_j, &Scalar::ZERO, is_real)
            })
            .sum();
        let c_real = c - sim_sum;
        // z_real = w + c_real·r involves the witness r: wiped on return.
        let z_real = Zeroizing::new(*w + c_real * r.0);
        let branches = sims
            .iter()
            .zip(encoded)
            .enumerate()
            .map(|(i, ((c_j, z_j), (a, b)))| {
                let is_real = m.ct_eq(&(min + i as u64));
                Branch {
                    a,
                    b,
                    c: Scalar::conditional_select(c_j, &c_real, is_real),
                    z: Scalar::conditional_select(z_j, &z_real, is_real),
                }
            })
            .collect();
        Ok(DisjunctiveProof { branches })
    }

    /// Add the checks (R1)–(R3) to a batch item (`K` is registered as a
    /// shared base of the batch).
    pub fn add_to_batch(
        &self,
        t: &mut Transcript,
        k: &PublicKey,
        ct: &Ciphertext,
        min: u64,
        max: u64,
        item: &mut Item<'_>,
    ) {
        let n = match check_bounds(min, max) {
            Ok(n) => n,
            Err(_) => return item.fail(),
        };
        if self.branches.len() as u64 != n {
            return item.fail();
        }
        absorb_statement(t, k, ct, min, max);
        for br in &self.branches {
            t.append_element(b"A", &br.a);
            t.append_element(b"B", &br.b);
        }
        let c = t.challenge_scalar(b"c");
        // (R1)
        let sum: Scalar = self.branches.iter().map(|br| br.c).sum();
        if sum != c {
            return item.fail();
        }
        let kb = item.base(k.element());
        let alpha = item.local(ct.alpha().point());
        let beta = item.local(ct.beta().point());
        for (i, br) in self.branches.iter().enumerate() {
            let j = Scalar::from(min + i as u64);
            // (R2) z·G − A − c·α = 0
            item.equation()
                .g(br.z)
                .point(-Scalar::ONE, &br.a)
                .local(alpha, -br.c);
            // (R3) z·K − B − c·β + c·j·G = 0
            item.equation()
                .base(kb, br.z)
                .point(-Scalar::ONE, &br.b)
                .local(beta, -br.c)
                .g(br.c * j);
        }
    }

    /// Number of branches.
    pub fn branch_count(&self) -> usize {
        self.branches.len()
    }

    /// Append `u32 n ‖ (A ‖ B ‖ c ‖ z)ⁿ`.
    pub fn write(&self, w: &mut Writer) {
        w.u32(self.branches.len() as u32);
        for br in &self.branches {
            w.element(&br.a).element(&br.b).scalar(&br.c).scalar(&br.z);
        }
    }

    /// Read from a larger encoding (at most [`MAX_BRANCHES`] branches).
    pub fn read(r: &mut Reader<'_>) -> Result<Self> {
        let n = r.count(MAX_BRANCHES as u32, "disjunctive proof branch count")?;
        let mut branches = Vec::with_capacity(n as usize);
        for _ in 0..n {
            branches.push(Branch {
                a: r.element("disjunctive proof A")?,
                b: r.element("disjunctive proof B")?,
                c: r.scalar("disjunctive proof c")?,
                z: r.scalar("disjunctive proof z")?,
            });
        }
        Ok(DisjunctiveProof { branches })
    }
}
