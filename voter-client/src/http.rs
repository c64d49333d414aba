//! [`BoardApi`] over the board's HTTP API (`spec/api.md`), through the wire
//! crate's one board client (`urna_api::client`). Native only; the page
//! uses `fetch` and the same checks.
//!
//! | call | request |
//! |---|---|
//! | board key | `GET /api/board` → `{"board_key", …}` |
//! | election bundle | `GET /api/elections/{id}/entries?start&end` (manifest, ceremony, credential list) |
//! | submit a ballot | `POST /api/elections/{id}/ballots` `{"entry": "<hex>"}` → receipt |
//! | submit an audit | `POST /api/elections/{id}/spoiled` `{"entry", "credential", "signature"}` → receipt |
//! | audited entries | `GET /api/elections/{id}/entries?start&end`, the tag-6 entries |
//! | inclusion proof | `GET /api/elections/{id}/proof/inclusion?index=` |
//!
//! Refusals are `{"code", "message"}` with an HTTP status; they become
//! [`ClientError::Board`]. No cookie, no credential and no identifying
//! header is ever sent (docs/attacks.md G7, C7).

use std::time::Duration;

use urna_api::client::{BoardClient, ClientError as WireError};
use urna_api::wire::{EntriesPage, ENTRIES_PAGE};
use urna_log::{
    check_extends, BoardPublicKey, ConsistencyProof, Evidence, InclusionProof, SignedTreeHead,
};

use crate::board::BoardApi;
use crate::election::ElectionBundle;
use crate::error::{ClientError, Result};
use crate::receipt::BoardReceipt;

/// A board (or mirror) at a base URL such as `http://127.0.0.1:8080` or
/// an onion address.
pub struct HttpBoard {
    client: BoardClient,
}

/// The wire client's errors in the voter client's terms.
fn wire(e: WireError) -> ClientError {
    match e {
        WireError::Refused {
            status,
            code,
            message,
        } => ClientError::Board {
            status: Some(status),
            code,
            message,
        },
        // A mirror that queued a ballot (spec/api.md §8.3).
        WireError::Queued { body } => ClientError::Queued { answer: body },
        WireError::Invalid(m) => ClientError::format("request", m),
        other => ClientError::Transport(other.to_string()),
    }
}

impl HttpBoard {
    /// A client for the board at `base` (no trailing path).
    pub fn new(base: &str) -> Self {
        HttpBoard {
            client: BoardClient::with(
                base,
                "urna-vote",
                Duration::from_secs(30),
                Duration::from_secs(120),
            ),
        }
    }

    /// The latest signed tree head of an election (not verified here).
    pub fn tree_head(&self, election_id: &str) -> Result<SignedTreeHead> {
        self.client.tree_head(election_id).map_err(wire)
    }

    /// A consistency proof between two tree sizes (not verified here).
    pub fn consistency_proof(
        &self,
        election_id: &str,
        first: u64,
        second: u64,
    ) -> Result<ConsistencyProof> {
        self.client
            .consistency_proof(election_id, first, second)
            .map_err(wire)
    }
}

/// Cross-check a board head a client holds against a mirror
/// (`spec/api.md` §8.2, `spec/client.md` §6.3): fetch the mirror's latest
/// head, check it is the board key's, and check that the smaller of the
/// two trees is a prefix of the larger with a consistency proof from the
/// server holding the larger one. Returns the mirror's head.
///
/// A mismatch is [`ClientError::Inconsistent`], carrying evidence
/// (`spec/log.md` §9) when the two heads alone prove the board signed a
/// fork (same size, different roots; or a rollback).
pub fn cross_check(
    board: &HttpBoard,
    mirror: &HttpBoard,
    election_id: &str,
    key: &BoardPublicKey,
    head: &SignedTreeHead,
) -> Result<SignedTreeHead> {
    let ours = head.verify(key, election_id)?;
    let theirs_raw = mirror.tree_head(election_id)?;
    let theirs = theirs_raw
        .verify(key, election_id)
        .map_err(|e| ClientError::Receipt {
            code: e.code(),
            reason: format!("the mirror's tree head is not signed by the board key: {e}"),
        })?;
    if let Some(ev) = Evidence::from_heads(*key, *head, theirs_raw) {
        return Err(ClientError::Inconsistent {
            reason: format!(
                "the board key signed two heads no honest board signs together (sizes {} and {})",
                head.tree_size, theirs_raw.tree_size
            ),
            evidence: serde_json::to_string_pretty(&ev).ok(),
        });
    }
    let (small, large, source) = if theirs_raw.tree_size >= head.tree_size {
        (&ours, &theirs, mirror)
    } else {
        (&theirs, &ours, board)
    };
    let proof = source.consistency_proof(
        election_id,
        small.signed().tree_size,
        large.signed().tree_size,
    )?;
    check_extends(small, large, &proof).map_err(|e| ClientError::Inconsistent {
        reason: format!(
            "the tree of size {} is not a prefix of the tree of size {}: {e}",
            small.signed().tree_size,
            large.signed().tree_size
        ),
        evidence: None,
    })?;
    Ok(theirs_raw)
}

