//! A small blocking client of the board's HTTP API (`spec/api.md`) for the
//! command-line tools: trustees post their ceremony messages and shares and
//! fetch the others', auditors and trustees download the record, the
//! organizer's tool (`urna`) posts the lifecycle entries.
//!
//! It only moves bytes: nothing it downloads is trusted. The record is
//! verified by [`crate::verify`], ceremony messages by the trustee tool.
//! It sends no cookie and no identifying header (docs/attacks.md C7).

use std::io::Read;
use std::time::Duration;

use serde::Deserialize;
use urna_election::entry::tag;

/// The board the tools talk to when none is given: a board started on this
/// machine with its defaults (`urna-board`, `urna demo`).
pub const DEFAULT_BOARD: &str = "http://127.0.0.1:8080";

/// The environment variable that names the board instead of `--board`.
pub const BOARD_ENV: &str = "URNA_BOARD_URL";

/// Largest record downloaded (bytes); larger answers are cut off.
pub const MAX_RECORD: u64 = 64 << 30;

/// What went wrong talking to a board.
#[derive(Debug, thiserror::Error)]
pub enum BoardError {
    /// The board answered with a refusal (`spec/api.md` §3).
    #[error("the board refused it: {message} ({code}, HTTP {status})")]
    Refused {
        /// HTTP status.
        status: u16,
        /// Stable error code, e.g. `ERR_LIFECYCLE`.
        code: String,
        /// The board's explanation.
        message: String,
    },
    /// No answer (wrong address, board down, network cut).
    #[error(
        "cannot reach the board at {base}: {reason} (is it running? give its address with \
         --board or {BOARD_ENV})"
    )]
    Unreachable {
        /// The board's base URL.
        base: String,
        /// The cause.
        reason: String,
    },
    /// An answer that is not what the API promises.
    #[error("the board at {base} gave an answer that makes no sense: {reason}")]
    BadAnswer {
        /// The board's base URL.
        base: String,
        /// What is wrong.
        reason: String,
    },
    /// An argument that cannot be sent.
    #[error("{0}")]
    Invalid(String),
}

impl BoardError {
    /// The board's error code, if it refused.
    pub fn code(&self) -> Option<&str> {
        match self {
            BoardError::Refused { code, .. } => Some(code),
            _ => None,
        }
    }
}

/// A board's base URL and an HTTP agent.
pub struct BoardClient {
    base: String,
    agent: ureq::Agent,
}

#[derive(Deserialize)]
struct ErrorBody {
    code: String,
    message: String,
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

/// `[a-z0-9_-]{1,64}` (`spec/record.md` §3.1).
fn check_id(id: &str) -> Result<&str, BoardError> {
    if urna_election::manifest::valid_id(id) {
        Ok(id)
    } else {
        Err(BoardError::Invalid(format!(
            "`{id}` is not an election id (1 to 64 of a-z, 0-9, - and _)"
        )))
    }
}

/// The endpoint that takes an entry, by its tag (`spec/api.md` §5).
pub fn entry_path(election: &str, entry: &[u8]) -> Result<String, BoardError> {
    let id = check_id(election)?;
    let suffix = match (entry.first().copied(), entry.get(1).copied()) {
        (Some(tag::MANIFEST), _) => return Ok("/api/elections".into()),
        (Some(tag::CEREMONY), _) => "ceremony",
        (Some(tag::CREDENTIALS), _) => "credentials",
        (Some(tag::REPLACEMENT), _) => "credentials/replace",
        (Some(tag::STATE), Some(1)) => "open",
        (Some(tag::STATE), _) => "close",
        (Some(tag::BALLOT), _) => "ballots",
        (Some(tag::SPOILED), _) => "spoiled",
        (Some(tag::TALLY), _) => "tally-shares",
        (Some(tag::RESULT), _) => "result",
        _ => {
            return Err(BoardError::Invalid(
                "not a log entry (unknown first byte)".into(),
            ))
        }
    };
    Ok(format!("/api/elections/{id}/{suffix}"))
}

impl BoardClient {
    /// A client of the board at `base` (e.g. `http://127.0.0.1:8080`).
    pub fn new(base: &str) -> Self {
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(Duration::from_secs(30))
            .timeout(Duration::from_secs(600))
            .user_agent("urna-tools")
            .build();
        BoardClient {
            base: base.trim_end_matches('/').to_string(),
            agent,
        }
    }

    /// The base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    fn unreachable(&self, e: impl std::fmt::Display) -> BoardError {
        BoardError::Unreachable {
            base: self.base.clone(),
            reason: e.to_string(),
        }
    }

