//! The typed entries of an election's log (spec/record.md §6).
//!
//! Each entry's canonical bytes are `u8 tag ‖ body`; they are the leaf data
//! of the board's Merkle log and the frames of the election record.

use merlin::Transcript;
use rand_core::{CryptoRng, RngCore};
use urna_crypto::group::{Reader, Writer};
use urna_crypto::{DecryptionShare, PublicKey, SecretKey, Signature};

use crate::audit::SpoiledBallot;
use crate::ballot::EncryptedBallot;
use crate::codec::Hash32;
use crate::credentials::CredentialList;
use crate::error::{ElectionError, Result};
use crate::manifest::Manifest;

mod signed;
use signed::{replacement_body, result_body, state_body};
pub use signed::{
    sign_credentials, sign_manifest, tally_context, verify_credentials_signature,
    verify_manifest_signature,
};

/// Largest ceremony message accepted (bytes).
pub const MAX_CEREMONY_MESSAGE: usize = 1 << 20;

/// A lifecycle state change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Voting opens.
    Open,
    /// Voting closes: no ballot may follow.
    Close,
}

/// An organizer-signed state change, bound to the election fingerprint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StateChange {
    /// Open or close.
    pub phase: Phase,
    /// The election fingerprint (binds manifest, key and credential list, docs/attacks.md C2).
    pub fingerprint: Hash32,
    /// When (Unix seconds, UTC).
    pub timestamp: u64,
    /// Organizer's signature over the body.
    pub signature: Signature,
}

/// One trustee's decryption shares of the final tally, one per option.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TallyShare {
    /// The trustee's index (1-based).
    pub trustee: u32,
    /// `shares[c][o]` decrypts contest `c`, option `o`'s aggregate.
    pub shares: Vec<Vec<DecryptionShare>>,
}

/// The announced result, organizer-signed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ElectionResult {
    /// `totals[c][o]`: the (weighted) total of option `o` in contest `c`.
    pub totals: Vec<Vec<u64>>,
    /// Organizer's signature.
    pub signature: Signature,
}

/// The credential authority's replacement of one credential by another
/// before voting opens, e.g. for a voter who lost theirs (spec/record.md
/// §4.3 (L5), §6.1 tag 9). The old credential is revoked; the new one
/// takes its weight. Bound to the list it changes by that list's hash, so a
/// replacement cannot be replayed onto another state of the list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CredentialReplacement {
    /// The hash (H3) of the effective list this replacement applies to.
    pub list_hash: Hash32,
    /// The revoked credential.
    pub old: PublicKey,
    /// The credential that replaces it.
    pub new: PublicKey,
    /// The credential authority's signature over the first 96 bytes.
    pub signature: Signature,
}

/// One log entry.
// The manifest variant is large, but entries are transient (decoded,
// checked, dropped) and a manifest is one per election: boxing would only
// add an allocation to every ballot's decode path.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry {
    /// The manifest, signed by the organizer key it names.
    Manifest {
        /// The manifest.
        manifest: Manifest,
        /// Organizer's signature over its bytes.
        signature: Signature,
    },
    /// A trustee ceremony message (encoding of spec/trustees.md).
    Ceremony(Vec<u8>),
    /// The credential list, signed by the credential authority.
    Credentials {
        /// The list.
        list: CredentialList,
        /// Authority's signature over its bytes.
        signature: Signature,
    },
    /// Open or close.
    State(StateChange),
    /// A cast ballot.
    Ballot(EncryptedBallot),
    /// An audited ballot.
    Spoiled(SpoiledBallot),
    /// A trustee's decryption shares.
    Tally(TallyShare),
    /// The result.
    Result(ElectionResult),
    /// A credential replaced (and the old one revoked) before voting opens.
    Replacement(CredentialReplacement),
}

/// Entry tags (spec/record.md §6.1).
pub mod tag {
    /// Manifest.
    pub const MANIFEST: u8 = 1;
    /// Ceremony message.
    pub const CEREMONY: u8 = 2;
    /// Credential list.
    pub const CREDENTIALS: u8 = 3;
    /// State change.
    pub const STATE: u8 = 4;
    /// Ballot.
    pub const BALLOT: u8 = 5;
    /// Spoiled ballot.
    pub const SPOILED: u8 = 6;
    /// Tally share.
    pub const TALLY: u8 = 7;
    /// Result.
    pub const RESULT: u8 = 8;
    /// Credential replacement.
    pub const REPLACEMENT: u8 = 9;
}

impl Entry {
    /// The entry's tag.
    pub fn tag(&self) -> u8 {
        match self {
            Entry::Manifest { .. } => tag::MANIFEST,
            Entry::Ceremony(_) => tag::CEREMONY,
            Entry::Credentials { .. } => tag::CREDENTIALS,
            Entry::State(_) => tag::STATE,
            Entry::Ballot(_) => tag::BALLOT,
            Entry::Spoiled(_) => tag::SPOILED,
            Entry::Tally(_) => tag::TALLY,
            Entry::Result(_) => tag::RESULT,
            Entry::Replacement(_) => tag::REPLACEMENT,
        }
    }

