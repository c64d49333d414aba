//! The pages themselves: the election page, the result page and the
//! "not found" page, as HTML strings.

use std::borrow::Cow;
use std::fmt::Write as _;

use urna_election::{Manifest, TrackingCode};

use super::html::{bar_chart, escape, head, percent, utc, FOOT};
use super::language::{choose_language, election_languages};
use super::text::{ui_languages, Texts};
use crate::machine::{Stage, View};

/// What a page is rendered for: the election, its language, and the base
/// URL of this board for the commands to copy.
pub struct PageContext<'a> {
    /// The manifest.
    pub manifest: &'a Manifest,
    /// The committed view.
    pub view: &'a View,
    /// The page's language (one of [`election_languages`]).
    pub lang: &'a str,
    /// `scheme://host` of this board as the request named it (only for
    /// the commands to copy; every link is relative).
    pub base: &'a str,
    /// The board key, hex.
    pub board_key: &'a str,
}

impl PageContext<'_> {
    fn text<'t>(&self, t: &'t urna_election::LocalizedText) -> &'t str {
        t.get(self.lang, &self.manifest.default_language)
    }
}

/// The state of the election in words.
fn state_text(u: &Texts, v: &View) -> Cow<'static, str> {
    u.get(match v.stage {
        Stage::Setup => "board-state-setup",
        Stage::Open => "board-state-open",
        Stage::Closed if v.result_posted => "board-state-result",
        Stage::Closed if v.result.is_some() => "board-state-counted",
        Stage::Closed => "board-state-closed",
    })
}

/// The machine-readable state (a `data-state` attribute, for tests and scripts).
fn state_key(v: &View) -> &'static str {
    match v.stage {
        Stage::Setup => "setup",
        Stage::Open => "open",
        Stage::Closed if v.result_posted => "result",
        Stage::Closed => "closed",
    }
}

