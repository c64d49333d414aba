//! The read path (`spec/api.md` §5.9, §5.10): board and election info,
//! entries, tree heads, inclusion and consistency proofs, health and
//! metrics. Each handler's `#[utoipa::path]` is its entry in the
//! generated OpenAPI document (`doc.rs`).
//!
//! Reads cannot hurt writes (docs/attacks.md F18): proofs come from the
//! Merkle tree in memory and heads from the head index in memory
//! (`heads.rs`), never from a database scan; entries pages are read on
//! the store's separate, bounded read pool and bounded in bytes. What can
//! never change is answered `Cache-Control: public, max-age=31536000,
//! immutable` (entries strictly below the tree size, a proof or head for
//! an explicit size), so mirrors and proxies can serve it; anything
//! "latest" stays `no-store` (the middleware's default).

use std::sync::Arc;

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderName};
use axum::response::IntoResponse;
use axum::Json;
use urna_api::wire::{
    kind_of_bytes, BoardInfo, ConsistencyAnswer, EntriesPage, EntryRow, Health, InclusionAnswer,
    TreeHeadAnswer,
};
use urna_log::{Hash, SignedTreeHead};
use utoipa::{IntoParams, ToSchema};

use crate::error::ApiError;
use crate::machine::{Shared, Stage, Totals};
use crate::store::StoreError;
use urna_api::ErrorCode;

use super::doc::ElectionId;
use super::*;

/// The board's public key and software version.
#[utoipa::path(get, path = "/api/board", tag = "read",
    responses((status = 200, description = "The board's key", body = BoardInfo)))]
pub(super) async fn board_info(State(st): St) -> Json<BoardInfo> {
    Json(BoardInfo {
        board_key: hex::encode(st.log_key.to_bytes()),
        version: env!("CARGO_PKG_VERSION").to_string(),
    })
}

/// `GET /api/elections/{id}`: an election's state, counts and latest head.
#[derive(serde::Serialize, ToSchema)]
pub(super) struct ElectionInfo {
    /// The election id (`spec/record.md` §3.1).
    election_id: String,
    /// `SHA-256` of the manifest entry's body.
    #[schema(value_type = Hash)]
    manifest_hash: String,
    /// The election fingerprint, once the ceremony's result is fixed.
    #[schema(value_type = Option<Hash>)]
    fingerprint: Option<String>,
    /// The voting stage.
    #[schema(schema_with = super::doc::stage_schema)]
    state: Stage,
    /// Entries in the log.
    entries: u64,
    /// Ballots cast (re-votes included).
    ballots_cast: u64,
    /// Audited (spoiled) ballots.
    ballots_spoiled: u64,
    /// Credentials in the list.
    credentials: u64,
    /// Tally shares posted.
    tally_shares: u64,
    /// Whether the organizer's result entry is in the log.
    result_posted: bool,
    /// The totals once the board can compute them (`spec/api.md` §5.9):
    /// provisional (`official` false) from the first `k` valid tally
    /// shares, official once the organizer's signed result, which must
    /// equal them, is in the log; `null` before `k` shares.
    result: Option<Totals>,
    /// The latest signed tree head.
    tree_head: SignedTreeHead,
    /// The board's public key, hex.
    #[schema(pattern = "^[0-9a-f]{64}$")]
    board_key: String,
}

/// `GET /api/elections`: a page of the board's elections, by id.
#[derive(serde::Serialize, ToSchema)]
pub(super) struct ElectionList {
    /// The elections, by id.
    elections: Vec<ElectionInfo>,
    /// Pass as `after` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    next: Option<String>,
}

/// Default and largest page of the election list.
pub const LIST_PAGE: usize = 100;
/// Largest page of the election list a client may ask for.
pub const LIST_PAGE_MAX: usize = 1000;

/// Which page of the election list.
#[derive(serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(super) struct ListQuery {
    /// Only elections whose id sorts after this one (the `next` of the
    /// previous page).
    after: Option<String>,
    /// Elections per page (default 100, at most 1000).
    limit: Option<usize>,
}

pub(super) fn info_of(st: &AppState, shared: &Shared) -> ElectionInfo {
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

/// The board's elections, by id, a page at a time.
#[utoipa::path(get, path = "/api/elections", tag = "read", params(ListQuery),
    responses((status = 200, description = "A page of elections, by id", body = ElectionList)))]
