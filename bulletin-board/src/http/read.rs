//! The read path (`spec/api.md` §5.9, §5.10): board and election info,
//! entries, tree heads, inclusion and consistency proofs, health and
//! metrics. Each handler's `#[utoipa::path]` is its entry in the
//! generated OpenAPI document (`doc.rs`).

use std::sync::Arc;

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::header;
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

/// `GET /api/elections`: every election on the board.
#[derive(serde::Serialize, ToSchema)]
pub(super) struct ElectionList {
    /// The elections, by id.
    elections: Vec<ElectionInfo>,
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

/// Every election on the board.
#[utoipa::path(get, path = "/api/elections", tag = "read",
    responses((status = 200, description = "The elections, by id", body = ElectionList)))]
pub(super) async fn list_elections(State(st): St) -> Json<ElectionList> {
    let all: Vec<Arc<Shared>> = match st.registry.read() {
        Ok(r) => r.values().cloned().collect(),
        Err(p) => p.into_inner().values().cloned().collect(),
    };
    let mut list: Vec<ElectionInfo> = all.iter().map(|s| info_of(&st, s)).collect();
    list.sort_by(|a, b| a.election_id.cmp(&b.election_id));
    Json(ElectionList { elections: list })
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

/// The latest signed tree head (JSON and its 162-byte encoding in hex).
#[utoipa::path(get, path = "/api/elections/{id}/tree-head", tag = "read", params(ElectionId),
    responses((status = 200, description = "The latest head", body = TreeHeadAnswer)))]
pub(super) async fn get_tree_head(
    State(st): St,
    id: Result<Path<String>, PathRejection>,
) -> ApiResult<Json<TreeHeadAnswer>> {
    let shared = election(&st, id)?;
    let head = shared.view().head;
    Ok(Json(TreeHeadAnswer {
        encoded: hex::encode(head.to_bytes()),
        tree_head: head,
    }))
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

/// Log entries by index range `[start, end)`, at most 1000.
#[utoipa::path(get, path = "/api/elections/{id}/entries", tag = "read",
    params(ElectionId, RangeQuery),
    responses((status = 200, description = "The entries", body = EntriesPage)))]
pub(super) async fn get_entries(
    State(st): St,
    id: Result<Path<String>, PathRejection>,
    q: Result<Query<RangeQuery>, QueryRejection>,
) -> ApiResult<Json<EntriesPage>> {
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
        .entries(&shared.id, start, end)
        .await
        .map_err(|e| {
            tracing::warn!(error = %e, "read failed");
            ApiError::storage()
        })?;
    let entries = rows
        .iter()
        .map(|e| EntryRow {
            index: e.seq,
            kind: kind_of_bytes(&e.bytes).to_string(),
            leaf_hash: Hash(e.leaf_hash),
            entry: hex::encode(&e.bytes),
        })
        .collect();
    Ok(Json(EntriesPage {
        tree_size: size,
        entries,
    }))
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

pub(super) async fn head_of_size(
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

/// Inclusion proof of entry `index` in the tree of `tree_size` entries
/// (default: latest).
#[utoipa::path(get, path = "/api/elections/{id}/proof/inclusion", tag = "read",
    params(ElectionId, InclusionQuery),
    responses((status = 200, description = "The proof", body = InclusionAnswer)))]
pub(super) async fn get_inclusion(
    State(st): St,
    id: Result<Path<String>, PathRejection>,
    q: Result<Query<InclusionQuery>, QueryRejection>,
) -> ApiResult<Json<InclusionAnswer>> {
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
    let head = head_of_size(&st, &shared, size).await?;
    Ok(Json(InclusionAnswer {
        index: q.index,
        tree_size: size,
        leaf_hash: leaf.ok_or_else(|| ApiError::internal("no leaf below the tree size"))?,
        inclusion_proof: proof,
        tree_head: head,
    }))
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
) -> ApiResult<Json<ConsistencyAnswer>> {
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
    let first_head = head_of_size(&st, &shared, q.first).await?;
    let second_head = head_of_size(&st, &shared, second).await?;
    Ok(Json(ConsistencyAnswer {
        first: q.first,
        second,
        consistency_proof: proof,
        first_tree_head: first_head,
        second_tree_head: second_head,
    }))
}

/// Liveness and database reachability.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "The board reaches its database", body = Health)))]
pub(super) async fn healthz(State(st): St) -> ApiResult<Json<Health>> {
    st.store.ping().await.map_err(|e| {
        tracing::warn!(error = %e, "health check failed");
        ApiError::storage()
    })?;
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
