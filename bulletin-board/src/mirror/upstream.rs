//! The mirror's client of its upstream and peers: the wire crate's board
//! client (`urna_api::client`) on tokio's blocking pool.

use std::time::Duration;

use serde::Deserialize;
pub use urna_api::client::Answer;
use urna_api::client::BoardClient;

use super::MirrorError;

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
        tokio::task::spawn_blocking(move || client.call(&path, body.as_ref()))
            .await
            .map_err(|e| MirrorError::Unreachable(e.to_string()))?
            .map_err(|e| MirrorError::Unreachable(e.to_string()))
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
