//! The one blocking client of the board's HTTP API (`spec/api.md`), used
//! by every native tool: the voter's `urna-vote`, the trustee and
//! organizer tools, the auditor's `tally fetch`, the demo, and the mirror
//! (which runs it on tokio's blocking pool).
//!
//! It only moves bytes: nothing it downloads is trusted. Records are
//! verified by `tally verify`, receipts by their own checks, ceremony
//! messages by the trustee tool. It sends no cookie and no identifying
//! header besides a generic user agent (docs/attacks.md C7). Every answer
//! is read with a size cap, so a hostile server cannot make a client
//! buffer without bound.

use std::io::Read;
use std::time::Duration;

use serde::de::DeserializeOwned;
use urna_log::{BoardPublicKey, ConsistencyProof, InclusionProof, SignedTreeHead};

use crate::wire::{
    AuditBody, BoardInfo, ConsistencyAnswer, EntriesPage, EntryBody, InclusionAnswer,
    TreeHeadAnswer, ENTRIES_PAGE,
};
use crate::{ErrorBody, Receipt};

/// The board the tools talk to when none is given: a board started on this
/// machine with its defaults (`urna-board`, `urna demo`).
pub const DEFAULT_BOARD: &str = "http://127.0.0.1:8080";

/// The environment variable that names the board instead of `--board`.
pub const BOARD_ENV: &str = "URNA_BOARD_URL";

/// Largest record downloaded (bytes); larger answers are cut off.
pub const MAX_RECORD: u64 = 64 << 30;

/// Largest JSON answer read (bytes): a page of 1,000 entries of up to
/// 1 MiB each, hex-encoded, fits.
pub const MAX_JSON: u64 = 2 << 30;

/// What went wrong talking to a board.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The board answered with a refusal (`spec/api.md` §3).
    #[error("the board refused it: {message} ({code}, HTTP {status})")]
    Refused {
        /// HTTP status.
        status: u16,
        /// Stable error code, e.g. `ERR_LIFECYCLE` (`ERR_HTTP` when the
        /// answer had no error body).
        code: String,
        /// The board's explanation.
        message: String,
    },
    /// `202 Accepted`: a mirror queued the submission for the board
    /// (`spec/api.md` §8.3); the body is its signed promise.
    #[error("a mirror queued it for the board (HTTP 202)")]
    Queued {
        /// The answer's body (JSON).
        body: String,
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
    /// An answer larger than the caller's bound for it (read no further).
    #[error("the board at {base} sent an answer larger than {limit} bytes, the most a correct one can be")]
    TooLarge {
        /// The board's base URL.
        base: String,
        /// The bound, bytes.
        limit: u64,
    },
    /// An argument that cannot be sent.
    #[error("{0}")]
    Invalid(String),
}

impl ClientError {
    /// The board's error code, if it refused.
    pub fn code(&self) -> Option<&str> {
        match self {
            ClientError::Refused { code, .. } => Some(code),
            _ => None,
        }
    }
}

/// A 2xx answer, or a refusal, as data (for callers that act on statuses,
/// such as a mirror relaying ballots).
#[derive(Clone, Debug)]
pub enum Answer {
    /// 2xx: status and JSON body.
    Ok(u16, serde_json::Value),
    /// 4xx/5xx: status and the error body (`ERR_HTTP` if there was none).
    Refused(u16, ErrorBody),
}

/// `[a-z0-9_-]{1,64}` (`spec/record.md` §3.1).
fn check_id(id: &str) -> Result<&str, ClientError> {
    if urna_election::manifest::valid_id(id) {
        Ok(id)
    } else {
        Err(ClientError::Invalid(format!(
            "`{id}` is not an election id (1 to 64 of a-z, 0-9, - and _)"
        )))
    }
}

/// The endpoint that takes an entry, by its tag (`spec/api.md` §5).
pub fn entry_path(election: &str, entry: &[u8]) -> Result<String, ClientError> {
    use urna_election::entry::tag;
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
            return Err(ClientError::Invalid(
                "not a log entry (unknown first byte)".into(),
            ))
        }
    };
    Ok(format!("/api/elections/{id}/{suffix}"))
}

/// The board URL to use: the flag, else [`BOARD_ENV`], else [`DEFAULT_BOARD`].
pub fn board_url(flag: Option<&str>) -> String {
    flag.map(str::to_string)
        .or_else(|| std::env::var(BOARD_ENV).ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| DEFAULT_BOARD.to_string())
}

/// A board's (or mirror's) base URL and an HTTP agent.
#[derive(Clone)]
pub struct BoardClient {
    base: String,
    agent: ureq::Agent,
}

