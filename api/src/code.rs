//! The board's error codes (`spec/api.md` §3): one enum that owns each
//! code's stable string and its HTTP status, so that a misspelt code does
//! not compile. `tests` checks the enum against the spec's table.

use serde::{Deserialize, Serialize};

/// A stable error code the board answers with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// `ERR_ENCODING` (400): malformed JSON body, bad hex, wrong length, non-canonical point or scalar, truncated entry
    Encoding,
    /// `ERR_IDENTITY_POINT` (400): the identity element where it is forbidden
    IdentityPoint,
    /// `ERR_NON_CANONICAL` (400): bytes (or hex) that are not the one canonical form
    NonCanonical,
    /// `ERR_BALLOT_SHAPE` (400): structure does not match the manifest, or a count over its maximum
    BallotShape,
    /// `ERR_INVALID` (400): a field breaks a rule (manifest (M2)–(M8), unknown tag or phase), wrong entry kind for the endpoint, bad query parameters
    Invalid,
    /// `ERR_UNSUPPORTED_VERSION` (400): a manifest of another spec version
    UnsupportedVersion,
    /// `ERR_BAD_REQUEST` (400): any other malformed request (405 for a wrong method)
    BadRequest,
    /// `ERR_CREDENTIAL_UNKNOWN` (403): the ballot's credential is not in the list (V3)
    CredentialUnknown,
    /// `ERR_CREDENTIAL_REVOKED` (403): reserved (revocation events are not in `urna/v1`)
    CredentialRevoked,
    /// `ERR_READ_ONLY` (403): a write other than a ballot sent to a mirror (§8.3)
    ReadOnly,
    /// `ERR_ORGANIZER_NOT_ALLOWED` (403): an election whose organizer key the board's operator did not name (§5.1)
    OrganizerNotAllowed,
    /// `ERR_NOT_FOUND` (404): no such election, ballot or endpoint
    NotFound,
    /// `ERR_TIMEOUT` (408): the request took longer than `--request-timeout-secs`
    Timeout,
    /// `ERR_DUPLICATE_CIPHERTEXT` (409): an `α` repeats one already on the board, or within the ballot (R7)
    DuplicateCiphertext,
    /// `ERR_ELECTION_NOT_OPEN` (409): a ballot before the open entry; an audit before the election context exists
    ElectionNotOpen,
    /// `ERR_ELECTION_CLOSED` (409): a ballot after the close entry
    ElectionClosed,
    /// `ERR_BALLOT_SPOILED` (409): casting an audited ballot, or auditing a cast one (R9)
    BallotSpoiled,
    /// `ERR_LIFECYCLE` (409): an entry out of the order of `spec/record.md` §6.3 (second open, close before open, ceremony message after the run, share or result before close, second result, …)
    Lifecycle,
    /// `ERR_CREDENTIALS_CHANGED` (409): a second credential list, or one after voting opened
    CredentialsChanged,
    /// `ERR_ELECTION_EXISTS` (409): a manifest whose election id is already on the board
    ElectionExists,
    /// `ERR_INSUFFICIENT_SHARES` (409): a result before `k` valid decryption shares are posted
    InsufficientShares,
    /// `ERR_LOG_EQUIVOCATION` (409): a head pushed to a mirror is inconsistent with its verified log (§8.2)
    LogEquivocation,
    /// `ERR_MIRROR_HALTED` (409): a ballot sent to a mirror that stopped following the election (§8.1)
    MirrorHalted,
    /// `ERR_RELAY_REFUSED` (409): the board refused a ballot the mirror relayed (§8.3)
    RelayRefused,
    /// `ERR_DUPLICATE_BALLOT` (409): a log replayed through the board's intake (a mirror's catch-up, §8.1) holds the same ballot twice
    DuplicateBallot,
    /// `ERR_DKG_EQUIVOCATION` (409): a second, different ceremony message of one trustee in one round (`spec/trustees.md` §5.8 (N3))
    DkgEquivocation,
    /// `ERR_DKG_OUT_OF_TURN` (409): a ceremony message of a closed round, of a round not open yet, or from a trustee that left the ceremony (N4), (N5)
    DkgOutOfTurn,
    /// `ERR_DKG_STALE` (409): a ceremony message made against other messages than the closed rounds: fetch them and redo the round (N6), (N7)
    DkgStale,
    /// `ERR_BODY_TOO_LARGE` (413): the body exceeds the endpoint's limit
    BodyTooLarge,
    /// `ERR_CONTENT_TYPE` (415): a `POST` without `Content-Type: application/json` (a cross-site form post)
    ContentType,
    /// `ERR_CHECKPOINT_INVALID` (422): a tree head pushed to a mirror does not verify under the board key (§8.2)
    CheckpointInvalid,
    /// `ERR_LOG_INCONSISTENT` (422): entries a mirror fetched do not hash to the root of the board's signed tree head (§8.1)
    LogInconsistent,
    /// `ERR_WRONG_ELECTION` (422): the ballot's fingerprint (V1), a state change's fingerprint, or a ceremony message's election id is not this election's
    WrongElection,
    /// `ERR_PROOF_INVALID` (422): a ballot proof (V5), or an audit opening (A1)
    ProofInvalid,
    /// `ERR_SIGNATURE_INVALID` (422): a credential signature (V4), or an organizer/authority signature (S1)–(S4)
    SignatureInvalid,
    /// `ERR_CREDENTIAL_LIST_INVALID` (422): the list breaks (L1)–(L4)
    CredentialListInvalid,
    /// `ERR_DKG_PARAMS` (422): ceremony parameters or a trustee index out of range
    DkgParams,
    /// `ERR_DKG_MESSAGE_INVALID` (422): a ceremony message that does not decode or verify
    DkgMessageInvalid,
    /// `ERR_DKG_MESSAGE_MISSING` (422): the ceremony run ends with a message missing
    DkgMessageMissing,
    /// `ERR_DKG_POP_INVALID` (422): a proof of possession in the ceremony fails
    DkgPopInvalid,
    /// `ERR_DKG_COMMITMENT_INVALID` (422): a coefficient commitment fails
    DkgCommitmentInvalid,
    /// `ERR_DKG_SHARE_INVALID` (422): a dealt share fails
    DkgShareInvalid,
    /// `ERR_DKG_COMPLAINT_INVALID` (422): a complaint fails
    DkgComplaintInvalid,
    /// `ERR_DKG_TOO_FEW_QUALIFIED` (422): fewer than `k` trustees qualified
    DkgTooFewQualified,
    /// `ERR_DKG_TRANSCRIPT_MISMATCH` (422): trustees certified different transcripts
    DkgTranscriptMismatch,
    /// `ERR_DKG_NOT_IN_ROSTER` (422): a round-1 message whose signing key is not its trustee's key in the manifest's roster (N2)
    DkgNotInRoster,
    /// `ERR_SHARE_INVALID` (422): a tally share entry breaks (Y3): unknown or repeated trustee, wrong shape, a proof fails
    ShareInvalid,
    /// `ERR_TALLY_MISMATCH` (422): the result's totals differ from the decryption of the posted shares
    TallyMismatch,
    /// `ERR_TALLY_OUT_OF_RANGE` (422): a decrypted count above its bound (Y6)
    TallyOutOfRange,
    /// `ERR_QUOTA_EXCEEDED` (429): an organizer over its quota of elections (§5.1), a credential over its audit quota (§5.6)
    QuotaExceeded,
    /// `ERR_RATE_LIMITED` (429): too many ballots from one credential (with `Retry-After`)
    RateLimited,
    /// `ERR_INTERNAL` (500): an internal error (logged, details withheld)
    Internal,
    /// `ERR_STORAGE_UNAVAILABLE` (503): the write could not be made durable, or the database is unreachable: no receipt
    StorageUnavailable,
    /// `ERR_BUSY` (503): a read the board has no room for now (record streams, read connections): retry later (with `Retry-After`)
    Busy,
}

