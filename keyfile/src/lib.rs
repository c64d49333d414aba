//! Urna's passphrase-sealed key files, in one place.
//!
//! Two formats share one sealing code path ([`envelope`]): a clear header
//! (magic, version, the format's own fields, the Argon2id costs and salt,
//! the XChaCha20-Poly1305 nonce), authenticated as the AEAD's associated
//! data, then the sealed secret and its tag.
//!
//! - [`trustee`]: a trustee's ceremony state and key share
//!   (spec/trustees.md §16 (KF1)–(KF7)), used by `urna-trustee`;
//! - [`signing`]: the organizer's and credential authority's signing keys
//!   (spec/record.md §1.4 (KR1)–(KR4)), used by `urna`.
//!
//! Around them: where a passphrase comes from ([`passphrase`]: a prompt, a
//! `--passphrase-file`, or an environment variable), and how a file is
//! written whole, with mode 0600 for secrets, and never over an existing
//! file unless asked ([`files`]). Every buffer holding a passphrase, a
//! derived key or a plaintext secret is wiped when dropped.
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod envelope;
pub mod files;
pub mod passphrase;
pub mod signing;
pub mod trustee;

use std::path::PathBuf;

pub use envelope::{KdfParams, TEST_PARAMS_ENV};

/// Everything that can go wrong with a key file or its passphrase, in
/// words the person at the keyboard can act on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// An output file exists already (and replacing it was not asked for).
    #[error("{path} already exists. Nothing was written. {hint}")]
    Exists {
        /// The file.
        path: PathBuf,
        /// Why overwriting is dangerous and what to do instead.
        hint: &'static str,
    },
    /// Not a key file of the expected format, or a damaged one.
    #[error("{path} is not {kind} this version can read: {reason}")]
    NotAKeyFile {
        /// The file.
        path: PathBuf,
        /// The format expected, e.g. "a trustee key file".
        kind: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A signing-key file of the other role (spec/record.md §1.4 (KR3)).
    #[error("{path} holds the {found} key, but this command needs the {wanted} key")]
    WrongRole {
        /// The file.
        path: PathBuf,
        /// The role in the file.
        found: &'static str,
        /// The role the command needs.
        wanted: &'static str,
    },
    /// The AEAD tag does not verify (spec/trustees.md §16 (KF6)): the two
    /// causes cannot be told apart.
    #[error("wrong passphrase, or the key file was modified")]
    WrongPassphrase,
    /// A new passphrase that is too short.
    #[error(
        "the passphrase must be at least {min} characters long; it is all that protects \
         your key if the file is copied (several random words make a good one)"
    )]
    PassphraseTooShort {
        /// The minimum, in characters.
        min: usize,
    },
    /// The two passphrases typed for a new key file differ.
    #[error("the two passphrases differ; nothing was written")]
    PassphraseMismatch,
    /// No passphrase could be read.
    #[error("cannot read the passphrase: {0}")]
    PassphraseUnavailable(String),
    /// The key could not be derived or the contents not sealed.
    #[error("cannot seal the key file: {0}")]
    Seal(String),
    /// A key share of another trustee or ceremony offered to a trustee key
    /// file.
    #[error("the key share is not this key file's trustee's")]
    ForeignKeyShare,
}

impl Error {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
