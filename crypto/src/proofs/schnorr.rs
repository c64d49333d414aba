//! Schnorr proofs of knowledge and Schnorr signatures (spec §5.1, §5.2).
//!
//! **Statement.** A public `X ∈ 𝔾 \ {0}`; the prover knows `x` with `X = x·G`.
//!
//! **Prover.** Draw `w` from the prover RNG (spec §3.2 (T4)), send `T = w·G`,
//! get `c` from the transcript, send `z = w + c·x`.
//!
//! **Verifier.** Check `z·G − T − c·X = 0` (spec §5.1 (S1)).
//!
//! **Transcript** (after the application's context):
//!
//! | step | label | value |
//! |---|---|---|
//! | 1 | `dom-sep` | `urna/v1/schnorr-pok` or `urna/v1/schnorr-sig` |
//! | 2 | `X` | the public key (identity rejected) |
//! | 3 | `msg` | the signed message (signatures only) |
//! | 4 | `T` | the commitment |
//! | 5 | `c` | challenge, 64 bytes reduced mod ℓ |
//!
//! A signature is the same proof with the message in the transcript: the
//! key is in the challenge, so related-key forgeries fail (docs/attacks.md A14).

use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;
use rand_core::{CryptoRng, RngCore};
use zeroize::Zeroizing;

use crate::batch::{BatchVerifier, Item};
use crate::elgamal::{PublicKey, SecretKey};
use crate::error::{Error, Result};
use crate::group::{canonical_hex_serde, g_table, GroupElement, Reader, Writer};
use crate::transcript::{prover_rng, TranscriptProtocol};

/// Domain separator of a proof of knowledge of a secret key.
pub const POK_LABEL: &[u8] = b"urna/v1/schnorr-pok";
/// Domain separator of a signature.
pub const SIGNATURE_LABEL: &[u8] = b"urna/v1/schnorr-sig";

/// Encoded length of a Schnorr proof or signature: `T ‖ z`.
pub const SCHNORR_LEN: usize = 64;

/// A Schnorr proof `(T, z)` in commitment form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SchnorrProof {
    commitment: GroupElement,
    response: Scalar,
}

/// A Schnorr signature: a [`SchnorrProof`] whose transcript holds the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Signature(SchnorrProof);

/// Steps 1–3. `X` is a [`PublicKey`], which is never the identity.
fn absorb_statement(t: &mut Transcript, label: &'static [u8], x: &PublicKey, msg: Option<&[u8]>) {
    t.domain_sep(label);
    t.append_element(b"X", x.element());
    if let Some(m) = msg {
        t.append_message(b"msg", m);
    }
}

fn prove<R: RngCore + CryptoRng>(
    t: &mut Transcript,
    label: &'static [u8],
    secret: &SecretKey,
    msg: Option<&[u8]>,
    rng: &mut R,
) -> SchnorrProof {
    let x = secret.public_key();
    absorb_statement(t, label, &x, msg);
    let mut nonce_rng = prover_rng(t, &[secret.as_scalar()], rng);
    // The nonce reveals the key with the response: wiped on return.
    let w = Zeroizing::new(Scalar::random(&mut nonce_rng));
    let commitment = GroupElement::from_point(&*w * g_table());
    t.append_element(b"T", &commitment);
    let c = t.challenge_scalar(b"c");
    SchnorrProof {
        commitment,
        response: *w + c * secret.as_scalar(),
    }
}

impl SchnorrProof {
    /// Prove knowledge of `secret` (spec §5.1).
    pub fn prove<R: RngCore + CryptoRng>(
        t: &mut Transcript,
        secret: &SecretKey,
        rng: &mut R,
    ) -> Self {
        prove(t, POK_LABEL, secret, None, rng)
    }

    /// Add the check of this proof for `public` to a batch item.
    pub fn add_to_batch(&self, t: &mut Transcript, public: &PublicKey, item: &mut Item<'_>) {
        self.add(t, POK_LABEL, public, None, item)
    }

    fn add(
        &self,
        t: &mut Transcript,
        label: &'static [u8],
        public: &PublicKey,
        msg: Option<&[u8]>,
        item: &mut Item<'_>,
    ) {
        absorb_statement(t, label, public, msg);
        t.append_element(b"T", &self.commitment);
        let c = t.challenge_scalar(b"c");
        // (S1)  z·G − T − c·X = 0
        item.equation()
            .g(self.response)
            .point(-Scalar::ONE, &self.commitment)
            .point(-c, public.element());
    }

    /// Verify on its own (variable time; public data).
    pub fn verify(&self, t: &mut Transcript, public: &PublicKey) -> Result<()> {
        let mut b = BatchVerifier::new();
        self.add_to_batch(t, public, &mut b.item());
        b.vartime_check().map_err(|_| Error::ProofInvalid {
            proof: "Schnorr knowledge",
        })
    }

    /// `T ‖ z`.
    pub fn to_bytes(&self) -> [u8; SCHNORR_LEN] {
        let mut w = Writer::new();
        self.write(&mut w);
        let mut out = [0u8; SCHNORR_LEN];
        out.copy_from_slice(&w.into_bytes());
        out
    }

    /// Decode (canonical, no identity commitment, no trailing bytes).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let p = Self::read(&mut r)?;
        r.finish("Schnorr proof")?;
        Ok(p)
    }

    /// Read from a larger encoding.
    pub fn read(r: &mut Reader<'_>) -> Result<Self> {
        Ok(SchnorrProof {
            commitment: r.element("Schnorr commitment T")?,
            response: r.scalar("Schnorr response z")?,
        })
    }

    /// Append to a larger encoding.
    pub fn write(&self, w: &mut Writer) {
        w.element(&self.commitment).scalar(&self.response);
    }
}

canonical_hex_serde!(SchnorrProof, "Schnorr proof");

impl Signature {
    /// Sign `msg` with `secret` (spec §5.2).
    pub fn sign<R: RngCore + CryptoRng>(
        t: &mut Transcript,
        secret: &SecretKey,
        msg: &[u8],
        rng: &mut R,
    ) -> Self {
        Signature(prove(t, SIGNATURE_LABEL, secret, Some(msg), rng))
    }

    /// Add the check of this signature to a batch item.
    pub fn add_to_batch(
        &self,
        t: &mut Transcript,
        public: &PublicKey,
        msg: &[u8],
        item: &mut Item<'_>,
    ) {
        self.0.add(t, SIGNATURE_LABEL, public, Some(msg), item)
    }

    /// Verify on its own (variable time; public data).
    pub fn verify(&self, t: &mut Transcript, public: &PublicKey, msg: &[u8]) -> Result<()> {
        let mut b = BatchVerifier::new();
        self.add_to_batch(t, public, msg, &mut b.item());
        b.vartime_check().map_err(|_| Error::SignatureInvalid)
    }

    /// `T ‖ z`.
    pub fn to_bytes(&self) -> [u8; SCHNORR_LEN] {
        self.0.to_bytes()
    }

    /// Decode.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        SchnorrProof::from_bytes(bytes).map(Signature)
    }

    /// Read from a larger encoding.
    pub fn read(r: &mut Reader<'_>) -> Result<Self> {
        SchnorrProof::read(r).map(Signature)
    }

    /// Append to a larger encoding.
    pub fn write(&self, w: &mut Writer) {
        self.0.write(w)
    }
}

canonical_hex_serde!(Signature, "signature");
