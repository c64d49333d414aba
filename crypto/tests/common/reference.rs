//! Reference transcripts and provers, for mutant provers.

use super::*;

// ---------------------------------------------------------------------------
// Reference transcripts and provers (from the transcript tables in the
// module docs), with the option of leaving statement elements out.
// ---------------------------------------------------------------------------

/// A merlin transcript that silently drops the labels in `omit`: the
/// transcript of a mutant prover or verifier with weak Fiat–Shamir.
pub struct RefTranscript {
    pub t: Transcript,
    pub omit: Vec<&'static [u8]>,
}

impl RefTranscript {
    pub fn new(ctx: &Transcript, omit: &[&'static [u8]]) -> Self {
        RefTranscript {
            t: ctx.clone(),
            omit: omit.to_vec(),
        }
    }
    fn keep(&self, label: &'static [u8]) -> bool {
        !self.omit.contains(&label)
    }
    pub fn msg(&mut self, label: &'static [u8], m: &[u8]) {
        if self.keep(label) {
            self.t.append_message(label, m);
        }
    }
    pub fn point(&mut self, label: &'static [u8], p: &RistrettoPoint) {
        self.msg(label, p.compress().as_bytes());
    }
    pub fn u64(&mut self, label: &'static [u8], v: u64) {
        if self.keep(label) {
            self.t.append_u64(label, v);
        }
    }
    /// 64 bytes of challenge, reduced wide.
    pub fn challenge(&mut self, label: &'static [u8]) -> Scalar {
        let mut w = [0u8; 64];
        self.t.challenge_bytes(label, &mut w);
        Scalar::from_bytes_mod_order_wide(&w)
    }
}

pub fn random_scalar(rng: &mut ChaCha20Rng) -> Scalar {
    Scalar::random(rng)
}

/// Schnorr transcript steps 1–5 (proofs/schnorr.rs): the challenge for `T`.
pub fn ref_schnorr_challenge(
    ctx: &Transcript,
    omit: &[&'static [u8]],
    dom: &'static [u8],
    X: &RistrettoPoint,
    msg: Option<&[u8]>,
    T: &RistrettoPoint,
) -> Scalar {
    let mut t = RefTranscript::new(ctx, omit);
    t.msg(b"dom-sep", dom);
    t.point(b"X", X);
    if let Some(m) = msg {
        t.msg(b"msg", m);
    }
    t.point(b"T", T);
    t.challenge(b"c")
}

/// A reference Schnorr proof `T ‖ z` (PoK if `msg` is None, else signature).
pub fn ref_schnorr_prove(
    ctx: &Transcript,
    omit: &[&'static [u8]],
    dom: &'static [u8],
    x: &Scalar,
    msg: Option<&[u8]>,
    rng: &mut ChaCha20Rng,
) -> Vec<u8> {
    let X = g() * x;
    let w = random_scalar(rng);
    let T = g() * w;
    let c = ref_schnorr_challenge(ctx, omit, dom, &X, msg, &T);
    let mut out = T.compress().to_bytes().to_vec();
    out.extend_from_slice((w + c * x).as_bytes());
    out
}

/// A verifier with the same equation and a (possibly weak) transcript.
pub fn ref_schnorr_verify(
    ctx: &Transcript,
    omit: &[&'static [u8]],
    dom: &'static [u8],
    X: &RistrettoPoint,
    msg: Option<&[u8]>,
    bytes: &[u8],
) -> bool {
    let T = point_at(bytes, 0);
    let z = scalar_at(bytes, 32);
    let c = ref_schnorr_challenge(ctx, omit, dom, X, msg, &T);
    g() * z == T + X * c
}

/// Decryption transcript (proofs/decryption.rs) up to the challenge.
pub fn ref_decryption_challenge(
    ctx: &Transcript,
    omit: &[&'static [u8]],
    X: &RistrettoPoint,
    ct: &Ciphertext,
    D: &RistrettoPoint,
    T1: &RistrettoPoint,
    T2: &RistrettoPoint,
) -> Scalar {
    let mut t = RefTranscript::new(ctx, omit);
    t.msg(b"dom-sep", b"urna/v1/decryption");
    t.point(b"X", X);
    t.point(b"alpha", &ct.alpha().point());
    t.point(b"beta", &ct.beta().point());
    t.point(b"D", D);
    t.point(b"T1", T1);
    t.point(b"T2", T2);
    t.challenge(b"c")
}

/// Encode `D ‖ T1 ‖ T2 ‖ z`.
pub fn encode_decryption(
    D: &RistrettoPoint,
    T1: &RistrettoPoint,
    T2: &RistrettoPoint,
    z: &Scalar,
) -> Vec<u8> {
    let mut out = Vec::new();
    for p in [D, T1, T2] {
        out.extend_from_slice(p.compress().as_bytes());
    }
    out.extend_from_slice(z.as_bytes());
    out
}

/// A reference decryption share.
pub fn ref_decryption_prove(
    ctx: &Transcript,
    omit: &[&'static [u8]],
    x: &Scalar,
    ct: &Ciphertext,
    rng: &mut ChaCha20Rng,
) -> Vec<u8> {
    let alpha = ct.alpha().point();
    let X = g() * x;
    let D = alpha * x;
    let w = random_scalar(rng);
    let (T1, T2) = (g() * w, alpha * w);
    let c = ref_decryption_challenge(ctx, omit, &X, ct, &D, &T1, &T2);
    encode_decryption(&D, &T1, &T2, &(w + c * x))
}

/// One branch `(A, B, c, z)` of a disjunctive proof.
pub type Branch = (RistrettoPoint, RistrettoPoint, Scalar, Scalar);

/// Encode branches as a `RangeProof` (tag 1).
pub fn encode_disjunctive(branches: &[Branch]) -> Vec<u8> {
    let mut out = vec![1u8];
    out.extend_from_slice(&(branches.len() as u32).to_be_bytes());
    for (a, b, c, z) in branches {
        out.extend_from_slice(a.compress().as_bytes());
        out.extend_from_slice(b.compress().as_bytes());
        out.extend_from_slice(c.as_bytes());
        out.extend_from_slice(z.as_bytes());
    }
    out
}

/// Decode the branches of a `RangeProof` encoding with tag 1.
pub fn decode_disjunctive(bytes: &[u8]) -> Vec<Branch> {
    assert_eq!(bytes[0], 1);
    let n = u32_at(bytes, 1) as usize;
    (0..n)
        .map(|i| {
            let p = 5 + 128 * i;
            (
                point_at(bytes, p),
                point_at(bytes, p + 32),
                scalar_at(bytes, p + 64),
                scalar_at(bytes, p + 96),
            )
        })
        .collect()
}

/// Disjunctive transcript steps 1–6 (proofs/disjunctive.rs).
pub fn ref_disjunctive_challenge(
    ctx: &Transcript,
    omit: &[&'static [u8]],
    K: &RistrettoPoint,
    ct: (&RistrettoPoint, &RistrettoPoint),
    min: u64,
    max: u64,
    commitments: &[(RistrettoPoint, RistrettoPoint)],
) -> Scalar {
    let mut t = RefTranscript::new(ctx, omit);
    t.msg(b"dom-sep", b"urna/v1/range-disjunctive");
    t.u64(b"a", min);
    t.u64(b"b", max);
    t.point(b"K", K);
    t.point(b"alpha", ct.0);
    t.point(b"beta", ct.1);
    for (a, b) in commitments {
        t.point(b"A", a);
        t.point(b"B", b);
    }
    t.challenge(b"c")
}

/// The simulated commitments of branch `j` for `(c_j, z_j)`.
pub fn simulate_branch(
    K: &RistrettoPoint,
    alpha: &RistrettoPoint,
    beta: &RistrettoPoint,
    j: u64,
    c: Scalar,
    z: Scalar,
) -> (RistrettoPoint, RistrettoPoint) {
    (g() * z - alpha * c, K * z - (beta - mg(j)) * c)
}

/// A reference disjunctive proof that `ct = Enc_K(m; r)` with `m ∈ [min, max]`.
/// If `m` is outside the range every branch is simulated (the proof is then
/// consistent branch by branch, but its sub-challenges do not sum to `c`).
pub fn ref_disjunctive_prove(
    ctx: &Transcript,
    omit: &[&'static [u8]],
    K: &RistrettoPoint,
    ct: &Ciphertext,
    m: u64,
    r: &Scalar,
    min: u64,
    max: u64,
    rng: &mut ChaCha20Rng,
) -> Vec<u8> {
    let (alpha, beta) = (ct.alpha().point(), ct.beta().point());
    let w = random_scalar(rng);
    let mut sims = Vec::new();
    let mut commitments = Vec::new();
    for j in min..=max {
        let (c_j, z_j) = (random_scalar(rng), random_scalar(rng));
        if j == m {
            commitments.push((g() * w, K * w));
        } else {
            commitments.push(simulate_branch(K, &alpha, &beta, j, c_j, z_j));
        }
        sims.push((c_j, z_j));
    }
    let c = ref_disjunctive_challenge(ctx, omit, K, (&alpha, &beta), min, max, &commitments);
    let sim_sum: Scalar = (min..=max)
        .zip(&sims)
        .filter(|(j, _)| *j != m)
        .map(|(_, (c_j, _))| *c_j)
        .sum();
    let c_m = c - sim_sum;
    let branches: Vec<Branch> = (min..=max)
        .zip(sims.iter().zip(&commitments))
        .map(|(j, ((c_j, z_j), (a, b)))| {
            if j == m {
                (*a, *b, c_m, w + c_m * r)
            } else {
                (*a, *b, *c_j, *z_j)
            }
        })
        .collect();
    encode_disjunctive(&branches)
}

/// A verifier with the equations (R1)–(R3) and a (possibly weak) transcript.
pub fn ref_disjunctive_verify(
    ctx: &Transcript,
    omit: &[&'static [u8]],
    K: &RistrettoPoint,
    ct: (&RistrettoPoint, &RistrettoPoint),
    min: u64,
    max: u64,
    branches: &[Branch],
    check_sum: bool,
) -> bool {
    if branches.len() as u64 != max - min + 1 {
        return false;
    }
    let commitments: Vec<_> = branches.iter().map(|(a, b, _, _)| (*a, *b)).collect();
    let c = ref_disjunctive_challenge(ctx, omit, K, ct, min, max, &commitments);
    let sum: Scalar = branches.iter().map(|br| br.2).sum();
    if check_sum && sum != c {
        return false;
    }
    branches.iter().zip(min..=max).all(|((a, b, c_j, z_j), j)| {
        g() * z_j == a + ct.0 * c_j && K * z_j == b + (ct.1 - mg(j)) * c_j
    })
}

/// Mutations of the reference bulletproof prover.
#[derive(Clone, Debug, Default)]
pub struct BpMutation {
    /// Statement labels left out of the transcript.
    pub omit: Vec<&'static [u8]>,
    /// A bit size other than the statement's.
    pub n: Option<usize>,
    /// Aggregate the two commitments in the other order.
    pub swap: bool,
    /// Run the bulletproof on a fresh transcript (Frozen Heart).
    pub fresh_bp_transcript: bool,
    /// Prove the bulletproof for these values instead of the honest ones.
    pub values: Option<Vec<u64>>,
}

/// The bit size the statement `[min, max]` calls for (spec §5.5).
pub fn bit_size(min: u64, max: u64) -> usize {
    let w = max - min;
    [8usize, 16, 32]
        .into_iter()
        .find(|&n| w < (1u64 << n))
        .unwrap_or(64)
}

fn one_sided(min: u64, max: u64, n: usize) -> bool {
    min == 0 && (n == 64 && max == u64::MAX || n < 64 && max == (1u64 << n) - 1)
}

/// A reference bulletproof range proof (proofs/bulletproof_range.rs), tag 2.
pub fn ref_bulletproof_prove(
    ctx: &Transcript,
    mutation: &BpMutation,
    K: &RistrettoPoint,
    ct: &Ciphertext,
    m: u64,
    r: &Scalar,
    min: u64,
    max: u64,
    rng: &mut ChaCha20Rng,
) -> Vec<u8> {
    let statement_n = bit_size(min, max);
    let n = mutation.n.unwrap_or(statement_n);
    let H = generator_h();
    let m_s = Scalar::from(m);
    let s = random_scalar(rng);
    let V = g() * m_s + H * s;
    let mut t = RefTranscript::new(ctx, &mutation.omit);
    t.msg(b"dom-sep", b"urna/v1/range-bulletproof");
    t.u64(b"a", min);
    t.u64(b"b", max);
    t.u64(b"n", n as u64);
    t.point(b"K", K);
    t.point(b"alpha", &ct.alpha().point());
    t.point(b"beta", &ct.beta().point());
    t.point(b"V", &V);
    let (rho_m, rho_r, rho_s) = (random_scalar(rng), random_scalar(rng), random_scalar(rng));
    let T1 = g() * rho_r;
    let T2 = g() * rho_m + K * rho_r;
    let T3 = g() * rho_m + H * rho_s;
    t.point(b"T1", &T1);
    t.point(b"T2", &T2);
    t.point(b"T3", &T3);
    let c = t.challenge(b"c");
    let (mut values, mut blindings) = if one_sided(min, max, statement_n) {
        (vec![m], vec![s])
    } else {
        (vec![m.wrapping_sub(min), max.wrapping_sub(m)], vec![s, -s])
    };
    if mutation.swap {
        values.reverse();
        blindings.reverse();
    }
    if let Some(v) = &mutation.values {
        values = v.clone();
    }
    let bp_gens = BulletproofGens::new(64, 2);
    let pc_gens = PedersenGens {
        B: g(),
        B_blinding: H,
    };
    let mut fresh = Transcript::new(b"urna/v1/frozen-heart");
    let bp_t = if mutation.fresh_bp_transcript {
        &mut fresh
    } else {
        &mut t.t
    };
    let (proof, _) = bulletproofs::RangeProof::prove_multiple_with_rng(
        &bp_gens, &pc_gens, bp_t, &values, &blindings, n, rng,
    )
    .unwrap();
    let bp = proof.to_bytes();
    let mut out = vec![2u8];
    for p in [V, T1, T2, T3] {
        out.extend_from_slice(p.compress().as_bytes());
    }
    for z in [rho_m + c * m_s, rho_r + c * r, rho_s + c * s] {
        out.extend_from_slice(z.as_bytes());
    }
    out.extend_from_slice(&(bp.len() as u32).to_be_bytes());
    out.extend_from_slice(&bp);
    out
}

/// Encrypt `m` with a known nonce scalar (for the reference provers).
pub fn encrypt_known(k: &PublicKey, m: u64, rng: &mut ChaCha20Rng) -> (Ciphertext, Scalar) {
    let r = random_scalar(rng);
    (ct_of(g() * r, mg(m) + k.point() * r), r)
}
