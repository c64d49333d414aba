//! What a client keeps: the board's signed promise and the receipt around
//! it (`spec/api.md` §4) — the one codec the board signs with and every
//! client (the voter's page included) checks with.
//!
//! A *promise* is the board's Ed25519 signature over
//!
//! ```text
//! "urna/v1/promise\n" ‖ log_id ‖ manifest_hash ‖ u64 log_index ‖ u64 timestamp_ms ‖ leaf_hash ‖ tracking_code
//!  16 bytes             32       32              8                8                 32          32
//! ```
//!
//! (integers big-endian; `tracking_code` is 32 zero bytes for entries that
//! are not ballots), followed by the 64-byte signature: 224 bytes. The
//! label differs from the tree-head label (`spec/log.md` (L13)) in its
//! ninth byte, so neither signature can be read as the other. A voter
//! holding a promise whose entry is missing from the log, or present at
//! another index, holds transferable proof of the board's misbehaviour
//! (docs/attacks.md E7).

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use urna_log::{BoardPublicKey, Hash, InclusionProof, SignedTreeHead};

/// Label of a promise body.
pub const PROMISE_LABEL: &[u8; 16] = b"urna/v1/promise\n";
/// Length of a promise body.
pub const PROMISE_BODY_LEN: usize = 16 + 32 + 32 + 8 + 8 + 32 + 32;
/// Length of an encoded promise (body and signature).
pub const PROMISE_LEN: usize = PROMISE_BODY_LEN + 64;

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

/// Why a promise was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PromiseError {
    /// Not 224 bytes or a wrong label.
    #[error("not an encoded promise")]
    Malformed,
    /// The log id is not the board key's log of this election.
    #[error("the promise names another board or another election's log")]
    WrongLog,
    /// The signature does not verify.
    #[error("the promise signature does not verify")]
    BadSignature,
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
    pub fn decode(bytes: &[u8]) -> Result<Self, PromiseError> {
        if bytes.len() != PROMISE_LEN || &bytes[..16] != PROMISE_LABEL {
            return Err(PromiseError::Malformed);
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

    /// Sign (board side). Ed25519 is deterministic: the same fields always
    /// give the same promise, which is what makes a retried submission get
    /// the same receipt (docs/attacks.md B3).
    pub fn sign(mut self, key: &SigningKey) -> Self {
        self.signature = key.sign(&self.body()).to_bytes();
        self
    }

    /// Check the promise against the board's key, as a promise of election
    /// `election`'s log (`spec/log.md` (L12)).
    pub fn verify(&self, key: &BoardPublicKey, election: &str) -> Result<(), PromiseError> {
        if self.log_id != key.log_id(election) {
            return Err(PromiseError::WrongLog);
        }
        let vk =
            VerifyingKey::from_bytes(&key.to_bytes()).map_err(|_| PromiseError::BadSignature)?;
        vk.verify_strict(&self.body(), &Signature::from_bytes(&self.signature))
            .map_err(|_| PromiseError::BadSignature)
    }
}

/// The answer to an accepted submission (`spec/api.md` §4.2): the signed
/// promise, and the inclusion proof of the entry under a signed tree head
/// that already covers it (zero merge delay).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    /// Election id.
    pub election: String,
    /// Entry kind: `manifest`, `ceremony`, `credentials`, `open`, `close`,
    /// `ballot`, `spoiled`, `tally_share`, `result`, `credential_replacement`.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::wire::kind_schema))]
    pub kind: String,
    /// Log index of the entry.
    pub log_index: u64,
    /// Leaf hash of the entry (hex).
    pub leaf_hash: Hash,
    /// Tracking code of a ballot (hex), else `null`.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9a-f]{64}$"))]
    pub tracking_code: Option<String>,
    /// Its short form (`spec/record.md` §5.4), else `null`.
    pub short_code: Option<String>,
    /// When the board accepted the entry (ms).
    pub timestamp_ms: u64,
    /// The 224-byte promise, hex (`spec/api.md` §4.1).
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9a-f]{448}$"))]
    pub promise: String,
    /// A signed tree head whose tree contains the entry.
    pub tree_head: SignedTreeHead,
    /// Inclusion proof of the entry under `tree_head`.
    pub inclusion_proof: InclusionProof,
}

/// Why a receipt does not check out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptError {
    /// The promise.
    #[error(transparent)]
    Promise(#[from] PromiseError),
    /// The tree head or inclusion proof.
    #[error("log: {0}")]
    Log(#[from] urna_log::Error),
    /// The receipt's fields disagree with its promise or entry.
    #[error("{0}")]
    Inconsistent(&'static str),
}

impl Receipt {
    /// Check everything a client can check with the entry bytes it sent
    /// and the board key: the promise signature and fields, the tree head
    /// signature, and the inclusion of `entry` under that head.
    pub fn verify(&self, key: &BoardPublicKey, entry: &[u8]) -> Result<Promise, ReceiptError> {
        // Lower-case hex only: one spelling per promise.
        if self.promise.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(PromiseError::Malformed.into());
        }
        let bytes = hex::decode(&self.promise).map_err(|_| PromiseError::Malformed)?;
        let p = Promise::decode(&bytes)?;
        p.verify(key, &self.election)?;
        if p.log_index != self.log_index
            || p.timestamp_ms != self.timestamp_ms
            || p.leaf_hash != self.leaf_hash
        {
            return Err(ReceiptError::Inconsistent(
                "the receipt's fields differ from the signed promise",
            ));
        }
        if urna_log::leaf_hash(entry) != p.leaf_hash {
            return Err(ReceiptError::Inconsistent(
                "the board promised another entry than the one sent",
            ));
        }
        let head = self.tree_head.verify(key, &self.election)?;
        urna_log::verify_inclusion(
            entry,
            self.log_index,
            head.tree_size,
            &self.inclusion_proof,
            &head.root_hash,
        )?;
        Ok(p)
    }
}
