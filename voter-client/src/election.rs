//! Loading an election (`spec/client.md` §3): the election bundle (the
//! manifest and credential-list entries with their signatures, and the
//! joint election key), checked against the fingerprint the voter got
//! from outside the board.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use urna_crypto::PublicKey;
use urna_election::entry::{verify_credentials_signature, verify_manifest_signature};
use urna_election::{ElectionContext, Entry, Hash32, Manifest};
use urna_log::BoardPublicKey;

use crate::base32;
use crate::error::{ClientError, Result};

/// The format tag of an election bundle.
pub const BUNDLE_FORMAT: &str = "urna-election/v1";

/// An election bundle as received (JSON, `spec/client.md` §3.1). Nothing
/// in it is trusted until [`Election::load`] has checked it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ElectionBundle {
    /// Must be [`BUNDLE_FORMAT`].
    pub format: String,
    /// The manifest log entry (tag 1, `spec/record.md` §6.1), lower-case hex.
    pub manifest_entry: String,
    /// The credential-list log entry (tag 3), lower-case hex.
    pub credentials_entry: String,
    /// The credential-replacement log entries (tag 9, `spec/record.md`
    /// §4.3) posted before the opening, in log order, lower-case hex.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub credential_replacements: Vec<String>,
    /// The joint election key `K`, lower-case hex (32 bytes).
    pub election_key: String,
    /// The board's Ed25519 public key, lower-case hex, when the bundle
    /// comes from a board (used to check its receipts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub board_key: Option<String>,
}

impl ElectionBundle {
    /// Assemble a bundle from its parts (the board or an organizer tool).
    pub fn new(
        manifest_entry: &Entry,
        credentials_entry: &Entry,
        election_key: &PublicKey,
        board_key: Option<&BoardPublicKey>,
    ) -> Self {
        ElectionBundle {
            format: BUNDLE_FORMAT.into(),
            manifest_entry: hex::encode(manifest_entry.to_bytes()),
            credentials_entry: hex::encode(credentials_entry.to_bytes()),
            credential_replacements: Vec::new(),
            election_key: hex::encode(election_key.to_bytes()),
            board_key: board_key.map(|k| hex::encode(k.to_bytes())),
        }
    }

    /// Parse the JSON form.
    pub fn from_json(s: &str) -> Result<Self> {
        serde_json::from_str(s).map_err(|e| ClientError::format("election bundle", e.to_string()))
    }

    /// The JSON form.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

impl ElectionBundle {
    /// Assemble a bundle from the first entries of an election's log, in
    /// order (canonical bytes, `spec/record.md` §6.1): the manifest, the
    /// ceremony messages (from which the joint key is derived and
    /// verified) and the credential list. `None` while the log has no
    /// credential list yet. Nothing is trusted: [`Election::load`] checks it.
    pub fn from_log_entries(
        entries: &[Vec<u8>],
        board_key: Option<&BoardPublicKey>,
    ) -> Result<Option<Self>> {
        use urna_election::entry::tag;
        let mut manifest: Option<(Manifest, &Vec<u8>)> = None;
        let mut ceremony = Vec::new();
        let mut bundle: Option<ElectionBundle> = None;
        for (i, bytes) in entries.iter().enumerate() {
            match bytes.first().copied() {
                Some(tag::MANIFEST) if i == 0 => {
                    if let Entry::Manifest { manifest: m, .. } = Entry::from_bytes(bytes)? {
                        manifest = Some((m, bytes));
                    }
                }
                Some(tag::CEREMONY) => {
                    if let Entry::Ceremony(m) = Entry::from_bytes(bytes)? {
                        ceremony.push(m);
                    }
                }
                Some(tag::CREDENTIALS) if bundle.is_none() => {
                    let Some((m, manifest_bytes)) = &manifest else {
                        break;
                    };
                    let key = election_key_from_ceremony(m, &ceremony)?;
                    bundle = Some(ElectionBundle {
                        format: BUNDLE_FORMAT.into(),
                        manifest_entry: hex::encode(manifest_bytes),
                        credentials_entry: hex::encode(bytes),
                        credential_replacements: Vec::new(),
                        election_key: hex::encode(key.to_bytes()),
                        board_key: board_key.map(|k| hex::encode(k.to_bytes())),
                    });
                }
                // spec/record.md §4.3: replacements change the list until the opening.
                Some(tag::REPLACEMENT) => {
                    if let Some(b) = &mut bundle {
                        b.credential_replacements.push(hex::encode(bytes));
                    }
                }
                Some(tag::STATE) if bundle.is_some() => break,
                _ => {}
            }
        }
        if bundle.is_some() {
            return Ok(bundle);
        }
        if manifest.is_none() {
            return Err(ClientError::format(
                "election",
                "the log does not start with a manifest",
            ));
        }
        Ok(None)
    }
}

/// The fingerprint a voter expects, from the organizer's announcement or
/// the page's URL (`spec/client.md` §3.2): either the full 64 hex digits
/// of `spec/record.md` (H4), or its short form (the first 100 bits in the
/// tracking-code form, `XXXX-XXXX-XXXX-XXXX-XXXX`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExpectedFingerprint {
    /// All 32 bytes.
    Full(Hash32),
    /// The first 100 bits (12.5 bytes; the low 4 bits of byte 12 are zero).
    Short([u8; 13]),
}