impl BoardClient {
    /// A client of the board at `base` (e.g. `http://127.0.0.1:8080`) for
    /// the command-line tools: generous timeouts for large records.
    pub fn new(base: &str) -> Self {
        Self::with(
            base,
            "urna-tools",
            Duration::from_secs(30),
            Duration::from_secs(600),
        )
    }

    /// A client with its own user agent and timeouts (connect, whole call).
    pub fn with(base: &str, user_agent: &str, connect: Duration, call: Duration) -> Self {
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(connect)
            .timeout(call)
            .user_agent(user_agent)
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

    fn unreachable(&self, e: impl std::fmt::Display) -> ClientError {
        ClientError::Unreachable {
            base: self.base.clone(),
            reason: e.to_string(),
        }
    }

    fn bad(&self, reason: impl Into<String>) -> ClientError {
        ClientError::BadAnswer {
            base: self.base.clone(),
            reason: reason.into(),
        }
    }

    /// One request (`POST` of `body` when given) with the answer as data:
    /// refusals are an [`Answer`], not an error; errors mean no answer.
    pub fn call(
        &self,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<Answer, ClientError> {
        self.call_limited(path, body, MAX_JSON)
    }

    /// [`BoardClient::call`] reading at most `limit` bytes of the answer:
    /// a longer one is [`ClientError::TooLarge`] (a mirror bounds each
    /// read by what a correct answer can be).
    pub fn call_limited(
        &self,
        path: &str,
        body: Option<&serde_json::Value>,
        limit: u64,
    ) -> Result<Answer, ClientError> {
        let url = format!("{}{path}", self.base);
        let r = match body {
            None => self.agent.get(&url).call(),
            Some(b) => self.agent.post(&url).send_json(b),
        };
        match r {
            Ok(resp) => {
                let status = resp.status();
                Ok(Answer::Ok(status, self.read_limited(resp, limit)?))
            }
            Err(ureq::Error::Status(status, resp)) => {
                let body = self
                    .read_limited::<ErrorBody>(resp, limit)
                    .unwrap_or(ErrorBody {
                        code: "ERR_HTTP".into(),
                        message: format!("HTTP status {status}"),
                    });
                Ok(Answer::Refused(status, body))
            }
            Err(e) => Err(self.unreachable(e)),
        }
    }

    fn read_limited<T: DeserializeOwned>(
        &self,
        resp: ureq::Response,
        limit: u64,
    ) -> Result<T, ClientError> {
        let mut bytes = Vec::new();
        resp.into_reader()
            .take(limit.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|e| self.unreachable(e))?;
        if bytes.len() as u64 > limit {
            return Err(ClientError::TooLarge {
                base: self.base.clone(),
                limit,
            });
        }
        serde_json::from_slice(&bytes).map_err(|e| self.bad(format!("unreadable answer: {e}")))
    }

    /// A request whose refusals are errors; a `202` is [`ClientError::Queued`].
    fn expect<T: DeserializeOwned>(
        &self,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<T, ClientError> {
        match self.call(path, body)? {
            Answer::Ok(202, v) if body.is_some() => Err(ClientError::Queued {
                body: v.to_string(),
            }),
            Answer::Ok(_, v) => serde_json::from_value(v).map_err(|e| self.bad(e.to_string())),
            Answer::Refused(status, b) => Err(ClientError::Refused {
                status,
                code: b.code,
                message: b.message,
            }),
        }
    }

    /// `GET path`, parsed.
    pub fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        self.expect(path, None)
    }

    /// `GET path` as JSON.
    pub fn get_json(&self, path: &str) -> Result<serde_json::Value, ClientError> {
        self.get(path)
    }

    /// `POST path` with a JSON body, parsed.
    pub fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<T, ClientError> {
        self.expect(path, Some(body))
    }

    /// Post an entry (canonical bytes) to the endpoint for its kind; the
    /// board's receipt (`spec/api.md` §4), not yet checked.
    pub fn post_entry(&self, election: &str, entry: &[u8]) -> Result<Receipt, ClientError> {
        let path = entry_path(election, entry)?;
        let body = serde_json::to_value(EntryBody {
            entry: hex::encode(entry),
        })
        .map_err(|e| ClientError::Invalid(e.to_string()))?;
        self.post(&path, &body)
    }

    /// Post an audited-ballot entry with the credential's request
    /// (`spec/api.md` §5.6); the board's receipt, not yet checked.
    pub fn post_audit(
        &self,
        election: &str,
        entry: &[u8],
        credential: &[u8; 32],
        signature: &[u8; 64],
    ) -> Result<Receipt, ClientError> {
        let path = entry_path(election, entry)?;
        let body = serde_json::to_value(AuditBody {
            entry: hex::encode(entry),
            credential: hex::encode(credential),
            signature: hex::encode(signature),
        })
        .map_err(|e| ClientError::Invalid(e.to_string()))?;
        self.post(&path, &body)
    }

    /// `GET /api/board`: the board's public key (not checked against any
    /// pinned key here).
    pub fn board_key(&self) -> Result<BoardPublicKey, ClientError> {
        let info: BoardInfo = self.get("/api/board")?;
        let bytes = hex::decode(&info.board_key)
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .ok_or_else(|| self.bad("the board key is not 32 bytes of hex"))?;
        BoardPublicKey::from_bytes(&bytes).map_err(|e| self.bad(format!("board key: {e}")))
    }

    /// `GET /api/elections/{id}`: the election's state (`spec/api.md` §5.9).
    pub fn election(&self, election: &str) -> Result<serde_json::Value, ClientError> {
        self.get_json(&format!("/api/elections/{}", check_id(election)?))
    }

    /// The latest signed tree head of an election (not verified here).
    pub fn tree_head(&self, election: &str) -> Result<SignedTreeHead, ClientError> {
        let a: TreeHeadAnswer =
            self.get(&format!("/api/elections/{}/tree-head", check_id(election)?))?;
        Ok(a.tree_head)
    }

    /// A consistency proof between two tree sizes (not verified here).
    pub fn consistency_proof(
        &self,
        election: &str,
        first: u64,
        second: u64,
    ) -> Result<ConsistencyProof, ClientError> {
        let a: ConsistencyAnswer = self.get(&format!(
            "/api/elections/{}/proof/consistency?first={first}&second={second}",
            check_id(election)?
        ))?;
        Ok(a.consistency_proof)
    }

    /// The inclusion proof of entry `index` under the latest head, and
    /// that head (not verified here).
    pub fn inclusion_proof(
        &self,
        election: &str,
        index: u64,
    ) -> Result<(Option<SignedTreeHead>, InclusionProof), ClientError> {
        let a: InclusionAnswer = self.get(&format!(
            "/api/elections/{}/proof/inclusion?index={index}",
            check_id(election)?
        ))?;
        Ok((a.tree_head, a.inclusion_proof))
    }

    /// Every entry of the election's log under its latest head, in order.
    pub fn entries(&self, election: &str) -> Result<Vec<Vec<u8>>, ClientError> {
        let id = check_id(election)?;
        let mut out: Vec<Vec<u8>> = Vec::new();
        loop {
            let start = out.len() as u64;
            let page: EntriesPage = self.get(&format!(
                "/api/elections/{id}/entries?start={start}&end={}",
                start + ENTRIES_PAGE
            ))?;
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
    pub fn record(&self, election: &str) -> Result<Vec<u8>, ClientError> {
        let id = check_id(election)?;
        let url = format!("{}/api/elections/{id}/record", self.base);
        let resp = match self.agent.get(&url).call() {
            Ok(r) => r,
            Err(ureq::Error::Status(..)) => {
                return match self.call(&format!("/api/elections/{id}/record"), None)? {
                    Answer::Refused(status, b) => Err(ClientError::Refused {
                        status,
                        code: b.code,
                        message: b.message,
                    }),
                    Answer::Ok(..) => Err(self.bad("the record answer changed between calls")),
                }
            }
            Err(e) => return Err(self.unreachable(e)),
        };
        let mut bytes = Vec::new();
        resp.into_reader()
            .take(MAX_RECORD)
            .read_to_end(&mut bytes)
            .map_err(|e| self.unreachable(format!("the download broke off: {e}")))?;
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_go_to_the_endpoint_of_their_kind() {
        use urna_election::entry::tag;
        let p = |e: &[u8]| entry_path("e1", e).unwrap();
        assert_eq!(p(&[tag::MANIFEST]), "/api/elections");
        assert_eq!(p(&[tag::CEREMONY]), "/api/elections/e1/ceremony");
        assert_eq!(p(&[tag::STATE, 1]), "/api/elections/e1/open");
        assert_eq!(p(&[tag::STATE, 2]), "/api/elections/e1/close");
        assert_eq!(p(&[tag::TALLY]), "/api/elections/e1/tally-shares");
        assert!(entry_path("e1", &[0xff]).is_err());
        assert!(entry_path("E1/../x", &[tag::BALLOT]).is_err());
    }

    #[test]
    fn an_unreachable_board_is_named() {
        let c = BoardClient::with(
            "http://127.0.0.1:9",
            "test",
            Duration::from_millis(500),
            Duration::from_millis(500),
        );
        let e = c.tree_head("e1").unwrap_err();
        assert!(matches!(e, ClientError::Unreachable { .. }), "{e}");
        assert!(e.to_string().contains("127.0.0.1:9"));
    }
}
