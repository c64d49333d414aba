//! Board keys, signed tree heads and the extension check (`spec/log.md`
//! §6–§8).
//!
//! A signed tree head (STH) is the board's Ed25519 signature over
//!
//! `"urna/v1/tree-head\n" ‖ log_id ‖ u64(tree_size) ‖ u64(timestamp_ms) ‖ root_hash`
//!
//! with `log_id` naming one election's log on one board (L12) and integers
//! big-endian (L13). The label keeps these signatures from being valid for
//! any other message the board key might sign; the log id keeps a head of
//! one election from being read as a head of another election on the same
//! board.

use core::fmt;
use core::ops::Deref;

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use rand_core::CryptoRngCore;
use sha2::{Digest, Sha256};
use zeroize::{ZeroizeOnDrop, Zeroizing};

use crate::codec::{hex_array, Reader, Writer};
use crate::error::{Error, EvidenceKind, HeadFailure, Result};
use crate::hash::{empty_root, Hash};
use crate::proof::{verify_consistency, ConsistencyProof};

/// Domain-separation label at the start of every signed tree-head body (L13).
pub const TREE_HEAD_LABEL: &[u8; 18] = b"urna/v1/tree-head\n";

/// Domain-separation label of the log id (L12).
pub const LOG_ID_LABEL: &[u8; 15] = b"urna/v1/log-id\n";

/// The log id of election `election`'s log on the board with key
/// `public_key` (`spec/log.md` §6 (L12)):
/// `SHA-256("urna/v1/log-id\n" ‖ public key ‖ u8(len) ‖ election id)`.
/// Election ids are 1 to 64 ASCII bytes (`spec/record.md` §3.1); a longer
/// one is cut at 255 bytes, which no valid election reaches.
pub fn log_id_for(public_key: &[u8; 32], election: &str) -> Hash {
    let id = &election.as_bytes()[..election.len().min(255)];
    let mut h = Sha256::new();
    h.update(LOG_ID_LABEL);
    h.update(public_key);
    h.update([id.len() as u8]);
    h.update(id);
    Hash(h.finalize().into())
}

/// The board's signing key.
///
/// The secret is wiped on drop (`ed25519_dalek::SigningKey` zeroizes itself)
/// and never printed by `Debug`.
pub struct BoardKey {
    signing: SigningKey,
}

impl ZeroizeOnDrop for BoardKey {}

impl fmt::Debug for BoardKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BoardKey")
            .field(
                "public_key",
                &hex::encode(self.signing.verifying_key().as_bytes()),
            )
            .finish_non_exhaustive()
    }
}

impl BoardKey {
    /// A fresh key from a cryptographic RNG.
    pub fn generate<R: CryptoRngCore + ?Sized>(rng: &mut R) -> Self {
        BoardKey {
            signing: SigningKey::generate(rng),
        }
    }

    /// The key with this RFC 8032 secret seed (32 bytes).
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        BoardKey {
            signing: SigningKey::from_bytes(seed),
        }
    }

    /// The secret seed, for the board's key store only.
    pub fn to_secret_seed(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.signing.to_bytes())
    }

    /// The matching public key.
    pub fn public_key(&self) -> BoardPublicKey {
        BoardPublicKey::from_verifying_key(self.signing.verifying_key())
    }

    /// The log id of election `election`'s log (L12).
    pub fn log_id(&self, election: &str) -> Hash {
        log_id_for(self.signing.verifying_key().as_bytes(), election)
    }

    /// Sign the head of election `election`'s log, a tree of `tree_size` leaves with root `root_hash`
    /// at `timestamp_ms` (milliseconds since the Unix epoch) (L13, L14).
    ///
    /// Refuses heads that no verifier would accept: a zero timestamp (L15),
    /// or a size-0 tree whose root is not `SHA-256("")` (L16). It does *not*
    /// know the previous head: the caller must check that the new head
    /// extends the last one it signed ([`check_extends`], docs/attacks.md E6).
    pub fn sign_tree_head(
        &self,
        election: &str,
        tree_size: u64,
        timestamp_ms: u64,
        root_hash: Hash,
    ) -> Result<SignedTreeHead> {
        let mut head = SignedTreeHead {
            log_id: self.log_id(election),
            tree_size,
            timestamp_ms,
            root_hash,
            signature: [0; 64],
        };
        head.check_fields()?;
        head.signature = self.signing.sign(&head.signed_body()).to_bytes();
        Ok(head)
    }
}

