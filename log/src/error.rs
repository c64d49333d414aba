//! The crate's one error type.

use thiserror::Error;

/// Everything that can go wrong in `urna-log`.
///
/// Variants are grouped by what failed, and each maps to one stable code
/// (see [`Error::code`] and `spec/log.md` §10):
///
/// | variant | code |
/// |---|---|
/// | [`Error::InclusionInvalid`] | `ERR_INCLUSION_INVALID` |
/// | [`Error::Inconsistent`] | `ERR_LOG_INCONSISTENT` |
/// | [`Error::CheckpointInvalid`] | `ERR_CHECKPOINT_INVALID` |
/// | [`Error::Equivocation`] | `ERR_LOG_EQUIVOCATION` |
/// | [`Error::EvidenceInvalid`] | `ERR_EVIDENCE_INVALID` |
/// | the encoding variants | `ERR_ENCODING` |
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum Error {
    /// An inclusion proof does not verify, or cannot exist (index beyond size).
    #[error("inclusion proof invalid: {0}")]
    InclusionInvalid(ProofFailure),
    /// A consistency proof does not verify, or cannot exist.
    #[error("consistency proof invalid: {0}")]
    Inconsistent(ProofFailure),
    /// A signed tree head fails a check of `spec/log.md` §7 or §8.
    #[error("tree head invalid: {0}")]
    CheckpointInvalid(HeadFailure),
    /// Two heads signed by the board cannot both be honest (`spec/log.md` §9).
    #[error("log equivocation: {0}")]
    Equivocation(EvidenceKind),
    /// Presented evidence proves no misbehaviour (`spec/log.md` §9 (L24)).
    #[error("not evidence of misbehaviour: {0}")]
    EvidenceInvalid(&'static str),
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
    #[error("{field}: not lower-case hexadecimal of the right length")]
    Hex {
        /// The field being read.
        field: &'static str,
    },
    /// A length or count outside what the encoding allows.
    #[error("{field}: wrong length or count: at most {max}, found {found}")]
    TooLong {
        /// The field being read.
        field: &'static str,
        /// The largest allowed value.
        max: u64,
        /// What the input carries.
        found: u64,
    },
    /// A structurally invalid value (bad label, unknown tag, weak key, ...).
    #[error("{field}: malformed encoding")]
    Malformed {
        /// The field being read.
        field: &'static str,
    },
}

/// Why a Merkle proof was rejected (`spec/log.md` §3, §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ProofFailure {
    /// The leaf index is not below the tree size (L6 step 1).
    #[error("leaf index {index} is not below tree size {size}")]
    IndexBeyondSize {
        /// The claimed index.
        index: u64,
        /// The claimed size.
        size: u64,
    },
    /// The proof has more or fewer hashes than the sizes require.
    #[error("proof has the wrong number of hashes")]
    WrongLength,
    /// The recomputed root differs from the expected one.
    #[error("recomputed root does not match")]
    RootMismatch,
    /// A consistency proof from a larger to a smaller tree (L9).
    #[error("second size {size2} is smaller than first size {size1}")]
    SizeDecreasing {
        /// First (older) size.
        size1: u64,
        /// Second (newer) size.
        size2: u64,
    },
    /// Equal sizes need an empty proof (L9).
    #[error("sizes are equal but the proof is not empty")]
    EqualSizesNonEmptyProof,
    /// The empty tree is a prefix of every tree: its proof is empty (L9).
    #[error("first size is 0 but the proof is not empty")]
    EmptyTreeNonEmptyProof,
    /// A tree of size 0 must have the empty root `SHA-256("")` (L3).
    #[error("the root of the empty tree is not SHA-256(\"\")")]
    EmptyTreeRoot,
    /// Proof generation asked for leaves the source does not hold.
    #[error("tree size {size} exceeds the {available} leaves available")]
    SizeBeyondSource {
        /// Requested size.
        size: u64,
        /// Leaves the source holds.
        available: u64,
    },
}

