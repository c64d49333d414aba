//! The HTTP API (`spec/api.md`): axum routes, request decoding, the read
//! path, the record stream, and the middleware stack (body limits,
//! timeouts, security headers, JSON errors for every refusal).
//!
//! Privacy (docs/attacks.md C7): no handler sees the peer address (no
//! `ConnectInfo`), nothing logs headers, and no request is logged with
//! its path parameters (tracking codes stay out of the logs).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{header, HeaderName, HeaderValue, Response, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use tokio::sync::{mpsc, oneshot};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use urna_election::ballot::MAX_BALLOT_BYTES;
use urna_election::entry::tag;
use urna_election::record::{kind, MAX_FRAME, RECORD_MAGIC};
use urna_election::Entry;
use urna_log::SignedTreeHead;

use crate::election::{kind_of_bytes, tracking_code_of_entry, Shared, Stage, Totals};
use crate::error::ApiError;
use crate::metrics::{Metrics, RateLimiter};
use crate::receipt::Receipt;
use crate::sequencer::{ballot_receipt, lookup, BoardKeys, Command, Registry};
use crate::store::Store;

/// The OpenAPI 3.1 document, hand-written and kept in sync with the
/// routes by a test (`tests/api.rs`).
pub const OPENAPI_JSON: &str = include_str!("../openapi.json");

/// Body limit of ballot submissions: the largest ballot in hex, plus the JSON wrapper.
pub const BALLOT_BODY_LIMIT: usize = 2 * (MAX_BALLOT_BYTES + 1) + 1024;
/// Body limit of audited-ballot submissions (ballot plus openings).
pub const SPOILED_BODY_LIMIT: usize = 2 * (2 * MAX_BALLOT_BYTES) + 1024;
/// Body limit of every other submission: the largest record frame in hex.
pub const ENTRY_BODY_LIMIT: usize = 2 * MAX_FRAME + 1024;

/// Shared by every handler.
pub struct AppState {
    /// Elections by id.
    pub registry: Registry,
    /// This server's own key: the board's (tree heads and promises), or a
    /// mirror's (its promises and gossip only).
    pub keys: Arc<BoardKeys>,
    /// The key whose signed tree heads this server serves: the board's own
    /// public key, or on a mirror the upstream board's.
    pub log_key: urna_log::BoardPublicKey,
    /// To the sequencer.
    pub tx: mpsc::Sender<Command>,
    /// Storage (read path).
    pub store: Arc<dyn Store>,
    /// Metrics.
    pub metrics: Arc<Metrics>,
    /// Per-credential ballot limit.
    pub limiter: RateLimiter,
}

type St = State<Arc<AppState>>;
type ApiResult<T> = Result<T, ApiError>;

/// The board's router with its middleware: the read routes, the
/// submissions and the ballot lookup.
pub fn router(state: Arc<AppState>, request_timeout: Duration) -> Router {
    let app = read_routes()
        .route(
            "/api/elections",
            get(list_elections)
                .post(create_election)
                .layer(DefaultBodyLimit::max(ENTRY_BODY_LIMIT)),
        )
        .route(
            "/api/elections/{id}/ceremony",
            post(post_ceremony).layer(DefaultBodyLimit::max(ENTRY_BODY_LIMIT)),
        )
        .route(
            "/api/elections/{id}/credentials",
            post(post_credentials).layer(DefaultBodyLimit::max(ENTRY_BODY_LIMIT)),
        )
        .route(
            "/api/elections/{id}/credentials/replace",
            post(post_replacement).layer(DefaultBodyLimit::max(ENTRY_BODY_LIMIT)),
        )
        .route(
            "/api/elections/{id}/open",
            post(post_open).layer(DefaultBodyLimit::max(ENTRY_BODY_LIMIT)),
        )
        .route(
            "/api/elections/{id}/close",
            post(post_close).layer(DefaultBodyLimit::max(ENTRY_BODY_LIMIT)),
        )
        .route(
            "/api/elections/{id}/ballots",
            post(post_ballot).layer(DefaultBodyLimit::max(BALLOT_BODY_LIMIT)),
        )
        .route("/api/elections/{id}/ballots/{code}", get(get_ballot))
        .route(
            "/api/elections/{id}/spoiled",
            post(post_spoiled).layer(DefaultBodyLimit::max(SPOILED_BODY_LIMIT)),
        )
        .route(
            "/api/elections/{id}/tally-shares",
            post(post_tally).layer(DefaultBodyLimit::max(ENTRY_BODY_LIMIT)),
        )
        .route(
            "/api/elections/{id}/result",
            post(post_result).layer(DefaultBodyLimit::max(ENTRY_BODY_LIMIT)),
        )
        .with_state(state);
    with_middleware(app, request_timeout)
}

