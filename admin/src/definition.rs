//! The organizer's election definition: a readable TOML file that becomes a
//! [`Manifest`] (spec/record.md §3). Every error names the file position and
//! the field, so a volunteer can fix it without reading the spec.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;
use urna_crypto::PublicKey;
use urna_election::manifest::SPEC_VERSION;
use urna_election::{Contest, ContestKind, ContestOption, LocalizedText, Manifest, TrusteeInfo};

/// A problem in a definition file, with its position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {field}: {message}")]
pub struct DefinitionError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// The field, e.g. `contests[1].max`.
    pub field: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// An example definition, printed by `urna election example`.
pub const EXAMPLE: &str = r#"# An Urna election definition. Check it with `urna election check FILE`.
# Times are RFC 3339 with an offset (Z = UTC).

election_id = "council-2026"          # a-z, 0-9, '-' and '_'; appears in URLs
default_language = "en"               # every text must exist in this language
opens_at = 2026-12-01T08:00:00Z
closes_at = 2026-12-03T20:00:00Z
threshold = 2                         # trustees needed to decrypt the result
weighted = false                      # true: each credential carries a weight

[title]
en = "Coordination council election"
be = "Выбары ў каардынацыйную раду"
ru = "Выборы в координационный совет"
uk = "Вибори до координаційної ради"

[description]
en = "Choose up to two candidates, and rate each priority from 0 to 5."

# Each trustee runs `urna-trustee init` and sends you the signing key it
# prints: only messages signed with these keys take part in the ceremony.
# (The keys below are examples: replace them with your trustees' own.)
[[trustees]]
name = "Trustee A (Vilnius)"
signing_key = "18b81d0a6b25c845f26259c0cee912b7e56cad6c129544ee9349bbe9fc40007a"
[[trustees]]
name = "Trustee B (Warsaw)"
signing_key = "f0aa34b1f50f733ee5d50504b00a59391374d03a19b0e9138675c52b7adb566f"
[[trustees]]
name = "Trustee C (Berlin)"
signing_key = "e085efbc98dbb24a5e2540cc740af893757eb9f1927889754bc519697af82233"

[[contests]]
id = "council"
kind = "approval"                     # choose between min and max options
min = 0
max = 2
title = { en = "Who should sit on the council?", ru = "Кто должен войти в совет?" }
options = [
  { id = "anna",   title = { en = "Anna K.",   ru = "Анна К." } },
  { id = "ihar",   title = { en = "Ihar M.",   ru = "Игорь М." } },
  { id = "maryia", title = { en = "Maryia S.", ru = "Мария С." } },
]

[[contests]]
id = "priorities"
kind = "score"                        # each option gets 0..max_score
max_score = 5
title = { en = "Rate each priority from 0 to 5" }
options = [
  { id = "media",  title = { en = "Independent media" } },
  { id = "legal",  title = { en = "Legal aid" } },
]

