//! The organizer's and the credential authority's signing-key files
//! (spec/record.md §1.4 (KR1)–(KR4)): one Schnorr signing key
//! (`spec/crypto.md` §5.2), sealed under a passphrase exactly as a trustee
//! key file (spec/trustees.md §16 (KF2), (KF3); [`crate::envelope`]).
//!
//! ```text
//! header (104 bytes, in clear, authenticated as the AEAD's associated data)
//!   "URNA-SIGNING-KEY" ‖ u8(1) version ‖ u8 role (1 organizer, 2 credential authority)
//!   ‖ u8(1) Argon2id v0x13 ‖ BE32(m KiB) ‖ BE32(t) ‖ BE32(p) ‖ salt (16)
//!   ‖ u8(1) XChaCha20-Poly1305 ‖ nonce (24)
//!   ‖ public key (32)
//! ciphertext ‖ tag (16)
//!   of the 32-byte secret scalar
//! ```
//!
//! The public key is in the clear so that `urna key show` and the
//! commands that only need it (e.g. naming the authority in a manifest)
//! never ask for the passphrase; (KR3) checks it against the secret.

use std::path::{Path, PathBuf};

use rand_core::{CryptoRng, RngCore};
use urna_crypto::{PublicKey, SecretKey};

use crate::envelope::{plaintext_buffer, Format, SealingKey, NONCE_LEN, SALT_LEN, TAG_LEN};
use crate::files::{self, Mode};
use crate::{Error, KdfParams};

/// The first bytes of every signing-key file (KR1).
pub const MAGIC: &[u8; 16] = b"URNA-SIGNING-KEY";
const SECRET_LEN: usize = 32;
/// The signing-key file format: the role before the KDF's fields, the
/// public key after the nonce, a 32-byte secret.
pub const FORMAT: Format = Format {
    magic: MAGIC,
    version: 1,
    prefix_len: 1,
    suffix_len: 32,
    plaintext_len: Some(SECRET_LEN),
    kind: "an Urna signing-key file",
};
/// Length of the clear header.
pub const HEADER_LEN: usize = FORMAT.header_len();
const _: () = assert!(HEADER_LEN == 104);
/// Length of a whole key file (KR1).
pub const FILE_LEN: usize = HEADER_LEN + SECRET_LEN + TAG_LEN;
/// The environment variable a script can pass the passphrase in.
pub const PASSPHRASE_ENV: &str = "URNA_PASSPHRASE";

/// Which role a signing key belongs to (spec/record.md §1.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Signs the manifest, the opening and closing, and the result.
    Organizer,
    /// Signs the credential list and credential replacements.
    Authority,
}

impl Role {
    fn byte(self) -> u8 {
        match self {
            Role::Organizer => 1,
            Role::Authority => 2,
        }
    }

    fn from_byte(b: u8) -> Option<Role> {
        match b {
            1 => Some(Role::Organizer),
            2 => Some(Role::Authority),
            _ => None,
        }
    }

    /// How the role is named to a user.
    pub fn name(self) -> &'static str {
        match self {
            Role::Organizer => "organizer",
            Role::Authority => "credential authority",
        }
    }
}

/// The clear header of a key file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyHeader {
    /// Whose key.
    pub role: Role,
    /// Argon2id costs.
    pub kdf: KdfParams,
    /// Argon2id salt.
    pub salt: [u8; SALT_LEN],
    /// AEAD nonce.
    pub nonce: [u8; NONCE_LEN],
    /// The public key (KR3: must match the sealed secret).
    pub public: PublicKey,
}

impl KeyHeader {
    /// Decode the header of a whole key file (KR1).
    pub fn decode(bytes: &[u8]) -> Result<KeyHeader, String> {
        let s = FORMAT.split(bytes)?;
        let role =
            Role::from_byte(s.prefix[0]).ok_or_else(|| format!("unknown role {}", s.prefix[0]))?;
        let public = PublicKey::from_bytes(s.suffix).map_err(|e| format!("public key: {e}"))?;
        Ok(KeyHeader {
            role,
            kdf: s.kdf,
            salt: s.salt,
            nonce: s.nonce,
            public,
        })
    }

    /// Read only the header of a key file: its role and public key, no
    /// passphrase needed.
    pub fn read(path: &Path) -> Result<KeyHeader, Error> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        KeyHeader::decode(&bytes).map_err(|reason| not_a_key_file(path, reason))
    }
}

fn not_a_key_file(path: &Path, reason: String) -> Error {
    Error::NotAKeyFile {
        path: path.to_path_buf(),
        kind: FORMAT.kind,
        reason,
    }
}

