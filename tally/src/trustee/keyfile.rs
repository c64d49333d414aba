//! The trustee key file: the secret state of one trustee (spec/trustees.md
//! §5.7), and after round 4 its key share, sealed under a passphrase with
//! Argon2id and XChaCha20-Poly1305 (spec/trustees.md §16 (KF1)–(KF7)).
//!
//! ```text
//! header (107 bytes, in clear, authenticated as the AEAD's associated data)
//!   "URNA-TRUSTEE-KEY" ‖ u8(1) version
//!   ‖ u8(1) Argon2id v0x13 ‖ BE32(m KiB) ‖ BE32(t) ‖ BE32(p) ‖ salt (16)
//!   ‖ u8(1) XChaCha20-Poly1305 ‖ nonce (24)
//!   ‖ params (34) ‖ u8(i) ‖ u8(has key share)
//! ciphertext ‖ tag (16)
//!   of BE32(|state|) ‖ state [‖ BE32(|share|) ‖ share]
//! ```
//!
//! The secret state and key share never exist on disk or in a buffer that
//! is not wiped: every plaintext is a [`Zeroizing`] buffer, allocated once
//! with room for the tag so that encryption in place never reallocates
//! (a reallocation would leave a copy in freed memory).

use std::path::Path;

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{AeadInPlace, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand_core::{CryptoRng, RngCore};
use urna_crypto::dkg::{CeremonyParams, KeyShare, Trustee, PARAMS_LEN};
use zeroize::Zeroizing;

use super::TrusteeError;

/// The first bytes of every key file (spec/trustees.md §16 (KF1)).
pub const MAGIC: &[u8; 16] = b"URNA-TRUSTEE-KEY";
/// The format version this code writes and reads.
pub const VERSION: u8 = 1;
/// KDF id: Argon2id, version 0x13 (RFC 9106).
const KDF_ARGON2ID: u8 = 1;
/// AEAD id: XChaCha20-Poly1305.
const AEAD_XCHACHA20_POLY1305: u8 = 1;
/// Salt length.
pub const SALT_LEN: usize = 16;
/// XChaCha20 nonce length.
pub const NONCE_LEN: usize = 24;
/// Poly1305 tag length.
const TAG_LEN: usize = 16;
/// The header length: everything before the ciphertext. Offsets: magic 0,
/// version 16, KDF id 17, `m` 18, `t` 22, `p` 26, salt 30, AEAD id 46,
/// nonce 47, params 71, index 105, contents flag 106.
pub const HEADER_LEN: usize = 107;
const _: () = assert!(HEADER_LEN == 71 + PARAMS_LEN + 2);
/// The environment variable that selects the insecure test KDF parameters.
pub const TEST_PARAMS_ENV: &str = "URNA_KDF_TEST_PARAMS";

/// Largest memory cost accepted when reading (2 GiB): a modified header
/// must not make `open` exhaust the machine's memory.
const MAX_M_KIB: u32 = 2 * 1024 * 1024;
/// Largest time cost accepted when reading.
const MAX_T: u32 = 64;
/// Largest parallelism accepted when reading.
const MAX_P: u32 = 64;
/// Largest plaintext part accepted (a state or share is a few KiB).
const MAX_PART: usize = 1 << 20;

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
    /// What `init` uses: 64 MiB, 3 passes, 1 lane (about a second).
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

/// The public header (spec/trustees.md §16 (KF1)): readable without the
/// passphrase, so commands can say which trustee and election a key file
/// is for, and refuse early.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyFileHeader {
    /// Argon2id costs.
    pub kdf: KdfParams,
    /// Argon2id salt.
    pub salt: [u8; SALT_LEN],
    /// XChaCha20-Poly1305 nonce.
    pub nonce: [u8; NONCE_LEN],
    /// The ceremony (election id = manifest hash, `n`, `k`).
    pub params: CeremonyParams,
    /// The trustee index.
    pub index: u8,
    /// Whether the sealed contents include a key share (round 4 is done).
    pub has_key_share: bool,
}

