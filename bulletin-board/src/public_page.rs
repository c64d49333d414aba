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
//! ([`choose_language`]). The page's own words exist in English,
//! Belarusian, Russian and Ukrainian, as on the voting page; an election
//! language without them gets English words around the election's texts.

use std::fmt::Write as _;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, Response, StatusCode};
use urna_election::{Manifest, TrackingCode};

use crate::election::{Shared, Stage, View};
use crate::http::AppState;
use crate::sequencer::lookup;

/// The Content Security Policy of the public pages and their stylesheet:
/// nothing but the board's own stylesheet (and `data:` images); no
/// script, no inline style, no form, no frame.
pub const PUBLIC_CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; \
base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The stylesheet of the public pages, at `/elections/style.css`.
pub const STYLESHEET: &str = include_str!("public_page.css");

/// The words of the pages in one language.
struct Ui {
    not_found_title: &'static str,
    not_found: &'static str,
    language: &'static str,
    state: &'static str,
    state_setup: &'static str,
    state_open: &'static str,
    state_closed: &'static str,
    state_counted: &'static str,
    state_result: &'static str,
    period: &'static str,
    ballots_cast: &'static str,
    ballots_audited: &'static str,
    credentials: &'static str,
    tree_head: &'static str,
    tree_size: &'static str,
    root_hash: &'static str,
    signed_at: &'static str,
    board_key: &'static str,
    fingerprint: &'static str,
    fingerprint_short: &'static str,
    fingerprint_help: &'static str,
    fingerprint_none: &'static str,
    vote: &'static str,
    result: &'static str,
    verify_title: &'static str,
    verify_help: &'static str,
    verify_fetch: &'static str,
    verify_mirror: &'static str,
    official: &'static str,
    provisional: &'static str,
    no_result: &'static str,
    option: &'static str,
    total: &'static str,
    share: &'static str,
    chart: &'static str,
    election_page: &'static str,
}

const EN: Ui = Ui {
    not_found_title: "Not found",
    not_found: "There is no election at this address. Check the link you were given.",
    language: "Language",
    state: "State",
    state_setup: "Being set up: voting has not opened yet",
    state_open: "Voting is open",
    state_closed: "Voting has closed; the result is not published yet",
    state_counted: "Voting has closed; the trustees have decrypted the result, the organizer has not signed it yet",
    state_result: "Result published",
    period: "Voting period",
    ballots_cast: "Ballots cast (re-votes included)",
    ballots_audited: "Audited ballots (never counted)",
    credentials: "Registered credentials",
    tree_head: "Latest signed tree head",
    tree_size: "Entries in the log",
    root_hash: "Root hash",
    signed_at: "Signed at",
    board_key: "Board key",
    fingerprint: "Election fingerprint",
    fingerprint_short: "Short form",
    fingerprint_help: "Compare it with the fingerprint the organizers announced: it names this election, its key and its list of credentials.",
    fingerprint_none: "Not fixed yet: the trustees' key and the credential list are not both posted.",
    vote: "Go to the voting page",
    result: "Result",
    verify_title: "Verify the election yourself",
    verify_help: "Download the election record and check it with the independent verifier tally: every signature, every proof, the re-voting rule and the count.",
    verify_fetch: "Or, with tally only:",
    verify_mirror: "Any mirror serves the same record. Compare the tree head above with what others see: one log for everybody.",
    official: "Official result: signed by the organizer and checked by this board against the trustees' decryption.",
    provisional: "Provisional result: computed by this board from the trustees' decryption shares; not yet signed by the organizer.",
    no_result: "No result yet.",
    option: "Option",
    total: "Total",
    share: "Share",
    chart: "Totals",
    election_page: "Election page",
};

