//! Chaum–Pedersen proof of correct (partial) decryption (spec §5.3).
//!
//! **Statement.** A verification key `X ≠ 0`, a ciphertext `(α, β)` with
//! `α ≠ 0`, and a decryption share `D`. The prover knows `x` with
//! `X = x·G` and `D = x·α` (equality of discrete logs).
//!
//! **Prover.** Draw `w`; send `T₁ = w·G`, `T₂ = w·α`; get `c`; send `z = w + c·x`.
//!
//! **Verifier.**
//! - (D1) `z·G − T₁ − c·X = 0`
//! - (D2) `z·α − T₂ − c·D = 0`
//!
//! **Transcript** (after the application's context, which names the
//! election, the trustee index and which tally entry this is):
//!
//! | step | label | value |
//! |---|---|---|
//! | 1 | `dom-sep` | `urna/v1/decryption` |
//! | 2 | `X` | verification key |
//! | 3 | `alpha`, `beta` | the ciphertext (β too: the proof is bound to the whole ciphertext and so to `M = β − D`, docs/attacks.md D10) |
//! | 4 | `D` | the decryption share |
//! | 5 | `T1`, `T2` | commitments |
//! | 6 | `c` | challenge |
//!
//! **The empty aggregate** (spec §5.3 (D4)). For `α = 0` (an option for
//! which no ballot was counted) the plaintext is `β` under every key, so
//! there is nothing to prove and no secret is used: the share is the fixed
//! filler `D = T₁ = T₂ = G`, `z = 0` ([`DecryptionShare::empty_aggregate`]),
//! and a verifier accepts exactly those bytes for `α = 0` and nothing else.
//!
//! **Secrets.** `x` (borrowed from the caller's [`SecretKey`]) and the nonce
//! `w`, held in a [`Zeroizing`] and wiped on return (docs/design.md §4.1).

use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;
use rand_core::{CryptoRng, RngCore};
use zeroize::Zeroizing;

use crate::batch::{BatchVerifier, Item};
use crate::elgamal::{Ciphertext, PublicKey, SecretKey};
use crate::error::{Error, Result};
use crate::group::{canonical_hex_serde, g_table, GroupElement, Reader, Writer};
use crate::transcript::{prover_rng, TranscriptProtocol};

/// Domain separator.
pub const DECRYPTION_LABEL: &[u8] = b"urna/v1/decryption";

/// Encoded length: `D ‖ T₁ ‖ T₂ ‖ z`.
pub const DECRYPTION_SHARE_LEN: usize = 128;

/// A decryption share `D = x·α` with its proof `(T₁, T₂, z)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecryptionShare {
    share: GroupElement,
    t1: GroupElement,
    t2: GroupElement,
    z: Scalar,
}

fn absorb_statement(
    t: &mut Transcript,
    x: &PublicKey,
    ct: &Ciphertext,
    d: &GroupElement,
) -> Result<()> {
    t.domain_sep(DECRYPTION_LABEL);
    t.append_element(b"X", x.element());
    t.validate_and_append_element(b"alpha", ct.alpha())?;
    t.append_element(b"beta", ct.beta());
    t.validate_and_append_element(b"D", d)?;
    Ok(())
}

impl DecryptionShare {
    /// The share of the empty aggregate (spec §5.3 (D4)): `D = T₁ = T₂ = G`,
    /// `z = 0`, the only share accepted for a ciphertext with `α = 0`.
    pub fn empty_aggregate() -> Self {
        let g = GroupElement::from_point(crate::group::generator_g());
        DecryptionShare {
            share: g,
            t1: g,
            t2: g,
            z: Scalar::ZERO,
        }
    }

    /// Whether this is exactly [`DecryptionShare::empty_aggregate`].
    pub fn is_empty_aggregate(&self) -> bool {
        *self == Self::empty_aggregate()
    }

