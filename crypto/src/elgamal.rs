//! Exponential ElGamal over ristretto255 (spec §4).
//!
//! A key pair is `(k, K = k·G)`. A count `m` is encrypted with fresh
//! randomness `r` as `(α, β) = (r·G, m·G + r·K)`. Ciphertexts add
//! component-wise, so the sum of encryptions of `mᵢ` decrypts to `Σ mᵢ·G`,
//! from which [`crate::dlog`] recovers the count.

use std::sync::{Arc, OnceLock};

use curve25519_dalek::ristretto::{RistrettoBasepointTable, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{Identity, VartimeMultiscalarMul};
use rand_core::{CryptoRng, RngCore};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::error::{Error, Result};
use crate::group::{canonical_hex_serde, g_table, GroupElement, Reader, Writer};

/// A secret scalar key (an election key, a trustee share, a credential key).
///
/// Invariant: non-zero. Wiped on drop; all operations are constant time.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SecretKey(Scalar);

impl core::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

impl SecretKey {
    /// A uniformly random non-zero key.
    pub fn generate<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        loop {
            let s = Scalar::random(rng);
            if s != Scalar::ZERO {
                return SecretKey(s);
            }
        }
    }

    /// Decode a canonical, non-zero scalar.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let s = crate::group::scalar_from_bytes(bytes, "secret key")?;
        if s == Scalar::ZERO {
            return Err(Error::InvalidParameter("a secret key must not be zero"));
        }
        Ok(SecretKey(s))
    }

    /// The canonical encoding. The caller must protect and wipe it.
    pub fn to_bytes(&self) -> zeroize::Zeroizing<[u8; 32]> {
        zeroize::Zeroizing::new(self.0.to_bytes())
    }

    /// The matching public key `k·G`.
    pub fn public_key(&self) -> PublicKey {
        PublicKey::from_element(GroupElement::from_point(&self.0 * g_table()))
    }

    pub(crate) fn as_scalar(&self) -> &Scalar {
        &self.0
    }

    /// `k·α`, this key's share of the decryption of `ct` (constant time).
    pub fn partial_decrypt(&self, ct: &Ciphertext) -> RistrettoPoint {
        ct.alpha.point() * self.0
    }

    /// `β − k·α = m·G` (constant time). Use [`crate::dlog`] to get `m`.
    pub fn decrypt_to_point(&self, ct: &Ciphertext) -> RistrettoPoint {
        ct.beta.point() - self.partial_decrypt(ct)
    }
}

/// A public key `K = k·G`; never the identity (spec §4.1 (K1)).
///
/// Holds a lazily built fixed-base table, so encrypting many values to the
/// same key costs a table lookup instead of a variable-base multiplication.
#[derive(Clone)]
pub struct PublicKey {
    element: GroupElement,
    table: OnceLock<Arc<RistrettoBasepointTable>>,
}

impl core::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "PublicKey({})", hex::encode(self.element.to_bytes()))
    }
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.element == other.element
    }
}
impl Eq for PublicKey {}

impl PublicKey {
    pub(crate) fn from_element(element: GroupElement) -> Self {
        PublicKey {
            element,
            table: OnceLock::new(),
        }
    }