/// The board's public key, as a verifier holds it.
///
/// Invariant: a valid Ed25519 point that is not of small order (L11).
/// JSON form: lower-case hex.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct BoardPublicKey {
    key: VerifyingKey,
}

impl fmt::Debug for BoardPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BoardPublicKey({})", hex::encode(self.to_bytes()))
    }
}

impl BoardPublicKey {
    fn from_verifying_key(key: VerifyingKey) -> Self {
        BoardPublicKey { key }
    }

    /// Decode a 32-byte Ed25519 public key; rejects encodings that do not
    /// decode and keys of small order (`spec/log.md` §6 (L11)).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let field = "board public key";
        let arr: [u8; 32] = bytes.try_into().map_err(|_| Error::TooLong {
            field,
            max: 32,
            found: bytes.len() as u64,
        })?;
        let key = VerifyingKey::from_bytes(&arr).map_err(|_| Error::Malformed { field })?;
        // RFC 8032 §5.1.3 decoding refuses y ≥ p (and x = 0 with the sign
        // bit set); curve25519-dalek's decompression reduces y instead, so a
        // key is taken only in its canonical encoding, the one compression
        // gives back (`spec/log.md` §6 (L11)): one key, one log id.
        if key.to_edwards().compress().to_bytes() != arr {
            return Err(Error::Malformed { field });
        }
        if key.is_weak() {
            return Err(Error::Malformed { field });
        }
        Ok(Self::from_verifying_key(key))
    }

    /// The 32-byte encoding.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// The log id of election `election`'s log on this board (L12).
    pub fn log_id(&self, election: &str) -> Hash {
        log_id_for(self.key.as_bytes(), election)
    }
}

impl serde::Serialize for BoardPublicKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(self.to_bytes()))
    }
}

impl<'de> serde::Deserialize<'de> for BoardPublicKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> core::result::Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
        let b: [u8; 32] = hex_array(&s, "board public key").map_err(serde::de::Error::custom)?;
        BoardPublicKey::from_bytes(&b).map_err(serde::de::Error::custom)
    }
}

/// A signed tree head as received: nothing about it is checked yet.
/// [`SignedTreeHead::verify`] turns it into a [`VerifiedTreeHead`].
///
/// Canonical encoding (L13): the 98-byte signed body followed by the
/// 64-byte signature, 162 bytes in all. JSON form (§11): an object with
/// `log_id`, `tree_size`, `timestamp_ms`, `root_hash`, `signature`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignedTreeHead {
    /// `SHA-256` of the board's public key (L12).
    pub log_id: Hash,
    /// Number of leaves.
    pub tree_size: u64,
    /// Milliseconds since the Unix epoch; never 0 (L15).
    pub timestamp_ms: u64,
    /// `MTH` of the first `tree_size` entries.
    pub root_hash: Hash,
    /// Ed25519 signature over [`SignedTreeHead::signed_body`] (L14).
    pub signature: [u8; 64],
}

impl SignedTreeHead {
    /// Length of the signed body.
    pub const BODY_LEN: usize = 18 + 32 + 8 + 8 + 32;
    /// Length of the canonical encoding.
    pub const ENCODED_LEN: usize = Self::BODY_LEN + 64;

    /// The bytes the board signs (`spec/log.md` §7 (L13)):
    /// `"urna/v1/tree-head\n" ‖ log_id ‖ u64be(tree_size) ‖ u64be(timestamp_ms) ‖ root_hash`.
    pub fn signed_body(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.fixed(TREE_HEAD_LABEL)
            .fixed(self.log_id.as_bytes())
            .u64(self.tree_size)
            .u64(self.timestamp_ms)
            .fixed(self.root_hash.as_bytes());
        w.into_bytes()
    }

