//! The voting page (`spec/client.md` §8, `spec/api.md` §5.10): `GET
//! /vote/<election>` is `wasm/www/index.html`, and its files (scripts,
//! style, translations, the WebAssembly and its glue) are at
//! `/vote/<file>`, which is where the page's relative URLs point. Every
//! file is embedded at compile time (`build.rs`): the board serves
//! exactly the committed bytes and needs no files to run.
//!
//! These responses carry their own Content Security Policy, which lets
//! the page run its own scripts and WebAssembly and talk to its own
//! origin only (no third party, no inline script or style).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, Response, StatusCode};

use crate::sequencer::lookup;
use crate::state::AppState;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/www.rs"));
}

/// The Content Security Policy of the page and its files.
pub const PAGE_CSP: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; \
style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; \
form-action 'none'; frame-ancestors 'none'";

const NOT_FOUND_PAGE: &str = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n\
<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<title>Not found</title>\n</head>\n<body>\n<main>\n<h1>Not found</h1>\n\
<p>There is no election at this address. Check the link you were given.</p>\n\
</main>\n</body>\n</html>\n";

/// Every embedded file of `wasm/www/` by its path relative to it.
pub fn files() -> &'static [(&'static str, &'static [u8])] {
    embedded::FILES
}

fn file(name: &str) -> Option<&'static [u8]> {
    embedded::FILES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, b)| *b)
}

/// The media type of a file of the page, by its extension.
pub fn content_type(name: &str) -> &'static str {
    let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    match ext {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "wasm" => "application/wasm",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" | "md" | "ts" => "text/plain; charset=utf-8",
        _ if !name.contains('.') || name.ends_with("SHA256SUMS") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn respond(status: StatusCode, ctype: &'static str, body: &'static [u8]) -> Response<Body> {
    let mut res = Response::new(Body::from(body));
    *res.status_mut() = status;
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PAGE_CSP),
    );
    res
}

fn not_found() -> Response<Body> {
    respond(
        StatusCode::NOT_FOUND,
        "text/html; charset=utf-8",
        NOT_FOUND_PAGE.as_bytes(),
    )
}

/// `GET /vote` and `GET /vote/`: no election named.
pub async fn vote_root() -> Response<Body> {
    not_found()
}

/// `GET /vote/{*path}`: a file of the page, or the page of an election.
pub async fn vote(
    State(st): State<Arc<AppState>>,
    path: Result<Path<String>, PathRejection>,
) -> Response<Body> {
    let Ok(Path(path)) = path else {
        return not_found();
    };
    if path != "index.html" {
        if let Some(bytes) = file(&path) {
            return respond(StatusCode::OK, content_type(&path), bytes);
        }
    }
    if urna_election::manifest::valid_id(&path) && lookup(&st.registry, &path).is_some() {
        if let Some(page) = file("index.html") {
            return respond(StatusCode::OK, "text/html; charset=utf-8", page);
        }
    }
    not_found()
}
