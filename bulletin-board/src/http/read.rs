//! The read path (`spec/api.md` §5.9, §5.10): board and election info,
//! entries, tree heads, inclusion and consistency proofs, health and
//! metrics.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::Json;
use urna_log::SignedTreeHead;

use crate::error::ApiError;
use crate::machine::{kind_of_bytes, Shared, Stage, Totals};
use urna_api::ErrorCode;

use super::*;

#[derive(serde::Serialize)]
pub(super) struct BoardInfo {
    board_key: String,
    version: &'static str,
}

pub(super) async fn board_info(State(st): St) -> Json<BoardInfo> {
    Json(BoardInfo {
        board_key: hex::encode(st.log_key.to_bytes()),
        version: env!("CARGO_PKG_VERSION"),
    })
}

#[derive(serde::Serialize)]
pub(super) struct ElectionInfo {
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

pub(super) async fn list_elections(State(st): St) -> Json<serde_json::Value> {
    let all: Vec<Arc<Shared>> = match st.registry.read() {
        Ok(r) => r.values().cloned().collect(),
        Err(p) => p.into_inner().values().cloned().collect(),
    };
    let mut list: Vec<ElectionInfo> = all.iter().map(|s| info_of(&st, s)).collect();
    list.sort_by(|a, b| a.election_id.cmp(&b.election_id));
    Json(serde_json::json!({ "elections": list }))
}

pub(super) async fn election_info(
    State(st): St,
    id: Result<Path<String>, PathRejection>,
) -> ApiResult<Json<ElectionInfo>> {
    let shared = election(&st, id)?;
    Ok(Json(info_of(&st, &shared)))
}

pub(super) async fn get_tree_head(
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

pub(super) fn query<T>(q: Result<Query<T>, QueryRejection>) -> ApiResult<T> {
    q.map(|Query(t)| t)
        .map_err(|e| ApiError::new(ErrorCode::Invalid, format!("query parameters: {e}")))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RangeQuery {
    start: Option<u64>,
    end: Option<u64>,
}

/// Most entries per page.
pub(super) const PAGE: u64 = 1000;

pub(super) async fn get_entries(
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
pub(super) struct InclusionQuery {
    index: u64,
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

pub(super) async fn get_inclusion(
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
pub(super) struct ConsistencyQuery {
    first: u64,
    second: Option<u64>,
}

pub(super) async fn get_consistency(
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
    Ok(Json(serde_json::json!({
        "first": q.first,
        "second": second,
        "consistency_proof": proof,
        "first_tree_head": first_head,
        "second_tree_head": second_head,
    })))
}

pub(super) async fn healthz(State(st): St) -> ApiResult<Json<HashMap<&'static str, &'static str>>> {
    st.store.ping().await.map_err(|e| {
        tracing::warn!(error = %e, "health check failed");
        ApiError::storage()
    })?;
    Ok(Json(HashMap::from([("status", "ok")])))
}

pub(super) async fn metrics(State(st): St) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        st.metrics.render(),
    )
}
