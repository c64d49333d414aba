//! Crockford base32 (`spec/client.md` §2.1): the alphabet of tracking codes
//! (`spec/record.md` §5.4), credential codes and short fingerprints.

/// `0123456789ABCDEFGHJKMNPQRSTVWXYZ`: value `v` is `ALPHABET[v]`.
pub const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// The value of one typed character, read the Crockford way: case-insensitive,
/// `O` as `0`, `I` and `L` as `1`. `None` for anything else (including `U`).
pub fn value(c: char) -> Option<u8> {
    let c = c.to_ascii_uppercase();
    let c = match c {
        'O' => '0',
        'I' | 'L' => '1',
        c => c,
    };
    ALPHABET
        .iter()
        .position(|&a| a as char == c)
        .map(|p| p as u8)
}

/// Whether a character is a separator a person may type between groups.
pub fn is_separator(c: char) -> bool {
    c == '-' || c == ' ' || c == '\u{a0}' || c == '\t' || c == '\n' || c == '\r'
}

/// The 5-bit groups of `bytes`, most significant bit first, the last group
/// padded with zero bits.
pub fn to_symbols(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity((bytes.len() * 8).div_ceil(5));
    let mut acc: u32 = 0;
    let mut bits = 0;
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(((acc >> bits) & 31) as u8);
        }
        acc &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(((acc << (5 - bits)) & 31) as u8);
    }
    out
}

/// The inverse of [`to_symbols`] for `n` bytes; `None` unless exactly
/// enough symbols are given and the padding bits are zero (one encoding
/// per value).
pub fn from_symbols(symbols: &[u8], n: usize) -> Option<Vec<u8>> {
    if symbols.len() != (n * 8).div_ceil(5) {
        return None;
    }
    let mut out = Vec::with_capacity(n);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for &s in symbols {
        if s > 31 {
            return None;
        }
        acc = (acc << 5) | u32::from(s);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    if acc != 0 {
        return None;
    }
    Some(out)
}

/// Symbols as text.
pub fn encode_symbols(symbols: &[u8]) -> String {
    symbols
        .iter()
        .map(|&s| ALPHABET[usize::from(s & 31)] as char)
        .collect()
}

/// `text` in groups of `size` characters joined by `-`.
pub fn group(text: &str, size: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    chars
        .chunks(size)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn crockford_reading() {
        assert_eq!(value('o'), Some(0));
        assert_eq!(value('L'), Some(1));
        assert_eq!(value('i'), Some(1));
        assert_eq!(value('z'), Some(31));
        assert_eq!(value('U'), None);
        assert_eq!(value('-'), None);
    }

    proptest! {
        #[test]
        fn symbols_round_trip(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let s = to_symbols(&bytes);
            prop_assert_eq!(from_symbols(&s, bytes.len()), Some(bytes));
        }
    }
}