/// The read path a board and a mirror share (`spec/api.md` §5.9, §5.10),
/// without `/api/elections` (a board adds it with its `POST`, a mirror
/// read-only) and without the ballot lookup (a mirror answers it from
/// its relay queue).
pub(crate) fn read_routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/board", get(board_info))
        .route("/api/openapi.json", get(openapi))
        .route("/api/elections/{id}", get(election_info))
        .route("/api/elections/{id}/entries", get(get_entries))
        .route("/api/elections/{id}/tree-head", get(get_tree_head))
        .route("/api/elections/{id}/proof/inclusion", get(get_inclusion))
        .route(
            "/api/elections/{id}/proof/consistency",
            get(get_consistency),
        )
        .route("/api/elections/{id}/record", get(get_record))
        // The voting page and its files (`spec/client.md` §8), with their own CSP.
        .route("/vote", get(crate::page::vote_root))
        .route("/vote/", get(crate::page::vote_root))
        .route("/vote/{*path}", get(crate::page::vote))
        // The election's public pages (spec/api.md §5.11), with their own CSP.
        .route("/elections/{id}", get(crate::public_page::election))
        .route("/elections/{id}/result", get(crate::public_page::result))
        .route("/elections", get(crate::public_page::not_found))
        .route("/elections/", get(crate::public_page::not_found))
        .route(
            "/elections/{id}/{*rest}",
            get(crate::public_page::not_found),
        )
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
}

/// `GET /api/elections` alone (a mirror's, without the `POST`).
pub(crate) fn list_route() -> Router<Arc<AppState>> {
    Router::new().route("/api/elections", get(list_elections))
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
        .layer(h("cache-control", "no-store"))
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
            ApiError::new("ERR_TIMEOUT", "the request took too long").into_response()
        }
        StatusCode::METHOD_NOT_ALLOWED => ApiError {
            status: StatusCode::METHOD_NOT_ALLOWED,
            ..ApiError::new("ERR_BAD_REQUEST", "method not allowed on this endpoint")
        }
        .into_response(),
        _ => res,
    }
}

async fn fallback() -> ApiError {
    ApiError::not_found("no such endpoint")
}

async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI_JSON)
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

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryJson {
    entry: String,
}

/// `{"entry": "<lower-case hex of the canonical entry bytes>"}` → bytes.
pub(crate) fn parse_body(body: Result<Bytes, BytesRejection>) -> ApiResult<Vec<u8>> {
    let body = body.map_err(|r| {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::too_large()
        } else {
            ApiError::new("ERR_ENCODING", "the request body could not be read")
        }
    })?;
    let j: EntryJson = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            "ERR_ENCODING",
            format!("the body must be the JSON object {{\"entry\": \"<hex>\"}}: {e}"),
        )
    })?;
    let s = j.entry.as_bytes();
    if s.iter().all(u8::is_ascii_hexdigit) && s.iter().any(u8::is_ascii_uppercase) {
        return Err(ApiError::new(
            "ERR_NON_CANONICAL",
            "entry hex must be lower-case (one encoding per entry)",
        ));
    }
    let raw = hex::decode(s)
        .map_err(|e| ApiError::new("ERR_ENCODING", format!("entry is not hex: {e}")))?;
    if raw.len() > MAX_FRAME {
        return Err(ApiError::too_large());
    }
    Ok(raw)
}