# Other kinds:
#   kind = "plurality"                       (exactly one option)
#   kind = "budget", max_per_option = 10, budget = 20   (points, total ≤ budget)
"#;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Definition {
    election_id: Spanned<String>,
    default_language: Spanned<String>,
    opens_at: Spanned<toml::value::Datetime>,
    closes_at: Spanned<toml::value::Datetime>,
    threshold: Spanned<u32>,
    #[serde(default)]
    weighted: bool,
    title: Spanned<BTreeMap<String, String>>,
    #[serde(default)]
    description: BTreeMap<String, String>,
    trustees: Spanned<Vec<TrusteeDef>>,
    contests: Spanned<Vec<Spanned<ContestDef>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TrusteeDef {
    name: String,
    signing_key: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ContestDef {
    id: Spanned<String>,
    kind: Spanned<String>,
    title: BTreeMap<String, String>,
    min: Option<Spanned<u64>>,
    max: Option<Spanned<u64>>,
    max_score: Option<Spanned<u64>>,
    max_per_option: Option<Spanned<u64>>,
    budget: Option<Spanned<u64>>,
    options: Spanned<Vec<OptionDef>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OptionDef {
    id: String,
    title: BTreeMap<String, String>,
}

/// Line and column (1-based) of a byte offset.
fn position(src: &str, offset: usize) -> (usize, usize) {
    let before = &src[..offset.min(src.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

struct Ctx<'a> {
    src: &'a str,
}

impl Ctx<'_> {
    fn err(
        &self,
        span: std::ops::Range<usize>,
        field: impl Into<String>,
        msg: impl Into<String>,
    ) -> DefinitionError {
        let (line, column) = position(self.src, span.start);
        DefinitionError {
            line,
            column,
            field: field.into(),
            message: msg.into(),
        }
    }
}

fn unix_seconds(dt: &toml::value::Datetime) -> Result<u64, String> {
    let (Some(d), Some(t), Some(off)) = (dt.date, dt.time, dt.offset) else {
        return Err("use a full date and time with an offset, e.g. 2026-12-01T08:00:00Z".into());
    };
    let month = time::Month::try_from(d.month).map_err(|e| e.to_string())?;
    let date = time::Date::from_calendar_date(i32::from(d.year), month, d.day)
        .map_err(|e| e.to_string())?;
    let clock =
        time::Time::from_hms(t.hour, t.minute, t.second.unwrap_or(0)).map_err(|e| e.to_string())?;
    let offset_minutes: i32 = match off {
        toml::value::Offset::Z => 0,
        toml::value::Offset::Custom { minutes } => i32::from(minutes),
    };
    let offset =
        time::UtcOffset::from_whole_seconds(offset_minutes * 60).map_err(|e| e.to_string())?;
    let ts = time::PrimitiveDateTime::new(date, clock)
        .assume_offset(offset)
        .unix_timestamp();
    u64::try_from(ts).map_err(|_| "dates before 1970 are not supported".to_string())
}

/// Parse and check a definition; the organizer and credential-authority
/// public keys come from their key files, not from the definition.
pub fn parse(
    src: &str,
    organizer_key: &PublicKey,
    authority_key: &PublicKey,
) -> Result<Manifest, DefinitionError> {
    let cx = Ctx { src };
    let def: Definition = toml::from_str(src).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        let msg = e.message().to_string();
        cx.err(span, "definition", msg)
    })?;
    let opens_at = unix_seconds(def.opens_at.get_ref())
        .map_err(|m| cx.err(def.opens_at.span(), "opens_at", m))?;
    let closes_at = unix_seconds(def.closes_at.get_ref())
        .map_err(|m| cx.err(def.closes_at.span(), "closes_at", m))?;
    let mut contests = Vec::new();
    for (i, c) in def.contests.get_ref().iter().enumerate() {
        let c_span = c.span();
        let c = c.get_ref();
        let field = |f: &str| format!("contests[{i}].{f}");
        let need = |v: &Option<Spanned<u64>>, name: &str| {
            v.as_ref().map(|s| *s.get_ref()).ok_or_else(|| {
                cx.err(
                    c.kind.span(),
                    field(name),
                    format!("a `{}` contest needs `{name}`", c.kind.get_ref()),
                )
            })
        };
        let n = c.options.get_ref().len() as u64;
        let kind = match c.kind.get_ref().as_str() {
            "approval" => ContestKind::Approval {
                min: need(&c.min, "min")?,
                max: need(&c.max, "max")?,
            },
            "plurality" => ContestKind::Approval { min: 1, max: 1 },
            "score" => ContestKind::Score {
                max_score: need(&c.max_score, "max_score")?,
            },
            "budget" => ContestKind::Budget {
                max_per_option: need(&c.max_per_option, "max_per_option")?,
                budget: need(&c.budget, "budget")?,
            },
            other => {
                return Err(cx.err(
                    c.kind.span(),
                    field("kind"),
                    format!("unknown kind `{other}`: use approval, plurality, score or budget"),
                ))
            }
        };
        if let (ContestKind::Approval { min, max }, Some(m)) = (kind, c.max.as_ref()) {
            if max > n {
                return Err(cx.err(
                    m.span(),
                    field("max"),
                    format!("max is {max} but the contest has only {n} options"),
                ));
            }
            if min > max {
                let span = c.min.as_ref().map_or(c_span.clone(), |s| s.span());
                return Err(cx.err(span, field("min"), "min is larger than max"));
            }
        }
        if c.options.get_ref().is_empty() {
            return Err(cx.err(
                c.options.span(),
                field("options"),
                "a contest needs at least one option",
            ));
        }
        contests.push((
            c_span,
            Contest {
                id: c.id.get_ref().clone(),
                title: LocalizedText(c.title.clone()),
                kind,
                options: c
                    .options
                    .get_ref()
                    .iter()
                    .map(|o| ContestOption {
                        id: o.id.clone(),
                        title: LocalizedText(o.title.clone()),
                    })
                    .collect(),
            },
        ));
    }
    let manifest = Manifest {
        spec_version: SPEC_VERSION.into(),
        election_id: def.election_id.get_ref().clone(),
        title: LocalizedText(def.title.get_ref().clone()),
        description: LocalizedText(def.description.clone()),
        default_language: def.default_language.get_ref().clone(),
        opens_at,
        closes_at,
        trustees: roster(&cx, &def.trustees)?,
        threshold: *def.threshold.get_ref(),
        organizer_key: organizer_key.clone(),
        credential_authority_key: authority_key.clone(),
        weighted: def.weighted,
        contests: contests.iter().map(|(_, c)| c.clone()).collect(),
    };
    // The model's own rules (spec/record.md §3.3), mapped back to a position.
    manifest.validate().map_err(|e| {
        let msg = e.to_string();
        let (field, span) = locate(&msg, &def, &contests);
        cx.err(span, field, msg)
    })?;
    Ok(manifest)
}

/// The trustee roster: every trustee needs the signing key its
/// `urna-trustee init` printed (spec/trustees.md §5.8).
fn roster(
    cx: &Ctx<'_>,
    trustees: &Spanned<Vec<TrusteeDef>>,
) -> Result<Vec<TrusteeInfo>, DefinitionError> {
    trustees
        .get_ref()
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let field = format!("trustees[{i}].signing_key");
            let Some(key) = &t.signing_key else {
                return Err(cx.err(
                    trustees.span(),
                    field,
                    format!(
                        "trustee `{}` has no signing key: ask them to run `urna-trustee init` \
                         and add the key it prints as `signing_key = \"…\"`",
                        t.name
                    ),
                ));
            };
            let signing_key = hex::decode(key.get_ref().trim())
                .ok()
                .and_then(|b| PublicKey::from_bytes(&b).ok())
                .ok_or_else(|| {
                    cx.err(
                        key.span(),
                        field,
                        "not a signing key: 64 hexadecimal digits, as `urna-trustee init` prints",
                    )
                })?;
            Ok(TrusteeInfo {
                name: t.name.clone(),
                signing_key,
            })
        })
        .collect()
}

