//! ristretto255 helpers: the fixed generators, checked decoding, and the
//! canonical byte codec every Urna type is built from (`spec/crypto.md` §2).

use std::sync::OnceLock;

use curve25519_dalek::constants::{RISTRETTO_BASEPOINT_POINT, RISTRETTO_BASEPOINT_TABLE};
use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoBasepointTable, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::IsIdentity;
use sha2::{Digest, Sha512};

use crate::error::{Error, Result};

/// The label hashed to the second generator `H` (spec §2.3 (G2)).
pub const GENERATOR_H_LABEL: &[u8] = b"urna/v1/generator/H";

/// The standard ristretto255 basepoint `G` (spec §2.3 (G1)).
#[inline]
pub fn generator_g() -> RistrettoPoint {
    RISTRETTO_BASEPOINT_POINT
}

/// Precomputed table for fixed-base multiplication by `G` (constant time).
#[inline]
pub fn g_table() -> &'static RistrettoBasepointTable {
    RISTRETTO_BASEPOINT_TABLE
}

/// The second generator `H = from_uniform_bytes(SHA-512(GENERATOR_H_LABEL))`
/// (spec §2.3 (G2)). Nobody knows `log_G(H)`; any verifier recomputes it.
pub fn generator_h() -> RistrettoPoint {
    generator_h_element().point()
}

/// `H` with its encoding.
pub fn generator_h_element() -> GroupElement {
    static H: OnceLock<GroupElement> = OnceLock::new();
    *H.get_or_init(|| {
        let digest = Sha512::digest(GENERATOR_H_LABEL);
        let mut wide = [0u8; 64];
        wide.copy_from_slice(&digest);
        GroupElement::from_point(RistrettoPoint::from_uniform_bytes(&wide))
    })
}

/// Table for fixed-base multiplication by `H` (constant time).
pub fn h_table() -> &'static RistrettoBasepointTable {
    static T: OnceLock<RistrettoBasepointTable> = OnceLock::new();
    T.get_or_init(|| RistrettoBasepointTable::create(&generator_h()))
}

/// A ristretto255 group element together with its canonical encoding.
///
/// Invariant: `bytes` is the canonical encoding of `point`. Values come only
/// from [`GroupElement::from_bytes`] (which rejects non-canonical encodings)
/// or from [`GroupElement::from_point`] (which compresses), so transcripts
/// and hashes never need to re-compress a point.
#[derive(Clone, Copy, Debug)]
pub struct GroupElement {
    point: RistrettoPoint,
    bytes: CompressedRistretto,
}

impl PartialEq for GroupElement {
    fn eq(&self, other: &Self) -> bool {
        // Ristretto encodings are injective: byte equality is element equality.
        self.bytes == other.bytes
    }
}
impl Eq for GroupElement {}

impl core::hash::Hash for GroupElement {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.bytes.as_bytes().hash(state)
    }
}

impl GroupElement {
    /// Wrap a point, computing its encoding.
    pub fn from_point(point: RistrettoPoint) -> Self {
        GroupElement {
            point,
            bytes: point.compress(),
        }
    }

    /// Decode a canonical encoding; the identity is rejected (spec §2.2 (E1), (E2)).
    pub fn from_bytes(bytes: &[u8], field: &'static str) -> Result<Self> {
        let e = Self::from_bytes_allow_identity(bytes, field)?;
        if e.is_identity() {
            return Err(Error::IdentityPoint { field });
        }
        Ok(e)
    }

    /// Decode a canonical encoding, accepting the identity (spec §2.2 (E1)).
    /// Only for fields where the spec allows the identity.
    pub fn from_bytes_allow_identity(bytes: &[u8], field: &'static str) -> Result<Self> {
        let arr: [u8; 32] = bytes.try_into().map_err(|_| Error::BadFieldLength {
            field,
            expected: 32,
            found: bytes.len(),
        })?;
        let compressed = CompressedRistretto(arr);
        // `decompress` returns None for every non-canonical encoding (RFC 9496 §4.3.1).
        let point = compressed
            .decompress()
            .ok_or(Error::NonCanonicalPoint { field })?;
        Ok(GroupElement {
            point,
            bytes: compressed,
        })
    }

