//! Canonical encodings of the model's own building blocks (spec/record.md §2):
//! strings, localized texts and hashes, on top of `urna_crypto::group`'s codec.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};
use urna_crypto::group::{Reader, Writer};

use crate::error::{ElectionError, Result};

/// Longest string field accepted (bytes of UTF-8).
pub const MAX_STRING: usize = 64 * 1024;
/// Most languages of one localized text (spec/record.md §2.2).
const MAX_LANGUAGES: usize = 64;

/// Append a UTF-8 string as `u32 len ‖ bytes`.
pub fn write_str(w: &mut Writer, s: &str) {
    w.var_bytes(s.as_bytes());
}

/// Read a UTF-8 string of at most `max` bytes.
pub fn read_str(r: &mut Reader<'_>, max: usize, field: &'static str) -> Result<String> {
    let b = r.var_bytes(max, field)?;
    String::from_utf8(b.to_vec()).map_err(|_| ElectionError::invalid(field, "not valid UTF-8"))
}

/// Domain-separated SHA-256: `SHA-256(u32 len(label) ‖ label ‖ data)` (spec/record.md §2.3 (H1)).
pub fn hash(label: &str, data: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update((label.len() as u32).to_be_bytes());
    h.update(label.as_bytes());
    h.update(data);
    h.finalize().into()
}

/// A text in several languages: language tag (BCP 47, e.g. `en`, `be`,
/// `be-tarask`, `ru`, `uk`) to text. Encoded sorted by tag.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct LocalizedText(pub BTreeMap<String, String>);

impl LocalizedText {
    /// A text in one language.
    pub fn single(lang: &str, text: &str) -> Self {
        LocalizedText(BTreeMap::from([(lang.to_string(), text.to_string())]))
    }

    /// The text in `lang`, else in `fallback`, else any.
    pub fn get(&self, lang: &str, fallback: &str) -> &str {
        self.0
            .get(lang)
            .or_else(|| self.0.get(fallback))
            .or_else(|| self.0.values().next())
            .map(String::as_str)
            .unwrap_or("")
    }

    pub(crate) fn validate(&self, field: &str, required_lang: &str) -> Result<()> {
        // The encoding's own limit: a text with more languages would be
        // valid but could not be decoded from its canonical bytes.
        if self.0.len() > MAX_LANGUAGES {
            return Err(ElectionError::invalid(
                field,
                format!("at most {MAX_LANGUAGES} languages"),
            ));
        }
        for (lang, text) in &self.0 {
            if !valid_lang(lang) {
                return Err(ElectionError::invalid(
                    field,
                    format!("`{lang}` is not a language tag like `en`, `be-tarask`"),
                ));
            }
            if text.len() > MAX_STRING {
                return Err(ElectionError::invalid(field, "text longer than 64 KiB"));
            }
        }
        if !required_lang.is_empty() && !self.0.contains_key(required_lang) {
            return Err(ElectionError::invalid(
                field,
                format!("missing the text in the default language `{required_lang}`"),
            ));
        }
        Ok(())
    }

    pub(crate) fn write(&self, w: &mut Writer) {
        w.u32(self.0.len() as u32);
        for (k, v) in &self.0 {
            write_str(w, k);
            write_str(w, v);
        }
    }

    pub(crate) fn read(r: &mut Reader<'_>, field: &'static str) -> Result<Self> {
        let n = r.count(MAX_LANGUAGES as u32, field)?;
        let mut map = BTreeMap::new();
        let mut last: Option<String> = None;
        for _ in 0..n {
            let k = read_str(r, 64, field)?;
            let v = read_str(r, MAX_STRING, field)?;
            if last.as_ref().is_some_and(|l| *l >= k) {
                return Err(ElectionError::NonCanonical(field));
            }
            last = Some(k.clone());
            map.insert(k, v);
        }
        Ok(LocalizedText(map))
    }
}

fn valid_lang(tag: &str) -> bool {
    !tag.is_empty()
        && tag.len() <= 35
        && tag
            .split('-')
            .all(|p| !p.is_empty() && p.len() <= 8 && p.bytes().all(|b| b.is_ascii_alphanumeric()))
        && tag
            .split('-')
            .next()
            .is_some_and(|p| p.bytes().all(|b| b.is_ascii_lowercase()))
}

/// A 32-byte hash with a lower-case hex JSON form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Hash32(pub [u8; 32]);

impl Hash32 {
    /// Lower-case hex.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
    /// Canonical bytes.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0
    }
    /// Decode 32 bytes.
    pub fn from_bytes(b: &[u8]) -> urna_crypto::Result<Self> {
        let arr: [u8; 32] = b.try_into().map_err(|_| urna_crypto::Error::WrongLength {
            field: "hash",
            expected: 32,
            found: b.len() as u64,
        })?;
        Ok(Hash32(arr))
    }
    pub(crate) fn read(r: &mut Reader<'_>, field: &'static str) -> Result<Self> {
        let mut a = [0u8; 32];
        a.copy_from_slice(r.take(32, field)?);
        Ok(Hash32(a))
    }
}

impl serde::Serialize for Hash32 {
    fn serialize<S: serde::Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}
impl<'de> serde::Deserialize<'de> for Hash32 {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> core::result::Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        let b = urna_crypto::group::hex_decode(&s, "hash").map_err(serde::de::Error::custom)?;
        Hash32::from_bytes(&b).map_err(serde::de::Error::custom)
    }
}
