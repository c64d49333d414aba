//! Shared fixtures of the `urna-crypto` integration tests.
//!
//! - [`insecure_deterministic_rng`]: the only randomness the tests use.
//! - [`cases`]: one valid instance of every proof type, with its statement.
//! - [`Statement`]: decode + verify any encoding against a statement, and
//!   every "one element changed" variant of that statement.
//! - Byte layouts of every encoding ([`Field`], [`layout`]) and the
//!   layout-aware tampering helper [`tamper`].
//! - RFC 9496 Appendix A vectors.
//! - [`RefTranscript`] and reference provers written from the transcript
//!   tables in the module docs of `crypto/src/proofs/*.rs`, used to build
//!   mutant provers (a statement element left out of the transcript).
#![allow(
    dead_code,
    non_snake_case,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::too_many_arguments
)]

use std::sync::OnceLock;

use bulletproofs::{BulletproofGens, PedersenGens};
use curve25519_dalek::constants::RISTRETTO_BASEPOINT_POINT;
use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use urna_crypto::group::generator_h;
use urna_crypto::{
    BatchVerifier, Ciphertext, ContestBounds, DecryptionShare, EncryptedContest, Error, PublicKey,
    RangeProof, SchnorrProof, SecretKey, Signature,
};

// ---------------------------------------------------------------------------
// Randomness and small helpers
// ---------------------------------------------------------------------------

/// A seeded ChaCha20 RNG. Tests only: every run draws the same values.
pub fn insecure_deterministic_rng(seed: u64) -> ChaCha20Rng {
    let mut s = [0u8; 32];
    s[..8].copy_from_slice(&seed.to_le_bytes());
    s[8..16].copy_from_slice(b"urnatest");
    ChaCha20Rng::from_seed(s)
}

/// The basepoint `G`.
pub fn g() -> RistrettoPoint {
    RISTRETTO_BASEPOINT_POINT
}

/// `m·G`.
pub fn mg(m: u64) -> RistrettoPoint {
    g() * Scalar::from(m)
}

/// Decompress 32 bytes that are known to be a valid encoding.
pub fn point_at(bytes: &[u8], at: usize) -> RistrettoPoint {
    let mut a = [0u8; 32];
    a.copy_from_slice(&bytes[at..at + 32]);
    CompressedRistretto(a).decompress().expect("a valid point")
}

/// Read a canonical scalar.
pub fn scalar_at(bytes: &[u8], at: usize) -> Scalar {
    let mut a = [0u8; 32];
    a.copy_from_slice(&bytes[at..at + 32]);
    Option::from(Scalar::from_canonical_bytes(a)).expect("a canonical scalar")
}

/// Overwrite 32 bytes at `at`.
pub fn put(bytes: &mut [u8], at: usize, v: &[u8; 32]) {
    bytes[at..at + 32].copy_from_slice(v);
}

/// A public key for a point (panics on the identity).
pub fn pk_of(p: RistrettoPoint) -> PublicKey {
    PublicKey::from_bytes(p.compress().as_bytes()).unwrap()
}

/// A ciphertext from two points (panics on the identity).
pub fn ct_of(alpha: RistrettoPoint, beta: RistrettoPoint) -> Ciphertext {
    let mut b = alpha.compress().to_bytes().to_vec();
    b.extend_from_slice(beta.compress().as_bytes());
    Ciphertext::from_bytes(&b).unwrap()
}

/// A secret key from a small integer.
pub fn sk_of(x: u64) -> SecretKey {
    SecretKey::from_bytes(Scalar::from(x).as_bytes()).unwrap()
}

// ---------------------------------------------------------------------------
// Application contexts (spec §7.2: the application puts these first)
// ---------------------------------------------------------------------------

/// The context of a ballot's contest: election, voter credential, contest index.
pub fn context(election: &[u8], credential: &[u8], contest: u64) -> Transcript {
    let mut t = Transcript::new(b"urna/v1/test-ballot");
    t.append_message(b"election", election);
    t.append_message(b"credential", credential);
    t.append_u64(b"contest", contest);
    t
}

/// The base context used by the fixtures.
pub fn base_context() -> Transcript {
    context(b"election-1", b"credential-A", 0)
}

/// The transcript the contest code derives for option `i` (spec §7.2).
pub fn option_context(base: &Transcript, i: u64) -> Transcript {
    let mut t = base.clone();
    t.append_message(b"part", b"option");
    t.append_u64(b"index", i);
    t
}

/// A trustee's decryption context: election, trustee index, tally entry.
pub fn trustee_context(election: &[u8], trustee: u64, entry: u64) -> Transcript {
    let mut t = Transcript::new(b"urna/v1/test-tally");
    t.append_message(b"election", election);
    t.append_u64(b"trustee", trustee);
    t.append_u64(b"entry", entry);
    t
}