const BE: Ui = Ui {
    not_found_title: "Не знойдзена",
    not_found: "Па гэтым адрасе няма галасавання. Праверце спасылку, якую вы атрымалі.",
    language: "Мова",
    state: "Стан",
    state_setup: "Падрыхтоўка: галасаванне яшчэ не адкрыта",
    state_open: "Галасаванне адкрыта",
    state_closed: "Галасаванне скончылася; вынік яшчэ не апублікаваны",
    state_counted: "Галасаванне скончылася; давераныя асобы расшыфравалі вынік, арганізатар яшчэ не падпісаў яго",
    state_result: "Вынік апублікаваны",
    period: "Час галасавання",
    ballots_cast: "Пададзеныя бюлетэні (з паўторнымі)",
    ballots_audited: "Правераныя бюлетэні (ніколі не ўлічваюцца)",
    credentials: "Зарэгістраваныя пасведчанні",
    tree_head: "Апошняя падпісаная вяршыня дрэва",
    tree_size: "Запісаў у журнале",
    root_hash: "Хэш кораня",
    signed_at: "Падпісана",
    board_key: "Ключ дошкі",
    fingerprint: "Адбітак выбараў",
    fingerprint_short: "Кароткая форма",
    fingerprint_help: "Параўнайце яго з адбіткам, які абвясцілі арганізатары: ён вызначае гэтыя выбары, іх ключ і спіс пасведчанняў.",
    fingerprint_none: "Яшчэ не вызначаны: ключ давераных асоб і спіс пасведчанняў апублікаваныя не абодва.",
    vote: "Перайсці да галасавання",
    result: "Вынік",
    verify_title: "Праверце выбары самі",
    verify_help: "Спампуйце запіс выбараў і праверце яго незалежнай праграмай tally: кожны подпіс, кожны доказ, правіла паўторнага галасавання і падлік.",
    verify_fetch: "Або толькі праз tally:",
    verify_mirror: "Любое люстэрка аддае той самы запіс. Параўнайце вяршыню дрэва вышэй з тым, што бачаць іншыя: адзін журнал для ўсіх.",
    official: "Афіцыйны вынік: падпісаны арганізатарам і правераны гэтай дошкай па расшыфроўцы давераных асоб.",
    provisional: "Папярэдні вынік: падлічаны гэтай дошкай з долей расшыфроўкі давераных асоб; арганізатар яшчэ не падпісаў яго.",
    no_result: "Выніку пакуль няма.",
    option: "Варыянт",
    total: "Усяго",
    share: "Доля",
    chart: "Вынікі",
    election_page: "Старонка выбараў",
};

const RU: Ui = Ui {
    not_found_title: "Не найдено",
    not_found: "По этому адресу нет голосования. Проверьте ссылку, которую вы получили.",
    language: "Язык",
    state: "Состояние",
    state_setup: "Подготовка: голосование ещё не открыто",
    state_open: "Голосование открыто",
    state_closed: "Голосование закончилось; результат ещё не опубликован",
    state_counted: "Голосование закончилось; доверенные лица расшифровали результат, организатор ещё не подписал его",
    state_result: "Результат опубликован",
    period: "Время голосования",
    ballots_cast: "Поданные бюллетени (включая повторные)",
    ballots_audited: "Проверенные бюллетени (никогда не учитываются)",
    credentials: "Зарегистрированные удостоверения",
    tree_head: "Последняя подписанная вершина дерева",
    tree_size: "Записей в журнале",
    root_hash: "Хеш корня",
    signed_at: "Подписано",
    board_key: "Ключ доски",
    fingerprint: "Отпечаток выборов",
    fingerprint_short: "Краткая форма",
    fingerprint_help: "Сравните его с отпечатком, который объявили организаторы: он определяет эти выборы, их ключ и список удостоверений.",
    fingerprint_none: "Ещё не определён: ключ доверенных лиц и список удостоверений опубликованы не оба.",
    vote: "Перейти к голосованию",
    result: "Результат",
    verify_title: "Проверьте выборы сами",
    verify_help: "Скачайте запись выборов и проверьте её независимой программой tally: каждую подпись, каждое доказательство, правило повторного голосования и подсчёт.",
    verify_fetch: "Или только с помощью tally:",
    verify_mirror: "Любое зеркало отдаёт ту же запись. Сравните вершину дерева выше с тем, что видят другие: один журнал для всех.",
    official: "Официальный результат: подписан организатором и проверен этой доской по расшифровке доверенных лиц.",
    provisional: "Предварительный результат: подсчитан этой доской из долей расшифровки доверенных лиц; организатор ещё не подписал его.",
    no_result: "Результата пока нет.",
    option: "Вариант",
    total: "Всего",
    share: "Доля",
    chart: "Итоги",
    election_page: "Страница выборов",
};

