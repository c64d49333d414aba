//! The crate's one error type.

use thiserror::Error;

/// Everything that can be wrong with election data.
///
/// Every variant names the field or entry at fault and maps to one stable
/// code ([`ElectionError::code`]) listed in `spec/record.md` §9.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ElectionError {
    /// A cryptographic encoding or check failed.
    #[error(transparent)]
    Crypto(#[from] urna_crypto::Error),
    /// A field of the manifest (or another document) is invalid.
    #[error("{field}: {reason}")]
    Invalid {
        /// Path of the field, e.g. `contests[1].options`.
        field: String,
        /// What is wrong, in words a user can act on.
        reason: String,
    },
    /// The structure does not match the manifest.
    #[error("ballot shape: {0}")]
    BallotShape(String),
    /// Bytes that are not the canonical encoding of the value they decode to.
    #[error("{0}: not in canonical form")]
    NonCanonical(&'static str),
    /// A ballot or message for another election.
    #[error("wrong election: {0}")]
    WrongElection(String),
    /// A ballot whose proofs do not verify.
    #[error("ballot proof invalid: {0}")]
    ProofInvalid(String),
    /// A signature (credential, organizer, authority, trustee) that does not verify.
    #[error("signature invalid: {0}")]
    SignatureInvalid(String),
    /// A credential not in the published list.
    #[error("credential not in the published credential list")]
    CredentialUnknown,
    /// A malformed credential list (duplicates, identity, weights).
    #[error("credential list invalid: {0}")]
    CredentialListInvalid(String),
    /// An unsupported spec version or parameter set.
    #[error("unsupported version: {0}")]
    UnsupportedVersion(String),
}

impl ElectionError {
    /// The stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            ElectionError::Crypto(e) => e.code(),
            ElectionError::Invalid { .. } => "ERR_INVALID",
            ElectionError::BallotShape(_) => "ERR_BALLOT_SHAPE",
            ElectionError::NonCanonical(_) => "ERR_NON_CANONICAL",
            ElectionError::WrongElection(_) => "ERR_WRONG_ELECTION",
            ElectionError::ProofInvalid(_) => "ERR_PROOF_INVALID",
            ElectionError::SignatureInvalid(_) => "ERR_SIGNATURE_INVALID",
            ElectionError::CredentialUnknown => "ERR_CREDENTIAL_UNKNOWN",
            ElectionError::CredentialListInvalid(_) => "ERR_CREDENTIAL_LIST_INVALID",
            ElectionError::UnsupportedVersion(_) => "ERR_UNSUPPORTED_VERSION",
        }
    }

    pub(crate) fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        ElectionError::Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// Shorthand for this crate's results.
pub type Result<T> = core::result::Result<T, ElectionError>;