// ---------------------------------------------------------------------------
// Statements
// ---------------------------------------------------------------------------

/// What a proof is checked against.
#[derive(Clone)]
pub enum Statement {
    /// Schnorr proof of knowledge of `log_G X`.
    Pok { ctx: Transcript, x: PublicKey },
    /// Schnorr signature on `msg` under `X`.
    Sig {
        ctx: Transcript,
        x: PublicKey,
        msg: Vec<u8>,
    },
    /// Decryption share of `ct` under verification key `X`.
    Dec {
        ctx: Transcript,
        x: PublicKey,
        ct: Ciphertext,
    },
    /// `ct` encrypts a value in `[min, max]` under `K`.
    Range {
        ctx: Transcript,
        k: PublicKey,
        ct: Ciphertext,
        min: u64,
        max: u64,
    },
    /// An encrypted contest under `K` with these bounds.
    Contest {
        ctx: Transcript,
        k: PublicKey,
        bounds: ContestBounds,
    },
}

/// The result of decoding and verifying bytes against a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The bytes did not decode.
    Decode(Error),
    /// They decoded, and verification failed.
    Verify(Error),
    /// They decoded and verified.
    Valid,
}

impl Outcome {
    pub fn is_valid(&self) -> bool {
        *self == Outcome::Valid
    }
}

fn outcome<T>(decoded: Result<T, Error>, verify: impl FnOnce(T) -> Result<(), Error>) -> Outcome {
    match decoded {
        Err(e) => Outcome::Decode(e),
        Ok(p) => match verify(p) {
            Ok(()) => Outcome::Valid,
            Err(e) => Outcome::Verify(e),
        },
    }
}

impl Statement {
    /// Decode `bytes` as the proof type of this statement and verify it.
    pub fn check(&self, bytes: &[u8]) -> Outcome {
        match self {
            Statement::Pok { ctx, x } => outcome(SchnorrProof::from_bytes(bytes), |p| {
                p.verify(&mut ctx.clone(), x)
            }),
            Statement::Sig { ctx, x, msg } => outcome(Signature::from_bytes(bytes), |p| {
                p.verify(&mut ctx.clone(), x, msg)
            }),
            Statement::Dec { ctx, x, ct } => outcome(DecryptionShare::from_bytes(bytes), |p| {
                p.verify(&mut ctx.clone(), x, ct)
            }),
            Statement::Range {
                ctx,
                k,
                ct,
                min,
                max,
            } => outcome(RangeProof::from_bytes(bytes), |p| {
                p.verify(&mut ctx.clone(), k, ct, *min, *max)
            }),
            Statement::Contest { ctx, k, bounds } => {
                outcome(EncryptedContest::from_bytes(bytes), |c| {
                    c.verify(ctx, k, bounds)
                })
            }
        }
    }

    /// Decode and re-encode.
    pub fn reencode(&self, bytes: &[u8]) -> Result<Vec<u8>, Error> {
        Ok(match self {
            Statement::Pok { .. } => SchnorrProof::from_bytes(bytes)?.to_bytes().to_vec(),
            Statement::Sig { .. } => Signature::from_bytes(bytes)?.to_bytes().to_vec(),
            Statement::Dec { .. } => DecryptionShare::from_bytes(bytes)?.to_bytes().to_vec(),
            Statement::Range { .. } => RangeProof::from_bytes(bytes)?.to_bytes(),
            Statement::Contest { .. } => EncryptedContest::from_bytes(bytes)?.to_bytes(),
        })
    }

    /// Decode `bytes` and add the check to `batch` as one item. Bytes that
    /// do not decode become an item that fails.
    pub fn add_to_batch(&self, bytes: &[u8], batch: &mut BatchVerifier) {
        let mut item = batch.item();
        let decoded = match self {
            Statement::Pok { ctx, x } => SchnorrProof::from_bytes(bytes)
                .map(|p| p.add_to_batch(&mut ctx.clone(), x, &mut item)),
            Statement::Sig { ctx, x, msg } => Signature::from_bytes(bytes)
                .map(|p| p.add_to_batch(&mut ctx.clone(), x, msg, &mut item)),
            Statement::Dec { ctx, x, ct } => DecryptionShare::from_bytes(bytes)
                .map(|p| p.add_to_batch(&mut ctx.clone(), x, ct, &mut item)),
            Statement::Range {
                ctx,
                k,
                ct,
                min,
                max,
            } => RangeProof::from_bytes(bytes)
                .map(|p| p.add_to_batch(&mut ctx.clone(), k, ct, *min, *max, &mut item)),
            Statement::Contest { ctx, k, bounds } => EncryptedContest::from_bytes(bytes)
                .map(|c| c.add_to_batch(ctx, k, bounds, &mut item)),
        };
        if decoded.is_err() {
            item.fail();
        }
    }