/// `GET /elections/{id}`: the public page of an election.
pub fn render_election_page(c: &PageContext<'_>) -> String {
    let u = Texts::new(c.lang);
    let m = c.manifest;
    let v = c.view;
    let id = escape(&m.election_id);
    let title = c.text(&m.title);
    let mut out = String::with_capacity(8192);
    head(
        &mut out,
        c.lang,
        title,
        Some("style.css"),
        &election_languages(m),
    );
    let _ = writeln!(out, "<h1>{}</h1>", escape(title));
    let description = c.text(&m.description);
    if !description.is_empty() {
        let _ = writeln!(out, "<p class=\"description\">{}</p>", escape(description));
    }
    let lang_q = format!("?lang={}", escape(c.lang));
    let _ = write!(
        out,
        "<dl class=\"facts\">\n\
<dt>{}</dt><dd id=\"state\" data-state=\"{}\">{}</dd>\n\
<dt>{}</dt><dd>{} – {}</dd>\n\
<dt>{}</dt><dd id=\"ballots-cast\">{}</dd>\n\
<dt>{}</dt><dd id=\"ballots-audited\">{}</dd>\n\
<dt>{}</dt><dd id=\"credentials\">{}</dd>\n</dl>\n",
        escape(&u.get("board-state")),
        state_key(v),
        escape(&state_text(&u, v)),
        escape(&u.get("board-period")),
        utc(m.opens_at),
        utc(m.closes_at),
        escape(&u.get("board-ballots-cast")),
        v.ballots_cast,
        escape(&u.get("board-ballots-audited")),
        v.ballots_spoiled,
        escape(&u.get("board-credentials")),
        v.credentials,
    );
    let _ = write!(out, "<ul class=\"actions\">");
    if let Some(ctx) = &v.ctx {
        if v.stage == Stage::Open {
            let _ = write!(
                out,
                "<li><a id=\"vote-link\" href=\"../vote/{id}#fp={}\">{}</a></li>",
                ctx.fingerprint().to_hex(),
                escape(&u.get("board-vote"))
            );
        }
    }
    let _ = writeln!(
        out,
        "<li><a id=\"result-link\" href=\"{id}/result{lang_q}\">{}</a></li></ul>",
        escape(&u.get("board-result"))
    );

    let _ = writeln!(out, "<h2>{}</h2>", escape(&u.get("election_fingerprint")));
    match &v.ctx {
        Some(ctx) => {
            let fp = ctx.fingerprint();
            let _ = write!(
                out,
                "<p><span class=\"label\">{}:</span> <code id=\"fingerprint-short\" class=\"big\">{}</code></p>\n\
<p><code id=\"fingerprint\" class=\"hash\">{}</code></p>\n<p class=\"help\">{}</p>\n",
                escape(&u.get("board-fingerprint-short")),
                TrackingCode(fp).short(),
                fp.to_hex(),
                escape(&u.get("board-fingerprint-help")),
            );
        }
        None => {
            let _ = writeln!(
                out,
                "<p id=\"fingerprint-none\">{}</p>",
                escape(&u.get("board-fingerprint-none"))
            );
        }
    }

    let h = &v.head;
    let _ = write!(
        out,
        "<h2>{}</h2>\n<dl class=\"facts\">\n\
<dt>{}</dt><dd id=\"tree-size\">{}</dd>\n\
<dt>{}</dt><dd><code id=\"root-hash\" class=\"hash\">{}</code></dd>\n\
<dt>{}</dt><dd id=\"signed-at\">{}</dd>\n\
<dt>{}</dt><dd><code class=\"hash\">{}</code></dd>\n</dl>\n",
        escape(&u.get("board-tree-head")),
        escape(&u.get("board-tree-size")),
        h.tree_size,
        escape(&u.get("board-root-hash")),
        h.root_hash.to_hex(),
        escape(&u.get("board-signed-at")),
        utc(h.timestamp_ms / 1000),
        escape(&u.get("board-key")),
        escape(c.board_key),
    );

    let base = escape(c.base);
    let _ = write!(
        out,
        "<h2>{}</h2>\n<p>{}</p>\n\
<pre id=\"verify-command\"><code>curl -fo election.urna {base}/api/elections/{id}/record\n\
tally verify election.urna</code></pre>\n\
<p>{}</p>\n<pre id=\"fetch-command\"><code>tally fetch --board {base} --election {id} --out election.urna\n\
tally verify election.urna</code></pre>\n<p class=\"help\">{}</p>\n",
        escape(&u.get("board-verify-title")),
        escape(&u.get("board-verify-help")),
        escape(&u.get("board-verify-fetch")),
        escape(&u.get("board-verify-mirror")),
    );
    out.push_str(FOOT);
    out
}
/// bar chart, marked official or provisional; or "no result yet".
pub fn render_result_page(c: &PageContext<'_>) -> String {
    let u = Texts::new(c.lang);
    let m = c.manifest;
    let v = c.view;
    let title = c.text(&m.title);
    let mut out = String::with_capacity(8192);
    head(
        &mut out,
        c.lang,
        &u.with("board-result-page-title", &[("title", title)]),
        Some("../style.css"),
        &election_languages(m),
    );
    let _ = writeln!(
        out,
        "<p class=\"back\"><a href=\"../{}?lang={}\">{}</a></p>",
        escape(&m.election_id),
        escape(c.lang),
        escape(&u.get("board-election-page"))
    );
    let _ = writeln!(out, "<h1>{}</h1>", escape(title));
    let _ = writeln!(out, "<h2>{}</h2>", escape(&u.get("board-result")));
    let Some(result) = &v.result else {
        let _ = write!(
            out,
            "<p id=\"status\" class=\"notice\" data-status=\"none\">{}</p>\n\
<p><span class=\"label\">{}:</span> <span id=\"state\" data-state=\"{}\">{}</span></p>\n",
            escape(&u.get("board-no-result")),
            escape(&u.get("board-state")),
            state_key(v),
            escape(&state_text(&u, v)),
        );
        out.push_str(FOOT);
        return out;
    };
    let (status, text) = if result.official {
        ("official", u.get("board-official"))
    } else {
        ("provisional", u.get("board-provisional"))
    };
    let _ = writeln!(
        out,
        "<p id=\"status\" class=\"notice {status}\" data-status=\"{status}\">{}</p>",
        escape(&text)
    );
    for (ci, contest) in m.contests.iter().enumerate() {
        let totals = result.totals.get(ci).map(Vec::as_slice).unwrap_or(&[]);
        let sum: u64 = totals.iter().fold(0u64, |a, t| a.saturating_add(*t));
        let contest_title = c.text(&contest.title);
        let _ = write!(
            out,
            "<section class=\"contest\" id=\"contest-{ci}\">\n<h3>{}</h3>\n\
<table>\n<thead><tr><th scope=\"col\">{}</th><th scope=\"col\" class=\"num\">{}</th>\
<th scope=\"col\" class=\"num\">{}</th></tr></thead>\n<tbody>\n",
            escape(contest_title),
            escape(&u.get("board-option")),
            escape(&u.get("board-total")),
            escape(&u.get("board-share")),
        );
        let mut rows = Vec::with_capacity(contest.options.len());
        for (oi, option) in contest.options.iter().enumerate() {
            let total = totals.get(oi).copied().unwrap_or(0);
            let name = c.text(&option.title);
            let _ = writeln!(
                out,
                "<tr><th scope=\"row\">{}</th><td class=\"num total\">{total}</td><td class=\"num\">{}</td></tr>",
                escape(name),
                percent(total, sum),
            );
            rows.push((name, total));
        }
        out.push_str("</tbody>\n</table>\n");
        bar_chart(
            &mut out,
            &u.with("board-chart-label", &[("contest", contest_title)]),
            &rows,
        );
        out.push_str("</section>\n");
    }
    out.push_str(FOOT);
    out
}

