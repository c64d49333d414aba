//! RFC 9162 §2.1 hashing with SHA-256 (`spec/log.md` §2).
//!
//! With `H = SHA-256` and `‖` for concatenation:
//!
//! - leaf hash `LH(d) = H(0x00 ‖ d)` (L1),
//! - node hash `NH(l, r) = H(0x01 ‖ l ‖ r)` (L2),
//! - root of the empty tree `MTH({}) = H("")` (L3).
//!
//! The distinct one-byte prefixes make a leaf hash and a node hash
//! unequal for any inputs (unless SHA-256 collides), so a 64-byte entry can
//! never pass for an interior node (RFC 6962 §2.1; docs/attacks.md E1).

use core::fmt;

use sha2::{Digest, Sha256};

use crate::codec::hex_array;
use crate::error::Result;

/// Prefix of a leaf hash (L1).
pub const LEAF_PREFIX: u8 = 0x00;
/// Prefix of an interior node hash (L2).
pub const NODE_PREFIX: u8 = 0x01;

/// A SHA-256 output: a leaf hash, a node hash, or a tree root.
///
/// Any 32 bytes are a valid `Hash`; what a hash *means* comes from where it
/// was computed. A hash that names a leaf should be computed locally with
/// [`leaf_hash`] from the entry bytes, never taken from the wire.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Hash(pub [u8; 32]);

impl Hash {
    /// The 32 bytes.
    #[inline]
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The 32 bytes, by value.
    #[inline]
    pub fn to_bytes(self) -> [u8; 32] {
        self.0
    }

    /// Lower-case hex (the JSON form, `spec/log.md` §11).
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Parse strict lower-case hex of exactly 32 bytes.
    pub fn from_hex(s: &str, field: &'static str) -> Result<Self> {
        hex_array(s, field).map(Hash)
    }
}

impl From<[u8; 32]> for Hash {
    fn from(b: [u8; 32]) -> Self {
        Hash(b)
    }
}

impl AsRef<[u8]> for Hash {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", self.to_hex())
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl serde::Serialize for Hash {
    fn serialize<S: serde::Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> serde::Deserialize<'de> for Hash {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> core::result::Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
        Hash::from_hex(&s, "hash").map_err(serde::de::Error::custom)
    }
}

/// `LH(d) = SHA-256(0x00 ‖ d)`, the hash of log entry `d` (`spec/log.md` §2 (L1)).
pub fn leaf_hash(entry: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([LEAF_PREFIX]);
    h.update(entry);
    Hash(h.finalize().into())
}

/// `NH(l, r) = SHA-256(0x01 ‖ l ‖ r)`, the hash of an interior node
/// (`spec/log.md` §2 (L2)).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([NODE_PREFIX]);
    h.update(left.0);
    h.update(right.0);
    Hash(h.finalize().into())
}

/// `MTH({}) = SHA-256("")`, the root of the empty tree (`spec/log.md` §2 (L3)).
pub fn empty_root() -> Hash {
    Hash(Sha256::digest([]).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_root_is_sha256_of_nothing() {
        // FIPS 180-2 / NIST CAVP: SHA-256("").
        assert_eq!(
            empty_root().to_hex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn leaf_and_node_are_domain_separated() {
        let a = leaf_hash(b"");
        let b = leaf_hash(b"\x00");
        let mut cat = Vec::new();
        cat.extend_from_slice(a.as_bytes());
        cat.extend_from_slice(b.as_bytes());
        assert_ne!(leaf_hash(&cat), node_hash(&a, &b));
        // RFC 6962 reference tree, leaf 0 (the empty entry).
        assert_eq!(
            a.to_hex(),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
    }

    #[test]
    fn hex_round_trip_is_strict() {
        let h = leaf_hash(b"x");
        assert_eq!(Hash::from_hex(&h.to_hex(), "h").unwrap(), h);
        assert!(Hash::from_hex(&h.to_hex().to_uppercase(), "h").is_err());
        assert!(Hash::from_hex(&h.to_hex()[2..], "h").is_err());
        assert_eq!(format!("{h}"), h.to_hex());
    }
}