    /// The statement with its context replaced.
    pub fn with_ctx(&self, new: Transcript) -> Statement {
        let mut s = self.clone();
        match &mut s {
            Statement::Pok { ctx, .. }
            | Statement::Sig { ctx, .. }
            | Statement::Dec { ctx, .. }
            | Statement::Range { ctx, .. }
            | Statement::Contest { ctx, .. } => *ctx = new,
        }
        s
    }

    /// Every variant of this statement with exactly one element changed
    /// (docs/attacks.md A4, A6, A14, B1, D10). The proof of the original
    /// statement must fail against each of them.
    pub fn variants(&self) -> Vec<(String, Statement)> {
        let other_key = sk_of(0x5eed_0001).public_key();
        let t = Scalar::from(7u64);
        let related = |x: &PublicKey, t: Scalar| pk_of(x.point() + g() * t);
        let mut out: Vec<(String, Statement)> = Vec::new();
        match self {
            Statement::Pok { ctx, x } => {
                out.push((
                    "other key".into(),
                    Statement::Pok {
                        ctx: ctx.clone(),
                        x: other_key,
                    },
                ));
                out.push((
                    "related key X+G".into(),
                    Statement::Pok {
                        ctx: ctx.clone(),
                        x: related(x, Scalar::ONE),
                    },
                ));
                out.push((
                    "related key X+7G".into(),
                    Statement::Pok {
                        ctx: ctx.clone(),
                        x: related(x, t),
                    },
                ));
                out.push((
                    "other election".into(),
                    self.with_ctx(trustee_context(b"election-2", 1, 0)),
                ));
                out.push((
                    "other trustee".into(),
                    self.with_ctx(trustee_context(b"election-1", 2, 0)),
                ));
                out.push((
                    "empty context".into(),
                    self.with_ctx(Transcript::new(b"urna/v1/test-tally")),
                ));
            }
            Statement::Sig { ctx, x, msg } => {
                let mut longer = msg.clone();
                longer.push(0);
                let mut flipped = msg.clone();
                flipped[0] ^= 1;
                for (name, m) in [
                    ("other message", b"another ballot".to_vec()),
                    ("message + 1 byte", longer),
                    ("message with a bit flipped", flipped),
                    ("empty message", Vec::new()),
                ] {
                    out.push((
                        name.into(),
                        Statement::Sig {
                            ctx: ctx.clone(),
                            x: x.clone(),
                            msg: m,
                        },
                    ));
                }
                out.push((
                    "other key".into(),
                    Statement::Sig {
                        ctx: ctx.clone(),
                        x: other_key,
                        msg: msg.clone(),
                    },
                ));
                out.push((
                    "related key X+G".into(),
                    Statement::Sig {
                        ctx: ctx.clone(),
                        x: related(x, Scalar::ONE),
                        msg: msg.clone(),
                    },
                ));
                out.push((
                    "related key X+7G".into(),
                    Statement::Sig {
                        ctx: ctx.clone(),
                        x: related(x, t),
                        msg: msg.clone(),
                    },
                ));
                out.push((
                    "other election".into(),
                    self.with_ctx(context(b"election-2", b"credential-A", 0)),
                ));
                out.push((
                    "other credential".into(),
                    self.with_ctx(context(b"election-1", b"credential-B", 0)),
                ));
            }
            Statement::Dec { ctx, x, ct } => {
                let (a, b) = (ct.alpha().point(), ct.beta().point());
                let fresh = ct_of(a + mg(5), b + mg(11));
                out.push((
                    "other verification key".into(),
                    Statement::Dec {
                        ctx: ctx.clone(),
                        x: other_key,
                        ct: *ct,
                    },
                ));
                out.push((
                    "related key X+7G".into(),
                    Statement::Dec {
                        ctx: ctx.clone(),
                        x: related(x, t),
                        ct: *ct,
                    },
                ));
                out.push((
                    "other ciphertext".into(),
                    Statement::Dec {
                        ctx: ctx.clone(),
                        x: x.clone(),
                        ct: fresh,
                    },
                ));
                out.push((
                    "same alpha, other beta (D10)".into(),
                    Statement::Dec {
                        ctx: ctx.clone(),
                        x: x.clone(),
                        ct: ct_of(a, b + g()),
                    },
                ));
                out.push((
                    "other alpha, same beta".into(),
                    Statement::Dec {
                        ctx: ctx.clone(),
                        x: x.clone(),
                        ct: ct_of(a + g(), b),
                    },
                ));
                out.push((
                    "other election".into(),
                    self.with_ctx(trustee_context(b"election-2", 1, 0)),
                ));
                out.push((
                    "other trustee".into(),
                    self.with_ctx(trustee_context(b"election-1", 2, 0)),
                ));
                out.push((
                    "other tally entry".into(),
                    self.with_ctx(trustee_context(b"election-1", 1, 1)),
                ));
            }
            Statement::Range {
                ctx,
                k,
                ct,
                min,
                max,
            } => {
                let (a, b) = (ct.alpha().point(), ct.beta().point());
                let with = |k: &PublicKey, ct: Ciphertext, min: u64, max: u64| Statement::Range {
                    ctx: ctx.clone(),
                    k: k.clone(),
                    ct,
                    min,
                    max,
                };
                out.push(("other key K".into(), with(&other_key, *ct, *min, *max)));
                out.push((
                    "related key K+7G".into(),
                    with(&related(k, t), *ct, *min, *max),
                ));
                out.push(("alpha + G".into(), with(k, ct_of(a + g(), b), *min, *max)));
                out.push(("beta + G".into(), with(k, ct_of(a, b + g()), *min, *max)));
                out.push(("beta - G".into(), with(k, ct_of(a, b - g()), *min, *max)));
                if *min > 0 {
                    out.push(("min - 1".into(), with(k, *ct, min - 1, *max)));
                }
                if min < max {
                    out.push(("min + 1".into(), with(k, *ct, min + 1, *max)));
                    out.push(("max - 1".into(), with(k, *ct, *min, max - 1)));
                }
                out.push(("max + 1".into(), with(k, *ct, *min, max + 1)));
                out.push((
                    "bounds shifted by +1".into(),
                    with(k, *ct, min + 1, max + 1),
                ));
                // The shifted statement the algebra of a disjunctive proof cannot
                // tell apart: (α, β + G) over [a + 1, b + 1]. Only the transcript can.
                out.push((
                    "beta + G with bounds +1".into(),
                    with(k, ct_of(a, b + g()), min + 1, max + 1),
                ));
                out.push((
                    "other election".into(),
                    self.with_ctx(option_context(
                        &context(b"election-2", b"credential-A", 0),
                        0,
                    )),
                ));
                out.push((
                    "other credential".into(),
                    self.with_ctx(option_context(
                        &context(b"election-1", b"credential-B", 0),
                        0,
                    )),
                ));
                out.push((
                    "other contest".into(),
                    self.with_ctx(option_context(
                        &context(b"election-1", b"credential-A", 1),
                        0,
                    )),
                ));
                out.push((
                    "other option index".into(),
                    self.with_ctx(option_context(&base_context(), 1)),
                ));
                out.push((
                    "no context".into(),
                    self.with_ctx(Transcript::new(b"urna/v1/test-ballot")),
                ));
            }
            Statement::Contest { ctx, k, bounds } => {
                let with_k = |k: PublicKey| Statement::Contest {
                    ctx: ctx.clone(),
                    k,
                    bounds: *bounds,
                };
                out.push(("other key K".into(), with_k(other_key)));
                out.push(("related key K+7G".into(), with_k(related(k, t))));
                out.push((
                    "other election".into(),
                    self.with_ctx(context(b"election-2", b"credential-A", 0)),
                ));
                out.push((
                    "other credential (B1)".into(),
                    self.with_ctx(context(b"election-1", b"credential-B", 0)),
                ));
                out.push((
                    "other contest index".into(),
                    self.with_ctx(context(b"election-1", b"credential-A", 1)),
                ));
                let (lo, hi) = bounds.total_range();
                let n = bounds.options();
                let s = bounds.max_per_option();
                let mut other_bounds = Vec::new();
                if let Ok(b) = ContestBounds::new(n, s, lo, hi + 1) {
                    other_bounds.push(("max total + 1", b));
                }
                if lo > 0 {
                    if let Ok(b) = ContestBounds::new(n, s, lo - 1, hi) {
                        other_bounds.push(("min total - 1", b));
                    }
                }
                if let Ok(b) = ContestBounds::new(n, s + 1, lo, hi) {
                    other_bounds.push(("max per option + 1", b));
                }
                for (name, b) in other_bounds {
                    out.push((
                        name.into(),
                        Statement::Contest {
                            ctx: ctx.clone(),
                            k: k.clone(),
                            bounds: b,
                        },
                    ));
                }
            }
        }
        out
    }
}

