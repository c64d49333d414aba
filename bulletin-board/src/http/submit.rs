//! Submissions (`spec/api.md` §5.1–§5.8): every entry kind's endpoint,
//! ballot intake with its checks before the sequencer, and the ballot
//! lookup by tracking code.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};
use axum::Json;
use tokio::sync::oneshot;
use urna_election::entry::tag;
use urna_election::Entry;

use crate::error::ApiError;
use crate::machine::{tracking_code_of_entry, Stage};
use crate::receipt::Receipt;
use crate::sequencer::{ballot_receipt, lookup, Command};
use urna_api::ErrorCode;

use super::*;

pub(super) async fn submit(
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

pub(super) async fn create_election(
    State(st): St,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Receipt>> {
    let raw = parse_body(body)?;
    let entry = decode_entry(&raw, tag::MANIFEST, "manifest")?;
    if let Entry::Manifest { manifest, .. } = &entry {
        if lookup(&st.registry, &manifest.election_id).is_some() {
            return Err(ApiError::new(
                ErrorCode::ElectionExists,
                format!(
                    "an election `{}` already exists on this board",
                    manifest.election_id
                ),
            ));
        }
    }
    Ok(Json(submit(&st, None, entry, raw).await?))
}

pub(super) async fn post_kind(
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

pub(super) async fn post_ceremony(
    State(st): St,
    id: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Receipt>> {
    post_kind(&st, id, body, tag::CEREMONY, "ceremony message").await
}

pub(super) async fn post_credentials(
    State(st): St,
    id: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Receipt>> {
    post_kind(&st, id, body, tag::CREDENTIALS, "credential list").await
}

pub(super) async fn post_replacement(
    State(st): St,
    id: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Receipt>> {
    post_kind(&st, id, body, tag::REPLACEMENT, "credential replacement").await
}

pub(super) async fn post_state(
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
            ErrorCode::Invalid,
            if phase == 1 {
                "this endpoint takes an open entry (phase 1)"
            } else {
                "this endpoint takes a close entry (phase 2)"
            },
        ));
    }
    Ok(Json(submit(st, Some(shared.id.clone()), entry, raw).await?))
}

pub(super) async fn post_open(
    State(st): St,
    id: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Receipt>> {
    post_state(&st, id, body, 1).await
}

pub(super) async fn post_close(
    State(st): St,
    id: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Receipt>> {
    post_state(&st, id, body, 2).await
}

pub(super) async fn post_spoiled(
    State(st): St,
    id: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Receipt>> {
    post_kind(&st, id, body, tag::SPOILED, "audited ballot").await
}

pub(super) async fn post_tally(
    State(st): St,
    id: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Receipt>> {
    post_kind(&st, id, body, tag::TALLY, "tally share").await
}

pub(super) async fn post_result(
    State(st): St,
    id: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Receipt>> {
    post_kind(&st, id, body, tag::RESULT, "result").await
}

/// Ballot intake (`spec/api.md` §5.6): body limit (middleware), decode,
/// idempotent retry, phase, (V1)–(V3), rate limit, then the sequencer
/// (batch verification of (V4)–(V5), (R7), (R9), durable commit).
pub(super) async fn post_ballot(
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
    view: &crate::machine::View,
    check_phase: bool,
) -> ApiResult<Arc<urna_election::ElectionContext>> {
    if check_phase {
        match view.stage {
            Stage::Setup => {
                return Err(ApiError::new(
                    ErrorCode::ElectionNotOpen,
                    "voting has not opened",
                ))
            }
            Stage::Closed => {
                return Err(ApiError::new(
                    ErrorCode::ElectionClosed,
                    "voting has closed",
                ))
            }
            Stage::Open => {}
        }
    }
    view.ctx
        .clone()
        .ok_or_else(|| ApiError::new(ErrorCode::ElectionNotOpen, "voting has not opened"))
}

pub(super) async fn ballot_inner(
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
                ErrorCode::BallotSpoiled,
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

pub(super) async fn get_ballot(
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
