//! The HTTP API (`spec/api.md`), by concern: the routes, request decoding
//! and the middleware stack (body limits, timeouts, security headers, JSON
//! errors for every refusal) here; submissions in `submit`, the read path
//! and proofs in `read`, the record stream in `record`.
//!
//! Privacy (docs/attacks.md C7): no handler sees the peer address (no
//! `ConnectInfo`), nothing logs headers, and no request is logged with
//! its path parameters (tracking codes stay out of the logs).

mod doc;
mod read;
mod record;
mod submit;

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, HeaderName, HeaderValue, Response, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use urna_crypto::contest::MAX_OPTIONS;
use urna_election::ballot::MAX_BALLOT_BYTES;
use urna_election::entry::MAX_CEREMONY_MESSAGE;
use urna_election::manifest::MAX_CONTESTS;
use urna_election::record::MAX_FRAME;
use urna_election::Entry;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use crate::error::ApiError;
use crate::machine::Shared;
use crate::sequencer::lookup;
use urna_api::ErrorCode;

pub use crate::state::AppState;
pub use doc::openapi_json;
use read::*;
pub use read::{IMMUTABLE, PAGE_BYTES};
pub use record::RECORD_PART_BYTES;
use record::*;
pub(crate) use submit::ballot_context;
use submit::*;

/// Body limit of ballot submissions: the largest ballot in hex, plus the JSON wrapper.
pub const BALLOT_BODY_LIMIT: usize = 2 * (MAX_BALLOT_BYTES + 1) + 1024;
/// Body limit of audited-ballot submissions: the largest audit entry in
/// hex (held to the ballot's limit, `spec/record.md` §6.1), the
/// credential and its signature, and the JSON wrapper.
pub const SPOILED_BODY_LIMIT: usize = 2 * (MAX_BALLOT_BYTES + 1) + 2 * (32 + 64) + 1024;
/// Body limit of a credential list, and the global limit of any request:
/// the largest record frame in hex.
pub const ENTRY_BODY_LIMIT: usize = 2 * MAX_FRAME + 1024;
/// Largest manifest entry the board takes (256 KiB: thousands of options
/// with their texts), and its body limit.
pub const MAX_MANIFEST_BYTES: usize = 256 << 10;
/// Body limit of election creation.
pub const MANIFEST_BODY_LIMIT: usize = 2 * MAX_MANIFEST_BYTES + 1024;
/// Body limit of a ceremony message (at most `MAX_CEREMONY_MESSAGE`).
pub const CEREMONY_BODY_LIMIT: usize = 2 * (MAX_CEREMONY_MESSAGE + 1) + 1024;
/// Body limit of the small signed actions: a replacement, an open, a close.
pub const SMALL_BODY_LIMIT: usize = 16 << 10;
/// Body limit of a trustee's tally shares: a share and its proof (at most
/// 128 bytes) per option of the largest manifest.
pub const TALLY_BODY_LIMIT: usize = 2 * (MAX_CONTESTS * MAX_OPTIONS as usize * 128 + 4096) + 1024;
/// Body limit of the result: a `u64` total per option of the largest manifest.
pub const RESULT_BODY_LIMIT: usize = 2 * (MAX_CONTESTS * MAX_OPTIONS as usize * 8 + 4096) + 1024;

pub(crate) type St = State<Arc<AppState>>;
pub(crate) type ApiResult<T> = Result<T, ApiError>;

/// The board's router with its middleware: the read routes, the
/// submissions and the ballot lookup.
pub fn router(state: Arc<AppState>, request_timeout: Duration) -> Router {
    let (api, _) = api_routes().split_for_parts();
    let app = api
        .layer(axum::middleware::from_fn(require_json))
        .merge(page_routes())
        .with_state(state);
    with_middleware(app, request_timeout)
}

