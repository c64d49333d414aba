//! Which language a page is in: `?lang=xx` if the election has that
//! language, else the best match of `Accept-Language`, else the
//! manifest's default language ([`choose_language`]).

use urna_election::Manifest;

/// The primary subtag, lower-case (`be` of `be-tarask`, `en` of `en-GB`).
pub fn primary(tag: &str) -> String {
    tag.split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// The languages of an election: its default language first, then every
/// other language its title is written in.
pub fn election_languages(m: &Manifest) -> Vec<String> {
    let mut out = vec![m.default_language.clone()];
    for lang in m.title.0.keys() {
        if !out.contains(lang) {
            out.push(lang.clone());
        }
    }
    out
}

/// The language of a page: `query` if it is one of `available` (exactly),
/// else the first of `Accept-Language` (by quality, then order) that one of
/// `available` matches exactly or by its primary subtag, else `default`.
pub fn choose_language(
    available: &[String],
    query: Option<&str>,
    accept_language: Option<&str>,
    default: &str,
) -> String {
    if let Some(q) = query {
        if let Some(a) = available.iter().find(|a| a.eq_ignore_ascii_case(q)) {
            return a.clone();
        }
    }
    // `en-GB,en;q=0.8,ru;q=0.5`: at most 32 entries are read.
    let mut wanted: Vec<(u16, usize, &str)> = Vec::new();
    for (i, item) in accept_language
        .unwrap_or("")
        .split(',')
        .take(32)
        .enumerate()
    {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or("").trim();
        if tag.is_empty() || tag == "*" {
            continue;
        }
        let mut q = 1000u16;
        for p in parts {
            if let Some(v) = p.trim().strip_prefix("q=") {
                q = parse_quality(v.trim()).unwrap_or(0);
            }
        }
        if q > 0 {
            wanted.push((q, i, tag));
        }
    }
    wanted.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, _, tag) in wanted {
        if let Some(a) = available.iter().find(|a| a.eq_ignore_ascii_case(tag)) {
            return a.clone();
        }
        if let Some(a) = available.iter().find(|a| primary(a) == primary(tag)) {
            return a.clone();
        }
    }
    default.to_string()
}

/// An HTTP quality value (`0`, `0.5`, `1.000`) in thousandths.
fn parse_quality(v: &str) -> Option<u16> {
    let (int, frac) = v.split_once('.').unwrap_or((v, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let int: u16 = match int {
        "0" => 0,
        "1" => 1,
        _ => return None,
    };
    let mut frac_value = 0u16;
    for (i, b) in frac.bytes().enumerate() {
        frac_value += u16::from(b - b'0') * [100, 10, 1][i];
    }
    let q = int * 1000 + frac_value;
    (q <= 1000).then_some(q)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::public_page::render;

    #[test]
    fn language_choice() {
        let langs: Vec<String> = ["en", "ru", "be-tarask"].map(String::from).to_vec();
        // The query wins when the election has the language.
        assert_eq!(choose_language(&langs, Some("ru"), Some("en"), "en"), "ru");
        // An unknown query falls through to Accept-Language.
        assert_eq!(
            choose_language(&langs, Some("xx"), Some("ru-RU"), "en"),
            "ru"
        );
        // Quality order, not list order; q=0 excludes.
        assert_eq!(
            choose_language(&langs, None, Some("de, en;q=0.5, ru;q=0.9"), "en"),
            "ru"
        );
        assert_eq!(
            choose_language(&langs, None, Some("ru;q=0, de"), "en"),
            "en"
        );
        // Primary-subtag match both ways.
        assert_eq!(choose_language(&langs, None, Some("be"), "en"), "be-tarask");
        assert_eq!(choose_language(&langs, None, Some("en-GB"), "en"), "en");
        // Nothing usable: the default.
        assert_eq!(choose_language(&langs, None, None, "en"), "en");
        assert_eq!(choose_language(&langs, None, Some(";;,,*"), "ru"), "ru");
        // Election languages: default first, then the title's.
        assert_eq!(election_languages(&render::tests::manifest()), ["en", "ru"]);
    }
}
