//! The organizer's and the credential authority's signing-key files
//! (spec/record.md §1.4 (KR1)–(KR4)): one Schnorr signing key
//! (`spec/crypto.md` §5.2), sealed under a passphrase with Argon2id and
//! XChaCha20-Poly1305 exactly as a trustee key file (spec/trustees.md §16).
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

use chacha20poly1305::aead::{AeadInPlace, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand_core::{CryptoRng, RngCore};
use tally::trustee::keyfile::{derive_key, NONCE_LEN, SALT_LEN};
use tally::trustee::KdfParams;
use urna_crypto::{PublicKey, SecretKey};
use zeroize::Zeroizing;

/// The first bytes of every signing-key file (KR1).
pub const MAGIC: &[u8; 16] = b"URNA-SIGNING-KEY";
const VERSION: u8 = 1;
const KDF_ARGON2ID: u8 = 1;
const AEAD_XCHACHA20_POLY1305: u8 = 1;
/// Length of the clear header.
pub const HEADER_LEN: usize = 104;
const SECRET_LEN: usize = 32;
const TAG_LEN: usize = 16;
/// Length of a whole key file.
pub const FILE_LEN: usize = HEADER_LEN + SECRET_LEN + TAG_LEN;

/// Which role a signing key belongs to (spec/record.md §1.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
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

    /// How the role is named to a user.
    pub fn name(self) -> &'static str {
        match self {
            Role::Organizer => "organizer",
            Role::Authority => "credential authority",
        }
    }
}

/// What can go wrong with a key file.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    /// Reading or writing the file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Not a signing-key file (or a damaged one).
    #[error("{path} is not an Urna signing-key file this version can read: {reason}")]
    NotAKeyFile {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The key file belongs to the other role.
    #[error("{path} holds the {found} key, but this command needs the {wanted} key")]
    WrongRole {
        /// The file.
        path: PathBuf,
        /// The role in the file.
        found: &'static str,
        /// The role the command needs.
        wanted: &'static str,
    },
    /// The passphrase is wrong, or the sealed part was modified.
    #[error("wrong passphrase (or the key file was modified)")]
    WrongPassphrase,
    /// The file exists and `--force` was not given.
    #[error("{0} exists; refusing to overwrite a key (move it away first)")]
    Exists(PathBuf),
    /// The passphrase could not be read, or is too short.
    #[error(transparent)]
    Passphrase(#[from] tally::trustee::TrusteeError),
    /// The KDF failed (bad parameters).
    #[error("key derivation: {0}")]
    Kdf(String),
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
    fn encode(&self) -> [u8; HEADER_LEN] {
        let mut h = [0u8; HEADER_LEN];
        let mut w = Vec::with_capacity(HEADER_LEN);
        w.extend_from_slice(MAGIC);
        w.push(VERSION);
        w.push(self.role.byte());
        w.push(KDF_ARGON2ID);
        w.extend_from_slice(&self.kdf.m_kib.to_be_bytes());
        w.extend_from_slice(&self.kdf.t.to_be_bytes());
        w.extend_from_slice(&self.kdf.p.to_be_bytes());
        w.extend_from_slice(&self.salt);
        w.push(AEAD_XCHACHA20_POLY1305);
        w.extend_from_slice(&self.nonce);
        w.extend_from_slice(&self.public.to_bytes());
        h.copy_from_slice(&w);
        h
    }

    /// Decode the header of a whole key file (KR1, KR2).
    fn decode(b: &[u8]) -> Result<KeyHeader, String> {
        if b.len() < MAGIC.len() || &b[..16] != MAGIC {
            return Err("it does not start with URNA-SIGNING-KEY".into());
        }
        if b.len() != FILE_LEN {
            return Err(format!("it is {} bytes long, not {FILE_LEN}", b.len()));
        }
        if b[16] != VERSION {
            return Err(format!("unknown version {}", b[16]));
        }
        let role = match b[17] {
            1 => Role::Organizer,
            2 => Role::Authority,
            r => return Err(format!("unknown role {r}")),
        };
        if b[18] != KDF_ARGON2ID {
            return Err(format!("unknown key derivation {}", b[18]));
        }
        let be = |i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        let kdf = KdfParams {
            m_kib: be(19),
            t: be(23),
            p: be(27),
        };
        let mut salt = [0u8; SALT_LEN];
        salt.copy_from_slice(&b[31..47]);
        if b[47] != AEAD_XCHACHA20_POLY1305 {
            return Err(format!("unknown encryption {}", b[47]));
        }
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&b[48..72]);
        let public = PublicKey::from_bytes(&b[72..104]).map_err(|e| format!("public key: {e}"))?;
        Ok(KeyHeader {
            role,
            kdf,
            salt,
            nonce,
            public,
        })
    }

    /// Read only the header of a key file: its role and public key, no
    /// passphrase needed.
    pub fn read(path: &Path) -> Result<KeyHeader, KeyFileError> {
        let bytes = read(path)?;
        KeyHeader::decode(&bytes).map_err(|reason| KeyFileError::NotAKeyFile {
            path: path.to_path_buf(),
            reason,
        })
    }
}

