//! The HTML of the public pages: escaping, dates, percentages, the frame
//! of a page (head, language links, end) and the bar charts.

use std::fmt::Write as _;

use super::text::{language_name, Texts};

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

/// The start of a page: `<head>`, the language links and the title.
pub fn head(out: &mut String, lang: &str, title: &str, css: Option<&str>, languages: &[String]) {
    let u = Texts::new(lang);
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
            escape(&u.get("language"))
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
                n = escape(&language_name(l)),
            );
        }
        out.push_str("</ul></nav>\n");
    }
    out.push_str("<main>\n");
}

/// The end of a page.
pub const FOOT: &str = "</main>\n</body>\n</html>\n";

/// `12.5%` of `part / whole`, one decimal; `–` when the whole is 0.
pub fn percent(part: u64, whole: u64) -> String {
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
pub fn bar_chart(out: &mut String, label: &str, rows: &[(&str, u64)]) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_the_five_characters() {
        assert_eq!(
            escape(r#"<a href="x" title='y'>&amp;</a>"#),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;"
        );
        assert_eq!(escape("Выборы"), "Выборы");
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
}
