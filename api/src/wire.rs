//! The JSON answers of the board's read API (`spec/api.md` §5): one
//! definition each, which the board serializes, its clients parse and the
//! generated OpenAPI document describes (feature `openapi`). Bytes travel
//! as lower-case hex; heads and proofs in their own JSON form (`urna-log`).

use serde::{Deserialize, Serialize};
use urna_election::entry::tag;
use urna_log::{ConsistencyProof, Hash, InclusionProof, SignedTreeHead};

/// Largest page of entries the board serves (`spec/api.md` §5.5).
pub const ENTRIES_PAGE: u64 = 1000;

/// The names of the entry kinds, as in receipts and entry pages.
pub const KINDS: &[&str] = &[
    "manifest",
    "ceremony",
    "credentials",
    "open",
    "close",
    "ballot",
    "spoiled",
    "tally_share",
    "result",
    "credential_replacement",
];

/// The kind of a stored entry's canonical bytes, by tag (and phase byte);
/// `"unknown"` for bytes no entry starts with.
pub fn kind_of_bytes(bytes: &[u8]) -> &'static str {
    match bytes.first().copied() {
        Some(tag::MANIFEST) => "manifest",
        Some(tag::CEREMONY) => "ceremony",
        Some(tag::CREDENTIALS) => "credentials",
        Some(tag::STATE) if bytes.get(1) == Some(&1) => "open",
        Some(tag::STATE) => "close",
        Some(tag::BALLOT) => "ballot",
        Some(tag::SPOILED) => "spoiled",
        Some(tag::TALLY) => "tally_share",
        Some(tag::RESULT) => "result",
        Some(tag::REPLACEMENT) => "credential_replacement",
        _ => "unknown",
    }
}

/// OpenAPI schema of `kind` in a receipt or an entry row: one of [`KINDS`].
#[cfg(feature = "openapi")]
pub(crate) fn kind_schema() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(KINDS.iter().copied()))
        .into()
}

/// `GET /api/board`: the board's public key (hex) and software version.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BoardInfo {
    /// Ed25519 public key, 64 lower-case hex digits.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9a-f]{64}$"))]
    pub board_key: String,
    /// The board's software version (absent from older boards).
    #[serde(default)]
    pub version: String,
}

/// One log entry of a page.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EntryRow {
    /// Log index.
    pub index: u64,
    /// The entry's kind (one of [`KINDS`]).
    #[cfg_attr(feature = "openapi", schema(schema_with = kind_schema))]
    pub kind: String,
    /// The entry's leaf hash (`spec/log.md` (L1)).
    pub leaf_hash: Hash,
    /// The entry's canonical bytes, hex.
    #[cfg_attr(feature = "openapi", schema(pattern = "^([0-9a-f]{2})+$"))]
    pub entry: String,
}

/// `GET /api/elections/{id}/entries?start=&end=`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EntriesPage {
    /// Size of the tree the page is read under.
    pub tree_size: u64,
    /// The entries, in order.
    pub entries: Vec<EntryRow>,
}

/// `GET /api/elections/{id}/tree-head`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TreeHeadAnswer {
    /// The latest signed tree head.
    pub tree_head: SignedTreeHead,
    /// Its canonical encoding (`spec/log.md` (L13)), 162 bytes in hex.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9a-f]{324}$"))]
    pub encoded: String,
}

/// `GET /api/elections/{id}/proof/consistency?first=&second=`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConsistencyAnswer {
    /// The smaller tree size.
    pub first: u64,
    /// The larger tree size (default: the latest).
    pub second: u64,
    /// The proof that the tree of size `first` is a prefix of `second`'s.
    pub consistency_proof: ConsistencyProof,
    /// The board's signed head of size `first`, if it signed one.
    pub first_tree_head: Option<SignedTreeHead>,
    /// The board's signed head of size `second`, if it signed one.
    pub second_tree_head: Option<SignedTreeHead>,
}

/// `GET /api/elections/{id}/proof/inclusion?index=&tree_size=`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InclusionAnswer {
    /// The entry's log index.
    pub index: u64,
    /// The tree size the proof is for (default: the latest).
    pub tree_size: u64,
    /// The entry's leaf hash.
    pub leaf_hash: Hash,
    /// The proof of the entry under `tree_head`.
    pub inclusion_proof: InclusionProof,
    /// The board's signed head of that size, if it signed one.
    pub tree_head: Option<SignedTreeHead>,
}

/// The body of every entry submission: `{"entry": "<hex>"}`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EntryBody {
    /// The entry's canonical bytes (a `u8` tag, then the body,
    /// `spec/record.md` §6.1), lower-case hex.
    #[cfg_attr(feature = "openapi", schema(pattern = "^([0-9a-f]{2})+$"))]
    pub entry: String,
}

/// The body of `POST /api/elections/{id}/spoiled` (`spec/api.md` §5.6):
/// the audited-ballot entry, which names no credential and is all the
/// board logs, and the credential's request, which the board checks and
/// charges against that credential's audit quota but never publishes.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AuditBody {
    /// The tag-6 entry's canonical bytes (`spec/record.md` §6.1), lower-case hex.
    #[cfg_attr(feature = "openapi", schema(pattern = "^([0-9a-f]{2})+$"))]
    pub entry: String,
    /// The requesting credential's public key, 64 lower-case hex digits.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9a-f]{64}$"))]
    pub credential: String,
    /// Its signature over the audit's tracking code on the transcript
    /// `urna/v1/audit-request` (`spec/record.md` §5.5), 128 lower-case hex digits.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9a-f]{128}$"))]
    pub signature: String,
}

/// `GET /healthz`: `{"status": "ok"}` while the board reaches its database.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    /// Always `ok` (a failing check answers with an error instead).
    pub status: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use urna_election::entry::tag;

    #[test]
    fn every_tag_has_a_listed_kind() {
        for t in [
            tag::MANIFEST,
            tag::CEREMONY,
            tag::CREDENTIALS,
            tag::BALLOT,
            tag::SPOILED,
            tag::TALLY,
            tag::RESULT,
            tag::REPLACEMENT,
        ] {
            assert!(KINDS.contains(&kind_of_bytes(&[t, 0])), "tag {t}");
        }
        assert_eq!(kind_of_bytes(&[tag::STATE, 1]), "open");
        assert_eq!(kind_of_bytes(&[tag::STATE, 2]), "close");
        assert_eq!(kind_of_bytes(&[0]), "unknown");
        assert_eq!(kind_of_bytes(&[]), "unknown");
    }
}
