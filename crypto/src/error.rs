//! The crate's one error type.

use thiserror::Error;

/// Everything that can go wrong in `urna-crypto`.
///
/// Errors are grouped by who is at fault: malformed input (`Encoding`-like
/// variants, always naming the field), a proof or signature that does not
/// verify, or a caller asking for something impossible. Each variant maps to
/// one stable code (see [`Error::code`] and `spec/crypto.md` §9).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum Error {
    /// Bytes that are not a canonical ristretto255 encoding (RFC 9496 §4.3.1).
    #[error("{field}: not a canonical ristretto255 point encoding")]
    NonCanonicalPoint {
        /// The field that held the bad bytes.
        field: &'static str,
    },
    /// The identity element where the spec forbids it.
    #[error("{field}: the identity element is not allowed here")]
    IdentityPoint {
        /// The field that held the identity.
        field: &'static str,
    },
    /// A scalar encoding that is not reduced modulo ℓ.
    #[error("{field}: not a canonical scalar (the value must be below the group order ℓ)")]
    NonCanonicalScalar {
        /// The field that held the bad scalar.
        field: &'static str,
    },
    /// The input ended before the field was complete.
    #[error("{field}: input ends early")]
    Truncated {
        /// The field being read.
        field: &'static str,
    },
    /// Bytes left over after a complete value (canonical encodings have an exact length).
    #[error("{what}: {extra} unexpected trailing bytes")]
    TrailingBytes {
        /// The value being decoded.
        what: &'static str,
        /// How many bytes were left.
        extra: usize,
    },
    /// Text that is not lower-case hexadecimal of the right length.
    #[error("{field}: not lower-case hexadecimal")]
    Hex {
        /// The field being read.
        field: &'static str,
    },
    /// A structure that cannot be parsed (e.g. a bulletproof of impossible length).
    #[error("{field}: malformed encoding")]
    Malformed {
        /// The field being read.
        field: &'static str,
    },
    /// A length or count inside an encoding does not fit the statement.
    #[error("{field}: wrong length or count: expected {expected}, found {found}")]
    WrongLength {
        /// The field being checked.
        field: &'static str,
        /// What the statement requires.
        expected: u64,
        /// What the input carries.
        found: u64,
    },
    /// A zero-knowledge proof does not verify.
    #[error("{proof} proof does not verify")]
    ProofInvalid {
        /// The kind of proof.
        proof: &'static str,
    },
    /// A Schnorr signature does not verify.
    #[error("signature does not verify")]
    SignatureInvalid,
    /// A batch failed; these items (by the ids the caller gave them) are the culprits.
    #[error("batch verification failed for {} item(s)", failing.len())]
    BatchFailed {
        /// Indices (in insertion order) of the failing items.
        failing: Vec<usize>,
    },
    /// A parameter that makes no sense (e.g. an empty range, a range too wide).
    #[error("invalid parameter: {0}")]
    InvalidParameter(&'static str),
    /// A plaintext outside the range the caller asked to prove.
    #[error("plaintext {value} is outside the range [{min}, {max}]")]
    PlaintextOutOfRange {
        /// The value.
        value: u64,
        /// Lower bound.
        min: u64,
        /// Upper bound.
        max: u64,
    },
    /// A decrypted count larger than the bound (spec §6.2): never search without end.
    #[error("decrypted value is not a count in [0, {bound}]")]
    TallyOutOfRange {
        /// The search bound.
        bound: u64,
    },
}

impl Error {
    /// The stable machine-readable code of this error (`spec/crypto.md` §9).
    pub fn code(&self) -> &'static str {
        match self {
            Error::NonCanonicalPoint { .. }
            | Error::NonCanonicalScalar { .. }
            | Error::Truncated { .. }
            | Error::TrailingBytes { .. }
            | Error::Hex { .. }
            | Error::Malformed { .. } => "ERR_ENCODING",
            Error::IdentityPoint { .. } => "ERR_IDENTITY_POINT",
            Error::WrongLength { .. } => "ERR_BALLOT_SHAPE",
            Error::ProofInvalid { .. } | Error::BatchFailed { .. } => "ERR_PROOF_INVALID",
            Error::SignatureInvalid => "ERR_SIGNATURE_INVALID",
            Error::InvalidParameter(_) => "ERR_PARAMS",
            Error::PlaintextOutOfRange { .. } => "ERR_PLAINTEXT_RANGE",
            Error::TallyOutOfRange { .. } => "ERR_TALLY_OUT_OF_RANGE",
        }
    }
}

/// Shorthand for this crate's results.
pub type Result<T> = core::result::Result<T, Error>;
