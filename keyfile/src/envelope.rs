//! The sealing shared by every key file format (spec/trustees.md §16
//! (KF1)–(KF3), (KF5); spec/record.md §1.4 (KR2)):
//!
//! ```text
//! header (in clear, authenticated as the AEAD's associated data)
//!   magic (16) ‖ u8 version ‖ prefix (the format's, may be empty)
//!   ‖ u8(1) Argon2id v0x13 ‖ BE32(m KiB) ‖ BE32(t) ‖ BE32(p) ‖ salt (16)
//!   ‖ u8(1) XChaCha20-Poly1305 ‖ nonce (24)
//!   ‖ suffix (the format's)
//! ciphertext ‖ tag (16)
//! ```
//!
//! A [`Format`] names the magic, the version and the lengths of its own
//! fields; this module checks and encodes everything else, derives the key
//! and seals or opens the contents. Plaintexts live only in [`Zeroizing`]
//! buffers allocated once with room for the tag, so that encryption in
//! place never reallocates (a reallocation would leave a copy in freed
//! memory).

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{AeadInPlace, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand_core::{CryptoRng, RngCore};
use zeroize::Zeroizing;

use crate::Error;

/// Salt length.
pub const SALT_LEN: usize = 16;
/// XChaCha20 nonce length.
pub const NONCE_LEN: usize = 24;
/// Poly1305 tag length.
pub const TAG_LEN: usize = 16;
/// KDF id: Argon2id, version 0x13 (RFC 9106).
const KDF_ARGON2ID: u8 = 1;
/// AEAD id: XChaCha20-Poly1305.
const AEAD_XCHACHA20_POLY1305: u8 = 1;
/// The length of the KDF and AEAD fields between a format's prefix and
/// suffix: kdf id, `m`, `t`, `p`, salt, aead id, nonce.
const CRYPTO_FIELDS_LEN: usize = 1 + 12 + SALT_LEN + 1 + NONCE_LEN;

/// The environment variable that selects the insecure test KDF parameters.
pub const TEST_PARAMS_ENV: &str = "URNA_KDF_TEST_PARAMS";

/// Largest memory cost accepted when reading (2 GiB): a modified header
/// must not make opening exhaust the machine's memory.
const MAX_M_KIB: u32 = 2 * 1024 * 1024;
/// Largest time cost accepted when reading.
const MAX_T: u32 = 64;
/// Largest parallelism accepted when reading.
const MAX_P: u32 = 64;

/// Argon2id cost parameters (spec/trustees.md §16 (KF2)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KdfParams {
    /// Memory, in KiB.
    pub m_kib: u32,
    /// Passes over the memory.
    pub t: u32,
    /// Lanes.
    pub p: u32,
}

impl KdfParams {
    /// What new key files use: 64 MiB, 3 passes, 1 lane (about a second).
    pub const DEFAULT: KdfParams = KdfParams {
        m_kib: 64 * 1024,
        t: 3,
        p: 1,
    };

    /// # WARNING
    /// For tests only: a passphrase under these parameters can be guessed
    /// thousands of times faster. Selected by `URNA_KDF_TEST_PARAMS=1`.
    pub const INSECURE_TEST: KdfParams = KdfParams {
        m_kib: 64,
        t: 1,
        p: 1,
    };

    /// [`KdfParams::INSECURE_TEST`] if `URNA_KDF_TEST_PARAMS=1`, else
    /// [`KdfParams::DEFAULT`].
    pub fn from_env() -> KdfParams {
        match std::env::var(TEST_PARAMS_ENV) {
            Ok(v) if v == "1" => KdfParams::INSECURE_TEST,
            _ => KdfParams::DEFAULT,
        }
    }

    /// Weaker than the recommended minimum (OWASP: 19 MiB, 2 passes)?
    pub fn is_weak(&self) -> bool {
        self.m_kib < 19 * 1024 || self.t < 2
    }