    /// Append the canonical encoding: signed body, then signature (L13).
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.signed_body());
        out.extend_from_slice(&self.signature);
    }

    /// The canonical encoding (162 bytes).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(Self::ENCODED_LEN);
        self.encode(&mut out);
        out
    }

    /// Decode the canonical encoding: exact length, exact label. Checks
    /// nothing else; call [`SignedTreeHead::verify`].
    pub fn decode(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let head = Self::read(&mut r)?;
        r.finish("signed tree head")?;
        Ok(head)
    }

    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self> {
        if r.take(TREE_HEAD_LABEL.len(), "tree head label")? != TREE_HEAD_LABEL {
            return Err(Error::Malformed {
                field: "tree head label",
            });
        }
        Ok(SignedTreeHead {
            log_id: Hash(r.array("log_id")?),
            tree_size: r.u64("tree_size")?,
            timestamp_ms: r.u64("timestamp_ms")?,
            root_hash: Hash(r.array("root_hash")?),
            signature: r.array("signature")?,
        })
    }

    /// (L15), (L16): the checks that need no key.
    fn check_fields(&self) -> Result<()> {
        if self.timestamp_ms == 0 {
            return Err(Error::CheckpointInvalid(HeadFailure::ZeroTimestamp));
        }
        if self.tree_size == 0 && self.root_hash != empty_root() {
            return Err(Error::CheckpointInvalid(HeadFailure::EmptyTreeRoot));
        }
        Ok(())
    }

    /// Check this head as a head of election `election`'s log on the board
    /// with key `key` (`spec/log.md` §7): the log id is that log's (L12,
    /// L13), the timestamp is not zero (L15), a size-0 tree has the empty
    /// root (L16), and the signature verifies under RFC 8032 with the
    /// strict checks of `verify_strict` (L14).
    /// Fails with `ERR_CHECKPOINT_INVALID`.
    pub fn verify(&self, key: &BoardPublicKey, election: &str) -> Result<VerifiedTreeHead> {
        if self.log_id != key.log_id(election) {
            return Err(Error::CheckpointInvalid(HeadFailure::WrongLogId));
        }
        self.verify_signature(key)
    }

    /// (L13)–(L16) without knowing the election: the fields and the
    /// signature. For evidence (§9), where two heads with one log id are
    /// heads of one log whatever its election; everything else calls
    /// [`SignedTreeHead::verify`].
    pub fn verify_signature(&self, key: &BoardPublicKey) -> Result<VerifiedTreeHead> {
        self.check_fields()?;
        let sig = Signature::from_bytes(&self.signature);
        key.key
            .verify_strict(&self.signed_body(), &sig)
            .map_err(|_| Error::CheckpointInvalid(HeadFailure::BadSignature))?;
        Ok(VerifiedTreeHead(*self))
    }
}

/// The JSON form of a signed tree head (`spec/log.md` §11).
#[derive(serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub(crate) struct SignedTreeHeadJson {
    /// `SHA-256` of the board's public key (L12).
    log_id: Hash,
    /// Number of leaves.
    tree_size: u64,
    /// Milliseconds since the Unix epoch; never 0 (L15).
    timestamp_ms: u64,
    /// `MTH` of the first `tree_size` entries.
    root_hash: Hash,
    /// Ed25519 signature over the signed body (L14), 128 lower-case hex digits.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9a-f]{128}$"))]
    signature: String,
}

impl serde::Serialize for SignedTreeHead {
    fn serialize<S: serde::Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        SignedTreeHeadJson {
            log_id: self.log_id,
            tree_size: self.tree_size,
            timestamp_ms: self.timestamp_ms,
            root_hash: self.root_hash,
            signature: hex::encode(self.signature),
        }
        .serialize(s)
    }
}

impl<'de> serde::Deserialize<'de> for SignedTreeHead {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> core::result::Result<Self, D::Error> {
        let j = SignedTreeHeadJson::deserialize(d)?;
        Ok(SignedTreeHead {
            log_id: j.log_id,
            tree_size: j.tree_size,
            timestamp_ms: j.timestamp_ms,
            root_hash: j.root_hash,
            signature: hex_array(&j.signature, "signature").map_err(serde::de::Error::custom)?,
        })
    }
}

/// A signed tree head whose signature, log id, timestamp and empty-tree
/// root were checked against a board key (`spec/log.md` §7).
///
/// Invariant: only [`SignedTreeHead::verify`] makes one. It dereferences to
/// the [`SignedTreeHead`] for reading; it has no `Deserialize`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct VerifiedTreeHead(SignedTreeHead);

impl VerifiedTreeHead {
    /// The head as signed.
    pub fn signed(&self) -> &SignedTreeHead {
        &self.0
    }

    /// The head as signed, by value.
    pub fn into_signed(self) -> SignedTreeHead {
        self.0
    }
}

impl Deref for VerifiedTreeHead {
    type Target = SignedTreeHead;
    fn deref(&self) -> &SignedTreeHead {
        &self.0
    }
}

