//! The wire format's part of the board's generated OpenAPI document
//! (feature `openapi`): the error responses every route shares
//! (`spec/api.md` §3), described by the codes of each status. (The
//! schemas the derives cannot infer sit beside their types: the error
//! codes in `code.rs`, the entry kinds in `wire.rs`.)

use utoipa::openapi::path::Operation;
use utoipa::openapi::{ContentBuilder, RefOr, ResponseBuilder};
use utoipa::ToSchema;

use crate::{ErrorBody, ErrorCode};

/// The statuses any route may answer with an error body: a malformed
/// request, an unknown election, a timeout, a body over its limit, a
/// server or storage failure.
pub const COMMON_ERRORS: &[u16] = &[400, 404, 408, 413, 500, 503];

/// Add an error response (a JSON [`ErrorBody`]) for `status` to `op`,
/// describing it by the codes of that status, unless it has one already.
pub fn add_error_response(op: &mut Operation, status: u16) {
    let key = status.to_string();
    if op.responses.responses.contains_key(&key) {
        return;
    }
    let codes: Vec<&str> = ErrorCode::ALL
        .iter()
        .filter(|c| c.status() == status)
        .map(|c| c.as_str())
        .collect();
    let description = if codes.is_empty() {
        format!("Refused ({status})")
    } else {
        codes.join(", ")
    };
    let body = RefOr::Ref(utoipa::openapi::Ref::from_schema_name(ErrorBody::name()));
    let response = ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new().schema(Some(body)).build(),
        )
        .build();
    op.responses.responses.insert(key, RefOr::T(response));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_are_listed_in_the_schema() {
        let json = serde_json::to_value(crate::code::error_code_schema()).unwrap();
        let listed = json["enum"].as_array().unwrap();
        assert_eq!(listed.len(), ErrorCode::ALL.len());
        assert!(listed.iter().any(|c| c == "ERR_PROOF_INVALID"));
    }

    #[test]
    fn an_error_response_names_its_codes_and_keeps_a_documented_one() {
        let mut op = Operation::new();
        add_error_response(&mut op, 429);
        let json = serde_json::to_value(&op).unwrap();
        let d = json["responses"]["429"]["description"].as_str().unwrap();
        assert!(d.contains("ERR_RATE_LIMITED"), "{d}");
        op.responses.responses.insert(
            "409".into(),
            RefOr::T(ResponseBuilder::new().description("mine").build()),
        );
        add_error_response(&mut op, 409);
        let json = serde_json::to_value(&op).unwrap();
        assert_eq!(json["responses"]["409"]["description"], "mine");
    }
}