    /// Compute `x·α` and prove it (constant time in `x`). Fails if `α` is the
    /// identity: the share of an empty aggregate proves nothing and is
    /// [`DecryptionShare::empty_aggregate`] (spec §5.3 (D4)).
    pub fn create<R: RngCore + CryptoRng>(
        t: &mut Transcript,
        secret: &SecretKey,
        ct: &Ciphertext,
        rng: &mut R,
    ) -> Result<Self> {
        let x = secret.public_key();
        let share = GroupElement::from_point(secret.partial_decrypt(ct));
        absorb_statement(t, &x, ct, &share)?;
        let mut nonce_rng = prover_rng(t, &[secret.as_scalar()], rng);
        let w = Zeroizing::new(Scalar::random(&mut nonce_rng));
        let t1 = GroupElement::from_point(&*w * g_table());
        let t2 = GroupElement::from_point(ct.alpha().point() * *w);
        t.append_element(b"T1", &t1);
        t.append_element(b"T2", &t2);
        let c = t.challenge_scalar(b"c");
        Ok(DecryptionShare {
            share,
            t1,
            t2,
            z: *w + c * secret.as_scalar(),
        })
    }

    /// The share `D = x·α`.
    pub fn share(&self) -> &GroupElement {
        &self.share
    }

    /// Add the checks (D1), (D2) to a batch item; for `α = 0`, (D4): the
    /// item fails unless the share is exactly the empty-aggregate filler.
    pub fn add_to_batch(
        &self,
        t: &mut Transcript,
        x: &PublicKey,
        ct: &Ciphertext,
        item: &mut Item<'_>,
    ) {
        if ct.alpha().is_identity() {
            if !self.is_empty_aggregate() {
                item.fail();
            }
            return;
        }
        if absorb_statement(t, x, ct, &self.share).is_err() {
            return item.fail();
        }
        t.append_element(b"T1", &self.t1);
        t.append_element(b"T2", &self.t2);
        let c = t.challenge_scalar(b"c");
        // (D1) z·G − T₁ − c·X = 0
        item.equation()
            .g(self.z)
            .point(-Scalar::ONE, &self.t1)
            .point(-c, x.element());
        // (D2) z·α − T₂ − c·D = 0
        item.equation()
            .point(self.z, ct.alpha())
            .point(-Scalar::ONE, &self.t2)
            .point(-c, &self.share);
    }

    /// Verify on its own (variable time; public data).
    pub fn verify(&self, t: &mut Transcript, x: &PublicKey, ct: &Ciphertext) -> Result<()> {
        let mut b = BatchVerifier::new();
        self.add_to_batch(t, x, ct, &mut b.item());
        b.vartime_check().map_err(|_| Error::ProofInvalid {
            proof: "decryption",
        })
    }

    /// `D ‖ T₁ ‖ T₂ ‖ z`.
    pub fn to_bytes(&self) -> [u8; DECRYPTION_SHARE_LEN] {
        let mut w = Writer::new();
        self.write(&mut w);
        let mut out = [0u8; DECRYPTION_SHARE_LEN];
        out.copy_from_slice(&w.into_bytes());
        out
    }

    /// Decode (canonical, no identity, no trailing bytes).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let p = Self::read(&mut r)?;
        r.finish("decryption share")?;
        Ok(p)
    }

    /// Read from a larger encoding.
    pub fn read(r: &mut Reader<'_>) -> Result<Self> {
        Ok(DecryptionShare {
            share: r.element("decryption share D")?,
            t1: r.element("decryption proof T1")?,
            t2: r.element("decryption proof T2")?,
            z: r.scalar("decryption proof z")?,
        })
    }

    /// Append to a larger encoding.
    pub fn write(&self, w: &mut Writer) {
        w.element(&self.share)
            .element(&self.t1)
            .element(&self.t2)
            .scalar(&self.z);
    }
}

canonical_hex_serde!(DecryptionShare, "decryption share");
