//! The board's OpenAPI 3.1 document, generated: each API route is
//! registered through `utoipa_axum::routes!` from its handler's
//! `#[utoipa::path]`, so a route cannot be served without being
//! documented; request and answer schemas come from the wire types
//! (`urna-api`, feature `openapi`) and the board's own answers. This
//! module adds what is the same for every route: the document's header,
//! the shared path parameter and the error answers each route can give.

use std::sync::OnceLock;

use axum::http::header;
use axum::response::IntoResponse;
use utoipa::openapi::path::{HttpMethod, Operation, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::{OpenApi, RefOr};
use utoipa::IntoParams;

/// `{id}`: an election id.
#[derive(serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)] // read by the generated parameter list only
pub(super) struct ElectionId {
    /// The election id, `[a-z0-9_-]{1,64}` (`spec/record.md` §3.1).
    #[param(pattern = "^[a-z0-9_-]{1,64}$")]
    id: String,
}

/// `state` of an election: its voting stage.
pub(super) fn stage_schema() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(["setup", "open", "closed"]))
        .into()
}

/// The header of the document: what it is and where its normative text is.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Urna bulletin board",
        description = "Generated from the board's handlers and wire types. Normative text: \
            spec/api.md. Every submission is the JSON object {\"entry\": \"<lower-case hex \
            of the canonical entry bytes>\"} (spec/record.md §6.1); every error is \
            {\"code\", \"message\"} with the status of spec/api.md §3.",
        license(name = "AGPL-3.0-or-later")
    ),
    tags(
        (name = "read", description = "The public read path: anyone, any time"),
        (name = "lifecycle", description = "Signed entries of the organizer, the trustees and the credential authority"),
        (name = "ballots", description = "Casting, auditing and looking up ballots"),
        (name = "operations", description = "Health and metrics for the operator")
    ),
    components(schemas(urna_api::ErrorBody))
)]
pub(super) struct Header;

/// The error statuses an operation can answer with (`spec/api.md` §3),
/// by what the route takes: every route can time out or fail in storage;
/// a route under `{id}` can name no election; a route with a body or a
/// query can be malformed; a submission can break a rule; a ballot can
/// be from an unknown credential or over its rate.
fn error_statuses(method: &HttpMethod, path: &str, op: &Operation) -> Vec<u16> {
    let mut s = vec![408, 500, 503];
    if path.contains("{id}") {
        s.push(404);
    }
    let has_query = op
        .parameters
        .iter()
        .flatten()
        .any(|p| matches!(p, RefOr::T(p) if p.parameter_in == ParameterIn::Query));
    if has_query || *method == HttpMethod::Post || path.contains("{code}") {
        s.push(400);
    }
    if *method == HttpMethod::Post {
        s.extend([409, 413, 422]);
    }
    if *method == HttpMethod::Post && path.ends_with("/ballots") {
        s.extend([403, 429]);
    }
    s
}

/// Add the error answers to every operation of `doc`.
pub(super) fn finish(mut doc: OpenApi) -> OpenApi {
    for (path, item) in doc.paths.paths.iter_mut() {
        for (method, op) in [
            (HttpMethod::Get, item.get.as_mut()),
            (HttpMethod::Post, item.post.as_mut()),
        ] {
            let Some(op) = op else { continue };
            for status in error_statuses(&method, path, op) {
                urna_api::openapi::add_error_response(op, status);
            }
        }
    }
    doc
}

/// The board's document as JSON, rendered once.
pub fn openapi_json() -> &'static str {
    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(|| {
        let doc = finish(super::api_routes().into_openapi());
        // A document of our own types always serializes.
        serde_json::to_string_pretty(&doc).unwrap_or_default()
    })
}

/// This document (OpenAPI 3.1).
#[utoipa::path(get, path = "/api/openapi.json", tag = "read",
    responses((status = 200, description = "This document", content_type = "application/json")))]
pub(super) async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], openapi_json())
}