fn read(path: &Path) -> Result<Vec<u8>, KeyFileError> {
    std::fs::read(path).map_err(|source| KeyFileError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Create a new signing key for `role`, sealed under `passphrase`: the
/// bytes of the key file and the public key.
pub fn create<R: RngCore + CryptoRng>(
    role: Role,
    passphrase: &[u8],
    kdf: KdfParams,
    rng: &mut R,
) -> Result<(Vec<u8>, PublicKey), KeyFileError> {
    let secret = SecretKey::generate(rng);
    let mut salt = [0u8; SALT_LEN];
    rng.fill_bytes(&mut salt);
    let mut nonce = [0u8; NONCE_LEN];
    rng.fill_bytes(&mut nonce);
    let header = KeyHeader {
        role,
        kdf,
        salt,
        nonce,
        public: secret.public_key(),
    };
    let key = derive_key(&kdf, &salt, passphrase).map_err(KeyFileError::Kdf)?;
    let aad = header.encode();
    // (KR4): the plaintext lives only in this wiped buffer, with room for
    // the tag so that encryption in place never reallocates.
    let mut buf = Zeroizing::new(Vec::with_capacity(SECRET_LEN + TAG_LEN));
    buf.extend_from_slice(secret.to_bytes().as_ref());
    XChaCha20Poly1305::new(key.as_ref().into())
        .encrypt_in_place(XNonce::from_slice(&nonce), &aad, &mut *buf)
        .map_err(|_| KeyFileError::Kdf("encryption failed".into()))?;
    let mut out = Vec::with_capacity(FILE_LEN);
    out.extend_from_slice(&aad);
    out.extend_from_slice(&buf);
    Ok((out, header.public))
}

/// Write a new key file (mode 0600 on Unix; never over an existing file)
/// and its public key next to it (`<path>.pub`, hex).
pub fn write_new(path: &Path, bytes: &[u8], public: &PublicKey) -> Result<PathBuf, KeyFileError> {
    use std::io::Write;
    let io = |source| KeyFileError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            KeyFileError::Exists(path.to_path_buf())
        } else {
            io(e)
        }
    })?;
    f.write_all(bytes).map_err(io)?;
    f.sync_all().map_err(io)?;
    let mut pub_path = path.as_os_str().to_owned();
    pub_path.push(".pub");
    let pub_path = PathBuf::from(pub_path);
    std::fs::write(&pub_path, format!("{}\n", hex::encode(public.to_bytes()))).map_err(
        |source| KeyFileError::Io {
            path: pub_path.clone(),
            source,
        },
    )?;
    Ok(pub_path)
}