/// Every route of the board's API, each registered from its handler's
/// `#[utoipa::path]` (the generated document, `doc.rs`): the shared read
/// path, then the election list with creation, the submissions (each
/// with the body limit of what it can legitimately carry) and the ballot
/// lookup.
pub(crate) fn api_routes() -> OpenApiRouter<Arc<AppState>> {
    let limit = |n: usize| DefaultBodyLimit::max(n);
    read_api()
        .routes(routes!(list_elections, create_election).layer(limit(MANIFEST_BODY_LIMIT)))
        .routes(routes!(post_ceremony).layer(limit(CEREMONY_BODY_LIMIT)))
        .routes(routes!(post_credentials).layer(limit(ENTRY_BODY_LIMIT)))
        .routes(routes!(post_replacement).layer(limit(SMALL_BODY_LIMIT)))
        .routes(routes!(post_open).layer(limit(SMALL_BODY_LIMIT)))
        .routes(routes!(post_close).layer(limit(SMALL_BODY_LIMIT)))
        .routes(routes!(post_ballot).layer(limit(BALLOT_BODY_LIMIT)))
        .routes(routes!(get_ballot))
        .routes(routes!(post_spoiled).layer(limit(SPOILED_BODY_LIMIT)))
        .routes(routes!(post_tally).layer(limit(TALLY_BODY_LIMIT)))
        .routes(routes!(post_result).layer(limit(RESULT_BODY_LIMIT)))
}

/// The API's read path a board and a mirror share (`spec/api.md` §5.9,
/// §5.10), without `/api/elections` (a board adds it with its `POST`, a
/// mirror read-only) and without the ballot lookup (a mirror answers it
/// from its relay queue).
fn read_api() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::with_openapi(<doc::Header as utoipa::OpenApi>::openapi())
        .routes(routes!(board_info))
        .routes(routes!(doc::openapi))
        .routes(routes!(election_info))
        .routes(routes!(get_entries))
        .routes(routes!(get_tree_head))
        .routes(routes!(get_inclusion))
        .routes(routes!(get_consistency))
        .routes(routes!(get_record))
        .routes(routes!(healthz))
        .routes(routes!(metrics))
}

/// The HTML pages: the voting page and its files (`spec/client.md` §8)
/// and the election's public pages (`spec/api.md` §5.11), each with its
/// own CSP; not part of the API document.
fn page_routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/vote", get(crate::page::vote_root))
        .route("/vote/", get(crate::page::vote_root))
        .route("/vote/{*path}", get(crate::page::vote))
        .route("/elections/{id}", get(crate::public_page::election))
        .route("/elections/{id}/result", get(crate::public_page::result))
        .route("/elections", get(crate::public_page::not_found))
        .route("/elections/", get(crate::public_page::not_found))
        .route(
            "/elections/{id}/{*rest}",
            get(crate::public_page::not_found),
        )
}

/// The read path with the pages, for a mirror.
pub(crate) fn read_routes() -> Router<Arc<AppState>> {
    let (api, _) = read_api().split_for_parts();
    api.merge(page_routes())
}

/// `GET /api/elections` alone (a mirror's, without the `POST`).
pub(crate) fn list_route() -> Router<Arc<AppState>> {
    let (api, _) = OpenApiRouter::new()
        .routes(routes!(list_elections))
        .split_for_parts();
    api
}

/// Refuse a `POST` whose `Content-Type` is not `application/json`
/// (`spec/api.md` §2): a page on another site can make a browser send a
/// form or `text/plain` post without asking anyone, never a JSON one.
pub(crate) async fn require_json(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response<Body> {
    let json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if req.method() == axum::http::Method::POST && !json {
        return ApiError::new(
            ErrorCode::ContentType,
            "a POST must have Content-Type: application/json",
        )
        .into_response();
    }
    next.run(req).await
}

/// The fallback and the middleware stack, shared by the board and the
/// mirror (`spec/api.md` §7).
pub(crate) fn with_middleware(app: Router, request_timeout: Duration) -> Router {
    let h = |name: &'static str, value: &'static str| {
        SetResponseHeaderLayer::overriding(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        )
    };
    app.fallback(fallback)
        // Innermost to outermost (the last `.layer` sees the request first).
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            request_timeout,
        ))
        .layer(RequestBodyLimitLayer::new(ENTRY_BODY_LIMIT))
        .layer(axum::middleware::map_response(json_errors))
        .layer(h("x-content-type-options", "nosniff"))
        .layer(h("x-frame-options", "DENY"))
        .layer(h("referrer-policy", "no-referrer"))
        // The API's policy, unless the response set its own (the voting
        // page's, `page::PAGE_CSP`, or the public pages', `public_page::PUBLIC_CSP`).
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
        ))
        .layer(h("cross-origin-resource-policy", "same-origin"))
        // `no-store` unless the handler says its answer never changes
        // (`read::IMMUTABLE`: entries below the tree size, a proof or a
        // head of an explicit size).
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
}

