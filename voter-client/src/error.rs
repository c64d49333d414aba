//! The client's one error type.

use thiserror::Error;
use urna_election::ElectionError;

use crate::choice::ChoiceError;
use crate::credential::CredentialCodeError;

/// Everything that can go wrong in the voter client, grouped by who is at
/// fault: the voter's input (credential code, choices, fingerprint), the
/// data the client was given (election, ballot file, receipt), the board,
/// the transport, or the platform (no secure randomness).
///
/// Every variant maps to one stable code ([`ClientError::code`]), listed in
/// `spec/client.md` §7; the page translates codes, never English messages.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The typed credential code is malformed or has a typo.
    #[error(transparent)]
    Credential(#[from] CredentialCodeError),
    /// The choices break a rule of the manifest.
    #[error(transparent)]
    Choice(#[from] ChoiceError),
    /// The election data does not have the fingerprint the voter expects
    /// (or the expected fingerprint itself is not well formed).
    #[error("wrong election: {0}")]
    WrongElection(String),
    /// The credential is not in this election's credential list.
    #[error("this credential is not registered for this election")]
    CredentialNotListed,
    /// The platform has no secure random number generator: the client
    /// refuses to encrypt (docs/attacks.md G1).
    #[error("no secure random number generator is available; refusing to encrypt")]
    NoSecureRng,
    /// A file (election bundle, ballot file, receipt) is not in the format
    /// of `spec/client.md`.
    #[error("{what}: {reason}")]
    Format {
        /// Which kind of file.
        what: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// Election data failed a check of `urna-election` (manifest, list,
    /// signature, ballot, audit).
    #[error(transparent)]
    Election(#[from] ElectionError),
    /// A board receipt, promise, tree head or inclusion proof does not check out.
    #[error("receipt: {reason}")]
    Receipt {
        /// Stable code (`ERR_RECEIPT_INVALID`, or `urna-log`'s `ERR_INCLUSION_INVALID`,
        /// `ERR_CHECKPOINT_INVALID`, …).
        code: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The board refused the request with its own code (`spec/api.md`).
    #[error("the board refused: {message} ({code})")]
    Board {
        /// HTTP status, when there was one.
        status: Option<u16>,
        /// The board's `ERR_…` code.
        code: String,
        /// The board's message.
        message: String,
    },
    /// The board could not be reached or answered something unreadable.
    /// Nothing is known about whether a submission arrived: retry with the
    /// same bytes (docs/attacks.md B3, G8).
    #[error("could not reach the board: {0}")]
    Transport(String),
    /// A mirror took the ballot but could not reach the board yet: it
    /// queued it and will relay it (`spec/api.md` §8.3). There is no
    /// receipt yet; submitting the same bytes again later returns the
    /// board's receipt once the ballot is delivered.
    #[error("a mirror queued the ballot and will relay it to the board (no receipt yet; submit the same ballot again later)")]
    Queued {
        /// The mirror's answer (JSON: tracking code, reception time,
        /// mirror key and its signed promise), to keep.
        answer: String,
    },
    /// A board and a mirror serve tree heads of the board key that are
    /// not consistent (`spec/api.md` §8.2): one of them shows a forked log.
    #[error("the board and the mirror disagree: {reason}")]
    Inconsistent {
        /// What did not match.
        reason: String,
        /// Evidence (`spec/log.md` §9, JSON) when the two heads alone prove
        /// the board equivocated.
        evidence: Option<String>,
    },
}

impl ClientError {
    /// The stable machine-readable code.
    pub fn code(&self) -> &str {
        match self {
            ClientError::Credential(e) => e.code(),
            ClientError::Choice(e) => e.code(),
            ClientError::WrongElection(_) => "ERR_WRONG_ELECTION",
            ClientError::CredentialNotListed => "ERR_CREDENTIAL_UNKNOWN",
            ClientError::NoSecureRng => "ERR_NO_SECURE_RNG",
            ClientError::Format { .. } => "ERR_FORMAT",
            ClientError::Election(e) => e.code(),
            ClientError::Receipt { code, .. } => code,
            ClientError::Board { code, .. } => code,
            ClientError::Transport(_) => "ERR_TRANSPORT",
            ClientError::Queued { .. } => "ERR_QUEUED",
            ClientError::Inconsistent { .. } => "ERR_LOG_EQUIVOCATION",
        }
    }

    pub(crate) fn format(what: &'static str, reason: impl Into<String>) -> Self {
        ClientError::Format {
            what,
            reason: reason.into(),
        }
    }

    pub(crate) fn receipt(reason: impl Into<String>) -> Self {
        ClientError::Receipt {
            code: "ERR_RECEIPT_INVALID",
            reason: reason.into(),
        }
    }
}

impl From<urna_log::Error> for ClientError {
    fn from(e: urna_log::Error) -> Self {
        ClientError::Receipt {
            code: e.code(),
            reason: e.to_string(),
        }
    }
}

impl From<urna_crypto::Error> for ClientError {
    fn from(e: urna_crypto::Error) -> Self {
        ClientError::Election(e.into())
    }
}

/// Shorthand for this crate's results.
pub type Result<T> = core::result::Result<T, ClientError>;