impl KeyFileHeader {
    fn encode(&self) -> [u8; HEADER_LEN] {
        let mut h = Vec::with_capacity(HEADER_LEN);
        h.extend_from_slice(MAGIC);
        h.push(VERSION);
        h.push(KDF_ARGON2ID);
        h.extend_from_slice(&self.kdf.m_kib.to_be_bytes());
        h.extend_from_slice(&self.kdf.t.to_be_bytes());
        h.extend_from_slice(&self.kdf.p.to_be_bytes());
        h.extend_from_slice(&self.salt);
        h.push(AEAD_XCHACHA20_POLY1305);
        h.extend_from_slice(&self.nonce);
        h.extend_from_slice(&self.params.to_bytes());
        h.push(self.index);
        h.push(u8::from(self.has_key_share));
        let mut out = [0u8; HEADER_LEN];
        out.copy_from_slice(&h);
        out
    }

    /// Decode the header of a key file (spec/trustees.md §16 (KF1)).
    /// Returns the header and the ciphertext after it.
    pub fn decode(bytes: &[u8]) -> Result<(KeyFileHeader, &[u8]), String> {
        if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
            return Err("it does not start with URNA-TRUSTEE-KEY".into());
        }
        if bytes.len() < HEADER_LEN + TAG_LEN {
            return Err("it is truncated".into());
        }
        let (h, ct) = bytes.split_at(HEADER_LEN);
        let be32 = |at: usize| u32::from_be_bytes([h[at], h[at + 1], h[at + 2], h[at + 3]]);
        if h[16] != VERSION {
            return Err("unknown format version (made by a newer tally?)".into());
        }
        if h[17] != KDF_ARGON2ID {
            return Err("unknown key derivation function".into());
        }
        let kdf = KdfParams {
            m_kib: be32(18),
            t: be32(22),
            p: be32(26),
        };
        let mut salt = [0u8; SALT_LEN];
        salt.copy_from_slice(&h[30..30 + SALT_LEN]);
        if h[46] != AEAD_XCHACHA20_POLY1305 {
            return Err("unknown encryption algorithm".into());
        }
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&h[47..47 + NONCE_LEN]);
        let params = CeremonyParams::from_bytes(&h[71..71 + PARAMS_LEN])
            .map_err(|e| format!("ceremony parameters: {e}"))?;
        let index = h[105];
        params
            .check_index(index)
            .map_err(|e| format!("trustee index: {e}"))?;
        let has_key_share = match h[106] {
            0 => false,
            1 => true,
            _ => return Err("bad contents flag".into()),
        };
        Ok((
            KeyFileHeader {
                kdf,
                salt,
                nonce,
                params,
                index,
                has_key_share,
            },
            ct,
        ))
    }

    /// Read just the header of the key file at `path`.
    pub fn read(path: &Path) -> Result<KeyFileHeader, TrusteeError> {
        let bytes = std::fs::read(path).map_err(|e| TrusteeError::io(path, e))?;
        KeyFileHeader::decode(&bytes)
            .map(|(h, _)| h)
            .map_err(|reason| TrusteeError::NotAKeyFile {
                path: path.to_path_buf(),
                reason,
            })
    }
}

/// An unlocked key file: the trustee's secrets and the key that seals
/// them. Wiped on drop (every field is); never printed.
pub struct KeyFile {
    kdf: KdfParams,
    salt: [u8; SALT_LEN],
    key: Zeroizing<[u8; 32]>,
    trustee: Trustee,
    key_share: Option<KeyShare>,
}

impl core::fmt::Debug for KeyFile {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "KeyFile(trustee {}, <redacted>)", self.trustee.index())
    }
}

/// `Argon2id(passphrase, salt)`, 32 bytes (spec/trustees.md §16 (KF2)).
/// Also seals the organizer's and credential authority's key files
/// (spec/record.md §1.4).
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

impl KeyFile {
    /// A new key file for `trustee`, sealed under `passphrase` with a fresh
    /// salt. Takes about a second with [`KdfParams::DEFAULT`].
    pub fn create<R: RngCore + CryptoRng>(
        trustee: Trustee,
        passphrase: &[u8],
        kdf: KdfParams,
        rng: &mut R,
    ) -> Result<KeyFile, TrusteeError> {
        let mut salt = [0u8; SALT_LEN];
        rng.fill_bytes(&mut salt);
        let key = derive_key(&kdf, &salt, passphrase).map_err(TrusteeError::Seal)?;
        Ok(KeyFile {
            kdf,
            salt,
            key,
            trustee,
            key_share: None,
        })
    }