/// Find the position of the field a model error names.
fn locate(
    msg: &str,
    def: &Definition,
    contests: &[(std::ops::Range<usize>, Contest)],
) -> (String, std::ops::Range<usize>) {
    let top = |f: &str| msg.starts_with(f);
    if top("election_id") {
        return ("election_id".into(), def.election_id.span());
    }
    if top("title") {
        return ("title".into(), def.title.span());
    }
    if top("closes_at") {
        return ("closes_at".into(), def.closes_at.span());
    }
    if top("trustees") {
        return ("trustees".into(), def.trustees.span());
    }
    if top("threshold") {
        return ("threshold".into(), def.threshold.span());
    }
    if let Some(rest) = msg.strip_prefix("contests[") {
        if let Some(i) = rest.split(']').next().and_then(|d| d.parse::<usize>().ok()) {
            if let Some((span, _)) = contests.get(i) {
                return (format!("contests[{i}]"), span.clone());
            }
        }
    }
    if let Some((i, (span, _))) = contests
        .iter()
        .enumerate()
        .find(|(_, (_, c))| msg.contains(&format!("`{}`", c.id)))
    {
        return (format!("contests[{i}]"), span.clone());
    }
    ("definition".into(), def.default_language.span())
}

#[cfg(test)]
mod tests {
    use super::*;
    use urna_crypto::SecretKey;

    fn keys() -> (PublicKey, PublicKey) {
        let mut rng = rand_core::OsRng;
        (
            SecretKey::generate(&mut rng).public_key(),
            SecretKey::generate(&mut rng).public_key(),
        )
    }

    #[test]
    fn example_parses_into_a_valid_manifest() {
        let (o, a) = keys();
        let m = parse(EXAMPLE, &o, &a).unwrap();
        assert_eq!(m.election_id, "council-2026");
        assert_eq!(m.contests.len(), 2);
        assert_eq!(m.trustees.len(), 3);
        assert_eq!(m.opens_at, 1_796_112_000);
        assert_eq!(m.contests[0].kind, ContestKind::Approval { min: 0, max: 2 });
    }

    fn error_for(src: &str) -> DefinitionError {
        let (o, a) = keys();
        parse(src, &o, &a).unwrap_err()
    }

    fn line_of(src: &str, needle: &str) -> usize {
        src.lines().position(|l| l.contains(needle)).unwrap() + 1
    }

    #[test]
    fn errors_point_at_the_line_and_field() {
        let src = EXAMPLE.replace("max = 2\n", "max = 7\n");
        let e = error_for(&src);
        assert_eq!(e.field, "contests[0].max");
        assert_eq!(e.line, line_of(&src, "max = 7"));

        let src = EXAMPLE.replace("kind = \"score\"", "kind = \"ranked\"");
        let e = error_for(&src);
        assert_eq!(e.field, "contests[1].kind");
        assert_eq!(e.line, line_of(&src, "kind = \"ranked\""));

        let src = EXAMPLE.replace("threshold = 2", "threshold = 5");
        let e = error_for(&src);
        assert_eq!(e.field, "threshold");
        assert_eq!(e.line, line_of(&src, "threshold = 5"));

        let src = EXAMPLE.replace(
            "closes_at = 2026-12-03T20:00:00Z",
            "closes_at = 2026-11-03T20:00:00Z",
        );
        let e = error_for(&src);
        assert_eq!(e.field, "closes_at");
        assert_eq!(e.line, line_of(&src, "closes_at = 2026-11"));

        let src = EXAMPLE.replace("weighted = false", "weighted = false\nwieghted = true");
        let e = error_for(&src);
        assert!(e.message.contains("wieghted"), "{e}");
        assert_eq!(e.line, line_of(&src, "wieghted"));

        let src = EXAMPLE.replace("opens_at = 2026-12-01T08:00:00Z", "opens_at = 2026-12-01");
        let e = error_for(&src);
        assert_eq!(e.field, "opens_at");
    }
}