    /// Decode; non-canonical encodings and the identity are rejected.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        Ok(Self::from_element(GroupElement::from_bytes(
            bytes,
            "public key",
        )?))
    }

    /// Wrap an already decoded element, rejecting the identity.
    pub fn from_group_element(e: GroupElement) -> Result<Self> {
        if e.is_identity() {
            return Err(Error::IdentityPoint {
                field: "public key",
            });
        }
        Ok(Self::from_element(e))
    }

    /// The canonical encoding.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.element.to_bytes()
    }

    /// The key as a group element.
    pub fn element(&self) -> &GroupElement {
        &self.element
    }

    /// The key as a point.
    pub fn point(&self) -> RistrettoPoint {
        self.element.point()
    }

    /// `s·K` in constant time, through the fixed-base table.
    pub(crate) fn mul(&self, s: &Scalar) -> RistrettoPoint {
        let table = self
            .table
            .get_or_init(|| Arc::new(RistrettoBasepointTable::create(&self.element.point())));
        s * table.as_ref()
    }

    /// Encrypt the count `m` with fresh randomness; returns the nonce too, which
    /// the caller needs for proofs (and, for an audited ballot only, reveals).
    pub fn encrypt<R: RngCore + CryptoRng>(&self, m: u64, rng: &mut R) -> (Ciphertext, Nonce) {
        let r = Nonce(Scalar::random(rng));
        let ct = self.encrypt_with_nonce(m, &r);
        (ct, r)
    }

    /// `(r·G, m·G + r·K)` in constant time.
    pub(crate) fn encrypt_with_nonce(&self, m: u64, r: &Nonce) -> Ciphertext {
        let alpha = &r.0 * g_table();
        let beta = &Scalar::from(m) * g_table() + self.mul(&r.0);
        Ciphertext::from_points(alpha, beta)
    }

    /// Check a revealed opening of an audited (spoiled) ballot: does `ct`
    /// encrypt `m` with randomness `r`? Public data only (spec §4.3 (A1)).
    pub fn vartime_check_opening(&self, ct: &Ciphertext, m: u64, r: &Scalar) -> bool {
        let alpha = RistrettoPoint::vartime_multiscalar_mul([*r], [crate::group::generator_g()]);
        let beta = RistrettoPoint::vartime_multiscalar_mul(
            [Scalar::from(m), *r],
            [crate::group::generator_g(), self.point()],
        );
        alpha == ct.alpha.point() && beta == ct.beta.point()
    }
}

canonical_hex_serde!(PublicKey, "public key");

/// The encryption randomness `r` of one ciphertext. Wiped on drop.
///
/// It is the witness of every proof about the ciphertext; it must never be
/// shown for a cast ballot (receipt-freeness). [`Nonce::reveal`] is for the
/// Benaloh audit of a ballot that will never be cast.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Nonce(pub(crate) Scalar);

impl core::fmt::Debug for Nonce {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Nonce(<redacted>)")
    }
}

impl Nonce {
    /// Reveal the randomness (audit only: the ballot must then be spoiled).
    pub fn reveal(self) -> Scalar {
        self.0
    }
    /// Sum of nonces: the nonce of the sum of ciphertexts.
    pub(crate) fn sum<'a>(ns: impl IntoIterator<Item = &'a Nonce>) -> Nonce {
        Nonce(ns.into_iter().map(|n| n.0).sum())
    }
}

/// An ElGamal ciphertext `(α, β)`.
///
/// Invariant: both components are valid group elements with their canonical
/// encodings. Decoded ciphertexts never contain the identity (spec §4.2
/// (C1)); only a homomorphic sum (which the verifier computes itself) may.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Ciphertext {
    alpha: GroupElement,
    beta: GroupElement,
}

/// Encoded length of a ciphertext.
pub const CIPHERTEXT_LEN: usize = 64;

impl Ciphertext {
    pub(crate) fn from_points(alpha: RistrettoPoint, beta: RistrettoPoint) -> Self {
        Ciphertext {
            alpha: GroupElement::from_point(alpha),
            beta: GroupElement::from_point(beta),
        }
    }

    /// `α = r·G`.
    pub fn alpha(&self) -> &GroupElement {
        &self.alpha
    }

    /// `β = m·G + r·K`.
    pub fn beta(&self) -> &GroupElement {
        &self.beta
    }

    /// `α ‖ β`, 64 bytes.
    pub fn to_bytes(&self) -> [u8; CIPHERTEXT_LEN] {
        let mut out = [0u8; CIPHERTEXT_LEN];
        out[..32].copy_from_slice(&self.alpha.to_bytes());
        out[32..].copy_from_slice(&self.beta.to_bytes());
        out
    }

    /// Decode; non-canonical encodings and the identity are rejected.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let ct = Self::read(&mut r)?;
        r.finish("ciphertext")?;
        Ok(ct)
    }

    /// Read from a larger encoding.
    pub fn read(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Ciphertext {
            alpha: r.element("ciphertext alpha")?,
            beta: r.element("ciphertext beta")?,
        })
    }

    /// Append to a larger encoding.
    pub fn write(&self, w: &mut Writer) {
        w.element(&self.alpha).element(&self.beta);
    }
}