    /// Unlock the key file `bytes` with `passphrase` (spec/trustees.md §16
    /// (KF6)). A wrong passphrase and a modified file are the same error,
    /// [`TrusteeError::WrongPassphrase`]: the tag cannot tell them apart.
    pub fn open(path: &Path, bytes: &[u8], passphrase: &[u8]) -> Result<KeyFile, TrusteeError> {
        let not_key_file = |reason: String| TrusteeError::NotAKeyFile {
            path: path.to_path_buf(),
            reason,
        };
        let (header, ct) = KeyFileHeader::decode(bytes).map_err(not_key_file)?;
        let key = derive_key(&header.kdf, &header.salt, passphrase).map_err(not_key_file)?;
        let aad = header.encode();
        // spec/trustees.md §16 (KF3): the plaintext only ever lives here.
        let mut buf = Zeroizing::new(Vec::with_capacity(ct.len()));
        buf.extend_from_slice(ct);
        XChaCha20Poly1305::new(key.as_ref().into())
            .decrypt_in_place(XNonce::from_slice(&header.nonce), &aad, &mut *buf)
            .map_err(|_| TrusteeError::WrongPassphrase)?;
        // spec/trustees.md §16 (KF4)
        let (trustee, key_share) = decode_contents(&buf, header.has_key_share)
            .map_err(|e| not_key_file(format!("sealed contents: {e}")))?;
        // spec/trustees.md §16 (KF6): the clear header must describe the contents.
        if trustee.params() != &header.params || trustee.index() != header.index {
            return Err(not_key_file(
                "the header does not match the sealed contents".into(),
            ));
        }
        if let Some(s) = &key_share {
            if s.index() != header.index || s.threshold_key().params() != &header.params {
                return Err(not_key_file(
                    "the key share does not belong to this trustee".into(),
                ));
            }
        }
        Ok(KeyFile {
            kdf: header.kdf,
            salt: header.salt,
            key,
            trustee,
            key_share,
        })
    }

    /// Seal the contents under the same key with a fresh nonce
    /// (spec/trustees.md §16 (KF3)): the bytes to write to disk.
    pub fn seal<R: RngCore + CryptoRng>(&self, rng: &mut R) -> Result<Vec<u8>, TrusteeError> {
        let mut nonce = [0u8; NONCE_LEN];
        rng.fill_bytes(&mut nonce);
        let header = self.header(nonce);
        let aad = header.encode();
        let mut buf = self.encode_contents();
        XChaCha20Poly1305::new(self.key.as_ref().into())
            .encrypt_in_place(XNonce::from_slice(&nonce), &aad, &mut *buf)
            .map_err(|_| TrusteeError::Seal("encryption failed".into()))?;
        let mut out = Vec::with_capacity(HEADER_LEN + buf.len());
        out.extend_from_slice(&aad);
        out.extend_from_slice(&buf);
        Ok(out)
    }

    /// The public header this key file is written with.
    pub fn header(&self, nonce: [u8; NONCE_LEN]) -> KeyFileHeader {
        KeyFileHeader {
            kdf: self.kdf,
            salt: self.salt,
            nonce,
            params: *self.trustee.params(),
            index: self.trustee.index(),
            has_key_share: self.key_share.is_some(),
        }
    }

    /// The trustee's secret ceremony state.
    pub fn trustee(&self) -> &Trustee {
        &self.trustee
    }

    /// The key share, once round 4 is done.
    pub fn key_share(&self) -> Option<&KeyShare> {
        self.key_share.as_ref()
    }

    /// Keep the key share from round 4 (it must be this trustee's, for
    /// this ceremony).
    pub fn set_key_share(&mut self, share: KeyShare) -> Result<(), TrusteeError> {
        if share.index() != self.trustee.index()
            || share.threshold_key().params() != self.trustee.params()
        {
            return Err(TrusteeError::WrongCeremony(
                "the key share is not this trustee's".into(),
            ));
        }
        self.key_share = Some(share);
        Ok(())
    }

    /// The KDF costs.
    pub fn kdf(&self) -> KdfParams {
        self.kdf
    }

    /// `BE32(|state|) ‖ state [‖ BE32(|share|) ‖ share]` (spec/trustees.md
    /// §16 (KF4)), with room for the tag.
    fn encode_contents(&self) -> Zeroizing<Vec<u8>> {
        let state = self.trustee.to_bytes();
        let share = self.key_share.as_ref().map(KeyShare::to_bytes);
        let len = 4 + state.len() + share.as_ref().map_or(0, |s| 4 + s.len()) + TAG_LEN;
        let mut out = Zeroizing::new(Vec::with_capacity(len));
        out.extend_from_slice(&(state.len() as u32).to_be_bytes());
        out.extend_from_slice(&state);
        if let Some(s) = &share {
            out.extend_from_slice(&(s.len() as u32).to_be_bytes());
            out.extend_from_slice(s);
        }
        out
    }
}