    fn argon2(&self) -> Result<Argon2<'static>, String> {
        if self.m_kib > MAX_M_KIB || self.t > MAX_T || self.p > MAX_P {
            return Err(format!(
                "KDF parameters out of range (m = {} KiB, t = {}, p = {})",
                self.m_kib, self.t, self.p
            ));
        }
        let params = Params::new(self.m_kib, self.t, self.p, Some(32))
            .map_err(|e| format!("KDF parameters: {e}"))?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }
}

/// `Argon2id(passphrase, salt)`, 32 bytes (spec/trustees.md §16 (KF2)).
pub fn derive_key(
    kdf: &KdfParams,
    salt: &[u8; SALT_LEN],
    passphrase: &[u8],
) -> Result<Zeroizing<[u8; 32]>, String> {
    let mut key = Zeroizing::new([0u8; 32]);
    kdf.argon2()?
        .hash_password_into(passphrase, salt, key.as_mut())
        .map_err(|e| format!("key derivation: {e}"))?;
    Ok(key)
}

/// One key file format: what surrounds the shared KDF and AEAD fields.
#[derive(Clone, Copy, Debug)]
pub struct Format {
    /// The first 16 bytes of every file.
    pub magic: &'static [u8; 16],
    /// The format version written and read.
    pub version: u8,
    /// Length of the format's fields between the version and the KDF id.
    pub prefix_len: usize,
    /// Length of the format's fields after the nonce.
    pub suffix_len: usize,
    /// The plaintext's length when fixed (the file's length is then
    /// fixed too, and checked).
    pub plaintext_len: Option<usize>,
    /// How errors name a file of this format ("a trustee key file").
    pub kind: &'static str,
}

/// A key file's parts, split and checked but not opened.
#[derive(Clone, Debug)]
pub struct Sealed<'a> {
    /// The whole clear header: the associated data.
    pub header: &'a [u8],
    /// The format's fields before the KDF id.
    pub prefix: &'a [u8],
    /// Argon2id costs.
    pub kdf: KdfParams,
    /// Argon2id salt.
    pub salt: [u8; SALT_LEN],
    /// XChaCha20-Poly1305 nonce.
    pub nonce: [u8; NONCE_LEN],
    /// The format's fields after the nonce.
    pub suffix: &'a [u8],
    /// Ciphertext and tag.
    pub ciphertext: &'a [u8],
}

impl Format {
    /// The length of the clear header.
    pub const fn header_len(&self) -> usize {
        16 + 1 + self.prefix_len + CRYPTO_FIELDS_LEN + self.suffix_len
    }

    /// The clear header of a file of this format.
    pub fn header(
        &self,
        prefix: &[u8],
        kdf: &KdfParams,
        salt: &[u8; SALT_LEN],
        nonce: &[u8; NONCE_LEN],
        suffix: &[u8],
    ) -> Vec<u8> {
        debug_assert_eq!(prefix.len(), self.prefix_len);
        debug_assert_eq!(suffix.len(), self.suffix_len);
        let mut h = Vec::with_capacity(self.header_len());
        h.extend_from_slice(self.magic);
        h.push(self.version);
        h.extend_from_slice(prefix);
        h.push(KDF_ARGON2ID);
        h.extend_from_slice(&kdf.m_kib.to_be_bytes());
        h.extend_from_slice(&kdf.t.to_be_bytes());
        h.extend_from_slice(&kdf.p.to_be_bytes());
        h.extend_from_slice(salt);
        h.push(AEAD_XCHACHA20_POLY1305);
        h.extend_from_slice(nonce);
        h.extend_from_slice(suffix);
        h
    }