    /// The group element.
    #[inline]
    pub fn point(&self) -> RistrettoPoint {
        self.point
    }

    /// Its canonical encoding.
    #[inline]
    pub fn compressed(&self) -> &CompressedRistretto {
        &self.bytes
    }

    /// Its canonical encoding as bytes.
    #[inline]
    pub fn to_bytes(&self) -> [u8; 32] {
        self.bytes.0
    }

    /// Whether this is the identity element.
    pub fn is_identity(&self) -> bool {
        self.bytes.is_identity()
    }
}

/// Decode a canonical scalar (`< ℓ`), spec §2.2 (E3).
pub fn scalar_from_bytes(bytes: &[u8], field: &'static str) -> Result<Scalar> {
    let arr: [u8; 32] = bytes.try_into().map_err(|_| Error::BadFieldLength {
        field,
        expected: 32,
        found: bytes.len(),
    })?;
    Option::<Scalar>::from(Scalar::from_canonical_bytes(arr))
        .ok_or(Error::NonCanonicalScalar { field })
}

/// Builds a canonical encoding (spec §2.1): fixed-size fields in order,
/// integers big-endian, variable-length data prefixed by a `u32` length.
#[derive(Default, Debug)]
pub struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    /// An empty writer.
    pub fn new() -> Self {
        Self::default()
    }
    /// Append a group element (32 bytes).
    pub fn element(&mut self, e: &GroupElement) -> &mut Self {
        self.buf.extend_from_slice(e.compressed().as_bytes());
        self
    }
    /// Append a scalar (32 bytes, little-endian canonical).
    pub fn scalar(&mut self, s: &Scalar) -> &mut Self {
        self.buf.extend_from_slice(s.as_bytes());
        self
    }
    /// Append a `u8`.
    pub fn u8(&mut self, v: u8) -> &mut Self {
        self.buf.push(v);
        self
    }
    /// Append a big-endian `u32`.
    pub fn u32(&mut self, v: u32) -> &mut Self {
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }
    /// Append a big-endian `u64`.
    pub fn u64(&mut self, v: u64) -> &mut Self {
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }
    /// Append fixed-size raw bytes (the reader must know the size).
    pub fn fixed(&mut self, b: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(b);
        self
    }
    /// Append `u32` length then the bytes.
    pub fn var_bytes(&mut self, b: &[u8]) -> &mut Self {
        self.u32(b.len() as u32);
        self.buf.extend_from_slice(b);
        self
    }
    /// The bytes written.
    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }
}

/// Reads a canonical encoding; every read names the field for error messages.
#[derive(Debug)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// Start reading `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }
    /// Take exactly `n` raw bytes.
    pub fn take(&mut self, n: usize, field: &'static str) -> Result<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.buf.len())
            .ok_or(Error::Truncated { field })?;
        let out = &self.buf[self.pos..end];
        self.pos = end;
        Ok(out)
    }
    /// A non-identity group element.
    pub fn element(&mut self, field: &'static str) -> Result<GroupElement> {
        GroupElement::from_bytes(self.take(32, field)?, field)
    }
    /// A group element that may be the identity.
    pub fn element_allow_identity(&mut self, field: &'static str) -> Result<GroupElement> {
        GroupElement::from_bytes_allow_identity(self.take(32, field)?, field)
    }
    /// A canonical scalar.
    pub fn scalar(&mut self, field: &'static str) -> Result<Scalar> {
        scalar_from_bytes(self.take(32, field)?, field)
    }
    /// A `u8`.
    pub fn u8(&mut self, field: &'static str) -> Result<u8> {
        Ok(self.take(1, field)?[0])
    }
    /// A big-endian `u32`.
    pub fn u32(&mut self, field: &'static str) -> Result<u32> {
        let b = self.take(4, field)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    /// A big-endian `u64`.
    pub fn u64(&mut self, field: &'static str) -> Result<u64> {
        let b = self.take(8, field)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_be_bytes(a))
    }
    /// A `u32`-length-prefixed byte string of at most `max` bytes.
    pub fn var_bytes(&mut self, max: usize, field: &'static str) -> Result<&'a [u8]> {
        let n = self.u32(field)? as usize;
        if n > max {
            return Err(Error::WrongLength {
                field,
                expected: max as u64,
                found: n as u64,
            });
        }
        self.take(n, field)
    }
    /// A `u32` count that must be at most `max` (guards allocation before reading items).
    pub fn count(&mut self, max: u32, field: &'static str) -> Result<u32> {
        let n = self.u32(field)?;
        if n > max {
            return Err(Error::WrongLength {
                field,
                expected: max as u64,
                found: n as u64,
            });
        }
        Ok(n)
    }
    /// Bytes not yet read.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }
    /// Fail unless everything was read (canonical encodings have no trailing data).
    pub fn finish(self, what: &'static str) -> Result<()> {
        match self.remaining() {
            0 => Ok(()),
            extra => Err(Error::TrailingBytes { what, extra }),
        }
    }
}