const UK: Ui = Ui {
    not_found_title: "Не знайдено",
    not_found: "За цією адресою немає голосування. Перевірте посилання, яке ви отримали.",
    language: "Мова",
    state: "Стан",
    state_setup: "Підготовка: голосування ще не відкрито",
    state_open: "Голосування відкрито",
    state_closed: "Голосування завершилося; результат ще не опубліковано",
    state_counted: "Голосування завершилося; довірені особи розшифрували результат, організатор ще не підписав його",
    state_result: "Результат опубліковано",
    period: "Час голосування",
    ballots_cast: "Подані бюлетені (разом із повторними)",
    ballots_audited: "Перевірені бюлетені (ніколи не враховуються)",
    credentials: "Зареєстровані посвідчення",
    tree_head: "Остання підписана вершина дерева",
    tree_size: "Записів у журналі",
    root_hash: "Хеш кореня",
    signed_at: "Підписано",
    board_key: "Ключ дошки",
    fingerprint: "Відбиток виборів",
    fingerprint_short: "Коротка форма",
    fingerprint_help: "Порівняйте його з відбитком, який оголосили організатори: він визначає ці вибори, їхній ключ і список посвідчень.",
    fingerprint_none: "Ще не визначений: ключ довірених осіб і список посвідчень опубліковані не обидва.",
    vote: "Перейти до голосування",
    result: "Результат",
    verify_title: "Перевірте вибори самі",
    verify_help: "Завантажте запис виборів і перевірте його незалежною програмою tally: кожен підпис, кожен доказ, правило повторного голосування і підрахунок.",
    verify_fetch: "Або лише за допомогою tally:",
    verify_mirror: "Будь-яке дзеркало віддає той самий запис. Порівняйте вершину дерева вище з тим, що бачать інші: один журнал для всіх.",
    official: "Офіційний результат: підписаний організатором і перевірений цією дошкою за розшифруванням довірених осіб.",
    provisional: "Попередній результат: обчислений цією дошкою з часток розшифрування довірених осіб; організатор ще не підписав його.",
    no_result: "Результату поки немає.",
    option: "Варіант",
    total: "Усього",
    share: "Частка",
    chart: "Підсумки",
    election_page: "Сторінка виборів",
};

/// The page's words for a language tag (`be-tarask` uses `be`'s); English
/// for a language without them.
fn ui(lang: &str) -> &'static Ui {
    match primary(lang).as_str() {
        "be" => &BE,
        "ru" => &RU,
        "uk" => &UK,
        _ => &EN,
    }
}

/// The languages the page's own words exist in.
const UI_LANGUAGES: [&str; 4] = ["en", "be", "ru", "uk"];

/// A language's name in itself, for the language links.
fn language_name(lang: &str) -> &str {
    match lang {
        "en" => "English",
        "be" => "Беларуская",
        "be-tarask" => "Беларуская (тарашкевіца)",
        "ru" => "Русский",
        "uk" => "Українська",
        "pl" => "Polski",
        "lt" => "Lietuvių",
        "de" => "Deutsch",
        "fr" => "Français",
        _ => lang,
    }
}

