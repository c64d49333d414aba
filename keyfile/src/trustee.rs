//! The trustee key file: the secret state of one trustee (spec/trustees.md
//! §5.7), and after round 4 its key share, sealed under a passphrase
//! (spec/trustees.md §16 (KF1)–(KF7)).
//!
//! A key file starts *unbound* (`urna-trustee init`, before the manifest
//! exists): it holds the trustee's two identity keys only, and the trustee
//! hands the public signing key to the organizer for the manifest's roster.
//! Round 1 *binds* it to the election whose roster names that key: the
//! ceremony parameters, the index and a fresh polynomial join the keys.
//! An unbound file has all-zero parameters and index and contents flag 2.
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
//! is not wiped (see [`crate::envelope`]).

use std::path::Path;

use rand_core::{CryptoRng, RngCore};
use urna_crypto::dkg::{CeremonyParams, KeyShare, Trustee, TrusteeKeys, PARAMS_LEN};
use urna_crypto::PublicKey;
use zeroize::Zeroizing;

use crate::envelope::{plaintext_buffer, Format, Sealed, SealingKey, NONCE_LEN, SALT_LEN};
use crate::Error;

/// The first bytes of every trustee key file (spec/trustees.md §16 (KF1)).
pub const MAGIC: &[u8; 16] = b"URNA-TRUSTEE-KEY";
/// The format version this code writes and reads.
pub const VERSION: u8 = 1;
/// The trustee key file format: no field before the KDF's; after the
/// nonce, the ceremony parameters, the index and the contents flag.
pub const FORMAT: Format = Format {
    magic: MAGIC,
    version: VERSION,
    prefix_len: 0,
    suffix_len: PARAMS_LEN + 2,
    plaintext_len: None,
    kind: "a trustee key file",
};
/// The header length: everything before the ciphertext. Offsets: magic 0,
/// version 16, KDF id 17, `m` 18, `t` 22, `p` 26, salt 30, AEAD id 46,
/// nonce 47, params 71, index 105, contents flag 106.
pub const HEADER_LEN: usize = FORMAT.header_len();
const _: () = assert!(HEADER_LEN == 107);
/// The environment variable a script can pass a trustee's passphrase in.
pub const PASSPHRASE_ENV: &str = "URNA_TRUSTEE_PASSPHRASE";

/// Largest plaintext part accepted (a state or share is a few KiB).
const MAX_PART: usize = 1 << 20;

pub use crate::envelope::KdfParams;

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
    /// The ceremony (election id = manifest hash, `n`, `k`) and the
    /// trustee's index in it; `None` while the file is unbound.
    pub binding: Option<(CeremonyParams, u8)>,
    /// Whether the sealed contents include a key share (round 4 is done).
    pub has_key_share: bool,
}

/// The contents flag of an unbound key file (identity keys only).
const UNBOUND: u8 = 2;

/// The format's own fields, after the nonce.
fn suffix(binding: Option<(&CeremonyParams, u8)>, has_key_share: bool) -> Vec<u8> {
    let mut s = Vec::with_capacity(FORMAT.suffix_len);
    match binding {
        Some((params, index)) => {
            s.extend_from_slice(&params.to_bytes());
            s.push(index);
            s.push(u8::from(has_key_share));
        }
        None => {
            s.extend_from_slice(&[0; PARAMS_LEN + 1]);
            s.push(UNBOUND);
        }
    }
    s
}

impl KeyFileHeader {
    /// Decode the header of a key file (spec/trustees.md §16 (KF1), (KF6)).
    /// Returns the header and the ciphertext after it.
    pub fn decode(bytes: &[u8]) -> Result<(KeyFileHeader, &[u8]), String> {
        KeyFileHeader::split(bytes).map(|(h, sealed)| (h, sealed.ciphertext))
    }

    fn split(bytes: &[u8]) -> Result<(KeyFileHeader, Sealed<'_>), String> {
        let sealed = FORMAT.split(bytes)?;
        let s = sealed.suffix;
        let flag = s[PARAMS_LEN + 1];
        let (binding, has_key_share) = if flag == UNBOUND {
            if s[..=PARAMS_LEN].iter().any(|b| *b != 0) {
                return Err("an unbound key file with ceremony parameters".into());
            }
            (None, false)
        } else {
            let params = CeremonyParams::from_bytes(&s[..PARAMS_LEN])
                .map_err(|e| format!("ceremony parameters: {e}"))?;
            let index = s[PARAMS_LEN];
            params
                .check_index(index)
                .map_err(|e| format!("trustee index: {e}"))?;
            let has_key_share = match flag {
                0 => false,
                1 => true,
                _ => return Err("bad contents flag".into()),
            };
            (Some((params, index)), has_key_share)
        };
        Ok((
            KeyFileHeader {
                kdf: sealed.kdf,
                salt: sealed.salt,
                nonce: sealed.nonce,
                binding,
                has_key_share,
            },
            sealed,
        ))
    }