// ---------------------------------------------------------------------------
// Fixtures: one valid instance of every proof type
// ---------------------------------------------------------------------------

/// A valid encoding with the statement it proves.
#[derive(Clone)]
pub struct Case {
    pub name: &'static str,
    pub bytes: Vec<u8>,
    pub stmt: Statement,
}

impl Case {
    /// The byte layout of the encoding.
    pub fn layout(&self) -> Vec<Field> {
        layout(&self.stmt, &self.bytes)
    }
}

/// The election key of the fixtures.
pub fn election_key() -> SecretKey {
    sk_of(0xe1ec_7104)
}

/// A range proof over `[min, max]` for `m`, on the option-0 context.
pub fn range_case(name: &'static str, m: u64, min: u64, max: u64, rng: &mut ChaCha20Rng) -> Case {
    let k = election_key().public_key();
    let ctx = option_context(&base_context(), 0);
    let (ct, r) = k.encrypt(m, rng);
    let p = RangeProof::prove(&mut ctx.clone(), &k, &ct, m, &r, min, max, rng).unwrap();
    Case {
        name,
        bytes: p.to_bytes(),
        stmt: Statement::Range {
            ctx,
            k,
            ct,
            min,
            max,
        },
    }
}

/// A contest encrypting `choices` under `bounds`.
pub fn contest_case(
    name: &'static str,
    bounds: ContestBounds,
    choices: &[u64],
    rng: &mut ChaCha20Rng,
) -> Case {
    let k = election_key().public_key();
    let ctx = base_context();
    let (c, _opening) = EncryptedContest::encrypt(&ctx, &k, &bounds, choices, rng).unwrap();
    Case {
        name,
        bytes: c.to_bytes(),
        stmt: Statement::Contest { ctx, k, bounds },
    }
}

