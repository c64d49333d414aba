//! The Fluent files (`i18n/<lang>.ftl`) as data, for what `fluent-bundle`
//! does not do: check that every language has every message with the
//! same variables ([`check`]), keep the files to the part of Fluent that
//! both pages support, and write the voting page's messages as a
//! JavaScript module, `wasm/www/i18n-messages.js` ([`voting_page_module`],
//! run by `scripts/build-i18n`; a test checks that the committed file is
//! what the files make).
//!
//! The part of Fluent the files may use: messages (no terms, no
//! attributes) whose values are text, variables (`{ $name }`) and string
//! literals (`{"{"}` for a brace), and comments. Select expressions
//! (plurals), terms, message references, number literals and functions
//! are refused: the voting page's small formatter (`wasm/www/i18n.js`)
//! does not evaluate them. To allow one, teach [`voting_page_module`] and
//! `i18n.js` first.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use fluent_syntax::ast;

use super::text::{BOARD_PREFIX, LANGUAGE_NAME, SOURCES};

/// A piece of a message's value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Part {
    /// Text as shown.
    Text(String),
    /// A variable, `{ $name }`, by its name.
    Variable(String),
}

/// One message of a Fluent file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// Its id.
    pub id: String,
    /// Its value.
    pub parts: Vec<Part>,
}

impl Message {
    /// The names of its variables.
    pub fn variables(&self) -> BTreeSet<&str> {
        self.parts
            .iter()
            .filter_map(|p| match p {
                Part::Variable(v) => Some(v.as_str()),
                Part::Text(_) => None,
            })
            .collect()
    }
}