    /// Read just the header of the key file at `path`.
    pub fn read(path: &Path) -> Result<KeyFileHeader, Error> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        KeyFileHeader::decode(&bytes)
            .map(|(h, _)| h)
            .map_err(|reason| not_a_key_file(path, reason))
    }

    /// The header's bytes, as written to the file.
    pub fn encode(&self) -> Vec<u8> {
        FORMAT.header(
            &[],
            &self.kdf,
            &self.salt,
            &self.nonce,
            &suffix(
                self.binding.as_ref().map(|(p, i)| (p, *i)),
                self.has_key_share,
            ),
        )
    }
}

fn not_a_key_file(path: &Path, reason: String) -> Error {
    Error::NotAKeyFile {
        path: path.to_path_buf(),
        kind: FORMAT.kind,
        reason,
    }
}

/// The secrets of a key file: identity keys alone (unbound), or the
/// ceremony state of one election (bound).
enum Secrets {
    Unbound(TrusteeKeys),
    Bound(Trustee),
}

/// An unlocked key file: the trustee's secrets and the key that seals
/// them. Wiped on drop (every field is); never printed.
pub struct KeyFile {
    key: SealingKey,
    secrets: Secrets,
    key_share: Option<KeyShare>,
}

impl core::fmt::Debug for KeyFile {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match &self.secrets {
            Secrets::Bound(t) => write!(f, "KeyFile(trustee {}, <redacted>)", t.index()),
            Secrets::Unbound(_) => f.write_str("KeyFile(unbound, <redacted>)"),
        }
    }
}

impl KeyFile {
    /// A new key file for `trustee`, sealed under `passphrase` with a fresh
    /// salt. Takes about a second with [`KdfParams::DEFAULT`].
    pub fn create<R: RngCore + CryptoRng>(
        trustee: Trustee,
        passphrase: &[u8],
        kdf: KdfParams,
        rng: &mut R,
    ) -> Result<KeyFile, Error> {
        Self::sealing(Secrets::Bound(trustee), passphrase, kdf, rng)
    }

    /// A new unbound key file holding `keys` (`urna-trustee init`, before
    /// the manifest), sealed under `passphrase` with a fresh salt.
    pub fn create_unbound<R: RngCore + CryptoRng>(
        keys: TrusteeKeys,
        passphrase: &[u8],
        kdf: KdfParams,
        rng: &mut R,
    ) -> Result<KeyFile, Error> {
        Self::sealing(Secrets::Unbound(keys), passphrase, kdf, rng)
    }

    /// `secrets` under a new sealing key from `passphrase` and a fresh salt.
    fn sealing<R: RngCore + CryptoRng>(
        secrets: Secrets,
        passphrase: &[u8],
        kdf: KdfParams,
        rng: &mut R,
    ) -> Result<KeyFile, Error> {
        Ok(KeyFile {
            key: SealingKey::new(kdf, passphrase, rng)?,
            secrets,
            key_share: None,
        })
    }

    /// The public signing key (the roster entry the organizer needs).
    pub fn signing_key(&self) -> PublicKey {
        match &self.secrets {
            Secrets::Unbound(k) => k.signing_key(),
            Secrets::Bound(t) => t.keys().signing_key(),
        }
    }

    /// Bind an unbound key file to the ceremony of `params` as trustee
    /// `index`, with a fresh polynomial (spec/trustees.md §6 (R1)). A file
    /// already bound to exactly this ceremony and index is left as it is;
    /// one bound elsewhere is refused.
    pub fn bind<R: RngCore + CryptoRng>(
        &mut self,
        params: &CeremonyParams,
        index: u8,
        rng: &mut R,
    ) -> Result<(), Error> {
        match &self.secrets {
            Secrets::Bound(t) if t.params() == params && t.index() == index => Ok(()),
            Secrets::Bound(_) => Err(Error::ForeignKeyShare),
            Secrets::Unbound(keys) => {
                let trustee = Trustee::with_keys(params, index, keys.clone(), rng)
                    .map_err(|_| Error::ForeignKeyShare)?;
                self.secrets = Secrets::Bound(trustee);
                Ok(())
            }
        }
    }