/// Turn the plain-text refusals of the middleware (413, 408, 405) into the
/// JSON error body every client can parse.
async fn json_errors(res: Response<Body>) -> Response<Body> {
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if is_json {
        return res;
    }
    match res.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::too_large().into_response(),
        StatusCode::REQUEST_TIMEOUT => {
            ApiError::new(ErrorCode::Timeout, "the request took too long").into_response()
        }
        StatusCode::METHOD_NOT_ALLOWED => ApiError {
            status: StatusCode::METHOD_NOT_ALLOWED,
            ..ApiError::new(ErrorCode::BadRequest, "method not allowed on this endpoint")
        }
        .into_response(),
        _ => res,
    }
}

async fn fallback() -> ApiError {
    ApiError::not_found("no such endpoint")
}

/// `[a-z0-9_-]{1,64}` (`spec/record.md` §3.1); anything else names no
/// election (and never reaches SQL, though every query binds anyway).
pub(crate) fn valid_id(id: &str) -> bool {
    urna_election::manifest::valid_id(id)
}

pub(crate) fn election(
    st: &AppState,
    id: Result<Path<String>, PathRejection>,
) -> ApiResult<Arc<Shared>> {
    let Ok(Path(id)) = id else {
        return Err(ApiError::not_found("no such election"));
    };
    if !valid_id(&id) {
        return Err(ApiError::not_found("no such election"));
    }
    lookup(&st.registry, &id).ok_or_else(|| ApiError::not_found(format!("no election `{id}`")))
}

/// `{"entry": "<lower-case hex of the canonical entry bytes>"}` → bytes.
pub(crate) fn parse_body(body: Result<Bytes, BytesRejection>) -> ApiResult<Vec<u8>> {
    let j: urna_api::wire::EntryBody = read_json(body, "{\"entry\": \"<hex>\"}")?;
    entry_hex(&j.entry)
}

/// The body as the JSON object `shape` names.
pub(crate) fn read_json<T: serde::de::DeserializeOwned>(
    body: Result<Bytes, BytesRejection>,
    shape: &str,
) -> ApiResult<T> {
    let body = body.map_err(|r| {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::too_large()
        } else {
            ApiError::new(ErrorCode::Encoding, "the request body could not be read")
        }
    })?;
    serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            ErrorCode::Encoding,
            format!("the body must be the JSON object {shape}: {e}"),
        )
    })
}

/// Lower-case hex of an entry → its bytes (one encoding per entry).
pub(crate) fn entry_hex(hex_text: &str) -> ApiResult<Vec<u8>> {
    let s = hex_text.as_bytes();
    if s.iter().all(u8::is_ascii_hexdigit) && s.iter().any(u8::is_ascii_uppercase) {
        return Err(ApiError::new(
            ErrorCode::NonCanonical,
            "entry hex must be lower-case (one encoding per entry)",
        ));
    }
    let raw = hex::decode(s)
        .map_err(|e| ApiError::new(ErrorCode::Encoding, format!("entry is not hex: {e}")))?;
    if raw.len() > MAX_FRAME {
        return Err(ApiError::too_large());
    }
    Ok(raw)
}

/// Decode canonical entry bytes of the expected tag.
pub(crate) fn decode_entry(raw: &[u8], want: u8, what: &str) -> ApiResult<Entry> {
    match raw.first() {
        None => return Err(ApiError::new(ErrorCode::Encoding, "empty entry")),
        Some(t) if *t != want => {
            return Err(ApiError::new(
                ErrorCode::Invalid,
                format!("this endpoint takes {what} entries (tag {want}), not tag {t}"),
            ))
        }
        _ => {}
    }
    let entry = Entry::from_bytes(raw)?;
    // The decoder is strict; this re-serialization makes it a checked
    // invariant (docs/attacks.md B7): one entry, one byte string, one leaf.
    if entry.to_bytes() != raw {
        return Err(ApiError::new(
            ErrorCode::NonCanonical,
            "the entry bytes are not the canonical encoding",
        ));
    }
    Ok(entry)
}