pub(super) async fn list_elections(
    State(st): St,
    q: Result<Query<ListQuery>, QueryRejection>,
) -> ApiResult<Json<ElectionList>> {
    let q = query(q)?;
    let limit = q.limit.unwrap_or(LIST_PAGE);
    if limit == 0 || limit > LIST_PAGE_MAX {
        return Err(ApiError::new(
            ErrorCode::Invalid,
            format!("limit must be 1 to {LIST_PAGE_MAX}"),
        ));
    }
    let all = crate::sequencer::elections(&st.registry);
    let after = q.after.unwrap_or_default();
    let rest: Vec<&Arc<Shared>> = all.iter().filter(|s| s.id > after).collect();
    let next = (rest.len() > limit).then(|| rest[limit - 1].id.clone());
    let elections = rest.iter().take(limit).map(|s| info_of(&st, s)).collect();
    Ok(Json(ElectionList { elections, next }))
}

/// Election state, counts and latest signed tree head.
#[utoipa::path(get, path = "/api/elections/{id}", tag = "read", params(ElectionId),
    responses((status = 200, description = "The election", body = ElectionInfo)))]
pub(super) async fn election_info(
    State(st): St,
    id: Result<Path<String>, PathRejection>,
) -> ApiResult<Json<ElectionInfo>> {
    let shared = election(&st, id)?;
    Ok(Json(info_of(&st, &shared)))
}

/// `Cache-Control` of an answer that never changes.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// An answer with its `Cache-Control`: [`IMMUTABLE`] when it can never
/// change, else `no-store`.
pub(super) type Cached<T> = ([(HeaderName, &'static str); 1], Json<T>);

pub(super) fn cached<T>(immutable: bool, t: T) -> Cached<T> {
    let policy = if immutable { IMMUTABLE } else { "no-store" };
    ([(header::CACHE_CONTROL, policy)], Json(t))
}

/// A failed read: `503 ERR_BUSY` when every read connection stayed busy
/// (a read flood, §7), else `503 ERR_STORAGE_UNAVAILABLE`.
pub(super) fn read_failed(e: StoreError) -> ApiError {
    tracing::warn!(error = %e, "read failed");
    match e {
        StoreError::Busy(_) => ApiError::busy("too many reads at once; retry later"),
        _ => ApiError::storage(),
    }
}

/// Which head.
#[derive(serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(super) struct HeadQuery {
    /// The size of the head (default: the latest). A head of an explicit
    /// size never changes and is answered cacheable.
    tree_size: Option<u64>,
}

/// The latest signed tree head, or the one of `tree_size` entries (JSON
/// and its 162-byte encoding in hex).
#[utoipa::path(get, path = "/api/elections/{id}/tree-head", tag = "read",
    params(ElectionId, HeadQuery),
    responses((status = 200, description = "The head", body = TreeHeadAnswer)))]
pub(super) async fn get_tree_head(
    State(st): St,
    id: Result<Path<String>, PathRejection>,
    q: Result<Query<HeadQuery>, QueryRejection>,
) -> ApiResult<Cached<TreeHeadAnswer>> {
    let shared = election(&st, id)?;
    let q = query(q)?;
    let head = match q.tree_size {
        None => shared.view().head,
        Some(size) => head_of_size(&shared, size).ok_or_else(|| {
            ApiError::not_found(format!("the board signed no head of {size} entries"))
        })?,
    };
    Ok(cached(
        q.tree_size.is_some(),
        TreeHeadAnswer {
            encoded: hex::encode(head.to_bytes()),
            tree_head: head,
        },
    ))
}

pub(super) fn query<T>(q: Result<Query<T>, QueryRejection>) -> ApiResult<T> {
    q.map(|Query(t)| t)
        .map_err(|e| ApiError::new(ErrorCode::Invalid, format!("query parameters: {e}")))
}

/// A range of log indices `[start, end)`.
#[derive(serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(super) struct RangeQuery {
    /// First index (default 0).
    start: Option<u64>,
    /// One past the last index (default `start + 100`, at most the tree size).
    end: Option<u64>,
}

/// Most entries per page.
pub(super) const PAGE: u64 = 1000;

/// Most entry bytes per page (before hex): a page stops before the entry
/// that would pass this, but always holds at least one, so a page's JSON
/// is at most `2 × max(PAGE_BYTES, MAX_FRAME)` of hex plus about 200
/// bytes per row (`spec/api.md` §5.10).
pub const PAGE_BYTES: usize = MAX_FRAME;

/// Log entries by index range `[start, end)`, at most 1000 and at most
/// 16 MiB of entries (a shorter page means: ask again from where it ends).
#[utoipa::path(get, path = "/api/elections/{id}/entries", tag = "read",
    params(ElectionId, RangeQuery),
    responses((status = 200, description = "The entries", body = EntriesPage)))]
