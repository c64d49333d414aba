//! The election manifest (spec/record.md §3): what is being decided, by
//! whom, when, and under which rules. Immutable once posted.

use serde::{Deserialize, Serialize};
use urna_crypto::group::{Reader, Writer};
use urna_crypto::{ContestBounds, PublicKey};

use crate::codec::{hash, read_str, write_str, Hash32, LocalizedText};
use crate::error::{ElectionError, Result};

/// The only spec version this code accepts (fail closed on others, docs/attacks.md A15).
pub const SPEC_VERSION: &str = "urna/v1";
/// Most contests in one election.
pub const MAX_CONTESTS: usize = 64;
/// Most trustees.
pub const MAX_TRUSTEES: usize = 32;
/// Longest trustee name (bytes of UTF-8).
const MAX_TRUSTEE_NAME: usize = 256;

/// How a contest is voted (spec/record.md §3.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ContestKind {
    /// Choose between `min` and `max` options (plurality: `min = max = 1`).
    Approval {
        /// Fewest options to choose.
        min: u64,
        /// Most options to choose.
        max: u64,
    },
    /// Give every option a score in `0..=max_score`.
    Score {
        /// Highest score.
        max_score: u64,
    },
    /// Give every option `0..=max_per_option` points, at most `budget` in total.
    Budget {
        /// Most points per option.
        max_per_option: u64,
        /// Most points in total.
        budget: u64,
    },
}

/// One option of a contest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContestOption {
    /// Stable id (`[a-z0-9_-]{1,64}`).
    pub id: String,
    /// The option's name.
    pub title: LocalizedText,
}

/// One question of the election.
///
/// (No `deny_unknown_fields` here: serde cannot combine it with the
/// flattened `kind`; unknown keys inside a contest are rejected by
/// [`ContestKind`]'s own `deny_unknown_fields`.)
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contest {
    /// Stable id (`[a-z0-9_-]{1,64}`).
    pub id: String,
    /// The question.
    pub title: LocalizedText,
    /// Voting rule.
    #[serde(flatten)]
    pub kind: ContestKind,
    /// The options, in ballot order.
    pub options: Vec<ContestOption>,
}

impl Contest {
    /// The bounds its proofs are checked against.
    pub fn bounds(&self) -> Result<ContestBounds> {
        let n = self.options.len() as u32;
        let b = match self.kind {
            ContestKind::Approval { min, max } => ContestBounds::new(n, 1, min, max),
            ContestKind::Score { max_score } => {
                ContestBounds::new(n, max_score, 0, max_score.saturating_mul(n as u64))
            }
            ContestKind::Budget {
                max_per_option,
                budget,
            } => ContestBounds::new(n, max_per_option, 0, budget),
        };
        b.map_err(|e| ElectionError::invalid(format!("contest `{}`", self.id), e.to_string()))
    }

    /// The largest value one ballot can give one option.
    pub fn max_per_option(&self) -> u64 {
        match self.kind {
            ContestKind::Approval { .. } => 1,
            ContestKind::Score { max_score } => max_score,
            ContestKind::Budget { max_per_option, .. } => max_per_option,
        }
    }
}

/// A trustee as the manifest names them: the roster entry that pins the
/// signing key every ceremony message of this trustee must verify under
/// (spec/record.md §3.3 (M4), spec/trustees.md §5.8). The encryption key
/// and the shares come from the ceremony.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrusteeInfo {
    /// A name or pseudonym.
    pub name: String,
    /// The trustee's ceremony signing key `P_i` (`urna-trustee init` prints it).
    pub signing_key: PublicKey,
}