    /// Split a file into its parts, checking the magic, the length, the
    /// version and the algorithm ids; the format's own fields are left to
    /// its code. The error says what is wrong, for "not a key file".
    pub fn split<'a>(&self, bytes: &'a [u8]) -> Result<Sealed<'a>, String> {
        let magic = self.magic.as_slice();
        if bytes.len() < magic.len() || &bytes[..magic.len()] != magic {
            return Err(format!(
                "it does not start with {}",
                String::from_utf8_lossy(magic)
            ));
        }
        let header_len = self.header_len();
        match self.plaintext_len {
            Some(n) if bytes.len() != header_len + n + TAG_LEN => {
                return Err(format!(
                    "it is {} bytes long, not {}",
                    bytes.len(),
                    header_len + n + TAG_LEN
                ))
            }
            None if bytes.len() < header_len + TAG_LEN => return Err("it is truncated".into()),
            _ => {}
        }
        let (h, ciphertext) = bytes.split_at(header_len);
        if h[16] != self.version {
            return Err(format!(
                "unknown format version {} (made by a newer version?)",
                h[16]
            ));
        }
        let prefix = &h[17..17 + self.prefix_len];
        let at = 17 + self.prefix_len;
        if h[at] != KDF_ARGON2ID {
            return Err(format!("unknown key derivation function {}", h[at]));
        }
        let be32 = |i: usize| u32::from_be_bytes([h[i], h[i + 1], h[i + 2], h[i + 3]]);
        let kdf = KdfParams {
            m_kib: be32(at + 1),
            t: be32(at + 5),
            p: be32(at + 9),
        };
        let mut salt = [0u8; SALT_LEN];
        salt.copy_from_slice(&h[at + 13..at + 13 + SALT_LEN]);
        let at = at + 13 + SALT_LEN;
        if h[at] != AEAD_XCHACHA20_POLY1305 {
            return Err(format!("unknown encryption algorithm {}", h[at]));
        }
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&h[at + 1..at + 1 + NONCE_LEN]);
        Ok(Sealed {
            header: h,
            prefix,
            kdf,
            salt,
            nonce,
            suffix: &h[at + 1 + NONCE_LEN..],
            ciphertext,
        })
    }
}

/// The key a file is sealed under, `Argon2id(passphrase, salt)`, with the
/// costs and salt that made it. Wiped on drop.
pub struct SealingKey {
    kdf: KdfParams,
    salt: [u8; SALT_LEN],
    key: Zeroizing<[u8; 32]>,
}

impl core::fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "SealingKey({:?}, <redacted>)", self.kdf)
    }
}

impl SealingKey {
    /// A key for a new file: a fresh salt (spec/trustees.md §16 (KF2)).
    /// Takes about a second with [`KdfParams::DEFAULT`].
    pub fn new<R: RngCore + CryptoRng>(
        kdf: KdfParams,
        passphrase: &[u8],
        rng: &mut R,
    ) -> Result<SealingKey, Error> {
        let mut salt = [0u8; SALT_LEN];
        rng.fill_bytes(&mut salt);
        SealingKey::derive(kdf, salt, passphrase).map_err(Error::Seal)
    }

    /// The key of an existing file, from its costs and salt. Refuses costs
    /// beyond the limits before deriving anything.
    pub fn derive(
        kdf: KdfParams,
        salt: [u8; SALT_LEN],
        passphrase: &[u8],
    ) -> Result<SealingKey, String> {
        let key = derive_key(&kdf, &salt, passphrase)?;
        Ok(SealingKey { kdf, salt, key })
    }

    /// The Argon2id costs.
    pub fn kdf(&self) -> KdfParams {
        self.kdf
    }

    /// Seal `plaintext` (allocated with room for the tag, see
    /// [`plaintext_buffer`]) under this key with a fresh nonce: the whole
    /// file, header and ciphertext (spec/trustees.md §16 (KF3)).
    pub fn seal<R: RngCore + CryptoRng>(
        &self,
        format: &Format,
        prefix: &[u8],
        suffix: &[u8],
        mut plaintext: Zeroizing<Vec<u8>>,
        rng: &mut R,
    ) -> Result<Vec<u8>, Error> {
        let mut nonce = [0u8; NONCE_LEN];
        rng.fill_bytes(&mut nonce);
        let header = format.header(prefix, &self.kdf, &self.salt, &nonce, suffix);
        XChaCha20Poly1305::new(self.key.as_ref().into())
            .encrypt_in_place(XNonce::from_slice(&nonce), &header, &mut *plaintext)
            .map_err(|_| Error::Seal("encryption failed".into()))?;
        let mut out = header;
        out.extend_from_slice(&plaintext);
        Ok(out)
    }

