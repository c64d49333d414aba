//! Signed-tree-head gossip and equivocation evidence (`spec/api.md` §8.2,
//! `spec/log.md` §9, docs/attacks.md E5).
//!
//! Mirrors compare the board heads they hold. Each gossip round, a mirror
//! *pulls* every configured peer's latest heads (`GET /api/elections`,
//! which boards and mirrors both serve) and checks each against its own
//! verified log, fetching proofs from that peer when the heads alone do
//! not decide; then it *pushes* its own latest heads to the peer
//! (`POST /api/gossip/tree-heads`). Pushed heads are checked without
//! fetching anything (the pusher is anonymous and is never called back).
//!
//! A head is checked against this mirror's log (G1)–(G4):
//! - (G1) it must verify under the board key, else it is ignored (a forged
//!   head proves nothing);
//! - (G2) with any stored head it may form split-view or rollback evidence
//!   ((L25), (L26));
//! - (G3) if it is not larger than the verified tree, its root must be the
//!   root of the verified tree at its size; if not, the peer is asked for
//!   the first differing leaf and its inclusion proof, which makes
//!   conflicting-leaf evidence (L27);
//! - (G4) if it is larger, the peer's consistency proof from the verified
//!   head must hold ((L21)); if not, a conflicting leaf is looked for as
//!   in (G3).
//!
//! Only evidence that verifies ([`Evidence::verify`]) is kept: a failing
//! consistency proof alone is not evidence (`spec/log.md` (L24)) and is
//! reported as an unproven conflict.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use urna_log::{check_extends, ConsistencyProof, Evidence, SignedTreeHead};

use super::{find_conflict, kind_name, MirrorError, MirrorState, Upstream};
use crate::error::ApiError;
use crate::sequencer::lookup;
use urna_api::ErrorCode;

/// Most heads one push may carry.
pub const MAX_PUSHED_HEADS: usize = 16;

/// What checking one head against the verified log found.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "verdict", content = "detail")]
pub enum Verdict {
    /// Consistent with the verified log.
    Consistent,
    /// Larger than the verified log, and nobody to ask for a proof.
    Ahead,
    /// Not an election this mirror follows.
    UnknownElection,
    /// Evidence of equivocation was found and kept (its kind).
    Evidence(String),
    /// Inconsistent, but not provably so (no peer proof to build evidence).
    Conflict(String),
}

/// Check one board head for election `id` against this mirror's verified
/// log (G1)–(G4), asking `source` for proofs when given. Evidence found
/// is kept and stops the mirror following the election.
pub async fn check_head(
    s: &MirrorState,
    id: &str,
    head: SignedTreeHead,
    source: Option<&Upstream>,
) -> Result<Verdict, MirrorError> {
    let key = s.log_key();
    // (G1)
    let verified = head.verify(&key, id).map_err(|e| {
        MirrorError::Misbehaviour(format!(
            "{}: the head does not verify under the board key: {e}",
            e.code()
        ))
    })?;
    let Some(shared) = lookup(&s.app.registry, id) else {
        return Ok(Verdict::UnknownElection);
    };
    // (G2) Stored heads grow in size and time (the mirror enforces
    // (L19), (L20)), so only two can pair with `head`: the one of the
    // same size (split view, L25) and the first larger one, the earliest
    // of those that `head` could roll back (L26). Two signature checks,
    // however long the log: pushes are anonymous. Both come from the
    // head index in memory (`heads.rs`), never from a database scan.
    let same = crate::heads::of_size(&shared.heads, &shared.tree, head.tree_size);
    let next = crate::heads::first_above(&shared.heads, &shared.tree, head.tree_size);
    for h in [same, next].into_iter().flatten() {
        if let Some(ev) = Evidence::from_heads(key, h, head) {
            s.keep_evidence(id, &ev).await?;
            return Ok(Verdict::Evidence(kind_of(&ev)));
        }
    }
    let ours = shared.view().head;
    if head.tree_size <= ours.tree_size {
        // (G3)
        let root = {
            let tree = match shared.tree.read() {
                Ok(t) => t,
                Err(p) => p.into_inner(),
            };
            tree.root_at(head.tree_size).ok()
        };
        if root == Some(head.root_hash) {
            return Ok(Verdict::Consistent);
        }
    } else {
        // (G4)
        let Some(source) = source else {
            return Ok(Verdict::Ahead);
        };
        let proof: Result<ConsistencyProof, _> = source
            .get_json(&format!(
                "/api/elections/{id}/proof/consistency?first={}&second={}",
                ours.tree_size, head.tree_size
            ))
            .await
            .and_then(|v| {
                serde_json::from_value(v.get("consistency_proof").cloned().unwrap_or_default())
                    .map_err(|e| MirrorError::Unreachable(format!("malformed proof: {e}")))
            });
        if let (Ok(proof), Ok(o)) = (proof, ours.verify(&key, id)) {
            if check_extends(&o, &verified, &proof).is_ok() {
                return Ok(Verdict::Consistent);
            }
        }
    }
    let Some(source) = source else {
        return Ok(Verdict::Conflict(format!(
            "the head of size {} does not match this mirror's verified log of size {}",
            head.tree_size, ours.tree_size
        )));
    };
    match find_conflict(source, &key, &shared, ours, head).await? {
        Some(ev) => {
            s.keep_evidence(id, &ev).await?;
            Ok(Verdict::Evidence(kind_of(&ev)))
        }
        None => Ok(Verdict::Conflict(format!(
            "{} could not show how its head of size {} extends this mirror's log of size {}",
            source.base, head.tree_size, ours.tree_size
        ))),
    }
}

