//! Encryption of a dealt share to its recipient (spec/trustees.md §7.3).
//!
//! Dealer `i` sends `f_i(j)` to trustee `j`, whose encryption key is `E_j`:
//!
//! - (E1) draw `r ≠ 0`; `R = r·G`; `D = r·E_j` (ephemeral–static Diffie–Hellman);
//! - (E2) the binding `B = "urna/v1/dkg/share" ‖ params ‖ i ‖ j ‖ R ‖ E_j`;
//! - (E3) `okm = HKDF-SHA256(salt = "urna/v1/dkg/share-kdf", ikm = D, info = B)`,
//!   44 bytes: `key = okm[0..32]`, `nonce = okm[32..44]`;
//! - (E4) `ct = ChaCha20-Poly1305(key, nonce, aad = B, f_i(j))`, 48 bytes
//!   (the 32-byte canonical scalar and the 16-byte tag).
//!
//! The recipient computes `D = e_j·R` and reverses the steps: (V1) the tag
//! must verify, (V2) the plaintext must be a canonical scalar. Every key is
//! used once (fresh `r`), so the derived nonce never repeats under a key.
//!
//! A recipient that complains reveals `D` with a proof ([`super::Complaint`]);
//! anyone can then run the same decryption.
//!
//! **Encoding.** `j ‖ R ‖ ct`, 81 bytes.

use chacha20poly1305::aead::{AeadInPlace, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce, Tag};
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use hkdf::Hkdf;
use rand_core::{CryptoRng, RngCore};
use sha2::Sha256;
use zeroize::Zeroizing;

use super::CeremonyParams;
use crate::elgamal::{PublicKey, SecretKey};
use crate::error::{Error, Result};
use crate::group::{GroupElement, Reader, Writer};

/// Prefix of the binding `B` (spec/trustees.md §7.3 (E2)).
pub const SHARE_BINDING_LABEL: &[u8] = b"urna/v1/dkg/share";
/// HKDF salt (spec/trustees.md §7.3 (E3)).
pub const SHARE_KDF_SALT: &[u8] = b"urna/v1/dkg/share-kdf";

/// Length of the AEAD ciphertext: a 32-byte scalar and a 16-byte tag.
pub const SHARE_CIPHERTEXT_LEN: usize = 48;
/// Encoded length of an [`EncryptedShare`]: `j ‖ R ‖ ct`.
pub const ENCRYPTED_SHARE_LEN: usize = 1 + 32 + SHARE_CIPHERTEXT_LEN;

/// One share `f_i(j)`, encrypted to recipient `j`.
///
/// Invariant: `ephemeral` is not the identity (decoding rejects it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EncryptedShare {
    recipient: u8,
    ephemeral: GroupElement,
    ciphertext: [u8; SHARE_CIPHERTEXT_LEN],
}

impl EncryptedShare {
    /// Encrypt `share` from `dealer` to `recipient` (spec/trustees.md §7.3).
    /// The share is a secret: everything but the public outputs runs in constant time.
    pub fn encrypt<R: RngCore + CryptoRng>(
        params: &CeremonyParams,
        dealer: u8,
        recipient: u8,
        recipient_key: &PublicKey,
        share: &Scalar,
        rng: &mut R,
    ) -> Result<Self> {
        params.check_index(dealer)?;
        params.check_index(recipient)?;
        // (E1)
        let r = SecretKey::generate(rng);
        let ephemeral = *r.public_key().element();
        let dh = Zeroizing::new(
            (recipient_key.point() * r.as_scalar())
                .compress()
                .to_bytes(),
        );
        // (E2), (E3)
        let binding = binding(params, dealer, recipient, &ephemeral, recipient_key);
        let (cipher, nonce) = derive_cipher(&dh, &binding)?;
        // (E4)
        let mut buf = Zeroizing::new(share.to_bytes());
        let tag = cipher
            .encrypt_in_place_detached(&nonce, &binding, buf.as_mut())
            .map_err(|_| Error::Malformed {
                field: "share encryption",
            })?;
        let mut ciphertext = [0u8; SHARE_CIPHERTEXT_LEN];
        ciphertext[..32].copy_from_slice(buf.as_ref());
        ciphertext[32..].copy_from_slice(&tag);
        Ok(EncryptedShare {
            recipient,
            ephemeral,
            ciphertext,
        })
    }

    /// The recipient `j`.
    pub fn recipient(&self) -> u8 {
        self.recipient
    }

    /// The ephemeral key `R = r·G`.
    pub fn ephemeral(&self) -> &GroupElement {
        &self.ephemeral
    }

    /// The AEAD ciphertext and tag.
    pub fn ciphertext(&self) -> &[u8; SHARE_CIPHERTEXT_LEN] {
        &self.ciphertext
    }

    /// `D = e·R` for the recipient's encryption secret `e` (constant time).
    pub(crate) fn dh(&self, secret: &SecretKey) -> RistrettoPoint {
        self.ephemeral.point() * secret.as_scalar()
    }

