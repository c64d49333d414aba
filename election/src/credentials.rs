//! The public credential list `L` (spec/record.md §4): the credential public
//! keys allowed to vote, with their weights, and no names.

use std::collections::HashMap;

use urna_crypto::group::{Reader, Writer};
use urna_crypto::PublicKey;

use crate::codec::{hash, Hash32};
use crate::error::{ElectionError, Result};

/// Most credentials in one list.
pub const MAX_CREDENTIALS: u32 = 10_000_000;
/// Largest weight of one credential.
pub const MAX_WEIGHT: u64 = 1_000_000;

/// One eligible credential.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CredentialEntry {
    /// The credential's public key.
    pub public: PublicKey,
    /// Its weight (1 in unweighted elections).
    pub weight: u64,
}

/// The credential list. Invariants (spec/record.md §4.1 (L1)–(L3)): sorted by
/// key bytes, no duplicates, no identity, weights in `1..=MAX_WEIGHT`.
#[derive(Clone, Debug)]
pub struct CredentialList {
    entries: Vec<CredentialEntry>,
    index: HashMap<[u8; 32], usize>,
}

impl PartialEq for CredentialList {
    fn eq(&self, o: &Self) -> bool {
        self.entries == o.entries
    }
}
impl Eq for CredentialList {}

impl CredentialList {
    /// Build from entries in any order; rejects duplicates and bad weights.
    pub fn new(mut entries: Vec<CredentialEntry>) -> Result<Self> {
        entries.sort_by_key(|e| e.public.to_bytes());
        Self::from_sorted(entries)
    }

    fn from_sorted(entries: Vec<CredentialEntry>) -> Result<Self> {
        if entries.is_empty() {
            return Err(ElectionError::CredentialListInvalid(
                "the list is empty".into(),
            ));
        }
        let mut index = HashMap::with_capacity(entries.len());
        for (i, e) in entries.iter().enumerate() {
            if e.weight == 0 || e.weight > MAX_WEIGHT {
                return Err(ElectionError::CredentialListInvalid(format!(
                    "entry {i}: weight must be between 1 and {MAX_WEIGHT}"
                )));
            }
            if i > 0 && entries[i - 1].public.to_bytes() >= e.public.to_bytes() {
                return Err(ElectionError::CredentialListInvalid(format!(
                    "entry {i}: duplicate or out of order credential {}",
                    hex::encode(e.public.to_bytes())
                )));
            }
            index.insert(e.public.to_bytes(), i);
        }
        Ok(CredentialList { entries, index })
    }

    /// The entries, sorted.
    pub fn entries(&self) -> &[CredentialEntry] {
        &self.entries
    }

    /// Number of credentials.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether empty (never, for a valid list).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The weight of a credential, if listed.
    pub fn weight(&self, credential: &PublicKey) -> Option<u64> {
        self.index
            .get(&credential.to_bytes())
            .map(|&i| self.entries[i].weight)
    }

    /// Sum of all weights (bounds every tally, docs/attacks.md A12).
    pub fn total_weight(&self) -> u64 {
        self.entries.iter().map(|e| e.weight).sum()
    }

    /// Whether every weight is 1.
    pub fn is_unweighted(&self) -> bool {
        self.entries.iter().all(|e| e.weight == 1)
    }

    /// Append `u32 n ‖ (key ‖ u64 weight)ⁿ`.
    pub fn write(&self, w: &mut Writer) {
        w.u32(self.entries.len() as u32);
        for e in &self.entries {
            w.element(e.public.element()).u64(e.weight);
        }
    }

    /// Read and check the invariants.
    pub fn read(r: &mut Reader<'_>) -> Result<Self> {
        let n = r.count(MAX_CREDENTIALS, "credential count")?;
        // Reserve only for the entries the input can hold (32-byte key and
        // u64 weight each): a five-byte input claiming ten million entries
        // must not reserve hundreds of megabytes.
        let mut entries = Vec::with_capacity((n as usize).min(r.remaining() / 40));
        for _ in 0..n {
            let public = PublicKey::from_group_element(r.element("credential")?)?;
            let weight = r.u64("credential weight")?;
            entries.push(CredentialEntry { public, weight });
        }
        Self::from_sorted(entries)
    }

    /// Canonical bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new();
        self.write(&mut w);
        w.into_bytes()
    }

    /// The list with credential `old` replaced by `new`, at `old`'s weight
    /// (spec/record.md §4.3 (L5)): `ERR_CREDENTIAL_UNKNOWN` if `old` is not
    /// listed, `ERR_CREDENTIAL_LIST_INVALID` if `new` already is.
    pub fn replace(&self, old: &PublicKey, new: &PublicKey) -> Result<Self> {
        let Some(&i) = self.index.get(&old.to_bytes()) else {
            return Err(ElectionError::CredentialUnknown);
        };
        if self.index.contains_key(&new.to_bytes()) {
            return Err(ElectionError::CredentialListInvalid(format!(
                "the replacement credential {} is already in the list",
                hex::encode(new.to_bytes())
            )));
        }
        let mut entries = self.entries.clone();
        entries[i].public = new.clone();
        Self::new(entries)
    }

    /// `H("urna/v1/credential-list", bytes)` (spec/record.md §2.3 (H3)).
    pub fn hash(&self) -> Hash32 {
        Hash32(hash("urna/v1/credential-list", &self.to_bytes()))
    }
}
