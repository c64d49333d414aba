//! Store-and-forward ballots through a mirror (`spec/api.md` §8.3).
//!
//! A mirror takes a ballot from anyone (the voter, a friend with
//! connectivity, a messenger bot): it runs the board's checks on its
//! verified copy of the election (decoding, canonical form, phase,
//! (V1)–(V3), then the signature and every proof (V4), (V5)), queues the
//! ballot durably, signs a *mirror promise* (M4) with its own key, and
//! relays the ballot to the upstream, retrying until the board accepts or
//! refuses it for good. The queue is keyed by tracking code and the board
//! answers a ballot already in its log with the same receipt (B3), so a
//! ballot relayed twice, or through two mirrors, is one ballot.
//!
//! The mirror first tries to deliver at once: if the board answers within
//! a few seconds, the voter gets the board's own receipt (`200`), exactly
//! as from the board. Otherwise the answer is `202` with the mirror's
//! promise, and `GET …/ballots/{code}` on the mirror returns the board's
//! receipt once the ballot is delivered.
//!
//! Crash behaviour: the promise is sent only after the queue row is
//! committed; a crash before leaves nothing (the client retries); after,
//! the relay loop delivers it on the next start.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{Response, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use urna_election::entry::tag;
use urna_election::Entry;
use urna_log::{BoardPublicKey, Hash};

use super::{Answer, MirrorError, MirrorState};
use crate::error::ApiError;
use crate::http::{decode_entry, parse_body, AppState, BALLOT_BODY_LIMIT};
use crate::receipt::Receipt;
use crate::sequencer::now_ms;
use crate::store::{RelayOutcome, RelayRow};
use urna_api::ErrorCode;

/// Label at the start of a mirror promise (M4); differs from the board's
/// promise and tree-head labels.
pub const MIRROR_PROMISE_LABEL: &[u8; 23] = b"urna/v1/mirror-promise\n";
/// Length of the signed body.
pub const MIRROR_PROMISE_BODY_LEN: usize = 23 + 32 + 32 + 32 + 8 + 32 + 32;
/// Length of an encoded mirror promise.
pub const MIRROR_PROMISE_LEN: usize = MIRROR_PROMISE_BODY_LEN + 64;

/// How long a submission waits for the board before answering `202`.
pub const DIRECT_RELAY_WAIT: Duration = Duration::from_secs(5);

/// A mirror's signed statement that it received a ballot at a time and
/// will relay it (`spec/api.md` (M4)). It is *not* a promise of inclusion:
/// only the board's receipt is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MirrorPromise {
    /// `SHA-256` of the mirror's public key.
    pub mirror_log_id: Hash,
    /// `SHA-256` of the board key the ballot is relayed to.
    pub board_log_id: Hash,
    /// The election's manifest hash.
    pub manifest_hash: [u8; 32],
    /// When the mirror accepted the ballot (ms since the epoch).
    pub received_ms: u64,
    /// `SHA-256(0x00 ‖ ballot entry)`: the leaf it will be.
    pub leaf_hash: Hash,
    /// The ballot's tracking code.
    pub tracking_code: [u8; 32],
    /// Ed25519 signature by the mirror key over [`MirrorPromise::body`].
    pub signature: [u8; 64],
}

/// A mirror promise that fails to decode or verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MirrorPromiseError {
    /// Wrong length or label.
    #[error("not an encoded mirror promise")]
    Malformed,
    /// Made by another mirror than the key given.
    #[error("the mirror promise names another mirror")]
    WrongMirror,
    /// The signature does not verify.
    #[error("the mirror promise signature does not verify")]
    BadSignature,
}

impl MirrorPromise {
    /// The signed body.
    pub fn body(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(MIRROR_PROMISE_BODY_LEN);
        b.extend_from_slice(MIRROR_PROMISE_LABEL);
        b.extend_from_slice(self.mirror_log_id.as_bytes());
        b.extend_from_slice(self.board_log_id.as_bytes());
        b.extend_from_slice(&self.manifest_hash);
        b.extend_from_slice(&self.received_ms.to_be_bytes());
        b.extend_from_slice(self.leaf_hash.as_bytes());
        b.extend_from_slice(&self.tracking_code);
        b
    }