impl ErrorCode {
    /// Every code, in the order of the spec's table.
    pub const ALL: &'static [ErrorCode] = &[
        ErrorCode::Encoding,
        ErrorCode::IdentityPoint,
        ErrorCode::NonCanonical,
        ErrorCode::BallotShape,
        ErrorCode::Invalid,
        ErrorCode::UnsupportedVersion,
        ErrorCode::BadRequest,
        ErrorCode::CredentialUnknown,
        ErrorCode::CredentialRevoked,
        ErrorCode::ReadOnly,
        ErrorCode::OrganizerNotAllowed,
        ErrorCode::NotFound,
        ErrorCode::Timeout,
        ErrorCode::DuplicateCiphertext,
        ErrorCode::ElectionNotOpen,
        ErrorCode::ElectionClosed,
        ErrorCode::BallotSpoiled,
        ErrorCode::Lifecycle,
        ErrorCode::CredentialsChanged,
        ErrorCode::ElectionExists,
        ErrorCode::InsufficientShares,
        ErrorCode::LogEquivocation,
        ErrorCode::MirrorHalted,
        ErrorCode::RelayRefused,
        ErrorCode::DuplicateBallot,
        ErrorCode::DkgEquivocation,
        ErrorCode::DkgOutOfTurn,
        ErrorCode::DkgStale,
        ErrorCode::BodyTooLarge,
        ErrorCode::ContentType,
        ErrorCode::CheckpointInvalid,
        ErrorCode::LogInconsistent,
        ErrorCode::WrongElection,
        ErrorCode::ProofInvalid,
        ErrorCode::SignatureInvalid,
        ErrorCode::CredentialListInvalid,
        ErrorCode::DkgParams,
        ErrorCode::DkgMessageInvalid,
        ErrorCode::DkgMessageMissing,
        ErrorCode::DkgPopInvalid,
        ErrorCode::DkgCommitmentInvalid,
        ErrorCode::DkgShareInvalid,
        ErrorCode::DkgComplaintInvalid,
        ErrorCode::DkgTooFewQualified,
        ErrorCode::DkgTranscriptMismatch,
        ErrorCode::DkgNotInRoster,
        ErrorCode::ShareInvalid,
        ErrorCode::TallyMismatch,
        ErrorCode::TallyOutOfRange,
        ErrorCode::QuotaExceeded,
        ErrorCode::RateLimited,
        ErrorCode::Internal,
        ErrorCode::StorageUnavailable,
        ErrorCode::Busy,
    ];

    /// The stable string, e.g. `"ERR_NOT_FOUND"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Encoding => "ERR_ENCODING",
            ErrorCode::IdentityPoint => "ERR_IDENTITY_POINT",
            ErrorCode::NonCanonical => "ERR_NON_CANONICAL",
            ErrorCode::BallotShape => "ERR_BALLOT_SHAPE",
            ErrorCode::Invalid => "ERR_INVALID",
            ErrorCode::UnsupportedVersion => "ERR_UNSUPPORTED_VERSION",
            ErrorCode::BadRequest => "ERR_BAD_REQUEST",
            ErrorCode::CredentialUnknown => "ERR_CREDENTIAL_UNKNOWN",
            ErrorCode::CredentialRevoked => "ERR_CREDENTIAL_REVOKED",
            ErrorCode::ReadOnly => "ERR_READ_ONLY",
            ErrorCode::OrganizerNotAllowed => "ERR_ORGANIZER_NOT_ALLOWED",
            ErrorCode::QuotaExceeded => "ERR_QUOTA_EXCEEDED",
            ErrorCode::NotFound => "ERR_NOT_FOUND",
            ErrorCode::Timeout => "ERR_TIMEOUT",
            ErrorCode::DuplicateCiphertext => "ERR_DUPLICATE_CIPHERTEXT",
            ErrorCode::ElectionNotOpen => "ERR_ELECTION_NOT_OPEN",
            ErrorCode::ElectionClosed => "ERR_ELECTION_CLOSED",
            ErrorCode::BallotSpoiled => "ERR_BALLOT_SPOILED",
            ErrorCode::Lifecycle => "ERR_LIFECYCLE",
            ErrorCode::CredentialsChanged => "ERR_CREDENTIALS_CHANGED",
            ErrorCode::ElectionExists => "ERR_ELECTION_EXISTS",
            ErrorCode::InsufficientShares => "ERR_INSUFFICIENT_SHARES",
            ErrorCode::LogEquivocation => "ERR_LOG_EQUIVOCATION",
            ErrorCode::MirrorHalted => "ERR_MIRROR_HALTED",
            ErrorCode::RelayRefused => "ERR_RELAY_REFUSED",
            ErrorCode::DuplicateBallot => "ERR_DUPLICATE_BALLOT",
            ErrorCode::BodyTooLarge => "ERR_BODY_TOO_LARGE",
            ErrorCode::ContentType => "ERR_CONTENT_TYPE",
            ErrorCode::CheckpointInvalid => "ERR_CHECKPOINT_INVALID",
            ErrorCode::LogInconsistent => "ERR_LOG_INCONSISTENT",
            ErrorCode::WrongElection => "ERR_WRONG_ELECTION",
            ErrorCode::ProofInvalid => "ERR_PROOF_INVALID",
            ErrorCode::SignatureInvalid => "ERR_SIGNATURE_INVALID",
            ErrorCode::CredentialListInvalid => "ERR_CREDENTIAL_LIST_INVALID",
            ErrorCode::DkgParams => "ERR_DKG_PARAMS",
            ErrorCode::DkgMessageInvalid => "ERR_DKG_MESSAGE_INVALID",
            ErrorCode::DkgMessageMissing => "ERR_DKG_MESSAGE_MISSING",
            ErrorCode::DkgPopInvalid => "ERR_DKG_POP_INVALID",
            ErrorCode::DkgCommitmentInvalid => "ERR_DKG_COMMITMENT_INVALID",
            ErrorCode::DkgShareInvalid => "ERR_DKG_SHARE_INVALID",
            ErrorCode::DkgComplaintInvalid => "ERR_DKG_COMPLAINT_INVALID",
            ErrorCode::DkgTooFewQualified => "ERR_DKG_TOO_FEW_QUALIFIED",
            ErrorCode::DkgTranscriptMismatch => "ERR_DKG_TRANSCRIPT_MISMATCH",
            ErrorCode::DkgNotInRoster => "ERR_DKG_NOT_IN_ROSTER",
            ErrorCode::DkgEquivocation => "ERR_DKG_EQUIVOCATION",
            ErrorCode::DkgOutOfTurn => "ERR_DKG_OUT_OF_TURN",
            ErrorCode::DkgStale => "ERR_DKG_STALE",
            ErrorCode::ShareInvalid => "ERR_SHARE_INVALID",
            ErrorCode::TallyMismatch => "ERR_TALLY_MISMATCH",
            ErrorCode::TallyOutOfRange => "ERR_TALLY_OUT_OF_RANGE",
            ErrorCode::RateLimited => "ERR_RATE_LIMITED",
            ErrorCode::Internal => "ERR_INTERNAL",
            ErrorCode::StorageUnavailable => "ERR_STORAGE_UNAVAILABLE",
            ErrorCode::Busy => "ERR_BUSY",
        }
    }

    /// The HTTP status the board answers with.
    pub fn status(self) -> u16 {
        match self {
            ErrorCode::Encoding
            | ErrorCode::IdentityPoint
            | ErrorCode::NonCanonical
            | ErrorCode::BallotShape
            | ErrorCode::Invalid
            | ErrorCode::UnsupportedVersion
            | ErrorCode::BadRequest => 400,
            ErrorCode::CredentialUnknown
            | ErrorCode::CredentialRevoked
            | ErrorCode::ReadOnly
            | ErrorCode::OrganizerNotAllowed => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::Timeout => 408,
            ErrorCode::DuplicateCiphertext
            | ErrorCode::ElectionNotOpen
            | ErrorCode::ElectionClosed
            | ErrorCode::BallotSpoiled
            | ErrorCode::Lifecycle
            | ErrorCode::CredentialsChanged
            | ErrorCode::ElectionExists
            | ErrorCode::InsufficientShares
            | ErrorCode::LogEquivocation
            | ErrorCode::MirrorHalted
            | ErrorCode::RelayRefused
            | ErrorCode::DuplicateBallot
            | ErrorCode::DkgEquivocation
            | ErrorCode::DkgOutOfTurn
            | ErrorCode::DkgStale => 409,
            ErrorCode::BodyTooLarge => 413,
            ErrorCode::ContentType => 415,
            ErrorCode::CheckpointInvalid
            | ErrorCode::LogInconsistent
            | ErrorCode::WrongElection
            | ErrorCode::ProofInvalid
            | ErrorCode::SignatureInvalid
            | ErrorCode::CredentialListInvalid
            | ErrorCode::DkgParams
            | ErrorCode::DkgMessageInvalid
            | ErrorCode::DkgMessageMissing
            | ErrorCode::DkgPopInvalid
            | ErrorCode::DkgCommitmentInvalid
            | ErrorCode::DkgShareInvalid
            | ErrorCode::DkgComplaintInvalid
            | ErrorCode::DkgTooFewQualified
            | ErrorCode::DkgTranscriptMismatch
            | ErrorCode::DkgNotInRoster
            | ErrorCode::ShareInvalid
            | ErrorCode::TallyMismatch
            | ErrorCode::TallyOutOfRange => 422,
            ErrorCode::RateLimited | ErrorCode::QuotaExceeded => 429,
            ErrorCode::Internal => 500,
            ErrorCode::StorageUnavailable | ErrorCode::Busy => 503,
        }
    }

    /// The code with this string, if it is one of the table's.
    pub fn parse(code: &str) -> Option<ErrorCode> {
        ErrorCode::ALL.iter().copied().find(|c| c.as_str() == code)
    }

    /// The status of any code string: the table's, else 422 (codes of
    /// `urna-crypto` that are not listed, `spec/api.md` §3).
    pub fn status_of(code: &str) -> u16 {
        ErrorCode::parse(code).map_or(422, ErrorCode::status)
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The JSON body of every refusal: `{"code": "ERR_…", "message": "…"}`.
/// `code` stays a string so that a client shows a code a newer board
/// answers with, even if this build does not know it.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// Stable code (`spec/api.md` §3).
    #[cfg_attr(feature = "openapi", schema(schema_with = error_code_schema))]
    pub code: String,
    /// Human-readable message.
    pub message: String,
}

