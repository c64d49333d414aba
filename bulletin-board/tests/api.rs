//! The OpenAPI document matches the routes, and the documented error
//! statuses match `spec/api.md`'s code table.

mod common;

use common::{Backend, TestBoard};
use hyper::{Method, StatusCode};

/// Every operation of the generated document is served: never the
/// router's fallback, never 405. (The other direction holds by
/// construction, every API route being registered from its handler's
/// `#[utoipa::path]`; `api_routes_are_registered_with_their_documentation`
/// keeps it so.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_document_lists_exactly_the_routes() {
    let b = TestBoard::start(Backend::Sqlite).await.unwrap();
    let served = b.get("/api/openapi.json").await;
    assert_eq!(served.status, StatusCode::OK);
    let doc: serde_json::Value = serde_json::from_str(urna_board::http::openapi_json()).unwrap();
    assert_eq!(
        served.json(),
        doc,
        "the served document is the generated one"
    );
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    let mut count = 0;
    for (path, ops) in paths {
        for method in ops.as_object().unwrap().keys() {
            let concrete = path
                .replace("{id}", "no-such-election")
                .replace("{code}", &"0".repeat(64));
            let m = match method.as_str() {
                "get" => Method::GET,
                "post" => Method::POST,
                other => panic!("unexpected method {other}"),
            };
            let body = (m == Method::POST).then(|| b"{}".to_vec());
            let a = common::request(b.addr, m, &concrete, body).await;
            assert_ne!(a.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
            if a.status == StatusCode::NOT_FOUND {
                assert_ne!(
                    a.json()["message"],
                    "no such endpoint",
                    "{method} {path} is documented but not routed"
                );
            }
            count += 1;
        }
    }
    // The board's API as spec/api.md §5 lists it: 21 paths, 22 operations.
    assert_eq!(count, 22, "routes and OpenAPI operations differ in number");
    // An undocumented path is the fallback.
    let a = b.get("/api/nothing").await;
    assert_eq!(a.json()["message"], "no such endpoint");
    b.stop().await;
}

/// The document is complete: every `$ref` names a schema it defines, the
/// wire types are there, every operation documents its errors with the
/// error body, and the error body lists every stable code.
#[test]
fn openapi_document_is_complete() {
    let doc: serde_json::Value = serde_json::from_str(urna_board::http::openapi_json()).unwrap();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for name in [
        "Receipt",
        "ErrorBody",
        "SignedTreeHead",
        "Hash",
        "InclusionProof",
        "ConsistencyProof",
        "EntryBody",
        "EntriesPage",
        "ElectionInfo",
        "Totals",
    ] {
        assert!(schemas.contains_key(name), "schema {name} missing");
    }
    fn refs(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                if let Some(serde_json::Value::String(r)) = m.get("$ref") {
                    out.push(r.clone());
                }
                m.values().for_each(|v| refs(v, out));
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(all.len() > 20, "only {} references", all.len());
    for r in &all {
        let name = r
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("unexpected reference {r}"));
        assert!(schemas.contains_key(name), "{r} names no schema");
    }
    let codes = schemas["ErrorBody"]["properties"]["code"]["enum"]
        .as_array()
        .unwrap();
    assert_eq!(codes.len(), urna_api::ErrorCode::ALL.len());
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            let r = op["responses"].as_object().unwrap();
            assert!(r.contains_key("200"), "{method} {path}: no 200");
            assert!(r.contains_key("503"), "{method} {path}: no 503");
            assert_eq!(
                r["503"]["content"]["application/json"]["schema"]["$ref"],
                "#/components/schemas/ErrorBody"
            );
            if method == "post" {
                for s in ["400", "409", "413", "422"] {
                    assert!(r.contains_key(s), "{method} {path}: no {s}");
                }
            }
        }
    }
    let ballot = &doc["paths"]["/api/elections/{id}/ballots"]["post"]["responses"];
    assert!(ballot["429"]["description"]
        .as_str()
        .unwrap()
        .contains("ERR_RATE_LIMITED"));
}

