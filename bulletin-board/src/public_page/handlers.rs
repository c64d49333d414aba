//! The HTTP handlers of the public pages: the election, its language and
//! this board's address from the request, the page or the "not found"
//! page as the response, with the pages' Content Security Policy.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, Response, StatusCode};

use super::language::{choose_language, election_languages};
use super::render::{render_election_page, render_not_found, render_result_page, PageContext};
use super::{PUBLIC_CSP, STYLESHEET};
use crate::machine::Shared;
use crate::sequencer::lookup;
use crate::state::AppState;

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
    if !urna_election::manifest::valid_id(id) {
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