    /// Unlock the key file `bytes` (read from `path`) with `passphrase`
    /// (spec/trustees.md §16 (KF6)). A wrong passphrase and a modified file
    /// are the same error, [`Error::WrongPassphrase`]: the tag cannot tell
    /// them apart.
    pub fn open(path: &Path, bytes: &[u8], passphrase: &[u8]) -> Result<KeyFile, Error> {
        let not = |reason: String| not_a_key_file(path, reason);
        let (header, sealed) = KeyFileHeader::split(bytes).map_err(not)?;
        let key = SealingKey::derive(header.kdf, header.salt, passphrase).map_err(not)?;
        // spec/trustees.md §16 (KF3): the plaintext only ever lives here.
        let buf = key.open(&sealed)?;
        // spec/trustees.md §16 (KF4)
        let (secrets, key_share) =
            decode_contents(&buf, &header).map_err(|e| not(format!("sealed contents: {e}")))?;
        // spec/trustees.md §16 (KF6): the clear header must describe the contents.
        match (&secrets, &header.binding) {
            (Secrets::Bound(t), Some((params, index)))
                if t.params() == params && t.index() == *index => {}
            (Secrets::Unbound(_), None) => {}
            _ => return Err(not("the header does not match the sealed contents".into())),
        }
        if let (Some(s), Some((params, index))) = (&key_share, &header.binding) {
            if s.index() != *index || s.threshold_key().params() != params {
                return Err(not("the key share does not belong to this trustee".into()));
            }
        }
        Ok(KeyFile {
            key,
            secrets,
            key_share,
        })
    }

    /// Seal the contents under the same key with a fresh nonce
    /// (spec/trustees.md §16 (KF3)): the bytes to write to disk.
    pub fn seal<R: RngCore + CryptoRng>(&self, rng: &mut R) -> Result<Vec<u8>, Error> {
        self.key.seal(
            &FORMAT,
            &[],
            &suffix(
                self.trustee().map(|t| (t.params(), t.index())),
                self.key_share.is_some(),
            ),
            self.encode_contents(),
            rng,
        )
    }

    /// The trustee's secret ceremony state, once bound.
    pub fn trustee(&self) -> Option<&Trustee> {
        match &self.secrets {
            Secrets::Bound(t) => Some(t),
            Secrets::Unbound(_) => None,
        }
    }

    /// The key share, once round 4 is done.
    pub fn key_share(&self) -> Option<&KeyShare> {
        self.key_share.as_ref()
    }

    /// Keep the key share from round 4 (it must be this trustee's, for
    /// this ceremony).
    pub fn set_key_share(&mut self, share: KeyShare) -> Result<(), Error> {
        let Some(t) = self.trustee() else {
            return Err(Error::ForeignKeyShare);
        };
        if share.index() != t.index() || share.threshold_key().params() != t.params() {
            return Err(Error::ForeignKeyShare);
        }
        self.key_share = Some(share);
        Ok(())
    }

    /// The KDF costs.
    pub fn kdf(&self) -> KdfParams {
        self.key.kdf()
    }

    /// `BE32(|state|) ‖ state [‖ BE32(|share|) ‖ share]` (spec/trustees.md
    /// §16 (KF4)), with room for the tag.
    fn encode_contents(&self) -> Zeroizing<Vec<u8>> {
        let state = match &self.secrets {
            Secrets::Bound(t) => t.to_bytes(),
            Secrets::Unbound(k) => k.to_bytes(),
        };
        let share = self.key_share.as_ref().map(KeyShare::to_bytes);
        let mut out = plaintext_buffer(4 + state.len() + share.as_ref().map_or(0, |s| 4 + s.len()));
        out.extend_from_slice(&(state.len() as u32).to_be_bytes());
        out.extend_from_slice(&state);
        if let Some(s) = &share {
            out.extend_from_slice(&(s.len() as u32).to_be_bytes());
            out.extend_from_slice(s);
        }
        out
    }
}

