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
use crate::machine::Stage;
use crate::receipt::Receipt;
use crate::sequencer::{ballot_receipt, lookup, Command};
use urna_api::wire::EntryBody;
use urna_api::ErrorCode;

use super::doc::ElectionId;
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

/// Create an election from its organizer-signed manifest entry (tag 1).
#[utoipa::path(post, path = "/api/elections", tag = "lifecycle",
    request_body = EntryBody,
    responses((status = 200, description = "Accepted (or the same entry again): the receipt", body = Receipt)))]
pub(super) async fn create_election(
    State(st): St,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Receipt>> {
    let raw = parse_body(body)?;
    let entry = decode_entry(&raw, tag::MANIFEST, "manifest")?;
    if let Entry::Manifest { manifest, .. } = &entry {
        may_create(&st, manifest)?;
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

/// Whether the manifest's organizer may create an election here
/// (docs/attacks.md F16): a key the operator named, under its quota.
fn may_create(st: &AppState, manifest: &urna_election::Manifest) -> ApiResult<()> {
    let key = manifest.organizer_key.to_bytes();
    let policy = &st.creation;
    if !policy.open && !policy.organizers.contains(&key) {
        return Err(ApiError::new(
            ErrorCode::OrganizerNotAllowed,
            "this board creates elections only for the organizer keys its operator configured \
             (--organizer-key); ask the board's operator to add yours",
        ));
    }
    let mine = crate::sequencer::elections(&st.registry)
        .iter()
        .filter(|s| s.manifest.organizer_key == manifest.organizer_key)
        .count();
    if !policy.open && mine >= policy.max_per_organizer {
        return Err(ApiError::new(
            ErrorCode::QuotaExceeded,
            format!(
                "this organizer key already has {mine} elections on this board, its quota \
                 (--max-elections-per-organizer)"
            ),
        ));
    }
    Ok(())
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

/// Post a trustee ceremony message (tag 2).
///
/// Accepted while the ceremony run is open (setup, before the entry that ends the run).
#[utoipa::path(post, path = "/api/elections/{id}/ceremony", tag = "lifecycle",
    params(ElectionId),
    request_body = EntryBody,
    responses((status = 200, description = "Accepted (or the same entry again): the receipt", body = Receipt)))]
pub(super) async fn post_ceremony(
    State(st): St,
    id: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Receipt>> {
    post_kind(&st, id, body, tag::CEREMONY, "ceremony message").await
}

/// Post the authority-signed credential list (tag 3).
///
/// Once, before voting opens; ends the ceremony run, which must verify.
#[utoipa::path(post, path = "/api/elections/{id}/credentials", tag = "lifecycle",
    params(ElectionId),
    request_body = EntryBody,
    responses((status = 200, description = "Accepted (or the same entry again): the receipt", body = Receipt)))]
pub(super) async fn post_credentials(
    State(st): St,
    id: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Receipt>> {
    post_kind(&st, id, body, tag::CREDENTIALS, "credential list").await
}

/// Replace one credential by another before voting opens (tag 9).
///
/// The credential authority's signed replacement of a lost credential (`spec/record.md` §4.3): only in setup, after the list, for the current list's hash.
#[utoipa::path(post, path = "/api/elections/{id}/credentials/replace", tag = "lifecycle",
    params(ElectionId),
    request_body = EntryBody,
    responses((status = 200, description = "Accepted (or the same entry again): the receipt", body = Receipt)))]
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

/// Open voting: an organizer-signed state change, phase 1 (tag 4).
///
/// Refused unless signed by the manifest's organizer key and naming the election fingerprint.
#[utoipa::path(post, path = "/api/elections/{id}/open", tag = "lifecycle",
    params(ElectionId),
    request_body = EntryBody,
    responses((status = 200, description = "Accepted (or the same entry again): the receipt", body = Receipt)))]
pub(super) async fn post_open(
    State(st): St,
    id: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Receipt>> {
    post_state(&st, id, body, 1).await
}

/// Close voting: an organizer-signed state change, phase 2 (tag 4).
///
/// Refused unless signed by the organizer key, naming the fingerprint, while voting is open.
#[utoipa::path(post, path = "/api/elections/{id}/close", tag = "lifecycle",
    params(ElectionId),
    request_body = EntryBody,
    responses((status = 200, description = "Accepted (or the same entry again): the receipt", body = Receipt)))]
pub(super) async fn post_close(
    State(st): St,
    id: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Receipt>> {
    post_state(&st, id, body, 2).await
}

/// Publish an audited (spoiled) ballot (tag 6) at a credential's request.
///
/// The body is the audit entry — ciphertexts, openings and `H_b`, no
/// credential — with the credential's key and its signature over the
/// tracking code (`spec/api.md` §5.6). Checked in this order: the entry
/// decodes; the same audit again gets its receipt, charging nothing; the
/// credential is listed, its signature verifies, and only then is its
/// audit quota charged (`429 ERR_QUOTA_EXCEEDED` when spent); then (R9)
/// and (R7). Only the entry is logged; its tracking code can never be cast.
#[utoipa::path(post, path = "/api/elections/{id}/spoiled", tag = "ballots",
    params(ElectionId),
    request_body = urna_api::wire::AuditBody,
    responses((status = 200, description = "Accepted (or the same audit again): the receipt", body = Receipt),
        (status = 429, description = "`ERR_QUOTA_EXCEEDED`: the credential's audits are spent")))]
