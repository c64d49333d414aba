//! [`BoardApi`] over the board's HTTP API (`bulletin-board/src/http.rs`,
//! `spec/api.md`), with a small blocking client (`ureq`). Native only; the
//! page uses `fetch` and the same checks.
//!
//! | call | request |
//! |---|---|
//! | board key | `GET /api/board` → `{"board_key", …}` |
//! | election bundle | `GET /api/elections/{id}/entries?start&end` (manifest, ceremony, credential list) |
//! | submit a ballot | `POST /api/elections/{id}/ballots` `{"entry": "<hex>"}` → receipt |
//! | submit an audit | `POST /api/elections/{id}/spoiled` `{"entry": "<hex>"}` → receipt |
//! | inclusion proof | `GET /api/elections/{id}/proof/inclusion?index=` |
//!
//! Refusals are `{"code", "message"}` with an HTTP status; they become
//! [`ClientError::Board`]. No cookie, no credential and no identifying
//! header is ever sent (docs/attacks.md G7, C7).

use std::time::Duration;

use serde::Deserialize;
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
    base: String,
    agent: ureq::Agent,
}

#[derive(Deserialize)]
struct ErrorBody {
    code: String,
    message: String,
}

#[derive(Deserialize)]
struct BoardInfo {
    board_key: String,
}

#[derive(Deserialize)]
struct EntryRow {
    index: u64,
    entry: String,
}

#[derive(Deserialize)]
struct EntriesPage {
    tree_size: u64,
    entries: Vec<EntryRow>,
}

#[derive(Deserialize)]
struct InclusionAnswer {
    inclusion_proof: InclusionProof,
    tree_head: Option<SignedTreeHead>,
}

fn path_segment(id: &str) -> Result<&str> {
    if urna_election::manifest::valid_id(id) {
        Ok(id)
    } else {
        Err(ClientError::format(
            "election id",
            "not a valid election id",
        ))
    }
}

impl HttpBoard {
    /// A client for the board at `base` (no trailing path).
    pub fn new(base: &str) -> Self {
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(Duration::from_secs(30))
            .timeout(Duration::from_secs(120))
            .user_agent("urna-vote")
            .build();
        HttpBoard {
            base: base.trim_end_matches('/').to_string(),
            agent,
        }
    }

    fn answer<T: for<'de> Deserialize<'de>>(
        r: core::result::Result<ureq::Response, ureq::Error>,
    ) -> Result<T> {
        match r {
            // A mirror that queued a ballot (spec/api.md §8.3).
            Ok(resp) if resp.status() == 202 => Err(ClientError::Queued {
                answer: resp
                    .into_string()
                    .map_err(|e| ClientError::Transport(format!("unreadable answer: {e}")))?,
            }),
            Ok(resp) => resp
                .into_json::<T>()
                .map_err(|e| ClientError::Transport(format!("unreadable answer: {e}"))),
            Err(ureq::Error::Status(status, resp)) => {
                let body: core::result::Result<ErrorBody, _> = resp.into_json();
                Err(match body {
                    Ok(b) => ClientError::Board {
                        status: Some(status),
                        code: b.code,
                        message: b.message,
                    },
                    Err(_) => ClientError::Board {
                        status: Some(status),
                        code: "ERR_HTTP".into(),
                        message: format!("HTTP status {status}"),
                    },
                })
            }
            Err(e) => Err(ClientError::Transport(e.to_string())),
        }
    }

    fn get<T: for<'de> Deserialize<'de>>(&self, path: &str) -> Result<T> {
        Self::answer(self.agent.get(&format!("{}{path}", self.base)).call())
    }

    fn post_entry(&self, path: &str, entry: &[u8]) -> Result<BoardReceipt> {
        let body = serde_json::json!({ "entry": hex::encode(entry) });
        Self::answer(
            self.agent
                .post(&format!("{}{path}", self.base))
                .send_json(body),
        )
    }
}

#[derive(Deserialize)]
struct TreeHeadAnswer {
    tree_head: SignedTreeHead,
}

#[derive(Deserialize)]
struct ConsistencyAnswer {
    consistency_proof: ConsistencyProof,
}

impl HttpBoard {
    /// The latest signed tree head of an election (not verified here).
    pub fn tree_head(&self, election_id: &str) -> Result<SignedTreeHead> {
        let id = path_segment(election_id)?;
        let a: TreeHeadAnswer = self.get(&format!("/api/elections/{id}/tree-head"))?;
        Ok(a.tree_head)
    }

    /// A consistency proof between two tree sizes (not verified here).
    pub fn consistency_proof(
        &self,
        election_id: &str,
        first: u64,
        second: u64,
    ) -> Result<ConsistencyProof> {
        let id = path_segment(election_id)?;
        let a: ConsistencyAnswer = self.get(&format!(
            "/api/elections/{id}/proof/consistency?first={first}&second={second}"
        ))?;
        Ok(a.consistency_proof)
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
        let info: BoardInfo = self.get("/api/board")?;
        let b = urna_crypto::group::hex_decode(&info.board_key, "board_key")?;
        Ok(BoardPublicKey::from_bytes(&b)?)
    }

    fn election_bundle(&self, election_id: &str) -> Result<ElectionBundle> {
        let id = path_segment(election_id)?;
        let board_key = self.board_key()?;
        let mut entries = Vec::new();
        loop {
            let start = entries.len() as u64;
            let page: EntriesPage = self.get(&format!(
                "/api/elections/{id}/entries?start={start}&end={}",
                start + 1000
            ))?;
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
        let id = path_segment(election_id)?;
        self.post_entry(&format!("/api/elections/{id}/ballots"), entry)
    }

    fn submit_spoiled(&self, election_id: &str, entry: &[u8]) -> Result<BoardReceipt> {
        let id = path_segment(election_id)?;
        self.post_entry(&format!("/api/elections/{id}/spoiled"), entry)
    }

    fn inclusion_proof(
        &self,
        election_id: &str,
        log_index: u64,
    ) -> Result<(SignedTreeHead, InclusionProof)> {
        let id = path_segment(election_id)?;
        let a: InclusionAnswer = self.get(&format!(
            "/api/elections/{id}/proof/inclusion?index={log_index}"
        ))?;
        let head = a.tree_head.ok_or_else(|| {
            ClientError::Transport("the board sent no tree head with the proof".into())
        })?;
        Ok((head, a.inclusion_proof))
    }
}
