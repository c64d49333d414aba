//! What a voter keeps after casting (`spec/client.md` §6): the board's
//! signed promise, the receipt around it, and the later inclusion check.
//!
//! The promise and receipt formats are the wire crate's (`urna_api`,
//! `spec/api.md` §4), the same codec the board signs with.

use serde::{Deserialize, Serialize};
pub use urna_api::{Promise, PROMISE_BODY_LEN, PROMISE_LABEL, PROMISE_LEN};
use urna_election::{Hash32, TrackingCode};
use urna_log::{BoardPublicKey, InclusionProof, SignedTreeHead};

use crate::error::{ClientError, Result};

/// Format tag of a saved cast receipt.
pub const RECEIPT_FORMAT: &str = "urna-receipt/v1";

/// The board's answer to an accepted submission (`spec/api.md` §4.2),
/// the wire crate's [`urna_api::Receipt`]: the promise, and the inclusion
/// proof of the entry under a signed tree head that already covers it.
pub type BoardReceipt = urna_api::Receipt;

/// Check everything the client can about a board's answer with the bytes
/// it sent and the board key (`spec/client.md` §6.2 (P1)–(P5)): the
/// promise signature, that it promises this entry of this election (and
/// this tracking code, when one is given), the tree head's signature, and
/// the entry's inclusion under it. Returns the promise.
pub fn check_board_receipt(
    receipt: &BoardReceipt,
    key: &BoardPublicKey,
    entry: &[u8],
    manifest_hash: &Hash32,
    tracking_code: Option<&TrackingCode>,
) -> Result<Promise> {
    // (P1)–(P5) but the election's own fields: the wire crate's check.
    let p = receipt.verify(key, entry)?;
    if p.manifest_hash != manifest_hash.0 {
        return Err(ClientError::receipt("the promise is for another election"));
    }
    if let Some(code) = tracking_code {
        if p.tracking_code != code.0 .0 {
            return Err(ClientError::receipt(
                "the promise names another tracking code",
            ));
        }
    }
    Ok(p)
}

impl From<urna_api::PromiseError> for ClientError {
    fn from(e: urna_api::PromiseError) -> Self {
        ClientError::receipt(e.to_string())
    }
}

impl From<urna_api::ReceiptError> for ClientError {
    fn from(e: urna_api::ReceiptError) -> Self {
        match e {
            urna_api::ReceiptError::Log(e) => e.into(),
            other => ClientError::receipt(other.to_string()),
        }
    }
}

/// A cast ballot's receipt, as the voter downloads it
/// (`spec/client.md` §6.1). It holds no randomness and no choice
/// (docs/attacks.md G4): only public data and the board's signatures.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CastReceipt {
    /// Must be [`RECEIPT_FORMAT`].
    pub format: String,
    /// Election id.
    pub election: String,
    /// Election fingerprint (`spec/record.md` (H4)).
    pub fingerprint: Hash32,
    /// Manifest hash (`spec/record.md` (H2)), as the promise names it.
    pub manifest_hash: Hash32,
    /// The ballot's tracking code (full).
    pub tracking_code: TrackingCode,
    /// Its short form.
    pub short_code: String,
    /// The board key the promise verified under.
    pub board_key: BoardPublicKey,
    /// The ballot's canonical bytes, lower-case hex (public on the board;
    /// kept so that the leaf hash is recomputed, never taken on trust, and
    /// so that the ballot can be resubmitted through a mirror).
    pub ballot: String,
    /// The board's receipt.
    pub board: BoardReceipt,
}

impl CastReceipt {
    /// The JSON form (the downloadable receipt file).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Parse a receipt file. Nothing is checked: call [`CastReceipt::verify`].
    pub fn from_json(s: &str) -> Result<Self> {
        let r: CastReceipt =
            serde_json::from_str(s).map_err(|e| ClientError::format("receipt", e.to_string()))?;
        if r.format != RECEIPT_FORMAT {
            return Err(ClientError::format(
                "receipt",
                format!("format `{}` is not `{RECEIPT_FORMAT}`", r.format),
            ));
        }
        Ok(r)
    }

    /// The ballot's log entry (`u8 5 ‖ ballot bytes`, `spec/record.md` §6.1).
    pub fn entry_bytes(&self) -> Result<Vec<u8>> {
        let ballot = urna_crypto::group::hex_decode(&self.ballot, "ballot")
            .map_err(|_| ClientError::format("receipt", "the ballot is not lower-case hex"))?;
        let mut entry = Vec::with_capacity(ballot.len() + 1);
        entry.push(urna_election::entry::tag::BALLOT);
        entry.extend_from_slice(&ballot);
        Ok(entry)
    }

    /// The ballot's position in the log.
    pub fn log_index(&self) -> u64 {
        self.board.log_index
    }

    /// Check the receipt on its own, offline (`spec/client.md` §6.3): the
    /// promise and the tree head verify under the receipt's board key,
    /// they agree with each other and with the tracking code, and the
    /// leaf is included under the head. Holding a receipt that verifies
    /// for a ballot the log lacks is proof of the board's misbehaviour.
    pub fn verify(&self) -> Result<Promise> {
        let bytes = urna_crypto::group::hex_decode(&self.board.promise, "promise")
            .map_err(|_| ClientError::receipt("the promise is not hex"))?;
        let p = Promise::decode(&bytes).map_err(ClientError::from)?;
        p.verify(&self.board_key, &self.election)?;
        let entry = self.entry_bytes()?;
        let ballot = match urna_election::Entry::from_bytes(&entry) {
            Ok(urna_election::Entry::Ballot(b)) => b,
            _ => return Err(ClientError::receipt("the receipt's entry is not a ballot")),
        };
        if ballot.tracking_code() != self.tracking_code || ballot.fingerprint() != self.fingerprint
        {
            return Err(ClientError::receipt(
                "the ballot in the receipt does not have its tracking code or election",
            ));
        }
        if urna_log::leaf_hash(&entry) != p.leaf_hash {
            return Err(ClientError::receipt(
                "the board promised another entry than the receipt's ballot",
            ));
        }
        if p.log_index != self.board.log_index
            || p.timestamp_ms != self.board.timestamp_ms
            || p.leaf_hash != self.board.leaf_hash
            || p.manifest_hash != self.manifest_hash.0
            || p.tracking_code != self.tracking_code.0 .0
            || self.short_code != self.tracking_code.short()
        {
            return Err(ClientError::receipt(
                "the receipt's fields differ from the signed promise",
            ));
        }
        self.check_inclusion(&self.board.tree_head, &self.board.inclusion_proof)?;
        Ok(p)
    }

    /// Check a later tree head and inclusion proof, fetched from the board
    /// or any mirror: the head is signed by the same board, covers the
    /// ballot's index, and the ballot's leaf is in it.
    pub fn check_inclusion(&self, head: &SignedTreeHead, proof: &InclusionProof) -> Result<()> {
        let head = head.verify(&self.board_key, &self.election)?;
        if head.signed().tree_size <= self.board.log_index {
            return Err(ClientError::Receipt {
                code: "ERR_INCLUSION_INVALID",
                reason: format!(
                    "the tree head covers {} entries; the ballot is entry {}",
                    head.signed().tree_size,
                    self.board.log_index
                ),
            });
        }
        urna_log::verify_inclusion(
            &self.entry_bytes()?,
            self.board.log_index,
            head.signed().tree_size,
            proof,
            &head.signed().root_hash,
        )?;
        Ok(())
    }
}