    fn bad(&self, reason: impl Into<String>) -> BoardError {
        BoardError::BadAnswer {
            base: self.base.clone(),
            reason: reason.into(),
        }
    }

    fn answer(&self, r: Result<ureq::Response, ureq::Error>) -> Result<ureq::Response, BoardError> {
        match r {
            Ok(resp) => Ok(resp),
            Err(ureq::Error::Status(status, resp)) => Err(match resp.into_json::<ErrorBody>() {
                Ok(b) => BoardError::Refused {
                    status,
                    code: b.code,
                    message: b.message,
                },
                Err(_) => BoardError::Refused {
                    status,
                    code: "ERR_HTTP".into(),
                    message: format!("HTTP status {status}"),
                },
            }),
            Err(e) => Err(self.unreachable(e)),
        }
    }

    /// `GET path` as JSON.
    pub fn get_json(&self, path: &str) -> Result<serde_json::Value, BoardError> {
        let r = self.answer(self.agent.get(&format!("{}{path}", self.base)).call())?;
        r.into_json().map_err(|e| self.bad(e.to_string()))
    }

    /// Post an entry (canonical bytes) to the endpoint for its kind; the
    /// board's receipt (`spec/api.md` §4) as JSON.
    pub fn post_entry(
        &self,
        election: &str,
        entry: &[u8],
    ) -> Result<serde_json::Value, BoardError> {
        let path = entry_path(election, entry)?;
        let body = serde_json::json!({ "entry": hex::encode(entry) });
        let r = self.answer(
            self.agent
                .post(&format!("{}{path}", self.base))
                .send_json(body),
        )?;
        r.into_json().map_err(|e| self.bad(e.to_string()))
    }

    /// `GET /api/elections/{id}`: the election's state (`spec/api.md` §5.9).
    pub fn election(&self, election: &str) -> Result<serde_json::Value, BoardError> {
        self.get_json(&format!("/api/elections/{}", check_id(election)?))
    }

    /// Every entry of the election's log under its latest head, in order.
    pub fn entries(&self, election: &str) -> Result<Vec<Vec<u8>>, BoardError> {
        let id = check_id(election)?;
        let mut out: Vec<Vec<u8>> = Vec::new();
        loop {
            let start = out.len() as u64;
            let r = self.answer(
                self.agent
                    .get(&format!(
                        "{}/api/elections/{id}/entries?start={start}&end={}",
                        self.base,
                        start + 1000
                    ))
                    .call(),
            )?;
            let page: EntriesPage = r.into_json().map_err(|e| self.bad(e.to_string()))?;
            for row in &page.entries {
                if row.index != out.len() as u64 {
                    return Err(self.bad("entries out of order"));
                }
                out.push(hex::decode(&row.entry).map_err(|_| self.bad("an entry is not hex"))?);
            }
            if out.len() as u64 >= page.tree_size || page.entries.is_empty() {
                return Ok(out);
            }
        }
    }

    /// Download the election record (`GET /api/elections/{id}/record`).
    pub fn record(&self, election: &str) -> Result<Vec<u8>, BoardError> {
        let id = check_id(election)?;
        let r = self.answer(
            self.agent
                .get(&format!("{}/api/elections/{id}/record", self.base))
                .call(),
        )?;
        let mut bytes = Vec::new();
        r.into_reader()
            .take(MAX_RECORD)
            .read_to_end(&mut bytes)
            .map_err(|e| self.unreachable(format!("the download broke off: {e}")))?;
        Ok(bytes)
    }
}

/// The board URL to use: the flag, else [`BOARD_ENV`], else [`DEFAULT_BOARD`].
pub fn board_url(flag: Option<&str>) -> String {
    flag.map(str::to_string)
        .or_else(|| std::env::var(BOARD_ENV).ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| DEFAULT_BOARD.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_go_to_the_endpoint_of_their_kind() {
        assert_eq!(entry_path("e1", &[1]).unwrap(), "/api/elections");
        assert_eq!(
            entry_path("e1", &[2, 0]).unwrap(),
            "/api/elections/e1/ceremony"
        );
        assert_eq!(entry_path("e1", &[4, 1]).unwrap(), "/api/elections/e1/open");
        assert_eq!(
            entry_path("e1", &[4, 2]).unwrap(),
            "/api/elections/e1/close"
        );
        assert_eq!(
            entry_path("e1", &[9]).unwrap(),
            "/api/elections/e1/credentials/replace"
        );
        assert!(entry_path("e1", &[0]).is_err());
        assert!(entry_path("E1/../x", &[5]).is_err());
    }
}
