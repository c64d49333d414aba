//! The mirror's client of its upstream and peers: the wire crate's board
//! client (`urna_api::client`) on tokio's blocking pool.
//!
//! Every answer is read with a cap at what a correct answer can be
//! ([`cap_of`], `spec/api.md` §8): a bigger one is read no further and
//! fails with `ClientError::TooLarge` (as [`MirrorError::Unreachable`]
//! naming the bound: retried later, not taken for misbehaviour), so a
//! hostile upstream or peer cannot make the mirror buffer without bound.

use std::time::Duration;

use serde::Deserialize;
pub use urna_api::client::Answer;
use urna_api::client::{BoardClient, ClientError};
use urna_election::record::MAX_FRAME;

use super::MirrorError;
use crate::http::PAGE_BYTES;

/// Most bytes of an entries page: every entry's hex (a page holds at most
/// `PAGE_BYTES` of entries, or one entry of up to `MAX_FRAME`), plus 256
/// bytes of JSON per row for 1,000 rows and 4 KiB: about 32.3 MiB.
pub const ENTRIES_ANSWER_MAX: u64 = 2
    * (if PAGE_BYTES > MAX_FRAME {
        PAGE_BYTES
    } else {
        MAX_FRAME
    }) as u64
    + 1000 * 256
    + 4096;

/// Most bytes of an election list or an election's info (about 1 KiB per
/// election, plus the totals of its manifest's options): 8 MiB.
pub const LIST_ANSWER_MAX: u64 = 8 << 20;

/// Most bytes of any other answer (a head, a proof of at most 64 hashes,
/// the board's key, a receipt, a gossip verdict): 256 KiB.
pub const SMALL_ANSWER_MAX: u64 = 256 << 10;

/// The cap of the answer to `path`.
pub fn cap_of(path: &str) -> u64 {
    let route = path.split('?').next().unwrap_or(path);
    let parts: Vec<&str> = route.trim_start_matches('/').split('/').collect();
    match parts.as_slice() {
        ["api", "elections", _, "entries"] => ENTRIES_ANSWER_MAX,
        ["api", "elections"] | ["api", "elections", _] => LIST_ANSWER_MAX,
        _ => SMALL_ANSWER_MAX,
    }
}

/// The wire crate's board client (`urna_api::client`), run on tokio's
/// blocking pool, for one upstream or peer base URL.
#[derive(Clone)]
pub struct Upstream {
    /// Base URL, no trailing `/`.
    pub base: String,
    client: BoardClient,
}

impl Upstream {
    /// A client for `base`.
    pub fn new(base: &str) -> Self {
        let client = BoardClient::with(
            base,
            "urna-mirror",
            Duration::from_secs(10),
            Duration::from_secs(60),
        );
        Upstream {
            base: client.base().to_string(),
            client,
        }
    }

    /// One request; `body` makes it a `POST` of that JSON. Refusals are
    /// an [`Answer`]; errors mean no answer.
    pub async fn call(
        &self,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Result<Answer, MirrorError> {
        let client = self.client.clone();
        let path = path.to_string();
        let limit = cap_of(&path);
        let base = self.base.clone();
        tokio::task::spawn_blocking(move || {
            client
                .call_limited(&path, body.as_ref(), limit)
                .map_err(|e| match e {
                    ClientError::TooLarge { .. } => {
                        tracing::warn!(%base, %path, limit, "answer over its cap refused");
                        MirrorError::Unreachable(format!("{path}: {e}"))
                    }
                    e => MirrorError::Unreachable(e.to_string()),
                })
        })
        .await
        .map_err(|e| MirrorError::Unreachable(e.to_string()))?
    }

    /// `GET path` that must succeed; refusals are `Unreachable` (a board
    /// that refuses a read is down or does not have it, not lying).
    pub async fn get_json(&self, path: &str) -> Result<serde_json::Value, MirrorError> {
        match self.call(path, None).await? {
            Answer::Ok(_, v) => Ok(v),
            Answer::Refused(status, r) => Err(MirrorError::Unreachable(format!(
                "{}{path}: {status} {}: {}",
                self.base, r.code, r.message
            ))),
        }
    }

    pub(super) async fn get_field<T: for<'de> Deserialize<'de>>(
        &self,
        path: &str,
        field: &str,
    ) -> Result<T, MirrorError> {
        let v = self.get_json(path).await?;
        serde_json::from_value(v.get(field).cloned().unwrap_or_default()).map_err(|e| {
            MirrorError::Misbehaviour(format!(
                "{}{path}: the `{field}` field is malformed: {e}",
                self.base
            ))
        })
    }
}