impl BoardApi for HttpBoard {
    fn board_key(&self) -> Result<BoardPublicKey> {
        self.client.board_key().map_err(wire)
    }

    fn election_bundle(&self, election_id: &str) -> Result<ElectionBundle> {
        if !urna_election::manifest::valid_id(election_id) {
            return Err(ClientError::format(
                "election id",
                "not a valid election id",
            ));
        }
        let board_key = self.board_key()?;
        let mut entries = Vec::new();
        // Page by page, only as far as the bundle needs (manifest, ceremony,
        // credential list), not the whole log.
        loop {
            let start = entries.len() as u64;
            let page: EntriesPage = self
                .client
                .get(&format!(
                    "/api/elections/{election_id}/entries?start={start}&end={}",
                    start + ENTRIES_PAGE
                ))
                .map_err(wire)?;
            for row in &page.entries {
                if row.index != entries.len() as u64 {
                    return Err(ClientError::Transport(
                        "the board sent entries out of order".into(),
                    ));
                }
                entries.push(urna_crypto::group::hex_decode(&row.entry, "entry")?);
            }
            if let Some(b) = ElectionBundle::from_log_entries(&entries, Some(&board_key))? {
                return Ok(b);
            }
            if page.entries.is_empty() || entries.len() as u64 >= page.tree_size {
                return Err(ClientError::format(
                    "election",
                    "the board's log has no credential list yet: the election is not ready",
                ));
            }
        }
    }

    fn submit_ballot(&self, election_id: &str, entry: &[u8]) -> Result<BoardReceipt> {
        self.submit(election_id, entry, urna_election::entry::tag::BALLOT)
    }

    fn submit_spoiled(
        &self,
        election_id: &str,
        entry: &[u8],
        request: &urna_election::AuditRequest,
    ) -> Result<BoardReceipt> {
        if entry.first() != Some(&urna_election::entry::tag::SPOILED) {
            return Err(ClientError::format("entry", "not an audited-ballot entry"));
        }
        self.client
            .post_audit(
                election_id,
                entry,
                &request.credential.to_bytes(),
                &request.signature.to_bytes(),
            )
            .map_err(wire)
    }

    fn audited_entries(&self, election_id: &str) -> Result<Vec<Vec<u8>>> {
        let mut all = self.client.entries(election_id).map_err(wire)?;
        all.retain(|e| e.first() == Some(&urna_election::entry::tag::SPOILED));
        Ok(all)
    }

    fn inclusion_proof(
        &self,
        election_id: &str,
        log_index: u64,
    ) -> Result<(SignedTreeHead, InclusionProof)> {
        let (head, proof) = self
            .client
            .inclusion_proof(election_id, log_index)
            .map_err(wire)?;
        let head = head.ok_or_else(|| {
            ClientError::Transport("the board sent no tree head with the proof".into())
        })?;
        Ok((head, proof))
    }
}

impl HttpBoard {
    /// Post a ballot or audit entry, refusing to send any other kind of
    /// entry under that name.
    fn submit(&self, election_id: &str, entry: &[u8], tag: u8) -> Result<BoardReceipt> {
        if entry.first() != Some(&tag) {
            return Err(ClientError::format(
                "entry",
                "not an entry of the kind being submitted",
            ));
        }
        self.client.post_entry(election_id, entry).map_err(wire)
    }
}
