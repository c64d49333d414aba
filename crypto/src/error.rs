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
    /// A fixed-size field (point, scalar, hash) of the wrong length.
    #[error("{field}: must be {expected} bytes, found {found}")]
    BadFieldLength {
        /// The field being read.
        field: &'static str,
        /// Required length.
        expected: usize,
        /// Length given.
        found: usize,
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
    // ---- Trustees: key ceremony and threshold decryption (spec/trustees.md §13) ----
    /// Ceremony parameters that make no sense: `k = 0`, `k > n`, `n > 255`, a trustee
    /// index 0, duplicate or missing indices (docs/attacks.md D2).
    #[error("invalid ceremony parameters: {0}")]
    DkgParams(&'static str),
    /// A message or proof made for another election (a replay).
    #[error("{what} belongs to another election")]
    WrongElection {
        /// What was checked.
        what: &'static str,
    },
    /// A ceremony message that is structurally wrong for this ceremony.
    #[error("round-{round} message of trustee {trustee}: {reason}")]
    DkgMessageInvalid {
        /// The sender the message names.
        trustee: u8,
        /// The ceremony round (1–4).
        round: u8,
        /// What is wrong.
        reason: &'static str,
    },
    /// A trustee posted no (acceptable) message in a round it had to take part in.
    #[error("trustee {trustee} posted no round-{round} message")]
    DkgMessageMissing {
        /// The absent trustee.
        trustee: u8,
        /// The ceremony round (1–4).
        round: u8,
    },
    /// The signature on a ceremony message does not verify under the sender's key.
    #[error("round-{round} message of trustee {trustee}: signature does not verify")]
    DkgSignatureInvalid {
        /// The sender the message names.
        trustee: u8,
        /// The ceremony round (1–4).
        round: u8,
    },
    /// A proof of possession of an identity key, or a proof of knowledge of a
    /// polynomial coefficient, is invalid (docs/attacks.md D3).
    #[error("trustee {trustee}: invalid proof of possession ({what})")]
    DkgPopInvalid {
        /// The trustee whose proof failed.
        trustee: u8,
        /// Which proof.
        what: &'static str,
    },
    /// Coefficient commitments that are malformed for this ceremony (wrong
    /// count, identity element, or not what round 1 committed to).
    #[error("trustee {trustee}: invalid coefficient commitments: {reason}")]
    DkgCommitmentInvalid {
        /// The dealer.
        trustee: u8,
        /// What is wrong.
        reason: &'static str,
    },
    /// A dealt share fails to decrypt or fails the Feldman check (docs/attacks.md D4).
    #[error("the share dealt by trustee {dealer} to trustee {recipient} is invalid")]
    DkgShareInvalid {
        /// The trustee that dealt the share.
        dealer: u8,
        /// The trustee that received it.
        recipient: u8,
    },
    /// A complaint that is false or unproven: the complainer misbehaved (docs/attacks.md D4).
    #[error("the complaint of trustee {complainer} against trustee {dealer} is false: {reason}")]
    DkgComplaintInvalid {
        /// The trustee that complained.
        complainer: u8,
        /// The trustee it accused.
        dealer: u8,
        /// Why the complaint is dismissed.
        reason: &'static str,
    },
    /// Fewer than `k` trustees remain qualified: the ceremony stops. The list
    /// is the evidence, one entry per excluded trustee.
    #[error("only {} trustee(s) remain qualified, {threshold} needed", qualified.len())]
    DkgTooFewQualified {
        /// The threshold `k`.
        threshold: u8,
        /// The trustees still qualified.
        qualified: Vec<u8>,
        /// Every excluded trustee with the reason.
        disqualified: Vec<Disqualification>,
    },
    /// Qualified trustees whose certificate of the ceremony transcript is
    /// missing or differs from ours (a split view, docs/attacks.md D6).
    #[error("ceremony transcript not certified by trustee(s) {trustees:?}")]
    DkgTranscriptMismatch {
        /// The trustees without a matching certificate.
        trustees: Vec<u8>,
    },
    /// A ceremony message whose round-1 signing key is not the roster's key
    /// for its sender index (spec/trustees.md §5.8 (N2), docs/attacks.md D9).
    #[error(
        "round-1 message under trustee {trustee}: its signing key is not trustee {trustee}'s \
         key in the manifest's roster"
    )]
    DkgNotInRoster {
        /// The sender the message names.
        trustee: u8,
    },
    /// A second, different message of one trustee in one round
    /// (spec/trustees.md §5.8 (N3)): refused at posting, the first stands.
    #[error(
        "trustee {trustee} already posted a different round-{round} message; the first one stands"
    )]
    DkgEquivocation {
        /// The sender.
        trustee: u8,
        /// The round.
        round: u8,
    },
    /// A message posted out of turn (spec/trustees.md §5.8 (N4), (N5)): its
    /// round is closed, not open yet, or its sender left the ceremony.
    #[error("round-{round} message of trustee {trustee} refused: {reason}")]
    DkgOutOfTurn {
        /// The sender.
        trustee: u8,
        /// The round.
        round: u8,
        /// Why.
        reason: &'static str,
    },
    /// A message made against other messages than the closed rounds
    /// (spec/trustees.md §5.8 (N6), (N7)): the sender should fetch the
    /// messages again and redo its round.
    #[error(
        "round-{round} message of trustee {trustee} refused: {reason}; fetch the ceremony \
         messages again and redo this round"
    )]
    DkgStale {
        /// The sender.
        trustee: u8,
        /// The round.
        round: u8,
        /// What differs.
        reason: &'static str,
    },
    /// A partial decryption that is rejected (docs/attacks.md D7).
    #[error("decryption share of trustee {trustee} rejected: {reason}")]
    ShareInvalid {
        /// The trustee that posted it.
        trustee: u8,
        /// Why it is rejected.
        reason: &'static str,
    },
    /// Fewer than `k` valid partial decryptions (docs/attacks.md D1).
    #[error(
        "{} valid decryption share(s), {needed} needed (invalid: {invalid:?}, missing: {missing:?})",
        valid.len()
    )]
    InsufficientShares {
        /// The threshold `k`.
        needed: u8,
        /// Trustees whose shares verified.
        valid: Vec<u8>,
        /// Trustees whose shares were rejected.
        invalid: Vec<u8>,
        /// Qualified trustees that sent no share.
        missing: Vec<u8>,
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
            | Error::Malformed { .. }
            | Error::BadFieldLength { .. } => "ERR_ENCODING",
            Error::IdentityPoint { .. } => "ERR_IDENTITY_POINT",
            Error::WrongLength { .. } => "ERR_BALLOT_SHAPE",
            Error::ProofInvalid { .. } | Error::BatchFailed { .. } => "ERR_PROOF_INVALID",
            Error::SignatureInvalid => "ERR_SIGNATURE_INVALID",
            Error::InvalidParameter(_) => "ERR_PARAMS",
            Error::PlaintextOutOfRange { .. } => "ERR_PLAINTEXT_RANGE",
            Error::TallyOutOfRange { .. } => "ERR_TALLY_OUT_OF_RANGE",
            Error::DkgParams(_) => "ERR_DKG_PARAMS",
            Error::WrongElection { .. } => "ERR_WRONG_ELECTION",
            Error::DkgMessageInvalid { .. } => "ERR_DKG_MESSAGE_INVALID",
            Error::DkgMessageMissing { .. } => "ERR_DKG_MESSAGE_MISSING",
            Error::DkgSignatureInvalid { .. } => "ERR_SIGNATURE_INVALID",
            Error::DkgPopInvalid { .. } => "ERR_DKG_POP_INVALID",
            Error::DkgCommitmentInvalid { .. } => "ERR_DKG_COMMITMENT_INVALID",
            Error::DkgShareInvalid { .. } => "ERR_DKG_SHARE_INVALID",
            Error::DkgComplaintInvalid { .. } => "ERR_DKG_COMPLAINT_INVALID",
            Error::DkgTooFewQualified { .. } => "ERR_DKG_TOO_FEW_QUALIFIED",
            Error::DkgTranscriptMismatch { .. } => "ERR_DKG_TRANSCRIPT_MISMATCH",
            Error::DkgNotInRoster { .. } => "ERR_DKG_NOT_IN_ROSTER",
            Error::DkgEquivocation { .. } => "ERR_DKG_EQUIVOCATION",
            Error::DkgOutOfTurn { .. } => "ERR_DKG_OUT_OF_TURN",
            Error::DkgStale { .. } => "ERR_DKG_STALE",
            Error::ShareInvalid { .. } => "ERR_SHARE_INVALID",
            Error::InsufficientShares { .. } => "ERR_INSUFFICIENT_SHARES",
        }
    }
}

/// Shorthand for this crate's results.
pub type Result<T> = core::result::Result<T, Error>;

/// A trustee excluded from the qualified set, with the reason. The evidence
/// is in the posted messages the reason names. Defined with the errors
/// because [`Error::DkgTooFewQualified`] carries the list (so the error
/// module does not depend on the ceremony's).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Disqualification {
    pub(crate) trustee: u8,
    pub(crate) reason: Error,
}

impl Disqualification {
    /// The excluded trustee.
    pub fn trustee(&self) -> u8 {
        self.trustee
    }
    /// Why (an error naming the rule broken).
    pub fn reason(&self) -> &Error {
        &self.reason
    }
}
