//! The canonical byte codec (`spec/log.md` §1.2): fixed-size fields in order,
//! integers big-endian, lists prefixed by a `u32` count. The same rules as
//! `urna-crypto`'s codec, kept local so that this crate does not depend on the
//! group-arithmetic stack.

use crate::error::{Error, Result};

/// Builds a canonical encoding.
#[derive(Default, Debug)]
pub(crate) struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    pub(crate) fn new() -> Self {
        Self::default()
    }
    pub(crate) fn u8(&mut self, v: u8) -> &mut Self {
        self.buf.push(v);
        self
    }
    pub(crate) fn u32(&mut self, v: u32) -> &mut Self {
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }
    pub(crate) fn u64(&mut self, v: u64) -> &mut Self {
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }
    pub(crate) fn fixed(&mut self, b: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(b);
        self
    }
    pub(crate) fn into_bytes(self) -> Vec<u8> {
        self.buf
    }
}

/// Reads a canonical encoding; every read names the field for error messages.
#[derive(Debug)]
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }
    /// Take exactly `n` raw bytes.
    pub(crate) fn take(&mut self, n: usize, field: &'static str) -> Result<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.buf.len())
            .ok_or(Error::Truncated { field })?;
        let out = &self.buf[self.pos..end];
        self.pos = end;
        Ok(out)
    }
    pub(crate) fn array<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N]> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N, field)?);
        Ok(a)
    }
    pub(crate) fn u8(&mut self, field: &'static str) -> Result<u8> {
        Ok(self.array::<1>(field)?[0])
    }
    pub(crate) fn u32(&mut self, field: &'static str) -> Result<u32> {
        Ok(u32::from_be_bytes(self.array(field)?))
    }
    pub(crate) fn u64(&mut self, field: &'static str) -> Result<u64> {
        Ok(u64::from_be_bytes(self.array(field)?))
    }
    /// A `u32` count that must be at most `max` (guards allocation before reading items).
    pub(crate) fn count(&mut self, max: u32, field: &'static str) -> Result<u32> {
        let n = self.u32(field)?;
        if n > max {
            return Err(Error::TooLong {
                field,
                max: u64::from(max),
                found: u64::from(n),
            });
        }
        Ok(n)
    }
    /// Fail unless everything was read (canonical encodings have no trailing data).
    pub(crate) fn finish(self, what: &'static str) -> Result<()> {
        match self.buf.len() - self.pos {
            0 => Ok(()),
            extra => Err(Error::TrailingBytes { what, extra }),
        }
    }
}

/// Decode strict lower-case hex of exactly `N` bytes (the JSON form of every
/// fixed-size byte string, `spec/log.md` §11).
pub(crate) fn hex_array<const N: usize>(s: &str, field: &'static str) -> Result<[u8; N]> {
    let v = hex_vec(s, field)?;
    v.try_into().map_err(|_| Error::Hex { field })
}

/// Decode strict lower-case hex of any even length.
pub(crate) fn hex_vec(s: &str, field: &'static str) -> Result<Vec<u8>> {
    if !s.len().is_multiple_of(2) || !s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(Error::Hex { field });
    }
    hex::decode(s).map_err(|_| Error::Hex { field })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_rejects_trailing_and_truncated() {
        let mut w = Writer::new();
        w.u32(7).u64(9).u8(1);
        let bytes = w.into_bytes();
        let mut r = Reader::new(&bytes);
        assert_eq!(r.u32("a").unwrap(), 7);
        assert_eq!(r.u64("b").unwrap(), 9);
        assert_eq!(r.u8("c").unwrap(), 1);
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
                extra: 9
            })
        );
        let mut r = Reader::new(&bytes);
        assert!(matches!(r.count(6, "n"), Err(Error::TooLong { .. })));
    }

    #[test]
    fn hex_is_strict() {
        assert_eq!(hex_array::<2>("abcd", "f").unwrap(), [0xab, 0xcd]);
        assert!(hex_array::<2>("ABCD", "f").is_err());
        assert!(hex_array::<2>("abc", "f").is_err());
        assert!(hex_array::<2>("abcdef", "f").is_err());
        assert!(hex_array::<2>("0x12", "f").is_err());
        assert!(hex_vec("", "f").unwrap().is_empty());
    }
}