/// The line (from 1) of a byte offset.
fn line_of(source: &str, offset: usize) -> usize {
    source.as_bytes()[..offset.min(source.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// What an expression is, for an error message.
fn describe(e: &ast::Expression<&str>) -> &'static str {
    use ast::InlineExpression as I;
    match e {
        ast::Expression::Select { .. } => "a select expression",
        ast::Expression::Inline(i) => match i {
            I::StringLiteral { .. } => "a string literal",
            I::NumberLiteral { .. } => "a number literal",
            I::FunctionReference { .. } => "a function",
            I::MessageReference { .. } => "a message reference",
            I::TermReference { .. } => "a term reference",
            I::VariableReference { .. } => "a variable",
            I::Placeable { .. } => "a nested placeable",
        },
    }
}

/// The messages of one Fluent file in file order, or every way it leaves
/// the part of Fluent the files may use (syntax errors with their line).
pub fn parse(source: &str) -> Result<Vec<Message>, Vec<String>> {
    let mut problems = Vec::new();
    let resource = match fluent_syntax::parser::parse(source) {
        Ok(r) => r,
        Err((r, errors)) => {
            for e in errors {
                problems.push(format!(
                    "line {}: syntax error: {e}",
                    line_of(source, e.pos.start)
                ));
            }
            r
        }
    };
    let mut out: Vec<Message> = Vec::new();
    let mut seen = BTreeSet::new();
    for entry in resource.body {
        let m = match entry {
            ast::Entry::Message(m) => m,
            ast::Entry::Term(t) => {
                problems.push(format!("-{}: terms are not supported", t.id.name));
                continue;
            }
            // Comments are for translators; junk is a syntax error above.
            _ => continue,
        };
        let id = m.id.name;
        if !seen.insert(id) {
            problems.push(format!("{id}: defined twice"));
        }
        if !m.attributes.is_empty() {
            problems.push(format!("{id}: attributes are not supported"));
        }
        let Some(value) = m.value else {
            problems.push(format!("{id}: no value"));
            continue;
        };
        let mut parts: Vec<Part> = Vec::new();
        fn push_text(parts: &mut Vec<Part>, s: &str) {
            match parts.last_mut() {
                Some(Part::Text(t)) => t.push_str(s),
                _ => parts.push(Part::Text(s.to_owned())),
            }
        }
        for element in value.elements {
            match element {
                ast::PatternElement::TextElement { value } => push_text(&mut parts, value),
                ast::PatternElement::Placeable { expression } => match expression {
                    ast::Expression::Inline(ast::InlineExpression::VariableReference {
                        id: v,
                    }) => parts.push(Part::Variable(v.name.to_owned())),
                    ast::Expression::Inline(ast::InlineExpression::StringLiteral { value }) => {
                        push_text(
                            &mut parts,
                            &fluent_syntax::unicode::unescape_unicode_to_string(value),
                        )
                    }
                    other => problems.push(format!(
                        "{id}: {} is not supported (only text, {{ $variable }} and string literals)",
                        describe(&other)
                    )),
                },
            }
        }
        out.push(Message {
            id: id.to_owned(),
            parts,
        });
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// Everything wrong with a set of Fluent files (tag, source), the first
/// being the reference (English): a file [`parse`] refuses, a message of
/// the reference a file lacks or one it has in excess, a message whose
/// variables differ from the reference's, a file without
/// `language-name`. Empty when all is well.
pub fn check(sources: &[(&str, &str)]) -> Vec<String> {
    load(sources).err().unwrap_or_default()
}

/// The messages of each file, if [`check`] finds nothing wrong.
type Files<'s> = Vec<(&'s str, Vec<Message>)>;

fn load<'s>(sources: &[(&'s str, &str)]) -> Result<Files<'s>, Vec<String>> {
    let mut problems = Vec::new();
    let mut parsed: Files<'s> = Vec::new();
    for &(tag, source) in sources {
        match parse(source) {
            Ok(messages) => parsed.push((tag, messages)),
            Err(errors) => {
                problems.extend(errors.into_iter().map(|e| format!("i18n/{tag}.ftl: {e}")))
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let Some(((reference_tag, reference), others)) = parsed.split_first() else {
        return Err(vec!["no Fluent file".into()]);
    };
    let by_id = |messages: &'_ [Message]| -> BTreeMap<String, BTreeSet<String>> {
        messages
            .iter()
            .map(|m| {
                let vars = m.variables().into_iter().map(String::from).collect();
                (m.id.clone(), vars)
            })
            .collect()
    };
    let want = by_id(reference);
    if !want.contains_key(LANGUAGE_NAME) {
        problems.push(format!(
            "i18n/{reference_tag}.ftl: no message {LANGUAGE_NAME}"
        ));
    }
    for (tag, messages) in others {
        let have = by_id(messages);
        for (id, vars) in &want {
            match have.get(id) {
                None => problems.push(format!(
                    "i18n/{tag}.ftl: {id} is missing (it is in i18n/{reference_tag}.ftl)"
                )),
                Some(v) if v != vars => problems.push(format!(
                    "i18n/{tag}.ftl: {id} has the variables {v:?}, i18n/{reference_tag}.ftl has {vars:?}"
                )),
                Some(_) => {}
            }
        }
        for id in have.keys().filter(|id| !want.contains_key(*id)) {
            problems.push(format!(
                "i18n/{tag}.ftl: {id} is not in i18n/{reference_tag}.ftl"
            ));
        }
    }
    if problems.is_empty() {
        Ok(parsed)
    } else {
        Err(problems)
    }
}

/// A JavaScript string literal: double quotes, with `"`, `\\`, control
/// characters and the two line separators (U+2028, U+2029) escaped.
fn js_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The voting page's messages as a JavaScript module (the committed
/// `wasm/www/i18n-messages.js`): `LANGUAGES`, the `[tag, name]` pairs in
/// the order of the files, English first, and `MESSAGES`, per language
/// every message but `language-name` and the board's (`board-*`) in
/// English's order, each a string or, with variables, a list of strings
/// and `{ v: "name" }`. Refuses files [`check`] finds fault with.
pub fn voting_page_module() -> Result<String, Vec<String>> {
    module_of(&SOURCES)
}

fn module_of(sources: &[(&str, &str)]) -> Result<String, Vec<String>> {
    let files = load(sources)?;
    let order: Vec<&str> = files[0].1.iter().map(|m| m.id.as_str()).collect();
    let mut js = String::from(
        "// Generated by scripts/build-i18n from i18n/*.ftl: do not edit. Edit the\n\
// Fluent files and run scripts/build-i18n (a test of the board checks that\n\
// this file is what they make).\n\
//\n\
// The voting page's messages: every message of the files but the board's\n\
// own (board-*). A message is a string or, with variables, a list of\n\
// strings and { v: \"name\" } (i18n.js puts them together).\n\n\
export const LANGUAGES = [\n",
    );
    for (tag, messages) in &files {
        let name = messages
            .iter()
            .find(|m| m.id == LANGUAGE_NAME)
            .map(text_of)
            .unwrap_or_default();
        let _ = writeln!(js, "  [{}, {}],", js_string(tag), js_string(&name));
    }
    js.push_str("];\n\nexport const MESSAGES = {\n");
    for (tag, messages) in &files {
        let _ = writeln!(js, "  {}: {{", js_string(tag));
        for id in &order {
            if *id == LANGUAGE_NAME || id.starts_with(BOARD_PREFIX) {
                continue;
            }
            // Every file has every message (checked).
            let Some(m) = messages.iter().find(|m| m.id == *id) else {
                continue;
            };
            let value = match &m.parts[..] {
                [] => js_string(""),
                [Part::Text(t)] => js_string(t),
                parts => {
                    let items: Vec<String> = parts
                        .iter()
                        .map(|p| match p {
                            Part::Text(t) => js_string(t),
                            Part::Variable(v) => format!("{{ v: {} }}", js_string(v)),
                        })
                        .collect();
                    format!("[{}]", items.join(", "))
                }
            };
            let _ = writeln!(js, "    {}: {value},", js_string(id));
        }
        js.push_str("  },\n");
    }
    js.push_str("};\n");
    Ok(js)
}

/// A message without variables as text.
fn text_of(m: &Message) -> String {
    m.parts
        .iter()
        .map(|p| match p {
            Part::Text(t) => t.as_str(),
            Part::Variable(_) => "",
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn repo() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
    }

    #[test]
    fn every_language_has_every_message() {
        let problems = check(&SOURCES);
        assert!(problems.is_empty(), "{}", problems.join("\n"));
        assert_eq!(SOURCES[0].0, "en", "English is the reference");
    }

    #[test]
    fn every_file_of_i18n_is_compiled_in() {
        let mut on_disk: Vec<String> = std::fs::read_dir(repo().join("i18n"))
            .unwrap()
            .filter_map(|e| {
                let name = e.unwrap().file_name().to_string_lossy().into_owned();
                name.strip_suffix(".ftl").map(String::from)
            })
            .collect();
        on_disk.sort();
        let mut compiled: Vec<String> = SOURCES.iter().map(|(t, _)| t.to_string()).collect();
        compiled.sort();
        assert_eq!(
            on_disk, compiled,
            "i18n/*.ftl and public_page/text.rs SOURCES"
        );
    }

    #[test]
    fn the_committed_voting_page_messages_are_fresh() {
        let path = repo().join("wasm/www/i18n-messages.js");
        let committed = std::fs::read_to_string(&path).unwrap();
        let fresh = voting_page_module().unwrap_or_else(|p| panic!("{}", p.join("\n")));
        assert!(
            committed == fresh,
            "{} is not what i18n/*.ftl make: run scripts/build-i18n and commit the result",
            path.display()
        );
    }

    /// Every message id the voting page names (`data-t="…"` in index.html,
    /// `tr("…")` and `say(…, "…")` in app.js) is in the files, and each board message the
    /// pages use is too (`Texts` asserts that in debug builds, and the
    /// render tests draw every page).
    #[test]
    fn the_voting_page_names_only_existing_messages() {
        let ids: BTreeSet<String> = parse(SOURCES[0].1)
            .unwrap()
            .into_iter()
            .map(|m| m.id)
            .collect();
        let mut named = Vec::new();
        for (file, open) in [
            ("wasm/www/index.html", "data-t=\""),
            ("wasm/www/app.js", "tr(\""),
        ] {
            let text = std::fs::read_to_string(repo().join(file)).unwrap();
            for piece in text.split(open).skip(1) {
                let id = piece.split('"').next().unwrap();
                named.push((file, id.to_owned()));
            }
        }
        // `say("element", "key", …)` in app.js.
        let app = std::fs::read_to_string(repo().join("wasm/www/app.js")).unwrap();
        for piece in app.split("say(\"").skip(1) {
            if let Some(key) = piece.split_once("\", \"").map(|(_, rest)| rest) {
                named.push(("wasm/www/app.js", key.split('"').next().unwrap().to_owned()));
            }
        }
        assert!(named.len() > 40, "found only {named:?}");
        for (file, id) in named {
            assert!(
                ids.contains(&id) && !id.starts_with(BOARD_PREFIX),
                "{file} names {id}, which i18n/en.ftl lacks"
            );
        }
    }

    #[test]
    fn the_module_has_variables_as_parts_and_escapes_strings() {
        let en = "language-name = English\nhello = Hi { $who }, \"{\"{\"}\\\"\nboard-x = only the board's\n";
        let ru = "language-name = Русский\nhello = Привет, { $who }\nboard-x = только доска\n";
        let js = module_of(&[("en", en), ("ru", ru)]).unwrap();
        assert!(js.contains("  [\"en\", \"English\"],\n  [\"ru\", \"Русский\"],\n"));
        assert!(js.contains("    \"hello\": [\"Hi \", { v: \"who\" }, \", \\\"{\\\\\\\"\"],\n"));
        assert!(js.contains("    \"hello\": [\"Привет, \", { v: \"who\" }],\n"));
        assert!(!js.contains("board-x") && !js.contains("language-name"));
        assert_eq!(js_string("a\u{2028}\t\n"), "\"a\\u2028\\u0009\\n\"");
    }

    /// The check is able to fail: a deliberately broken set of files.
    #[test]
    fn a_broken_bundle_is_refused() {
        let en = "language-name = English\n\
                  greeting = Hello, { $name }!\n\
                  bye = Goodbye\n\
                  count = { $n } ballots\n";
        // Missing message, extra message, another variable, a variable too many.
        let be = "language-name = Беларуская\n\
                  greeting = Прывітанне, { $nam }!\n\
                  count = { $n } бюлетэняў { $m }\n\
                  extra = Лішняе\n";
        let problems = check(&[("en", en), ("be", be)]);
        let all = problems.join("\n");
        assert_eq!(problems.len(), 4, "{all}");
        assert!(all.contains("i18n/be.ftl: bye is missing"), "{all}");
        assert!(
            all.contains("i18n/be.ftl: extra is not in i18n/en.ftl"),
            "{all}"
        );
        assert!(
            all.contains("i18n/be.ftl: greeting has the variables {\"nam\"}"),
            "{all}"
        );
        assert!(
            all.contains("i18n/be.ftl: count has the variables {\"m\", \"n\"}"),
            "{all}"
        );
        assert!(module_of(&[("en", en), ("be", be)]).is_err());

        // Syntax errors, with their line.
        let broken = "language-name = English\ngreeting = Hello, { $name !\nbye = Goodbye\n";
        let problems = check(&[("en", broken)]);
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with("i18n/en.ftl: line 2: syntax error")),
            "{problems:?}"
        );

        // Fluent the voting page cannot show; duplicates; no language name.
        let fancy = "greeting = { $n ->\n    [one] one ballot\n   *[other] { $n } ballots\n}\n\
                     -brand = Urna\n\
                     title = { -brand }\n\
                     help = Help\n    .title = Tooltip\n\
                     help = Again\n\
                     date = { DATETIME($d) }\n";
        let all = check(&[("en", fancy)]).join("\n");
        for want in [
            "greeting: a select expression is not supported",
            "-brand: terms are not supported",
            "title: a term reference is not supported",
            "help: attributes are not supported",
            "help: defined twice",
            "date: a function is not supported",
        ] {
            assert!(all.contains(want), "{want}: {all}");
        }
        let nameless = "greeting = Hello\n";
        assert_eq!(
            check(&[("en", nameless)]),
            ["i18n/en.ftl: no message language-name"]
        );
    }
}