/// The election manifest. Construct with [`Manifest::from_json`] or
/// [`Manifest::from_bytes`]; both validate, so a `Manifest` value is always valid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Must be [`SPEC_VERSION`].
    pub spec_version: String,
    /// Short id used in URLs (`[a-z0-9-]{1,64}`).
    pub election_id: String,
    /// Title.
    pub title: LocalizedText,
    /// Explanatory text (may be empty).
    #[serde(default)]
    pub description: LocalizedText,
    /// Language of the texts that must exist.
    pub default_language: String,
    /// Voting opens (Unix seconds, UTC).
    pub opens_at: u64,
    /// Voting closes (Unix seconds, UTC).
    pub closes_at: u64,
    /// Trustees, in index order (index = position + 1).
    pub trustees: Vec<TrusteeInfo>,
    /// How many trustees must take part in decryption.
    pub threshold: u32,
    /// Key that signs the organizer's lifecycle actions.
    pub organizer_key: PublicKey,
    /// Key that signs the credential list.
    pub credential_authority_key: PublicKey,
    /// Whether credentials carry weights.
    #[serde(default)]
    pub weighted: bool,
    /// The questions.
    pub contests: Vec<Contest>,
}

/// Whether `s` is a valid id (`[a-z0-9_-]{1,64}`, `spec/record.md` §3.1):
/// election, contest and option ids. Also the rule for an election id in a
/// URL path, so every tool and the board check it alike.
pub fn valid_id(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

impl Manifest {
    /// Parse the JSON form and validate it.
    pub fn from_json(s: &str) -> Result<Self> {
        let m: Manifest = serde_json::from_str(s)
            .map_err(|e| ElectionError::invalid("manifest", e.to_string()))?;
        m.validate()?;
        Ok(m)
    }

    /// The JSON form.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Check every rule of spec/record.md §3.3 (M1)–(M8).
    pub fn validate(&self) -> Result<()> {
        // (M1) version
        if self.spec_version != SPEC_VERSION {
            return Err(ElectionError::UnsupportedVersion(format!(
                "manifest says `{}`, this software implements `{SPEC_VERSION}`",
                self.spec_version
            )));
        }
        // (M2) ids
        if !valid_id(&self.election_id) {
            return Err(ElectionError::invalid(
                "election_id",
                "use 1 to 64 characters from a-z, 0-9, '-' and '_'",
            ));
        }
        let lang = &self.default_language;
        self.title.validate("title", lang)?;
        self.description.validate("description", "")?;
        // (M3) period
        if self.opens_at >= self.closes_at {
            return Err(ElectionError::invalid(
                "closes_at",
                "voting must close after it opens",
            ));
        }
        // (M4) trustees and threshold
        let n = self.trustees.len();
        if n == 0 || n > MAX_TRUSTEES {
            return Err(ElectionError::invalid(
                "trustees",
                format!("between 1 and {MAX_TRUSTEES} trustees are needed"),
            ));
        }
        // The encoding's own limit (spec/record.md §2.2): a longer name
        // would be valid but could not be decoded from the manifest's bytes.
        if let Some(i) = self
            .trustees
            .iter()
            .position(|t| t.name.len() > MAX_TRUSTEE_NAME)
        {
            return Err(ElectionError::invalid(
                format!("trustees[{i}].name"),
                format!("at most {MAX_TRUSTEE_NAME} bytes"),
            ));
        }
        // (M4) a roster of distinct signing keys: one key cannot speak for
        // two trustees (spec/trustees.md §5.8 (N2)).
        for (i, t) in self.trustees.iter().enumerate() {
            if let Some(j) = self.trustees[..i]
                .iter()
                .position(|o| o.signing_key == t.signing_key)
            {
                return Err(ElectionError::invalid(
                    format!("trustees[{i}].signing_key"),
                    format!("the same key as trustees[{j}]: each trustee needs its own key"),
                ));
            }
        }
        if self.threshold == 0 || self.threshold as usize > n {
            return Err(ElectionError::invalid(
                "threshold",
                format!("must be between 1 and the number of trustees ({n})"),
            ));
        }
        // (M5) distinct roles
        if self.organizer_key == self.credential_authority_key {
            return Err(ElectionError::invalid(
                "credential_authority_key",
                "the credential authority must not use the organizer's key",
            ));
        }
        // (M6) contests
        if self.contests.is_empty() || self.contests.len() > MAX_CONTESTS {
            return Err(ElectionError::invalid(
                "contests",
                format!("between 1 and {MAX_CONTESTS} contests are needed"),
            ));
        }
        let mut ids = std::collections::BTreeSet::new();
        for (i, c) in self.contests.iter().enumerate() {
            let field = format!("contests[{i}]");
            if !valid_id(&c.id) || !ids.insert(c.id.clone()) {
                return Err(ElectionError::invalid(
                    format!("{field}.id"),
                    "ids must be unique and use a-z, 0-9, '-' and '_'",
                ));
            }
            c.title.validate(&format!("{field}.title"), lang)?;
            // (M7) options
            let mut oids = std::collections::BTreeSet::new();
            for (j, o) in c.options.iter().enumerate() {
                if !valid_id(&o.id) || !oids.insert(o.id.clone()) {
                    return Err(ElectionError::invalid(
                        format!("{field}.options[{j}].id"),
                        "option ids must be unique within the contest and use a-z, 0-9, '-' and '_'",
                    ));
                }
                o.title
                    .validate(&format!("{field}.options[{j}].title"), lang)?;
            }
            // (M8) rule consistent with the options
            c.bounds()
                .map_err(|e| ElectionError::invalid(field.clone(), e.to_string()))?;
            // (M8) a single unit-weight vote must be decodable (spec/crypto.md §6.2 (L2)).
            if c.max_per_option() > urna_crypto::dlog::TALLY_BOUND {
                return Err(ElectionError::invalid(
                    field,
                    format!(
                        "the largest value per option is {}, above the tally bound 2^40",
                        c.max_per_option()
                    ),
                ));
            }
            if let ContestKind::Approval { max, .. } = c.kind {
                if max > c.options.len() as u64 {
                    return Err(ElectionError::invalid(
                        field,
                        "max cannot exceed the number of options",
                    ));
                }
            }
        }
        Ok(())
    }

    /// The canonical encoding (spec/record.md §3.4).
    pub fn write(&self, w: &mut Writer) {
        write_str(w, &self.spec_version);
        write_str(w, &self.election_id);
        self.title.write(w);
        self.description.write(w);
        write_str(w, &self.default_language);
        w.u64(self.opens_at).u64(self.closes_at);
        w.u32(self.trustees.len() as u32);
        for t in &self.trustees {
            write_str(w, &t.name);
            w.element(t.signing_key.element());
        }
        w.u32(self.threshold);
        w.element(self.organizer_key.element());
        w.element(self.credential_authority_key.element());
        w.u8(self.weighted as u8);
        w.u32(self.contests.len() as u32);
        for c in &self.contests {
            write_str(w, &c.id);
            c.title.write(w);
            match c.kind {
                ContestKind::Approval { min, max } => {
                    w.u8(1).u64(min).u64(max);
                }
                ContestKind::Score { max_score } => {
                    w.u8(2).u64(max_score);
                }
                ContestKind::Budget {
                    max_per_option,
                    budget,
                } => {
                    w.u8(3).u64(max_per_option).u64(budget);
                }
            }
            w.u32(c.options.len() as u32);
            for o in &c.options {
                write_str(w, &o.id);
                o.title.write(w);
            }
        }
    }

    /// Read and validate.
    pub fn read(r: &mut Reader<'_>) -> Result<Self> {
        let spec_version = read_str(r, 64, "spec_version")?;
        let election_id = read_str(r, 64, "election_id")?;
        let title = LocalizedText::read(r, "title")?;
        let description = LocalizedText::read(r, "description")?;
        let default_language = read_str(r, 35, "default_language")?;
        let opens_at = r.u64("opens_at")?;
        let closes_at = r.u64("closes_at")?;
        let n = r.count(MAX_TRUSTEES as u32, "trustees")?;
        let trustees = (0..n)
            .map(|_| {
                let name = read_str(r, MAX_TRUSTEE_NAME, "trustee name")?;
                let signing_key = PublicKey::from_group_element(r.element("trustee signing_key")?)?;
                Ok(TrusteeInfo { name, signing_key })
            })
            .collect::<Result<Vec<_>>>()?;
        let threshold = r.u32("threshold")?;
        let organizer_key = PublicKey::from_group_element(r.element("organizer_key")?)?;
        let credential_authority_key =
            PublicKey::from_group_element(r.element("credential_authority_key")?)?;
        let weighted = match r.u8("weighted")? {
            0 => false,
            1 => true,
            _ => return Err(ElectionError::NonCanonical("weighted")),
        };
        let nc = r.count(MAX_CONTESTS as u32, "contests")?;
        let mut contests = Vec::with_capacity(nc as usize);
        for _ in 0..nc {
            let id = read_str(r, 64, "contest id")?;
            let title = LocalizedText::read(r, "contest title")?;
            let kind = match r.u8("contest kind")? {
                1 => ContestKind::Approval {
                    min: r.u64("min")?,
                    max: r.u64("max")?,
                },
                2 => ContestKind::Score {
                    max_score: r.u64("max_score")?,
                },
                3 => ContestKind::Budget {
                    max_per_option: r.u64("max_per_option")?,
                    budget: r.u64("budget")?,
                },
                _ => return Err(ElectionError::invalid("contest kind", "unknown kind")),
            };
            let no = r.count(urna_crypto::contest::MAX_OPTIONS, "options")?;
            let options = (0..no)
                .map(|_| {
                    Ok(ContestOption {
                        id: read_str(r, 64, "option id")?,
                        title: LocalizedText::read(r, "option title")?,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            contests.push(Contest {
                id,
                title,
                kind,
                options,
            });
        }
        let m = Manifest {
            spec_version,
            election_id,
            title,
            description,
            default_language,
            opens_at,
            closes_at,
            trustees,
            threshold,
            organizer_key,
            credential_authority_key,
            weighted,
            contests,
        };
        m.validate()?;
        Ok(m)
    }

    /// Canonical bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new();
        self.write(&mut w);
        w.into_bytes()
    }

    /// Decode canonical bytes (validated, no trailing bytes).
    pub fn from_bytes(b: &[u8]) -> Result<Self> {
        let mut r = Reader::new(b);
        let m = Self::read(&mut r)?;
        r.finish("manifest")?;
        Ok(m)
    }

    /// `H("urna/v1/manifest", bytes)` (spec/record.md §2.3 (H2)).
    pub fn hash(&self) -> Hash32 {
        Hash32(hash("urna/v1/manifest", &self.to_bytes()))
    }

    /// Number of trustees.
    pub fn trustee_count(&self) -> u32 {
        self.trustees.len() as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::OsRng;
    use urna_crypto::SecretKey;

    fn manifest() -> Manifest {
        let t = |s: &str| LocalizedText::single("en", s);
        Manifest {
            spec_version: SPEC_VERSION.into(),
            election_id: "test".into(),
            title: t("Test"),
            description: LocalizedText::default(),
            default_language: "en".into(),
            opens_at: 1,
            closes_at: 2,
            trustees: vec![TrusteeInfo {
                name: "A".into(),
                signing_key: SecretKey::generate(&mut OsRng).public_key(),
            }],
            threshold: 1,
            organizer_key: SecretKey::generate(&mut OsRng).public_key(),
            credential_authority_key: SecretKey::generate(&mut OsRng).public_key(),
            weighted: false,
            contests: vec![Contest {
                id: "c".into(),
                title: t("Q"),
                kind: ContestKind::Score { max_score: 5 },
                options: vec![ContestOption {
                    id: "o".into(),
                    title: t("O"),
                }],
            }],
        }
    }

    #[test]
    fn json_and_bytes_round_trip() {
        let m = manifest();
        assert_eq!(Manifest::from_json(&m.to_json()).unwrap(), m);
        assert_eq!(Manifest::from_bytes(&m.to_bytes()).unwrap(), m);
    }

    #[test]
    fn unknown_fields_and_bad_values_are_named() {
        let m = manifest();
        let json = m
            .to_json()
            .replace("\"max_score\": 5", "\"max_score\": 5, \"extra\": 1");
        assert!(Manifest::from_json(&json).is_err());
        let mut bad = m.clone();
        bad.threshold = 2;
        assert!(bad
            .validate()
            .unwrap_err()
            .to_string()
            .contains("threshold"));
        let mut bad = m.clone();
        bad.spec_version = "urna/v0".into();
        assert_eq!(
            bad.validate().unwrap_err().code(),
            "ERR_UNSUPPORTED_VERSION"
        );
        let mut bad = m;
        bad.closes_at = 0;
        assert!(bad
            .validate()
            .unwrap_err()
            .to_string()
            .contains("closes_at"));
    }
}