impl ExpectedFingerprint {
    /// Parse either form.
    pub fn parse(s: &str) -> Result<Self> {
        let s = s.trim();
        let bad = |why: &str| {
            ClientError::WrongElection(format!(
                "`{s}` is not an election fingerprint: {why} (64 hex digits, or 20 letters and digits in groups of four)"
            ))
        };
        if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
            let b = hex::decode(s.to_ascii_lowercase()).map_err(|_| bad("not hex"))?;
            let h = Hash32::from_bytes(&b).map_err(|_| bad("not 32 bytes"))?;
            return Ok(ExpectedFingerprint::Full(h));
        }
        let mut symbols = Vec::with_capacity(20);
        for c in s.chars() {
            if base32::is_separator(c) {
                continue;
            }
            symbols.push(base32::value(c).ok_or_else(|| bad("unexpected character"))?);
        }
        if symbols.len() != 20 {
            return Err(bad("wrong length"));
        }
        // 100 bits = 12 bytes and 4 bits: read as 13 bytes whose last 4 bits are zero.
        let mut padded = symbols.clone();
        padded.push(0);
        let mut bits = base32::from_symbols(&padded[..21], 13).ok_or_else(|| bad("malformed"))?;
        bits.truncate(13);
        let mut a = [0u8; 13];
        a.copy_from_slice(&bits);
        Ok(ExpectedFingerprint::Short(a))
    }

    /// Whether `fp` has this fingerprint (constant-time is not needed: public data).
    pub fn matches(&self, fp: &Hash32) -> bool {
        match self {
            ExpectedFingerprint::Full(h) => h == fp,
            ExpectedFingerprint::Short(p) => fp.0[..12] == p[..12] && (fp.0[12] & 0xf0) == p[12],
        }
    }
}

/// The short form of a fingerprint: its first 100 bits in Crockford
/// base32, like a tracking code (`spec/record.md` §5.4).
pub fn short_fingerprint(fp: &Hash32) -> String {
    urna_election::TrackingCode(*fp).short()
}

struct Inner {
    ctx: ElectionContext,
    board_key: Option<BoardPublicKey>,
}

/// A loaded election whose manifest, election key and credential list
/// have the fingerprint the voter expects and whose manifest and list
/// signatures verify. Cheap to clone.
#[derive(Clone)]
pub struct Election(Arc<Inner>);

impl core::fmt::Debug for Election {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "Election({}, {})",
            self.manifest().election_id,
            self.fingerprint().to_hex()
        )
    }
}

/// The joint election key `K` from an election's ceremony entries
/// (`spec/trustees.md`): every message is verified, as the verifier does
/// (`spec/record.md` §10 (R3)). Used to assemble a bundle from a board's
/// log; the fingerprint check (C5) then decides whether to trust it.
pub fn election_key_from_ceremony(manifest: &Manifest, messages: &[Vec<u8>]) -> Result<PublicKey> {
    use urna_crypto::dkg::{verify_ceremony, CeremonyMessage, CeremonyParams, CeremonyRecord};
    let params = CeremonyParams::new(
        manifest.hash().0,
        manifest.trustee_count(),
        manifest.threshold,
    )?;
    let mut record = CeremonyRecord::new();
    for m in messages {
        record.push(CeremonyMessage::from_bytes(m)?);
    }
    let outcome = verify_ceremony(&params, &record)?;
    Ok(outcome.key().joint_key().clone())
}

impl PartialEq for Election {
    fn eq(&self, other: &Self) -> bool {
        self.fingerprint() == other.fingerprint()
    }
}
impl Eq for Election {}

fn entry_hex(s: &str, what: &'static str) -> Result<Entry> {
    let b = urna_crypto::group::hex_decode(s, what)?;
    Ok(Entry::from_bytes(&b)?)
}

/// Check a bundle on its own (`spec/client.md` §3.3 (C1)–(C4)) and
/// compute its fingerprint, for an organizer to publish or a voter to
/// compare. It proves nothing until compared with a fingerprint from
/// outside the board.
pub fn bundle_fingerprint(bundle: &ElectionBundle) -> Result<Hash32> {
    Ok(check_bundle(bundle)?.0.fingerprint())
}

