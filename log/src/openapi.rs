//! OpenAPI schemas of the log's JSON forms (feature `openapi`), for the
//! board's generated API document. Written by hand because the JSON forms
//! are custom serde impls (hex strings, bare arrays) that a derive cannot
//! see; each schema sits beside the form it describes in `spec/log.md` §11.

use std::borrow::Cow;

use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

use crate::head::SignedTreeHeadJson;
use crate::{ConsistencyProof, Hash, InclusionProof, SignedTreeHead};

impl PartialSchema for Hash {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some("^[0-9a-f]{64}$"))
            .description(Some("A SHA-256 hash: 64 lower-case hex digits"))
            .into()
    }
}

impl ToSchema for Hash {}

/// A proof's JSON form: an array of hashes, ordered from the leaf level up.
fn path_schema(what: &str, max: usize) -> RefOr<Schema> {
    ArrayBuilder::new()
        .items(Hash::schema())
        .max_items(Some(max))
        .description(Some(format!(
            "{what}: hashes ordered from the leaf level up (spec/log.md §11)"
        )))
        .into()
}

impl PartialSchema for InclusionProof {
    fn schema() -> RefOr<Schema> {
        path_schema("Inclusion proof", crate::MAX_INCLUSION_PROOF_LEN)
    }
}

impl ToSchema for InclusionProof {}

impl PartialSchema for ConsistencyProof {
    fn schema() -> RefOr<Schema> {
        path_schema("Consistency proof", crate::MAX_CONSISTENCY_PROOF_LEN)
    }
}

impl ToSchema for ConsistencyProof {}

impl PartialSchema for SignedTreeHead {
    fn schema() -> RefOr<Schema> {
        SignedTreeHeadJson::schema()
    }
}

impl ToSchema for SignedTreeHead {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("SignedTreeHead")
    }

    fn schemas(out: &mut Vec<(String, RefOr<Schema>)>) {
        SignedTreeHeadJson::schemas(out);
    }
}