/// The primary subtag, lower-case (`be` of `be-tarask`, `en` of `en-GB`).
fn primary(tag: &str) -> String {
    tag.split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// Escape text for HTML element content and double- or single-quoted
/// attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
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

/// `2027-01-15 08:00:00 UTC` from seconds since the Unix epoch.
pub fn utc(seconds: u64) -> String {
    let days = (seconds / 86_400) as i64;
    let rem = seconds % 86_400;
    // Days to the civil date (H. Hinnant's algorithm, proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

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

/// The start of a page: `<head>`, the language links and the title.
fn head(out: &mut String, lang: &str, title: &str, css: Option<&str>, languages: &[String]) {
    let u = ui(lang);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{l}\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<meta name=\"referrer\" content=\"no-referrer\">\n<title>{t}</title>\n",
        l = escape(lang),
        t = escape(title),
    );
    if let Some(css) = css {
        let _ = writeln!(out, "<link rel=\"stylesheet\" href=\"{}\">", escape(css));
    }
    out.push_str("</head>\n<body>\n");
    if languages.len() > 1 {
        let _ = write!(
            out,
            "<nav class=\"languages\" aria-label=\"{}\"><ul>",
            escape(u.language)
        );
        for l in languages {
            let current = if l == lang {
                " aria-current=\"true\""
            } else {
                ""
            };
            let _ = write!(
                out,
                "<li><a href=\"?lang={l}\" hreflang=\"{l}\" lang=\"{l}\"{current}>{n}</a></li>",
                l = escape(l),
                n = escape(language_name(l)),
            );
        }
        out.push_str("</ul></nav>\n");
    }
    out.push_str("<main>\n");
}

const FOOT: &str = "</main>\n</body>\n</html>\n";

/// The state of the election in words.
fn state_text(u: &Ui, v: &View) -> &'static str {
    match v.stage {
        Stage::Setup => u.state_setup,
        Stage::Open => u.state_open,
        Stage::Closed if v.result_posted => u.state_result,
        Stage::Closed if v.result.is_some() => u.state_counted,
        Stage::Closed => u.state_closed,
    }
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
    let u = ui(c.lang);
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
        escape(u.state),
        state_key(v),
        escape(state_text(u, v)),
        escape(u.period),
        utc(m.opens_at),
        utc(m.closes_at),
        escape(u.ballots_cast),
        v.ballots_cast,
        escape(u.ballots_audited),
        v.ballots_spoiled,
        escape(u.credentials),
        v.credentials,
    );
    let _ = write!(out, "<ul class=\"actions\">");
    if let Some(ctx) = &v.ctx {
        if v.stage == Stage::Open {
            let _ = write!(
                out,
                "<li><a id=\"vote-link\" href=\"../vote/{id}#fp={}\">{}</a></li>",
                ctx.fingerprint().to_hex(),
                escape(u.vote)
            );
        }
    }
    let _ = writeln!(
        out,
        "<li><a id=\"result-link\" href=\"{id}/result{lang_q}\">{}</a></li></ul>",
        escape(u.result)
    );

    let _ = writeln!(out, "<h2>{}</h2>", escape(u.fingerprint));
    match &v.ctx {
        Some(ctx) => {
            let fp = ctx.fingerprint();
            let _ = write!(
                out,
                "<p><span class=\"label\">{}:</span> <code id=\"fingerprint-short\" class=\"big\">{}</code></p>\n\
<p><code id=\"fingerprint\" class=\"hash\">{}</code></p>\n<p class=\"help\">{}</p>\n",
                escape(u.fingerprint_short),
                TrackingCode(fp).short(),
                fp.to_hex(),
                escape(u.fingerprint_help),
            );
        }
        None => {
            let _ = writeln!(
                out,
                "<p id=\"fingerprint-none\">{}</p>",
                escape(u.fingerprint_none)
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
        escape(u.tree_head),
        escape(u.tree_size),
        h.tree_size,
        escape(u.root_hash),
        h.root_hash.to_hex(),
        escape(u.signed_at),
        utc(h.timestamp_ms / 1000),
        escape(u.board_key),
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
        escape(u.verify_title),
        escape(u.verify_help),
        escape(u.verify_fetch),
        escape(u.verify_mirror),
    );
    out.push_str(FOOT);
    out
}

/// `12.5%` of `part / whole`, one decimal; `–` when the whole is 0.
fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "–".into();
    }
    // Tenths of a percent, rounded half up, in integers (exact).
    let tenths = (u128::from(part) * 2000 + u128::from(whole)) / (2 * u128::from(whole));
    format!("{}.{}%", tenths / 10, tenths % 10)
}

/// A horizontal bar chart of one contest: one labelled bar per option,
/// its length proportional to the total. Only SVG presentation
/// attributes, no `style` (the page's CSP has no `'unsafe-inline'`).
fn bar_chart(out: &mut String, label: &str, rows: &[(&str, u64)]) {
    const WIDTH: u64 = 600;
    const BAR: u64 = 460;
    const ROW: u64 = 44;
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0);
    let height = ROW * rows.len() as u64 + 4;
    let _ = write!(
        out,
        "<svg class=\"chart\" role=\"img\" aria-label=\"{}\" viewBox=\"0 0 {WIDTH} {height}\" \
width=\"100%\" xmlns=\"http://www.w3.org/2000/svg\">",
        escape(label)
    );
    for (i, (name, total)) in rows.iter().enumerate() {
        let y = ROW * i as u64;
        let w = if max == 0 {
            0
        } else {
            (u128::from(*total) * u128::from(BAR) / u128::from(max)) as u64
        };
        let _ = write!(
            out,
            "<text x=\"0\" y=\"{ty}\" font-size=\"14\" fill=\"#1a1a1a\">{n}</text>\
<rect class=\"bar\" x=\"0\" y=\"{ry}\" width=\"{w}\" height=\"18\" fill=\"#2f5d8a\"/>\
<text x=\"{tx}\" y=\"{vy}\" font-size=\"14\" fill=\"#1a1a1a\">{total}</text>",
            ty = y + 15,
            ry = y + 21,
            tx = w + 6,
            vy = y + 35,
            n = escape(name),
        );
    }
    out.push_str("</svg>\n");
}