    /// Body and signature.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut b = self.body();
        b.extend_from_slice(&self.signature);
        b
    }

    /// Decode (exact length and label); call [`MirrorPromise::verify`] next.
    pub fn decode(bytes: &[u8]) -> Result<Self, MirrorPromiseError> {
        if bytes.len() != MIRROR_PROMISE_LEN || &bytes[..23] != MIRROR_PROMISE_LABEL {
            return Err(MirrorPromiseError::Malformed);
        }
        let a32 = |at: usize| -> [u8; 32] {
            let mut a = [0u8; 32];
            a.copy_from_slice(&bytes[at..at + 32]);
            a
        };
        let mut t = [0u8; 8];
        t.copy_from_slice(&bytes[119..127]);
        let mut signature = [0u8; 64];
        signature.copy_from_slice(&bytes[MIRROR_PROMISE_BODY_LEN..]);
        Ok(MirrorPromise {
            mirror_log_id: Hash(a32(23)),
            board_log_id: Hash(a32(55)),
            manifest_hash: a32(87),
            received_ms: u64::from_be_bytes(t),
            leaf_hash: Hash(a32(127)),
            tracking_code: a32(159),
            signature,
        })
    }

    fn sign(mut self, key: &SigningKey) -> Self {
        self.signature = key.sign(&self.body()).to_bytes();
        self
    }

    /// Verify under the mirror's public key (strict Ed25519).
    pub fn verify(
        &self,
        mirror_key: &BoardPublicKey,
        election: &str,
    ) -> Result<(), MirrorPromiseError> {
        if self.mirror_log_id != mirror_key.log_id(election) {
            return Err(MirrorPromiseError::WrongMirror);
        }
        let vk = VerifyingKey::from_bytes(&mirror_key.to_bytes())
            .map_err(|_| MirrorPromiseError::BadSignature)?;
        vk.verify_strict(&self.body(), &Signature::from_bytes(&self.signature))
            .map_err(|_| MirrorPromiseError::BadSignature)
    }
}

/// The mirror's routes: the shared read path, its own ballot intake and
/// lookup, gossip, evidence and status; every other write is refused.
pub fn router(app: Arc<AppState>, state: Arc<MirrorState>) -> Router {
    let read = crate::http::read_routes()
        .merge(crate::http::list_route())
        .with_state(app);
    let mut mirror = Router::new()
        .route(
            "/api/elections/{id}/ballots",
            post(post_ballot).layer(DefaultBodyLimit::max(BALLOT_BODY_LIMIT)),
        )
        .route("/api/elections/{id}/ballots/{code}", get(get_ballot))
        .route(
            "/api/gossip/tree-heads",
            post(super::gossip::post_heads).layer(DefaultBodyLimit::max(64 * 1024)),
        )
        .route("/api/evidence", get(super::gossip::get_evidence))
        .route("/api/mirror/status", get(status));
    for p in [
        "/api/elections/{id}/ceremony",
        "/api/elections/{id}/credentials",
        "/api/elections/{id}/open",
        "/api/elections/{id}/close",
        "/api/elections/{id}/spoiled",
        "/api/elections/{id}/tally-shares",
        "/api/elections/{id}/result",
    ] {
        mirror = mirror.route(p, post(read_only));
    }
    // A mirror's ballot intake and gossip take JSON only, like the board's
    // (`spec/api.md` §2).
    let mirror = mirror.layer(axum::middleware::from_fn(crate::http::require_json));
    read.merge(mirror.with_state(state))
}

async fn read_only() -> ApiError {
    ApiError::new(
        ErrorCode::ReadOnly,
        "this is a read-only mirror: only ballots are relayed; post other entries to the board",
    )
}

/// The answer for a queued ballot (`202`), a delivered one (the board's
/// receipt, `200`) or a refused one (`409 ERR_RELAY_REFUSED`).
fn answer_of(s: &MirrorState, row: &RelayRow) -> Response<Body> {
    match &row.outcome {
        Some(o) if o.delivered => match serde_json::from_str::<serde_json::Value>(&o.detail) {
            Ok(v) => (StatusCode::OK, Json(v)).into_response(),
            Err(e) => ApiError::internal(e).into_response(),
        },
        Some(o) => ApiError::new(
            ErrorCode::RelayRefused,
            format!("the board refused this ballot: {}", o.detail),
        )
        .into_response(),
        None => (
            StatusCode::ACCEPTED,
            Json(serde_json::json!({
                "status": "queued",
                "election": row.election,
                "tracking_code": hex::encode(row.tracking_code),
                "received_ms": row.received_ms,
                "mirror_key": hex::encode(s.mirror_key().to_bytes()),
                "promise": hex::encode(&row.promise),
            })),
        )
            .into_response(),
    }
}

async fn queued_row(
    s: &MirrorState,
    election: &str,
    code: &[u8; 32],
) -> Result<Option<RelayRow>, ApiError> {
    s.app.store.relay_row(election, *code).await.map_err(|e| {
        tracing::warn!(error = %e, "read failed");
        ApiError::storage()
    })
}

