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
//! header is ever sent (SECURITY-CASES G7, C7).

use std::time::Duration;

use serde::Deserialize;
use urna_log::{BoardPublicKey, InclusionProof, SignedTreeHead};

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
    if !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
    {
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