pub(super) async fn get_entries(
    State(st): St,
    id: Result<Path<String>, PathRejection>,
    q: Result<Query<RangeQuery>, QueryRejection>,
) -> ApiResult<Cached<EntriesPage>> {
    let shared = election(&st, id)?;
    let q = query(q)?;
    let size = shared.view().head.tree_size;
    let start = q.start.unwrap_or(0);
    let end = q.end.unwrap_or(start.saturating_add(100)).min(size);
    if start > end || end - start > PAGE {
        return Err(ApiError::new(
            ErrorCode::Invalid,
            format!("need start ≤ end and at most {PAGE} entries per page"),
        ));
    }
    let rows = st
        .store
        .read_entries(&shared.id, start, end, PAGE_BYTES)
        .await
        .map_err(read_failed)?;
    let entries = rows
        .iter()
        .map(|e| EntryRow {
            index: e.seq,
            kind: kind_of_bytes(&e.bytes).to_string(),
            leaf_hash: Hash(e.leaf_hash),
            entry: hex::encode(&e.bytes),
        })
        .collect();
    // Strictly below the tree size: a client that pages until it reaches
    // `tree_size` always asks again past a cached page.
    let fixed = q.end.is_some_and(|e| e < size);
    Ok(cached(
        fixed,
        EntriesPage {
            tree_size: size,
            entries,
        },
    ))
}

/// Which entry, in which tree.
#[derive(serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(super) struct InclusionQuery {
    /// The entry's log index.
    index: u64,
    /// The tree size (default: the latest).
    tree_size: Option<u64>,
}

/// The signed head of exactly `size` entries, from the head index in
/// memory (no database read).
pub(super) fn head_of_size(shared: &Shared, size: u64) -> Option<SignedTreeHead> {
    crate::heads::of_size(&shared.heads, &shared.tree, size)
}

/// Inclusion proof of entry `index` in the tree of `tree_size` entries
/// (default: latest).
#[utoipa::path(get, path = "/api/elections/{id}/proof/inclusion", tag = "read",
    params(ElectionId, InclusionQuery),
    responses((status = 200, description = "The proof", body = InclusionAnswer)))]
pub(super) async fn get_inclusion(
    State(st): St,
    id: Result<Path<String>, PathRejection>,
    q: Result<Query<InclusionQuery>, QueryRejection>,
) -> ApiResult<Cached<InclusionAnswer>> {
    let shared = election(&st, id)?;
    let q = query(q)?;
    let latest = shared.view().head.tree_size;
    let size = q.tree_size.unwrap_or(latest);
    if size > latest || q.index >= size {
        return Err(ApiError::new(
            ErrorCode::Invalid,
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
    let head = head_of_size(&shared, size);
    Ok(cached(
        q.tree_size.is_some(),
        InclusionAnswer {
            index: q.index,
            tree_size: size,
            leaf_hash: leaf.ok_or_else(|| ApiError::internal("no leaf below the tree size"))?,
            inclusion_proof: proof,
            tree_head: head,
        },
    ))
}

/// Which two tree sizes.
#[derive(serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(super) struct ConsistencyQuery {
    /// The smaller tree size.
    first: u64,
    /// The larger tree size (default: the latest).
    second: Option<u64>,
}

/// Consistency proof between tree sizes `first` and `second` (default:
/// latest).
#[utoipa::path(get, path = "/api/elections/{id}/proof/consistency", tag = "read",
    params(ElectionId, ConsistencyQuery),
    responses((status = 200, description = "The proof", body = ConsistencyAnswer)))]
pub(super) async fn get_consistency(
    State(st): St,
    id: Result<Path<String>, PathRejection>,
    q: Result<Query<ConsistencyQuery>, QueryRejection>,
) -> ApiResult<Cached<ConsistencyAnswer>> {
    let shared = election(&st, id)?;
    let q = query(q)?;
    let latest = shared.view().head.tree_size;
    let second = q.second.unwrap_or(latest);
    if q.first > second || second > latest {
        return Err(ApiError::new(
            ErrorCode::Invalid,
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
    Ok(cached(
        q.second.is_some(),
        ConsistencyAnswer {
            first: q.first,
            second,
            consistency_proof: proof,
            first_tree_head: head_of_size(&shared, q.first),
            second_tree_head: head_of_size(&shared, second),
        },
    ))
}

/// Liveness and database reachability.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "The board reaches its database", body = Health)))]
pub(super) async fn healthz(State(st): St) -> ApiResult<Json<Health>> {
    st.store.ping().await.map_err(read_failed)?;
    Ok(Json(Health {
        status: "ok".to_string(),
    }))
}

/// Prometheus metrics (text format 0.0.4).
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "The metrics", content_type = "text/plain", body = String)))]
pub(super) async fn metrics(State(st): St) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        st.metrics.render(),
    )
}