fn build_cases() -> Vec<Case> {
    let mut rng = insecure_deterministic_rng(1);
    let trustee = sk_of(0x7305_7ee1);
    let credential = sk_of(0xc7ed_0001);
    let pok_ctx = trustee_context(b"election-1", 1, 0);
    let pok = SchnorrProof::prove(&mut pok_ctx.clone(), &trustee, &mut rng);
    let sig_ctx = base_context();
    let msg = b"ballot bytes".to_vec();
    let sig = Signature::sign(&mut sig_ctx.clone(), &credential, &msg, &mut rng);
    let (tally_ct, _) = election_key().public_key().encrypt(3, &mut rng);
    let dec_ctx = trustee_context(b"election-1", 1, 0);
    let share =
        DecryptionShare::create(&mut dec_ctx.clone(), &trustee, &tally_ct, &mut rng).unwrap();
    vec![
        Case {
            name: "schnorr pok",
            bytes: pok.to_bytes().to_vec(),
            stmt: Statement::Pok {
                ctx: pok_ctx,
                x: trustee.public_key(),
            },
        },
        Case {
            name: "signature",
            bytes: sig.to_bytes().to_vec(),
            stmt: Statement::Sig {
                ctx: sig_ctx,
                x: credential.public_key(),
                msg,
            },
        },
        Case {
            name: "decryption share",
            bytes: share.to_bytes().to_vec(),
            stmt: Statement::Dec {
                ctx: dec_ctx,
                x: trustee.public_key(),
                ct: tally_ct,
            },
        },
        range_case("disjunctive [0,1]", 1, 0, 1, &mut rng),
        range_case("disjunctive [1,4]", 3, 1, 4, &mut rng),
        range_case("bulletproof [0,255]", 200, 0, 255, &mut rng),
        range_case("bulletproof [3,1000]", 517, 3, 1000, &mut rng),
        contest_case(
            "contest approval 3 options, total [1,2]",
            ContestBounds::new(3, 1, 1, 2).unwrap(),
            &[1, 0, 1],
            &mut rng,
        ),
        contest_case(
            "contest score 1 option [0,20], total [1,20]",
            ContestBounds::new(1, 20, 1, 20).unwrap(),
            &[17],
            &mut rng,
        ),
    ]
}

/// Every fixture (built once per test binary).
pub fn cases() -> &'static [Case] {
    static CASES: OnceLock<Vec<Case>> = OnceLock::new();
    CASES.get_or_init(build_cases)
}

/// The fixture with this name.
pub fn case(name: &str) -> &'static Case {
    cases()
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no fixture {name}"))
}

// ---------------------------------------------------------------------------
// Byte layouts
// ---------------------------------------------------------------------------

/// What a 32-byte field holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A group element decoded by urna's checked decoder.
    Point,
    /// A scalar decoded by urna's checked decoder.
    Scalar,
    /// A point inside the bulletproof bytes (decoded by the bulletproofs crate).
    InnerPoint,
    /// A scalar inside the bulletproof bytes.
    InnerScalar,
}

/// One 32-byte field of an encoding; `name` is the field name urna's
/// decoder reports (for inner bulletproof fields, a descriptive name).
#[derive(Clone, Debug)]
pub struct Field {
    pub name: &'static str,
    pub at: usize,
    pub kind: Kind,
}