/// OpenAPI schema of `code` in an error body: one of the stable codes,
/// generated from [`ErrorCode::ALL`].
#[cfg(feature = "openapi")]
pub(crate) fn error_code_schema() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(ErrorCode::ALL.iter().map(|c| c.as_str())))
        .description(Some("Stable error code (spec/api.md §3)"))
        .into()
}

#[cfg(test)]
mod tests {
    use super::ErrorCode;

    /// The enum is the table of `spec/api.md` §3, row for row.
    #[test]
    fn the_enum_is_the_spec_table() {
        let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
        let spec = std::fs::read_to_string(format!("{dir}/../spec/api.md")).unwrap();
        let mut rows = Vec::new();
        for line in spec.lines() {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            if cells.len() > 3 && cells[1].starts_with("`ERR_") {
                let code = cells[1].trim_matches('`').to_string();
                rows.push((code, cells[2].parse::<u16>().unwrap()));
            }
        }
        let ours: Vec<(String, u16)> = ErrorCode::ALL
            .iter()
            .map(|c| (c.as_str().to_string(), c.status()))
            .collect();
        assert_eq!(ours, rows, "api/src/code.rs and spec/api.md §3 differ");
    }

    #[test]
    fn codes_parse_back_and_unknown_codes_are_422() {
        for c in ErrorCode::ALL {
            assert_eq!(ErrorCode::parse(c.as_str()), Some(*c));
        }
        assert_eq!(ErrorCode::parse("ERR_NOT_FOUNDD"), None);
        assert_eq!(ErrorCode::status_of("ERR_PLAINTEXT_RANGE"), 422);
        assert_eq!(ErrorCode::status_of("ERR_NOT_FOUND"), 404);
    }
}