    /// Open a file split by [`Format::split`]: its plaintext, in a wiped
    /// buffer. A wrong passphrase and a modified byte are the same error,
    /// [`Error::WrongPassphrase`].
    pub fn open(&self, sealed: &Sealed<'_>) -> Result<Zeroizing<Vec<u8>>, Error> {
        let mut buf = Zeroizing::new(Vec::with_capacity(sealed.ciphertext.len()));
        buf.extend_from_slice(sealed.ciphertext);
        XChaCha20Poly1305::new(self.key.as_ref().into())
            .decrypt_in_place(XNonce::from_slice(&sealed.nonce), sealed.header, &mut *buf)
            .map_err(|_| Error::WrongPassphrase)?;
        Ok(buf)
    }
}

/// An empty plaintext buffer with room for `len` bytes and the tag.
pub fn plaintext_buffer(len: usize) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(Vec::with_capacity(len + TAG_LEN))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::OsRng;

    const F: Format = Format {
        magic: b"URNA-EXAMPLE-KEY",
        version: 1,
        prefix_len: 2,
        suffix_len: 3,
        plaintext_len: None,
        kind: "an example key file",
    };

    #[test]
    fn layout_and_round_trip() {
        let key = SealingKey::new(KdfParams::INSECURE_TEST, b"pass", &mut OsRng).unwrap();
        let mut pt = plaintext_buffer(5);
        pt.extend_from_slice(b"hello");
        let bytes = key.seal(&F, b"ab", b"xyz", pt, &mut OsRng).unwrap();
        assert_eq!(F.header_len(), 16 + 1 + 2 + 54 + 3);
        assert_eq!(bytes.len(), F.header_len() + 5 + TAG_LEN);
        let s = F.split(&bytes).unwrap();
        assert_eq!((s.prefix, s.suffix), (&b"ab"[..], &b"xyz"[..]));
        assert_eq!(s.kdf, KdfParams::INSECURE_TEST);
        let again = SealingKey::derive(s.kdf, s.salt, b"pass").unwrap();
        assert_eq!(&again.open(&s).unwrap()[..], b"hello");
        let wrong = SealingKey::derive(s.kdf, s.salt, b"pass!").unwrap();
        assert!(matches!(wrong.open(&s), Err(Error::WrongPassphrase)));
        // Every header byte is the AEAD's associated data.
        for i in 0..F.header_len() {
            let mut b = bytes.clone();
            b[i] ^= 1;
            let opened = F.split(&b).map_err(|_| ()).and_then(|s| {
                SealingKey::derive(s.kdf, s.salt, b"pass")
                    .map_err(|_| ())
                    .and_then(|k| k.open(&s).map_err(|_| ()))
            });
            assert!(opened.is_err(), "header byte {i}");
        }
    }

    #[test]
    fn hostile_kdf_parameters_are_refused_before_use() {
        let m = KdfParams {
            m_kib: 4 << 20,
            t: 1,
            p: 1,
        };
        assert!(derive_key(&m, &[0; SALT_LEN], b"x").is_err());
    }

    #[test]
    fn fixed_length() {
        let f = Format {
            plaintext_len: Some(4),
            ..F
        };
        let key = SealingKey::new(KdfParams::INSECURE_TEST, b"pass", &mut OsRng).unwrap();
        let mut pt = plaintext_buffer(4);
        pt.extend_from_slice(b"abcd");
        let bytes = key.seal(&f, b"ab", b"xyz", pt, &mut OsRng).unwrap();
        assert!(f.split(&bytes).is_ok());
        assert!(f.split(&bytes[..bytes.len() - 1]).is_err());
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(f.split(&longer).is_err());
    }
}