/// `GET /elections/{id}/result`: the totals per contest as a table and a
/// bar chart, marked official or provisional; or "no result yet".
pub fn render_result_page(c: &PageContext<'_>) -> String {
    let u = ui(c.lang);
    let m = c.manifest;
    let v = c.view;
    let title = c.text(&m.title);
    let mut out = String::with_capacity(8192);
    head(
        &mut out,
        c.lang,
        &format!("{} — {}", u.result, title),
        Some("../style.css"),
        &election_languages(m),
    );
    let _ = writeln!(
        out,
        "<p class=\"back\"><a href=\"../{}?lang={}\">{}</a></p>",
        escape(&m.election_id),
        escape(c.lang),
        escape(u.election_page)
    );
    let _ = writeln!(out, "<h1>{}</h1>", escape(title));
    let _ = writeln!(out, "<h2>{}</h2>", escape(u.result));
    let Some(result) = &v.result else {
        let _ = write!(
            out,
            "<p id=\"status\" class=\"notice\" data-status=\"none\">{}</p>\n\
<p><span class=\"label\">{}:</span> <span id=\"state\" data-state=\"{}\">{}</span></p>\n",
            escape(u.no_result),
            escape(u.state),
            state_key(v),
            escape(state_text(u, v)),
        );
        out.push_str(FOOT);
        return out;
    };
    let (status, text) = if result.official {
        ("official", u.official)
    } else {
        ("provisional", u.provisional)
    };
    let _ = writeln!(
        out,
        "<p id=\"status\" class=\"notice {status}\" data-status=\"{status}\">{}</p>",
        escape(text)
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
            escape(u.option),
            escape(u.total),
            escape(u.share),
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
        bar_chart(&mut out, &format!("{}: {}", u.chart, contest_title), &rows);
        out.push_str("</section>\n");
    }
    out.push_str(FOOT);
    out
}

/// The 404 page, in the best of the page's own languages.
pub fn render_not_found(accept_language: Option<&str>) -> String {
    let langs: Vec<String> = UI_LANGUAGES.iter().map(|l| l.to_string()).collect();
    let lang = choose_language(&langs, None, accept_language, "en");
    let u = ui(&lang);
    let mut out = String::new();
    // At any depth under `/elections`: no stylesheet, whose relative URL
    // would depend on the depth.
    head(&mut out, &lang, u.not_found_title, None, &[]);
    let _ = writeln!(
        out,
        "<h1>{}</h1>\n<p>{}</p>",
        escape(u.not_found_title),
        escape(u.not_found)
    );
    out.push_str(FOOT);
    out
}

fn respond(status: StatusCode, ctype: &'static str, body: String) -> Response<Body> {
    let mut res = Response::new(Body::from(body));
    *res.status_mut() = status;
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PUBLIC_CSP),
    );
    res
}

fn html(status: StatusCode, body: String) -> Response<Body> {
    respond(status, "text/html; charset=utf-8", body)
}

fn accept_language(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
}

/// `scheme://host` as the request named this board, for the commands to
/// copy: the `Host` header if it is a plain host name or address (else a
/// placeholder), `http` for onion, loopback and IP-literal hosts and
/// `https` otherwise, unless `X-Forwarded-Proto` (set by a reverse proxy)
/// says `http` or `https`.
pub fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.len() <= 255
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-.:[]_".contains(&b))
        });
    let Some(host) = host else {
        return "https://BOARD".into();
    };
    let forwarded = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_ascii_lowercase());
    let name = match host.rsplit_once(':') {
        Some((n, port)) if port.bytes().all(|b| b.is_ascii_digit()) && !n.ends_with(':') => n,
        _ => host,
    };
    let plain_http = name.ends_with(".onion")
        || name == "localhost"
        || name.starts_with('[')
        || name.parse::<std::net::Ipv4Addr>().is_ok();
    let scheme = match forwarded.as_deref() {
        Some("http") => "http",
        Some("https") => "https",
        _ if plain_http => "http",
        _ => "https",
    };
    format!("{scheme}://{host}")
}

/// The `?lang=` parameter (other parameters are ignored).
#[derive(serde::Deserialize)]
pub struct LangQuery {
    lang: Option<String>,
}

fn election_of(st: &AppState, id: &str) -> Option<Arc<Shared>> {
    if !crate::http::valid_id(id) {
        return None;
    }
    lookup(&st.registry, id)
}