fn check_bundle(bundle: &ElectionBundle) -> Result<(ElectionContext, Option<BoardPublicKey>)> {
    // (C1)
    if bundle.format != BUNDLE_FORMAT {
        return Err(ClientError::format(
            "election bundle",
            format!(
                "format `{}` is not `{BUNDLE_FORMAT}`; this client may be too old",
                bundle.format
            ),
        ));
    }
    // (C2)
    let manifest: Manifest = match entry_hex(&bundle.manifest_entry, "manifest_entry")? {
        Entry::Manifest {
            manifest,
            signature,
        } => {
            verify_manifest_signature(&manifest, &signature)?;
            manifest
        }
        _ => {
            return Err(ClientError::format(
                "election bundle",
                "manifest_entry is not a manifest entry",
            ))
        }
    };
    // (C3)
    let list = match entry_hex(&bundle.credentials_entry, "credentials_entry")? {
        Entry::Credentials { list, signature } => {
            verify_credentials_signature(
                &list,
                &signature,
                &manifest.credential_authority_key,
                &manifest.hash(),
            )?;
            list
        }
        _ => {
            return Err(ClientError::format(
                "election bundle",
                "credentials_entry is not a credential-list entry",
            ))
        }
    };
    // (C3a) replacements, in order, each for the list before it.
    let mut list = list;
    for (i, h) in bundle.credential_replacements.iter().enumerate() {
        let Entry::Replacement(rep) = entry_hex(h, "credential_replacements")? else {
            return Err(ClientError::format(
                "election bundle",
                format!("credential_replacements[{i}] is not a credential-replacement entry"),
            ));
        };
        list = rep.apply(&list, &manifest.credential_authority_key, &manifest.hash())?;
    }
    let key_bytes = urna_crypto::group::hex_decode(&bundle.election_key, "election_key")?;
    let key = PublicKey::from_bytes(&key_bytes)?;
    let board_key = match &bundle.board_key {
        Some(h) => {
            let b = urna_crypto::group::hex_decode(h, "board_key")?;
            Some(BoardPublicKey::from_bytes(&b)?)
        }
        None => None,
    };
    // (C4)
    let ctx = ElectionContext::new(manifest, key, list)?;
    Ok((ctx, board_key))
}

impl Election {
    /// Check a bundle (`spec/client.md` §3.3 (C1)–(C5)) and load it:
    /// format; the manifest entry and its organizer signature; the
    /// credential list entry and its authority signature; the context
    /// rules; the fingerprint against `expected`.
    pub fn load(bundle: &ElectionBundle, expected: &ExpectedFingerprint) -> Result<Self> {
        let (ctx, board_key) = check_bundle(bundle)?;
        // (C5)
        if !expected.matches(&ctx.fingerprint()) {
            return Err(ClientError::WrongElection(format!(
                "this election's fingerprint is {} ({}), not the one you expected; do not vote here",
                ctx.fingerprint().to_hex(),
                short_fingerprint(&ctx.fingerprint())
            )));
        }
        Ok(Election(Arc::new(Inner { ctx, board_key })))
    }

    /// Parse and load a bundle's JSON.
    pub fn load_json(json: &str, expected: &ExpectedFingerprint) -> Result<Self> {
        Self::load(&ElectionBundle::from_json(json)?, expected)
    }

    /// The election context (manifest, key, list, fingerprint, rules).
    pub fn context(&self) -> &ElectionContext {
        &self.0.ctx
    }

    /// The manifest.
    pub fn manifest(&self) -> &Manifest {
        self.0.ctx.manifest()
    }

    /// The fingerprint (`spec/record.md` (H4)).
    pub fn fingerprint(&self) -> Hash32 {
        self.0.ctx.fingerprint()
    }

    /// The board key named in the bundle, if any.
    pub fn board_key(&self) -> Option<&BoardPublicKey> {
        self.0.board_key.as_ref()
    }

    /// Whether a credential is in the list.
    pub fn is_listed(&self, credential: &PublicKey) -> bool {
        self.0.ctx.credentials().weight(credential).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_fingerprints_parse_and_match() {
        let fp = Hash32(core::array::from_fn(|i| (i * 37 + 11) as u8));
        let short = short_fingerprint(&fp);
        let e = ExpectedFingerprint::parse(&short).unwrap();
        assert!(e.matches(&fp));
        assert!(ExpectedFingerprint::parse(&short.to_lowercase())
            .unwrap()
            .matches(&fp));
        let mut other = fp;
        other.0[12] ^= 0x10;
        assert!(!e.matches(&other));
        let mut low = fp;
        low.0[12] ^= 0x01; // below the 100 bits: not covered by the short form
        assert!(e.matches(&low));
        let full = ExpectedFingerprint::parse(&fp.to_hex()).unwrap();
        assert!(full.matches(&fp) && !full.matches(&low));
        assert_eq!(
            ExpectedFingerprint::parse("nonsense").unwrap_err().code(),
            "ERR_WRONG_ELECTION"
        );
    }
}