fn f(name: &'static str, at: usize, kind: Kind) -> Field {
    Field { name, at, kind }
}

pub fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

fn ciphertext_fields(at: usize, out: &mut Vec<Field>) {
    out.push(f("ciphertext alpha", at, Kind::Point));
    out.push(f("ciphertext beta", at + 32, Kind::Point));
}

/// Append the fields of a range proof starting at `at`; returns its end.
fn range_fields(bytes: &[u8], at: usize, out: &mut Vec<Field>) -> usize {
    match bytes[at] {
        1 => {
            let n = u32_at(bytes, at + 1) as usize;
            let mut p = at + 5;
            for _ in 0..n {
                out.push(f("disjunctive proof A", p, Kind::Point));
                out.push(f("disjunctive proof B", p + 32, Kind::Point));
                out.push(f("disjunctive proof c", p + 64, Kind::Scalar));
                out.push(f("disjunctive proof z", p + 96, Kind::Scalar));
                p += 128;
            }
            p
        }
        2 => {
            let mut p = at + 1;
            for name in [
                "range commitment V",
                "range link T1",
                "range link T2",
                "range link T3",
            ] {
                out.push(f(name, p, Kind::Point));
                p += 32;
            }
            for name in ["range link z_m", "range link z_r", "range link z_s"] {
                out.push(f(name, p, Kind::Scalar));
                p += 32;
            }
            let len = u32_at(bytes, p) as usize;
            p += 4;
            let inner = p;
            for name in [
                "bulletproof A",
                "bulletproof S",
                "bulletproof T1",
                "bulletproof T2",
            ] {
                out.push(f(name, p, Kind::InnerPoint));
                p += 32;
            }
            for name in [
                "bulletproof t_x",
                "bulletproof t_x_blinding",
                "bulletproof e_blinding",
            ] {
                out.push(f(name, p, Kind::InnerScalar));
                p += 32;
            }
            let rounds = (len / 32 - 9) / 2;
            for _ in 0..rounds {
                out.push(f("bulletproof L", p, Kind::InnerPoint));
                out.push(f("bulletproof R", p + 32, Kind::InnerPoint));
                p += 64;
            }
            out.push(f("bulletproof a", p, Kind::InnerScalar));
            out.push(f("bulletproof b", p + 32, Kind::InnerScalar));
            p += 64;
            assert_eq!(p, inner + len);
            p
        }
        t => panic!("unknown range proof tag {t}"),
    }
}

/// The byte layout of a valid encoding of the statement's proof type.
pub fn layout(stmt: &Statement, bytes: &[u8]) -> Vec<Field> {
    let mut out = Vec::new();
    match stmt {
        Statement::Pok { .. } | Statement::Sig { .. } => {
            out.push(f("Schnorr commitment T", 0, Kind::Point));
            out.push(f("Schnorr response z", 32, Kind::Scalar));
        }
        Statement::Dec { .. } => {
            out.push(f("decryption share D", 0, Kind::Point));
            out.push(f("decryption proof T1", 32, Kind::Point));
            out.push(f("decryption proof T2", 64, Kind::Point));
            out.push(f("decryption proof z", 96, Kind::Scalar));
        }
        Statement::Range { .. } => {
            let end = range_fields(bytes, 0, &mut out);
            assert_eq!(end, bytes.len());
        }
        Statement::Contest { .. } => {
            let parts = ContestParts::parse(bytes);
            for (i, _) in parts.ciphertexts.iter().enumerate() {
                ciphertext_fields(4 + 64 * i, &mut out);
            }
            let mut p = 4 + 64 * parts.ciphertexts.len();
            for _ in &parts.proofs {
                p = range_fields(bytes, p, &mut out);
            }
            p += 1;
            if parts.total.is_some() {
                p = range_fields(bytes, p, &mut out);
            }
            assert_eq!(p, bytes.len());
        }
    }
    out
}

/// An encrypted contest split into its parts (to splice them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContestParts {
    pub ciphertexts: Vec<Vec<u8>>,
    pub proofs: Vec<Vec<u8>>,
    pub total: Option<Vec<u8>>,
}

