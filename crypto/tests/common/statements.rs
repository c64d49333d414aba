//! Statements: decode + verify any encoding against a statement, and every
//! "one element changed" variant of it.

use super::*;

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
