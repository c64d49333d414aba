//! The election's public pages over HTTP (`spec/api.md` §5.11): the
//! election page and the result page through an election's life, their
//! Content Security Policy, the stylesheet and the 404 page.

mod common;

use common::{post_all, sample, Backend, TestBoard};
use hyper::StatusCode;
use urna_board::public_page::PUBLIC_CSP;
use urna_election::entry::tag;
use urna_election::Entry;

fn header<'a>(a: &'a common::Answer, name: &str) -> &'a str {
    a.headers
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .unwrap()
}

fn html(a: &common::Answer, status: StatusCode) -> String {
    assert_eq!(a.status, status, "{}", String::from_utf8_lossy(&a.body));
    assert_eq!(header(a, "content-type"), "text/html; charset=utf-8");
    assert_eq!(header(a, "content-security-policy"), PUBLIC_CSP);
    assert_eq!(header(a, "x-content-type-options"), "nosniff");
    let page = String::from_utf8(a.body.to_vec()).unwrap();
    // No script of any kind, no inline style.
    assert!(!page.contains("<script"), "{page}");
    assert!(!page.contains("style="), "{page}");
    page
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_and_result_pages_follow_the_election() {
    let b = TestBoard::start(Backend::Sqlite).await.unwrap();
    let s = sample();
    let page_path = format!("/elections/{}", s.id);
    let result_path = format!("/elections/{}/result", s.id);

    // Unknown elections, hostile ids and unknown paths: the HTML 404 page.
    for path in [
        "/elections/no-such-election",
        "/elections/no-such-election/result",
        "/elections/Upper",
        "/elections",
        "/elections/",
        "/elections/%3Cscript%3E",
        &format!("/elections/{}/nothing", s.id),
    ] {
        let page = html(&b.get(path).await, StatusCode::NOT_FOUND);
        assert!(
            page.contains("There is no election at this address"),
            "{path}"
        );
    }

    // Setup: no fingerprint yet, no result.
    post_all(&b, &s.id, s.before_credentials(), 0).await;
    let page = html(&b.get(&page_path).await, StatusCode::OK);
    assert!(page.contains("data-state=\"setup\""), "{page}");
    assert!(page.contains("id=\"fingerprint-none\""));
    assert!(!page.contains("id=\"vote-link\""));

    // Open: the fingerprint, the voting link, the counts, the head.
    let n = s.setup().len();
    post_all(
        &b,
        &s.id,
        &s.entries[s.before_credentials().len()..n],
        s.before_credentials().len() as u64,
    )
    .await;
    let info = b.get(&format!("/api/elections/{}", s.id)).await.json();
    let fp = info["fingerprint"].as_str().unwrap();
    let page = html(&b.get(&page_path).await, StatusCode::OK);
    assert!(page.contains("data-state=\"open\""));
    assert!(page.contains(&format!(
        "<code id=\"fingerprint\" class=\"hash\">{fp}</code>"
    )));
    assert!(page.contains(&format!("href=\"../vote/{}#fp={fp}\"", s.id)));
    assert!(page.contains(&format!(
        "<dd id=\"credentials\">{}</dd>",
        info["credentials"]
    )));
    assert!(page.contains(&format!("<dd id=\"tree-size\">{n}</dd>")));
    assert!(page.contains(&format!(
        "<code id=\"root-hash\" class=\"hash\">{}</code>",
        info["tree_head"]["root_hash"].as_str().unwrap()
    )));
    // The commands to copy name this board as the request did (Host: 127.0.0.1).
    assert!(page.contains(&format!(
        "curl -fo election.urna http://127.0.0.1/api/elections/{}/record\ntally verify election.urna",
        s.id
    )));
    let page = html(&b.get(&result_path).await, StatusCode::OK);
    assert!(page.contains("data-status=\"none\""));
    assert!(page.contains("No result yet."));

    // Everything up to the result: provisional totals; then official.
    let result_at = s.index_of(tag::RESULT, None);
    post_all(&b, &s.id, &s.entries[n..result_at], n as u64).await;
    let page = html(&b.get(&result_path).await, StatusCode::OK);
    assert!(page.contains("data-status=\"provisional\""), "{page}");
    assert!(page.contains("not yet signed by the organizer"));
    let page = html(&b.get(&page_path).await, StatusCode::OK);
    assert!(page.contains("data-state=\"closed\""));

    post_all(&b, &s.id, &s.entries[result_at..], result_at as u64).await;
    let Entry::Result(r) = Entry::from_bytes(&s.entries[result_at]).unwrap() else {
        panic!("not a result");
    };
    let page = html(&b.get(&result_path).await, StatusCode::OK);
    assert!(page.contains("data-status=\"official\""));
    for (ci, contest) in s.manifest.contests.iter().enumerate() {
        assert!(page.contains(&format!("<section class=\"contest\" id=\"contest-{ci}\">")));
        for (oi, option) in contest.options.iter().enumerate() {
            let row = format!(
                "<tr><th scope=\"row\">{}</th><td class=\"num total\">{}</td>",
                urna_board::public_page::escape(option.title.get("en", "en")),
                r.totals[ci][oi]
            );
            assert!(page.contains(&row), "missing {row}");
        }
    }
    let bars = s
        .manifest
        .contests
        .iter()
        .map(|c| c.options.len())
        .sum::<usize>();
    assert_eq!(page.matches("<rect class=\"bar\"").count(), bars);
    assert!(page.contains("<link rel=\"stylesheet\" href=\"../style.css\">"));
    let page = html(&b.get(&page_path).await, StatusCode::OK);
    assert!(page.contains("data-state=\"result\""));
    assert!(page.contains("Result published"));

    // The sample election is in English and Russian: `?lang=ru` gives the
    // Russian texts of the manifest and of the page, with language links;
    // a language the election lacks gives the default (English).
    let page = html(
        &b.get(&format!("{result_path}?lang=ru")).await,
        StatusCode::OK,
    );
    assert!(page.contains("<html lang=\"ru\">"));
    assert!(page.contains("Официальный результат"));
    assert!(page.contains(&urna_board::public_page::escape(
        s.manifest.contests[0].options[0].title.get("ru", "en")
    )));
    assert!(page.contains("<a href=\"?lang=en\" hreflang=\"en\" lang=\"en\">English</a>"));
    let page = html(
        &b.get(&format!("{result_path}?lang=de")).await,
        StatusCode::OK,
    );
    assert!(page.contains("<html lang=\"en\">"));

    // The stylesheet, under the same policy.
    let a = b.get("/elections/style.css").await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(header(&a, "content-type"), "text/css; charset=utf-8");
    assert_eq!(header(&a, "content-security-policy"), PUBLIC_CSP);
    assert_eq!(&a.body[..], urna_board::public_page::STYLESHEET.as_bytes());
    b.stop().await;
}