/// Decode canonical entry bytes of the expected tag.
pub(crate) fn decode_entry(raw: &[u8], want: u8, what: &str) -> ApiResult<Entry> {
    match raw.first() {
        None => return Err(ApiError::new("ERR_ENCODING", "empty entry")),
        Some(t) if *t != want => {
            return Err(ApiError::new(
                "ERR_INVALID",
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
            "ERR_NON_CANONICAL",
            "the entry bytes are not the canonical encoding",
        ));
    }
    Ok(entry)
}

async fn submit(
    st: &AppState,
    election: Option<String>,
    entry: Entry,
    bytes: Vec<u8>,
) -> ApiResult<Receipt> {
    let (reply, rx) = oneshot::channel();
    let cmd = match election {
        None => Command::Create {
            entry: Box::new(entry),
            bytes,
            reply,
        },
        Some(election) => Command::Append {
            election,
            entry: Box::new(entry),
            bytes,
            reply,
        },
    };
    st.tx.send(cmd).await.map_err(|_| ApiError::storage())?;
    rx.await.map_err(|_| ApiError::storage())?
}

async fn create_election(
    State(st): St,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Receipt>> {
    let raw = parse_body(body)?;
    let entry = decode_entry(&raw, tag::MANIFEST, "manifest")?;
    if let Entry::Manifest { manifest, .. } = &entry {
        if lookup(&st.registry, &manifest.election_id).is_some() {
            return Err(ApiError::new(
                "ERR_ELECTION_EXISTS",
                format!(
                    "an election `{}` already exists on this board",
                    manifest.election_id
                ),
            ));
        }
    }
    Ok(Json(submit(&st, None, entry, raw).await?))
}

async fn post_kind(
    st: &AppState,
    id: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
    want: u8,
    what: &str,
) -> ApiResult<Json<Receipt>> {
    let shared = election(st, id)?;
    let raw = parse_body(body)?;
    let entry = decode_entry(&raw, want, what)?;
    Ok(Json(submit(st, Some(shared.id.clone()), entry, raw).await?))
}

async fn post_ceremony(
    State(st): St,
    id: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Receipt>> {
    post_kind(&st, id, body, tag::CEREMONY, "ceremony message").await
}

async fn post_credentials(
    State(st): St,
    id: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Receipt>> {
    post_kind(&st, id, body, tag::CREDENTIALS, "credential list").await
}

async fn post_replacement(
    State(st): St,
    id: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Receipt>> {
    post_kind(&st, id, body, tag::REPLACEMENT, "credential replacement").await
}

async fn post_state(
    st: &AppState,
    id: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
    phase: u8,
) -> ApiResult<Json<Receipt>> {
    let shared = election(st, id)?;
    let raw = parse_body(body)?;
    let entry = decode_entry(&raw, tag::STATE, "state change")?;
    if raw.get(1) != Some(&phase) {
        return Err(ApiError::new(
            "ERR_INVALID",
            if phase == 1 {
                "this endpoint takes an open entry (phase 1)"
            } else {
                "this endpoint takes a close entry (phase 2)"
            },
        ));
    }
    Ok(Json(submit(st, Some(shared.id.clone()), entry, raw).await?))
}

async fn post_open(
    State(st): St,
    id: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Receipt>> {
    post_state(&st, id, body, 1).await
}

async fn post_close(
    State(st): St,
    id: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Receipt>> {
    post_state(&st, id, body, 2).await
}

async fn post_spoiled(
    State(st): St,
    id: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Receipt>> {
    post_kind(&st, id, body, tag::SPOILED, "audited ballot").await
}

async fn post_tally(
    State(st): St,
    id: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Receipt>> {
    post_kind(&st, id, body, tag::TALLY, "tally share").await
}

async fn post_result(
    State(st): St,
    id: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Receipt>> {
    post_kind(&st, id, body, tag::RESULT, "result").await
}

/// Ballot intake (`spec/api.md` §5.6): body limit (middleware), decode,
/// idempotent retry, phase, (V1)–(V3), rate limit, then the sequencer
/// (batch verification of (V4)–(V5), (R7), (R9), durable commit).
async fn post_ballot(
    State(st): St,
    id: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Receipt>> {
    let t0 = Instant::now();
    let r = ballot_inner(&st, id, body).await;
    match &r {
        Ok(_) => st.metrics.ballot_accepted(t0.elapsed()),
        Err(e) => st.metrics.ballot_rejected(e.code, t0.elapsed()),
    }
    r.map(Json)
}

/// The election context a new ballot is checked against (`spec/api.md`
/// §5.5 step 3): with `check_phase`, only while voting is open (before:
/// `ERR_ELECTION_NOT_OPEN`, after the close: `ERR_ELECTION_CLOSED`, the
/// cut-off of §8.4). Shared by the board's and a mirror's intake.
pub(crate) fn ballot_context(
    view: &crate::election::View,
    check_phase: bool,
) -> ApiResult<Arc<urna_election::ElectionContext>> {
    if check_phase {
        match view.stage {
            Stage::Setup => {
                return Err(ApiError::new(
                    "ERR_ELECTION_NOT_OPEN",
                    "voting has not opened",
                ))
            }
            Stage::Closed => return Err(ApiError::new("ERR_ELECTION_CLOSED", "voting has closed")),
            Stage::Open => {}
        }
    }
    view.ctx
        .clone()
        .ok_or_else(|| ApiError::new("ERR_ELECTION_NOT_OPEN", "voting has not opened"))
}

async fn ballot_inner(
    st: &AppState,
    id: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Receipt> {
    let shared = election(st, id)?;
    let raw = parse_body(body)?;
    let entry = decode_entry(&raw, tag::BALLOT, "ballot")?;
    let Entry::Ballot(ballot) = &entry else {
        return Err(ApiError::internal("ballot tag without a ballot"));
    };
    // docs/attacks.md B3: the same bytes get the same receipt, at any time.
    let code = tracking_code_of_entry(&raw);
    if let Some(info) = shared.code(&code) {
        if info.spoiled {
            return Err(ApiError::new(
                "ERR_BALLOT_SPOILED",
                "this ballot was audited (spoiled); it can never be cast",
            ));
        }
        return ballot_receipt(&shared, &st.keys, code, info);
    }
    let ctx = ballot_context(&shared.view(), true)?;
    // (V1)–(V3): cheap, before any cryptography (docs/attacks.md F8).
    ballot.check_before_crypto(&ctx)?;
    st.limiter
        .check(ballot.credential().to_bytes())
        .map_err(ApiError::rate_limited)?;
    submit(st, Some(shared.id.clone()), entry, raw).await
}

async fn get_ballot(
    State(st): St,
    params: Result<Path<(String, String)>, PathRejection>,
) -> ApiResult<Json<Receipt>> {
    let Ok(Path((id, code))) = params else {
        return Err(ApiError::not_found("no such ballot"));
    };
    let shared = election(&st, Ok(Path(id)))?;
    let bytes: [u8; 32] = hex::decode(&code)
        .ok()
        .and_then(|b| b.try_into().ok())
        .filter(|_| code.bytes().all(|c| !c.is_ascii_uppercase()))
        .ok_or_else(|| ApiError::not_found("a tracking code is 64 lower-case hex digits"))?;
    let info = shared
        .code(&bytes)
        .ok_or_else(|| ApiError::not_found("no ballot with this tracking code"))?;
    Ok(Json(ballot_receipt(&shared, &st.keys, bytes, info)?))
}

#[derive(serde::Serialize)]
struct BoardInfo {
    board_key: String,
    version: &'static str,
}

async fn board_info(State(st): St) -> Json<BoardInfo> {
    Json(BoardInfo {
        board_key: hex::encode(st.log_key.to_bytes()),
        version: env!("CARGO_PKG_VERSION"),
    })
}

#[derive(serde::Serialize)]
struct ElectionInfo {
    election_id: String,
    manifest_hash: String,
    fingerprint: Option<String>,
    state: Stage,
    entries: u64,
    ballots_cast: u64,
    ballots_spoiled: u64,
    credentials: u64,
    tally_shares: u64,
    result_posted: bool,
    /// The totals: provisional (the board's decryption) or official.
    result: Option<Totals>,
    tree_head: SignedTreeHead,
    board_key: String,
}

fn info_of(st: &AppState, shared: &Shared) -> ElectionInfo {
    let v = shared.view();
    ElectionInfo {
        election_id: shared.id.clone(),
        manifest_hash: hex::encode(v.manifest_hash),
        fingerprint: v.ctx.as_ref().map(|c| c.fingerprint().to_hex()),
        state: v.stage,
        entries: v.head.tree_size,
        ballots_cast: v.ballots_cast,
        ballots_spoiled: v.ballots_spoiled,
        credentials: v.credentials,
        tally_shares: v.tally_shares,
        result_posted: v.result_posted,
        result: v.result.as_deref().cloned(),
        tree_head: v.head,
        board_key: hex::encode(st.log_key.to_bytes()),
    }
}

async fn list_elections(State(st): St) -> Json<serde_json::Value> {
    let all: Vec<Arc<Shared>> = match st.registry.read() {
        Ok(r) => r.values().cloned().collect(),
        Err(p) => p.into_inner().values().cloned().collect(),
    };
    let mut list: Vec<ElectionInfo> = all.iter().map(|s| info_of(&st, s)).collect();
    list.sort_by(|a, b| a.election_id.cmp(&b.election_id));
    Json(serde_json::json!({ "elections": list }))
}

async fn election_info(
    State(st): St,
    id: Result<Path<String>, PathRejection>,
) -> ApiResult<Json<ElectionInfo>> {
    let shared = election(&st, id)?;
    Ok(Json(info_of(&st, &shared)))
}

async fn get_tree_head(
    State(st): St,
    id: Result<Path<String>, PathRejection>,
) -> ApiResult<Json<serde_json::Value>> {
    let shared = election(&st, id)?;
    let head = shared.view().head;
    Ok(Json(serde_json::json!({
        "tree_head": head,
        "encoded": hex::encode(head.to_bytes()),
    })))
}

fn query<T>(q: Result<Query<T>, QueryRejection>) -> ApiResult<T> {
    q.map(|Query(t)| t)
        .map_err(|e| ApiError::new("ERR_INVALID", format!("query parameters: {e}")))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RangeQuery {
    start: Option<u64>,
    end: Option<u64>,
}

/// Most entries per page.
const PAGE: u64 = 1000;

async fn get_entries(
    State(st): St,
    id: Result<Path<String>, PathRejection>,
    q: Result<Query<RangeQuery>, QueryRejection>,
) -> ApiResult<Json<serde_json::Value>> {
    let shared = election(&st, id)?;
    let q = query(q)?;
    let size = shared.view().head.tree_size;
    let start = q.start.unwrap_or(0);
    let end = q.end.unwrap_or(start.saturating_add(100)).min(size);
    if start > end || end - start > PAGE {
        return Err(ApiError::new(
            "ERR_INVALID",
            format!("need start ≤ end and at most {PAGE} entries per page"),
        ));
    }
    let rows = st
        .store
        .entries(&shared.id, start, end)
        .await
        .map_err(|e| {
            tracing::warn!(error = %e, "read failed");
            ApiError::storage()
        })?;
    let entries: Vec<serde_json::Value> = rows
        .iter()
        .map(|e| {
            serde_json::json!({
                "index": e.seq,
                "kind": kind_of_bytes(&e.bytes),
                "leaf_hash": hex::encode(e.leaf_hash),
                "entry": hex::encode(&e.bytes),
            })
        })
        .collect();
    Ok(Json(
        serde_json::json!({ "tree_size": size, "entries": entries }),
    ))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct InclusionQuery {
    index: u64,
    tree_size: Option<u64>,
}

async fn head_of_size(
    st: &AppState,
    shared: &Shared,
    size: u64,
) -> ApiResult<Option<SignedTreeHead>> {
    let latest = shared.view().head;
    if latest.tree_size == size {
        return Ok(Some(latest));
    }
    let heads = st.store.heads(&shared.id, size).await.map_err(|e| {
        tracing::warn!(error = %e, "read failed");
        ApiError::storage()
    })?;
    Ok(heads
        .iter()
        .rev()
        .find(|h| h.tree_size == size)
        .and_then(|h| SignedTreeHead::decode(&h.head).ok()))
}

async fn get_inclusion(
    State(st): St,
    id: Result<Path<String>, PathRejection>,
    q: Result<Query<InclusionQuery>, QueryRejection>,
) -> ApiResult<Json<serde_json::Value>> {
    let shared = election(&st, id)?;
    let q = query(q)?;
    let latest = shared.view().head.tree_size;
    let size = q.tree_size.unwrap_or(latest);
    if size > latest || q.index >= size {
        return Err(ApiError::new(
            "ERR_INVALID",
            format!("need index < tree_size ≤ {latest}"),
        ));
    }
    let (leaf, proof) = {
        let tree = match shared.tree.read() {
            Ok(t) => t,
            Err(p) => p.into_inner(),
        };
        (
            tree.leaf_hash(q.index),
            tree.inclusion_proof(q.index, size)
                .map_err(ApiError::internal)?,
        )
    };
    let head = head_of_size(&st, &shared, size).await?;
    Ok(Json(serde_json::json!({
        "index": q.index,
        "tree_size": size,
        "leaf_hash": leaf,
        "inclusion_proof": proof,
        "tree_head": head,
    })))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ConsistencyQuery {
    first: u64,
    second: Option<u64>,
}

async fn get_consistency(
    State(st): St,
    id: Result<Path<String>, PathRejection>,
    q: Result<Query<ConsistencyQuery>, QueryRejection>,
) -> ApiResult<Json<serde_json::Value>> {
    let shared = election(&st, id)?;
    let q = query(q)?;
    let latest = shared.view().head.tree_size;
    let second = q.second.unwrap_or(latest);
    if q.first > second || second > latest {
        return Err(ApiError::new(
            "ERR_INVALID",
            format!("need first ≤ second ≤ {latest}"),
        ));
    }
    let proof = {
        let tree = match shared.tree.read() {
            Ok(t) => t,
            Err(p) => p.into_inner(),
        };
        tree.consistency_proof(q.first, second)
            .map_err(ApiError::internal)?
    };
    let first_head = head_of_size(&st, &shared, q.first).await?;
    let second_head = head_of_size(&st, &shared, second).await?;
    Ok(Json(serde_json::json!({
        "first": q.first,
        "second": second,
        "consistency_proof": proof,
        "first_tree_head": first_head,
        "second_tree_head": second_head,
    })))
}

fn frame(out: &mut Vec<u8>, k: u8, bytes: &[u8]) {
    out.push(k);
    out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
    out.extend_from_slice(bytes);
}

/// `GET …/record`: the election record of `spec/record.md` §8, streamed:
/// magic, board key, then the entries in log order with every signed tree
/// head placed after the entries it covers. Covers exactly the log under
/// the latest head at the start of the request.
async fn get_record(
    State(st): St,
    id: Result<Path<String>, PathRejection>,
) -> ApiResult<Response<Body>> {
    let shared = election(&st, id)?;
    let size = shared.view().head.tree_size;
    let heads = st.store.heads(&shared.id, size).await.map_err(|e| {
        tracing::warn!(error = %e, "read failed");
        ApiError::storage()
    })?;
    let mut first = Vec::with_capacity(64);
    first.extend_from_slice(RECORD_MAGIC);
    frame(&mut first, kind::BOARD_KEY, &st.log_key.to_bytes());
    let store = st.store.clone();
    let id = shared.id.clone();
    struct S {
        store: Arc<dyn Store>,
        id: String,
        next: u64,
        size: u64,
        heads: std::vec::IntoIter<crate::store::StoredHead>,
        pending_head: Option<crate::store::StoredHead>,
        first: Option<Vec<u8>>,
    }
    let mut heads = heads.into_iter();
    let pending_head = heads.next();
    let s = S {
        store,
        id,
        next: 0,
        size,
        heads,
        pending_head,
        first: Some(first),
    };
    let stream = futures_util::stream::unfold(s, |mut s| async move {
        if let Some(f) = s.first.take() {
            return Some((Ok::<Bytes, std::io::Error>(Bytes::from(f)), s));
        }
        if s.next >= s.size {
            return None;
        }
        let end = (s.next + 512).min(s.size);
        let rows = match s.store.entries(&s.id, s.next, end).await {
            Ok(r) if r.len() as u64 == end - s.next => r,
            Ok(_) => return Some((Err(std::io::Error::other("log read short")), s)),
            Err(e) => return Some((Err(std::io::Error::other(e.to_string())), s)),
        };
        let mut out = Vec::new();
        for e in rows {
            frame(&mut out, kind::ENTRY, &e.bytes);
            while let Some(h) = s.pending_head.take() {
                if h.tree_size == e.seq + 1 {
                    frame(&mut out, kind::TREE_HEAD, &h.head);
                    s.pending_head = s.heads.next();
                } else {
                    s.pending_head = Some(h);
                    break;
                }
            }
        }
        s.next = end;
        Some((Ok(Bytes::from(out)), s))
    });
    let mut res = Response::new(Body::from_stream(stream));
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{}.urna\"", shared.id)) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}

async fn healthz(State(st): St) -> ApiResult<Json<HashMap<&'static str, &'static str>>> {
    st.store.ping().await.map_err(|e| {
        tracing::warn!(error = %e, "health check failed");
        ApiError::storage()
    })?;
    Ok(Json(HashMap::from([("status", "ok")])))
}

async fn metrics(State(st): St) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        st.metrics.render(),
    )
}