canonical_hex_serde!(Ciphertext, "ciphertext");

/// A running homomorphic sum of ciphertexts (raw points: no compression per step).
#[derive(Clone, Copy, Debug)]
pub struct CiphertextSum {
    alpha: RistrettoPoint,
    beta: RistrettoPoint,
}

impl Default for CiphertextSum {
    fn default() -> Self {
        Self::zero()
    }
}

impl CiphertextSum {
    /// The encryption of 0 with randomness 0: the sum of no ciphertexts.
    pub fn zero() -> Self {
        CiphertextSum {
            alpha: RistrettoPoint::identity(),
            beta: RistrettoPoint::identity(),
        }
    }

    /// Add one ciphertext.
    pub fn add(&mut self, ct: &Ciphertext) {
        self.alpha += ct.alpha.point();
        self.beta += ct.beta.point();
    }

    /// Add `weight·ct` (a weighted ballot, spec §4.2 (C3)); public data, variable time.
    pub fn vartime_add_weighted(&mut self, ct: &Ciphertext, weight: u64) {
        if weight == 1 {
            return self.add(ct);
        }
        let w = Scalar::from(weight);
        self.alpha += RistrettoPoint::vartime_multiscalar_mul([w], [ct.alpha.point()]);
        self.beta += RistrettoPoint::vartime_multiscalar_mul([w], [ct.beta.point()]);
    }

    /// Merge another partial sum (for parallel aggregation).
    pub fn merge(&mut self, other: &CiphertextSum) {
        self.alpha += other.alpha;
        self.beta += other.beta;
    }

    /// `self − other`: e.g. all ballots minus the superseded ones.
    pub fn difference(&self, other: &CiphertextSum) -> CiphertextSum {
        CiphertextSum {
            alpha: self.alpha - other.alpha,
            beta: self.beta - other.beta,
        }
    }

    /// The sum as a ciphertext (may contain the identity).
    pub fn to_ciphertext(&self) -> Ciphertext {
        Ciphertext::from_points(self.alpha, self.beta)
    }
}

impl core::ops::Add<&Ciphertext> for &Ciphertext {
    type Output = CiphertextSum;
    fn add(self, rhs: &Ciphertext) -> CiphertextSum {
        let mut s = CiphertextSum::zero();
        s.add(self);
        s.add(rhs);
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::OsRng;

    #[test]
    fn encrypt_decrypt_and_add() {
        let k = SecretKey::generate(&mut OsRng);
        let pk = k.public_key();
        let (c1, _) = pk.encrypt(3, &mut OsRng);
        let (c2, _) = pk.encrypt(4, &mut OsRng);
        let sum = (&c1 + &c2).to_ciphertext();
        assert_eq!(k.decrypt_to_point(&sum), &Scalar::from(7u64) * g_table());
        let mut w = CiphertextSum::zero();
        w.vartime_add_weighted(&c1, 5);
        assert_eq!(
            k.decrypt_to_point(&w.to_ciphertext()),
            &Scalar::from(15u64) * g_table()
        );
    }

    #[test]
    fn opening_check() {
        let k = SecretKey::generate(&mut OsRng);
        let pk = k.public_key();
        let (c, r) = pk.encrypt(1, &mut OsRng);
        let r = r.reveal();
        assert!(pk.vartime_check_opening(&c, 1, &r));
        assert!(!pk.vartime_check_opening(&c, 0, &r));
    }

    #[test]
    fn ciphertext_rejects_identity_and_trailing() {
        let k = SecretKey::generate(&mut OsRng);
        let (c, _) = k.public_key().encrypt(1, &mut OsRng);
        let mut b = c.to_bytes().to_vec();
        assert_eq!(Ciphertext::from_bytes(&b).unwrap(), c);
        b.push(0);
        assert!(matches!(
            Ciphertext::from_bytes(&b),
            Err(Error::TrailingBytes { .. })
        ));
        let mut z = c.to_bytes();
        z[..32].fill(0);
        assert_eq!(
            Ciphertext::from_bytes(&z),
            Err(Error::IdentityPoint {
                field: "ciphertext alpha"
            })
        );
    }
}
