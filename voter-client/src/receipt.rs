//! What a voter keeps after casting (`spec/client.md` §6): the board's
//! signed promise, the receipt around it, and the later inclusion check.
//!
//! The promise format is the board's (`bulletin-board/src/receipt.rs`,
//! `spec/api.md` §4): an Ed25519 signature by the board key over
//!
//! ```text
//! "urna/v1/promise\n" ‖ log_id ‖ manifest_hash ‖ u64 log_index ‖ u64 timestamp_ms ‖ leaf_hash ‖ tracking_code
//! ```
//!
//! It is re-implemented here, on `urna-log` and `ed25519-dalek` only,
//! because the board crate is a server and cannot be built for wasm32;
//! `tests/receipt_vectors.rs` pins the two implementations together.

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use urna_election::{Hash32, TrackingCode};
use urna_log::{BoardPublicKey, Hash, InclusionProof, SignedTreeHead};

use crate::error::{ClientError, Result};

/// Label of a promise body.
pub const PROMISE_LABEL: &[u8; 16] = b"urna/v1/promise\n";
/// Length of a promise body.
pub const PROMISE_BODY_LEN: usize = 16 + 32 + 32 + 8 + 8 + 32 + 32;
/// Length of an encoded promise (body and signature).
pub const PROMISE_LEN: usize = PROMISE_BODY_LEN + 64;
/// Format tag of a saved cast receipt.
pub const RECEIPT_FORMAT: &str = "urna-receipt/v1";

/// A board-signed promise that an entry is in an election's log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Promise {
    /// SHA-256 of the board key (`spec/log.md` (L12)).
    pub log_id: Hash,
    /// The election's manifest hash (`spec/record.md` (H2)).
    pub manifest_hash: [u8; 32],
    /// The entry's index in the log.
    pub log_index: u64,
    /// When the board accepted it (ms since the Unix epoch).
    pub timestamp_ms: u64,
    /// `SHA-256(0x00 ‖ entry bytes)`.
    pub leaf_hash: Hash,
    /// The ballot's tracking code (zero for other entries).
    pub tracking_code: [u8; 32],
    /// Ed25519 signature over [`Promise::body`].
    pub signature: [u8; 64],
}

impl Promise {
    /// The signed body.
    pub fn body(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(PROMISE_BODY_LEN);
        b.extend_from_slice(PROMISE_LABEL);
        b.extend_from_slice(self.log_id.as_bytes());
        b.extend_from_slice(&self.manifest_hash);
        b.extend_from_slice(&self.log_index.to_be_bytes());
        b.extend_from_slice(&self.timestamp_ms.to_be_bytes());
        b.extend_from_slice(self.leaf_hash.as_bytes());
        b.extend_from_slice(&self.tracking_code);
        b
    }

    /// Body then signature (224 bytes).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut b = self.body();
        b.extend_from_slice(&self.signature);
        b
    }

    /// Decode 224 bytes (checks the label and length only).
    pub fn decode(bytes: &[u8]) -> Result<Self> {
        if bytes.len() != PROMISE_LEN || &bytes[..16] != PROMISE_LABEL {
            return Err(ClientError::receipt("not an encoded promise"));
        }
        let arr32 = |at: usize| -> [u8; 32] {
            let mut a = [0u8; 32];
            a.copy_from_slice(&bytes[at..at + 32]);
            a
        };
        let u64_at = |at: usize| {
            let mut a = [0u8; 8];
            a.copy_from_slice(&bytes[at..at + 8]);
            u64::from_be_bytes(a)
        };
        let mut signature = [0u8; 64];
        signature.copy_from_slice(&bytes[PROMISE_BODY_LEN..]);
        Ok(Promise {
            log_id: Hash(arr32(16)),
            manifest_hash: arr32(48),
            log_index: u64_at(80),
            timestamp_ms: u64_at(88),
            leaf_hash: Hash(arr32(96)),
            tracking_code: arr32(128),
            signature,
        })
    }

    /// Sign with a board's Ed25519 seed (the in-memory test board only).
    pub(crate) fn sign(mut self, seed: &[u8; 32]) -> Self {
        self.signature = SigningKey::from_bytes(seed).sign(&self.body()).to_bytes();
        self
    }

    /// Check the promise against the board's key (strict Ed25519), as a
    /// promise of election `election`'s log (`spec/log.md` (L12)).
    pub fn verify(&self, key: &BoardPublicKey, election: &str) -> Result<()> {
        if self.log_id != key.log_id(election) {
            return Err(ClientError::receipt(
                "the promise names another board or another election's log",
            ));
        }
        let vk = VerifyingKey::from_bytes(&key.to_bytes())
            .map_err(|_| ClientError::receipt("the board key is not an Ed25519 key"))?;
        vk.verify_strict(&self.body(), &Signature::from_bytes(&self.signature))
            .map_err(|_| ClientError::receipt("the promise signature does not verify"))
    }
}