    /// `u8 tag ‖ body` (spec/record.md §6.1).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.u8(self.tag());
        match self {
            Entry::Manifest {
                manifest,
                signature,
            } => {
                manifest.write(&mut w);
                signature.write(&mut w);
            }
            Entry::Ceremony(b) => {
                w.var_bytes(b);
            }
            Entry::Credentials { list, signature } => {
                list.write(&mut w);
                signature.write(&mut w);
            }
            Entry::State(s) => {
                w.fixed(&state_body(s.phase, &s.fingerprint, s.timestamp));
                s.signature.write(&mut w);
            }
            Entry::Ballot(b) => b.write(&mut w),
            Entry::Spoiled(s) => s.write(&mut w),
            Entry::Tally(t) => {
                w.u32(t.trustee);
                w.u32(t.shares.len() as u32);
                for c in &t.shares {
                    w.u32(c.len() as u32);
                    for s in c {
                        s.write(&mut w);
                    }
                }
            }
            Entry::Result(r) => {
                w.fixed(&result_body(&r.totals));
                r.signature.write(&mut w);
            }
            Entry::Replacement(c) => {
                w.fixed(&replacement_body(&c.list_hash, &c.old, &c.new));
                c.signature.write(&mut w);
            }
        }
        w.into_bytes()
    }

    /// Decode canonical bytes (no trailing bytes).
    pub fn from_bytes(b: &[u8]) -> Result<Self> {
        let mut r = Reader::new(b);
        let e = Self::read_body(&mut r)?;
        r.finish("log entry")?;
        Ok(e)
    }

    fn read_body(r: &mut Reader<'_>) -> Result<Self> {
        let max_contests = crate::manifest::MAX_CONTESTS as u32;
        let max_options = urna_crypto::contest::MAX_OPTIONS;
        Ok(match r.u8("entry tag")? {
            tag::MANIFEST => Entry::Manifest {
                manifest: Manifest::read(r)?,
                signature: Signature::read(r)?,
            },
            tag::CEREMONY => Entry::Ceremony(
                r.var_bytes(MAX_CEREMONY_MESSAGE, "ceremony message")?
                    .to_vec(),
            ),
            tag::CREDENTIALS => Entry::Credentials {
                list: CredentialList::read(r)?,
                signature: Signature::read(r)?,
            },
            tag::STATE => {
                let phase = match r.u8("phase")? {
                    1 => Phase::Open,
                    2 => Phase::Close,
                    _ => return Err(ElectionError::invalid("phase", "unknown phase")),
                };
                let fingerprint = Hash32::read(r, "state fingerprint")?;
                let timestamp = r.u64("state timestamp")?;
                Entry::State(StateChange {
                    phase,
                    fingerprint,
                    timestamp,
                    signature: Signature::read(r)?,
                })
            }
            tag::BALLOT => Entry::Ballot(EncryptedBallot::read(r)?),
            tag::SPOILED => {
                // Smaller than the ballot it audits (no proofs), so held
                // to the ballot's limit (spec/record.md §6.1).
                if r.remaining() > crate::ballot::MAX_BALLOT_BYTES {
                    return Err(ElectionError::BallotShape(format!(
                        "an audited ballot above {} bytes",
                        crate::ballot::MAX_BALLOT_BYTES
                    )));
                }
                Entry::Spoiled(SpoiledBallot::read(r)?)
            }
            tag::TALLY => {
                let trustee = r.u32("tally trustee")?;
                let nc = r.count(max_contests, "tally contest count")?;
                let mut shares = Vec::with_capacity(nc as usize);
                for _ in 0..nc {
                    let no = r.count(max_options, "tally option count")?;
                    shares.push(
                        (0..no)
                            .map(|_| DecryptionShare::read(r).map_err(ElectionError::from))
                            .collect::<Result<Vec<_>>>()?,
                    );
                }
                Entry::Tally(TallyShare { trustee, shares })
            }
            tag::RESULT => {
                let nc = r.count(max_contests, "result contest count")?;
                let mut totals = Vec::with_capacity(nc as usize);
                for _ in 0..nc {
                    let no = r.count(max_options, "result option count")?;
                    totals.push(
                        (0..no)
                            .map(|_| r.u64("result total"))
                            .collect::<urna_crypto::Result<Vec<_>>>()?,
                    );
                }
                Entry::Result(ElectionResult {
                    totals,
                    signature: Signature::read(r)?,
                })
            }
            tag::REPLACEMENT => Entry::Replacement(CredentialReplacement {
                list_hash: Hash32::read(r, "replacement list hash")?,
                old: PublicKey::from_group_element(r.element("revoked credential")?)?,
                new: PublicKey::from_group_element(r.element("replacement credential")?)?,
                signature: Signature::read(r)?,
            }),
            other => {
                return Err(ElectionError::invalid(
                    "entry tag",
                    format!("unknown entry type {other}"),
                ))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::CredentialEntry;
    use rand_core::OsRng;

    fn list(keys: &[PublicKey]) -> CredentialList {
        CredentialList::new(
            keys.iter()
                .map(|k| CredentialEntry {
                    public: k.clone(),
                    weight: 1,
                })
                .collect(),
        )
        .unwrap()
    }

    fn key() -> PublicKey {
        SecretKey::generate(&mut OsRng).public_key()
    }

    #[test]
    fn c02_replacement_round_trip_and_every_field_tampered() {
        let authority = SecretKey::generate(&mut OsRng);
        let election = Hash32([7; 32]);
        let (a, b, c) = (key(), key(), key());
        let l = list(&[a.clone(), b.clone()]);
        let rep = CredentialReplacement::sign(
            &l,
            a.clone(),
            c.clone(),
            &election,
            &authority,
            &mut OsRng,
        );
        // Round trip through the entry encoding.
        let bytes = Entry::Replacement(rep.clone()).to_bytes();
        assert_eq!(bytes.len(), 1 + 96 + 64);
        assert_eq!(
            Entry::from_bytes(&bytes).unwrap(),
            Entry::Replacement(rep.clone())
        );
        let new = rep.apply(&l, &authority.public_key(), &election).unwrap();
        assert_eq!(new.len(), 2);
        assert!(new.weight(&a).is_none() && new.weight(&c) == Some(1) && new.weight(&b) == Some(1));
        // Each field altered to another valid value fails.
        let mut t = rep.clone();
        t.list_hash.0[0] ^= 1;
        assert!(t.apply(&l, &authority.public_key(), &election).is_err());
        let mut t = rep.clone();
        t.old = b.clone();
        assert!(t.apply(&l, &authority.public_key(), &election).is_err());
        let mut t = rep.clone();
        t.new = key();
        assert!(t.apply(&l, &authority.public_key(), &election).is_err());
        let other =
            CredentialReplacement::sign(&l, b.clone(), key(), &election, &authority, &mut OsRng);
        let mut t = rep.clone();
        t.signature = other.signature;
        assert!(t.apply(&l, &authority.public_key(), &election).is_err());
        // Every byte of the entry flipped: refused by decoding or by the checks.
        for i in 1..bytes.len() {
            let mut b2 = bytes.clone();
            b2[i] ^= 1;
            if let Ok(Entry::Replacement(t)) = Entry::from_bytes(&b2) {
                assert!(
                    t.apply(&l, &authority.public_key(), &election).is_err(),
                    "byte {i}"
                );
            }
        }
        // Another election, another signer, a replayed (stale) replacement.
        assert!(rep
            .apply(&l, &authority.public_key(), &Hash32([8; 32]))
            .is_err());
        assert!(rep.apply(&l, &key(), &election).is_err());
        assert!(matches!(
            rep.apply(&new, &authority.public_key(), &election),
            Err(ElectionError::CredentialListInvalid(_))
        ));
        // The organizer's action transcripts cannot be reused for it.
        let as_list = sign_credentials(l.clone(), &election, &authority, &mut OsRng);
        let Entry::Credentials { signature, .. } = as_list else {
            panic!()
        };
        let mut t = rep.clone();
        t.signature = signature;
        assert!(t.apply(&l, &authority.public_key(), &election).is_err());
    }

    #[test]
    fn c03_replacement_of_an_unknown_or_by_a_listed_credential() {
        let authority = SecretKey::generate(&mut OsRng);
        let election = Hash32([1; 32]);
        let (a, b) = (key(), key());
        let l = list(&[a.clone(), b.clone()]);
        let unknown =
            CredentialReplacement::sign(&l, key(), key(), &election, &authority, &mut OsRng);
        assert!(matches!(
            unknown.apply(&l, &authority.public_key(), &election),
            Err(ElectionError::CredentialUnknown)
        ));
        let dup = CredentialReplacement::sign(&l, a, b, &election, &authority, &mut OsRng);
        assert!(matches!(
            dup.apply(&l, &authority.public_key(), &election),
            Err(ElectionError::CredentialListInvalid(_))
        ));
        // The identity as the new credential does not even decode.
        let ok = CredentialReplacement::sign(
            &l,
            l.entries()[0].public.clone(),
            key(),
            &election,
            &authority,
            &mut OsRng,
        );
        let mut bytes = Entry::Replacement(ok).to_bytes();
        bytes[65..97].fill(0);
        assert!(Entry::from_bytes(&bytes).is_err());
    }
}
