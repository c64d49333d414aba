//! `urna-trustee`: the trustee's own tool, for people who are not
//! cryptographers.
//!
//! A trustee runs every step on its own machine, in a fresh process each
//! time, from files:
//!
//! ```text
//! urna-trustee init    --out trustee.key          (secret, passphrase-protected; prints the roster key)
//! urna-trustee round1  --key trustee.key --manifest M.json --messages DIR   (→ round1-trusteeI.msg, post it)
//! urna-trustee round2  … round4                                        (each once the previous round is complete)
//! urna-trustee check   --manifest M.json --messages DIR                (anyone: who posted what, who is disqualified)
//! urna-trustee decrypt --key trustee.key --record RECORD --out share.entry
//! ```
//!
//! Design rules, each enforced here:
//!
//! - the secret state (spec/trustees.md §5.7) never touches the disk
//!   unencrypted: it lives in a key file sealed under a passphrase
//!   (spec/trustees.md §16 (KF1)–(KF7), implemented by `urna-keyfile`),
//!   and every plaintext buffer is wiped after use;
//! - a round runs only when every trustee expected in it has posted the
//!   previous round (or the trustee says the organizer closed that round
//!   without them), and never twice: two different messages in one round
//!   are equivocation (spec/trustees.md §9 (Q2));
//! - a trustee decrypts only the aggregate it recomputed itself from a
//!   record that verified up to the close, never a ciphertext someone hands
//!   it (docs/attacks.md D8, spec/trustees.md §11 (X3), §12 (L1)).
//!
//! The tool shares the verifier (`tally`) to check the record before it
//! decrypts and to recompute the tally from it, and `urna-keyfile` for its
//! key file; the auditor's tool does not depend on it. Only the binary
//! (`src/main.rs`) turns [`TrusteeError`] into `anyhow`.
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod commands;
pub mod messages;

use std::path::PathBuf;

pub use messages::{CeremonyStatus, MessageDir};
pub use urna_keyfile::trustee::{KeyFile, KeyFileHeader};
pub use urna_keyfile::KdfParams;

/// Everything that can stop a trustee command, in words a non-expert can
/// act on. Grouped by who has to do something about it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrusteeError {
    // ---- the trustee's own input ----
    /// A file or folder could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// A file the trustee gave is not what the command expects.
    #[error("{path}: {reason}")]
    BadInput {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },

    // ---- the key file ----
    /// The key file, its passphrase, or an output file (spec/trustees.md
    /// §16): a wrong passphrase, not a key file, a file that exists, …
    #[error(transparent)]
    KeyFile(#[from] urna_keyfile::Error),
    /// The key file has no key share yet.
    #[error(
        "this key file holds no key share yet: finish the key ceremony (`urna-trustee round4`) \
         with this key file first"
    )]
    NoKeyShare,

    // ---- the ceremony ----
    /// A round that cannot run yet: someone has not posted.
    #[error(
        "round {round} cannot run yet: waiting for round-{} messages from {}.\n\
         Run this command again once they are in the messages folder. If the organizer has \
         closed round {} without them, pass --allow-missing: they are then left out of the ceremony.",
        round.saturating_sub(1),
        list_trustees(waiting_for, *you),
        round.saturating_sub(1)
    )]
    Waiting {
        /// The round the trustee asked for.
        round: u8,
        /// The trustees whose previous-round message is missing.
        waiting_for: Vec<u8>,
        /// This trustee's index.
        you: u8,
    },
    /// This trustee already posted its message of the round.
    #[error(
        "you (trustee {you}) have already posted your round-{round} message ({file}). \
         Nothing was written: running a round twice makes a different message, and two \
         different messages in one round disqualify you (equivocation)."
    )]
    AlreadyPosted {
        /// The round.
        round: u8,
        /// This trustee's index.
        you: u8,
        /// The file that holds the posted message.
        file: String,
    },
    /// Messages that cannot be attributed to their sender (spec/trustees.md §5.6 (M5)).
    #[error(
        "these files in the messages folder cannot be used, and nobody can take part in \
         the ceremony while they are there (remove them, and tell the organizer):\n{}",
        list_files(files)
    )]
    Unattributable {
        /// `(file, reason)`.
        files: Vec<(String, String)>,
    },
    /// A message under this trustee's index that this key file did not make.
    #[error(
        "the round-1 message of trustee {you} in the messages folder ({file}) was not made \
         with this key file. Either you are using a different key file than the one you \
         started the ceremony with, or someone is posting in your name: tell the organizer."
    )]
    NotYours {
        /// This trustee's index.
        you: u8,
        /// The file.
        file: String,
    },
    /// Talking to the board failed.
    #[error("{0}")]
    Board(String),
    /// The ceremony or this trustee's part in it failed.
    #[error("{context}: {source} ({code})", code = source.code())]
    Ceremony {
        /// What was being done.
        context: String,
        /// The error, naming the rule and trustee.
        source: urna_crypto::Error,
    },

    // ---- decryption ----
    /// The record does not verify up to its close: refuse to decrypt.
    #[error(
        "the election record does not verify, so it is not safe to decrypt anything from it. \
         {} problem(s):\n{}",
        failures.len(),
        failures.join("\n")
    )]
    RecordInvalid {
        /// The failures, one per line.
        failures: Vec<String>,
    },
    /// Voting is not closed in the record.
    #[error(
        "voting is not closed in this record (no closing entry): a trustee decrypts only \
         the final tally, after the organizer closes the election"
    )]
    NotClosed,
    /// The record's ceremony is not the one this key belongs to.
    #[error("this key file does not belong to this election record: {0}")]
    WrongCeremony(String),
    /// This trustee's share is in the record already.
    #[error(
        "the record already holds a decryption share from you (trustee {0}); a second one \
         would be rejected. Nothing was written."
    )]
    ShareAlreadyPosted(u32),
}

impl TrusteeError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        TrusteeError::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn ceremony(context: impl Into<String>, source: urna_crypto::Error) -> Self {
        TrusteeError::Ceremony {
            context: context.into(),
            source,
        }
    }
}

/// "trustees 2, 3 (you)".
pub(crate) fn list_trustees(list: &[u8], you: u8) -> String {
    let names: Vec<String> = list
        .iter()
        .map(|j| {
            if *j == you {
                format!("{j} (you)")
            } else {
                j.to_string()
            }
        })
        .collect();
    match names.len() {
        1 => format!("trustee {}", names.join("")),
        _ => format!("trustees {}", names.join(", ")),
    }
}

fn list_files(files: &[(String, String)]) -> String {
    files
        .iter()
        .map(|(f, r)| format!("  {f}: {r}"))
        .collect::<Vec<_>>()
        .join("\n")
}