impl ContestParts {
    /// Split a valid contest encoding.
    pub fn parse(bytes: &[u8]) -> Self {
        let n = u32_at(bytes, 0) as usize;
        let mut p = 4;
        let mut ciphertexts = Vec::new();
        for _ in 0..n {
            ciphertexts.push(bytes[p..p + 64].to_vec());
            p += 64;
        }
        let mut proofs = Vec::new();
        let mut scratch = Vec::new();
        for _ in 0..n {
            let end = range_fields(bytes, p, &mut scratch);
            proofs.push(bytes[p..end].to_vec());
            p = end;
        }
        let total = match bytes[p] {
            0 => {
                p += 1;
                None
            }
            1 => {
                let end = range_fields(bytes, p + 1, &mut scratch);
                let t = bytes[p + 1..end].to_vec();
                p = end;
                Some(t)
            }
            x => panic!("bad total flag {x}"),
        };
        assert_eq!(p, bytes.len());
        ContestParts {
            ciphertexts,
            proofs,
            total,
        }
    }

    /// Assemble (counts are taken from the ciphertext list).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = (self.ciphertexts.len() as u32).to_be_bytes().to_vec();
        for c in &self.ciphertexts {
            out.extend_from_slice(c);
        }
        for p in &self.proofs {
            out.extend_from_slice(p);
        }
        match &self.total {
            None => out.push(0),
            Some(t) => {
                out.push(1);
                out.extend_from_slice(t);
            }
        }
        out
    }
}

/// Replace one field by a different *valid* value: a point `P` by `P + G`,
/// a scalar `s` by `s + 1 mod ℓ`.
pub fn tamper(bytes: &[u8], field: &Field) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let new = match field.kind {
        Kind::Point | Kind::InnerPoint => (point_at(bytes, field.at) + g()).compress().to_bytes(),
        Kind::Scalar | Kind::InnerScalar => (scalar_at(bytes, field.at) + Scalar::ONE).to_bytes(),
    };
    put(&mut out, field.at, &new);
    out
}

// ---------------------------------------------------------------------------
// RFC 9496 Appendix A vectors
// ---------------------------------------------------------------------------

/// RFC 9496 App. A.1: encodings of `i·G` for `i = 0 … 15`.
pub const RFC9496_SMALL_MULTIPLES: [&str; 16] = [
    "0000000000000000000000000000000000000000000000000000000000000000",
    "e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76",
    "6a493210f7499cd17fecb510ae0cea23a110e8d5b901f8acadd3095c73a3b919",
    "94741f5d5d52755ece4f23f044ee27d5d1ea1e2bd196b462166b16152a9d0259",
    "da80862773358b466ffadfe0b3293ab3d9fd53c5ea6c955358f568322daf6a57",
    "e882b131016b52c1d3337080187cf768423efccbb517bb495ab812c4160ff44e",
    "f64746d3c92b13050ed8d80236a7f0007c3b3f962f5ba793d19a601ebb1df403",
    "44f53520926ec81fbd5a387845beb7df85a96a24ece18738bdcfa6a7822a176d",
    "903293d8f2287ebe10e2374dc1a53e0bc887e592699f02d077d5263cdd55601c",
    "02622ace8f7303a31cafc63f8fc48fdc16e1c8c8d234b2f0d6685282a9076031",
    "20706fd788b2720a1ed2a5dad4952b01f413bcf0e7564de8cdc816689e2db95f",
    "bce83f8ba5dd2fa572864c24ba1810f9522bc6004afe95877ac73241cafdab42",
    "e4549ee16b9aa03099ca208c67adafcafa4c3f3e4e5303de6026e3ca8ff84460",
    "aa52e000df2e16f55fb1032fc33bc42742dad6bd5a8fc0be0167436c5948501f",
    "46376b80f409b29dc2b5f6f0c52591990896e5716f41477cd30085ab7f10301e",
    "e0c418f7c8d9c4cdd7395b93ea124f3ad99021bb681dfc3302a9d99a2e53e64e",
];

