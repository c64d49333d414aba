//! The words of the public pages, from the project's Fluent files
//! (`i18n/<lang>.ftl`, one per language, shared with the voting page;
//! `i18n/README.md` tells translators what they may write).
//!
//! The files are compiled in (`include_str!`): the board needs no files to
//! run. Each is parsed once into a `fluent-bundle` bundle (the reference
//! implementation of Fluent, on no crate of the crypto line) and a message
//! is formatted with its variables as plain text; the pages escape it as
//! any other text ([`super::html::escape`]). A message a language lacks
//! falls back to English; `messages.rs`'s tests make sure none is lacking.

use std::borrow::Cow;
use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};

use super::language::primary;

/// The Fluent files by language tag, English first: English is the
/// fallback, and the language every other file is checked against. To add
/// a language, add its file to `i18n/` and a line here (a test fails
/// while a file of `i18n/` is missing here).
pub const SOURCES: [(&str, &str); 4] = [
    ("en", include_str!("../../../i18n/en.ftl")),
    ("be", include_str!("../../../i18n/be.ftl")),
    ("ru", include_str!("../../../i18n/ru.ftl")),
    ("uk", include_str!("../../../i18n/uk.ftl")),
];

/// The message every file has: the language's name in itself.
pub const LANGUAGE_NAME: &str = "language-name";

/// The prefix of the ids of the messages only the board's pages use (the
/// voting page's JavaScript leaves them out).
pub const BOARD_PREFIX: &str = "board-";

struct Language {
    tag: &'static str,
    bundle: FluentBundle<FluentResource>,
}

fn languages() -> &'static [Language] {
    static ALL: OnceLock<Vec<Language>> = OnceLock::new();
    ALL.get_or_init(|| {
        SOURCES
            .iter()
            .map(|&(tag, source)| Language {
                tag,
                bundle: bundle(tag, source),
            })
            .collect()
    })
}

fn bundle(tag: &str, source: &str) -> FluentBundle<FluentResource> {
    // A file with syntax errors still yields its good messages (the others
    // fall back to English); the tests refuse such a file, so the
    // committed files never get here with one.
    let resource = FluentResource::try_new(source.to_owned()).unwrap_or_else(|(r, _)| r);
    let mut b = FluentBundle::new_concurrent(vec![tag.parse().unwrap_or_default()]);
    // No Unicode isolation marks (U+2068, U+2069) around the variables:
    // the pages' languages are all left-to-right, the page sets `lang`,
    // and the voting page's JavaScript does not add them either, so both
    // pages show the same text.
    b.set_use_isolating(false);
    // Only a duplicate id fails here (the first one stays); tests refuse
    // duplicates.
    let _ = b.add_resource(resource);
    b
}

/// The languages the pages' own words exist in, English first.
pub fn ui_languages() -> impl Iterator<Item = &'static str> {
    SOURCES.iter().map(|(tag, _)| *tag)
}

/// The pages' words in one language (by its primary subtag: `be-tarask`
/// gets `be`'s), with English for any word it lacks.
#[derive(Clone, Copy)]
pub struct Texts {
    lang: &'static Language,
    en: &'static Language,
}

impl Texts {
    /// The words for a language tag; English for a language without them.
    pub fn new(tag: &str) -> Texts {
        let all = languages();
        let p = primary(tag);
        Texts {
            lang: all.iter().find(|l| l.tag == p).unwrap_or(&all[0]),
            en: &all[0],
        }
    }

    /// The message `id` as plain text.
    pub fn get(&self, id: &str) -> Cow<'static, str> {
        self.format(id, None)
    }

    /// The message `id` with its variables (`$name` = value) as plain text.
    pub fn with(&self, id: &str, vars: &[(&'static str, &str)]) -> String {
        let mut args = FluentArgs::with_capacity(vars.len());
        for &(name, value) in vars {
            args.set(name, value);
        }
        self.format(id, Some(&args)).into_owned()
    }

    fn format(&self, id: &str, args: Option<&FluentArgs<'_>>) -> Cow<'static, str> {
        for l in [self.lang, self.en] {
            let b = &l.bundle;
            if let Some(pattern) = b.get_message(id).and_then(|m| m.value()) {
                // Errors (a variable not given) leave `{$name}` in the
                // text; the tests render every page in every language.
                let mut errors = Vec::new();
                let text = b.format_pattern(pattern, args, &mut errors);
                debug_assert!(errors.is_empty(), "message {id}: {errors:?}");
                return Cow::Owned(text.into_owned());
            }
        }
        debug_assert!(false, "no message {id} in i18n/en.ftl");
        Cow::Owned(id.to_owned())
    }
}

/// A language's name in itself, for the language links: from its Fluent
/// file when the pages have its words (the tag exactly: `be-tarask` is not
/// `be`), else from a short list of other likely election languages, else
/// the tag.
pub fn language_name(tag: &str) -> Cow<'_, str> {
    if let Some(l) = languages().iter().find(|l| l.tag == tag) {
        return Texts { lang: l, en: l }.get(LANGUAGE_NAME);
    }
    Cow::Borrowed(match tag {
        "be-tarask" => "Беларуская (тарашкевіца)",
        "pl" => "Polski",
        "lt" => "Lietuvių",
        "de" => "Deutsch",
        "fr" => "Français",
        _ => tag,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_by_language_with_english_fallback() {
        assert_eq!(Texts::new("ru").get("board-result"), "Результат");
        // be-tarask gets Belarusian words, a language without words English.
        assert_eq!(Texts::new("be-tarask").get("board-result"), "Вынік");
        assert_eq!(Texts::new("pl").get("board-result"), "Result");
        assert_eq!(Texts::new("UK").get("board-share"), "Частка");
        // Variables, without isolation marks.
        assert_eq!(
            Texts::new("uk").with("board-result-page-title", &[("title", "<b>")]),
            "Результат — <b>"
        );
    }

    #[test]
    fn language_names() {
        assert_eq!(language_name("ru"), "Русский");
        assert_eq!(language_name("be"), "Беларуская");
        assert_eq!(language_name("be-tarask"), "Беларуская (тарашкевіца)");
        assert_eq!(language_name("pl"), "Polski");
        assert_eq!(language_name("xx"), "xx");
        assert_eq!(ui_languages().collect::<Vec<_>>(), ["en", "be", "ru", "uk"]);
    }
}