/// Decode strict lower-case hex (the JSON form of every byte string, spec §2.4).
pub fn hex_decode(s: &str, field: &'static str) -> Result<Vec<u8>> {
    if !s.len().is_multiple_of(2) || !s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(Error::Hex { field });
    }
    hex::decode(s).map_err(|_| Error::Hex { field })
}

/// Implements the canonical-encoding traits and the JSON form (lower-case hex
/// of the canonical bytes) for a type with `to_bytes` and `from_bytes`.
macro_rules! canonical_hex_serde {
    ($ty:ty, $what:literal) => {
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(
                &self,
                s: S,
            ) -> core::result::Result<S::Ok, S::Error> {
                s.serialize_str(&hex::encode(self.to_bytes()))
            }
        }
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(
                d: D,
            ) -> core::result::Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                let bytes =
                    $crate::group::hex_decode(&s, $what).map_err(serde::de::Error::custom)?;
                <$ty>::from_bytes(&bytes).map_err(serde::de::Error::custom)
            }
        }
    };
}
pub(crate) use canonical_hex_serde;

impl GroupElement {
    fn from_bytes_default(bytes: &[u8]) -> Result<Self> {
        Self::from_bytes(bytes, "group element")
    }
}

impl serde::Serialize for GroupElement {
    fn serialize<S: serde::Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(self.to_bytes()))
    }
}
impl<'de> serde::Deserialize<'de> for GroupElement {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> core::result::Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
        let bytes = hex_decode(&s, "group element").map_err(serde::de::Error::custom)?;
        GroupElement::from_bytes_default(&bytes).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn h_is_not_g_and_is_stable() {
        let h = generator_h_element();
        assert_ne!(h.point(), generator_g());
        assert!(!h.is_identity());
        // Recompute by the documented rule.
        let d = Sha512::digest(GENERATOR_H_LABEL);
        let mut w = [0u8; 64];
        w.copy_from_slice(&d);
        assert_eq!(RistrettoPoint::from_uniform_bytes(&w), h.point());
    }

    #[test]
    fn reader_rejects_trailing_and_truncated() {
        let mut w = Writer::new();
        w.u32(7).u64(9);
        let bytes = w.into_bytes();
        let mut r = Reader::new(&bytes);
        assert_eq!(r.u32("a").unwrap(), 7);
        assert_eq!(r.u64("b").unwrap(), 9);
        r.finish("x").unwrap();
        let mut r = Reader::new(&bytes[..5]);
        r.u32("a").unwrap();
        assert_eq!(r.u64("b"), Err(Error::Truncated { field: "b" }));
        let mut r = Reader::new(&bytes);
        r.u32("a").unwrap();
        assert_eq!(
            r.finish("x"),
            Err(Error::TrailingBytes {
                what: "x",
                extra: 8
            })
        );
    }

    #[test]
    fn hex_is_strict() {
        assert!(hex_decode("abcd", "f").is_ok());
        assert!(hex_decode("ABCD", "f").is_err());
        assert!(hex_decode("abc", "f").is_err());
        assert!(hex_decode("0x12", "f").is_err());
    }
}
