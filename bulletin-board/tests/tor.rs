//! Running the board and a mirror as Tor onion services (`docs/guides/mirror.md`,
//! `spec/api.md` §8.6): the voting page must work at any host name
//! (an `.onion` address) in Tor Browser's standard level, so it uses only
//! relative URLs, loads nothing from a third party, and its CSP allows
//! only its own origin. The board never sees client addresses (no per-IP
//! limits to rely on: every Tor user shares a few exit/rendezvous paths).

mod common;

use common::{post_all, request, sample, Backend, TestBoard, TestDb};
use hyper::{Method, StatusCode};

/// `http://` or `https://` followed by a host, or a protocol-relative
/// `//host` in a `src`/`href`/`url(`/`import` position.
fn absolute_urls(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for scheme in ["http://", "https://"] {
        for (i, _) in text.match_indices(scheme) {
            out.push(text[i..(i + 60).min(text.len())].to_string());
        }
    }
    for pat in [
        "src=\"//",
        "href=\"//",
        "src='//",
        "href='//",
        "url(//",
        "from \"//",
        "from '//",
    ] {
        for (i, _) in text.match_indices(pat) {
            out.push(text[i..(i + 60).min(text.len())].to_string());
        }
    }
    out
}

#[test]
fn the_page_files_use_only_relative_urls_and_no_third_party() {
    for (name, bytes) in urna_board::page::files() {
        if name.ends_with(".wasm") {
            // The module fetches nothing itself; its only URL is inside a
            // getrandom error message (never requested).
            let text = String::from_utf8_lossy(bytes);
            for u in absolute_urls(&text) {
                assert!(u.starts_with("https://docs.rs/getrandom"), "{name}: {u}");
            }
            continue;
        }
        let text = std::str::from_utf8(bytes).unwrap_or_else(|_| panic!("{name} is not text"));
        let found = absolute_urls(text);
        assert!(found.is_empty(), "{name} names absolute URLs: {found:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_works_under_any_host_name_on_board_and_mirror() {
    let s = sample();
    let board = TestBoard::start(Backend::Sqlite).await.unwrap();
    post_all(&board, &s.id, s.setup(), 0).await;
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    let m = urna_board::start_mirror(urna_board::MirrorConfig::for_tests(
        &format!("http://{}", board.addr),
        &db.url,
        db.dir.join("mirror.key"),
    ))
    .await
    .unwrap();
    for _ in 0..200 {
        let a = request(m.addr, Method::GET, &format!("/vote/{}", s.id), None).await;
        if a.status == StatusCode::OK {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    for addr in [board.addr, m.addr] {
        // `request` sends `Host: 127.0.0.1`; an onion host works the same
        // way because nothing depends on the Host header.
        let a = request(addr, Method::GET, &format!("/vote/{}", s.id), None).await;
        assert_eq!(a.status, StatusCode::OK);
        let csp = a.headers["content-security-policy"].to_str().unwrap();
        assert_eq!(csp, urna_board::page::PAGE_CSP);
        assert!(csp.contains("connect-src 'self'") && !csp.contains("http"));
        assert!(absolute_urls(std::str::from_utf8(&a.body).unwrap()).is_empty());
    }
    m.shutdown().await;
    board.stop().await;
    db.cleanup().await;
}