/// Create a new signing key for `role`, sealed under `passphrase`: the
/// bytes of the key file and the public key.
pub fn create<R: RngCore + CryptoRng>(
    role: Role,
    passphrase: &[u8],
    kdf: KdfParams,
    rng: &mut R,
) -> Result<(Vec<u8>, PublicKey), Error> {
    let secret = SecretKey::generate(rng);
    let public = secret.public_key();
    let key = SealingKey::new(kdf, passphrase, rng)?;
    // (KR4): the plaintext lives only in this wiped buffer.
    let mut buf = plaintext_buffer(SECRET_LEN);
    buf.extend_from_slice(secret.to_bytes().as_ref());
    let bytes = key.seal(&FORMAT, &[role.byte()], &public.to_bytes(), buf, rng)?;
    Ok((bytes, public))
}

/// Write a new key file (mode 0600; never over an existing file, KR4) and
/// its public key next to it (`<path>.pub`, hex); the `.pub` file's path.
pub fn write_new(path: &Path, bytes: &[u8], public: &PublicKey) -> Result<PathBuf, Error> {
    files::write_atomic(
        path,
        bytes,
        Mode::Secret,
        false,
        "It may be a key you still need (refusing to overwrite it): move it away first.",
    )?;
    let mut pub_path = path.as_os_str().to_owned();
    pub_path.push(".pub");
    let pub_path = PathBuf::from(pub_path);
    let text = format!("{}\n", hex::encode(public.to_bytes()));
    files::write_atomic(&pub_path, text.as_bytes(), Mode::Public, true, "")?;
    Ok(pub_path)
}

/// Unlock the key file at `path` for `role` (KR2, KR3). The role is
/// checked before the key is derived.
pub fn open(path: &Path, role: Role, passphrase: &[u8]) -> Result<SecretKey, Error> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let not = |reason: String| not_a_key_file(path, reason);
    let header = KeyHeader::decode(&bytes).map_err(not)?;
    if header.role != role {
        return Err(Error::WrongRole {
            path: path.to_path_buf(),
            found: header.role.name(),
            wanted: role.name(),
        });
    }
    let sealed = FORMAT.split(&bytes).map_err(not)?;
    let key = SealingKey::derive(header.kdf, header.salt, passphrase).map_err(not)?;
    let buf = key.open(&sealed)?;
    let secret = SecretKey::from_bytes(&buf).map_err(|e| not(format!("sealed key: {e}")))?;
    // (KR3)
    if secret.public_key() != header.public {
        return Err(not(
            "the public key in the header does not match the sealed key".into(),
        ));
    }
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::OsRng;

    #[test]
    fn round_trip_and_wrong_passphrase_role_and_tampering() {
        let (bytes, public) = create(
            Role::Organizer,
            b"correct horse",
            KdfParams::INSECURE_TEST,
            &mut OsRng,
        )
        .unwrap();
        assert_eq!(bytes.len(), FILE_LEN);
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("o.key");
        let pub_path = write_new(&path, &bytes, &public).unwrap();
        assert_eq!(
            std::fs::read_to_string(&pub_path).unwrap(),
            format!("{}\n", hex::encode(public.to_bytes()))
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(matches!(
            write_new(&path, &bytes, &public),
            Err(Error::Exists { .. })
        ));
        assert_eq!(KeyHeader::read(&path).unwrap().public, public);
        let sk = open(&path, Role::Organizer, b"correct horse").unwrap();
        assert_eq!(sk.public_key(), public);
        assert!(matches!(
            open(&path, Role::Organizer, b"wrong horse"),
            Err(Error::WrongPassphrase)
        ));
        assert!(matches!(
            open(&path, Role::Authority, b"correct horse"),
            Err(Error::WrongRole { .. })
        ));
        // Every byte of the file is covered: flipping any one fails.
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 1;
            std::fs::write(&path, &b).unwrap();
            assert!(
                open(&path, Role::Organizer, b"correct horse").is_err(),
                "byte {i} flipped was accepted"
            );
        }
        // The header's public key swapped for another valid key: refused (KR3 or the tag).
        let other = SecretKey::generate(&mut OsRng).public_key();
        let mut b = bytes.clone();
        b[72..104].copy_from_slice(&other.to_bytes());
        std::fs::write(&path, &b).unwrap();
        assert!(open(&path, Role::Organizer, b"correct horse").is_err());
        std::fs::write(&path, &bytes[..50]).unwrap();
        assert!(matches!(
            open(&path, Role::Organizer, b"correct horse"),
            Err(Error::NotAKeyFile { .. })
        ));
    }

    /// The layout of spec/record.md §1.4, byte for byte.
    #[test]
    fn layout() {
        let (bytes, public) = create(
            Role::Authority,
            b"correct horse",
            KdfParams::INSECURE_TEST,
            &mut OsRng,
        )
        .unwrap();
        assert_eq!(&bytes[..16], b"URNA-SIGNING-KEY");
        assert_eq!((bytes[16], bytes[17], bytes[18]), (1, 2, 1));
        assert_eq!(bytes[19..23], 64u32.to_be_bytes());
        assert_eq!(bytes[47], 1);
        assert_eq!(bytes[72..104], public.to_bytes());
    }
}
