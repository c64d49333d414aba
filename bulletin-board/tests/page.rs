//! The voting page (`spec/client.md` §8, `spec/api.md` §5.10): served at
//! `/vote/<election>` with its files at `/vote/<file>`, embedded in the
//! binary byte for byte, with the page's own Content Security Policy.

mod common;

use common::{post_all, sample, Backend, TestBoard};
use hyper::StatusCode;
use urna_board::page::PAGE_CSP;

fn www(path: &str) -> Vec<u8> {
    let p = format!(
        "{}/../wasm/www/",
        std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR is set by cargo")
    ) + path;
    std::fs::read(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

fn header<'a>(a: &'a common::Answer, name: &str) -> &'a str {
    a.headers
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_board_serves_the_voting_page_and_its_files() {
    let b = TestBoard::start(Backend::Sqlite).await.unwrap();
    let s = sample();
    post_all(&b, &s.id, s.setup(), 0).await;

    // The page of an existing election.
    let a = b.get(&format!("/vote/{}", s.id)).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(header(&a, "content-type"), "text/html; charset=utf-8");
    assert_eq!(header(&a, "content-security-policy"), PAGE_CSP);
    assert_eq!(header(&a, "x-content-type-options"), "nosniff");
    assert_eq!(header(&a, "x-frame-options"), "DENY");
    assert_eq!(&a.body[..], &www("index.html")[..]);
    // No third party, no inline script or style anywhere in the policy.
    assert!(!PAGE_CSP.contains("unsafe-inline") && !PAGE_CSP.contains("http"));

    // Its files, at the paths its relative URLs resolve to.
    for (path, ctype) in [
        ("app.js", "text/javascript; charset=utf-8"),
        ("i18n.js", "text/javascript; charset=utf-8"),
        ("style.css", "text/css; charset=utf-8"),
        ("pkg/urna.js", "text/javascript; charset=utf-8"),
        ("pkg/urna_bg.wasm", "application/wasm"),
        ("pkg/SHA256SUMS", "text/plain; charset=utf-8"),
    ] {
        let a = b.get(&format!("/vote/{path}")).await;
        assert_eq!(a.status, StatusCode::OK, "{path}");
        assert_eq!(header(&a, "content-type"), ctype, "{path}");
        assert_eq!(header(&a, "content-security-policy"), PAGE_CSP, "{path}");
        assert_eq!(
            &a.body[..],
            &www(path)[..],
            "{path}: not the committed bytes"
        );
    }
    let wasm = b.get("/vote/pkg/urna_bg.wasm").await;
    assert_eq!(&wasm.body[..4], b"\0asm");

    // Every embedded file is a file of wasm/www, byte for byte.
    for (name, bytes) in urna_board::page::files() {
        assert_eq!(*bytes, &www(name)[..], "{name}");
    }

    // Unknown elections, bad names, traversal and the bare prefix: the 404 page.
    for path in [
        "/vote/no-such-election",
        "/vote/Upper",
        "/vote/",
        "/vote",
        "/vote/index.html",
        "/vote/../api/board",
        "/vote/pkg/../../Cargo.toml",
        "/vote/%2e%2e/Cargo.toml",
        &format!("/vote/{}/app.js", s.id),
    ] {
        let a = b.get(path).await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(
            header(&a, "content-type"),
            "text/html; charset=utf-8",
            "{path}"
        );
        assert_eq!(header(&a, "content-security-policy"), PAGE_CSP, "{path}");
        assert!(
            String::from_utf8_lossy(&a.body).contains("no election"),
            "{path}"
        );
    }

    // The API keeps its own policy.
    let a = b.get("/api/board").await;
    assert_eq!(
        header(&a, "content-security-policy"),
        "default-src 'none'; frame-ancestors 'none'"
    );
    let a = b.get("/api/nothing").await;
    assert_eq!(
        header(&a, "content-security-policy"),
        "default-src 'none'; frame-ancestors 'none'"
    );
    b.stop().await;
}