/// Why a signed tree head was rejected (`spec/log.md` §7, §8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum HeadFailure {
    /// The Ed25519 signature does not verify (L14).
    #[error("signature does not verify")]
    BadSignature,
    /// The head's log id is not the SHA-256 of the expected board key (L13),
    /// or two heads compared by `check_extends` are from different logs (L17).
    #[error("wrong log id")]
    WrongLogId,
    /// A timestamp of zero (L15).
    #[error("timestamp is zero")]
    ZeroTimestamp,
    /// A head of size 0 whose root is not `SHA-256("")` (L16).
    #[error("a tree of size 0 must have the empty root")]
    EmptyTreeRoot,
    /// The newer head is smaller than the previous one (L19).
    #[error("tree size went down from {prev} to {next}")]
    SizeDecreased {
        /// Size of the previous head.
        prev: u64,
        /// Size of the newer head.
        next: u64,
    },
    /// The newer head is older than the previous one (L20).
    #[error("timestamp went back from {prev} to {next}")]
    TimestampWentBack {
        /// Timestamp of the previous head.
        prev: u64,
        /// Timestamp of the newer head.
        next: u64,
    },
}

/// What kind of misbehaviour two signed heads prove (`spec/log.md` §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum EvidenceKind {
    /// Two heads of the same size with different roots (L25).
    #[error("two different roots for tree size {size}")]
    SplitView {
        /// The common tree size.
        size: u64,
    },
    /// A later head of a smaller tree: the log rolled back (L26).
    #[error("the log signed a smaller tree at a later time")]
    Rollback,
    /// The same leaf index proven to hold different leaves under the two roots (L27).
    #[error("leaf {index} differs between the two trees")]
    ConflictingLeaf {
        /// The leaf index.
        index: u64,
    },
}

impl Error {
    /// The stable machine-readable code of this error (`spec/log.md` §10).
    pub fn code(&self) -> &'static str {
        match self {
            Error::InclusionInvalid(_) => "ERR_INCLUSION_INVALID",
            Error::Inconsistent(_) => "ERR_LOG_INCONSISTENT",
            Error::CheckpointInvalid(_) => "ERR_CHECKPOINT_INVALID",
            Error::Equivocation(_) => "ERR_LOG_EQUIVOCATION",
            Error::EvidenceInvalid(_) => "ERR_EVIDENCE_INVALID",
            Error::Truncated { .. }
            | Error::TrailingBytes { .. }
            | Error::Hex { .. }
            | Error::TooLong { .. }
            | Error::Malformed { .. } => "ERR_ENCODING",
        }
    }
}

/// Shorthand for this crate's results.
pub type Result<T> = core::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable() {
        let cases = [
            (
                Error::InclusionInvalid(ProofFailure::RootMismatch),
                "ERR_INCLUSION_INVALID",
            ),
            (
                Error::Inconsistent(ProofFailure::WrongLength),
                "ERR_LOG_INCONSISTENT",
            ),
            (
                Error::CheckpointInvalid(HeadFailure::BadSignature),
                "ERR_CHECKPOINT_INVALID",
            ),
            (
                Error::Equivocation(EvidenceKind::Rollback),
                "ERR_LOG_EQUIVOCATION",
            ),
            (Error::EvidenceInvalid("x"), "ERR_EVIDENCE_INVALID"),
            (Error::Truncated { field: "f" }, "ERR_ENCODING"),
            (
                Error::TrailingBytes {
                    what: "w",
                    extra: 1,
                },
                "ERR_ENCODING",
            ),
            (Error::Hex { field: "f" }, "ERR_ENCODING"),
            (
                Error::TooLong {
                    field: "f",
                    max: 1,
                    found: 2,
                },
                "ERR_ENCODING",
            ),
            (Error::Malformed { field: "f" }, "ERR_ENCODING"),
        ];
        for (e, code) in cases {
            assert_eq!(e.code(), code, "{e}");
        }
    }
}
