//! The election's public pages (`spec/api.md` §5.11): `GET
//! /elections/{id}`, what anyone can check about an election (its state,
//! the counts, the latest signed tree head, the fingerprint, how to verify
//! it offline), and `GET /elections/{id}/result`, the totals as tables and
//! bar charts.
//!
//! Server-rendered HTML with no script at all, so they work in Tor
//! Browser at its safest levels, with only relative URLs (any host name,
//! an onion address included) and a Content Security Policy that allows
//! only the board's own stylesheet ([`PUBLIC_CSP`]). The bar charts are
//! inline SVG drawn with presentation attributes (no `style=`). Every text
//! that comes from the manifest is HTML-escaped ([`escape`]).
//!
//! Language: `?lang=xx` if the election has that language, else the best
//! match of `Accept-Language`, else the manifest's default language
//! ([`choose_language`]). The page's own words are the `board-*` messages
//! of the project's Fluent files, `i18n/<lang>.ftl` (English, Belarusian,
//! Russian and Ukrainian), which the voting page shares; an election
//! language without them gets English words around the election's texts.
//!
//! The parts, in `public_page/`: `text` (the Fluent files, compiled in,
//! and their messages), `language` (which language a page is in), `html`
//! (escaping and the frame of a page), `render` (the pages), `handlers`
//! (HTTP), and [`messages`] (the check that every language has every
//! message, and the voting page's JavaScript made from the files).

mod handlers;
mod html;
mod language;
pub mod messages;
mod render;
mod text;

pub use handlers::{base_url, election, not_found, result, LangQuery};
pub use html::{escape, utc};
pub use language::{choose_language, election_languages};
pub use render::{render_election_page, render_not_found, render_result_page, PageContext};

/// The Content Security Policy of the public pages and their stylesheet:
/// nothing but the board's own stylesheet (and `data:` images); no
/// script, no inline style, no form, no frame.
pub const PUBLIC_CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; \
base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The stylesheet of the public pages, at `/elections/style.css`.
pub const STYLESHEET: &str = include_str!("public_page.css");