/// The 404 page, in the best of the page's own languages.
pub fn render_not_found(accept_language: Option<&str>) -> String {
    let langs: Vec<String> = ui_languages().map(String::from).collect();
    let lang = choose_language(&langs, None, accept_language, "en");
    let u = Texts::new(&lang);
    let mut out = String::new();
    // At any depth under `/elections`: no stylesheet, whose relative URL
    // would depend on the depth.
    head(&mut out, &lang, &u.get("board-not-found-title"), None, &[]);
    let _ = writeln!(
        out,
        "<h1>{}</h1>\n<p>{}</p>",
        escape(&u.get("board-not-found-title")),
        escape(&u.get("board-not-found"))
    );
    out.push_str(FOOT);
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::machine::Totals;
    use std::sync::Arc;
    use urna_election::LocalizedText;
    use urna_log::BoardKey;

    pub(crate) fn manifest() -> Manifest {
        let organizer = urna_crypto::SecretKey::generate(&mut rand_core::OsRng);
        let authority = urna_crypto::SecretKey::generate(&mut rand_core::OsRng);
        let opts = urna_sim::sample::SampleOptions::default();
        let keys = urna_sim::sample::trustee_keys(opts.trustees, &mut rand_core::OsRng);
        let mut m = urna_sim::sample::sample_manifest(
            &opts,
            &organizer.public_key(),
            &authority.public_key(),
            &urna_sim::sample::roster(&keys),
        )
        .unwrap();
        m.title = LocalizedText(
            [
                (
                    "en".to_string(),
                    "Board <script>alert(1)</script> & \"co\"".to_string(),
                ),
                ("ru".to_string(), "Выборы правления".to_string()),
            ]
            .into(),
        );
        m.contests[0].options[0].title =
            LocalizedText::single("en", "<img src=x onerror=alert(1)>");
        m.validate().unwrap();
        m
    }

    fn view(result: Option<Totals>, stage: Stage, posted: bool) -> View {
        let key = BoardKey::from_seed(&[7; 32]);
        View {
            stage,
            manifest_hash: [0; 32],
            ctx: None,
            head: key
                .sign_tree_head("e1", 12, 1_800_000_000_123, urna_log::Hash([0xab; 32]))
                .unwrap(),
            ballots_cast: 10,
            ballots_spoiled: 1,
            credentials: 8,
            tally_shares: 2,
            result_posted: posted,
            result: result.map(Arc::new),
        }
    }

    fn ctx<'a>(m: &'a Manifest, v: &'a View, lang: &'a str) -> PageContext<'a> {
        PageContext {
            manifest: m,
            view: v,
            lang,
            base: "http://127.0.0.1:8080",
            board_key: "00ff",
        }
    }

    #[test]
    fn manifest_texts_are_escaped_everywhere() {
        let m = manifest();
        let totals = vec![
            vec![3; m.contests[0].options.len()],
            vec![1; m.contests.get(1).map_or(0, |c| c.options.len())],
        ];
        let v = view(
            Some(Totals {
                totals,
                official: true,
            }),
            Stage::Closed,
            true,
        );
        for page in [
            render_election_page(&ctx(&m, &v, "en")),
            render_result_page(&ctx(&m, &v, "en")),
        ] {
            assert!(!page.contains("<script>"), "{page}");
            assert!(!page.contains("<img"), "{page}");
            assert!(!page.contains("style="), "inline style: {page}");
            assert!(
                page.contains("Board &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;co&quot;")
            );
        }
    }

    #[test]
    fn result_page_shows_tables_charts_and_status() {
        let m = manifest();
        let n0 = m.contests[0].options.len();
        let mut first = vec![0; n0];
        first[0] = 3;
        first[1] = 1;
        let totals = vec![first, vec![0; m.contests[1].options.len()]];
        let provisional = view(
            Some(Totals {
                totals: totals.clone(),
                official: false,
            }),
            Stage::Closed,
            false,
        );
        let page = render_result_page(&ctx(&m, &provisional, "en"));
        assert!(page.contains("data-status=\"provisional\""));
        assert!(page.contains("not yet signed by the organizer"));
        assert!(page.contains("<td class=\"num total\">3</td><td class=\"num\">75.0%</td>"));
        assert!(page.contains("<td class=\"num total\">1</td><td class=\"num\">25.0%</td>"));
        // One bar per option; the largest is full length, a zero is empty.
        assert_eq!(
            page.matches("<rect class=\"bar\"").count(),
            n0 + m.contests[1].options.len()
        );
        assert!(page.contains("width=\"460\""));
        assert!(page.contains("width=\"153\""));
        // A contest with no votes: no division by zero.
        assert!(page.contains("<td class=\"num\">–</td>"));
        assert!(page.contains("href=\"../style.css\""));

        let official = view(
            Some(Totals {
                totals,
                official: true,
            }),
            Stage::Closed,
            true,
        );
        let ru = render_result_page(&ctx(&m, &official, "ru"));
        assert!(ru.contains("<html lang=\"ru\">"));
        assert!(ru.contains("data-status=\"official\""));
        assert!(ru.contains("Официальный результат"));
        assert!(ru.contains("<h1>Выборы правления</h1>"));

        let none = view(None, Stage::Open, false);
        let page = render_result_page(&ctx(&m, &none, "en"));
        assert!(page.contains("data-status=\"none\""));
        assert!(page.contains("No result yet."));
        assert!(page.contains("data-state=\"open\""));
        assert!(!page.contains("<table"));
    }

    #[test]
    fn election_page_shows_state_head_and_commands() {
        let m = manifest();
        let v = view(None, Stage::Setup, false);
        let page = render_election_page(&ctx(&m, &v, "en"));
        assert!(page.contains("data-state=\"setup\""));
        assert!(page.contains("<dd id=\"ballots-cast\">10</dd>"));
        assert!(page.contains("<dd id=\"tree-size\">12</dd>"));
        assert!(page.contains(&"ab".repeat(32)));
        assert!(page.contains("2027-01-15 08:00:00 UTC"));
        assert!(page.contains(
            "curl -fo election.urna http://127.0.0.1:8080/api/elections/sample-election/record\ntally verify election.urna"
        ));
        assert!(page.contains("id=\"fingerprint-none\""));
        assert!(page.contains("href=\"sample-election/result?lang=en\""));
        // Language links to the election's languages.
        assert!(page.contains("<a href=\"?lang=ru\" hreflang=\"ru\" lang=\"ru\">Русский</a>"));
        // Only relative links.
        assert!(!page.contains("href=\"http") && !page.contains("href=\"/"));
    }
}