    /// Decrypt with the recipient's secret: `None` if (V1) or (V2) fails.
    pub(crate) fn decrypt(
        &self,
        params: &CeremonyParams,
        dealer: u8,
        secret: &SecretKey,
    ) -> Option<Zeroizing<Scalar>> {
        let dh = Zeroizing::new(self.dh(secret).compress().to_bytes());
        self.open(params, dealer, &secret.public_key(), &dh)
    }

    /// Decrypt with a Diffie–Hellman value `D` (revealed by a complaint, or
    /// computed by the recipient): `None` if (V1) or (V2) fails.
    pub(crate) fn open(
        &self,
        params: &CeremonyParams,
        dealer: u8,
        recipient_key: &PublicKey,
        dh: &[u8; 32],
    ) -> Option<Zeroizing<Scalar>> {
        let binding = binding(
            params,
            dealer,
            self.recipient,
            &self.ephemeral,
            recipient_key,
        );
        let (cipher, nonce) = derive_cipher(dh, &binding).ok()?;
        let mut buf = Zeroizing::new([0u8; 32]);
        buf.copy_from_slice(&self.ciphertext[..32]);
        let tag = Tag::from_slice(&self.ciphertext[32..]);
        // spec/trustees.md §8.1 (V1)
        cipher
            .decrypt_in_place_detached(&nonce, &binding, buf.as_mut(), tag)
            .ok()?;
        // spec/trustees.md §8.1 (V2)
        let s: Option<Scalar> = Scalar::from_canonical_bytes(*buf).into();
        s.map(Zeroizing::new)
    }

    /// `j ‖ R ‖ ct`.
    pub fn write(&self, w: &mut Writer) {
        w.u8(self.recipient)
            .element(&self.ephemeral)
            .fixed(&self.ciphertext);
    }

    /// Read `j ‖ R ‖ ct` (the identity `R` is rejected).
    pub fn read(r: &mut Reader<'_>) -> Result<Self> {
        let recipient = r.u8("share recipient")?;
        let ephemeral = r.element("share ephemeral key R")?;
        let mut ciphertext = [0u8; SHARE_CIPHERTEXT_LEN];
        ciphertext.copy_from_slice(r.take(SHARE_CIPHERTEXT_LEN, "share ciphertext")?);
        Ok(EncryptedShare {
            recipient,
            ephemeral,
            ciphertext,
        })
    }
}

/// (E2) `B = "urna/v1/dkg/share" ‖ params ‖ i ‖ j ‖ R ‖ E_j`.
fn binding(
    params: &CeremonyParams,
    dealer: u8,
    recipient: u8,
    ephemeral: &GroupElement,
    recipient_key: &PublicKey,
) -> Vec<u8> {
    let mut w = Writer::new();
    w.fixed(SHARE_BINDING_LABEL);
    params.write(&mut w);
    w.u8(dealer)
        .u8(recipient)
        .element(ephemeral)
        .element(recipient_key.element());
    w.into_bytes()
}

/// (E3) the AEAD key and nonce from `D` and `B`.
fn derive_cipher(dh: &[u8; 32], binding: &[u8]) -> Result<(ChaCha20Poly1305, Nonce)> {
    let hk = Hkdf::<Sha256>::new(Some(SHARE_KDF_SALT), dh);
    let mut okm = Zeroizing::new([0u8; 44]);
    hk.expand(binding, okm.as_mut())
        .map_err(|_| Error::Malformed { field: "share key" })?;
    let cipher = ChaCha20Poly1305::new(Key::from_slice(&okm[..32]));
    let nonce = *Nonce::from_slice(&okm[32..]);
    Ok((cipher, nonce))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::OsRng;

    #[test]
    fn round_trip_and_binding() {
        let p = CeremonyParams::new([3; 32], 3, 2).unwrap();
        let e = SecretKey::generate(&mut OsRng);
        let s = Scalar::random(&mut OsRng);
        let c = EncryptedShare::encrypt(&p, 1, 2, &e.public_key(), &s, &mut OsRng).unwrap();
        assert_eq!(*c.decrypt(&p, 1, &e).unwrap(), s);
        // Bound to the dealer, the election and the recipient's key.
        assert!(c.decrypt(&p, 3, &e).is_none());
        let q = CeremonyParams::new([4; 32], 3, 2).unwrap();
        assert!(c.decrypt(&q, 1, &e).is_none());
        assert!(c.decrypt(&p, 1, &SecretKey::generate(&mut OsRng)).is_none());
        let mut w = Writer::new();
        c.write(&mut w);
        let b = w.into_bytes();
        assert_eq!(b.len(), ENCRYPTED_SHARE_LEN);
        assert_eq!(EncryptedShare::read(&mut Reader::new(&b)).unwrap(), c);
    }
}