/// `POST /api/elections/{id}/ballots` on a mirror.
async fn post_ballot(
    State(s): State<Arc<MirrorState>>,
    id: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Response<Body> {
    match intake(&s, id, body).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn intake(
    s: &Arc<MirrorState>,
    id: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response<Body>, ApiError> {
    let shared = crate::http::election(&s.app, id)?;
    if let Some(reason) = s.halted(&shared.id) {
        return Err(ApiError::new(
            ErrorCode::MirrorHalted,
            format!("this mirror stopped following the election: {reason}"),
        ));
    }
    let raw = parse_body(body)?;
    let entry = decode_entry(&raw, tag::BALLOT, "ballot")?;
    let Entry::Ballot(ballot) = entry else {
        return Err(ApiError::internal("ballot tag without a ballot"));
    };
    let code = ballot.tracking_code().0 .0;
    // The same ballot again: the same answer (B3).
    if let Some(row) = queued_row(s, &shared.id, &code).await? {
        return Ok(answer_of(s, &row));
    }
    let in_log = shared.code(&code);
    if in_log.is_some_and(|i| i.spoiled) {
        return Err(ApiError::new(
            ErrorCode::BallotSpoiled,
            "this ballot was audited (spoiled); it can never be cast",
        ));
    }
    let view = shared.view();
    // The cut-off (spec/api.md §8.4): a mirror takes no new ballot once
    // its verified copy holds the close entry; one already in the log is
    // still forwarded, for the board's receipt.
    let ctx = crate::http::ballot_context(&view, in_log.is_none())?;
    // (V1)–(V3), then (V4)–(V5) off the async threads.
    ballot.check_before_crypto(&ctx)?;
    tokio::task::spawn_blocking(move || ballot.verify(&ctx))
        .await
        .map_err(ApiError::internal)??;

    let received_ms = now_ms();
    let promise = MirrorPromise {
        mirror_log_id: s.mirror_key().log_id(&shared.id),
        board_log_id: s.log_key().log_id(&shared.id),
        manifest_hash: view.manifest_hash,
        received_ms,
        leaf_hash: urna_log::leaf_hash(&raw),
        tracking_code: code,
        signature: [0; 64],
    }
    .sign(&s.app.keys.signing);
    let row = RelayRow {
        election: shared.id.clone(),
        tracking_code: code,
        entry: raw,
        received_ms,
        promise: promise.to_bytes(),
        outcome: None,
    };
    let inserted = s.app.store.relay_enqueue(&row).await.map_err(|e| {
        tracing::error!(error = %e, "cannot queue a ballot");
        ApiError::storage()
    })?;
    if !inserted {
        // A concurrent submission of the same ballot won: its answer.
        if let Some(row) = queued_row(s, &shared.id, &code).await? {
            return Ok(answer_of(s, &row));
        }
    }
    // Try the board now; the queue keeps it if the board is unreachable.
    if let Ok(Ok(Some(outcome))) = tokio::time::timeout(DIRECT_RELAY_WAIT, relay_one(s, &row)).await
    {
        if let Err(e) = s
            .app
            .store
            .relay_finish(&row.election, row.tracking_code, &outcome)
            .await
        {
            tracing::warn!(error = %e, "cannot record a relay outcome");
        }
        let row = RelayRow {
            outcome: Some(outcome),
            ..row
        };
        return Ok(answer_of(s, &row));
    }
    Ok(answer_of(s, &row))
}

/// `GET /api/elections/{id}/ballots/{code}` on a mirror: the relay state
/// of a ballot this mirror took.
async fn get_ballot(
    State(s): State<Arc<MirrorState>>,
    params: Result<Path<(String, String)>, PathRejection>,
) -> Response<Body> {
    let r = async {
        let Ok(Path((id, code))) = params else {
            return Err(ApiError::not_found("no such ballot"));
        };
        let shared = crate::http::election(&s.app, Ok(Path(id)))?;
        let bytes: [u8; 32] = hex::decode(&code)
            .ok()
            .and_then(|b| b.try_into().ok())
            .filter(|_| code.bytes().all(|c| !c.is_ascii_uppercase()))
            .ok_or_else(|| ApiError::not_found("a tracking code is 64 lower-case hex digits"))?;
        if let Some(row) = queued_row(&s, &shared.id, &bytes).await? {
            return Ok(answer_of(&s, &row));
        }
        match shared.code(&bytes) {
            Some(info) => Err(ApiError::not_found(format!(
                "this mirror did not relay this ballot; it is in the log at index {} (GET /api/elections/{}/proof/inclusion?index={})",
                info.seq, shared.id, info.seq
            ))),
            None => Err(ApiError::not_found("no ballot with this tracking code")),
        }
    }
    .await;
    match r {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

/// Send one queued ballot upstream. `Some(outcome)` when final (the
/// board's verified receipt, or a refusal that retrying cannot change);
/// `None` when handed to an upstream mirror that queued it in turn;
/// `Err(Unreachable)` to retry later.
pub async fn relay_one(
    s: &MirrorState,
    row: &RelayRow,
) -> Result<Option<RelayOutcome>, MirrorError> {
    let body = serde_json::json!({ "entry": hex::encode(&row.entry) });
    let path = format!("/api/elections/{}/ballots", row.election);
    match s.upstream.call(&path, Some(body)).await? {
        Answer::Ok(202, _) => Ok(None),
        Answer::Ok(_, v) => {
            let receipt: Receipt = serde_json::from_value(v.clone()).map_err(|e| {
                MirrorError::Unreachable(format!("the board's receipt is malformed: {e}"))
            })?;
            // Never hand out a receipt that does not verify (the voter's
            // check would fail; retry instead and say why).
            receipt.verify(&s.log_key(), &row.entry).map_err(|e| {
                MirrorError::Unreachable(format!("the board's receipt does not verify: {e}"))
            })?;
            Ok(Some(RelayOutcome {
                delivered: true,
                detail: v.to_string(),
                at_ms: now_ms(),
            }))
        }
        Answer::Refused(429, r) => Err(MirrorError::Deferred(format!(
            "429 {}: {}",
            r.code, r.message
        ))),
        Answer::Refused(status, r) if status == 408 || status >= 500 => Err(
            MirrorError::Unreachable(format!("{status} {}: {}", r.code, r.message)),
        ),
        Answer::Refused(_, r) => Ok(Some(RelayOutcome {
            delivered: false,
            detail: format!("{}: {}", r.code, r.message),
            at_ms: now_ms(),
        })),
    }
}

/// One pass over the queue, oldest first; stops at the first transient
/// failure (the upstream is down: the next round retries), but moves past
/// a ballot the board defers (429 for its credential), so one voter's
/// rate limit never holds up everyone else's ballots.
pub async fn relay_round(s: &Arc<MirrorState>) {
    let rows = match s.app.store.relay_pending().await {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the relay queue");
            return;
        }
    };
    for row in &rows {
        match relay_one(s, row).await {
            Ok(Some(outcome)) => {
                if !outcome.delivered {
                    tracing::warn!(election = %row.election, refusal = %outcome.detail, "the board refused a relayed ballot");
                }
                if let Err(e) = s
                    .app
                    .store
                    .relay_finish(&row.election, row.tracking_code, &outcome)
                    .await
                {
                    tracing::warn!(error = %e, "cannot record a relay outcome");
                }
            }
            Ok(None) => {}
            Err(MirrorError::Deferred(why)) => {
                tracing::info!(election = %row.election, %why, "relay: ballot deferred; moving on");
            }
            Err(e) => {
                tracing::info!(error = %e, "relay: upstream unavailable; will retry");
                return;
            }
        }
    }
}

/// `GET /api/mirror/status` (`spec/api.md` §8.5).
async fn status(State(s): State<Arc<MirrorState>>) -> Result<Json<serde_json::Value>, ApiError> {
    let counts = s.app.store.relay_counts().await.map_err(|e| {
        tracing::warn!(error = %e, "read failed");
        ApiError::storage()
    })?;
    let evidence = s.app.store.evidence().await.map_err(|e| {
        tracing::warn!(error = %e, "read failed");
        ApiError::storage()
    })?;
    let status = s.status();
    let mut ids: Vec<String> = crate::sequencer::elections(&s.app.registry)
        .iter()
        .map(|e| e.id.clone())
        .collect();
    for k in status.keys() {
        if !ids.contains(k) {
            ids.push(k.clone());
        }
    }
    ids.sort();
    let list: Vec<serde_json::Value> = ids
        .iter()
        .map(|id| {
            let st = status.get(id).cloned().unwrap_or_default();
            let (queued, delivered, refused) = counts
                .iter()
                .find(|c| &c.0 == id)
                .map_or((0, 0, 0), |c| (c.1, c.2, c.3));
            let head = crate::sequencer::lookup(&s.app.registry, id).map(|sh| sh.view().head);
            serde_json::json!({
                "election_id": id,
                "tree_size": head.map(|h| h.tree_size),
                "tree_head": head,
                "halted": st.halted,
                "last_error": st.last_error,
                "last_sync_ms": st.last_sync_ms,
                "relay": { "queued": queued, "delivered": delivered, "refused": refused },
            })
        })
        .collect();
    Ok(Json(serde_json::json!({
        "mirror_key": hex::encode(s.mirror_key().to_bytes()),
        "board_key": hex::encode(s.log_key().to_bytes()),
        "upstream": s.upstream.base,
        "evidence": evidence.len(),
        "elections": list,
    })))
}