/// The board's answer to an accepted submission (`spec/api.md` §4.2),
/// field for field the board's JSON: the promise, and the inclusion proof
/// of the entry under a signed tree head that already covers it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct BoardReceipt {
    /// Election id.
    pub election: String,
    /// Entry kind (`ballot`, `spoiled`, …).
    pub kind: String,
    /// Log index of the entry.
    pub log_index: u64,
    /// Leaf hash of the entry (hex).
    pub leaf_hash: Hash,
    /// Tracking code of a ballot (hex), else `null`.
    pub tracking_code: Option<String>,
    /// Its short form, else `null`.
    pub short_code: Option<String>,
    /// When the board accepted the entry (ms).
    pub timestamp_ms: u64,
    /// The 224-byte promise, hex.
    pub promise: String,
    /// A signed tree head whose tree contains the entry.
    pub tree_head: SignedTreeHead,
    /// Inclusion proof of the entry under `tree_head`.
    pub inclusion_proof: InclusionProof,
}

impl BoardReceipt {
    /// Check everything the client can with the bytes it sent and the
    /// board key (`spec/client.md` §6.2 (P1)–(P5)): the promise signature,
    /// that it promises this entry of this election (and this tracking
    /// code, when one is given), the tree head's signature, and the entry's
    /// inclusion under it. Returns the promise.
    pub fn verify(
        &self,
        key: &BoardPublicKey,
        entry: &[u8],
        manifest_hash: &Hash32,
        tracking_code: Option<&TrackingCode>,
    ) -> Result<Promise> {
        // (P1)
        let bytes = urna_crypto::group::hex_decode(&self.promise, "promise")
            .map_err(|_| ClientError::receipt("the promise is not hex"))?;
        let p = Promise::decode(&bytes)?;
        p.verify(key, &self.election)?;
        // (P2)
        if p.log_index != self.log_index
            || p.timestamp_ms != self.timestamp_ms
            || p.leaf_hash != self.leaf_hash
        {
            return Err(ClientError::receipt(
                "the receipt's fields differ from the signed promise",
            ));
        }
        // (P3)
        if urna_log::leaf_hash(entry) != p.leaf_hash {
            return Err(ClientError::receipt(
                "the board promised another entry than the one sent",
            ));
        }
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
        // (P4), (P5)
        let head = self.tree_head.verify(key, &self.election)?;
        urna_log::verify_inclusion(
            entry,
            self.log_index,
            head.signed().tree_size,
            &self.inclusion_proof,
            &head.signed().root_hash,
        )?;
        Ok(p)
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
        let p = Promise::decode(&bytes)?;
        p.verify(&self.board_key, &self.election)?;
        let entry = self.entry_bytes()?;
        let code = TrackingCode(Hash32(urna_election::codec::hash(
            "urna/v1/tracking-code",
            &entry[1..],
        )));
        if code != self.tracking_code || entry.get(1..33) != Some(&self.fingerprint.0[..]) {
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