/// RFC 9496 App. A.2 "Invalid Encodings", with the reason each is invalid.
pub const RFC9496_BAD_ENCODINGS: [(&str, &str); 29] = [
    (
        "non-canonical field encoding",
        "00ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    ),
    (
        "non-canonical field encoding",
        "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    ),
    (
        "non-canonical field encoding",
        "f3ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    ),
    (
        "non-canonical field encoding",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    ),
    (
        "negative field element",
        "0100000000000000000000000000000000000000000000000000000000000000",
    ),
    (
        "negative field element",
        "01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    ),
    (
        "negative field element",
        "ed57ffd8c914fb201471d1c3d245ce3c746fcbe63a3679d51b6a516ebebe0e20",
    ),
    (
        "negative field element",
        "c34c4e1826e5d403b78e246e88aa051c36ccf0aafebffe137d148a2bf9104562",
    ),
    (
        "negative field element",
        "c940e5a4404157cfb1628b108db051a8d439e1a421394ec4ebccb9ec92a8ac78",
    ),
    (
        "negative field element",
        "47cfc5497c53dc8e61c91d17fd626ffb1c49e2bca94eed052281b510b1117a24",
    ),
    (
        "negative field element",
        "f1c6165d33367351b0da8f6e4511010c68174a03b6581212c71c0e1d026c3c72",
    ),
    (
        "negative field element",
        "87260f7a2f12495118360f02c26a470f450dadf34a413d21042b43b9d93e1309",
    ),
    (
        "non-square x^2",
        "26948d35ca62e643e26a83177332e6b6afeb9d08e4268b650f1f5bbd8d81d371",
    ),
    (
        "non-square x^2",
        "4eac077a713c57b4f4397629a4145982c661f48044dd3f96427d40b147d9742f",
    ),
    (
        "non-square x^2",
        "de6a7b00deadc788eb6b6c8d20c0ae96c2f2019078fa604fee5b87d6e989ad7b",
    ),
    (
        "non-square x^2",
        "bcab477be20861e01e4a0e295284146a510150d9817763caf1a6f4b422d67042",
    ),
    (
        "non-square x^2",
        "2a292df7e32cababbd9de088d1d1abec9fc0440f637ed2fba145094dc14bea08",
    ),
    (
        "non-square x^2",
        "f4a9e534fc0d216c44b218fa0c42d99635a0127ee2e53c712f70609649fdff22",
    ),
    (
        "non-square x^2",
        "8268436f8c4126196cf64b3c7ddbda90746a378625f9813dd9b8457077256731",
    ),
    (
        "non-square x^2",
        "2810e5cbc2cc4d4eece54f61c6f69758e289aa7ab440b3cbeaa21995c2f4232b",
    ),
    (
        "negative xy",
        "3eb858e78f5a7254d8c9731174a94f76755fd3941c0ac93735c07ba14579630e",
    ),
    (
        "negative xy",
        "a45fdc55c76448c049a1ab33f17023edfb2be3581e9c7aade8a6125215e04220",
    ),
    (
        "negative xy",
        "d483fe813c6ba647ebbfd3ec41adca1c6130c2beeee9d9bf065c8d151c5f396e",
    ),
    (
        "negative xy",
        "8a2e1d30050198c65a54483123960ccc38aef6848e1ec8f5f780e8523769ba32",
    ),
    (
        "negative xy",
        "32888462f8b486c68ad7dd9610be5192bbeaf3b443951ac1a8118419d9fa097b",
    ),
    (
        "negative xy",
        "227142501b9d4355ccba290404bde41575b037693cef1f438c47f8fbf35d1165",
    ),
    (
        "negative xy",
        "5c37cc491da847cfeb9281d407efc41e15144c876e0170b499a96a22ed31e01e",
    ),
    (
        "negative xy",
        "445425117cb8c90edcbc7c1cc0e74f747f2c1efa5630a967c64f287792a48a4b",
    ),
    (
        "s = -1, which gives y = 0",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    ),
];

/// More non-canonical encodings of the same kinds (not in the RFC list):
/// the top bit set (on 0 and on the basepoint's encoding), p + 2, all 0xff.
pub const EXTRA_BAD_ENCODINGS: [(&str, &str); 4] = [
    (
        "top bit set on 0",
        "0000000000000000000000000000000000000000000000000000000000000080",
    ),
    (
        "top bit set on G",
        "e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2df6",
    ),
    (
        "p + 2",
        "efffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    ),
    (
        "all 0xff",
        "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    ),
];

/// Every bad encoding: the RFC list, then the extra ones.
pub fn bad_encodings() -> impl Iterator<Item = (&'static str, [u8; 32])> {
    RFC9496_BAD_ENCODINGS
        .iter()
        .chain(EXTRA_BAD_ENCODINGS.iter())
        .map(|(why, h)| (*why, hex32(h)))
}

/// A vector as 32 bytes.
pub fn hex32(s: &str) -> [u8; 32] {
    let v = hex::decode(s).unwrap();
    v.try_into().unwrap()
}

/// ℓ, little-endian: computed as (−1 mod ℓ) + 1, so the tests do not
/// depend on a deprecated dalek constant.
pub fn ell_bytes() -> [u8; 32] {
    let mut b = (-Scalar::ONE).to_bytes();
    // ℓ − 1 ends in 0xec: adding 1 cannot carry.
    b[0] += 1;
    b
}

/// `s + ℓ` as 32 little-endian bytes (fits: `s < ℓ < 2²⁵³`).
pub fn plus_ell(s: &[u8; 32]) -> [u8; 32] {
    let l = ell_bytes();
    let mut out = [0u8; 32];
    let mut carry = 0u16;
    for i in 0..32 {
        let v = s[i] as u16 + l[i] as u16 + carry;
        out[i] = v as u8;
        carry = v >> 8;
    }
    assert_eq!(carry, 0);
    out
}

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