fn page(
    st: &AppState,
    id: Result<Path<String>, PathRejection>,
    q: Result<Query<LangQuery>, QueryRejection>,
    headers: &HeaderMap,
    render: fn(&PageContext<'_>) -> String,
) -> Response<Body> {
    let accept = accept_language(headers);
    let Some(shared) = id.ok().and_then(|Path(id)| election_of(st, &id)) else {
        return html(StatusCode::NOT_FOUND, render_not_found(accept));
    };
    let m = &shared.manifest;
    let query = q.ok().and_then(|Query(q)| q.lang);
    let lang = choose_language(
        &election_languages(m),
        query.as_deref(),
        accept,
        &m.default_language,
    );
    let view = shared.view();
    let base = base_url(headers);
    let board_key = hex::encode(st.keys.public.to_bytes());
    let body = render(&PageContext {
        manifest: m,
        view: &view,
        lang: &lang,
        base: &base,
        board_key: &board_key,
    });
    let mut res = html(StatusCode::OK, body);
    res.headers_mut()
        .insert(header::VARY, HeaderValue::from_static("accept-language"));
    res
}

/// `GET /elections/{id}` (and the stylesheet at `/elections/style.css`:
/// an election id never has a `.`).
pub async fn election(
    State(st): State<Arc<AppState>>,
    id: Result<Path<String>, PathRejection>,
    q: Result<Query<LangQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Response<Body> {
    if matches!(&id, Ok(Path(name)) if name == "style.css") {
        return respond(
            StatusCode::OK,
            "text/css; charset=utf-8",
            STYLESHEET.to_string(),
        );
    }
    page(&st, id, q, &headers, render_election_page)
}

/// `GET /elections/{id}/result`.
pub async fn result(
    State(st): State<Arc<AppState>>,
    id: Result<Path<String>, PathRejection>,
    q: Result<Query<LangQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Response<Body> {
    page(&st, id, q, &headers, render_result_page)
}

/// Any other path under `/elections`: the 404 page.
pub async fn not_found(headers: HeaderMap) -> Response<Body> {
    html(
        StatusCode::NOT_FOUND,
        render_not_found(accept_language(&headers)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use urna_election::LocalizedText;
    use urna_log::BoardKey;

    fn manifest() -> Manifest {
        let organizer = urna_crypto::SecretKey::generate(&mut rand_core::OsRng);
        let authority = urna_crypto::SecretKey::generate(&mut rand_core::OsRng);
        let opts = tally::sample::SampleOptions::default();
        let mut m =
            tally::sample::sample_manifest(&opts, &organizer.public_key(), &authority.public_key())
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

    use crate::election::Totals;

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
    fn escape_covers_the_five_characters() {
        assert_eq!(
            escape(r#"<a href="x" title='y'>&amp;</a>"#),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;"
        );
        assert_eq!(escape("Выборы"), "Выборы");
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
        assert_eq!(election_languages(&manifest()), ["en", "ru"]);
        // The page's words: be-tarask gets Belarusian, others English.
        assert_eq!(ui("be-tarask").result, BE.result);
        assert_eq!(ui("pl").result, EN.result);
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

    #[test]
    fn dates_and_percentages() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(utc(1_800_000_000), "2027-01-15 08:00:00 UTC");
        assert_eq!(percent(1, 3), "33.3%");
        assert_eq!(percent(2, 3), "66.7%");
        assert_eq!(percent(0, 0), "–");
        assert_eq!(percent(u64::MAX, u64::MAX), "100.0%");
    }

    #[test]
    fn base_url_from_the_host_header() {
        let mut h = HeaderMap::new();
        assert_eq!(base_url(&h), "https://BOARD");
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert_eq!(base_url(&h), "http://127.0.0.1:8080");
        h.insert(header::HOST, HeaderValue::from_static("vote.example.org"));
        assert_eq!(base_url(&h), "https://vote.example.org");
        h.insert(header::HOST, HeaderValue::from_static("abcdef.onion"));
        assert_eq!(base_url(&h), "http://abcdef.onion");
        h.insert(header::HOST, HeaderValue::from_static("evil\"><b>"));
        assert_eq!(base_url(&h), "https://BOARD");
        h.insert(header::HOST, HeaderValue::from_static("vote.example.org"));
        h.insert("x-forwarded-proto", HeaderValue::from_static("http"));
        assert_eq!(base_url(&h), "http://vote.example.org");
    }
}