/// No API route bypasses the document: in the board's router sources,
/// every `/api/…` path is registered through `routes!` (the mirror's own
/// routes, `spec/api.md` §8, are outside the board's document).
#[test]
fn api_routes_are_registered_with_their_documentation() {
    let dir = format!("{}/src/http", env!("CARGO_MANIFEST_DIR"));
    let mut seen = 0;
    for f in std::fs::read_dir(&dir).unwrap() {
        let path = f.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for (at, _) in text.match_indices(".route(") {
            let arg = text[at + ".route(".len()..].trim_start();
            assert!(
                !["\"/api", "\"/healthz", "\"/metrics"]
                    .iter()
                    .any(|p| arg.starts_with(p)),
                "{}: an API route registered without its documentation: {}",
                path.display(),
                &arg[..arg.len().min(60)]
            );
        }
        seen += text.matches("routes!(").count();
    }
    assert!(seen >= 20, "only {seen} routes! registrations found");
}

#[test]
fn every_error_code_has_its_documented_status() {
    let spec = std::fs::read_to_string(format!(
        "{}/../spec/api.md",
        std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR is set by cargo")
    ))
    .expect("spec/api.md");
    let mut seen = 0;
    for line in spec.lines() {
        // Rows of the code table: | `ERR_…` | 409 | …
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 4 || !cells[1].starts_with("`ERR_") {
            continue;
        }
        let code = cells[1].trim_matches('`');
        let Ok(status) = cells[2].parse::<u16>() else {
            continue;
        };
        assert_eq!(
            urna_board::status_of(code).as_u16(),
            status,
            "{code}: spec/api.md says {status}"
        );
        seen += 1;
    }
    assert!(seen >= 25, "only {seen} codes found in spec/api.md");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_headers_and_no_cors() {
    let b = TestBoard::start(Backend::Sqlite).await.unwrap();
    let a = b.get("/healthz").await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.headers["x-content-type-options"], "nosniff");
    assert_eq!(a.headers["x-frame-options"], "DENY");
    assert!(a.headers.contains_key("content-security-policy"));
    assert!(!a.headers.contains_key("access-control-allow-origin"));
    // 405 is a JSON error too.
    let a = common::request(b.addr, Method::DELETE, "/healthz", None).await;
    assert_eq!(a.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(a.code(), "ERR_BAD_REQUEST");
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn c07_no_ip_or_user_agent_columns() {
    let db = common::TestDb::new(Backend::Sqlite).await.unwrap();
    let store = urna_board::store::sqlite::SqliteStore::open(&db.url)
        .await
        .unwrap();
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT name FROM pragma_table_info('ballots') UNION ALL SELECT name FROM pragma_table_info('entries') \
         UNION ALL SELECT name FROM pragma_table_info('tree_heads') UNION ALL SELECT name FROM pragma_table_info('elections')",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    for (c,) in &rows {
        let c = c.to_lowercase();
        assert!(
            !c.contains("ip") && !c.contains("agent") && !c.contains("addr"),
            "{c}"
        );
    }
    // The log tables reject UPDATE and DELETE.
    for sql in [
        "UPDATE entries SET tag = 0",
        "DELETE FROM entries",
        "DELETE FROM tree_heads",
        "UPDATE ballots SET spoiled = 0",
    ] {
        sqlx::query("INSERT OR IGNORE INTO elections (id, manifest_hash, created_at_ms) VALUES ('x', x'00', 1)")
            .execute(store.pool())
            .await
            .unwrap();
        sqlx::query("INSERT OR IGNORE INTO entries (election, seq, tag, bytes, leaf_hash) VALUES ('x', 0, 1, x'01', x'00')")
            .execute(store.pool())
            .await
            .unwrap();
        let r = sqlx::query(sql).execute(store.pool()).await;
        if sql.contains("entries") {
            assert!(r.is_err(), "{sql} must be refused");
        }
    }
    db.cleanup().await;
}