fn decode_contents(
    buf: &[u8],
    header: &KeyFileHeader,
) -> Result<(Secrets, Option<KeyShare>), String> {
    let (state, rest) = take_part(buf)?;
    let secrets = match header.binding {
        Some(_) => {
            Secrets::Bound(Trustee::from_bytes(state).map_err(|e| format!("trustee state: {e}"))?)
        }
        None => Secrets::Unbound(
            TrusteeKeys::from_bytes(state).map_err(|e| format!("trustee keys: {e}"))?,
        ),
    };
    if !header.has_key_share {
        if !rest.is_empty() {
            return Err("trailing bytes".into());
        }
        return Ok((secrets, None));
    }
    let (share, rest) = take_part(rest)?;
    if !rest.is_empty() {
        return Err("trailing bytes".into());
    }
    let share = KeyShare::from_bytes(share).map_err(|e| format!("key share: {e}"))?;
    Ok((secrets, Some(share)))
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
    use crate::envelope::TAG_LEN;
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
        assert_eq!(*kf.trustee().unwrap().to_bytes(), *state);
        assert!(kf.key_share().is_none());
        let (h, _) = KeyFileHeader::decode(&bytes).unwrap();
        assert_eq!(h.binding.map(|(_, i)| i), Some(2));
        assert_eq!(h.kdf, KdfParams::INSECURE_TEST);
        assert!(!h.has_key_share);
        assert_eq!(h.encode(), bytes[..HEADER_LEN]);
        assert_eq!(bytes.len(), HEADER_LEN + 4 + state.len() + TAG_LEN);
        // A reseal keeps the salt (and so the key) and draws a new nonce.
        let again = kf.seal(&mut OsRng).unwrap();
        let (h2, _) = KeyFileHeader::decode(&again).unwrap();
        assert_eq!((h2.salt, h2.kdf), (h.salt, h.kdf));
        assert_ne!(h2.nonce, h.nonce);
    }

    /// The layout of spec/trustees.md §16 (KF1), byte for byte.
    #[test]
    fn layout() {
        let (bytes, _) = sealed();
        assert_eq!(&bytes[..16], b"URNA-TRUSTEE-KEY");
        assert_eq!(bytes[16], 1);
        assert_eq!(bytes[17], 1);
        assert_eq!(bytes[18..22], (64u32).to_be_bytes());
        assert_eq!(bytes[22..26], 1u32.to_be_bytes());
        assert_eq!(bytes[26..30], 1u32.to_be_bytes());
        assert_eq!(bytes[46], 1);
        assert_eq!(bytes[71..105], trustee().params().to_bytes());
        assert_eq!((bytes[105], bytes[106]), (2, 0));
    }

    #[test]
    fn unbound_then_bound() {
        let keys = TrusteeKeys::generate(&mut OsRng);
        let signing = keys.signing_key();
        let kf =
            KeyFile::create_unbound(keys, b"pass phrase", KdfParams::INSECURE_TEST, &mut OsRng)
                .unwrap();
        let bytes = kf.seal(&mut OsRng).unwrap();
        let (h, _) = KeyFileHeader::decode(&bytes).unwrap();
        assert_eq!(h.binding, None);
        let mut kf = KeyFile::open(Path::new("k"), &bytes, b"pass phrase").unwrap();
        assert!(kf.trustee().is_none());
        assert_eq!(kf.signing_key(), signing);
        let params = CeremonyParams::new([9u8; 32], 3, 2).unwrap();
        kf.bind(&params, 3, &mut OsRng).unwrap();
        let other = CeremonyParams::new([8u8; 32], 3, 2).unwrap();
        assert!(kf.bind(&other, 3, &mut OsRng).is_err());
        let bytes = kf.seal(&mut OsRng).unwrap();
        let kf = KeyFile::open(Path::new("k"), &bytes, b"pass phrase").unwrap();
        let t = kf.trustee().unwrap();
        assert_eq!((t.params(), t.index()), (&params, 3));
        assert_eq!(kf.signing_key(), signing);
    }

    #[test]
    fn wrong_passphrase() {
        let (bytes, _) = sealed();
        let e = KeyFile::open(Path::new("k"), &bytes, b"correct horse battery!").unwrap_err();
        assert!(matches!(e, Error::WrongPassphrase));
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
            Err(Error::WrongPassphrase)
        ));
    }

    #[test]
    fn hostile_kdf_parameters_are_refused_before_use() {
        let (mut bytes, _) = sealed();
        // m = 4 GiB: must be refused without allocating it.
        bytes[18..22].copy_from_slice(&(4u32 << 20).to_be_bytes());
        let e = KeyFile::open(Path::new("k"), &bytes, b"correct horse battery").unwrap_err();
        assert!(matches!(e, Error::NotAKeyFile { .. }), "{e}");
    }

    #[test]
    fn not_a_key_file() {
        for bytes in [&b""[..], b"hello", &[0u8; 200]] {
            let e = KeyFile::open(Path::new("k"), bytes, b"x").unwrap_err();
            assert!(matches!(e, Error::NotAKeyFile { .. }));
            assert!(e.to_string().contains("is not a trustee key file"), "{e}");
        }
    }
}