/// Unlock the key file at `path` for `role` (KR2, KR3).
pub fn open(path: &Path, role: Role, passphrase: &[u8]) -> Result<SecretKey, KeyFileError> {
    let bytes = read(path)?;
    let not = |reason: String| KeyFileError::NotAKeyFile {
        path: path.to_path_buf(),
        reason,
    };
    let header = KeyHeader::decode(&bytes).map_err(not)?;
    if header.role != role {
        return Err(KeyFileError::WrongRole {
            path: path.to_path_buf(),
            found: header.role.name(),
            wanted: role.name(),
        });
    }
    let key = derive_key(&header.kdf, &header.salt, passphrase).map_err(not)?;
    let mut buf = Zeroizing::new(Vec::with_capacity(SECRET_LEN + TAG_LEN));
    buf.extend_from_slice(&bytes[HEADER_LEN..]);
    XChaCha20Poly1305::new(key.as_ref().into())
        .decrypt_in_place(
            XNonce::from_slice(&header.nonce),
            &bytes[..HEADER_LEN],
            &mut *buf,
        )
        .map_err(|_| KeyFileError::WrongPassphrase)?;
    let secret = SecretKey::from_bytes(&buf).map_err(|e| not(format!("sealed key: {e}")))?;
    // (KR3)
    if secret.public_key() != header.public {
        return Err(not(
            "the public key in the header does not match the sealed key".into(),
        ));
    }
    Ok(secret)
}

/// The environment variable a script can pass the passphrase in.
pub const PASSPHRASE_ENV: &str = "URNA_PASSPHRASE";

/// Read a passphrase (`--passphrase-file`, else `URNA_PASSPHRASE`, else a
/// prompt or the first line of standard input).
pub fn passphrase(
    file: Option<&Path>,
    new: bool,
) -> Result<Zeroizing<String>, tally::trustee::TrusteeError> {
    use tally::trustee::passphrase::{read_with_env, Purpose};
    read_with_env(
        file,
        if new { Purpose::New } else { Purpose::Unlock },
        PASSPHRASE_ENV,
    )
}

/// Load a public key given as a key file, a `.pub` file, or 64 hex digits.
pub fn public_key_arg(arg: &str) -> Result<PublicKey, String> {
    let text = if arg.len() == 64 && arg.bytes().all(|c| c.is_ascii_hexdigit()) {
        arg.to_string()
    } else {
        let path = Path::new(arg);
        let bytes = std::fs::read(path).map_err(|e| format!("{arg}: {e}"))?;
        if bytes.starts_with(MAGIC) {
            return KeyHeader::decode(&bytes)
                .map(|h| h.public)
                .map_err(|e| format!("{arg}: {e}"));
        }
        String::from_utf8(bytes)
            .map_err(|_| format!("{arg}: not a public key file"))?
            .trim()
            .to_string()
    };
    let b = hex::decode(&text).map_err(|_| format!("{arg}: a public key is 64 hex digits"))?;
    PublicKey::from_bytes(&b).map_err(|e| format!("{arg}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::OsRng;

    fn tmp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("urna-keyfile-{}-{name}", std::process::id()));
        let _ = std::fs::remove_file(&d);
        d
    }

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
        let path = tmp("rt");
        let pub_path = write_new(&path, &bytes, &public).unwrap();
        assert_eq!(public_key_arg(pub_path.to_str().unwrap()).unwrap(), public);
        assert_eq!(public_key_arg(path.to_str().unwrap()).unwrap(), public);
        assert!(matches!(
            write_new(&path, &bytes, &public),
            Err(KeyFileError::Exists(_))
        ));
        let sk = open(&path, Role::Organizer, b"correct horse").unwrap();
        assert_eq!(sk.public_key(), public);
        assert!(matches!(
            open(&path, Role::Organizer, b"wrong horse"),
            Err(KeyFileError::WrongPassphrase)
        ));
        assert!(matches!(
            open(&path, Role::Authority, b"correct horse"),
            Err(KeyFileError::WrongRole { .. })
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
            Err(KeyFileError::NotAKeyFile { .. })
        ));
        std::fs::remove_file(&path).unwrap();
        std::fs::remove_file(&pub_path).unwrap();
    }
}