fn kind_of(ev: &Evidence) -> String {
    ev.verify()
        .map(|k| kind_name(&k).to_string())
        .unwrap_or_default()
}

/// One gossip round with every peer: pull and check, then push.
pub async fn gossip_round(s: &Arc<MirrorState>) {
    for peer in &s.peers {
        let items = match super::follow::listed(peer, super::follow::MAX_FOLLOWED).await {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(peer = %peer.base, error = %e, "gossip: peer unreachable");
                continue;
            }
        };
        for item in items {
            let Some(id) = item.get("election_id").and_then(|v| v.as_str()) else {
                continue;
            };
            let Ok(head) = serde_json::from_value::<SignedTreeHead>(
                item.get("tree_head").cloned().unwrap_or_default(),
            ) else {
                continue;
            };
            match check_head(s, id, head, Some(peer)).await {
                Ok(Verdict::Conflict(why)) => {
                    tracing::warn!(peer = %peer.base, election = id, %why, "gossip: unproven conflict")
                }
                Ok(Verdict::Evidence(kind)) => {
                    tracing::error!(peer = %peer.base, election = id, %kind, "gossip: equivocation evidence")
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(peer = %peer.base, election = id, error = %e, "gossip: head not checked")
                }
            }
        }
        // Push our latest heads (a board peer answers 404: ignored).
        let ours: Vec<(String, SignedTreeHead)> = crate::sequencer::elections(&s.app.registry)
            .iter()
            .map(|e| (e.id.clone(), e.view().head))
            .collect();
        for (id, head) in ours {
            let body = serde_json::json!({ "election": id, "tree_heads": [head] });
            let _ = peer.call("/api/gossip/tree-heads", Some(body)).await;
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Push {
    election: String,
    tree_heads: Vec<SignedTreeHead>,
}

/// `POST /api/gossip/tree-heads` (`spec/api.md` §8.2).
pub async fn post_heads(
    State(s): State<Arc<MirrorState>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let body =
        body.map_err(|_| ApiError::new(ErrorCode::Encoding, "the body could not be read"))?;
    let push: Push = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            ErrorCode::Encoding,
            format!(
                "the body must be {{\"election\": ID, \"tree_heads\": [SignedTreeHead…]}}: {e}"
            ),
        )
    })?;
    if push.tree_heads.len() > MAX_PUSHED_HEADS {
        return Err(ApiError::new(
            ErrorCode::Invalid,
            format!("at most {MAX_PUSHED_HEADS} heads per push"),
        ));
    }
    if !urna_election::manifest::valid_id(&push.election) {
        return Err(ApiError::not_found("no such election"));
    }
    let mut verdicts = Vec::new();
    for (i, head) in push.tree_heads.into_iter().enumerate() {
        match check_head(&s, &push.election, head, None).await {
            Ok(v) => verdicts.push(v),
            Err(MirrorError::Misbehaviour(m)) => {
                return Err(ApiError::new(
                    ErrorCode::CheckpointInvalid,
                    format!("tree head {i}: {m}"),
                ))
            }
            Err(e) => {
                tracing::warn!(error = %e, "gossip push not checked");
                return Err(ApiError::storage());
            }
        }
    }
    if let Some(v) = verdicts
        .iter()
        .find(|v| matches!(v, Verdict::Evidence(_) | Verdict::Conflict(_)))
    {
        return Err(ApiError::new(
            ErrorCode::LogEquivocation,
            format!("a pushed head is inconsistent with this mirror's verified log: {v:?}"),
        ));
    }
    Ok(Json(serde_json::json!({ "verdicts": verdicts })))
}

/// `GET /api/evidence` (`spec/api.md` §8.2): every piece kept, with its
/// JSON form (`spec/log.md` §11) and canonical encoding (L22).
pub async fn get_evidence(
    State(s): State<Arc<MirrorState>>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let rows = s.app.store.evidence().await.map_err(|e| {
        tracing::warn!(error = %e, "read failed");
        ApiError::storage()
    })?;
    let list: Vec<serde_json::Value> = rows
        .iter()
        .filter_map(|r| {
            let ev = Evidence::decode(&r.evidence).ok()?;
            Some(serde_json::json!({
                "election": r.election,
                "kind": r.kind,
                "found_ms": r.found_ms,
                "evidence": ev,
                "encoded": hex::encode(&r.evidence),
            }))
        })
        .collect();
    Ok(Json(serde_json::json!({ "evidence": list })))
}