pub(super) async fn post_spoiled(
    State(st): St,
    id: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Receipt>> {
    let shared = election(&st, id)?;
    let body: urna_api::wire::AuditBody = read_json(
        body,
        "{\"entry\": \"<hex>\", \"credential\": \"<hex>\", \"signature\": \"<hex>\"}",
    )?;
    let raw = entry_hex(&body.entry)?;
    let request = audit_request(&body)?;
    let entry = decode_entry(&raw, tag::SPOILED, "audited ballot")?;
    let Entry::Spoiled(audit) = &entry else {
        return Err(ApiError::internal("spoiled tag without an audit"));
    };
    let code = audit.tracking_code();
    // docs/attacks.md B3: the same audit again gets the same receipt.
    if let Some(info) = shared.code(&code.0 .0) {
        if !info.spoiled {
            return Err(ApiError::new(
                ErrorCode::BallotSpoiled,
                "this ballot was cast; a cast ballot cannot be audited",
            ));
        }
        return Ok(Json(ballot_receipt(&shared, &st.keys, code.0 .0, info)?));
    }
    let ctx = ballot_context(&shared.view(), false)?;
    if ctx.credentials().weight(&request.credential).is_none() {
        return Err(urna_election::ElectionError::CredentialUnknown.into());
    }
    // F21: the signature before the quota, so only a credential's holder
    // spends its audits.
    request.verify(&code)?;
    st.audits
        .charge(&shared.id, request.credential.to_bytes())?;
    Ok(Json(
        submit(&st, Some(shared.id.clone()), entry, raw).await?,
    ))
}

/// The credential and signature of an audit body.
fn audit_request(body: &urna_api::wire::AuditBody) -> ApiResult<urna_election::AuditRequest> {
    let field = |text: &str, what: &'static str| {
        urna_crypto::group::hex_decode(text, what)
            .ok()
            .filter(|_| !text.bytes().any(|c| c.is_ascii_uppercase()))
            .ok_or_else(|| ApiError::new(ErrorCode::Encoding, format!("{what}: lower-case hex")))
    };
    let credential = urna_crypto::PublicKey::from_bytes(&field(&body.credential, "credential")?)?;
    let signature = urna_crypto::Signature::from_bytes(&field(&body.signature, "signature")?)?;
    Ok(urna_election::AuditRequest {
        credential,
        signature,
    })
}

/// Post a trustee's decryption shares (tag 7).
///
/// After close; qualified trustee, once; every proof verified against the aggregate the board recomputes.
#[utoipa::path(post, path = "/api/elections/{id}/tally-shares", tag = "lifecycle",
    params(ElectionId),
    request_body = EntryBody,
    responses((status = 200, description = "Accepted (or the same entry again): the receipt", body = Receipt)))]
pub(super) async fn post_tally(
    State(st): St,
    id: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Receipt>> {
    post_kind(&st, id, body, tag::TALLY, "tally share").await
}

/// Post the organizer-signed result (tag 8).
///
/// After close, once, with at least k valid shares posted; the totals must equal their decryption.
#[utoipa::path(post, path = "/api/elections/{id}/result", tag = "lifecycle",
    params(ElectionId),
    request_body = EntryBody,
    responses((status = 200, description = "Accepted (or the same entry again): the receipt", body = Receipt)))]
pub(super) async fn post_result(
    State(st): St,
    id: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Receipt>> {
    post_kind(&st, id, body, tag::RESULT, "result").await
}

/// Cast a ballot (tag 5).
///
/// Ballot intake (`spec/api.md` §5.6): body limit (middleware), decode,
/// idempotent retry, phase, (V1)–(V3), the signature (V4), the rate
/// limit of the credential that signed, then the sequencer
/// (batch verification of (V4)–(V5), (R7), (R9), durable commit). The
/// same bytes again return the same receipt.
#[utoipa::path(post, path = "/api/elections/{id}/ballots", tag = "ballots",
    params(ElectionId),
    request_body = EntryBody,
    responses((status = 200, description = "Accepted (or the same entry again): the receipt", body = Receipt)))]
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
    let code = ballot.tracking_code().0 .0;
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
    // (V4) before the rate limit (docs/attacks.md F13): a ballot charges
    // the allowance of the credential that signed it, never of one it
    // merely names, so nobody without a voter's secret can lock them out.
    ballot.verify_signature()?;
    st.limiter
        .check(ballot.credential().to_bytes())
        .map_err(ApiError::rate_limited)?;
    submit(st, Some(shared.id.clone()), entry, raw).await
}

/// The receipt of a ballot by tracking code (64 lower-case hex digits).
#[utoipa::path(get, path = "/api/elections/{id}/ballots/{code}", tag = "ballots",
    params(ElectionId, ("code" = String, Path, description = "The tracking code, 64 lower-case hex digits")),
    responses((status = 200, description = "The ballot's receipt", body = Receipt)))]
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