/// Check that `next` may follow `prev`: the board only grew
/// (`spec/log.md` §8). In order:
///
/// 1. same log (L17), else `ERR_CHECKPOINT_INVALID`;
/// 2. equal sizes with different roots are a split view (L18):
///    `ERR_LOG_EQUIVOCATION` (keep both heads: [`crate::Evidence`]);
/// 3. the size does not go down (L19), else `ERR_CHECKPOINT_INVALID`;
/// 4. the timestamp does not go back (L20), else `ERR_CHECKPOINT_INVALID`;
/// 5. `proof` is a valid consistency proof from `prev` to `next` (L21),
///    else `ERR_LOG_INCONSISTENT`.
///
/// A failing proof alone is not evidence against the board (anyone can
/// send a bad proof); a mirror keeps the heads and looks for a
/// [`crate::ConflictingLeaf`].
pub fn check_extends(
    prev: &VerifiedTreeHead,
    next: &VerifiedTreeHead,
    proof: &ConsistencyProof,
) -> Result<()> {
    // (L17)
    if prev.log_id != next.log_id {
        return Err(Error::CheckpointInvalid(HeadFailure::WrongLogId));
    }
    // (L18)
    if prev.tree_size == next.tree_size && prev.root_hash != next.root_hash {
        return Err(Error::Equivocation(EvidenceKind::SplitView {
            size: prev.tree_size,
        }));
    }
    // (L19)
    if next.tree_size < prev.tree_size {
        return Err(Error::CheckpointInvalid(HeadFailure::SizeDecreased {
            prev: prev.tree_size,
            next: next.tree_size,
        }));
    }
    // (L20)
    if next.timestamp_ms < prev.timestamp_ms {
        return Err(Error::CheckpointInvalid(HeadFailure::TimestampWentBack {
            prev: prev.timestamp_ms,
            next: next.timestamp_ms,
        }));
    }
    // (L21), with the edge cases of (L9).
    verify_consistency(
        prev.tree_size,
        next.tree_size,
        &prev.root_hash,
        &next.root_hash,
        proof,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_layout_and_round_trip() {
        let key = BoardKey::from_seed(&[7; 32]);
        let head = key
            .sign_tree_head("e1", 5, 1_700_000_000_000, Hash([3; 32]))
            .unwrap();
        let body = head.signed_body();
        assert_eq!(body.len(), SignedTreeHead::BODY_LEN);
        assert_eq!(&body[..18], TREE_HEAD_LABEL);
        assert_eq!(&body[18..50], key.log_id("e1").as_bytes());
        assert_ne!(key.log_id("e1"), key.log_id("e2"), "one log per election");
        assert_eq!(&body[50..58], &5u64.to_be_bytes());
        assert_eq!(&body[58..66], &1_700_000_000_000u64.to_be_bytes());
        assert_eq!(&body[66..98], &[3; 32]);
        let bytes = head.to_bytes();
        assert_eq!(bytes.len(), SignedTreeHead::ENCODED_LEN);
        assert_eq!(SignedTreeHead::decode(&bytes).unwrap(), head);
        let mut bad_label = bytes.clone();
        bad_label[0] ^= 1;
        assert_eq!(
            SignedTreeHead::decode(&bad_label).unwrap_err().code(),
            "ERR_ENCODING"
        );
        assert!(SignedTreeHead::decode(&bytes[..161]).is_err());
        head.verify(&key.public_key(), "e1").unwrap();
        // Another election's log on the same board: refused.
        assert_eq!(
            head.verify(&key.public_key(), "e2").unwrap_err().code(),
            "ERR_CHECKPOINT_INVALID"
        );
    }

    #[test]
    fn debug_does_not_print_the_secret() {
        let key = BoardKey::from_seed(&[0xab; 32]);
        let s = format!("{key:?}");
        assert!(!s.contains("abab"), "{s}");
        assert_eq!(*key.to_secret_seed(), [0xab; 32]);
    }

    #[test]
    fn weak_and_malformed_keys_are_rejected() {
        // The identity point (small order) encodes as 1 followed by zeros.
        let mut id = [0u8; 32];
        id[0] = 1;
        assert_eq!(
            BoardPublicKey::from_bytes(&id).unwrap_err().code(),
            "ERR_ENCODING"
        );
        assert!(BoardPublicKey::from_bytes(&[0u8; 31]).is_err());
        let good = BoardKey::from_seed(&[1; 32]).public_key();
        assert_eq!(BoardPublicKey::from_bytes(&good.to_bytes()).unwrap(), good);
    }
}