fn decode_contents(buf: &[u8], has_share: bool) -> Result<(Trustee, Option<KeyShare>), String> {
    let (state, rest) = take_part(buf)?;
    let trustee = Trustee::from_bytes(state).map_err(|e| format!("trustee state: {e}"))?;
    if !has_share {
        if !rest.is_empty() {
            return Err("trailing bytes".into());
        }
        return Ok((trustee, None));
    }
    let (share, rest) = take_part(rest)?;
    if !rest.is_empty() {
        return Err("trailing bytes".into());
    }
    let share = KeyShare::from_bytes(share).map_err(|e| format!("key share: {e}"))?;
    Ok((trustee, Some(share)))
}

fn take_part(buf: &[u8]) -> Result<(&[u8], &[u8]), String> {
    if buf.len() < 4 {
        return Err("truncated".into());
    }
    let (len, rest) = buf.split_at(4);
    let len = u32::from_be_bytes([len[0], len[1], len[2], len[3]]) as usize;
    if len > MAX_PART || len > rest.len() {
        return Err("bad length".into());
    }
    Ok(rest.split_at(len))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::OsRng;

    fn trustee() -> Trustee {
        let params = CeremonyParams::new([7u8; 32], 3, 2).unwrap();
        Trustee::new(&params, 2, &mut OsRng).unwrap()
    }

    fn sealed() -> (Vec<u8>, Zeroizing<Vec<u8>>) {
        let t = trustee();
        let state = t.to_bytes();
        let kf = KeyFile::create(
            t,
            b"correct horse battery",
            KdfParams::INSECURE_TEST,
            &mut OsRng,
        )
        .unwrap();
        (kf.seal(&mut OsRng).unwrap(), state)
    }

    #[test]
    fn round_trip() {
        let (bytes, state) = sealed();
        let kf = KeyFile::open(Path::new("k"), &bytes, b"correct horse battery").unwrap();
        assert_eq!(*kf.trustee().to_bytes(), *state);
        assert!(kf.key_share().is_none());
        let (h, _) = KeyFileHeader::decode(&bytes).unwrap();
        assert_eq!(h.index, 2);
        assert_eq!(h.kdf, KdfParams::INSECURE_TEST);
        assert!(!h.has_key_share);
        assert_eq!(bytes.len(), HEADER_LEN + 4 + state.len() + TAG_LEN);
    }

    #[test]
    fn wrong_passphrase() {
        let (bytes, _) = sealed();
        let e = KeyFile::open(Path::new("k"), &bytes, b"correct horse battery!").unwrap_err();
        assert!(matches!(e, TrusteeError::WrongPassphrase));
        assert_eq!(
            e.to_string(),
            "wrong passphrase, or the key file was modified"
        );
    }

    /// Every header byte is authenticated (spec/trustees.md §16 (KF3)):
    /// changing any of them either fails to decode or fails the tag.
    #[test]
    fn header_bytes_are_bound() {
        let (bytes, _) = sealed();
        for i in 0..HEADER_LEN {
            let mut b = bytes.clone();
            b[i] ^= 1;
            assert!(
                KeyFile::open(Path::new("k"), &b, b"correct horse battery").is_err(),
                "flipping header byte {i} went unnoticed"
            );
        }
        let mut b = bytes.clone();
        let last = b.len() - 1;
        b[last] ^= 1;
        assert!(matches!(
            KeyFile::open(Path::new("k"), &b, b"correct horse battery"),
            Err(TrusteeError::WrongPassphrase)
        ));
    }

    #[test]
    fn hostile_kdf_parameters_are_refused_before_use() {
        let (mut bytes, _) = sealed();
        // m = 4 GiB: must be refused without allocating it.
        bytes[18..22].copy_from_slice(&(4u32 << 20).to_be_bytes());
        let e = KeyFile::open(Path::new("k"), &bytes, b"correct horse battery").unwrap_err();
        assert!(matches!(e, TrusteeError::NotAKeyFile { .. }), "{e}");
    }

    #[test]
    fn not_a_key_file() {
        for bytes in [&b""[..], b"hello", &[0u8; 200]] {
            let e = KeyFile::open(Path::new("k"), bytes, b"x").unwrap_err();
            assert!(matches!(e, TrusteeError::NotAKeyFile { .. }));
        }
    }
}
